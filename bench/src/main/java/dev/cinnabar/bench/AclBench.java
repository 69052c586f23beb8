package dev.cinnabar.bench;

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
 * The gate's ACL stage: SET and GET through the whole gate as the default user (the stage's
 * shortcut: every command, key and channel allowed) and as a user with key patterns (issue 14's
 * target: at least 0.95x the default user's throughput). The allocation per operation
 * (gc.alloc.rate.norm) shows what the key check costs beyond the command itself.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class AclBench {
    private static final int KEYS = 1024;

    @Param({"default", "patterns"})
    public String user;

    private Gate gate;
    private final byte[][][] sets = new byte[KEYS][][];
    private final byte[][][] gets = new byte[KEYS][][];
    private int next;

    @Setup
    public void setup() {
        gate = new Gate(256);
        if (user.equals("patterns")) {
            gate.check("ACL SETUSER bench on nopass ~key:* ~counter:* ~mylist* &* +@all", "+OK\r\n");
            gate.check("AUTH bench any", "+OK\r\n");
        }
        byte[] value = "value-of-16-byte".getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < KEYS; i++) {
            byte[] key = String.format("key:%04d", i).getBytes(StandardCharsets.US_ASCII);
            sets[i] = new byte[][] {"SET".getBytes(StandardCharsets.US_ASCII), key, value};
            gets[i] = new byte[][] {"GET".getBytes(StandardCharsets.US_ASCII), key};
            gate.run(sets[i]);
        }
        gate.check("GET key:0000", "$16\r\nvalue-of-16-byte\r\n");
        gate.check("SET other x", user.equals("patterns") ? "-NOPERM this user has no permissions to access one of the keys used as arguments\r\n" : "+OK\r\n");
    }

    @TearDown
    public void tearDown() {
        gate.close();
    }

    private int draw() {
        next = (next + 1) & (KEYS - 1);
        return next;
    }

    @Benchmark
    public int get() {
        return gate.run(gets[draw()]);
    }

    @Benchmark
    public int set() {
        return gate.run(sets[draw()]);
    }
}
