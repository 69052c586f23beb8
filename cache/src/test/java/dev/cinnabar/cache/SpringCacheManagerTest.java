package dev.cinnabar.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.cache.spring.CinnabarCacheManager;
import io.lettuce.core.RedisClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.cache.Cache;

class SpringCacheManagerTest {
    @RegisterExtension
    static RedisFixture fx = new RedisFixture();
    static RedisClient client;

    @BeforeAll
    static void up() {
        client = fx.newClient();
    }

    @Test
    void springCacheSemantics() throws Exception {
        CacheCodec<Object> codec = new CacheCodec<>() {
            @Override
            public byte[] encode(Object value) {
                return value.toString().getBytes(StandardCharsets.UTF_8);
            }

            @Override
            public Object decode(byte[] bytes) {
                return new String(bytes, StandardCharsets.UTF_8);
            }
        };
        try (CinnabarCacheManager m = new CinnabarCacheManager(name -> RedisCacheBuilder.<Object, Object>newBuilder(client)
                .name(name).codec(codec).ttl(Duration.ofMinutes(1)).build())) {
            Cache c = m.getCache("books");
            assertThat(c.get("isbn1")).isNull();
            c.put("isbn1", "Dune");
            assertThat(c.get("isbn1").get()).isEqualTo("Dune");
            AtomicInteger calls = new AtomicInteger();
            assertThat(c.get("isbn2", () -> {
                calls.incrementAndGet();
                return "Emma";
            })).isEqualTo("Emma");
            assertThat(c.get("isbn2", () -> {
                calls.incrementAndGet();
                return "other";
            })).isEqualTo("Emma");
            assertThat(calls).hasValue(1);
            c.evict("isbn1");
            assertThat(c.get("isbn1")).isNull();
            c.clear();
            assertThat(c.get("isbn2")).isNull();
            assertThat(m.getCacheNames()).containsExactly("books");
        }
    }
}
