package dev.cinnabar.cache.internal;

import dev.cinnabar.cache.CacheCodec;
import dev.cinnabar.cache.Consistency;
import dev.cinnabar.cache.Loader;
import dev.cinnabar.cache.RedisBloomFilter;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.lettuce.core.RedisClient;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;

/** The builder's choices, frozen. See RedisCacheBuilder for their meaning. */
public record CacheSettings<K, V>(RedisClient client, String name, CacheCodec<V> codec, Function<K, String> keyFormatter,
                                  Duration ttl, double ttlJitter, Duration nullTtl, boolean cacheNulls,
                                  Predicate<K> keyValidator, RedisBloomFilter bloom, Duration lockLease,
                                  Duration lockWait, Duration logicalTtl, double refreshAheadFraction,
                                  long localMaxSize, Duration localTtl, List<String> broadcastPrefixes,
                                  CircuitBreakerConfig circuitBreaker, int sourceConcurrency, Duration sourceWait,
                                  Function<K, V> fallback, Consistency consistency, MeterRegistry meterRegistry,
                                  Loader<K, V> loader, Duration commandTimeout) {
}
