package dev.cinnabar.tests.replication;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.server.CinnabarServer;
import dev.cinnabar.testkit.RealRedis;
import dev.cinnabar.testkit.RespClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * propagation-error-behavior against real Redis 7.0 (its afterErrorReply): a command from the
 * master, or from the AOF being loaded, that fails where it is applied. The divergence is made
 * as Redis's own test makes it: the replica, writable for a moment, gets a list at a key its
 * master then INCRs. Each mode runs on a real Redis replica and on ours, both of a real Redis
 * master; the transcripts (the server alive or not, what it applied, unexpected_error_replies,
 * the CRITICAL and panic log lines) must be equal.
 */
class PropagationErrorBehaviorTest {
    private static final String CRITICAL = "== CRITICAL ==";

    @Test
    void anErrorFromTheMastersStreamPerMode(@TempDir Path tmp) throws Exception {
        try (RealRedis master = RealRedis.start("--repl-diskless-sync-delay", "0")) {
            for (String mode : List.of("ignore", "panic-on-replicas", "panic")) {
                for (boolean readOnly : new boolean[] {true, false}) {
                    List<String> real = replicaScenario(master, mode, readOnly, null);
                    List<String> ours = replicaScenario(master, mode, readOnly, tmp.resolve(mode + readOnly));
                    assertThat(ours).as("%s, replica-read-only %s", mode, readOnly).isEqualTo(real);
                    boolean panics = !mode.equals("ignore") && readOnly;
                    assertThat(real).contains("alive: " + !panics);
                }
            }
        }
    }

    /** One replica of master (ours when dir is given, else a real Redis) through the divergence. */
    private static List<String> replicaScenario(RealRedis master, String mode, boolean readOnly, Path dir)
            throws Exception {
        List<String> t = new ArrayList<>();
        String[] settings = {"propagation-error-behavior", mode, "replicaof", "127.0.0.1",
            Integer.toString(master.port())};
        try (RespClient m = master.client()) {
            m.call("FLUSHALL"); // before the replica syncs (a FLUSHALL during a sync restarts it)
        }
        RealRedis realReplica = null;
        CinnabarServer ours = null;
        Path log;
        int port;
        if (dir == null) {
            realReplica = RealRedis.start("--" + settings[0], settings[1], "--" + settings[2], settings[3],
                    settings[4]);
            port = realReplica.port();
            log = realReplica.dir().resolve("redis.log");
        } else {
            Files.createDirectories(dir);
            log = dir.resolve("cinnabar.log");
            ours = CinnabarServer.builder().setting("dir", dir.toString()).setting("logfile", log.toString())
                    .setting(settings[0], settings[1]).setting(settings[2], settings[3], settings[4]).start();
            port = ours.port();
        }
        try (RespClient m = master.client()) {
            try (RespClient r = new RespClient(port)) {
                await(() -> r.call("INFO", "replication").asText().contains("master_link_status:up"));
                m.call("SET", "ready", "1");
                await(() -> "1".equals(r.call("GET", "ready").asText()));
                r.call("CONFIG", "SET", "replica-read-only", "no");
                r.call("LPUSH", "foo", "a");
                r.call("CONFIG", "SET", "replica-read-only", readOnly ? "yes" : "no");
            }
            m.call("SET", "bar", "1");
            m.call("INCR", "foo");
            m.call("SET", "after", "1");
            await(() -> !alive(port) || applied(port));
            boolean alive = alive(port);
            t.add("alive: " + alive);
            if (alive) {
                try (RespClient r = new RespClient(port)) {
                    t.add("after: " + r.call("GET", "after"));
                    t.add("foo: " + r.call("LRANGE", "foo", "0", "-1"));
                    String stats = r.call("INFO", "stats").asText();
                    t.add(stats.substring(stats.indexOf("unexpected_error_replies:")).split("\r\n")[0]);
                }
            }
            // Redis may write part of its log to its standard output (RealRedis keeps it beside)
            Path stdout = log.resolveSibling("stdout.log");
            String text = Files.readString(log) + (Files.exists(stdout) ? Files.readString(stdout) : "");
            t.addAll(logLines(text));
            // the backlog Redis shows is the master's stream before the failing command
            assertThat(text).as("port %d, %s, transcript %s", port, log, t).containsPattern("Latest backlog is: '\".*(?i:set)\\\\r\\\\n\\$3\\\\r\\\\nbar");
        } finally {
            if (realReplica != null) {
                realReplica.close();
            }
            if (ours != null) {
                ours.close();
            }
        }
        return t;
    }

