package dev.cinnabar.tests.unit.type;

import dev.cinnabar.testkit.diff.Differ;
import dev.cinnabar.testkit.diff.Result;
import dev.cinnabar.testkit.diff.Sequence;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.BiFunction;

/**
 * Runs randomized command scripts (built by a per-type generator from a seed) on real Redis and
 * Cinnabar through the {@link Differ}, and fails with the shrunk report of the first difference.
 */
final class Scripts {
    private Scripts() {
    }

    static String pick(SplittableRandom r, String... options) {
        return options[r.nextInt(options.length)];
    }

    /** Several distinct-or-not picks joined by spaces. */
    static String some(SplittableRandom r, int min, int max, String... options) {
        int n = min + r.nextInt(max - min + 1);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(pick(r, options));
        }
        return String.join(" ", out);
    }

    /**
     * Runs sequences seed0 .. seed0+count-1, each of length lines from gen(random, index).
     * Sequences are independent (the Differ flushes and restores config between them).
     */
    static void run(Differ d, long seed0, int count, int length, BiFunction<SplittableRandom, Integer, String> gen) {
        for (int i = 0; i < count; i++) {
            SplittableRandom r = new SplittableRandom(seed0 + i);
            String[] lines = new String[length];
            for (int k = 0; k < length; k++) {
                lines[k] = gen.apply(r, k);
            }
            Result res = d.run(Sequence.of(lines));
            if (res.failed()) {
                Result small = d.minimise(res, 100);
                throw new AssertionError("sequence seed " + (seed0 + i) + " differs:\n" + small.report());
            }
        }
    }
}
