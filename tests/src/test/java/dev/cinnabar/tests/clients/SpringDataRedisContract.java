package dev.cinnabar.tests.clients;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.testkit.Resp;
import dev.cinnabar.testkit.RespClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.springframework.dao.DataAccessException;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.RedisOperations;
import org.springframework.data.redis.core.SessionCallback;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.ZSetOperations.TypedTuple;
import org.springframework.data.redis.core.script.DefaultRedisScript;
import org.springframework.data.redis.listener.ChannelTopic;
import org.springframework.data.redis.listener.PatternTopic;
import org.springframework.data.redis.listener.RedisMessageListenerContainer;

/**
 * Spring Data Redis (Lettuce driver, no Spring context) against a server: template operations,
 * WATCH/MULTI/EXEC through a SessionCallback, scripts and the message listener container. Run against
 * Cinnabar ({@link SpringDataRedisTest}) and real Redis 7.0 ({@link SpringDataRedisRealRedisTest}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(30)
abstract class SpringDataRedisContract {
    private final ServerTarget target;
    private LettuceConnectionFactory factory;
    private StringRedisTemplate template;
    private ExecutorService pool;

    SpringDataRedisContract(ServerTarget target) {
        this.target = target;
    }

    private int port() {
        return target.port();
    }

    @BeforeAll
    void connect() {
        factory = new LettuceConnectionFactory(new RedisStandaloneConfiguration("127.0.0.1", port()));
        factory.afterPropertiesSet();
        factory.start();
        template = new StringRedisTemplate(factory);
        pool = Executors.newFixedThreadPool(2);
    }

    @AfterAll
    void shutdown() {
        try {
            if (pool != null) {
                pool.shutdownNow();
            }
            if (factory != null) {
                factory.destroy();
            }
        } finally {
            target.close();
        }
    }

    @BeforeEach
    void flush() {
        template.execute(c -> {
            c.serverCommands().flushAll();
            return null;
        }, true);
    }

    @Test
    void templateOperations() {
        var values = template.opsForValue();
        values.set("s:a", "1");
        assertThat(values.get("s:a")).isEqualTo("1");
        assertThat(values.increment("s:a", 41)).isEqualTo(42L);
        assertThat(values.setIfAbsent("s:a", "x")).isFalse();
        assertThat(values.setIfAbsent("s:b", "y", Duration.ofSeconds(100))).isTrue();
        assertThat(template.getExpire("s:b", TimeUnit.SECONDS)).isBetween(90L, 100L);
        assertThat(values.multiGet(List.of("s:a", "s:b", "s:none"))).containsExactly("42", "y", null);

        template.opsForHash().putAll("h", Map.of("f1", "v1", "f2", "v2"));
        assertThat(template.<String, String>opsForHash().entries("h")).isEqualTo(Map.of("f1", "v1", "f2", "v2"));
        assertThat(template.opsForHash().increment("h", "n", 3)).isEqualTo(3L);

        assertThat(template.opsForList().rightPushAll("l", "a", "b", "c")).isEqualTo(3L);
        assertThat(template.opsForList().range("l", 0, -1)).containsExactly("a", "b", "c");
        assertThat(template.opsForList().leftPop("l")).isEqualTo("a");

        assertThat(template.opsForSet().add("set", "x", "y", "x")).isEqualTo(2L);
        assertThat(template.opsForSet().members("set")).isEqualTo(Set.of("x", "y"));

        template.opsForZSet().add("z", "m1", 2.5);
        template.opsForZSet().add("z", "m2", 1);
        List<String> byScore = new ArrayList<>();
        for (TypedTuple<String> t : template.opsForZSet().rangeWithScores("z", 0, -1)) {
            byScore.add(t.getValue() + "=" + t.getScore());
        }
        assertThat(byScore).containsExactly("m2=1.0", "m1=2.5");

        assertThat(template.hasKey("s:a")).isTrue();
        assertThat(template.delete(List.of("s:a", "s:b", "s:none"))).isEqualTo(2L);
        assertThat(template.keys("*")).isEqualTo(Set.of("h", "l", "set", "z"));
    }

    /** WATCH k, read it, MULTI, write, EXEC; {@code interfere} runs between the read and MULTI. */
    private List<Object> watchedUpdate(String key, Runnable interfere) {
        return template.execute(new SessionCallback<List<Object>>() {
            @Override
            @SuppressWarnings("unchecked")
            public List<Object> execute(RedisOperations ops) throws DataAccessException {
                RedisOperations<String, String> o = ops;
                o.watch(key);
                String v = o.opsForValue().get(key);
                interfere.run();
                o.multi();
                o.opsForValue().set(key, v + "+tx");
                o.opsForValue().append(key, "!");
                return o.exec();
            }
        });
    }

    @Test
    void transactionAbortedByConcurrentWrite() {
        template.opsForValue().set("order", "PAID");
        List<Object> result = watchedUpdate("order", () -> {
            try {
                // a write through another connection, from another thread
                pool.submit(() -> template.opsForValue().set("order", "REFUNDED")).get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(result).isEmpty();
        assertThat(template.opsForValue().get("order")).isEqualTo("REFUNDED");
    }

    @Test
    void transactionCommitsWithoutInterference() {
        template.opsForValue().set("order", "PAID");
        List<Object> result = watchedUpdate("order", () -> { });
        // SET's OK as true, APPEND's new length
        assertThat(result).containsExactly(true, 8L);
        assertThat(template.opsForValue().get("order")).isEqualTo("PAID+tx!");
    }

    @Test
    void watchRetriesNeverLoseAnIncrement() throws Exception {
        template.opsForValue().set("counter", "0");
        int perClient = 150;
        AtomicInteger retries = new AtomicInteger();
        ExecutorService clients = Executors.newFixedThreadPool(2);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                done.add(clients.submit(() -> {
                    for (int i = 0; i < perClient; i++) {
                        while (template.execute(new SessionCallback<List<Object>>() {
                            @Override
                            @SuppressWarnings("unchecked")
                            public List<Object> execute(RedisOperations ops) throws DataAccessException {
                                RedisOperations<String, String> o = ops;
                                o.watch("counter");
                                long n = Long.parseLong(o.opsForValue().get("counter"));
                                o.multi();
                                o.opsForValue().set("counter", Long.toString(n + 1));
                                return o.exec();
                            }
                        }).isEmpty()) {
                            retries.incrementAndGet();
                        }
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            clients.shutdownNow();
        }
        assertThat(template.opsForValue().get("counter")).isEqualTo(Integer.toString(2 * perClient));
        System.out.println("watch retries: " + retries.get());
    }

    @Test
    void redisScriptRunsByShaAndFallsBackToEval() {
        DefaultRedisScript<Long> deduct = new DefaultRedisScript<>(
                "local s = tonumber(redis.call('get', KEYS[1]) or '0') "
                        + "if s < tonumber(ARGV[1]) then return -1 end "
                        + "return redis.call('decrby', KEYS[1], ARGV[1])", Long.class);
        template.opsForValue().set("stock", "5");
        template.execute(c -> {
            c.scriptingCommands().scriptFlush();
            return null;
        }, true);
        // first run: EVALSHA answers NOSCRIPT, Spring falls back to EVAL (which caches the script)
        assertThat(template.execute(deduct, List.of("stock"), "2")).isEqualTo(3L);
        assertThat(template.execute(deduct, List.of("stock"), "2")).isEqualTo(1L);
        assertThat(template.execute(deduct, List.of("stock"), "2")).isEqualTo(-1L);
        List<Boolean> exists = template.execute(c -> c.scriptingCommands().scriptExists(deduct.getSha1()), true);
        assertThat(exists).containsExactly(true);

        DefaultRedisScript<List> multi = new DefaultRedisScript<>(
                "return {KEYS[1], ARGV[1], redis.call('exists', KEYS[1])}", List.class);
        assertThat(template.execute(multi, List.of("stock"), "arg")).containsExactly("stock", "arg", 1L);
        DefaultRedisScript<Boolean> bool = new DefaultRedisScript<>("return redis.call('exists', KEYS[1]) == 1",
                Boolean.class);
        assertThat(template.execute(bool, List.of("stock"))).isTrue();
        assertThat(template.execute(bool, List.of("none"))).isFalse();
        try (RespClient c = new RespClient("127.0.0.1", port(), 5000)) {
            assertThat(c.call("EVALSHA", deduct.getSha1(), "1", "stock", "1").asText()).isEqualTo("0");
        }
    }

    @Test
    void messageListenerContainerReceivesChannelAndPatternMessages() throws Exception {
        BlockingQueue<String> got = new LinkedBlockingQueue<>();
        RedisMessageListenerContainer container = new RedisMessageListenerContainer();
        container.setConnectionFactory(factory);
        container.addMessageListener((m, pattern) -> got.add(new String(m.getChannel(), StandardCharsets.UTF_8) + " "
                + new String(m.getBody(), StandardCharsets.UTF_8)), new ChannelTopic("news"));
        container.addMessageListener((m, pattern) -> got.add("p:" + new String(pattern, StandardCharsets.UTF_8)
                + " " + new String(m.getChannel(), StandardCharsets.UTF_8) + " "
                + new String(m.getBody(), StandardCharsets.UTF_8)), new PatternTopic("ne*"));
        container.afterPropertiesSet();
        container.start();
        try {
            // the container subscribes on its own connection: wait until the server counts both
            try (RespClient c = new RespClient("127.0.0.1", port(), 5000)) {
                long deadline = System.currentTimeMillis() + 5000;
                while (!(((Resp.Agg) c.call("PUBSUB", "NUMSUB", "news")).items().get(1).asText().equals("1")
                        && c.call("PUBSUB", "NUMPAT").asText().equals("1"))
                        && System.currentTimeMillis() < deadline) {
                    Thread.sleep(10);
                }
            }
            assertThat(template.convertAndSend("news", "hello")).isEqualTo(2L);
            List<String> msgs = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                msgs.add(got.poll(5, TimeUnit.SECONDS));
            }
            assertThat(msgs).containsExactlyInAnyOrder("news hello", "p:ne* news hello");
            assertThat(template.convertAndSend("nothing", "x")).isZero();
        } finally {
            container.stop();
            container.destroy();
        }
    }
}
