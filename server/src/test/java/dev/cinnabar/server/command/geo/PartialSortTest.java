package dev.cinnabar.server.command.geo;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PartialSortTest {
    @Test
    void theRequestedRangeHoldsWhatAFullSortPutsThere() {
        Random rnd = new Random(21);
        for (int round = 0; round < 500; round++) {
            int n = 1 + rnd.nextInt(200);
            List<Integer> list = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                list.add(rnd.nextInt(rnd.nextBoolean() ? 5 : 1000));
            }
            List<Integer> sorted = new ArrayList<>(list);
            sorted.sort(Comparator.naturalOrder());
            int hi = rnd.nextInt(n);
            List<Integer> partial = new ArrayList<>(list);
            PartialSort.sort(partial, Comparator.naturalOrder(), 0, hi);
            assertThat(partial.subList(0, hi + 1)).isEqualTo(sorted.subList(0, hi + 1));
            assertThat(partial).containsExactlyInAnyOrderElementsOf(list);
        }
    }
}
