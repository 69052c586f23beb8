package dev.cinnabar.bench;

import dev.cinnabar.server.protocol.ProtocolException;
import dev.cinnabar.server.protocol.RequestParser;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The request decoder on a pipelined read: one direct pooled buffer (what Netty's epoll transport
 * hands the handler) holding 16 {@code SET key:NNNN value} requests, parsed to argv arrays.
 * An operation is one request ({@link OperationsPerInvocation}), so ops/s are requests per second
 * and B/op is the allocation per request: the argv array and one byte[] per argument are expected
 * (the server keeps them as the stored key and value).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class RequestParserBench {
    static final int BATCH = 16;

    private final RequestParser parser = new RequestParser();
    private ByteBuf multibulk;
    private ByteBuf inline;

    @Setup
    public void setup() {
        StringBuilder mb = new StringBuilder();
        StringBuilder il = new StringBuilder();
        for (int i = 0; i < BATCH; i++) {
            String key = String.format("key:%04d", i);
            mb.append("*3\r\n$3\r\nSET\r\n$").append(key.length()).append("\r\n").append(key)
                    .append("\r\n$5\r\nvalue\r\n");
            il.append("SET ").append(key).append(" value\r\n");
        }
        multibulk = fill(mb.toString());
        inline = fill(il.toString());
    }

    private static ByteBuf fill(String s) {
        ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(s.length());
        b.writeBytes(s.getBytes(StandardCharsets.US_ASCII));
        return b;
    }

    @TearDown
    public void tearDown() {
        multibulk.release();
        inline.release();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void multibulk(Blackhole bh) throws ProtocolException {
        parseAll(multibulk, bh);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void inline(Blackhole bh) throws ProtocolException {
        parseAll(inline, bh);
    }

    private void parseAll(ByteBuf in, Blackhole bh) throws ProtocolException {
        in.readerIndex(0);
        int n = 0;
        byte[][] argv;
        while ((argv = parser.next(in)) != null) {
            bh.consume(argv);
            n++;
        }
        if (n != BATCH) {
            throw new IllegalStateException("parsed " + n + " requests, expected " + BATCH);
        }
    }
}
