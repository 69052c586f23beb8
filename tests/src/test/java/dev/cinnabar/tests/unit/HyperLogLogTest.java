package dev.cinnabar.tests.unit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.testkit.CinnabarExtension;
import dev.cinnabar.testkit.Resp;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * HyperLogLog commands against real Redis 7.0 (tests/unit/hyperloglog.tcl covers the same ground):
 * after the same PFADDs both servers must hold the same bytes (sparse opcodes, dense registers,
 * cached cardinality), give the same counts, and accept each other's values.
 */
class HyperLogLogTest {
    @RegisterExtension
    static CinnabarExtension server = new CinnabarExtension();

    @RegisterExtension
    static DifferentialPair d = new DifferentialPair(server);

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** PFADD in batches; after each, the raw bytes, the count and the encoding must match. */
    private void addAndCompare(String key, List<byte[]> elements, int batch) {
        for (int i = 0; i < elements.size(); i += batch) {
            List<byte[]> args = new ArrayList<>(List.of(b("PFADD"), b(key)));
            args.addAll(elements.subList(i, Math.min(elements.size(), i + batch)));
            d.both(args.toArray(new byte[0][]));
            d.both("GET", key);
            d.both("PFCOUNT", key);
            d.both("GET", key); // the cached cardinality is now in the header
            d.both("PFDEBUG", "ENCODING", key);
        }
    }

    @Test
    void sparseThenDenseBytesAndCountsMatchRedis() {
        Random rnd = new Random(7);
        List<byte[]> elements = new ArrayList<>();
        for (int i = 0; i < 6000; i++) {
            switch (rnd.nextInt(3)) {
                case 0 -> elements.add(b("e" + i));
                case 1 -> elements.add(b(Integer.toString(rnd.nextInt(1_000_000))));
                default -> {
                    byte[] e = new byte[rnd.nextInt(40)];
                    rnd.nextBytes(e);
                    elements.add(e);
                }
            }
        }
        // Small batches first (sparse, growing one opcode at a time), then larger ones (dense).
        addAndCompare("hll", elements.subList(0, 400), 1);
        d.both("PFDEBUG", "DECODE", "hll");
        addAndCompare("hll", elements.subList(400, 6000), 250);
        d.both("PFDEBUG", "ENCODING", "hll");
        d.both("PFADD", "hll", "e1", "e2");
        d.both("PFADD", "hll");
        d.both("PFADD", "hll-new");
        d.both("GET", "hll-new");
        d.both("PFCOUNT", "hll-new");
        d.both("PFCOUNT", "hll-missing");
    }

    @Test
    void countsOfLargeSetsMatchRedisExactly() {
        for (int n : new int[] {1, 10, 100, 1000, 5000, 20000, 60000}) {
            List<String> cmd = new ArrayList<>(List.of("PFADD", "big" + n));
            for (int i = 0; i < n; i++) {
                cmd.add("member:" + n + ":" + i);
            }
            d.both(cmd.toArray(new String[0]));
            d.both("PFCOUNT", "big" + n);
            d.both("GET", "big" + n);
        }
        d.both("PFCOUNT", "big10", "big1000", "big60000", "missing");
        d.both("PFCOUNT", "big1", "big10");
    }

    @Test
    void valuesMoveBetweenRedisAndCinnabar() {
        for (int n : new int[] {3, 300, 3000, 30000}) {
            List<String> cmd = new ArrayList<>(List.of("PFADD", "src"));
            for (int i = 0; i < n; i++) {
                cmd.add("x" + i * 7919);
            }
            // Redis -> Cinnabar
            d.real.call(cmd);
            Resp fromRedis = d.real.call("GET", "src");
            Resp count = d.real.call("PFCOUNT", "src");
            byte[] raw = ((Resp.Bulk) fromRedis).value();
            assertThat(d.ours.call(b("SET"), b("copy" + n), raw).asText()).isEqualTo("OK");
            assertThat(d.ours.call("PFCOUNT", "copy" + n)).isEqualTo(count);
            d.ours.call("PFADD", "copy" + n, "extra");
            d.real.call("PFADD", "src", "extra");
            assertThat(d.ours.call("GET", "copy" + n)).isEqualTo(d.real.call("GET", "src"));
            // Cinnabar -> Redis
            cmd.set(1, "mine" + n);
            d.ours.call(cmd);
            byte[] ours = ((Resp.Bulk) d.ours.call("GET", "mine" + n)).value();
            d.real.call(b("SET"), b("back" + n), ours);
            assertThat(d.real.call("PFCOUNT", "back" + n)).isEqualTo(d.ours.call("PFCOUNT", "mine" + n));
            d.real.call("DEL", "src");
        }
    }

    @Test
    void mergeAndMultiKeyCountMatchRedis() {
        Random rnd = new Random(11);
        for (int k = 0; k < 5; k++) {
            int n = k == 4 ? 4000 : 1 + rnd.nextInt(500);
            List<String> cmd = new ArrayList<>(List.of("PFADD", "m" + k));
            for (int i = 0; i < n; i++) {
                cmd.add(Integer.toString(rnd.nextInt(20000)));
            }
            d.both(cmd.toArray(new String[0]));
        }
        d.both("PFCOUNT", "m0", "m1", "m2");
        d.both("PFCOUNT", "m0", "m4", "nothing");
        d.both("PFMERGE", "dst", "m0", "m1");
        d.both("GET", "dst");
        d.both("PFMERGE", "dst", "m2", "m3", "nothing");
        d.both("GET", "dst");
        d.both("PFCOUNT", "dst");
        d.both("PFMERGE", "dst2", "m4", "m0");
        d.both("GET", "dst2");
        d.both("PFMERGE", "m1", "m4");
        d.both("GET", "m1");
        d.both("PFMERGE", "empty-dst");
        d.both("GET", "empty-dst");
        d.both("PFMERGE", "empty-dst", "nothing");
        d.both("PFCOUNT", "empty-dst");
    }

