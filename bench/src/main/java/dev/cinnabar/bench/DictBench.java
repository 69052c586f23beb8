package dev.cinnabar.bench;

import dev.cinnabar.server.store.Dict;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The keyspace hash table at 1M keys, with keys drawn at random (a pre-drawn sequence of 2^20
 * indexes, so the random generator is not measured and lookups miss the CPU caches as a real
 * keyspace does). The table is fully rehashed before measuring; {@code removeAndAdd} puts the
 * key back so the size stays at 1M. {@code scan10} is one SCAN COUNT 10 step: buckets are
 * visited from the cursor until at least 10 entries were seen.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class DictBench {
    static final int KEYS = 1_000_000;
    private static final int DRAWS = 1 << 20;

    private final Dict dict = new Dict();
    private byte[][] keys;
    private byte[][] absent;
    private int[] order;
    private int next;
    private final byte[] value = "value".getBytes(StandardCharsets.US_ASCII);
    private long cursor;
    private int seen;
    private long sink;
    private final Consumer<Dict.Entry> visitor = e -> {
        seen++;
        sink += e.key().length;
    };

    @Setup
    public void setup() {
        keys = new byte[KEYS][];
        absent = new byte[KEYS][];
        for (int i = 0; i < KEYS; i++) {
            keys[i] = String.format("key:%07d", i).getBytes(StandardCharsets.US_ASCII);
            absent[i] = String.format("nokey:%07d", i).getBytes(StandardCharsets.US_ASCII);
            dict.addNew(keys[i], value);
        }
        while (dict.isRehashing()) {
            dict.rehash(10_000);
        }
        SplittableRandom rnd = new SplittableRandom(42);
        order = new int[DRAWS];
        for (int i = 0; i < DRAWS; i++) {
            order[i] = rnd.nextInt(KEYS);
        }
    }

    private int draw() {
        int i = order[next];
        next = (next + 1) & (DRAWS - 1);
        return i;
    }

    @Benchmark
    public Dict.Entry findHit() {
        return dict.find(keys[draw()]);
    }

    @Benchmark
    public Dict.Entry findMiss() {
        return dict.find(absent[draw()]);
    }

    /** Overwrites the value of an existing key (SET on a key that exists). */
    @Benchmark
    public Dict.Entry putExisting() {
        return dict.put(keys[draw()], value);
    }

    /** Deletes a random key and inserts it again (DEL then SET of a new key). */
    @Benchmark
    public Dict.Entry removeAndAdd() {
        byte[] k = keys[draw()];
        dict.remove(k);
        return dict.addNew(k, value);
    }

    @Benchmark
    public long scan10() {
        seen = 0;
        do {
            cursor = dict.scan(cursor, visitor);
        } while (seen < 10 && cursor != 0);
        return sink;
    }
}
