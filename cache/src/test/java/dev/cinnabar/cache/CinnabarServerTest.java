package dev.cinnabar.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.cache.internal.DefaultRedisCache;
import dev.cinnabar.testkit.CinnabarExtension;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The toolkit's defences against the embedded Cinnabar server instead of real Redis: it now has
 * everything they use (EVAL, CLIENT TRACKING over RESP3, pub/sub, BITFIELD, SET NX PX, WATCH, and
 * stream consumer groups for reliable invalidation).
 */
class CinnabarServerTest {
    @RegisterExtension
    static CinnabarExtension server = new CinnabarExtension();
    private final List<RedisClient> clients = new ArrayList<>();

    private RedisClient client() {
        RedisClient c = RedisClient.create(RedisURI.create("127.0.0.1", server.port()));
        clients.add(c);
        return c;
    }

    @AfterEach
    void shutdown() {
        clients.forEach(RedisClient::shutdown);
        clients.clear();
    }

    @Test
    void thousandReadersAcrossFourInstancesCauseOneLoad() throws Exception {
        AtomicInteger loads = new AtomicInteger();
        List<RedisCache<Long, String>> instances = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            instances.add(RedisCacheBuilder.<Long, String>newBuilder(client()).name("hot").codec(new dev.cinnabar.cache.StringCodec())
                    .singleFlight(Duration.ofSeconds(5), Duration.ofSeconds(5)).loader(id -> {
                        loads.incrementAndGet();
                        Thread.sleep(300);
                        return "hot-" + id;
                    }).build());
        }
        ExecutorService pool = Executors.newFixedThreadPool(100);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<String>> fs = new ArrayList<>();
            for (int r = 0; r < 1000; r++) {
                RedisCache<Long, String> c = instances.get(r % 4);
                fs.add(pool.submit(() -> {
                    start.await();
                    return c.get(7L);
                }));
            }
            start.countDown();
            for (Future<String> f : fs) {
                assertThat(f.get()).isEqualTo("hot-7");
            }
            assertThat(loads).hasValue(1);
        } finally {
            pool.shutdownNow();
            instances.forEach(RedisCache::close);
        }
    }

    @Test
    void localTierIsInvalidatedByAnotherInstancesWriteAndDroppedOnReconnect() throws Exception {
        Map<Long, String> db = new ConcurrentHashMap<>(Map.of(1L, "v1"));
        try (RedisCache<Long, String> a = RedisCacheBuilder.<Long, String>newBuilder(client()).name("coh")
                .codec(new dev.cinnabar.cache.StringCodec()).localCache(100, Duration.ofMinutes(1)).loader(db::get).build();
             RedisCache<Long, String> b = RedisCacheBuilder.<Long, String>newBuilder(client()).name("coh")
                .codec(new dev.cinnabar.cache.StringCodec()).localCache(100, Duration.ofMinutes(1)).loader(db::get).build()) {
            for (int i = 0; i < 3; i++) {
                assertThat(b.get(1L)).isEqualTo("v1");
            }
            assertThat(b.stats().localHits()).isPositive();
            a.update(1L, () -> db.put(1L, "v2"));
            long deadline = System.currentTimeMillis() + 2000;
            while (((DefaultRedisCache<Long, String>) b).localSize() > 0 && System.currentTimeMillis() < deadline) {
                Thread.sleep(5);
            }
            assertThat(((DefaultRedisCache<Long, String>) b).localSize()).isZero();
            assertThat(b.get(1L)).isEqualTo("v2");
            b.get(1L);
            assertThat(((DefaultRedisCache<Long, String>) b).localSize()).isEqualTo(1);
            try (StatefulRedisConnection<String, String> admin = client().connect(StringCodec.UTF8)) {
                admin.sync().clientKill(io.lettuce.core.KillArgs.Builder.typeNormal().skipme());
            }
            deadline = System.currentTimeMillis() + 5000;
            while (((DefaultRedisCache<Long, String>) b).localSize() > 0 && System.currentTimeMillis() < deadline) {
                Thread.sleep(10);
            }
            assertThat(((DefaultRedisCache<Long, String>) b).localSize()).isZero();
        }
    }

    @Test
    void reliableInvalidationThroughAStreamConsumerGroup() throws Exception {
        Map<Long, String> db = new ConcurrentHashMap<>(Map.of(1L, "old"));
        StreamInvalidationQueue q = new StreamInvalidationQueue(client(), "inval", "g1", Duration.ofSeconds(1), 1000);
        try (StatefulRedisConnection<String, String> raw = client().connect(StringCodec.UTF8);
             RedisCache<Long, String> c = RedisCacheBuilder.<Long, String>newBuilder(client()).name("rel")
                     .codec(new dev.cinnabar.cache.StringCodec()).ttl(Duration.ofSeconds(100)).loader(db::get)
                     .consistency(Consistency.reliable(q)).build()) {
            assertThat(c.get(1L)).isEqualTo("old");
            assertThat(raw.sync().exists("rel:1")).isEqualTo(1);
            c.update(1L, () -> db.put(1L, "new"));
            long deadline = System.currentTimeMillis() + 5000;
            while ((raw.sync().exists("rel:1") == 1 || q.pending() > 0) && System.currentTimeMillis() < deadline) {
                Thread.sleep(20);
            }
            assertThat(raw.sync().exists("rel:1")).isZero();
            assertThat(q.pending()).isZero();
            assertThat(raw.sync().xlen("inval")).isEqualTo(1);
            assertThat(c.get(1L)).isEqualTo("new");
        }
    }

    /** A worker whose delete fails leaves the entry pending; XAUTOCLAIM hands it out again after retryAfter. */
    @Test
    void failedInvalidationIsRetriedThroughXautoclaim() throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(1);
        try (StreamInvalidationQueue q = new StreamInvalidationQueue(client(), "retry", "g", Duration.ofMillis(300), 1000)) {
            q.start(key -> {
                if (attempts.incrementAndGet() == 1) {
                    return false; // the first delete "fails"
                }
                done.countDown();
                return true;
            });
            q.publish("k:1");
            assertThat(done.await(10, java.util.concurrent.TimeUnit.SECONDS)).as("redelivered").isTrue();
            long deadline = System.currentTimeMillis() + 5000;
            while (q.pending() > 0 && System.currentTimeMillis() < deadline) {
                Thread.sleep(20);
            }
            assertThat(q.pending()).isZero();
            assertThat(attempts.get()).isEqualTo(2);
        }
    }

    @Test
    void bloomGuardAndNullCaching() throws Exception {
        AtomicInteger dbHits = new AtomicInteger();
        try (StatefulRedisConnection<String, String> conn = client().connect(StringCodec.UTF8)) {
            RedisBloomFilter bloom = RedisBloomFilter.create(conn, "bloom", 1000, 0.01);
            assertThat(bloom.usesModule()).isFalse();
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                ids.add(Integer.toString(i));
            }
            bloom.addAll(ids);
            try (RedisCache<Long, String> c = RedisCacheBuilder.<Long, String>newBuilder(client()).name("pen")
                    .codec(new dev.cinnabar.cache.StringCodec()).bloomFilter(bloom).loader(id -> {
                        dbHits.incrementAndGet();
                        return id < 1000 ? "row" + id : null;
                    }).build()) {
                for (long id = 100_000; id < 110_000; id++) {
                    assertThat(c.get(id)).isNull();
                }
                assertThat(dbHits.get()).isLessThanOrEqualTo(200); // ~1% of 10,000 with slack
                assertThat(c.get(5L)).isEqualTo("row5");
            }
        }
    }

    @Test
    void fencedLockAndLuaStockDeduction() throws Exception {
        RedisClient rc = client();
        try (DistributedLock a = new DistributedLock(rc, "lock:x");
             DistributedLock.FencedResource res = new DistributedLock.FencedResource(rc, "res");
             Atomics atomics = new Atomics(rc)) {
            long t1 = a.tryLock(Duration.ofSeconds(1), Duration.ofMillis(200), false);
            assertThat(t1).isPositive();
            Thread.sleep(400);
            long t2 = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try (DistributedLock b = new DistributedLock(rc, "lock:x")) {
                    return b.tryLock(Duration.ofSeconds(1), Duration.ofSeconds(5));
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }).get();
            assertThat(t2).isGreaterThan(t1);
            assertThat(res.accept(t2)).isTrue();
            assertThat(res.accept(t1)).isFalse();
            rc.connect().sync().set("stock", "3");
            int ok = 0;
            for (int i = 0; i < 5; i++) {
                if (atomics.deductStock("stock", 1) == Atomics.Deduction.OK) {
                    ok++;
                }
            }
            assertThat(ok).isEqualTo(3);
        }
    }
}
