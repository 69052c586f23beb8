package dev.cinnabar.testkit.stress;

import dev.cinnabar.testkit.RealRedis;

/**
 * Seeds and budgets for randomised tests: a fixed seed in CI (CI=true) so a red build can be rerun
 * as is, a fresh one on a developer machine so each run explores new inputs, and always the
 * system property named by the test when given. The chosen seed goes into every failure message
 * with the property that reproduces it.
 */
public final class Seeds {
    private Seeds() {
    }

    /** The seed: {@code -D<property>=N}, else {@code ciSeed} in CI, else a fresh random one. */
    public static long choose(String property, long ciSeed) {
        String given = System.getProperty(property);
        if (given != null && !given.isBlank()) {
            return Long.parseLong(given.trim());
        }
        if (RealRedis.inCi()) {
            return ciSeed;
        }
        return System.nanoTime() ^ Long.rotateLeft(System.currentTimeMillis(), 17);
    }

    /** How to rerun with the same seed, for failure messages. */
    public static String rerun(String property, long seed) {
        return "seed " + seed + " (rerun with -D" + property + "=" + seed + ")";
    }

    /** A duration or count from {@code -D<property>=N}, else the default. */
    public static long budget(String property, long defaultValue) {
        String given = System.getProperty(property);
        return given == null || given.isBlank() ? defaultValue : Long.parseLong(given.trim());
    }
}
