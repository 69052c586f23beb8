package dev.cinnabar.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.testkit.RealRedis;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Circuit breaking and degradation when Redis goes away. */
class DegradationTest {
    @Test
    void withTheServerStoppedReadsAreServedFromL1OrFallbackAndTheSourceIsBounded() throws Exception {
        RealRedis redis = RealRedis.start();
        RedisClient client = RedisClient.create(RedisURI.create("127.0.0.1", redis.port()));
        client.setOptions(ClientOptions.builder().autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS).build());
        AtomicInteger active = new AtomicInteger();
        AtomicInteger peak = new AtomicInteger();
        AtomicInteger loads = new AtomicInteger();
        Loader<Long, String> db = id -> {
            int a = active.incrementAndGet();
            peak.accumulateAndGet(a, Math::max);
            loads.incrementAndGet();
            try {
                Thread.sleep(20);
                return "db" + id;
            } finally {
                active.decrementAndGet();
            }
        };
        try (RedisCache<Long, String> c = RedisCacheBuilder.<Long, String>newBuilder(client).name("deg")
                .codec(new StringCodec()).localCache(100, Duration.ofMinutes(1))
                .sourceConcurrency(4, Duration.ofSeconds(10)).commandTimeout(Duration.ofMillis(300))
                .loader(db).build()) {
            assertThat(c.get(1L)).isEqualTo("db1");
            assertThat(c.get(1L)).isEqualTo("db1"); // a Redis hit fills L1
            redis.close(); // the server goes down
            Thread.sleep(200);
            // L1 still has key 1: served (degraded, counted) without touching the source
            int before = loads.get();
            assertThat(c.get(1L)).isEqualTo("db1");
            assertThat(loads.get()).isEqualTo(before);
            assertThat(c.stats().degradedReads()).isPositive();
            // many readers of uncached keys: the source sees at most 4 at a time
            ExecutorService pool = Executors.newFixedThreadPool(32);
            try {
                List<Future<String>> fs = new ArrayList<>();
                for (long id = 100; id < 164; id++) {
                    long k = id;
                    fs.add(pool.submit(() -> c.get(k)));
                }
                for (int i = 0; i < fs.size(); i++) {
                    assertThat(fs.get(i).get()).isEqualTo("db" + (100 + i));
                }
            } finally {
                pool.shutdownNow();
            }
            assertThat(peak.get()).isLessThanOrEqualTo(4);
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
        }
    }

    @Test
    void aFallbackAnswersWhenRedisIsDownAndNothingIsCachedLocally() throws Exception {
        RealRedis redis = RealRedis.start();
        RedisClient client = RedisClient.create(RedisURI.create("127.0.0.1", redis.port()));
        client.setOptions(ClientOptions.builder()
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS).build());
        AtomicInteger loads = new AtomicInteger();
        try (RedisCache<Long, String> c = RedisCacheBuilder.<Long, String>newBuilder(client).name("fb")
                .codec(new StringCodec()).commandTimeout(Duration.ofMillis(300)).fallback(id -> "default")
                .loader(id -> {
                    loads.incrementAndGet();
                    return "db";
                }).build()) {
            redis.close();
            Thread.sleep(200);
            for (int i = 0; i < 20; i++) {
                assertThat(c.get((long) i)).isEqualTo("default");
            }
            assertThat(loads).hasValue(0);
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
        }
    }
}
