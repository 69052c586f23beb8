package dev.cinnabar.tests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.testkit.CinnabarExtension;
import dev.cinnabar.testkit.RealRedis;
import dev.cinnabar.testkit.Resp;
import dev.cinnabar.testkit.RespClient;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * JUnit extension pairing a real redis-server with the class's embedded Cinnabar for differential
 * tests: {@code same(scenario)} runs a two-connection scenario on both and asserts equal
 * transcripts.
 */
public final class RealRedisPair implements BeforeAllCallback, AfterAllCallback {
    private final CinnabarExtension server;
    private RealRedis redis;

    public RealRedisPair(CinnabarExtension server) {
        this.server = server;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        redis = RealRedis.start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (redis != null) {
            redis.close();
            redis = null;
        }
    }

    public RealRedis redis() {
        return redis;
    }

    /** Runs the scenario on both servers and asserts the same replies; returns Cinnabar's. */
    public List<Resp> same(Differential.TwoClients scenario) {
        List<List<Resp>> r = Differential.both(redis.port(), server.port(), scenario);
        assertThat(r.get(1)).isEqualTo(r.get(0));
        return r.get(1);
    }

    /** Runs a dialog of any number of connections on both servers, asserting equal transcripts. */
    public List<String> dialog(Dialogs.Scenario scenario) {
        return Dialogs.same(redis.port(), server.port(), scenario);
    }

    /** Sends a command and reads n replies (SUBSCRIBE answers once per channel). */
    public static List<Resp> call(RespClient c, int n, String... cmd) {
        c.send(cmd);
        List<Resp> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(c.read());
        }
        return out;
    }
}
