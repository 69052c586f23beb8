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
}
