package dev.cinnabar.tests.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.ops.Cli;
import dev.cinnabar.testkit.Ports;
import dev.cinnabar.testkit.RealRedis;
import dev.cinnabar.testkit.RespClient;
import dev.cinnabar.testkit.Tools;
import dev.cinnabar.testkit.stress.ServerProcess;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ops kit end to end, as an operator uses it (issue 15's proof): instances created from
 * Debian's stock redis.conf, started, their status, a monitor report with a non-zero hit rate,
 * metrics scraped from each instance, stopped, status showing them stopped; the same tool
 * driving real Redis instances.
 */
class OpsKitTest {
    private static final Path STOCK = Path.of("/etc/redis/redis.conf");

    record Result(int code, String out) {
    }

    private static Result cinnabar(String... args) {
        System.setProperty("cinnabar.home", ServerProcess.repositoryRoot().toString());
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Cli.run(new PrintWriter(out), new PrintWriter(err), args);
        return new Result(code, out + err.toString());
    }

    /**
     * Debian's stock redis.conf (root:redis 0640): read directly, or through `sudo -n cat` when this
     * user cannot read it (CI may run unprivileged with sudo, as .ci/run allows).
     */
    private static Path stockConf() throws java.io.IOException {
        Tools.require("redis-server"); // skips (fails in CI) when Redis is not installed
        if (Files.isReadable(STOCK)) {
            return STOCK;
        }
        Tools.Run cat;
        try {
            cat = Tools.run(List.of("sudo", "-n", "cat", STOCK.toString()), null, 30, java.util.Map.of());
        } catch (RuntimeException e) { // no sudo
            cat = new Tools.Run(-1, "", e.toString());
        }
        if (cat.exitCode() == 0 && cat.stdout().contains("port 6379")) {
            Path copy = Files.createTempFile("stock-redis", ".conf");
            Files.writeString(copy, cat.stdout(), java.nio.charset.StandardCharsets.ISO_8859_1);
            return copy;
        }
        if (RealRedis.inCi()) {
            throw new AssertionError(STOCK + " is not readable, even with sudo -n: " + cat);
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(false, STOCK + " not readable; skipping");
        return null;
    }

    interface Scenario {
        void run() throws Exception;
    }

    /** Runs the scenario and always stops what it started, even when an assertion failed. */
    private static void withInstances(Path root, Scenario scenario) throws Exception {
        try {
            scenario.run();
        } finally {
            List<String> stop = new ArrayList<>(List.of("instances", "stop", "--nosave", "--root", root.toString()));
            cinnabar(stop.toArray(String[]::new));
        }
    }

    /** The instances' console and log files, for a failure message. */
    private static String logs(Path root) throws java.io.IOException {
        StringBuilder sb = new StringBuilder();
        try (var files = Files.list(root.resolve("log"))) {
            for (Path f : files.sorted().toList()) {
                List<String> lines = Files.readAllLines(f, java.nio.charset.StandardCharsets.ISO_8859_1);
                sb.append("\n--- ").append(f.getFileName()).append('\n')
                        .append(String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size())));
            }
        }
        return sb.toString();
    }

    private static void traffic(int port) {
        try (RespClient c = new RespClient(port)) {
            for (int i = 0; i < 3; i++) {
                c.call("SET", "k" + i, "v");
                c.call("GET", "k" + i);
            }
            c.call("GET", "missing");
        }
    }

    @Test
    void fourCinnabarInstancesFromTheStockConfig(@TempDir Path tmp) throws Exception {
        Path template = stockConf();
        Path root = tmp.resolve("host");
        int n = 4;
        int base = Ports.freeRun(n);
        int metricsBase = Ports.freeRun(n);
        Result create = cinnabar("instances", "create", "--count", "4", "--base-port", Integer.toString(base),
                "--metrics-base-port", Integer.toString(metricsBase), "--template", template.toString(),
                "--root", root.toString());
        assertThat(create.code()).as(create.out()).isZero();
        assertThat(Files.readString(root.resolve("instances/redis-" + base + ".conf")))
                .contains("port " + base, "dir " + root.resolve("data/" + base), "dbfilename dump-" + base + ".rdb",
                        "pidfile " + root.resolve("run/redis_" + base + ".pid"));
        withInstances(root, () -> {
            // generous: on a loaded 2-core machine four JVMs starting one after the other take a while
            Result start = cinnabar("instances", "start", "--timeout", "240", "--root", root.toString());
            assertThat(start.code()).as(start.out() + logs(root)).isZero();
            assertThat(start.out().split("-> RUNNING", -1)).hasSize(n + 1);
            Result status = cinnabar("instances", "status", "--root", root.toString());
            assertThat(status.code()).as(status.out()).isZero();
            assertThat(status.out().split("Connection OK", -1)).hasSize(n + 1);
            for (int i = 0; i < n; i++) {
                traffic(base + i);
            }
            Result monitor = cinnabar("monitor", "--root", root.toString());
            assertThat(monitor.code()).as(monitor.out()).isZero();
            assertThat(monitor.out().split("Hit Rate: 75.00% \\(3 hits, 1 misses\\)", -1)).as(monitor.out())
                    .hasSize(n + 1);
            for (int i = 0; i < n; i++) {
                Map<String, Double> m = MetricsEndpointTest.samples(MetricsEndpointTest.get(metricsBase + i));
                assertThat(m.get("redis_up")).isEqualTo(1.0);
                assertThat(m.get("redis_keyspace_hits_total")).isEqualTo(3.0);
                assertThat(m.get("redis_keyspace_misses_total")).isEqualTo(1.0);
                assertThat(m.get("redis_memory_used_bytes")).isPositive();
                assertThat(m).containsKeys("redis_memory_max_bytes", "redis_master_repl_offset",
                        "redis_connected_clients", "redis_db_keys{db=\"db0\"}");
            }
            Result stop = cinnabar("instances", "stop", "--root", root.toString());
            assertThat(stop.code()).as(stop.out()).isZero();
            Result after = cinnabar("instances", "status", "--root", root.toString());
            assertThat(after.code()).as("LSB 'not running'").isEqualTo(3);
            assertThat(after.out().split(": STOPPED", -1)).hasSize(n + 1);
            // the stock config saves on shutdown: each instance left its RDB under its own dir
            for (int i = 0; i < n; i++) {
                assertThat(root.resolve("data/" + (base + i) + "/dump-" + (base + i) + ".rdb")).exists();
            }
        });
    }

    @Test
    void theSameToolDrivesRealRedis(@TempDir Path tmp) throws Exception {
        Path template = stockConf();
        String redis = Tools.require("redis-server");
        Path root = tmp.resolve("host");
        int base = Ports.freeRun(2);
        Result create = cinnabar("instances", "create", "--count", "2", "--base-port", Integer.toString(base),
                "--template", template.toString(), "--root", root.toString());
        assertThat(create.code()).as(create.out()).isZero();
        withInstances(root, () -> {
            Result start = cinnabar("instances", "start", "--timeout", "240", "--server", redis, "--root",
                    root.toString());
            assertThat(start.code()).as(start.out() + logs(root)).isZero();
            traffic(base);
            traffic(base + 1);
            Result monitor = cinnabar("monitor", "--json", "--port", base + "," + (base + 1));
            assertThat(monitor.code()).as(monitor.out()).isZero();
            assertThat(monitor.out()).contains("\"hit_rate_percent\":75.00", "\"up\":true");
            Result one = cinnabar("instances", "stop", "--root", root.toString(), Integer.toString(base + 1));
            assertThat(one.code()).as(one.out()).isZero();
            Result status = cinnabar("instances", "status", "--root", root.toString());
            assertThat(status.code()).isEqualTo(3);
            assertThat(status.out()).contains("port " + base + ": RUNNING", "port " + (base + 1) + ": STOPPED");
        });
    }
}
