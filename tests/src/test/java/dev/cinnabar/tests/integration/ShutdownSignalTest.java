package dev.cinnabar.tests.integration;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.testkit.RespClient;
import dev.cinnabar.testkit.stress.ServerProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;

/**
 * SIGTERM and SIGINT with shutdown-on-sigterm / shutdown-on-sigint (Redis's tests/unit/shutdown.tcl),
 * on a real launcher process and a real redis-server 7.0, comparing what each scenario observes:
 * whether the process exited and whether a dump was written.
 */
class ShutdownSignalTest {
    /** Runs the scenario on Cinnabar then on Redis, each in a fresh directory, and returns both transcripts. */
    private static List<List<String>> onBoth(String[] args, BiFunction<ServerProcess, Path, List<String>> scenario) {
        List<List<String>> out = new ArrayList<>();
        for (boolean ours : new boolean[] {true, false}) {
            Path dir = tempDir();
            List<String> all = new ArrayList<>(List.of("--dir", dir.toString()));
            all.addAll(List.of(args));
            String[] a = all.toArray(String[]::new);
            try (ServerProcess s = ours ? ServerProcess.cinnabar(a) : ServerProcess.redis(a)) {
                List<String> t = scenario.apply(s, dir);
                t.add("signal logged: " + s.output().contains(":signal-handler ("));
                out.add(t);
            } finally {
                delete(dir);
            }
        }
        return out;
    }

    private static List<String> writeThenSignal(ServerProcess s, Path dir, String signal, String... config) {
        List<String> t = new ArrayList<>();
        try (RespClient c = s.client()) {
            for (int i = 0; i < config.length; i += 2) {
                t.add(config[i] + ": " + c.call("CONFIG", "SET", config[i], config[i + 1]));
            }
            t.add("SET: " + c.call("SET", "k", "v"));
        }
        signal(s, signal);
        t.add("exited: " + s.awaitExit(60_000));
        t.add("dump written: " + Files.exists(dir.resolve("dump.rdb")));
        return t;
    }

