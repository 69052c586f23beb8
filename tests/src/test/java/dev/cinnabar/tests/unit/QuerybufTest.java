package dev.cinnabar.tests.unit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.testkit.CinnabarExtension;
import dev.cinnabar.testkit.Resp;
import dev.cinnabar.testkit.RespClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Large arguments through real sockets (Redis's tests/unit/querybuf.tcl area): a value arriving
 * in uneven reads round-trips byte for byte, clients announcing huge bulks hold only what they
 * sent, and client-query-buffer-limit still closes a client whose bulk outgrows it, as Redis 7.0
 * does (compared with a real Redis).
 */
class QuerybufTest {
    @RegisterExtension
    static CinnabarExtension server = new CinnabarExtension();
    @RegisterExtension
    static DifferentialPair d = new DifferentialPair(server);

    private static byte[] setHeader(String key, long len) {
        return ("*3\r\n$3\r\nSET\r\n$" + key.length() + "\r\n" + key + "\r\n$" + len + "\r\n")
                .getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void aLargeValueArrivingInUnevenReadsRoundTrips() throws IOException {
        int size = 24 << 20;
        byte[] value = new byte[size];
        new Random(1).nextBytes(value);
        ByteArrayOutputStream request = new ByteArrayOutputStream();
        request.writeBytes(setHeader("big", size));
        request.writeBytes(value);
        request.writeBytes("\r\n*2\r\n$6\r\nSTRLEN\r\n$3\r\nbig\r\n".getBytes(StandardCharsets.ISO_8859_1));
        byte[] all = request.toByteArray();
        Random rnd = new Random(2);
        try (RespClient c = server.client()) {
            c.timeout(60_000);
            for (int off = 0; off < all.length; ) {
                int n = Math.min(all.length - off, 1 + rnd.nextInt(rnd.nextBoolean() ? 100 : 1 << 20));
                byte[] chunk = java.util.Arrays.copyOfRange(all, off, off + n);
                c.writeRaw(chunk);
                off += n;
            }
            assertThat(c.read()).isEqualTo(new Resp.Simple("OK"));
            assertThat(c.read()).isEqualTo(new Resp.Int(size));
            assertThat(c.call("GET", "big")).isEqualTo(new Resp.Bulk(value));
        }
    }

    @Test
    void clientsAnnouncingHugeBulksAreAccountedForWhatTheySent() throws IOException {
        int sent = 1 << 20;
        List<Socket> hostile = new ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) {
                Socket s = new Socket("127.0.0.1", server.port());
                hostile.add(s);
                OutputStream out = s.getOutputStream();
                out.write(setHeader("k" + i, 536_870_912));
                out.write(new byte[sent]);
                out.flush();
            }
            try (RespClient c = server.client()) {
                long deadline = System.currentTimeMillis() + 10_000;
                List<String> lines;
                do {
                    lines = hostileLines(c);
                } while (!allReceived(lines, sent) && System.currentTimeMillis() < deadline);
                assertThat(lines).hasSize(4);
                for (String line : lines) {
                    // what the connection holds for its request: the bytes that came, not the 512 MB announced
                    assertThat(field(line, "qbuf") + field(line, "argv-mem")).as(line)
                            .isBetween((long) sent, sent + 64L * 1024);
                }
                assertThat(c.call("PING")).isEqualTo(new Resp.Simple("PONG"));
            }
        } finally {
            for (Socket s : hostile) {
                s.close();
            }
        }
        try (RespClient c = server.client()) {
            assertThat(c.call("DBSIZE")).isEqualTo(new Resp.Int(0));
        }
    }

    private static List<String> hostileLines(RespClient c) {
        String list = ((Resp.Bulk) c.call("CLIENT", "LIST")).text();
        List<String> out = new ArrayList<>();
        for (String line : list.split("\n")) {
            // the connections with a request under way (this one runs CLIENT LIST, the pair's idle)
            if (!line.contains("cmd=client") && field(line, "qbuf") + field(line, "argv-mem") > 0) {
                out.add(line);
            }
        }
        return out;
    }

    private static boolean allReceived(List<String> lines, long sent) {
        for (String line : lines) {
            if (field(line, "qbuf") + field(line, "argv-mem") < sent) {
                return false;
            }
        }
        return lines.size() == 4;
    }

    private static long field(String line, String name) {
        for (String kv : line.split(" ")) {
            if (kv.startsWith(name + "=")) {
                return Long.parseLong(kv.substring(name.length() + 1));
            }
        }
        throw new AssertionError("no " + name + " in " + line);
    }

    /** What a server did with a request sent in 64 KiB writes: its reply bytes and whether it closed. */
    record Outcome(String reply, boolean closed) {
    }

    private static Outcome sendInChunks(int port, byte[] input) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(2_000);
            OutputStream out = s.getOutputStream();
            try {
                for (int off = 0; off < input.length; off += 64 << 10) {
                    out.write(input, off, Math.min(64 << 10, input.length - off));
                    out.flush();
                }
            } catch (IOException closedWhileSending) {
                // the server closed the connection
            }
            InputStream in = s.getInputStream();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            byte[] buf = new byte[4096];
            while (true) {
                int n;
                try {
                    n = in.read(buf);
                } catch (SocketTimeoutException open) {
                    return new Outcome(got.toString(StandardCharsets.ISO_8859_1), false);
                } catch (IOException reset) {
                    return new Outcome(got.toString(StandardCharsets.ISO_8859_1), true);
                }
                if (n < 0) {
                    return new Outcome(got.toString(StandardCharsets.ISO_8859_1), true);
                }
                got.write(buf, 0, n);
            }
        }
    }

    @Test
    void aBulkLargerThanTheQueryBufferLimitClosesTheClientAsInRedis() throws IOException {
        for (RespClient c : List.of(d.real, d.ours)) {
            assertThat(c.call("CONFIG", "SET", "client-query-buffer-limit", "1mb")).isEqualTo(new Resp.Simple("OK"));
        }
        try {
            byte[] big = setRequest("k", 2 << 20);
            Outcome expected = sendInChunks(d.redisPort(), big);
            assertThat(expected).isEqualTo(new Outcome("", true));
            assertThat(sendInChunks(server.port(), big)).isEqualTo(expected);
            byte[] fits = setRequest("k", 900 << 10);
            Outcome fitting = sendInChunks(d.redisPort(), fits);
            assertThat(fitting).isEqualTo(new Outcome("+OK\r\n", false));
            assertThat(sendInChunks(server.port(), fits)).isEqualTo(fitting);
        } finally {
            for (RespClient c : List.of(d.real, d.ours)) {
                c.call("CONFIG", "SET", "client-query-buffer-limit", "1gb");
            }
        }
    }

    /** SET key with a value of size zero bytes. */
    private static byte[] setRequest(String key, int size) {
        ByteArrayOutputStream request = new ByteArrayOutputStream();
        request.writeBytes(setHeader(key, size));
        request.writeBytes(new byte[size]);
        request.writeBytes("\r\n".getBytes(StandardCharsets.ISO_8859_1));
        return request.toByteArray();
    }
}
