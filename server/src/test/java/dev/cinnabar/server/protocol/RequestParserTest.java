package dev.cinnabar.server.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The request decoder, without a network: every input is also fed split at every byte position
 * (and one byte at a time), and must decode to the same requests as when fed whole.
 */
class RequestParserTest {
    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Decodes input fed in the given chunk boundaries; returns requests as strings. */
    private static List<String> decode(RequestParser p, byte[] input, int... cuts) throws ProtocolException {
        List<String> out = new ArrayList<>();
        ByteBuf buf = Unpooled.buffer();
        int from = 0;
        int[] bounds = Arrays.copyOf(cuts, cuts.length + 1);
        bounds[cuts.length] = input.length;
        for (int to : bounds) {
            buf.writeBytes(input, from, to - from);
            from = to;
            byte[][] argv;
            while ((argv = p.next(buf)) != null) {
                if (argv.length > 0) {
                    List<String> args = new ArrayList<>();
                    for (byte[] a : argv) {
                        args.add(new String(a, StandardCharsets.ISO_8859_1));
                    }
                    out.add(args.toString());
                }
            }
            buf.discardReadBytes();
        }
        return out;
    }

    private static void assertSameAtEverySplit(String input, String... expected) throws ProtocolException {
        byte[] in = b(input);
        assertThat(decode(new RequestParser(), in)).containsExactly(expected);
        for (int cut = 0; cut <= in.length; cut++) {
            assertThat(decode(new RequestParser(), in, cut)).as("split at %d", cut).containsExactly(expected);
        }
        int[] every = new int[in.length];
        for (int i = 0; i < in.length; i++) {
            every[i] = i;
        }
        assertThat(decode(new RequestParser(), in, every)).as("byte by byte").containsExactly(expected);
    }

    @Test
    void multibulkAtEverySplitPoint() throws ProtocolException {
        assertSameAtEverySplit("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nva\r\nl\r\n", "[SET, k, va\r\nl]");
        assertSameAtEverySplit("*2\r\n$4\r\nECHO\r\n$0\r\n\r\n", "[ECHO, ]");
    }

    @Test
    void pipelineMixingMultibulkAndInline() throws ProtocolException {
        assertSameAtEverySplit("PING\r\n*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\nECHO \"a b\" 'c'\n*0\r\n\r\n",
                "[PING]", "[ECHO, hi]", "[ECHO, a b, c]");
    }

    @Test
    void binarySafeBulks() throws ProtocolException {
        byte[] payload = new byte[256];
        for (int i = 0; i < 256; i++) {
            payload[i] = (byte) i;
        }
        ByteBuf buf = Unpooled.buffer();
        buf.writeBytes(b("*1\r\n$256\r\n"));
        buf.writeBytes(payload);
        buf.writeBytes(b("\r\n"));
        byte[][] argv = new RequestParser().next(buf);
        assertThat(argv).hasDimensions(1, 256);
        assertThat(argv[0]).isEqualTo(payload);
    }

    @Test
    void inlineSplitting() {
        assertThat(strings(RequestParser.splitArgs(b("set \"a\\x41\\n\" 'b\\'c' d"))))
                .containsExactly("set", "aA\n", "b'c", "d");
        assertThat(RequestParser.splitArgs(b("\"unterminated"))).isNull();
        assertThat(RequestParser.splitArgs(b("\"closed\"x"))).isNull();
        assertThat(RequestParser.splitArgs(b("   "))).isEmpty();
    }

    private static List<String> strings(byte[][] argv) {
        List<String> out = new ArrayList<>();
        for (byte[] a : argv) {
            out.add(new String(a, StandardCharsets.ISO_8859_1));
        }
        return out;
    }

    private static String error(String input) {
        try {
            decode(new RequestParser(), b(input));
            return null;
        } catch (ProtocolException e) {
            return e.getMessage();
        }
    }

    @Test
    void protocolErrorsCarryRedisTexts() {
        assertThat(error("*x\r\n")).isEqualTo("Protocol error: invalid multibulk length");
        assertThat(error("*3000000000\r\n")).isEqualTo("Protocol error: invalid multibulk length");
        assertThat(error("*1\r\n$-1\r\n")).isEqualTo("Protocol error: invalid bulk length");
        assertThat(error("*1\r\n$x\r\n")).isEqualTo("Protocol error: invalid bulk length");
        assertThat(error("*1\r\n+x\r\n")).isEqualTo("Protocol error: expected '$', got '+'");
        assertThat(error("ECHO \"x\r\n")).isEqualTo("Protocol error: unbalanced quotes in request");
        assertThat(error("x".repeat(70_000))).isEqualTo("Protocol error: too big inline request");
        assertThat(error("*" + "1".repeat(70_000))).isEqualTo("Protocol error: too big mbulk count string");
        assertThat(error("*1\r\n$" + "1".repeat(70_000))).isEqualTo("Protocol error: too big bulk count string");
    }

    @Test
    void unauthenticatedLimits() {
        RequestParser p = new RequestParser();
        p.unauthenticated(true);
        assertThatThrownBy(() -> decode(p, b("*11\r\n"))).hasMessage("Protocol error: unauthenticated multibulk length");
        RequestParser q = new RequestParser();
        q.unauthenticated(true);
        assertThatThrownBy(() -> decode(q, b("*1\r\n$16385\r\n")))
                .hasMessage("Protocol error: unauthenticated bulk length");
    }

    @Test
    void hugeDeclaredLengthsAllocateNothingUpFront() throws ProtocolException {
        RequestParser p = new RequestParser();
        ByteBuf buf = Unpooled.buffer();
        buf.writeBytes(b("*2147483647\r\n$536870912\r\nabc"));
        assertThat(p.next(buf)).isNull();
        assertThat(p.pendingBytes()).isZero();
    }

    @Test
    void randomInputNeverThrowsAnythingButProtocolErrors() {
        Random rnd = new Random(7);
        byte[] alphabet = b("*$\r\n0123456789-+abc \"'\\x");
        for (int round = 0; round < 2000; round++) {
            byte[] junk = new byte[1 + rnd.nextInt(64)];
            for (int i = 0; i < junk.length; i++) {
                junk[i] = alphabet[rnd.nextInt(alphabet.length)];
            }
            int cut = rnd.nextInt(junk.length + 1);
            try {
                decode(new RequestParser(), junk, cut);
            } catch (ProtocolException expected) {
                // fine: a Redis protocol error
            }
        }
    }
}
