package dev.cinnabar.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.cache.internal.DefaultRedisCache;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The two-level cache: Caffeine L1 kept coherent by CLIENT TRACKING invalidations. */
class CoherenceTest {
    @RegisterExtension
    static RedisFixture fx = new RedisFixture();

    private static RedisCache<Long, String> instance(RedisClient client, Map<Long, String> db, AtomicInteger loads,
                                                     String name) {
        return RedisCacheBuilder.<Long, String>newBuilder(client).name(name).codec(new StringCodec())
                .ttl(Duration.ofMinutes(5)).localCache(1000, Duration.ofMinutes(5)).loader(id -> {
                    loads.incrementAndGet();
                    return db.get(id);
                }).build();
    }

    @Test
    void writeThroughOneInstanceInvalidatesTheOthersLocalTier() throws Exception {
        Map<Long, String> db = new ConcurrentHashMap<>(Map.of(1L, "v1"));
        AtomicInteger loads = new AtomicInteger();
        try (RedisCache<Long, String> a = instance(fx.newClient(), db, loads, "coh");
             RedisCache<Long, String> b = instance(fx.newClient(), db, loads, "coh")) {
            assertThat(b.get(1L)).isEqualTo("v1"); // miss: loaded and written
            assertThat(b.get(1L)).isEqualTo("v1"); // Redis hit: tracked, into L1
            assertThat(b.get(1L)).isEqualTo("v1"); // L1 hit
            assertThat(b.stats().localHits()).isEqualTo(1);
            a.update(1L, () -> db.put(1L, "v2"));
            // B's L1 entry must be gone within the invalidation round trip
            long deadline = System.currentTimeMillis() + 2000;
            while (((DefaultRedisCache<Long, String>) b).localSize() > 0 && System.currentTimeMillis() < deadline) {
                Thread.sleep(5);
            }
            assertThat(((DefaultRedisCache<Long, String>) b).localSize()).isZero();
            assertThat(b.get(1L)).isEqualTo("v2");
            assertThat(b.stats().invalidations()).isPositive();
        }
    }

    @Test
    void aForcedReconnectEmptiesTheLocalTier() throws Exception {
        Map<Long, String> db = new ConcurrentHashMap<>(Map.of(1L, "v1", 2L, "w1"));
        AtomicInteger loads = new AtomicInteger();
        RedisClient bClient = fx.newClient();
        try (RedisCache<Long, String> b = instance(bClient, db, loads, "reco")) {
            for (int i = 0; i < 2; i++) {
                b.get(1L);
                b.get(2L);
            }
            assertThat(((DefaultRedisCache<Long, String>) b).localSize()).isEqualTo(2);
            // kill every normal client connection: B's tracking connection drops and reconnects
            RedisCommands<String, String> admin = fx.newClient().connect().sync();
            admin.clientKill(io.lettuce.core.KillArgs.Builder.typeNormal().skipme());
            // while disconnected, someone changes a value: B missed the invalidation
            admin.set("reco:1", "garbage-not-an-envelope");
            long deadline = System.currentTimeMillis() + 5000;
            while (((DefaultRedisCache<Long, String>) b).localSize() > 0 && System.currentTimeMillis() < deadline) {
                Thread.sleep(10);
            }
            assertThat(((DefaultRedisCache<Long, String>) b).localSize()).isZero();
            db.put(1L, "v2");
            // the L1 is empty, so the read goes to Redis (holding a non-envelope: a miss) and reloads
            deadline = System.currentTimeMillis() + 5000;
            String v = null;
            while (System.currentTimeMillis() < deadline) {
                try {
                    v = b.get(1L);
                    break;
                } catch (RuntimeException reconnecting) {
                    Thread.sleep(50);
                }
            }
            assertThat(v).isEqualTo("v2");
        }
    }
}
