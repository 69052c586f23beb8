package dev.cinnabar.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Avalanche: keys warmed together must not expire together. */
class AvalancheTest {
    @RegisterExtension
    static RedisFixture fx = new RedisFixture();
    static RedisClient client;

    @BeforeAll
    static void up() {
        client = fx.newClient();
    }

    @Test
    void hundredThousandWarmedKeysExpireSpreadOverTheJitterWindow() throws Exception {
        int n = 100_000;
        List<Long> ids = new ArrayList<>();
        for (long i = 0; i < n; i++) {
            ids.add(i);
        }
        long[] progressSeen = {0};
        try (RedisCache<Long, String> c = RedisCacheBuilder.<Long, String>newBuilder(client).name("warm")
                .codec(new dev.cinnabar.cache.StringCodec()).ttl(Duration.ofSeconds(100)).ttlJitter(0.5).build();
             CacheWarmer<Long, String> w = new CacheWarmer<>(c, () -> ids, batch -> {
                 Map<Long, String> m = new HashMap<>();
                 batch.forEach(id -> m.put(id, "v" + id));
                 return m;
             }, 5_000, (done, total) -> progressSeen[0] = done)) {
            assertThat(w.warm()).isEqualTo(n);
            assertThat(progressSeen[0]).isEqualTo(n);
        }
        // Histogram of remaining TTLs: ten equal buckets over the observed window.
        int[] buckets = new int[10];
        long[] ttls = new long[n];
        try (StatefulRedisConnection<String, String> conn = client.connect(StringCodec.UTF8)) {
            var async = conn.async();
            List<RedisFuture<Long>> fs = new ArrayList<>(n);
            for (long i = 0; i < n; i++) {
                fs.add(async.pttl("warm:" + i));
            }
            for (int i = 0; i < n; i++) {
                ttls[i] = fs.get(i).get();
                assertThat(ttls[i]).isBetween(90_000L, 150_000L);
            }
        }
        long min = java.util.Arrays.stream(ttls).min().getAsLong();
        long max = java.util.Arrays.stream(ttls).max().getAsLong();
        assertThat(max - min).as("expiry window").isGreaterThan(45_000L);
        double width = (max - min + 1) / 10.0;
        for (long t : ttls) {
            buckets[(int) ((t - min) / width)]++;
        }
        // Uniform jitter: each 5 s bucket holds about 10% of the keys; none holds more than 15%.
        for (int b = 0; b < 10; b++) {
            assertThat(buckets[b]).as("bucket %d of %s", b, java.util.Arrays.toString(buckets))
                    .isBetween(n / 20, n * 15 / 100);
        }
    }

    @Test
    void withoutJitterEverythingExpiresInTheSameSecond() throws Exception {
        try (RedisCache<Long, String> c = RedisCacheBuilder.<Long, String>newBuilder(client).name("nojitter")
                .codec(new dev.cinnabar.cache.StringCodec()).ttl(Duration.ofSeconds(100)).ttlJitter(0).build();
             StatefulRedisConnection<String, String> conn = client.connect(StringCodec.UTF8)) {
            for (long i = 0; i < 1000; i++) {
                c.put(i, "v");
            }
            long min = Long.MAX_VALUE;
            long max = 0;
            for (long i = 0; i < 1000; i++) {
                long t = conn.sync().pttl("nojitter:" + i);
                min = Math.min(min, t);
                max = Math.max(max, t);
            }
            assertThat(max - min).isLessThan(2_000L);
        }
    }
}
