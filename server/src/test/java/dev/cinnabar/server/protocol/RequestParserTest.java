package dev.cinnabar.server.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.IntUnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The request decoder, without a network: every input is also fed split at every byte position
 * (and one byte at a time), and must decode to the same requests as when fed whole. Random valid
 * pipelines decode the same in any chunking; mutated ones fail only with protocol errors and never
 * allocate in proportion to an announced length; a large bulk arriving in many reads is copied
 * linearly and not cumulated.
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
        return error(new RequestParser(), input);
    }

    /** The protocol error the parser reports for input (fed whole), or null. */
    private static String error(RequestParser p, String input) {
        try {
            decode(p, b(input));
            return null;
        } catch (ProtocolException e) {
            return e.getMessage();
        }
    }

    private static void assertErrors(String expected, String... inputs) {
        for (String input : inputs) {
            assertThat(error(input)).as(input.replace("\r\n", "\\r\\n")).isEqualTo(expected);
        }
    }

    private static RequestParser unauthenticated() {
        RequestParser p = new RequestParser();
        p.unauthenticated(true);
        return p;
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
    void hugeDeclaredLengthsAllocateNothingUpFront() throws ProtocolException {
        RequestParser p = new RequestParser();
        ByteBuf buf = Unpooled.buffer();
        buf.writeBytes(b("*2147483647\r\n$536870912\r\nabc"));
        assertThat(p.next(buf)).isNull();
        assertThat(p.pendingBytes()).as("the received part of the bulk").isEqualTo(3);
        assertThat(buf.isReadable()).as("consumed from the input").isFalse();
        assertThat(p.heldCapacity()).isLessThanOrEqualTo(8L * RequestParser.FIRST_ARGV + 2L * RequestParser.FIRST_PARTIAL);
    }

    @Test
    void headerNumbersReadAsRedisReadsThem() throws ProtocolException {
        assertErrors("Protocol error: invalid multibulk length", "*01\r\n", "*+1\r\n", "*-0\r\n", "*-\r\n",
                "*9223372036854775808\r\n", "*2147483648\r\n");
        assertErrors("Protocol error: invalid bulk length", "*1\r\n$04\r\nPING\r\n", "*1\r\n$+4\r\nPING\r\n",
                "*1\r\n$-0\r\n", "*1\r\n$-9223372036854775808\r\n", "*1\r\n$4 \r\nPING\r\n");
        // the smallest long is a count of 0 or less: an empty request, skipped
        assertSameAtEverySplit("*-9223372036854775808\r\n*1\r\n$4\r\nPING\r\n", "[PING]");
        assertSameAtEverySplit("*0\r\n*1\r\n$0\r\n\r\n", "[]");
    }

    @Test
    void theTwoBytesAfterAPayloadAreSkippedUnchecked() throws ProtocolException {
        assertSameAtEverySplit("*1\r\n$4\r\nPINGxx*1\r\n$4\r\nPING\r\n", "[PING]", "[PING]");
        assertSameAtEverySplit("*2\r\n$4\r\nECHO\r\n$3\r\nabcde\r\n", "[ECHO, abc]");
    }

    @Test
    void aNulByteKeepsALineFromEverEnding() throws ProtocolException {
        // Redis searches header and inline lines as C strings: the search stops at a NUL
        assertThat(decode(new RequestParser(), b("*1\r\n$4\0\r\nPING\r\n"))).isEmpty();
        assertThat(decode(new RequestParser(), b("PI\0NG\r\nPING\r\n"))).isEmpty();
        assertThat(decode(new RequestParser(), b("*1\0\r\n$4\r\nPING\r\n"), 3)).isEmpty();
        assertThat(error("*1\r\n$4\0\r\n" + "x".repeat(70_000))).isEqualTo("Protocol error: too big bulk count string");
        assertThat(error("PI\0NG\r\n" + "x".repeat(70_000))).isEqualTo("Protocol error: too big inline request");
        // in a payload a NUL is just a byte
        assertSameAtEverySplit("*2\r\n$4\r\nECHO\r\n$3\r\na\0b\r\n", "[ECHO, a\0b]");
    }

    @Test
    void unauthenticatedLimitsAtTheirBoundaries() throws ProtocolException {
        assertThat(error(unauthenticated(), "*11\r\n")).isEqualTo("Protocol error: unauthenticated multibulk length");
        assertThat(error(unauthenticated(), "*1\r\n$16385\r\n")).isEqualTo("Protocol error: unauthenticated bulk length");
        StringBuilder ten = new StringBuilder("*10\r\n");
        for (int i = 0; i < 10; i++) {
            ten.append("$1\r\na\r\n");
        }
        ten.append("*1\r\n$16384\r\n").append("y".repeat(16384)).append("\r\n");
        assertThat(decode(unauthenticated(), b(ten.toString()))).hasSize(2);
        // Redis checks the absolute limits first
        assertThat(error(unauthenticated(), "*3000000000\r\n")).isEqualTo("Protocol error: invalid multibulk length");
        assertThat(error(unauthenticated(), "*1\r\n$600000000\r\n")).isEqualTo("Protocol error: invalid bulk length");
        // limits apply per header: lifting them mid-stream lets the next request through
        RequestParser t = unauthenticated();
        ByteBuf buf = Unpooled.buffer();
        buf.writeBytes(b("*2\r\n$4\r\nAUTH\r\n$2\r\npw\r\n*11\r\n"));
        assertThat(strings(t.next(buf))).containsExactly("AUTH", "pw");
        t.unauthenticated(false);
        assertThat(t.next(buf)).isNull();
    }

    @Test
    void bulksLongerThanAJavaArrayAreRefused() {
        RequestParser p = new RequestParser();
        p.maxBulkLen(Long.MAX_VALUE);
        assertThat(error(p, "*1\r\n$2147483648\r\n")).isEqualTo("Protocol error: invalid bulk length");
    }

    // ---- random valid pipelines, chunked in every way

    /** Feeds input as the connection handler does (reads appended to what is left), checking memory after each read. */
    private static List<List<String>> feed(RequestParser p, byte[] input, IntUnaryOperator chunk) throws ProtocolException {
        List<List<String>> out = new ArrayList<>();
        ByteBuf cum = Unpooled.buffer();
        int off = 0;
        while (off < input.length) {
            int n = Math.min(input.length - off, Math.max(1, chunk.applyAsInt(off)));
            cum.writeBytes(input, off, n);
            off += n;
            byte[][] argv;
            while ((argv = p.next(cum)) != null) {
                if (argv.length > 0) {
                    out.add(strings(argv));
                }
            }
            long bound = 4L * off + 2L * RequestParser.FIRST_PARTIAL + 8L * RequestParser.FIRST_ARGV;
            if (p.heldCapacity() > bound) { // (no AssertJ per read: the allocation checks measure this loop)
                throw new AssertionError("after " + off + " bytes the parser holds " + p.heldCapacity() + " > " + bound);
            }
            cum.discardReadBytes();
        }
        return out;
    }

    /** A random pipeline of multibulk (binary arguments, some large or many), empty and inline requests. */
    private static byte[] randomPipeline(Random rnd, int requests, int maxArg, List<List<String>> expected) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int r = 0; r < requests; r++) {
            int kind = rnd.nextInt(12);
            if (kind == 0) {
                List<String> words = new ArrayList<>();
                for (int i = 1 + rnd.nextInt(4); i > 0; i--) {
                    words.add(Long.toString(rnd.nextLong() & 0xffffffL, 36));
                }
                out.writeBytes(b(String.join(" ", words) + (rnd.nextBoolean() ? "\r\n" : "\n")));
                expected.add(words);
            } else if (kind == 1) {
                out.writeBytes(b(rnd.nextBoolean() ? "*0\r\n" : "*-1\r\n"));
            } else {
                int argc = rnd.nextInt(40) == 0 ? 1025 + rnd.nextInt(300) : 1 + rnd.nextInt(12);
                out.writeBytes(b("*" + argc + "\r\n"));
                List<String> args = new ArrayList<>();
                for (int i = 0; i < argc; i++) {
                    int len = rnd.nextInt(8) == 0 ? rnd.nextInt(maxArg + 1) : rnd.nextInt(20);
                    byte[] a = new byte[len];
                    rnd.nextBytes(a);
                    out.writeBytes(b("$" + len + "\r\n"));
                    out.writeBytes(a);
                    out.writeBytes(b("\r\n"));
                    args.add(new String(a, StandardCharsets.ISO_8859_1));
                }
                expected.add(args);
            }
        }
        return out.toByteArray();
    }

    @Test
    void randomPipelinesDecodeTheSameInAnyChunking() throws ProtocolException {
        Random rnd = new Random(3);
        for (int round = 0; round < 40; round++) {
            List<List<String>> expected = new ArrayList<>();
            byte[] input = randomPipeline(rnd, 1 + rnd.nextInt(8), 70_000, expected);
            assertThat(feed(new RequestParser(), input, off -> Integer.MAX_VALUE)).isEqualTo(expected);
            assertThat(feed(new RequestParser(), input, off -> 1)).as("byte by byte").isEqualTo(expected);
            for (int k = 0; k < 5; k++) {
                int max = 1 << rnd.nextInt(17);
                assertThat(feed(new RequestParser(), input, off -> 1 + rnd.nextInt(max))).as("chunks up to %d", max)
                        .isEqualTo(expected);
            }
        }
    }

    @Test
    void smallRandomPipelinesDecodeTheSameAtEverySplitPosition() throws ProtocolException {
        Random rnd = new Random(5);
        for (int round = 0; round < 60; round++) {
            List<List<String>> expected = new ArrayList<>();
            byte[] input = randomPipeline(rnd, 1 + rnd.nextInt(4), 40, expected);
            if (input.length > 2_000) {
                continue; // the many-arguments case: covered by the chunking test
            }
            for (int cut = 0; cut <= input.length; cut++) {
                int at = cut;
                assertThat(feed(new RequestParser(), input, off -> off == 0 ? Math.max(1, at) : Integer.MAX_VALUE))
                        .as("split at %d", cut).isEqualTo(expected);
            }
        }
    }

    // ---- mutations of valid frames

    private static final String[] NUMBERS = {"536870912", "2147483647", "2147483648", "9223372036854775807",
        "99999999999999999999", "-1", "0", "00", "16385", "1025", "1048576", "-9223372036854775808", ""};

    private static byte[] mutate(Random rnd, byte[] in) {
        byte[] cur = in;
        for (int m = 1 + rnd.nextInt(3); m > 0 && cur.length > 0; m--) {
            int at = rnd.nextInt(cur.length);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            switch (rnd.nextInt(6)) {
                case 0 -> { // any byte
                    cur = cur.clone();
                    cur[at] = (byte) rnd.nextInt(256);
                    continue;
                }
                case 1 -> { // a protocol character
                    cur = cur.clone();
                    cur[at] = "*$\r\n-0123456789\0 ".getBytes(StandardCharsets.ISO_8859_1)[rnd.nextInt(17)];
                    continue;
                }
                case 2 -> { // another count or length after a '*' or '$'
                    int mark = -1;
                    for (int i = at; i < cur.length; i++) {
                        if (cur[i] == '$' || cur[i] == '*') {
                            mark = i;
                            break;
                        }
                    }
                    if (mark < 0) {
                        continue;
                    }
                    int end = mark + 1;
                    while (end < cur.length && (cur[end] == '-' || (cur[end] >= '0' && cur[end] <= '9'))) {
                        end++;
                    }
                    out.write(cur, 0, mark + 1);
                    out.writeBytes(b(NUMBERS[rnd.nextInt(NUMBERS.length)]));
                    out.write(cur, end, cur.length - end);
                }
                case 3 -> { // a range deleted
                    int len = rnd.nextInt(Math.min(64, cur.length - at) + 1);
                    out.write(cur, 0, at);
                    out.write(cur, at + len, cur.length - at - len);
                }
                case 4 -> { // a range repeated
                    int len = rnd.nextInt(Math.min(64, cur.length - at) + 1);
                    out.write(cur, 0, at + len);
                    out.write(cur, at, cur.length - at);
                }
                default -> { // truncated
                    out.write(cur, 0, at);
                }
            }
            cur = out.toByteArray();
        }
        return cur;
    }

    private static long allocatedByThisThread() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    @Test
    void mutatedFramesOnlyFailWithProtocolErrorsAndAllocateByWhatArrived() {
        Random rnd = new Random(11);
        int errors = 0;
        for (int round = 0; round < 4000; round++) {
            byte[] input = mutate(rnd, randomPipeline(rnd, 1 + rnd.nextInt(4), 3000, new ArrayList<>()));
            RequestParser p = new RequestParser();
            p.unauthenticated(rnd.nextInt(4) == 0);
            if (rnd.nextInt(4) == 0) {
                p.maxBulkLen(rnd.nextInt(5000));
            }
            int max = 1 << rnd.nextInt(12);
            long before = allocatedByThisThread();
            try {
                feed(p, input, off -> 1 + rnd.nextInt(max));
            } catch (ProtocolException e) {
                errors++;
                assertThat(e.getMessage()).startsWith("Protocol error: ");
            }
            long used = allocatedByThisThread() - before;
            assertThat(used).as("bytes allocated for %d bytes of input", input.length)
                    .isLessThan((1 << 20) + 64L * input.length);
        }
        assertThat(errors).as("mutations that are protocol errors").isGreaterThan(400);
    }

    // ---- large bulks

    @Test
    void aLargeBulkArrivingInManyReadsIsCopiedLinearlyAndNotCumulated() throws ProtocolException {
        int size = 64 << 20;
        int read = 64 << 10;
        byte[] payload = new byte[size];
        for (int i = 0; i < size; i++) {
            payload[i] = (byte) (i * 31 + (i >>> 16));
        }
        byte[] head = b("*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$" + size + "\r\n");
        ByteBuf stream = Unpooled.wrappedBuffer(Unpooled.wrappedBuffer(head), Unpooled.wrappedBuffer(payload),
                Unpooled.wrappedBuffer(b("\r\n")));
        RequestParser p = new RequestParser();
        ByteBufAllocator alloc = UnpooledByteBufAllocator.DEFAULT;
        ByteBuf cumulation = null;
        byte[][] argv = null;
        int maxCumulated = 0;
        long before = allocatedByThisThread();
        while (stream.isReadable()) {
            // one socket read, cumulated and drained as ClientHandler does
            ByteBuf in = alloc.heapBuffer(read);
            stream.readBytes(in, Math.min(read, stream.readableBytes()));
            cumulation = cumulation == null ? in : ByteToMessageDecoder.MERGE_CUMULATOR.cumulate(alloc, cumulation, in);
            byte[][] got = p.next(cumulation);
            if (got != null) {
                argv = got;
            } else if (p.pendingBytes() != 6 + Math.min(stream.readerIndex() - head.length, size)) {
                throw new AssertionError("pendingBytes " + p.pendingBytes() + " at " + stream.readerIndex());
            }
            maxCumulated = Math.max(maxCumulated, cumulation.readableBytes());
            if (!cumulation.isReadable()) {
                cumulation.release();
                cumulation = null;
            } else {
                cumulation.discardSomeReadBytes();
            }
        }
        long allocated = allocatedByThisThread() - before;
        assertThat(argv).isNotNull();
        assertThat(argv[2]).isEqualTo(payload);
        assertThat(maxCumulated).as("bytes left in the input buffer").isLessThanOrEqualTo(read);
        // the reads themselves (size) and the growing argument (< 2 * size); the quadratic growth
        // of a cumulation holding the whole bulk (Netty's 4 MiB steps) allocated about 10 * size
        assertThat(allocated).as("bytes allocated").isLessThan(3L * size + (8 << 20));
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
