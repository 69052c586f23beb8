package dev.cinnabar.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DictTest {
    private static byte[] k(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String s(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    @Test
    void putGetRemoveAgreeWithAHashMapThroughResizes() {
        Dict d = new Dict();
        Map<String, Integer> model = new HashMap<>();
        Random r = new Random(1);
        for (int i = 0; i < 100_000; i++) {
            String key = "k" + r.nextInt(5000);
            switch (r.nextInt(3)) {
                case 0 -> {
                    d.put(k(key), i);
                    model.put(key, i);
                }
                case 1 -> assertThat(d.remove(k(key)) != null).isEqualTo(model.remove(key) != null);
                default -> assertThat(d.get(k(key))).isEqualTo(model.get(key));
            }
            if (i % 1000 == 0) {
                d.shrinkIfNeeded();
            }
            assertThat(d.size()).isEqualTo(model.size());
        }
    }

    @Test
    void tableGrowsAtLoadFactorOneAndRehashesIncrementally() {
        Dict d = new Dict();
        for (int i = 0; i < 4; i++) {
            d.addNew(k("k" + i), i);
        }
        assertThat(d.buckets()).isEqualTo(4);
        d.addNew(k("k4"), 4);
        assertThat(d.isRehashing()).isTrue();
        assertThat(d.buckets()).isEqualTo(4 + 8);
        while (d.rehash(1)) {
            // one bucket at a time
        }
        assertThat(d.isRehashing()).isFalse();
        assertThat(d.buckets()).isEqualTo(8);
        for (int i = 0; i < 5; i++) {
            assertThat(d.get(k("k" + i))).isEqualTo(i);
        }
    }

    @Test
    void shrinksWhenUnderTenPercentFull() {
        Dict d = new Dict();
        for (int i = 0; i < 1024; i++) {
            d.addNew(k("k" + i), i);
        }
        while (d.rehash(100)) {
            // finish growing
        }
        for (int i = 10; i < 1024; i++) {
            d.remove(k("k" + i));
        }
        while (d.rehash(100)) {
            // finish any pending step
        }
        assertThat(d.shrinkIfNeeded()).isTrue();
        while (d.rehash(100)) {
            // finish shrinking
        }
        assertThat(d.buckets()).isEqualTo(16);
        assertThat(d.shrinkIfNeeded()).isFalse();
        for (int i = 0; i < 10; i++) {
            assertThat(d.get(k("k" + i))).isEqualTo(i);
        }
    }

    @Test
    void resizingCanBeSuspendedUntilTheForceRatio() {
        Dict d = new Dict();
        d.resizeAllowed(false);
        for (int i = 0; i < 4; i++) {
            d.addNew(k("k" + i), i);
        }
        for (int i = 4; i < 24; i++) {
            d.addNew(k("k" + i), i);
        }
        assertThat(d.isRehashing()).isFalse();
        assertThat(d.buckets()).isEqualTo(4);
        d.addNew(k("k24"), 24);
        d.addNew(k("k25"), 25);
        assertThat(d.isRehashing()).isTrue();
    }

    /** A key present for the whole scan is returned, while the table grows and shrinks under it. */
    @Test
    void scanReturnsEveryStableKeyAcrossGrowthAndShrink() {
        Random r = new Random(7);
        for (int round = 0; round < 10; round++) {
            Dict d = new Dict();
            Set<String> stable = new HashSet<>();
            int n = 50 + r.nextInt(500);
            for (int i = 0; i < n; i++) {
                d.addNew(k("stable" + i), i);
                stable.add("stable" + i);
            }
            Set<String> seen = new HashSet<>();
            long cursor = 0;
            int live = 0; // temporary keys tmp0..tmp(live-1) currently present
            int steps = 0;
            do {
                cursor = d.scan(cursor, e -> seen.add(s(e.key())));
                steps++;
                // Alternate bursts of growth and mass deletion with shrinking, mid-scan.
                if (steps % 2 == 0) {
                    int add = r.nextInt(4000);
                    for (int i = 0; i < add; i++) {
                        d.addNew(k("tmp" + (live++)), i);
                    }
                } else {
                    for (int i = 0; i < live; i++) {
                        d.remove(k("tmp" + i));
                    }
                    live = 0;
                    d.rehash(r.nextInt(50));
                    d.shrinkIfNeeded();
                }
                d.rehash(r.nextInt(20));
                assertThat(steps).isLessThan(100_000);
            } while (cursor != 0);
            assertThat(seen).containsAll(stable);
        }
    }

    @Test
    void scanVisitsEveryKeyOfAQuietTableExactlyOnce() {
        Dict d = new Dict();
        for (int i = 0; i < 10_000; i++) {
            d.addNew(k("k" + i), i);
        }
        while (d.rehash(100)) {
            // settle
        }
        Map<String, Integer> count = new HashMap<>();
        long cursor = 0;
        do {
            cursor = d.scan(cursor, e -> count.merge(s(e.key()), 1, Integer::sum));
        } while (cursor != 0);
        assertThat(count).hasSize(10_000);
        assertThat(count.values()).allMatch(c -> c == 1);
    }

    @Test
    void randomEntryReachesEveryKeyAndNullWhenEmpty() {
        Dict d = new Dict();
        assertThat(d.randomEntry()).isNull();
        for (int i = 0; i < 50; i++) {
            d.addNew(k("k" + i), i);
        }
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 20_000 && seen.size() < 50; i++) {
            seen.add(s(d.randomEntry().key()));
        }
        assertThat(seen).hasSize(50);
    }

    @Test
    void swapExchangesContents() {
        Dict a = new Dict();
        Dict b = new Dict();
        a.addNew(k("x"), 1);
        b.addNew(k("y"), 2);
        b.addNew(k("z"), 3);
        Dict.swap(a, b);
        assertThat(a.size()).isEqualTo(2);
        assertThat(a.get(k("z"))).isEqualTo(3);
        assertThat(b.get(k("x"))).isEqualTo(1);
        assertThat(b.get(k("y"))).isNull();
    }

    @Test
    void aRefusedExpandKeepsTheTableUntilThePolicyAllowsIt() {
        Dict d = new Dict();
        java.util.List<double[]> asked = new java.util.ArrayList<>();
        boolean[] allow = {false};
        d.expandPolicy((buckets, load) -> {
            asked.add(new double[] {buckets, load});
            return allow[0] || load > 1.618;
        });
        for (int i = 0; i < 4; i++) {
            d.addNew(k("k" + i), i);
        }
        assertThat(d.tableLength()).isEqualTo(4);
        d.addNew(k("k4"), 4); // full table: asked for 8 buckets at load 1.0, refused
        assertThat(asked.get(0)).containsExactly(8, 1.0);
        assertThat(d.tableLength()).isEqualTo(4);
        assertThat(d.isRehashing()).isFalse();
        for (int i = 5; i < 7; i++) {
            d.addNew(k("k" + i), i); // loads 1.25, 1.5: still refused
        }
        assertThat(d.isRehashing()).isFalse();
        d.addNew(k("k7"), 7); // 7 entries in 4 buckets: past the hard ratio, grows anyway
        assertThat(d.isRehashing()).isTrue();
        d.finishRehash();
        assertThat(d.tableLength()).isEqualTo(8);
        for (int i = 0; i < 8; i++) {
            assertThat(d.get(k("k" + i))).isEqualTo(i);
        }
        asked.clear();
        allow[0] = true;
        d.addNew(k("k8"), 8); // 8 in 8: allowed at once, to 16
        assertThat(asked.get(0)).containsExactly(16, 1.0);
        assertThat(d.isRehashing()).isTrue();
    }

    @Test
    void tableStatsCountChainsOfBothTablesWhileRehashing() {
        Dict d = new Dict();
        for (int i = 0; i < 4; i++) {
            d.addNew(k("k" + i), i);
        }
        Dict.TableStats st = d.tableStats(0, 49);
        assertThat(st.buckets()).isEqualTo(4);
        assertThat(st.entries()).isEqualTo(4);
        long chained = 0;
        for (int len = 0; len < st.chainLengths().length; len++) {
            chained += len * st.chainLengths()[len];
        }
        assertThat(chained).isEqualTo(4);
        assertThat(java.util.Arrays.stream(st.chainLengths()).sum()).isEqualTo(4);
        assertThat(d.tableStats(1, 49)).isNull();
        d.addNew(k("k4"), 4); // starts a rehash to 8 buckets
        assertThat(d.tableStats(1, 49).buckets()).isEqualTo(8);
        assertThat(d.tableStats(0, 49).entries() + d.tableStats(1, 49).entries()).isEqualTo(5);
    }
}
