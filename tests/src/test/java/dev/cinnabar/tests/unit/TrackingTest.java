package dev.cinnabar.tests.unit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.testkit.CinnabarExtension;
import dev.cinnabar.testkit.Resp;
import dev.cinnabar.testkit.RespClient;
import dev.cinnabar.tests.Differential;
import dev.cinnabar.tests.RealRedisPair;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Client-side caching (Redis's tests/unit/tracking.tcl): CLIENT TRACKING options and errors,
 * differential against real Redis.
 */
class TrackingTest {
    @RegisterExtension
    static CinnabarExtension server = new CinnabarExtension();

    @RegisterExtension
    static RealRedisPair pair = new RealRedisPair(server);

    private static List<Resp> same(Differential.TwoClients scenario) {
        return pair.same(scenario);
    }

    @Test
    void optionErrorsAreRedisTexts() {
        same((a, b) -> Differential.run(a,
                "CLIENT TRACKING on PREFIX a",
                "CLIENT TRACKING on BCAST PREFIX a PREFIX ab",
                "CLIENT TRACKING on BCAST PREFIX a PREFIX a",
                "CLIENT TRACKING on OPTIN OPTOUT",
                "CLIENT TRACKING on BCAST OPTIN",
                "CLIENT TRACKING on REDIRECT 999999",
                "CLIENT TRACKING on REDIRECT abc",
                "CLIENT TRACKING on REDIRECT",
                "CLIENT TRACKING maybe",
                "CLIENT TRACKING on foo",
                "CLIENT CACHING yes",
                "CLIENT GETREDIR",
                "CLIENT TRACKINGINFO",
                "CLIENT TRACKING on OPTIN",
                "CLIENT CACHING no",
                "CLIENT CACHING maybe",
                "CLIENT CACHING yes",
                "CLIENT TRACKINGINFO",
                "CLIENT TRACKING on OPTOUT",
                "CLIENT TRACKING on BCAST",
                "CLIENT TRACKING on",
                "CLIENT TRACKING on OPTOUT",
                "CLIENT TRACKING on OPTIN",
                "CLIENT GETREDIR",
                "CLIENT TRACKING off",
                "CLIENT TRACKING on BCAST",
                "CLIENT TRACKING on BCAST PREFIX x",
                "CLIENT TRACKINGINFO",
                "CLIENT TRACKING off",
                "CLIENT TRACKING on BCAST PREFIX ab PREFIX b NOLOOP",
                "CLIENT TRACKING on BCAST PREFIX a",
                "CLIENT TRACKING on BCAST PREFIX c",
                "CLIENT TRACKINGINFO",
                "CLIENT TRACKING off"));
    }
}
