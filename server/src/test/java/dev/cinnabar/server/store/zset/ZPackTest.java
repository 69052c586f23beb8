package dev.cinnabar.server.store.zset;

import static dev.cinnabar.server.store.zset.ZSetTest.ORDER;
import static dev.cinnabar.server.store.zset.ZSetTest.all;
import static dev.cinnabar.server.store.zset.ZSetTest.b;
import static dev.cinnabar.server.store.zset.ZSetTest.lex;
import static dev.cinnabar.server.store.zset.ZSetTest.s;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.server.store.zset.ZSetTest.E;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The packed "listpack" form of sorted sets ({@link ZPack}): encodings, edits at every position, limits. */
class ZPackTest {
    static final ZSet.Limits BIG = new ZSet.Limits(100_000, 100_000);

    /** Scores at every boundary of the score encodings, and the doubles that are no integers. */
    static final double[] EDGE_SCORES = {
        0, -16, -17, 223, 224, 127, 128, -128, -129, 255, 256, 32767, 32768, -32768, -32769,
        0x1p31, -0x1p31, 0x1p47, -0x1p47, 0x1p55 - 8, 0x1p55, -0x1p55, -0x1p55 - 8, 0x1p62, -0x1p63,
        (double) Long.MAX_VALUE, 1e300, -1e300, Double.MAX_VALUE, -Double.MAX_VALUE, Double.MIN_VALUE,
        -Double.MIN_VALUE, Double.MIN_NORMAL, 1e-300, 0.1, -0.1, 0.5, 1.5, 2.5e-7, 123456.789,
        Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY,
    };

    /** The whole pack decoded, checking that the count header matches and nothing trails. */
    static List<E> decode(byte[] p) {
        List<E> out = new ArrayList<>();
        int pos = ZPack.first(p);
        while (pos < p.length) {
            int off = ZPack.memberOff(p, pos);
            int sp = ZPack.scorePos(p, pos);
            out.add(new E(s(Arrays.copyOfRange(p, off, sp)), ZPack.score(p, sp)));
            pos = ZPack.next(p, pos);
        }
        assertThat(pos).isEqualTo(p.length);
        assertThat(ZPack.count(p)).isEqualTo(out.size());
        return out;
    }

    static byte[] packOf(List<E> sorted) {
        byte[][] m = new byte[sorted.size()][];
        double[] sc = new double[sorted.size()];
        for (int i = 0; i < m.length; i++) {
            m[i] = b(sorted.get(i).m());
            sc[i] = sorted.get(i).s();
        }
        return ZPack.build(m, sc, m.length);
    }

    @Test
    void everyEdgeScoreRoundTripsExactly() {
        for (double d : EDGE_SCORES) {
            ZSet z = new ZSet();
            z.put(b("m"), d, ZSet.Limits.DEFAULT);
            assertThat(z.encoding()).isEqualTo("listpack");
            assertThat(Double.doubleToRawLongBits(z.score(b("m")))).as("score %s", d)
                    .isEqualTo(Double.doubleToRawLongBits(d));
            assertThat(Double.doubleToRawLongBits(z.scoreAt(0))).isEqualTo(Double.doubleToRawLongBits(d));
        }
    }

    @Test
    void negativeZeroIsStoredAsZeroLikeRedisListpacks() {
        ZSet z = new ZSet();
        z.put(b("m"), -0.0, ZSet.Limits.DEFAULT);
        assertThat(Double.doubleToRawLongBits(z.score(b("m")))).isEqualTo(0L);
        ZSet sl = new ZSet();
        sl.put(b("m"), -0.0, new ZSet.Limits(0, 0));
        assertThat(Double.doubleToRawLongBits(sl.score(b("m")))).as("the skiplist keeps the sign")
                .isEqualTo(Double.doubleToRawLongBits(-0.0));
    }

