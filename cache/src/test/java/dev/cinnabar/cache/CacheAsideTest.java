package dev.cinnabar.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.sync.RedisCommands;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class CacheAsideTest {
    @RegisterExtension
    static RedisFixture fx = new RedisFixture();
    static RedisClient client;
    static RedisCommands<String, String> raw;

    @BeforeAll
    static void up() {
        client = fx.newClient();
        raw = client.connect().sync();
    }

    private RedisCacheBuilder<Long, String> builder(String name) {
        return RedisCacheBuilder.<Long, String>newBuilder(client).name(name).codec(new StringCodec())
                .ttl(Duration.ofSeconds(100));
    }

    @Test
    void loadsOnceThenServesFromRedis() {
        AtomicInteger loads = new AtomicInteger();
        try (RedisCache<Long, String> c = builder("aside").loader(id -> {
            loads.incrementAndGet();
            return "v" + id;
        }).build()) {
            assertThat(c.get(1L)).isEqualTo("v1");
            assertThat(c.get(1L)).isEqualTo("v1");
            assertThat(loads).hasValue(1);
            assertThat(raw.exists("aside:1")).isEqualTo(1);
            long ttl = raw.pttl("aside:1");
            assertThat(ttl).isBetween(90_000L, 110_000L); // 100 s plus up to 10% jitter
            assertThat(c.stats().hits()).isEqualTo(1);
            assertThat(c.stats().misses()).isEqualTo(1);
        }
    }

    @Test
    void absentValuesAreCachedWithTheirOwnTtl() {
        AtomicInteger loads = new AtomicInteger();
        try (RedisCache<Long, String> c = builder("nulls").nullTtl(Duration.ofSeconds(5)).ttlJitter(0).loader(id -> {
            loads.incrementAndGet();
            return null;
        }).build()) {
            assertThat(c.get(7L)).isNull();
            assertThat(c.get(7L)).isNull();
            assertThat(loads).hasValue(1);
            assertThat(raw.pttl("nulls:7")).isBetween(1L, 5_000L);
            assertThat(c.stats().nullHits()).isEqualTo(1);
        }
    }

    @Test
    void invalidKeysNeverReachCacheOrSource() {
        AtomicInteger loads = new AtomicInteger();
        try (RedisCache<Long, String> c = builder("valid").keyValidator(id -> id > 0).loader(id -> {
            loads.incrementAndGet();
            return "x";
        }).build()) {
            assertThat(c.get(-5L)).isNull();
            assertThat(loads).hasValue(0);
            assertThat(raw.exists("valid:-5")).isZero();
            assertThat(c.stats().keyRejections()).isEqualTo(1);
        }
    }

    @Test
    void batchGetUsesOneLoadForTheMisses() {
        AtomicInteger batches = new AtomicInteger();
        try (RedisCache<Long, String> c = builder("batch").build()) {
            c.put(1L, "one");
            Map<Long, String> got = c.getAll(List.of(1L, 2L, 3L), ids -> {
                batches.incrementAndGet();
                Map<Long, String> m = new HashMap<>();
                for (Long id : ids) {
                    if (id != 3L) {
                        m.put(id, "db" + id);
                    }
                }
                return m;
            });
            assertThat(got).containsEntry(1L, "one").containsEntry(2L, "db2").doesNotContainKey(3L);
            assertThat(batches).hasValue(1);
            assertThat(c.getIfCached(3L)).isEqualTo(new RedisCache.Cached<>(null));
            assertThat(c.getIfCached(2L).value()).isEqualTo("db2");
            assertThat(c.getIfCached(4L)).isNull();
        }
    }

    @Test
    void updateDeletesAfterTheSourceWrite() {
        Map<Long, String> db = new ConcurrentHashMap<>(Map.of(1L, "old"));
        try (RedisCache<Long, String> c = builder("upd").loader(db::get).build()) {
            assertThat(c.get(1L)).isEqualTo("old");
            c.update(1L, () -> db.put(1L, "new"));
            assertThat(raw.exists("upd:1")).isZero();
            assertThat(c.get(1L)).isEqualTo("new");
        }
    }

    @Test
    void delayedDoubleDeleteRemovesAStaleValueWrittenAfterTheUpdate() throws Exception {
        Map<Long, String> db = new ConcurrentHashMap<>(Map.of(1L, "old"));
        try (RedisCache<Long, String> c = builder("ddd").loader(db::get)
                .consistency(Consistency.delayedDoubleDelete(Duration.ofMillis(300))).build()) {
            c.update(1L, () -> db.put(1L, "new"));
            // a slow reader that read "old" before the update writes it back after the update returned
            c.put(1L, "old");
            assertThat(raw.exists("ddd:1")).isEqualTo(1);
            long deadline = System.currentTimeMillis() + 3000;
            while (raw.exists("ddd:1") == 1 && System.currentTimeMillis() < deadline) {
                Thread.sleep(20);
            }
            assertThat(raw.exists("ddd:1")).as("the delayed delete ran after update() returned").isZero();
            assertThat(c.get(1L)).isEqualTo("new");
        }
    }

    @Test
    void reliableInvalidationThroughAStreamIsAcknowledged() throws Exception {
        Map<Long, String> db = new ConcurrentHashMap<>(Map.of(1L, "old"));
        StreamInvalidationQueue q = new StreamInvalidationQueue(client, "inval-stream", "g1", Duration.ofSeconds(1), 1000);
        try (RedisCache<Long, String> c = builder("rel").loader(db::get).consistency(Consistency.reliable(q)).build()) {
            assertThat(c.get(1L)).isEqualTo("old");
            c.update(1L, () -> db.put(1L, "new"));
            long deadline = System.currentTimeMillis() + 5000;
            while ((raw.exists("rel:1") == 1 || q.pending() > 0) && System.currentTimeMillis() < deadline) {
                Thread.sleep(20);
            }
            assertThat(raw.exists("rel:1")).isZero();
            assertThat(q.pending()).isZero();
            assertThat(raw.xlen("inval-stream")).isEqualTo(1);
            assertThat(c.get(1L)).isEqualTo("new");
        }
    }

    @Test
    void metricsArePublishedToMicrometer() {
        SimpleMeterRegistry reg = new SimpleMeterRegistry();
        try (RedisCache<Long, String> c = builder("metrics").meterRegistry(reg).loader(id -> "v").build()) {
            c.get(1L);
            c.get(1L);
            assertThat(reg.get("cinnabar.cache.gets").tag("cache", "metrics").tag("result", "hit").functionCounter()
                    .count()).isEqualTo(1.0);
            assertThat(reg.get("cinnabar.cache.loads").tag("result", "attempt").functionCounter().count()).isEqualTo(1.0);
        }
    }
}
