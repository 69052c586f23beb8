package dev.cinnabar.tests.unit.type;

import dev.cinnabar.server.CinnabarServer;
import dev.cinnabar.testkit.RealRedis;
import dev.cinnabar.testkit.RespClient;
import dev.cinnabar.testkit.diff.Differ;
import dev.cinnabar.testkit.diff.Normalizers;
import dev.cinnabar.testkit.diff.Result;
import dev.cinnabar.testkit.diff.Sequence;
import dev.cinnabar.testkit.diff.SequenceGenerator;

/**
 * Differential checks for the type tests: a sequence must give the same replies on real Redis and
 * Cinnabar, and every command must have replied on Redis (a command that hangs on both servers
 * would otherwise count as "the same").
 */
final class TypeDiff {
    private TypeDiff() {
    }

    /** Base of the differential type tests: servers for the class, and {@link #same} per sequence. */
    abstract static class Base {
        static Servers servers;
        static Differ differ;

        @org.junit.jupiter.api.BeforeAll
        static void startServers() {
            servers = start();
            differ = servers.differ();
        }

        @org.junit.jupiter.api.AfterAll
        static void stopServers() {
            if (servers != null) {
                servers.close();
                servers = null;
            }
        }

        /** The lines (redis-cli syntax, "c1 " for a second connection) give the same replies on both. */
        static void same(String... lines) {
            TypeDiff.same(servers, Sequence.of(lines), String.join(" | ", lines));
        }
    }

    /** Servers for a test class; close with {@link #close}. */
    record Servers(RealRedis redis, CinnabarServer cinnabar, Differ differ, java.util.Map<String, String> defaults)
            implements AutoCloseable {
        /** Sets the encoding directives back to Redis's defaults on both servers. */
        void restoreConfig() {
            try (RespClient a = redis.client(); RespClient b = new RespClient(cinnabar.port())) {
                defaults.forEach((k, v) -> {
                    a.call("CONFIG", "SET", k, v);
                    b.call("CONFIG", "SET", k, v);
                });
            }
        }

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
        java.util.Map<String, String> defaults = new java.util.LinkedHashMap<>();
        try (RespClient a = redis.client()) {
            for (String k : SequenceGenerator.SAFE_CONFIG.keySet()) {
                defaults.put(k, ((dev.cinnabar.testkit.Resp.Agg) a.call("CONFIG", "GET", k)).items().get(1).asText());
            }
        }
        return new Servers(redis, cinnabar, d, defaults);
    }

    static void same(Servers servers, Sequence s, String label) {
        Differ differ = servers.differ();
        boolean config = s.steps().stream().anyMatch(i -> i.args().get(0).equalsIgnoreCase("config"));
        if (config) {
            servers.restoreConfig();
        }
        try {
            check(differ, s, label);
        } finally {
            if (config) {
                servers.restoreConfig();
            }
        }
    }

    private static void check(Differ differ, Sequence s, String label) {
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