    @Test
    void scoresTakeAsFewBytesAsTheirIntegerNeeds() {
        assertThat(ZPack.scoreSize(0)).isEqualTo(1);
        assertThat(ZPack.scoreSize(-16)).isEqualTo(1);
        assertThat(ZPack.scoreSize(223)).isEqualTo(1);
        assertThat(ZPack.scoreSize(-17)).isEqualTo(2);
        assertThat(ZPack.scoreSize(224)).isEqualTo(3); // 224 needs a sign bit: two bytes
        assertThat(ZPack.scoreSize(127)).isEqualTo(1);
        assertThat(ZPack.scoreSize(-128)).isEqualTo(2);
        assertThat(ZPack.scoreSize(-129)).isEqualTo(3);
        assertThat(ZPack.scoreSize(100_000)).isEqualTo(4);
        assertThat(ZPack.scoreSize(0x1p55 - 8)).isEqualTo(8); // 2^55 - 1 is no double
        assertThat(ZPack.scoreSize(-0x1p55)).isEqualTo(8);
        assertThat(ZPack.scoreSize(0x1p55)).as("beyond 7 bytes: the double").isEqualTo(9);
        assertThat(ZPack.scoreSize(1.5)).isEqualTo(9);
        assertThat(ZPack.scoreSize(Double.POSITIVE_INFINITY)).isEqualTo(9);
        // "m:0".."m:9" with scores 0..9: 4 + 1 bytes a pair, one count byte
        byte[] p = ZPack.EMPTY;
        for (int i = 0; i < 10; i++) {
            int q = ZPack.insertPos(p, i, b("m:" + i), -1);
            p = ZPack.splice(p, q, q, b("m:" + i), i, i + 1);
        }
        assertThat(p.length).isEqualTo(51);
    }

