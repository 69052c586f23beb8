package dev.cinnabar.server.command;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Bucket edges and percentile rounding as Redis 7.0.15 reports them (values read off a real server). */
class LatencyHistogramTest {
    private static LatencyHistogram of(long... nanos) {
        LatencyHistogram h = new LatencyHistogram();
        for (long n : nanos) {
            h.record(n);
        }
        return h;
    }

    private static List<long[]> buckets(LatencyHistogram h) {
        List<long[]> out = new ArrayList<>();
        h.forEachBucket((u, c) -> out.add(new long[] {u, c}));
        return out;
    }

    @Test
    void percentilesFallOnRedisBucketEdges() {
        // Redis printed p0=10.944,p50.5=11.007 for a command timed at 11 us, 4.000/4.015 for 4 us
        assertThat(of(11_000).valueAtPercentile(0)).isEqualTo(10_944);
        assertThat(of(11_000).valueAtPercentile(50.5)).isEqualTo(11_007);
        assertThat(of(4_000).valueAtPercentile(0)).isEqualTo(4_000);
        assertThat(of(4_000).valueAtPercentile(99.9)).isEqualTo(4_015);
        assertThat(of(1_000).valueAtPercentile(50)).isEqualTo(1_003);
        assertThat(of(0).valueAtPercentile(50)).as("clamped to 1 ns: Redis's p50=0.001").isEqualTo(1);
        assertThat(of(5_000_000_000L).valueAtPercentile(100)).as("clamped to 1 s").isGreaterThanOrEqualTo(1_000_000_000L);
        assertThat(new LatencyHistogram().valueAtPercentile(50)).isZero();
    }

    @Test
    void wantedCountIsRoundedToNearestAsRedisDoes() {
        LatencyHistogram h = of(1_000, 2_000, 3_000, 4_000, 5_000, 6_000, 7_000, 8_000, 9_000, 10_000);
        assertThat(h.valueAtPercentile(14)).as("1.4 calls rounds to 1").isEqualTo(1_003);
        assertThat(h.valueAtPercentile(15)).as("1.5 calls rounds to 2").isEqualTo(2_007);
        assertThat(h.valueAtPercentile(100)).isEqualTo(10_047);
        assertThat(h.valueAtPercentile(250)).as("above 100 means 100").isEqualTo(10_047);
        assertThat(h.count()).isEqualTo(10);
    }

    @Test
    void cumulativeBucketsDoubleFrom1024NanosAndSkipEmptyOnes() {
        // Redis: SET timed 0/1/2/3.. us gave buckets 1, 2, 4, 8 ... and 66 for the 65.5-66 us one
        LatencyHistogram h = of(1, 1_000, 2_000, 3_000, 4_000, 66_000);
        assertThat(buckets(h)).containsExactly(new long[] {1, 2}, new long[] {2, 3}, new long[] {4, 5},
                new long[] {66, 6});
        assertThat(h.bucketCount()).isEqualTo(4);
        assertThat(buckets(of(900_000_000L))).hasSize(1);
        assertThat(buckets(new LatencyHistogram())).isEmpty();
        h.reset();
        assertThat(h.count()).isZero();
    }
}
