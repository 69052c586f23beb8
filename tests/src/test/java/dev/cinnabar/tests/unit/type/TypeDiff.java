package dev.cinnabar.tests.unit.type;

import dev.cinnabar.server.CinnabarServer;
import dev.cinnabar.testkit.RealRedis;
import dev.cinnabar.testkit.diff.Differ;
import dev.cinnabar.testkit.diff.Normalizers;
import dev.cinnabar.testkit.diff.Result;
import dev.cinnabar.testkit.diff.Sequence;

/**
 * Differential checks for the type tests: a sequence must give the same replies on real Redis and
 * Cinnabar, and every command must have replied on Redis (a command that hangs on both servers
 * would otherwise count as "the same").
 */
final class TypeDiff {
    private TypeDiff() {
    }

    /** Servers for a test class; close with {@link #close}. */
    record Servers(RealRedis redis, CinnabarServer cinnabar, Differ differ) implements AutoCloseable {
        @Override
        public void close() {
            differ.close();
            cinnabar.close();
            redis.close();
        }
    }

    /**
     * A real Redis with hz 100 (it serves blocking timeouts at hz, so sequences with short
     * timeouts stay fast) and an embedded Cinnabar, compared with the standard normalisers.
     */
    static Servers start() {
        RealRedis redis = RealRedis.start("--hz", "100");
        CinnabarServer cinnabar = CinnabarServer.builder().port(0).start();
        var t = cinnabar.context().commands();
        Differ d = new Differ(redis.port(), cinnabar.port(), t, Normalizers.defaults(t));
        return new Servers(redis, cinnabar, d);
    }

    static void same(Differ differ, Sequence s, String label) {
        Result r = differ.run(s);
        if (r.failed()) {
            throw new AssertionError(label + "\n" + differ.minimise(r, 30).report());
        }
        for (Result.Step step : r.steps()) {
            if (step.redis().reply() == null) {
                throw new AssertionError(label + ": no reply from Redis to " + step.call() + ": "
                        + step.redis().failure());
            }
        }
    }
}
