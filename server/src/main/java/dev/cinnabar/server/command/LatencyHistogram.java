package dev.cinnabar.server.command;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;

/**
 * One command's latency distribution, as Redis 7.0 keeps it for INFO latencystats and LATENCY
 * HISTOGRAM: an HDR histogram of nanoseconds from 1 ns to 1 s with two significant digits (values
 * outside are clamped to the range), so the figures we print fall on the same bucket edges as
 * Redis's (e.g. 1.003 or 2.007 microseconds). HdrHistogram (Java) has the same bucket layout as the
 * C library Redis embeds; the percentile lookup is done here because Redis rounds the wanted count
 * to nearest where the Java library rounds up.
 *
 * <p>About 24 KB per command that has run (allocated on first use), like Redis's ~40 KB.
 */
public final class LatencyHistogram {
    static final long MIN_NANOS = 1;
    static final long MAX_NANOS = 1_000_000_000L;
    /** LATENCY HISTOGRAM's first bucket (1024 ns), each next one twice as wide. */
    private static final long FIRST_BUCKET_NANOS = 1024;

    private final Histogram h = new Histogram(MIN_NANOS, MAX_NANOS, 2);

    /** Records one call's duration in nanoseconds. */
    public void record(long nanos) {
        h.recordValue(Math.max(MIN_NANOS, Math.min(MAX_NANOS, nanos)));
    }

    public long count() {
        return h.getTotalCount();
    }

    /**
     * The value at a percentile (0..100) in nanoseconds: the highest value equivalent to the
     * recorded one reached by the wanted count, or the lowest for percentile 0; 0 when empty.
     */
    public long valueAtPercentile(double percentile) {
        long total = h.getTotalCount();
        double p = Math.min(percentile, 100.0);
        long wanted = Math.max(1, (long) (p / 100 * total + 0.5));
        for (HistogramIterationValue v : h.recordedValues()) {
            if (v.getTotalCountToThisValue() >= wanted) {
                long at = v.getValueIteratedTo();
                return percentile == 0.0 ? h.lowestEquivalentValue(at) : h.highestEquivalentValue(at);
            }
        }
        return 0;
    }

    /** Receives the buckets of the cumulative distribution. */
    @FunctionalInterface
    public interface BucketVisitor {
        void bucket(long upperMicros, long cumulativeCount);
    }

    /**
     * The cumulative distribution LATENCY HISTOGRAM replies: buckets whose upper bounds double from
     * 1024 ns, each reported (as whole microseconds of its highest equivalent value) with the count
     * of calls up to it, skipping buckets that add nothing, up to the one that holds every call.
     */
    public void forEachBucket(BucketVisitor visitor) {
        long total = h.getTotalCount();
        long previous = 0;
        for (long level = FIRST_BUCKET_NANOS; previous < total; level *= 2) {
            long upper = h.highestEquivalentValue(Math.min(level, MAX_NANOS));
            long cumulative = h.getCountBetweenValues(0, upper);
            if (cumulative > previous) {
                visitor.bucket(upper / 1000, cumulative);
            }
            previous = cumulative;
            if (level >= MAX_NANOS) {
                break;
            }
        }
    }

    /** Number of buckets {@link #forEachBucket} reports. */
    public int bucketCount() {
        int[] n = {0};
        forEachBucket((u, c) -> n[0]++);
        return n[0];
    }

    public void reset() {
        h.reset();
    }
}
