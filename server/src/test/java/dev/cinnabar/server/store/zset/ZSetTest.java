package dev.cinnabar.server.store.zset;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** The sorted set against a simple model, once per encoding, and its encoding transitions. */
class ZSetTest {
    static final ZSet.Limits DEFAULT = ZSet.Limits.DEFAULT;
    static final ZSet.Limits ALWAYS_SKIPLIST = new ZSet.Limits(0, 0);

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String s(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    record E(String m, double s) {
    }

    static final Comparator<E> ORDER = Comparator.comparingDouble(E::s)
            .thenComparing((x, y) -> Arrays.compareUnsigned(b(x.m()), b(y.m())));

    static List<E> all(ZSet z) {
        List<E> out = new ArrayList<>();
        z.forEach((m, sc) -> out.add(new E(s(m), sc)));
        return out;
    }

    @Test
    void listpackUpTo128EntriesThenSkiplist() {
        ZSet z = new ZSet();
        for (int i = 0; i < 128; i++) {
            assertThat(z.put(b("m" + i), i, DEFAULT)).isTrue();
        }
        assertThat(z.encoding()).isEqualTo("listpack");
        z.put(b("m0"), -1, DEFAULT);
        assertThat(z.encoding()).as("updating a score never converts").isEqualTo("listpack");
        z.put(b("m128"), 128, DEFAULT);
        assertThat(z.encoding()).isEqualTo("skiplist");
        assertThat(z.size()).isEqualTo(129);
        for (int i = 1; i < 129; i++) {
            z.remove(b("m" + i));
        }
        assertThat(z.encoding()).as("one-way").isEqualTo("skiplist");
        assertThat(all(z)).containsExactly(new E("m0", -1));
    }

    @Test
    void longMemberConvertsAt65Bytes() {
        ZSet z = new ZSet();
        z.put(b("x".repeat(64)), 1, DEFAULT);
        assertThat(z.encoding()).isEqualTo("listpack");
        z.put(b("y".repeat(65)), 1, DEFAULT);
        assertThat(z.encoding()).isEqualTo("skiplist");
    }

    @Test
    void fitToLimitsConvertsSmallResultsBack() {
        ZSet z = ZSet.skiplist();
        z.put(b("a"), 1, DEFAULT);
        z.put(b("b"), 2, DEFAULT);
        z.fitToLimits(new ZSet.Limits(1, 64));
        assertThat(z.encoding()).isEqualTo("skiplist");
        z.fitToLimits(new ZSet.Limits(2, 1));
        assertThat(z.encoding()).isEqualTo("listpack");
        assertThat(all(z)).containsExactly(new E("a", 1), new E("b", 2));
        ZSet w = ZSet.skiplist();
        w.put(b("long"), 1, DEFAULT);
        w.fitToLimits(new ZSet.Limits(128, 3));
        assertThat(w.encoding()).isEqualTo("skiplist");
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void randomOperationsAgreeWithAModel(boolean skiplist) {
        ZSet.Limits limits = skiplist ? ALWAYS_SKIPLIST : new ZSet.Limits(1000, 1000);
        Random r = new Random(skiplist ? 7 : 8);
        double[] scores = {Double.NEGATIVE_INFINITY, -2.5, -1, 0, 0.5, 1, 1, 2, 3, Double.POSITIVE_INFINITY};
        ZSet z = new ZSet();
        Map<String, Double> model = new HashMap<>();
        for (int step = 0; step < 4000; step++) {
            String m = Character.toString('a' + r.nextInt(26)) + (r.nextBoolean() ? "" : r.nextInt(3));
            int op = r.nextInt(10);
            if (op < 5) {
                double sc = scores[r.nextInt(scores.length)];
                assertThat(z.put(b(m), sc, limits)).isEqualTo(!model.containsKey(m));
                model.put(m, sc);
            } else if (op < 7) {
                assertThat(z.remove(b(m))).isEqualTo(model.remove(m) != null);
            } else if (op == 7 && !model.isEmpty()) {
                List<E> sorted = model(model);
                int start = r.nextInt(sorted.size());
                int count = 1 + r.nextInt(Math.min(3, sorted.size() - start));
                z.removeRanks(start, count);
                for (E e : sorted.subList(start, start + count)) {
                    model.remove(e.m());
                }
            }
            if (z.size() > 0) {
                assertThat(z.encoding()).isEqualTo(skiplist ? "skiplist" : "listpack");
            }
            if (step % 50 == 0) {
                check(z, model, r, scores);
            }
        }
        check(z, model, r, scores);
    }

    static List<E> model(Map<String, Double> model) {
        List<E> sorted = new ArrayList<>();
        model.forEach((m, sc) -> sorted.add(new E(m, sc)));
        sorted.sort(ORDER);
        return sorted;
    }

    private static void check(ZSet z, Map<String, Double> model, Random r, double[] scores) {
        List<E> sorted = model(model);
        assertThat(all(z)).isEqualTo(sorted);
        assertThat(z.size()).isEqualTo(sorted.size());
        for (int i = 0; i < sorted.size(); i++) {
            E e = sorted.get(i);
            assertThat(z.rank(b(e.m()), false)).isEqualTo(i);
            assertThat(z.rank(b(e.m()), true)).isEqualTo(sorted.size() - 1 - i);
            assertThat(z.score(b(e.m()))).isEqualTo(e.s());
            assertThat(s(z.memberAt(i))).isEqualTo(e.m());
        }
        assertThat(z.rank(b("absent"), false)).isEqualTo(-1);
        for (int k = 0; k < 20; k++) {
            double a = scores[r.nextInt(scores.length)];
            double c = scores[r.nextInt(scores.length)];
            ScoreRange range = new ScoreRange(a, r.nextBoolean(), c, r.nextBoolean());
            List<E> expect = sorted.stream().filter(e -> range.contains(e.s())).toList();
            assertThat(z.count(range)).isEqualTo(expect.size());
            if (!expect.isEmpty()) {
                List<E> got = new ArrayList<>();
                z.walk(z.firstRank(range), expect.size(), false, (m, sc) -> got.add(new E(s(m), sc)));
                assertThat(got).isEqualTo(expect);
                List<E> rev = new ArrayList<>();
                z.walk(z.endRank(range) - 1, expect.size(), true, (m, sc) -> rev.add(new E(s(m), sc)));
                List<E> back = new ArrayList<>(expect);
                java.util.Collections.reverse(back);
                assertThat(rev).isEqualTo(back);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void lexRangesOverEqualScores(boolean skiplist) {
        ZSet.Limits limits = skiplist ? ALWAYS_SKIPLIST : DEFAULT;
        ZSet z = new ZSet();
        for (String m : new String[] {"a", "b", "c", "d", "e", "\u00ff"}) {
            z.put(b(m), 0, limits);
        }
        assertThat(z.count(lex("-", "+"))).isEqualTo(6);
        assertThat(z.count(lex("[b", "[d"))).isEqualTo(3);
        assertThat(z.count(lex("(b", "(d"))).isEqualTo(1);
        assertThat(z.firstRank(lex("(b", "(d"))).isEqualTo(2);
        assertThat(z.count(lex("+", "-"))).isEqualTo(0);
        assertThat(z.count(lex("[e", "+"))).as("unsigned byte order").isEqualTo(2);
        assertThat(z.count(lex("[d", "[b"))).isEqualTo(0);
    }

    static LexRange lex(String a, String b) {
        return LexRange.parse(a.getBytes(StandardCharsets.ISO_8859_1), b.getBytes(StandardCharsets.ISO_8859_1));
    }

    @Test
    void copyIsIndependent() {
        ZSet z = new ZSet();
        z.put(b("a"), 1, ALWAYS_SKIPLIST);
        ZSet c = z.copy();
        c.put(b("b"), 2, ALWAYS_SKIPLIST);
        assertThat(z.size()).isEqualTo(1);
        assertThat(c.encoding()).isEqualTo("skiplist");
    }
}
