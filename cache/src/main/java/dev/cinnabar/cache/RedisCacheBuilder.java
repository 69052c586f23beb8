package dev.cinnabar.cache;

import dev.cinnabar.cache.internal.CacheSettings;
import dev.cinnabar.cache.internal.DefaultRedisCache;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.lettuce.core.RedisClient;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Builds a {@link RedisCache}. Every defence is opt-in except TTL jitter, which is on by default
 * (10% of the TTL) because synchronised expiry is the commonest cause of avalanches.
 *
 * <pre>{@code
 * RedisCache<Long, Product> products = RedisCacheBuilder.<Long, Product>newBuilder(redisClient)
 *     .name("product").codec(new JacksonCodec<>(Product.class))
 *     .ttl(Duration.ofMinutes(30)).nullTtl(Duration.ofSeconds(60))
 *     .keyValidator(id -> id > 0).bloomFilter(bloom)
 *     .singleFlight(Duration.ofSeconds(10), Duration.ofSeconds(3))
 *     .localCache(10_000, Duration.ofMinutes(5))
 *     .sourceConcurrency(32)
 *     .loader(repository::findById)
 *     .build();
 * }</pre>
 */
public final class RedisCacheBuilder<K, V> {
    private final RedisClient client;
    private String name = "cache";
    private CacheCodec<V> codec;
    private Function<K, String> keyFormatter = String::valueOf;
    private Duration ttl = Duration.ofMinutes(30);
    private double ttlJitter = 0.10;
    private Duration nullTtl = Duration.ofMinutes(1);
    private boolean cacheNulls = true;
    private Predicate<K> keyValidator = k -> true;
    private RedisBloomFilter bloom;
    private Duration lockLease;
    private Duration lockWait;
    private Duration logicalTtl;
    private double refreshAheadFraction;
    private long localMaxSize;
    private Duration localTtl;
    private List<String> broadcastPrefixes;
    private CircuitBreakerConfig circuitBreaker = CircuitBreakerConfig.custom()
            .failureRateThreshold(50).slidingWindowSize(20).minimumNumberOfCalls(5)
            .waitDurationInOpenState(Duration.ofSeconds(5)).build();
    private int sourceConcurrency = Integer.MAX_VALUE;
    private Duration sourceWait = Duration.ofSeconds(1);
    private Function<K, V> fallback;
    private Consistency consistency = Consistency.deleteAfterUpdate();
    private MeterRegistry meterRegistry;
    private Loader<K, V> loader;
    private Duration commandTimeout = Duration.ofSeconds(2);

    private RedisCacheBuilder(RedisClient client) {
        this.client = Objects.requireNonNull(client);
    }

    public static <K, V> RedisCacheBuilder<K, V> newBuilder(RedisClient client) {
        return new RedisCacheBuilder<>(client);
    }

    /** Name of the cache: prefix of its Redis keys ("name:key") and metrics tag. */
    public RedisCacheBuilder<K, V> name(String n) {
        this.name = n;
        return this;
    }

    public RedisCacheBuilder<K, V> codec(CacheCodec<V> c) {
        this.codec = c;
        return this;
    }

    public RedisCacheBuilder<K, V> keyFormatter(Function<K, String> f) {
        this.keyFormatter = f;
        return this;
    }

    public RedisCacheBuilder<K, V> ttl(Duration d) {
        this.ttl = d;
        return this;
    }

    /** Adds a random 0..fraction×TTL to every TTL (0 disables; default 0.1). */
    public RedisCacheBuilder<K, V> ttlJitter(double fraction) {
        if (fraction < 0) {
            throw new IllegalArgumentException("jitter must be >= 0");
        }
        this.ttlJitter = fraction;
        return this;
    }

    /** TTL of cached "absent" markers (penetration defence); null caching is on by default. */
    public RedisCacheBuilder<K, V> nullTtl(Duration d) {
        this.nullTtl = d;
        return this;
    }

