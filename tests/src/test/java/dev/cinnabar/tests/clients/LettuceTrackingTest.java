package dev.cinnabar.tests.clients;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.testkit.CinnabarExtension;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.TrackingArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.protocol.ProtocolVersion;
import io.lettuce.core.support.caching.CacheAccessor;
import io.lettuce.core.support.caching.CacheFrontend;
import io.lettuce.core.support.caching.ClientSideCaching;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Lettuce's RESP3 client-side caching against the embedded server: invalidation pushes evict. */
class LettuceTrackingTest {
    @RegisterExtension
    static CinnabarExtension server = new CinnabarExtension();

    static RedisClient client;

    @BeforeAll
    static void client() {
        client = RedisClient.create();
        client.setDefaultTimeout(Duration.ofSeconds(10));
        client.setOptions(ClientOptions.builder().protocolVersion(ProtocolVersion.RESP3).build());
    }

    @AfterAll
    static void shutdown() {
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }

    @Test
    void cachedValueIsInvalidatedWhenAnotherClientWrites() throws Exception {
        RedisURI uri = RedisURI.create("127.0.0.1", server.port());
        try (StatefulRedisConnection<String, String> tracked = client.connect(uri);
             StatefulRedisConnection<String, String> writer = client.connect(uri)) {
            writer.sync().set("csc:k", "v1");
            Map<String, String> local = new ConcurrentHashMap<>();
            CacheFrontend<String, String> cache = ClientSideCaching.enable(CacheAccessor.forMap(local), tracked,
                    TrackingArgs.Builder.enabled());
            assertThat(cache.get("csc:k")).isEqualTo("v1");
            assertThat(local).containsEntry("csc:k", "v1");

            writer.sync().set("csc:k", "v2");
            long deadline = System.currentTimeMillis() + 5000;
            while (local.containsKey("csc:k") && System.currentTimeMillis() < deadline) {
                Thread.sleep(5);
            }
            assertThat(local).doesNotContainKey("csc:k");
            assertThat(cache.get("csc:k")).isEqualTo("v2");
            assertThat(local).containsEntry("csc:k", "v2");
            cache.close();
        }
    }
}
