package dev.cinnabar.cache.internal;

import dev.cinnabar.cache.CacheStats;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.atomic.LongAdder;

/** The cache's counters; optionally published to Micrometer as cinnabar.cache.* meters. */
final class Counters {
    final LongAdder localHits = new LongAdder();
    final LongAdder hits = new LongAdder();
    final LongAdder misses = new LongAdder();
    final LongAdder nullHits = new LongAdder();
    final LongAdder loads = new LongAdder();
    final LongAdder loadFailures = new LongAdder();
    final LongAdder loadNanos = new LongAdder();
    final LongAdder bloomRejections = new LongAdder();
    final LongAdder keyRejections = new LongAdder();
    final LongAdder lockWaits = new LongAdder();
    final LongAdder invalidations = new LongAdder();
    final LongAdder staleServed = new LongAdder();
    final LongAdder degradedReads = new LongAdder();

    CacheStats snapshot() {
        return new CacheStats(localHits.sum(), hits.sum(), misses.sum(), nullHits.sum(), loads.sum(),
                loadFailures.sum(), loadNanos.sum(), bloomRejections.sum(), keyRejections.sum(), lockWaits.sum(),
                invalidations.sum(), staleServed.sum(), degradedReads.sum());
    }

    void bind(MeterRegistry r, String cache) {
        counter(r, cache, "cinnabar.cache.gets", localHits, "result", "local_hit");
        counter(r, cache, "cinnabar.cache.gets", hits, "result", "hit");
        counter(r, cache, "cinnabar.cache.gets", misses, "result", "miss");
        counter(r, cache, "cinnabar.cache.gets", nullHits, "result", "null_hit");
        counter(r, cache, "cinnabar.cache.loads", loads, "result", "attempt");
        counter(r, cache, "cinnabar.cache.loads", loadFailures, "result", "failure");
        FunctionCounter.builder("cinnabar.cache.load.time", loadNanos, a -> a.sum() / 1e9).tag("cache", cache)
                .baseUnit("seconds").register(r);
        counter(r, cache, "cinnabar.cache.rejections", bloomRejections, "by", "bloom");
        counter(r, cache, "cinnabar.cache.rejections", keyRejections, "by", "validator");
        counter(r, cache, "cinnabar.cache.lock.waits", lockWaits, "kind", "single_flight");
        counter(r, cache, "cinnabar.cache.invalidations", invalidations, "kind", "all");
        counter(r, cache, "cinnabar.cache.stale.served", staleServed, "kind", "logical_expiry");
        counter(r, cache, "cinnabar.cache.degraded.reads", degradedReads, "kind", "redis_unavailable");
    }

    private static void counter(MeterRegistry r, String cache, String name, LongAdder a, String tagK, String tagV) {
        FunctionCounter.builder(name, a, LongAdder::sum).tag("cache", cache).tag(tagK, tagV).register(r);
    }
}
