package dev.cinnabar.bench;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Sorted-set commands through the real gate ({@link Gate}: no sockets, arguments prepared in
 * advance, reply into one reused buffer).
 *
 * <ul>
 *   <li>{@code zaddBig}: redis-benchmark's ZADD test: {@code ZADD myzset <0..99999> element:<12
 *       digits>} with both numbers random over 100,000, on one set pre-filled with those 100,000
 *       members (skiplist encoding), so nearly every call moves an existing member.
 *   <li>{@code zaddSmall}, {@code zincrbySmall}, {@code zrangeSmall}: 1024 sets of 10 members
 *       (listpack encoding): ZADD of an existing member with a new score (integers and
 *       fractions), ZINCRBY 1.5, and ZRANGE 0 -1 WITHSCORES.
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class ZSetBench {
    private static final int BIG = 100_000;
    private static final int DRAWS = 1 << 16;
    private static final int SMALL_KEYS = 1024;

    private Gate gate;
    private final byte[][][] bigAdds = new byte[DRAWS][][];
    private final byte[][][] smallAdds = new byte[DRAWS][][];
    private final byte[][][] smallIncrs = new byte[DRAWS][][];
    private final byte[][][] smallRanges = new byte[SMALL_KEYS][][];
    private int next;

    private static byte[] b(String s) {
        return Gate.bytes(s);
    }

    @Setup
    public void setup() {
        gate = new Gate(1024);
        SplittableRandom rnd = new SplittableRandom(42);
        for (int i = 0; i < BIG; i++) {
            gate.run(new byte[][] {b("ZADD"), b("myzset"), b(Integer.toString(rnd.nextInt(BIG))),
                b(String.format("element:%012d", i))});
        }
        for (int i = 0; i < DRAWS; i++) {
            bigAdds[i] = new byte[][] {b("ZADD"), b("myzset"), b(Integer.toString(rnd.nextInt(BIG))),
                b(String.format("element:%012d", rnd.nextInt(BIG)))};
        }
        for (int k = 0; k < SMALL_KEYS; k++) {
            byte[] key = b(String.format("zset:%06d", k));
            for (int m = 0; m < 10; m++) {
                gate.run(new byte[][] {b("ZADD"), key, b(Integer.toString(m)), b("m:" + m)});
            }
            smallRanges[k] = new byte[][] {b("ZRANGE"), key, b("0"), b("-1"), b("WITHSCORES")};
        }
        for (int i = 0; i < DRAWS; i++) {
            byte[] key = b(String.format("zset:%06d", rnd.nextInt(SMALL_KEYS)));
            String score = rnd.nextBoolean() ? Integer.toString(rnd.nextInt(20)) : rnd.nextInt(2000) / 100.0 + "";
            byte[] member = b("m:" + rnd.nextInt(10));
            smallAdds[i] = new byte[][] {b("ZADD"), key, b(score), member};
            smallIncrs[i] = new byte[][] {b("ZINCRBY"), key, b("1.5"), member};
        }
        gate.check("ZCARD myzset", ":" + BIG + "\r\n");
        gate.check("OBJECT ENCODING myzset", "$8\r\nskiplist\r\n");
        gate.check("OBJECT ENCODING zset:000000", "$8\r\nlistpack\r\n");
    }

    @TearDown
    public void tearDown() {
        gate.close();
    }

    private int draw() {
        return next = (next + 1) & (DRAWS - 1);
    }

    @Benchmark
    public int zaddBig() {
        return gate.run(bigAdds[draw()]);
    }

    @Benchmark
    public int zaddSmall() {
        return gate.run(smallAdds[draw()]);
    }

    @Benchmark
    public int zincrbySmall() {
        return gate.run(smallIncrs[draw()]);
    }

    @Benchmark
    public int zrangeSmall() {
        return gate.run(smallRanges[draw() & (SMALL_KEYS - 1)]);
    }
}