    static void signal(ServerProcess s, String signal) {
        try {
            int rc = new ProcessBuilder("kill", "-" + signal, Long.toString(s.pid())).inheritIO().start().waitFor();
            assertThat(rc).as("kill -%s", signal).isZero();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Test
    void sigtermWithNosaveWritesNoDumpDespiteSavePoints() {
        List<List<String>> both = onBoth(new String[] {"--save", "3600 1"},
                (s, dir) -> writeThenSignal(s, dir, "TERM", "shutdown-on-sigterm", "nosave"));
        assertThat(both.get(0)).isEqualTo(both.get(1)).contains("exited: true", "dump written: false");
    }

    @Test
    void sigintWithSaveWritesADumpWithoutSavePoints() {
        List<List<String>> both = onBoth(new String[] {"--save", ""},
                (s, dir) -> writeThenSignal(s, dir, "INT", "shutdown-on-sigint", "save now"));
        assertThat(both.get(0)).isEqualTo(both.get(1)).contains("exited: true", "dump written: true");
    }

    @Test
    void sigtermDefaultSavesOnlyWithSavePoints() {
        List<List<String>> none = onBoth(new String[] {"--save", ""},
                (s, dir) -> writeThenSignal(s, dir, "TERM"));
        assertThat(none.get(0)).isEqualTo(none.get(1)).contains("exited: true", "dump written: false");
    }

    /** SIGHUP is ignored (Redis sets it to SIG_IGN): the server serves on, saves nothing, logs nothing. */
    @Test
    void sighupIsIgnored() {
        List<List<String>> both = onBoth(new String[] {"--save", "3600 1"}, (s, dir) -> {
            List<String> t = new ArrayList<>();
            try (RespClient c = s.client()) {
                t.add("SET: " + c.call("SET", "k", "v"));
                signal(s, "HUP");
                t.add("exited: " + s.awaitExit(2_000));
                t.add("GET: " + c.call("GET", "k"));
                t.add("dump written: " + Files.exists(dir.resolve("dump.rdb")));
                t.add("logged: " + s.output().contains("SIGHUP"));
                t.add("shutdown-on-sigterm: " + c.call("CONFIG", "SET", "shutdown-on-sigterm", "nosave"));
            }
            signal(s, "TERM");
            t.add("exited after SIGTERM: " + s.awaitExit(60_000));
            return t;
        });
        assertThat(both.get(0)).isEqualTo(both.get(1)).contains("exited: false", "dump written: false",
                "exited after SIGTERM: true");
    }

    /**
     * The signal only schedules the shutdown; the cron performs it (Redis's shutdown_asap): with
     * the cron held by DEBUG PAUSE-CRON, SHUTDOWN ABORT cancels the SIGTERM and the server runs on
     * once the cron resumes.
     */
    @Test
    void shutdownAbortCancelsASignalTheCronHasNotActedOn() {
        List<List<String>> both = onBoth(new String[] {"--save", "", "--enable-debug-command", "yes"}, (s, dir) -> {
            List<String> t = new ArrayList<>();
            try (RespClient c = s.client()) {
                t.add("pause-cron: " + c.call("DEBUG", "PAUSE-CRON", "1"));
                signal(s, "TERM");
                long deadline = System.currentTimeMillis() + 10_000;
                while (!s.output().contains("Received SIGTERM scheduling shutdown")
                        && System.currentTimeMillis() < deadline) {
                    Thread.onSpinWait();
                }
                t.add("abort: " + c.call("SHUTDOWN", "ABORT"));
                t.add("logged: " + s.output().contains("Shutdown manually aborted."));
                t.add("abort again: " + c.call("SHUTDOWN", "ABORT"));
                t.add("resume: " + c.call("DEBUG", "PAUSE-CRON", "0"));
                t.add("exited: " + s.awaitExit(1_500));
                t.add("PING: " + c.call("PING"));
            }
            return t;
        });
        assertThat(both.get(0)).isEqualTo(both.get(1)).contains("logged: true", "exited: false");
    }

    /**
     * The final save fails (the dump's name is taken by a directory): without force the server
     * stays up and serves; with force in shutdown-on-sigterm the next SIGTERM stops it anyway.
     */
    @Test
    void aFailedFinalSaveKeepsTheServerRunningUnlessForced() {
        List<List<String>> both = onBoth(new String[] {"--save", "3600 1"}, (s, dir) -> {
            List<String> t = new ArrayList<>();
            try {
                Files.createDirectories(dir.resolve("dump.rdb"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            try (RespClient c = s.client()) {
                t.add("SET: " + c.call("SET", "k", "v"));
                signal(s, "TERM");
                t.add("exited: " + s.awaitExit(3_000));
                t.add("still serving: " + c.call("GET", "k"));
                t.add("force: " + c.call("CONFIG", "SET", "shutdown-on-sigterm", "force"));
            }
            signal(s, "TERM");
            t.add("exited when forced: " + s.awaitExit(60_000));
            return t;
        });
        assertThat(both.get(0)).isEqualTo(both.get(1))
                .contains("exited: false", "still serving: \"v\"", "exited when forced: true");
    }

    /**
     * shutdown-timeout: a replica that never acknowledges (here a connection that sent PSYNC and
     * reads nothing) holds a SIGTERM shutdown for that many seconds; "now" among the flags, or a
     * timeout of 0, does not wait.
     */
    @Test
    void aShutdownWaitsForLaggingReplicasUpToShutdownTimeout() {
        List<List<String>> both = onBoth(new String[] {"--save", ""}, (s, dir) -> {
            List<String> t = new ArrayList<>();
            try (RespClient c = s.client(); RespClient replica = s.client()) {
                t.add("timeout: " + c.call("CONFIG", "SET", "shutdown-timeout", "2"));
                replica.send("PSYNC", "?", "-1");
                long deadline = System.currentTimeMillis() + 10_000;
                while (!c.call("INFO", "replication").asText().contains("connected_slaves:1")
                        && System.currentTimeMillis() < deadline) {
                    Thread.onSpinWait();
                }
                t.add("SET: " + c.call("SET", "k", "v")); // a write the replica never acknowledges
                long start = System.nanoTime();
                signal(s, "TERM");
                t.add("exited: " + s.awaitExit(30_000));
                long ms = (System.nanoTime() - start) / 1_000_000;
                t.add("waited about 2 s: " + (ms >= 1_800));
            }
            t.add("waiting logged: " + s.output().contains("Waiting for replicas before shutting down."));
            return t;
        });
        assertThat(both.get(0)).isEqualTo(both.get(1)).contains("exited: true", "waited about 2 s: true",
                "waiting logged: true");
    }

    private static Path tempDir() {
        try {
            return Files.createTempDirectory("cinnabar-signal");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void delete(Path dir) {
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // best effort
        }
    }
}
