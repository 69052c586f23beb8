package dev.cinnabar.bench;

import dev.cinnabar.server.protocol.RespWriter;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The reply sink writing RESP into a pooled direct buffer (reset each operation, as the
 * connection's output buffer is reused between flushes), once per protocol version. One
 * operation is one whole reply. Small integers come from a table of pre-encoded digits;
 * {@code integerLarge} is outside it.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class RespWriterBench {
    @Param({"2", "3"})
    public int protocol;

    private final RespWriter writer = new RespWriter();
    private ByteBuf out;
    private final byte[] value = "some-value-16-by".getBytes(StandardCharsets.US_ASCII);
    private final byte[][] fields = new byte[10][];

    @Setup
    public void setup() {
        out = PooledByteBufAllocator.DEFAULT.directBuffer(4096);
        writer.target(out);
        writer.protocol(protocol);
        for (int i = 0; i < fields.length; i++) {
            fields[i] = ("element:" + i).getBytes(StandardCharsets.US_ASCII);
        }
    }

    @TearDown
    public void tearDown() {
        out.release();
    }

    @Benchmark
    public int bulk() {
        out.clear();
        writer.bulk(value);
        return out.writerIndex();
    }

    @Benchmark
    public int integerSmall() {
        out.clear();
        writer.integer(42);
        return out.writerIndex();
    }

    @Benchmark
    public int integerLarge() {
        out.clear();
        writer.integer(1_700_000_000_123L);
        return out.writerIndex();
    }

    /** An LRANGE-like reply: an array of 10 bulk strings. */
    @Benchmark
    public int array10() {
        out.clear();
        writer.array(fields.length);
        for (byte[] f : fields) {
            writer.bulk(f);
        }
        return out.writerIndex();
    }

    /** An HGETALL-like reply of 5 pairs: a flat array in RESP2, a map in RESP3. */
    @Benchmark
    public int map5() {
        out.clear();
        writer.map(fields.length / 2);
        for (byte[] f : fields) {
            writer.bulk(f);
        }
        return out.writerIndex();
    }
}