    @Test
    void anErrorLoadingTheAofPerMode(@TempDir Path tmp) throws Exception {
        // an AOF written by Redis: a list at foo, then (appended) an INCR of foo and SET x 1
        Path made;
        try (RealRedis writer = RealRedis.start("--appendonly", "yes")) {
            try (RespClient c = writer.client()) {
                c.call("LPUSH", "foo", "a");
            }
            made = writer.dir().resolve("appendonlydir");
        }
        Path incr;
        try (Stream<Path> files = Files.list(made)) {
            incr = files.filter(p -> p.toString().endsWith(".incr.aof")).findFirst().orElseThrow();
        }
        Files.writeString(incr, "*2\r\n$4\r\nincr\r\n$3\r\nfoo\r\n*3\r\n$3\r\nset\r\n$1\r\nx\r\n$1\r\n1\r\n",
                StandardOpenOption.APPEND);
        for (String mode : List.of("ignore", "panic-on-replicas", "panic")) {
            List<List<String>> both = new ArrayList<>();
            for (boolean real : new boolean[] {true, false}) {
                Path dir = tmp.resolve(mode + real);
                Files.createDirectories(dir);
                copy(made, dir.resolve("appendonlydir"));
                both.add(aofScenario(dir, mode, real));
            }
            assertThat(both.get(1)).as(mode).isEqualTo(both.get(0));
            assertThat(both.get(0)).contains("alive: " + !mode.equals("panic"));
        }
    }

    private static List<String> aofScenario(Path dir, String mode, boolean real) throws IOException {
        List<String> t = new ArrayList<>();
        Path log = dir.resolve("server.log");
        RealRedis redis = null;
        CinnabarServer ours = null;
        int port = 0;
        try {
            if (real) {
                try {
                    redis = RealRedis.start("--appendonly", "yes", "--dir", dir.toString(), "--logfile",
                            log.toString(), "--propagation-error-behavior", mode);
                    port = redis.port();
                } catch (IllegalStateException e) {
                    // died at start-up: the panic
                }
            } else {
                try {
                    ours = CinnabarServer.builder().setting("appendonly", "yes").setting("dir", dir.toString())
                            .setting("logfile", log.toString()).setting("propagation-error-behavior", mode).start();
                    port = ours.port();
                } catch (RuntimeException e) {
                    // stopped at start-up: the panic
                }
            }
            boolean alive = port != 0 && alive(port);
            t.add("alive: " + alive);
            if (alive) {
                try (RespClient c = new RespClient(port)) {
                    t.add("x: " + c.call("GET", "x"));
                    String stats = c.call("INFO", "stats").asText();
                    t.add(stats.substring(stats.indexOf("unexpected_error_replies:")).split("\r\n")[0]);
                }
            }
            t.addAll(logLines(Files.readString(log)));
        } finally {
            if (redis != null) {
                redis.close();
            }
            if (ours != null) {
                ours.close();
            }
        }
        return t;
    }

    /** The CRITICAL and panic lines, without pid, role and time (Redis's "#file:line" cut). */
    private static List<String> logLines(String text) {
        List<String> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            int c = line.indexOf(CRITICAL);
            int g = line.indexOf("Guru Meditation: ");
            if (c >= 0) {
                out.add(line.substring(c));
            } else if (g >= 0) {
                out.add(line.substring(g).replaceAll(" #[a-z]+\\.c:\\d+$", ""));
            }
        }
        return out;
    }

    private static boolean alive(int port) {
        try (RespClient c = new RespClient("127.0.0.1", port, 2_000)) {
            return c.call("PING").asText().equals("PONG");
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static boolean applied(int port) {
        try (RespClient c = new RespClient("127.0.0.1", port, 2_000)) {
            return "1".equals(c.call("GET", "after").asText());
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.sorted(Comparator.naturalOrder()).toList()) {
                Files.copy(p, to.resolve(from.relativize(p).toString()));
            }
        }
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long end = System.currentTimeMillis() + 30_000;
        while (!condition.getAsBoolean()) {
            assertThat(System.currentTimeMillis()).as("condition within 30 s").isLessThan(end);
            Thread.sleep(20);
        }
    }
}
