package dev.cinnabar.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Penetration: lookups of ids that exist nowhere. */
class PenetrationTest {
    @RegisterExtension
    static RedisFixture fx = new RedisFixture();
    static RedisClient client;

    @BeforeAll
    static void up() {
        client = fx.newClient();
    }

    private static void lookups(RedisCache<Long, String> c, long from, long count) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> fs = new ArrayList<>();
            long per = count / 8;
            for (int t = 0; t < 8; t++) {
                long start = from + t * per;
                fs.add(pool.submit(() -> {
                    for (long id = start; id < start + per; id++) {
                        assertThat(c.get(id)).isNull();
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void bloomGuardLetsThroughAtMostItsFalsePositiveRate() throws Exception {
        AtomicLong dbHits = new AtomicLong();
        try (StatefulRedisConnection<String, String> conn = client.connect(StringCodec.UTF8)) {
            RedisBloomFilter bloom = RedisBloomFilter.createWithBitOps(conn, "ids-bloom", 10_000, 0.01);
            List<String> existing = new ArrayList<>();
            for (long id = 0; id < 10_000; id++) {
                existing.add(Long.toString(id));
            }
            bloom.addAll(existing);
            try (RedisCache<Long, String> c = RedisCacheBuilder.<Long, String>newBuilder(client).name("bloomed")
                    .codec(new dev.cinnabar.cache.StringCodec()).cacheNulls(false).bloomFilter(bloom).loader(id -> {
                        dbHits.incrementAndGet();
                        return null;
                    }).build()) {
                lookups(c, 1_000_000L, 100_000L); // 100,000 absent ids
                // expected ~1% false positives = ~1,000; allow statistical slack
                assertThat(dbHits.get()).isLessThanOrEqualTo(1_500L);
                assertThat(c.stats().bloomRejections()).isGreaterThanOrEqualTo(98_500L);
            }
        }
    }

    @Test
    void nullCachingAloneQueriesEachAbsentIdOncePerNullTtl() throws Exception {
        AtomicLong dbHits = new AtomicLong();
        try (RedisCache<Long, String> c = RedisCacheBuilder.<Long, String>newBuilder(client).name("nullonly")
                .codec(new dev.cinnabar.cache.StringCodec()).nullTtl(Duration.ofSeconds(60)).loader(id -> {
                    dbHits.incrementAndGet();
                    return null;
                }).build()) {
            lookups(c, 5_000_000L, 20_000L);
            lookups(c, 5_000_000L, 20_000L); // the same ids again: all served by cached nulls
            assertThat(dbHits.get()).isEqualTo(20_000L);
            assertThat(c.stats().nullHits()).isEqualTo(20_000L);
        }
    }

    @Test
    void filterSizingMatchesTheDesignNotes() {
        long bits = RedisBloomFilter.optimalBits(100_000_000L, 0.01);
        double megabytes = bits / 8.0 / 1024 / 1024;
        assertThat(megabytes).isBetween(113.0, 115.0);
        assertThat(RedisBloomFilter.optimalHashes(100_000_000L, bits)).isEqualTo(7);
    }
}
