package dev.cinnabar.tests.clients;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.testkit.RespClient;
import java.time.Duration;
import java.util.Map;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.redisson.api.BatchOptions;
import org.redisson.api.RBatch;
import org.redisson.api.RBlockingQueue;
import org.redisson.api.RCountDownLatch;
import org.redisson.api.RPatternTopic;
import org.redisson.api.RReadWriteLock;
import org.redisson.api.RScript;
import org.redisson.api.RTopic;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.redisson.Redisson;
import org.redisson.api.RBucket;
import org.redisson.api.RLock;
import org.redisson.api.RMap;
import org.redisson.api.RRateLimiter;
import org.redisson.api.RSemaphore;
import org.redisson.api.RateType;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.LongCodec;
import org.redisson.client.codec.StringCodec;
import org.redisson.config.Config;

/**
 * Redisson 3 against a server: its locks, semaphores and rate limiter are EVAL scripts over hashes
 * and strings, with pub/sub to wake waiters. Run against Cinnabar ({@link RedissonClientTest}) and,
 * to show the expectations are Redis's, against real Redis ({@link RedissonRealRedisTest}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(30)
abstract class RedissonContract {
    private final ServerTarget target;
    private RedissonClient redisson;
    private ExecutorService other;

    RedissonContract(ServerTarget target) {
        this.target = target;
    }

    private int port() {
        return target.port();
    }

    @BeforeAll
    void connect() {
        Config config = new Config();
        config.setThreads(2).setNettyThreads(4);
        config.useSingleServer().setAddress("redis://127.0.0.1:" + port())
                .setConnectionPoolSize(4).setConnectionMinimumIdleSize(1)
                .setSubscriptionConnectionPoolSize(2).setSubscriptionConnectionMinimumIdleSize(1)
                .setTimeout(10_000);
        redisson = Redisson.create(config);
        other = Executors.newFixedThreadPool(2);
    }

    @AfterAll
    void shutdown() {
        try {
            if (other != null) {
                other.shutdownNow();
            }
            if (redisson != null) {
                redisson.shutdown(0, 2, TimeUnit.SECONDS);
            }
        } finally {
            target.close();
        }
    }

    @BeforeEach
    void flush() {
        redisson.getKeys().flushall();
    }

    private RespClient raw() {
        return new RespClient("127.0.0.1", port(), 5000);
    }

    @Test
    void lockAndUnlock() throws Exception {
        RLock lock = redisson.getLock("lock:a");
        lock.lock();
        try {
            assertThat(lock.isLocked()).isTrue();
            assertThat(lock.isHeldByCurrentThread()).isTrue();
            // another thread cannot take it
            assertThat(other.submit(() -> lock.tryLock()).get(10, TimeUnit.SECONDS)).isFalse();
            try (RespClient c = raw()) {
                assertThat(c.call("TYPE", "lock:a").asText()).isEqualTo("hash");
                // the watchdog's default lease is 30 s
                long pttl = Long.parseLong(c.call("PTTL", "lock:a").asText());
                assertThat(pttl).isBetween(20_000L, 30_000L);
            }
        } finally {
            lock.unlock();
        }
        assertThat(lock.isLocked()).isFalse();
        assertThat(redisson.getKeys().countExists("lock:a")).isZero();
        assertThat(other.submit(() -> {
            boolean got = lock.tryLock();
            if (got) {
                lock.unlock();
            }
            return got;
        }).get(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void lockIsReentrant() {
        RLock lock = redisson.getLock("lock:re");
        lock.lock();
        lock.lock();
        assertThat(lock.getHoldCount()).isEqualTo(2);
        lock.unlock();
        assertThat(lock.isLocked()).isTrue();
        assertThat(lock.getHoldCount()).isEqualTo(1);
        lock.unlock();
        assertThat(lock.isLocked()).isFalse();
        assertThat(lock.getHoldCount()).isZero();
    }

    @Test
    void tryLockWithLeaseExpires() throws Exception {
        RLock lock = redisson.getLock("lock:lease");
        assertThat(lock.tryLock(0, 500, TimeUnit.MILLISECONDS)).isTrue();
        assertThat(lock.remainTimeToLive()).isBetween(1L, 500L);
        assertThat(other.submit(() -> lock.tryLock()).get(10, TimeUnit.SECONDS)).isFalse();
        // waits for the lease to run out, then takes it
        long start = System.nanoTime();
        Future<Boolean> taker = other.submit(() -> {
            boolean got = lock.tryLock(5, 10, TimeUnit.SECONDS);
            if (got) {
                lock.unlock();
            }
            return got;
        });
        assertThat(taker.get(10, TimeUnit.SECONDS)).isTrue();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        assertThat(lock.isLocked()).isFalse();
    }

    @Test
    void waiterIsBlockedUntilUnlock() throws Exception {
        RLock lock = redisson.getLock("lock:wait");
        lock.lock();
        CountDownLatch started = new CountDownLatch(1);
        Future<Long> waiter = other.submit(() -> {
            started.countDown();
            lock.lock(); // blocks: subscribes to the lock's channel and waits for the unlock message
            try {
                return redisson.getKeys().remainTimeToLive("lock:wait");
            } finally {
                lock.unlock();
            }
        });
        assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
        try {
            waiter.get(500, TimeUnit.MILLISECONDS);
            throw new AssertionError("the waiter took a held lock");
        } catch (TimeoutException expected) {
            // still blocked
        }
        lock.unlock();
        // woken by the unlock publication (well before the 30 s lease would run out)
        assertThat(waiter.get(5, TimeUnit.SECONDS)).isPositive();
        assertThat(lock.isLocked()).isFalse();
    }

    @Test
    void semaphoreAcquireRelease() throws Exception {
        RSemaphore s = redisson.getSemaphore("sem");
        assertThat(s.trySetPermits(2)).isTrue();
        assertThat(s.trySetPermits(5)).isFalse();
        s.acquire();
        assertThat(s.tryAcquire()).isTrue();
        assertThat(s.availablePermits()).isZero();
        assertThat(s.tryAcquire()).isFalse();
        assertThat(s.tryAcquire(100, TimeUnit.MILLISECONDS)).isFalse();

        CompletableFuture<Boolean> blocked = CompletableFuture.supplyAsync(() -> {
            try {
                return s.tryAcquire(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }, other);
        Thread.sleep(200);
        assertThat(blocked).isNotDone();
        s.release();
        assertThat(blocked.get(5, TimeUnit.SECONDS)).isTrue();
        s.release(2);
        assertThat(s.availablePermits()).isEqualTo(2);
        assertThat(s.tryAcquire(3)).isFalse();
        assertThat(s.tryAcquire(2)).isTrue();
        try (RespClient c = raw()) {
            assertThat(c.call("GET", "sem").asText()).isEqualTo("0");
        }
    }

    @Test
    void rateLimiterCountsWithinTheWindow() throws Exception {
        RRateLimiter limiter = redisson.getRateLimiter("limiter");
        assertThat(limiter.trySetRate(RateType.OVERALL, 5, Duration.ofSeconds(2))).isTrue();
        assertThat(limiter.trySetRate(RateType.OVERALL, 50, Duration.ofSeconds(2))).isFalse();
        int granted = 0;
        for (int i = 0; i < 8; i++) {
            if (limiter.tryAcquire()) {
                granted++;
            }
        }
        assertThat(granted).isEqualTo(5);
        assertThat(limiter.availablePermits()).isZero();
        assertThat(limiter.tryAcquire(2)).isFalse();
        // a waiting acquire gets a permit once the window has moved on
        assertThat(limiter.tryAcquire(1, Duration.ofSeconds(5))).isTrue();
        assertThat(limiter.getConfig().getRate()).isEqualTo(5);
    }

    @Test
    void bucketAndMap() {
        RBucket<String> b = redisson.getBucket("bucket", StringCodec.INSTANCE);
        assertThat(b.get()).isNull();
        assertThat(b.setIfAbsent("one")).isTrue();
        assertThat(b.setIfAbsent("two")).isFalse();
        assertThat(b.compareAndSet("one", "three")).isTrue();
        assertThat(b.compareAndSet("one", "four")).isFalse();
        assertThat(b.getAndSet("five")).isEqualTo("three");
        b.set("six", Duration.ofSeconds(100));
        assertThat(b.remainTimeToLive()).isBetween(90_000L, 100_000L);
        assertThat(b.get()).isEqualTo("six");

        RMap<String, String> m = redisson.getMap("map", StringCodec.INSTANCE);
        assertThat(m.put("a", "1")).isNull();
        assertThat(m.put("a", "2")).isEqualTo("1");
        assertThat(m.fastPut("b", "x")).isTrue();
        assertThat(m.putIfAbsent("b", "y")).isEqualTo("x");
        assertThat(m.readAllMap()).isEqualTo(Map.of("a", "2", "b", "x"));
        assertThat(m.fastRemove("a", "missing")).isEqualTo(1);
        try (RespClient c = raw()) {
            assertThat(c.call("HGET", "map", "b").asText()).isEqualTo("x");
            assertThat(c.call("HLEN", "map").asText()).isEqualTo("1");
        }
        RMap<String, Long> counters = redisson.getMap("counters", LongCodec.INSTANCE);
        assertThat(counters.addAndGet("n", 5L)).isEqualTo(5L);
        assertThat(counters.addAndGet("n", -2L)).isEqualTo(3L);

        // the default codec (Kryo) stores binary values in the same hash
        RMap<String, Integer> objects = redisson.getMap("objects");
        objects.put("k", 42);
        assertThat(redisson.<String, Integer>getMap("objects").get("k")).isEqualTo(42);
    }

    @Test
    void topicsDeliverChannelAndPatternMessages() throws Exception {
        BlockingQueue<String> got = new LinkedBlockingQueue<>();
        RTopic topic = redisson.getTopic("news", StringCodec.INSTANCE);
        RPatternTopic pattern = redisson.getPatternTopic("ne*", StringCodec.INSTANCE);
        int id = topic.addListener(String.class, (channel, msg) -> got.add(channel + " " + msg));
        int pid = pattern.addListener(String.class, (p, channel, msg) -> got.add(p + " " + channel + " " + msg));
        try {
            assertThat(topic.publish("hello")).isEqualTo(2L);
            List<String> msgs = List.of(got.poll(5, TimeUnit.SECONDS), got.poll(5, TimeUnit.SECONDS));
            assertThat(msgs).containsExactlyInAnyOrder("news hello", "ne* news hello");
            assertThat(topic.countSubscribers()).isEqualTo(1L);
        } finally {
            topic.removeListener(id);
            pattern.removeListener(pid);
        }
        assertThat(redisson.getTopic("news", StringCodec.INSTANCE).publish("gone")).isZero();
    }

    @Test
    void scriptsAndAtomicBatch() {
        RScript script = redisson.getScript(StringCodec.INSTANCE);
        assertThat((String) script.eval(RScript.Mode.READ_WRITE, "return redis.call('set', KEYS[1], ARGV[1])",
                RScript.ReturnType.STATUS, List.of("sk"), "v1")).isEqualTo("OK");
        String sha = script.scriptLoad("return {redis.call('get', KEYS[1]), ARGV[1]}");
        assertThat(script.scriptExists(sha)).containsExactly(true);
        List<Object> r = script.evalSha(RScript.Mode.READ_ONLY, sha, RScript.ReturnType.MULTI, List.of("sk"), "a");
        assertThat(r).containsExactly("v1", "a");
        Long n = script.eval(RScript.Mode.READ_WRITE, "return redis.call('incrby', KEYS[1], ARGV[1])",
                RScript.ReturnType.INTEGER, List.of("cnt"), "7");
        assertThat(n).isEqualTo(7L);

        // an atomic batch is sent as MULTI ... EXEC
        RBatch batch = redisson.createBatch(BatchOptions.defaults()
                .executionMode(BatchOptions.ExecutionMode.IN_MEMORY_ATOMIC));
        batch.getBucket("b1", StringCodec.INSTANCE).setAsync("x");
        batch.getAtomicLong("cnt").incrementAndGetAsync();
        batch.getMap("bm", StringCodec.INSTANCE).fastPutAsync("f", "v");
        List<Object> responses = new ArrayList<>(batch.execute().getResponses());
        assertThat(responses).containsExactly(null, 8L, true);
        assertThat(redisson.getBucket("b1", StringCodec.INSTANCE).get()).isEqualTo("x");
    }

    @Test
    void countDownLatchReadWriteLockAndBlockingQueue() throws Exception {
        RCountDownLatch latch = redisson.getCountDownLatch("latch");
        assertThat(latch.trySetCount(2)).isTrue();
        Future<Boolean> awaiting = other.submit(() -> latch.await(10, TimeUnit.SECONDS));
        latch.countDown();
        assertThat(latch.getCount()).isEqualTo(1L);
        assertThat(awaiting.isDone()).isFalse();
        latch.countDown();
        assertThat(awaiting.get(5, TimeUnit.SECONDS)).isTrue();

        RReadWriteLock rw = redisson.getReadWriteLock("rw");
        rw.readLock().lock();
        try {
            assertThat(other.submit(() -> {
                boolean read = rw.readLock().tryLock();
                if (read) {
                    rw.readLock().unlock();
                }
                return read + " " + rw.writeLock().tryLock();
            }).get(10, TimeUnit.SECONDS)).isEqualTo("true false");
        } finally {
            rw.readLock().unlock();
        }
        assertThat(other.submit(() -> {
            boolean w = rw.writeLock().tryLock();
            if (w) {
                rw.writeLock().unlock();
            }
            return w;
        }).get(10, TimeUnit.SECONDS)).isTrue();

        RBlockingQueue<String> queue = redisson.getBlockingQueue("queue", StringCodec.INSTANCE);
        Future<String> taker = other.submit(() -> queue.poll(10, TimeUnit.SECONDS));
        Thread.sleep(100);
        assertThat(queue.offer("job")).isTrue();
        assertThat(taker.get(5, TimeUnit.SECONDS)).isEqualTo("job");
        assertThat(queue.isEmpty()).isTrue();
    }
}
