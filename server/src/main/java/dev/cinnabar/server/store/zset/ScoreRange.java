package dev.cinnabar.server.store.zset;

/**
 * A score interval for range queries: {@code [min, max]} with either end optionally exclusive
 * (Redis's {@code (} prefix). Infinities are allowed; NaN never is.
 */
public record ScoreRange(double min, boolean minExclusive, double max, boolean maxExclusive) {
    /** Every score. */
    public static final ScoreRange ALL = new ScoreRange(Double.NEGATIVE_INFINITY, false, Double.POSITIVE_INFINITY,
            false);

    public static ScoreRange inclusive(double min, double max) {
        return new ScoreRange(min, false, max, false);
    }

    /**
     * Parses a pair of bounds as ZRANGEBYSCORE takes them ({@code 1.5}, {@code (1.5}, {@code -inf},
     * {@code +inf}); null when either is not a valid bound.
     */
    public static ScoreRange parse(byte[] min, byte[] max) {
        boolean minEx = min.length > 0 && min[0] == '(';
        boolean maxEx = max.length > 0 && max[0] == '(';
        double a = Scores.parseBound(min, minEx ? 1 : 0);
        double b = Scores.parseBound(max, maxEx ? 1 : 0);
        if (Double.isNaN(a) || Double.isNaN(b)) {
            return null;
        }
        return new ScoreRange(a, minEx, b, maxEx);
    }

    /** True when score lies in the interval. */
    public boolean contains(double score) {
        return (minExclusive ? score > min : score >= min) && (maxExclusive ? score < max : score <= max);
    }
}
