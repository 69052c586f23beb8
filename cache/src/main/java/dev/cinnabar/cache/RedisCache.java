package dev.cinnabar.cache;

import java.util.Collection;
import java.util.Map;
import java.util.function.Function;

/**
 * A cache-aside cache over a Redis-protocol server, with the defences against penetration,
 * breakdown and avalanche configured on its {@link RedisCacheBuilder}.
 *
 * <p>Reads: local tier (if any) → Redis → (Bloom guard) → single-flight load from the source,
 * written back with a jittered TTL; absent values are cached as nulls with their own short TTL.
 * Writes: update the source of truth, then invalidate the cache (the default), or with delayed
 * double delete, or through a reliable invalidation queue.
 */
public interface RedisCache<K, V> extends AutoCloseable {
    /** The value for key, loading it with the cache's loader on a miss; null when absent. */
    V get(K key);

    /** The value for key, loading it with {@code loader} on a miss; null when absent. */
    V get(K key, Loader<K, V> loader);

    /**
     * The cached entry without loading: null on a miss, otherwise a holder whose value is null
     * for a cached "absent" marker.
     */
    Cached<V> getIfCached(K key);

    /** A cached entry; {@code value} is null when the cache holds an "absent" marker. */
    record Cached<V>(V value) {
    }

    /** Removes every key of this cache (SCAN over the cache's prefix, then UNLINK in batches). */
    void clear();

    /** Batch lookup: one round trip for the cached part, one batch load for the rest. */
    Map<K, V> getAll(Collection<K> keys, Function<Collection<K>, Map<K, V>> batchLoader);

    /** Writes a value with the configured (jittered) TTL. */
    void put(K key, V value);

    /**
     * Writes many values in one pipelined round trip, overwriting what is cached (scheduled refresh
     * of hot keys that never expire).
     */
    void putAll(java.util.Map<K, V> values);

    /**
     * Runs {@code sourceUpdate} (the database write) and keeps the cache consistent with the
     * configured strategy (delete after update; delayed double delete; reliable queue).
     */
    void update(K key, Runnable sourceUpdate);

    /** Removes the key from Redis and every local tier that tracks it. */
    void invalidate(K key);

    /** The Redis key used for a cache key. */
    String redisKey(K key);

    CacheStats stats();

    String name();

    @Override
    void close();
}
