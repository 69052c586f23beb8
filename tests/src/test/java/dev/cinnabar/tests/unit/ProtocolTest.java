package dev.cinnabar.tests.unit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.testkit.CinnabarExtension;
import dev.cinnabar.testkit.RealRedis;
import dev.cinnabar.testkit.Resp;
import dev.cinnabar.testkit.RespClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The request protocol (Redis's tests/unit/protocol.tcl area): raw bytes go to a real Redis 7.0 and
 * to Cinnabar on fresh sockets; the bytes each sends back, and whether it closes the connection,
 * must be identical. Then robustness: garbage, huge inputs, and other clients staying served.
 */
class ProtocolTest {
    @RegisterExtension
    static CinnabarExtension server = new CinnabarExtension().keepDataBetweenTests();

    private static RealRedis redis;

    @BeforeAll
    static void startRedis() {
        redis = RealRedis.start();
    }

    @AfterAll
    static void stopRedis() {
        if (redis != null) {
            redis.close();
        }
    }

    /** What a server answered to some input: the bytes, and whether it closed the connection. */
    record Outcome(String bytes, boolean closed) {
    }

    /** Sends input on a new connection; reads until the server closes or stays quiet for quietMillis. */
    static Outcome exchange(int port, byte[] input, int quietMillis) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(quietMillis);
            OutputStream out = s.getOutputStream();
            out.write(input);
            out.flush();
            InputStream in = s.getInputStream();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            boolean closed = false;
            while (true) {
                int n;
                try {
                    n = in.read(buf);
                } catch (SocketTimeoutException e) {
                    break;
                } catch (IOException e) {
                    closed = true; // reset by peer
                    break;
                }
                if (n < 0) {
                    closed = true;
                    break;
                }
                got.write(buf, 0, n);
            }
            return new Outcome(got.toString(StandardCharsets.ISO_8859_1), closed);
        }
    }

    static void same(String input) throws IOException {
        same(input.getBytes(StandardCharsets.ISO_8859_1));
    }

    static void same(byte[] input) throws IOException {
        same(redis.port(), server.port(), input);
    }

    /** Runs the exchange on both servers at once (the quiet period is paid once). */
    static void same(int redisPort, int ourPort, byte[] input) throws IOException {
        java.util.concurrent.CompletableFuture<Outcome> expected = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return exchange(redisPort, input, QUIET_MILLIS);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        Outcome actual = exchange(ourPort, input, QUIET_MILLIS);
        assertThat(actual).as("reply to %s", printable(input)).isEqualTo(expected.join());
    }

    /** How long a server may stay silent before we take it that it waits for more input. */
    static final int QUIET_MILLIS = 400;

    static String printable(byte[] b) {
        String s = new String(b, 0, Math.min(b.length, 120), StandardCharsets.ISO_8859_1);
        return s.replace("\r", "\\r").replace("\n", "\\n") + (b.length > 120 ? "...(" + b.length + " bytes)" : "");
    }

    @Test
    void wellFormedAndPipelinedRequests() throws IOException {
        same("*1\r\n$4\r\nPING\r\n");
        same("*2\r\n$4\r\nECHO\r\n$0\r\n\r\n");
        same("*2\r\n$4\r\nECHO\r\n$3\r\nabc\r\n*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$1\r\nz\r\n");
        same("*0\r\n*1\r\n$4\r\nPING\r\n");
        same("*-1\r\n*-5\r\n*1\r\n$4\r\nPING\r\n");
    }

    @Test
    void inlineCommandsAsTelnetSendsThem() throws IOException {
        same("PING\r\n");
        same("PING\n");
        same("ECHO hello\r\n");
        same("ECHO \"hello world\"\r\n");
        same("ECHO 'single quoted'\r\n");
        same("ECHO \"esc\\x41\\n\\t\\\\\"\r\n");
        same("ECHO 'it\\'s'\r\n");
        same("\r\n\r\nPING\r\n");
        same("   \r\nPING\r\n");
        same("ECHO    many    blanks   \r\n");
        same("ECHO\ta\r\n");
        same("NOSUCHCMD a b\r\n");
    }

    @Test
    void inlineQuotingErrorsCloseTheConnection() throws IOException {
        same("ECHO \"unbalanced\r\n");
        same("ECHO 'unbalanced\r\n");
        same("ECHO \"a\"b\r\n");
        same("ECHO 'a'b\r\nPING\r\n");
    }

    @Test
    void multibulkHeaderErrors() throws IOException {
        same("*abc\r\n");
        same("*1x\r\n");
        same("*\r\n");
        same("*3000000000\r\n");
        same("*1\n$4\r\nPING\r\n");
        same("*1\r\nfoo\r\n");
        same("*1\r\n$abc\r\n");
        same("*1\r\n$-1\r\n");
        same("*1\r\n$\r\n");
        same("*1\r\n$600000000\r\n");
        same("*2\r\n$4\r\nECHO\r\n$3\r\nabcde\r\n");
    }

    @Test
    void headerNumbersPayloadTrailersAndNulBytesAsRedisReadsThem() throws IOException {
        same("*01\r\n$4\r\nPING\r\n");
        same("*+1\r\n$4\r\nPING\r\n");
        same("*-0\r\n*1\r\n$4\r\nPING\r\n");
        same("*-9223372036854775808\r\n*1\r\n$4\r\nPING\r\n");
        same("*9223372036854775808\r\n");
        same("*1\r\n$04\r\nPING\r\n");
        same("*1\r\n$+4\r\nPING\r\n");
        same("*1\r\n$-0\r\n\r\n");
        same("*1\r\n$4\r\nPINGxx*1\r\n$4\r\nPING\r\n");
        same("*1\r\n\r\nxx");
        same("*1\r\n$4\0\r\nPING\r\n");
        same("PI\0NG\r\nPING\r\n");
        same("*2\r\n$4\r\nECHO\r\n$3\r\na\0b\r\n");
    }

    @Test
    void truncatedFramesWaitForMoreInput() throws IOException {
        same("*2\r\n$4\r\nECHO\r\n$10\r\nabc");
        same("*2\r\n$4\r\nEC");
        same("*2\r");
        same("*1\r\n$4\r\nPING\r\n*2\r\n");
    }

    @Test
    void tooLongLinesWithoutNewline() throws IOException {
        byte[] inline = new byte[70 * 1024];
        java.util.Arrays.fill(inline, (byte) 'a');
        same(inline);
        byte[] count = new byte[70 * 1024];
        java.util.Arrays.fill(count, (byte) '1');
        count[0] = '*';
        same(count);
        byte[] bulk = ("*1\r\n$" + "1".repeat(70 * 1024)).getBytes(StandardCharsets.ISO_8859_1);
        same(bulk);
    }

    @Test
    void unauthenticatedLimitsWithRequirepass() throws IOException {
        try (RealRedis protectedRedis = RealRedis.start()) {
            // set after start: the launcher's readiness probe is an unauthenticated PING
            assertThat(protectedRedis.client().call("CONFIG", "SET", "requirepass", "pw")).isEqualTo(new Resp.Simple("OK"));
            CinnabarExtension ours = new CinnabarExtension().setting("requirepass", "pw");
            ours.start();
            try {
                String[] cases = {
                    "*11\r\n",
                    "*10\r\n$1\r\na\r\n",
                    "*1\r\n$20000\r\n",
                    "*1\r\n$16384\r\n",
                    "*2\r\n$4\r\nAUTH\r\n$2\r\npw\r\n*11\r\n$4\r\nECHO\r\n",
                    "*1\r\n$4\r\nPING\r\n",
                    "AUTH pw\r\nPING\r\n",
                };
                for (String c : cases) {
                    same(protectedRedis.port(), ours.server().port(), c.getBytes(StandardCharsets.ISO_8859_1));
                }
            } finally {
                ours.server().close();
            }
        }
    }

    @Test
    void aClientStreamingAGigabyteWithoutNewlineIsClosedEarly() throws IOException {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            byte[] chunk = new byte[1 << 20];
            java.util.Arrays.fill(chunk, (byte) 'x');
            long sent = 0;
            try {
                while (sent < (1L << 30)) {
                    out.write(chunk);
                    sent += chunk.length;
                }
            } catch (IOException closedByServer) {
                // expected: the server closed the connection
            }
            assertThat(sent).as("bytes accepted before the close").isLessThan(64L << 20);
            InputStream in = s.getInputStream();
            String reply = new String(in.readNBytes(200), StandardCharsets.ISO_8859_1);
            assertThat(reply).startsWith("-ERR Protocol error: too big inline request");
        } catch (java.net.SocketException resetBeforeReading) {
            // a reset may also hide the error line; the server must still be alive below
        }
        try (RespClient c = server.client()) {
            assertThat(c.call("PING")).isEqualTo(new Resp.Simple("PONG"));
        }
    }

    @Test
    void randomGarbageNeverKillsTheServer() throws IOException {
        Random rnd = new Random(42);
        byte[] alphabet = "*$\r\n0123456789-abcPINGECHO \"'\\x".getBytes(StandardCharsets.ISO_8859_1);
        try (RespClient bystander = server.client()) {
            for (int round = 0; round < 60; round++) {
                byte[] junk = new byte[1 + rnd.nextInt(300)];
                for (int i = 0; i < junk.length; i++) {
                    junk[i] = rnd.nextInt(4) == 0 ? (byte) rnd.nextInt(256) : alphabet[rnd.nextInt(alphabet.length)];
                }
                exchange(server.port(), junk, 30);
                assertThat(bystander.call("ECHO", "still-here")).isEqualTo(new Resp.Bulk("still-here".getBytes()));
            }
        }
    }
}
