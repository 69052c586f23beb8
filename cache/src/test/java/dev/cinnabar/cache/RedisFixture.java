package dev.cinnabar.cache;

import dev.cinnabar.testkit.RealRedis;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real Redis 7.0 per test class for the toolkit's tests (skipped locally without redis-server,
 * required in CI), with Lettuce clients shut down with it:
 * {@code @RegisterExtension static RedisFixture fx = new RedisFixture();}
 */
final class RedisFixture implements BeforeAllCallback, AfterAllCallback {
    RealRedis redis;
    private final List<RedisClient> clients = new ArrayList<>();

    @Override
    public void beforeAll(ExtensionContext context) {
        redis = RealRedis.start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        for (RedisClient c : clients) {
            c.shutdown();
        }
        clients.clear();
        if (redis != null) {
            redis.close();
        }
    }

    RedisClient newClient() {
        RedisClient c = RedisClient.create(RedisURI.create("127.0.0.1", redis.port()));
        clients.add(c);
        return c;
    }
}
