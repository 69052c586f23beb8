package dev.cinnabar.server.store.set;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RSetTest {
    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static List<String> members(RSet s) {
        List<String> out = new ArrayList<>();
        s.forEach(m -> out.add(new String(m, StandardCharsets.UTF_8)));
        return out;
    }

    @Test
    void integersStayIntsetUpToTheLimitThenBecomeHashtable() {
        RSet s = new RSet();
        for (int i = 0; i < 512; i++) {
            assertThat(s.add(b(Integer.toString(i * 7 - 1000)), 512)).isTrue();
        }
        assertThat(s.encoding()).isEqualTo("intset");
        assertThat(s.add(b("-1000"), 512)).as("duplicate").isFalse();
        assertThat(s.encoding()).isEqualTo("intset");
        assertThat(s.add(b("100000"), 512)).isTrue();
        assertThat(s.encoding()).isEqualTo("hashtable");
        assertThat(s.size()).isEqualTo(513);
        for (int i = 0; i < 512; i++) {
            assertThat(s.contains(b(Integer.toString(i * 7 - 1000)))).isTrue();
        }
    }

    @Test
    void nonCanonicalIntegersAreStrings() {
        for (String m : new String[] {"01", "+1", "-0", " 1", "1 ", "9223372036854775808", "a"}) {
            RSet s = new RSet();
            s.add(b("5"), 512);
            assertThat(s.encoding()).isEqualTo("intset");
            s.add(b(m), 512);
            assertThat(s.encoding()).as(m).isEqualTo("hashtable");
            assertThat(s.contains(b(m))).isTrue();
            assertThat(s.contains(b("5"))).isTrue();
        }
    }

    @Test
    void limitZeroMeansHashtableFromTheFirstMember() {
        RSet s = new RSet();
        s.add(b("1"), 0);
        assertThat(s.encoding()).isEqualTo("hashtable");
    }

    @Test
    void conversionIsOneWay() {
        RSet s = new RSet();
        s.add(b("1"), 512);
        s.add(b("x"), 512);
        s.remove(b("x"));
        assertThat(s.encoding()).isEqualTo("hashtable");
        assertThat(members(s)).containsExactly("1");
    }

    @Test
    void intsetIteratesInNumericOrderAcrossWidthUpgrades() {
        RSet s = new RSet();
        String[] in = {"5", "-3", "40000", "-9223372036854775808", "9223372036854775807", "0", "-70000", "12"};
        for (String m : in) {
            s.add(b(m), 512);
        }
        assertThat(s.encoding()).isEqualTo("intset");
        assertThat(members(s)).containsExactly("-9223372036854775808", "-70000", "-3", "0", "5", "12", "40000",
                "9223372036854775807");
        assertThat(s.remove(b("40000"))).isTrue();
        assertThat(s.remove(b("40001"))).isFalse();
        assertThat(s.remove(b("99999999999999999999"))).isFalse();
        assertThat(s.size()).isEqualTo(7);
    }

    @Test
    void intSetUsesTheSmallestWidth() {
        IntSet i = new IntSet();
        i.add(1);
        i.add(-32768);
        assertThat(i.width()).isEqualTo(2);
        i.add(32768);
        assertThat(i.width()).isEqualTo(4);
        i.add(-2147483649L);
        assertThat(i.width()).isEqualTo(8);
        assertThat(i.get(0)).isEqualTo(-2147483649L);
        assertThat(i.get(3)).isEqualTo(32768);
        assertThat(i.contains(-32768)).isTrue();
        assertThat(i.contains(7)).isFalse();
    }

    @Test
    void randomOperationsAgreeWithAModel() {
        Random r = new Random(42);
        for (long limit : new long[] {0, 3, 512}) {
            RSet s = new RSet();
            Set<String> model = new HashSet<>();
            for (int step = 0; step < 3000; step++) {
                String m = r.nextInt(4) == 0 ? "m" + r.nextInt(20) : Integer.toString(r.nextInt(60) - 30);
                switch (r.nextInt(4)) {
                    case 0, 1 -> assertThat(s.add(b(m), limit)).isEqualTo(model.add(m));
                    case 2 -> assertThat(s.remove(b(m))).isEqualTo(model.remove(m));
                    default -> {
                        if (!model.isEmpty()) {
                            String p = new String(s.pop(r), StandardCharsets.UTF_8);
                            assertThat(model.remove(p)).isTrue();
                        }
                    }
                }
                assertThat(s.size()).isEqualTo(model.size());
            }
            assertThat(new HashSet<>(members(s))).isEqualTo(model);
            RSet copy = s.copy();
            copy.add(b("fresh"), limit);
            assertThat(s.contains(b("fresh"))).isFalse();
        }
    }

    @Test
    void scanReturnsEveryMemberPresentThroughoutDespiteResizes() {
        RSet s = new RSet();
        for (int i = 0; i < 200; i++) {
            s.add(b("m" + i), 0);
        }
        Set<String> seen = new HashSet<>();
        long cursor = 0;
        int step = 0;
        do {
            cursor = s.scan(cursor, m -> seen.add(new String(m, StandardCharsets.UTF_8)));
            // grow and shrink the table between calls
            if (step++ == 3) {
                for (int i = 200; i < 1000; i++) {
                    s.add(b("m" + i), 0);
                }
            } else if (step == 10) {
                for (int i = 200; i < 1000; i++) {
                    s.remove(b("m" + i));
                }
            }
        } while (cursor != 0);
        for (int i = 0; i < 200; i++) {
            assertThat(seen).contains("m" + i);
        }
    }

    @Test
    void randomDistinctAndPopManyPerEncoding() {
        Random r = new Random(3);
        for (long limit : new long[] {1_000_000, 0}) {
            RSet s = new RSet();
            for (int i = 0; i < 3000; i++) {
                s.add(b(Integer.toString(i)), limit);
            }
            for (int n : new int[] {1, 10, 999, 1001, 2999}) {
                List<String> got = new ArrayList<>();
                s.randomDistinct(n, r, m -> got.add(new String(m, StandardCharsets.UTF_8)));
                assertThat(new HashSet<>(got)).hasSize(n);
            }
            List<String> popped = new ArrayList<>();
            s.popMany(2000, r, m -> popped.add(new String(m, StandardCharsets.UTF_8)));
            assertThat(new HashSet<>(popped)).hasSize(2000);
            assertThat(s.size()).isEqualTo(1000);
            for (String m : popped) {
                assertThat(s.contains(b(m))).isFalse();
            }
            assertThat(members(s)).hasSize(1000);
        }
    }

    /**
     * Random members of a hashtable set are uniform: chi-square over 200 members and 200,000 draws
     * (df 199; 300 is five standard deviations above the mean). Picking a bucket then a chain slot
     * scored in the thousands, since members sharing a bucket were drawn less often.
     */
    @Test
    void randomMembersOfAHashtableAreUniform() {
        RSet s = new RSet();
        int members = 200;
        for (int i = 0; i < members; i++) {
            s.add(b("m" + i), 0);
        }
        assertThat(s.encoding()).isEqualTo("hashtable");
        java.util.Map<String, Integer> hits = new java.util.HashMap<>();
        Random rnd = new Random(42);
        int draws = 200_000;
        for (int i = 0; i < draws; i++) {
            hits.merge(new String(s.random(rnd), StandardCharsets.UTF_8), 1, Integer::sum);
        }
        double expected = (double) draws / members;
        double chi = 0;
        for (int i = 0; i < members; i++) {
            double d = hits.getOrDefault("m" + i, 0) - expected;
            chi += d * d / expected;
        }
        assertThat(chi).isLessThan(300);
    }
}
