package dev.cinnabar.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Hot-key breakdown: a popular key expires under load from several application instances. */
class BreakdownTest {
    @RegisterExtension
    static RedisFixture fx = new RedisFixture();

    @Test
    void thousandReadersAcrossFourInstancesCauseExactlyOneLoad() throws Exception {
        AtomicInteger loads = new AtomicInteger();
        Loader<Long, String> slowDb = id -> {
            loads.incrementAndGet();
            Thread.sleep(300); // a slow query widens the stampede window
            return "hot-" + id;
        };
        List<RedisCache<Long, String>> instances = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            RedisClient client = fx.newClient(); // independent clients, as separate JVMs would have
            instances.add(RedisCacheBuilder.<Long, String>newBuilder(client).name("hot").codec(new StringCodec())
                    .ttl(Duration.ofSeconds(60)).singleFlight(Duration.ofSeconds(5), Duration.ofSeconds(5))
                    .loader(slowDb).build());
        }
        ExecutorService pool = Executors.newFixedThreadPool(200);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<String>> results = new ArrayList<>();
            for (int r = 0; r < 1000; r++) {
                RedisCache<Long, String> c = instances.get(r % 4);
                results.add(pool.submit(() -> {
                    start.await();
                    return c.get(42L);
                }));
            }
            start.countDown();
            for (Future<String> f : results) {
                assertThat(f.get()).isEqualTo("hot-42");
            }
            assertThat(loads).as("database loads for 1,000 concurrent readers").hasValue(1);
            long waits = instances.stream().mapToLong(c -> c.stats().lockWaits()).sum();
            assertThat(waits).isPositive();
        } finally {
            pool.shutdownNow();
            instances.forEach(RedisCache::close);
        }
    }

    @Test
    void logicalExpiryServesStaleWhileExactlyOneInstanceRebuilds() throws Exception {
        AtomicInteger loads = new AtomicInteger();
        AtomicInteger version = new AtomicInteger();
        Loader<Long, String> db = id -> {
            loads.incrementAndGet();
            Thread.sleep(200);
            return "v" + version.get();
        };
        List<RedisCache<Long, String>> instances = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            instances.add(RedisCacheBuilder.<Long, String>newBuilder(fx.newClient()).name("logical")
                    .codec(new StringCodec()).ttlJitter(0).logicalExpiry(Duration.ofMillis(300))
                    .singleFlight(Duration.ofSeconds(5), Duration.ofSeconds(5)).loader(db).build());
        }
        try {
            assertThat(instances.get(0).get(1L)).isEqualTo("v0");
            assertThat(loads).hasValue(1);
            version.set(1);
            Thread.sleep(400); // logically expired now; physically still there (no TTL)
            for (int i = 0; i < 30; i++) {
                assertThat(instances.get(i % 3).get(1L)).isEqualTo("v0"); // stale served, nobody blocks
            }
            long deadline = System.currentTimeMillis() + 3000;
            String v = "v0";
            while (!v.equals("v1") && System.currentTimeMillis() < deadline) {
                Thread.sleep(20);
                v = instances.get(0).get(1L);
            }
            assertThat(v).isEqualTo("v1");
            assertThat(loads).as("one rebuild across three instances").hasValue(2);
        } finally {
            instances.forEach(RedisCache::close);
        }
    }

    @Test
    void neverExpiringHotKeysStayFreshThroughScheduledRefresh() throws Exception {
        java.util.Map<Long, String> db = new java.util.concurrent.ConcurrentHashMap<>(java.util.Map.of(1L, "v1", 2L, "w1"));
        AtomicInteger loads = new AtomicInteger();
        try (RedisCache<Long, String> c = RedisCacheBuilder.<Long, String>newBuilder(fx.newClient()).name("hotref")
                .codec(new StringCodec()).logicalExpiry(Duration.ofHours(1)).loader(id -> {
                    loads.incrementAndGet();
                    return db.get(id);
                }).build();
             CacheWarmer<Long, String> w = new CacheWarmer<>(c, () -> List.of(1L, 2L), ids -> {
                 java.util.Map<Long, String> m = new java.util.HashMap<>();
                 ids.forEach(id -> m.put(id, db.get(id)));
                 return m;
             }, 10, null)) {
            assertThat(c.get(1L)).isEqualTo("v1");
            db.put(1L, "v2");
            db.put(2L, "w2");
            var f = w.scheduleRefresh(Duration.ZERO, Duration.ofMillis(100));
            long deadline = System.currentTimeMillis() + 3000;
            while (!"v2".equals(c.get(1L)) && System.currentTimeMillis() < deadline) {
                Thread.sleep(20);
            }
            f.cancel(false);
            assertThat(c.get(1L)).isEqualTo("v2");
            assertThat(c.get(2L)).isEqualTo("w2");
            assertThat(loads).as("reads never went to the source after the first").hasValue(1);
        }
    }
}