    @Test
    void insertDeleteAndMoveAtEveryPosition() {
        Random r = new Random(3);
        for (int n = 0; n <= 9; n++) {
            List<E> base = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                base.add(new E("m" + i, EDGE_SCORES[r.nextInt(EDGE_SCORES.length)]));
            }
            base.sort(ORDER);
            byte[] p = packOf(base);
            assertThat(decode(p)).isEqualTo(base);
            // insert at each position (including equal scores ordered by member)
            for (int k = 0; k <= n; k++) {
                double score = k < n ? base.get(k).s() : Double.POSITIVE_INFINITY;
                E e = new E(k < n ? base.get(k).m() + "-" : "zz", score);
                List<E> expect = new ArrayList<>(base);
                expect.add(e);
                expect.sort(ORDER);
                int q = ZPack.insertPos(p, e.s(), b(e.m()), -1);
                assertThat(decode(ZPack.splice(p, q, q, b(e.m()), e.s(), n + 1))).isEqualTo(expect);
            }
            // delete each position
            for (int k = 0; k < n; k++) {
                int pos = ZPack.seek(p, k);
                List<E> expect = new ArrayList<>(base);
                expect.remove(k);
                assertThat(decode(ZPack.splice(p, pos, ZPack.next(p, pos), null, 0, n - 1))).isEqualTo(expect);
            }
            // move each member next to each other member, with every kind of score
            for (int k = 0; k < n; k++) {
                for (double to : EDGE_SCORES) {
                    byte[] copy = p.clone();
                    E old = base.get(k);
                    List<E> expect = new ArrayList<>(base);
                    expect.set(k, new E(old.m(), to));
                    expect.sort(ORDER);
                    int pos = ZPack.seek(copy, k);
                    boolean sameSize = ZPack.next(copy, pos) - pos == ZPack.pairSize(old.m().length(), to);
                    byte[] out = ZPack.rescore(copy, pos, b(old.m()), to);
                    assertThat(decode(out)).isEqualTo(expect);
                    if (sameSize) {
                        assertThat(out).as("same encoded size: moved in place").isSameAs(copy);
                    }
                }
            }
        }
    }

    @Test
    void theCountHeaderGrowsAndShrinksAcross128() {
        ZSet z = new ZSet();
        List<E> model = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            double sc = (i * 7919) % 301 - 150.5;
            z.put(b("k" + i), sc, BIG);
            model.add(new E("k" + i, sc));
        }
        model.sort(ORDER);
        assertThat(z.encoding()).isEqualTo("listpack");
        assertThat(all(z)).isEqualTo(model);
        for (int i = 0; i < 300; i += 2) {
            z.remove(b("k" + i));
        }
        model.removeIf(e -> Integer.parseInt(e.m().substring(1)) % 2 == 0);
        assertThat(z.size()).isEqualTo(150);
        assertThat(all(z)).isEqualTo(model);
        z.removeRanks(3, 40);
        model.subList(3, 43).clear();
        assertThat(z.size()).isEqualTo(110);
        assertThat(all(z)).isEqualTo(model);
    }

    @Test
    void longMembersNearTheValueLimit() {
        ZSet.Limits limits = new ZSet.Limits(128, 300);
        ZSet z = new ZSet();
        List<E> model = new ArrayList<>();
        for (int len : new int[] {0, 1, 127, 128, 129, 255, 299, 300}) {
            String m = "x".repeat(len);
            z.put(b(m), len, limits);
            model.add(new E(m, len));
        }
        assertThat(z.encoding()).isEqualTo("listpack");
        assertThat(all(z)).isEqualTo(model);
        assertThat(z.rank(b("x".repeat(128)), false)).isEqualTo(3);
        z.put(b("x".repeat(128)), -1, limits);
        assertThat(s(z.memberAt(0))).isEqualTo("x".repeat(128));
        z.put(b("y".repeat(301)), 0, limits);
        assertThat(z.encoding()).isEqualTo("skiplist");
        assertThat(z.size()).isEqualTo(9);
    }

    @Test
    void conversionAtBothThresholds() {
        ZSet.Limits limits = new ZSet.Limits(5, 10);
        ZSet z = new ZSet();
        for (int i = 0; i < 5; i++) {
            z.put(b("m" + i), i, limits);
        }
        z.put(b("m4"), -4, limits);
        z.put(b("x".repeat(10)), 1, new ZSet.Limits(6, 10));
        assertThat(z.encoding()).as("6 entries of at most 10 bytes").isEqualTo("listpack");
        z.remove(b("x".repeat(10)));
        z.put(b("m5"), 5, limits);
        assertThat(z.encoding()).as("the 6th entry").isEqualTo("skiplist");
        ZSet w = new ZSet();
        w.put(b("x".repeat(10)), 1, limits);
        assertThat(w.encoding()).isEqualTo("listpack");
        w.put(b("x".repeat(11)), 2, limits);
        assertThat(w.encoding()).as("an 11-byte member").isEqualTo("skiplist");
        assertThat(all(w)).containsExactly(new E("x".repeat(10), 1), new E("x".repeat(11), 2));
        ZSet none = new ZSet();
        none.put(b("a"), 1, new ZSet.Limits(0, 64));
        assertThat(none.encoding()).as("zset-max-listpack-entries 0").isEqualTo("skiplist");
    }

    @Test
    void addFlagsAndIncrementOnBothForms() {
        for (ZSet.Limits limits : new ZSet.Limits[] {ZSet.Limits.DEFAULT, new ZSet.Limits(0, 0)}) {
            ZSet z = new ZSet();
            double[] out = new double[1];
            assertThat(z.add(b("a"), 1, ZSet.XX, limits, out)).isEqualTo(ZSet.SKIPPED);
            assertThat(z.add(b("a"), 1, 0, limits, out)).isEqualTo(ZSet.ADDED);
            assertThat(z.add(b("a"), 5, ZSet.NX, limits, out)).isEqualTo(ZSet.SKIPPED);
            assertThat(z.add(b("a"), 0, ZSet.GT, limits, out)).isEqualTo(ZSet.SKIPPED);
            assertThat(z.add(b("a"), 1, 0, limits, out)).isEqualTo(ZSet.UNCHANGED);
            assertThat(z.add(b("a"), 2.5, ZSet.INCR, limits, out)).isEqualTo(ZSet.UPDATED);
            assertThat(out[0]).isEqualTo(3.5);
            assertThat(z.add(b("a"), Double.POSITIVE_INFINITY, ZSet.INCR, limits, out)).isEqualTo(ZSet.UPDATED);
            assertThat(z.add(b("a"), Double.NEGATIVE_INFINITY, ZSet.INCR, limits, out)).isEqualTo(ZSet.NAN);
            assertThat(z.score(b("a"))).isEqualTo(Double.POSITIVE_INFINITY);
            assertThat(z.add(b("a"), -7, ZSet.LT, limits, out)).isEqualTo(ZSet.UPDATED);
            assertThat(z.score(b("a"))).isEqualTo(-7);
        }
    }

    /** Redis's listpack walk of a lex range over any scores (the reference the pack must follow). */
    static int[] lexRunModel(List<E> sorted, LexRange r, boolean reverse) {
        int n = sorted.size();
        byte[][] m = sorted.stream().map(e -> b(e.m())).toArray(byte[][]::new);
        if (n == 0 || !r.aboveMin(m[n - 1]) || !r.belowMax(m[0])) {
            return new int[] {0, 0};
        }
        int i;
        int k;
        if (!reverse) {
            for (i = 0; i < n && !r.aboveMin(m[i]); i++) {
            }
            for (k = i; k < n && r.belowMax(m[k]); k++) {
            }
            return new int[] {i, k - i};
        }
        for (i = n - 1; i >= 0 && !r.belowMax(m[i]); i--) {
        }
        for (k = i; k >= 0 && r.aboveMin(m[k]); k--) {
        }
        return i - k == 0 ? new int[] {0, 0} : new int[] {i, i - k};
    }

    @Test
    void lexRunsAndReverseWalksOverMixedScores() {
        Random r = new Random(11);
        String[] bounds = {"-", "+", "[a", "(a", "[c", "(c", "[e", "(e", "[g", "(zz"};
        for (int round = 0; round < 300; round++) {
            ZSet z = new ZSet();
            List<E> model = new ArrayList<>();
            int n = r.nextInt(9);
            for (int i = 0; i < n; i++) {
                String m = Character.toString('a' + r.nextInt(8));
                double sc = r.nextInt(3);
                if (z.put(b(m), sc, ZSet.Limits.DEFAULT)) {
                    model.add(new E(m, sc));
                } else {
                    model.replaceAll(e -> e.m().equals(m) ? new E(m, sc) : e);
                }
            }
            model.sort(ORDER);
            for (int k = 0; k < 10; k++) {
                LexRange range = lex(bounds[r.nextInt(bounds.length)], bounds[r.nextInt(bounds.length)]);
                for (boolean rev : new boolean[] {false, true}) {
                    int[] got = z.lexRun(range, rev);
                    int[] expect = lexRunModel(model, range, rev);
                    assertThat(got[1]).as("%s %s rev=%s", model, range, rev).isEqualTo(expect[1]);
                    if (expect[1] > 0) {
                        assertThat(got[0]).isEqualTo(expect[0]);
                    }
                }
            }
            if (n > 0 && !model.isEmpty()) {
                int start = r.nextInt(model.size());
                int count = 1 + r.nextInt(model.size());
                List<E> back = new ArrayList<>();
                z.walkSlices(start, count, true, (buf, off, len, sc) ->
                        back.add(new E(s(Arrays.copyOfRange(buf, off, off + len)), sc)));
                List<E> expect = new ArrayList<>(model.subList(Math.max(0, start - count + 1), start + 1));
                Collections.reverse(expect);
                assertThat(back).isEqualTo(expect);
            }
        }
    }
}
