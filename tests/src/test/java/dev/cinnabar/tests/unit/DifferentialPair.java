package dev.cinnabar.tests.unit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.testkit.CinnabarExtension;
import dev.cinnabar.testkit.RealRedis;
import dev.cinnabar.testkit.Resp;
import dev.cinnabar.testkit.RespClient;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A JUnit extension pairing a real Redis (started for the test class, with the given arguments)
 * with the class's embedded Cinnabar: one connection to each per test, Redis flushed before each
 * test. {@link #both} sends the same command to each and asserts the replies are equal, wire type
 * and bytes, so digits and error texts must match.
 *
 * <pre>{@code
 * @RegisterExtension static CinnabarExtension server = new CinnabarExtension();
 * @RegisterExtension static DifferentialPair d = new DifferentialPair(server);
 * }</pre>
 */
final class DifferentialPair implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {
    private final CinnabarExtension server;
    private final String[] redisArgs;
    private RealRedis redis;
    RespClient real;
    RespClient ours;

    DifferentialPair(CinnabarExtension server, String... redisArgs) {
        this.server = server;
        this.redisArgs = redisArgs;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        redis = RealRedis.start(redisArgs);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (redis != null) {
            redis.close();
            redis = null;
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        real = redis.client();
        ours = new RespClient(server.port());
        real.call("FLUSHALL");
    }

    @Override
    public void afterEach(ExtensionContext context) {
        real.close();
        ours.close();
    }

    /** The real Redis's port (for tests that open connections of their own). */
    int redisPort() {
        return redis.port();
    }

    /** Sends to both servers, asserts equal replies, returns Cinnabar's. */
    Resp both(String... args) {
        Resp expected = real.call(args);
        Resp actual = ours.call(args);
        assertThat(actual).as("reply to %s", Arrays.toString(args)).isEqualTo(expected);
        return actual;
    }

    /** As {@link #both(String...)} with binary arguments. */
    Resp both(byte[]... args) {
        Resp expected = real.call(args);
        Resp actual = ours.call(args);
        assertThat(actual).as("reply to %s", describe(args)).isEqualTo(expected);
        return actual;
    }

    /**
     * For commands owned by other families that may not be built yet (e.g. RPUSH to make a key of
     * another type): when Cinnabar does not know the command, neither server gets it and null is
     * returned, so both keyspaces stay alike; otherwise as {@link #both(String...)}.
     */
    Resp bothIfKnown(String... args) {
        Resp actual = ours.call(args);
        if (actual instanceof Resp.Err e && e.message().startsWith("ERR unknown command")) {
            return null;
        }
        Resp expected = real.call(args);
        assertThat(actual).as("reply to %s", Arrays.toString(args)).isEqualTo(expected);
        return actual;
    }

    /**
     * Runs the space-separated commands on each server with every keyspace event enabled and
     * asserts that a pattern subscriber saw the same notifications (names and order).
     */
    void assertSameEvents(String... script) {
        List<Resp> expected = notifications(real, redis.port(), script);
        List<Resp> actual = notifications(ours, server.port(), script);
        assertThat(actual).as("events of %s", String.join(" | ", script)).isEqualTo(expected);
        assertThat(actual).as("events of %s", String.join(" | ", script)).isNotEmpty();
    }

    private static List<Resp> notifications(RespClient c, int port, String[] script) {
        List<Resp> seen = new ArrayList<>();
        try (RespClient sub = new RespClient(port)) {
            c.call("CONFIG", "SET", "notify-keyspace-events", "KEA");
            sub.call("PSUBSCRIBE", "__key*__:*");
            for (String cmd : script) {
                c.call(cmd.split(" "));
            }
            c.call("PUBLISH", "__key*__:done", "done");
            for (Resp m = sub.read(); !m.toString().contains("__key*__:done"); m = sub.read()) {
                seen.add(m);
            }
        } finally {
            c.call("CONFIG", "SET", "notify-keyspace-events", "");
        }
        return seen;
    }

    private static String describe(byte[][] args) {
        StringBuilder sb = new StringBuilder("[");
        for (byte[] a : args) {
            sb.append(a.length > 64 ? "<" + a.length + " bytes>" : Resp.escape(a)).append(' ');
        }
        return sb.append(']').toString();
    }
}
