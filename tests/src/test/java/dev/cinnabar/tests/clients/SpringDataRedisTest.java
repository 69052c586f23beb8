package dev.cinnabar.tests.clients;

import dev.cinnabar.testkit.CinnabarExtension;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Spring Data Redis (Lettuce) against the embedded Cinnabar server. */
class SpringDataRedisTest extends SpringDataRedisContract {
    @RegisterExtension
    static CinnabarExtension server = new CinnabarExtension();

    SpringDataRedisTest() {
        super(ServerTarget.cinnabar(server));
    }
}
