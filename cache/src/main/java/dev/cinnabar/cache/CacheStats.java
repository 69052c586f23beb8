package dev.cinnabar.cache;

/**
 * A snapshot of one cache's counters. The same counters are published to Micrometer when a
 * registry is configured (meters named {@code cinnabar.cache.*}, tagged with the cache name).
 */
public record CacheStats(long localHits, long hits, long misses, long nullHits, long loads, long loadFailures,
                         long totalLoadNanos, long bloomRejections, long keyRejections, long lockWaits,
                         long invalidations, long staleServed, long degradedReads) {
    /** Hits (local and remote, nulls included) over all lookups. */
    public double hitRate() {
        long h = localHits + hits + nullHits;
        long all = h + misses;
        return all == 0 ? 1.0 : (double) h / all;
    }
}
