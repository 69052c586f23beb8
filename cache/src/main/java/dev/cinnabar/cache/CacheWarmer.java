package dev.cinnabar.cache;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Cache warm-up: loads hot keys from the source in batches and writes them through the cache's
 * batch path (pipelined, jittered TTLs), reporting progress. Run it at start-up, on a schedule, or
 * from an application event ({@link #warm()} is a plain method call).
 */
public final class CacheWarmer<K, V> implements AutoCloseable {
    /** Progress callback: keys done so far and the total. */
    @FunctionalInterface
    public interface Progress {
        void report(long done, long total);
    }

    private final RedisCache<K, V> cache;
    private final Supplier<Collection<K>> hotKeys;
    private final Function<Collection<K>, Map<K, V>> batchLoader;
    private final int batchSize;
    private final Progress progress;
    private ScheduledExecutorService scheduler;

    public CacheWarmer(RedisCache<K, V> cache, Supplier<Collection<K>> hotKeys,
                       Function<Collection<K>, Map<K, V>> batchLoader, int batchSize, Progress progress) {
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batchSize must be positive");
        }
        this.cache = cache;
        this.hotKeys = hotKeys;
        this.batchLoader = batchLoader;
        this.batchSize = batchSize;
        this.progress = progress == null ? (d, t) -> { } : progress;
    }

    /** Warms every hot key now; returns how many keys were written or already cached. */
    public long warm() {
        List<K> keys = new ArrayList<>(hotKeys.get());
        long done = 0;
        progress.report(0, keys.size());
        for (int i = 0; i < keys.size(); i += batchSize) {
            List<K> batch = keys.subList(i, Math.min(keys.size(), i + batchSize));
            cache.getAll(batch, batchLoader);
            done += batch.size();
            progress.report(done, keys.size());
        }
        return done;
    }

    /**
     * Reloads every hot key from the source and overwrites the cached values (pipelined), so hot
     * keys that never expire (logical expiry, or a long TTL) stay fresh; returns how many were
     * written.
     */
    public long refresh() {
        List<K> keys = new ArrayList<>(hotKeys.get());
        long done = 0;
        progress.report(0, keys.size());
        for (int i = 0; i < keys.size(); i += batchSize) {
            List<K> batch = keys.subList(i, Math.min(keys.size(), i + batchSize));
            Map<K, V> loaded = batchLoader.apply(batch);
            if (loaded != null && !loaded.isEmpty()) {
                cache.putAll(loaded);
            }
            done += batch.size();
            progress.report(done, keys.size());
        }
        return done;
    }

    /** Refreshes every {@code period}: the "never-expire hot keys with scheduled refresh" pattern. */
    public synchronized ScheduledFuture<?> scheduleRefresh(Duration initialDelay, Duration period) {
        return schedule(initialDelay, period, this::refresh);
    }

    /** Re-warms every {@code period} (the first run after {@code initialDelay}). */
    public synchronized ScheduledFuture<?> schedule(Duration initialDelay, Duration period) {
        return schedule(initialDelay, period, this::warm);
    }

    private synchronized ScheduledFuture<?> schedule(Duration initialDelay, Duration period,
                                                     java.util.function.LongSupplier job) {
        if (scheduler == null) {
            scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "cinnabar-warmer-" + cache.name());
                t.setDaemon(true);
                return t;
            });
        }
        return scheduler.scheduleAtFixedRate(() -> {
            try {
                job.getAsLong();
            } catch (RuntimeException e) {
                // the next run retries
            }
        }, initialDelay.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public synchronized void close() {
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
    }
}