    @Test
    void sparseLimitFromConfigDecidesPromotion() {
        if (d.bothIfKnown("CONFIG", "SET", "hll-sparse-max-bytes", "60") == null) {
            return;
        }
        try {
            for (int i = 0; i < 40; i++) {
                d.both("PFADD", "lim", "v" + i);
                d.both("PFDEBUG", "ENCODING", "lim");
                d.both("GET", "lim");
            }
            d.both("PFCOUNT", "lim");
            // A merge into a sparse destination that outgrows the limit part-way.
            for (int k = 0; k < 3; k++) {
                List<String> cmd = new ArrayList<>(List.of("PFADD", "part" + k));
                for (int i = 0; i < 12; i++) {
                    cmd.add("w" + k + ":" + i);
                }
                d.both(cmd.toArray(new String[0]));
            }
            d.both("PFMERGE", "merged", "part0", "part1", "part2");
            d.both("PFDEBUG", "ENCODING", "merged");
            d.both("GET", "merged");
            d.both("PFMERGE", "part0", "part1");
            d.both("GET", "part0");
        } finally {
            d.both("CONFIG", "SET", "hll-sparse-max-bytes", "3000");
        }
    }

    @Test
    void pfdebugSubcommands() {
        d.both("PFADD", "dbg", "a", "b", "c");
        d.both("PFDEBUG", "DECODE", "dbg");
        d.both("PFDEBUG", "ENCODING", "dbg");
        d.both("PFDEBUG", "GETREG", "dbg", "x");
        d.both("PFDEBUG", "nosuch", "dbg");
        d.both("PFDEBUG", "decode", "missing");
        d.both("PFDEBUG", "GETREG", "dbg");
        d.both("PFDEBUG", "ENCODING", "dbg");
        d.both("PFDEBUG", "DECODE", "dbg");
        d.both("PFDEBUG", "TODENSE", "dbg");
        d.both("PFADD", "dbg2", "z");
        d.both("PFDEBUG", "TODENSE", "dbg2");
        d.both("GET", "dbg2");
        d.both("SET", "notdbg", "hello");
        d.both("PFDEBUG", "ENCODING", "notdbg");
    }

    @Test
    void invalidValuesAreRejectedLikeRedis() {
        d.both("SET", "str", "hello world, not an hll");
        d.both("SET", "int", "12345");
        d.both("SET", "short", "HYLL");
        d.bothIfKnown("RPUSH", "list", "x");
        for (String k : new String[] {"str", "int", "short", "list"}) {
            d.both("PFADD", k, "a");
            d.both("PFCOUNT", k);
            d.both("PFCOUNT", k, "other");
            d.both("PFMERGE", "dst", k);
            d.both("PFMERGE", k, "other");
        }
        d.both("PFADD", "good", "a", "b");
        byte[] good = ((Resp.Bulk) d.ours.call("GET", "good")).value();
        // Bad encoding byte, dense of the wrong length, sparse opcodes not covering 16384 registers.
        byte[] badEnc = good.clone();
        badEnc[4] = 2;
        byte[] badDense = good.clone();
        badDense[4] = 0;
        byte[] shortSparse = Arrays.copyOf(good, good.length - 1);
        byte[] longSparse = Arrays.copyOf(good, good.length + 1);
        longSparse[good.length] = (byte) 0x3f;
        byte[] bigVal = good.clone();
        bigVal[16] = (byte) 0xff; // VAL run covering more than the remaining registers
        byte[][] corrupt = {badEnc, badDense, shortSparse, longSparse, bigVal};
        for (int i = 0; i < corrupt.length; i++) {
            String k = "bad" + i;
            d.both(b("SET"), b(k), corrupt[i]);
            d.both("PFCOUNT", k);
            d.both("PFCOUNT", k, "good");
            d.both("PFADD", k, "q", "r", "s");
            d.both("GET", k);
            d.both("PFMERGE", "dst" + i, k);
            d.both("PFDEBUG", "GETREG", k);
            d.both("PFDEBUG", "DECODE", k);
        }
    }

    @Test
    void cachedCardinalityIsTrustedLikeRedis() {
        d.both("PFADD", "cache", "a", "b", "c");
        d.both("PFCOUNT", "cache");
        byte[] v = ((Resp.Bulk) d.ours.call("GET", "cache")).value();
        v[8] = 99; // a valid cache says 99 elements
        d.both(b("SET"), b("cache"), v);
        d.both("PFCOUNT", "cache");
        d.both("PFCOUNT", "cache", "nothing");
    }

    @Test
    void selfTestPasses() {
        assertThat(d.ours.call("PFSELFTEST").asText()).isEqualTo("OK");
    }

    @Test
    void keyspaceEventsMatchRedis() {
        d.assertSameEvents("PFADD ev a b", "PFADD ev a", "PFCOUNT ev", "PFADD ev2 c", "PFMERGE ev3 ev ev2",
                "PFCOUNT ev ev2", "PFDEBUG TODENSE ev");
    }
}