    public RedisCacheBuilder<K, V> cacheNulls(boolean v) {
        this.cacheNulls = v;
        return this;
    }

    /** Rejects illegal keys before the cache or the source is touched (returns null for them). */
    public RedisCacheBuilder<K, V> keyValidator(Predicate<K> p) {
        this.keyValidator = p;
        return this;
    }

    /** Keys the filter has never seen are answered "absent" without touching the source. */
    public RedisCacheBuilder<K, V> bloomFilter(RedisBloomFilter f) {
        this.bloom = f;
        return this;
    }

    /**
     * Distributed single-flight: on a miss only one loader runs across all instances; the others
     * wait (woken by pub/sub, not by polling) up to {@code wait}, then re-read.
     */
    public RedisCacheBuilder<K, V> singleFlight(Duration lease, Duration wait) {
        this.lockLease = lease;
        this.lockWait = wait;
        return this;
    }

    /**
     * Logical expiration: values carry their own expiry; past it the stale value is still served
     * while exactly one instance rebuilds it asynchronously. The Redis key gets no TTL (hot keys
     * never expire physically).
     */
    public RedisCacheBuilder<K, V> logicalExpiry(Duration logicalTtl) {
        this.logicalTtl = logicalTtl;
        return this;
    }

    /** With logical expiry: start the asynchronous rebuild once this fraction of the TTL is left. */
    public RedisCacheBuilder<K, V> refreshAhead(double fractionLeft) {
        this.refreshAheadFraction = fractionLeft;
        return this;
    }

    /**
     * A Caffeine local tier kept coherent by server-assisted invalidation (CLIENT TRACKING over
     * RESP3). Dropped whenever the connection is lost, so it never serves stale data silently.
     */
    public RedisCacheBuilder<K, V> localCache(long maxSize, Duration ttl) {
        this.localMaxSize = maxSize;
        this.localTtl = ttl;
        return this;
    }

    /** Use broadcast tracking for these key prefixes instead of per-key tracking. */
    public RedisCacheBuilder<K, V> trackingBroadcast(List<String> prefixes) {
        this.broadcastPrefixes = List.copyOf(prefixes);
        return this;
    }

    public RedisCacheBuilder<K, V> circuitBreaker(CircuitBreakerConfig c) {
        this.circuitBreaker = c;
        return this;
    }

    /** At most this many concurrent loads hit the source; others wait up to {@code wait}. */
    public RedisCacheBuilder<K, V> sourceConcurrency(int permits, Duration wait) {
        this.sourceConcurrency = permits;
        this.sourceWait = wait;
        return this;
    }

    /** Answer used when Redis is unavailable and the source is saturated or failing. */
    public RedisCacheBuilder<K, V> fallback(Function<K, V> f) {
        this.fallback = f;
        return this;
    }

    public RedisCacheBuilder<K, V> consistency(Consistency c) {
        this.consistency = c;
        return this;
    }

    public RedisCacheBuilder<K, V> meterRegistry(MeterRegistry r) {
        this.meterRegistry = r;
        return this;
    }

    public RedisCacheBuilder<K, V> loader(Loader<K, V> l) {
        this.loader = l;
        return this;
    }

    public RedisCacheBuilder<K, V> commandTimeout(Duration d) {
        this.commandTimeout = d;
        return this;
    }

    public RedisCache<K, V> build() {
        Objects.requireNonNull(codec, "codec");
        return new DefaultRedisCache<>(new CacheSettings<>(client, name, codec, keyFormatter, ttl, ttlJitter, nullTtl,
                cacheNulls, keyValidator, bloom, lockLease, lockWait, logicalTtl, refreshAheadFraction, localMaxSize,
                localTtl, broadcastPrefixes, circuitBreaker, sourceConcurrency, sourceWait, fallback, consistency,
                meterRegistry, loader, commandTimeout));
    }
}
