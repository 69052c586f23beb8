package dev.cinnabar.tests.clients;

import dev.cinnabar.testkit.CinnabarExtension;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Redisson against the embedded Cinnabar server. */
class RedissonClientTest extends RedissonContract {
    @RegisterExtension
    static CinnabarExtension server = new CinnabarExtension();

    RedissonClientTest() {
        super(ServerTarget.cinnabar(server));
    }
}
