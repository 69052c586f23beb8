package dev.cinnabar.tests.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.server.CinnabarServer;
import dev.cinnabar.testkit.Ports;
import dev.cinnabar.testkit.RealRedis;
import dev.cinnabar.testkit.RespClient;
import dev.cinnabar.testkit.stress.ServerProcess;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Restarts of a real server process: SIGTERM saves when save points exist, and a server loading a
 * large file answers LOADING (with INFO's loading_* progress) until the dataset is in.
 */
class RestartTest {
    private final Path dir = Servers.tempDir();

    @AfterEach
    void clean() {
        Servers.delete(dir);
    }

    @Test
    void sigtermSavesWhenSavePointsExist() throws Exception {
        try (ServerProcess s = ServerProcess.cinnabar("--dir", dir.toString(), "--save", "3600 1");
             RespClient c = s.client()) {
            c.call("SET", "kept", "across a SIGTERM");
            s.terminate();
            assertThat(s.awaitExit(60_000)).isTrue();
            assertThat(s.output()).contains("Saving the final RDB snapshot before exiting.").contains("DB saved on disk");
        }
        try (CinnabarServer s = Servers.start(dir); RespClient c = Servers.client(s)) {
            assertThat(c.call("GET", "kept").asText()).isEqualTo("across a SIGTERM");
        }
    }

    private Process startLoading(int port, String keyLoadDelay, String save, String... more) throws Exception {
        try (CinnabarServer s = Servers.start(dir); RespClient c = Servers.client(s)) {
            c.call("DEBUG", "POPULATE", "20000");
            c.call("SAVE");
        }
        String launcher = ServerProcess.repositoryRoot().resolve("bin/cinnabar-server").toString();
        List<String> cmd = new ArrayList<>(List.of(launcher, "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--dir", dir.toString(), "--save", save, "--key-load-delay", keyLoadDelay, "--logfile",
                dir.resolve("server.log").toString()));
        cmd.addAll(List.of(more));
        return new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dir.resolve("stdout.log").toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
    }

    /**
     * CONFIG SET while the dataset loads, as Redis: most directives change (loglevel), a few are
     * refused with LOADING (dir, appendonly, repl-diskless-load), also among others in one call.
     */
    @Test
    void configSetWhileLoadingAsRedis() throws Exception {
        RealRedis.assumeAvailable();
        Path theirDir = Files.createDirectories(dir.resolve("theirs"));
        int ourPort = Ports.free();
        // events are served every 1 KB of the file (Redis's default, 2 MB, is more than the file)
        Process ours = startLoading(ourPort, "1000", "", "--enable-protected-configs", "yes",
                "--loading-process-events-interval-bytes", "1024");
        Files.copy(dir.resolve("dump.rdb"), theirDir.resolve("dump.rdb"));
        int theirPort = Ports.free();
        Process theirs = new ProcessBuilder(RealRedis.binary(), "--port", Integer.toString(theirPort), "--bind",
                "127.0.0.1", "--dir", theirDir.toString(), "--save", "", "--key-load-delay", "1000",
                "--enable-protected-configs", "yes", "--loading-process-events-interval-bytes", "1024", "--logfile", theirDir.resolve("server.log").toString())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectErrorStream(true).start();
        List<List<String>> calls = List.of(List.of("CONFIG", "SET", "loglevel", "debug"),
                List.of("CONFIG", "GET", "loglevel"), List.of("CONFIG", "SET", "dir", "asdf"),
                List.of("CONFIG", "SET", "appendonly", "yes"), List.of("CONFIG", "SET", "repl-diskless-load", "swapdb"),
                List.of("CONFIG", "SET", "maxmemory", "10mb", "dir", "/tmp"), List.of("CONFIG", "GET", "maxmemory"),
                List.of("CONFIG", "SET", "dir", "asdf", "nosuchdirective", "1"),
                List.of("CONFIG", "SET", "nosuchdirective", "1", "dir", "asdf"),
                List.of("CONFIG", "SET", "dir", "asdf", "daemonize", "yes"), List.of("CONFIG", "SET", "dir", "a", "dir", "b"),
                List.of("CONFIG", "SET", "daemonize", "yes", "dir", "asdf"), List.of("CONFIG", "GET", "dir"),
                List.of("INFO", "persistence"));
        try (RespClient o = awaitLoading(ourPort); RespClient t = awaitLoading(theirPort)) {
            for (List<String> call : calls) {
                String mine = o.call(call).toString();
                String real = t.call(call).toString();
                if (call.get(0).equals("INFO")) {
                    assertThat(mine).contains("loading:1");
                    assertThat(real).contains("loading:1");
                } else if (!call.equals(List.of("CONFIG", "GET", "dir"))) {
                    assertThat(mine).as(String.join(" ", call)).isEqualTo(real);
                } else {
                    assertThat(mine).contains(dir.toString()).doesNotContain("asdf");
                }
            }
        } finally {
            for (Process p : List.of(ours, theirs)) {
                p.destroyForcibly();
                p.waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    private static RespClient awaitLoading(int port) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 120_000;
        while (true) {
            assertThat(System.currentTimeMillis()).isLessThan(deadline);
            try {
                RespClient c = new RespClient("127.0.0.1", port, 5000);
                if (c.call("GET", "key:1").toString().startsWith("-LOADING")) {
                    return c;
                }
                c.close();
            } catch (RuntimeException notListeningYet) {
                Thread.sleep(50);
            }
        }
    }

    @Test
    void shutdownWhileLoadingDoesNotSaveOverTheFile() throws Exception {
        int port = Ports.free();
        Process p = startLoading(port, "1000", "3600 1");
        try {
            byte[] before = Files.readAllBytes(dir.resolve("dump.rdb"));
            long deadline = System.currentTimeMillis() + 240_000;
            while (true) {
                assertThat(System.currentTimeMillis()).isLessThan(deadline);
                try (RespClient c = new RespClient("127.0.0.1", port, 5000)) {
                    if (c.call("GET", "key:1").toString().startsWith("-LOADING")) {
                        c.send("SHUTDOWN");
                        break;
                    }
                } catch (RuntimeException notListeningYet) {
                    Thread.sleep(50);
                }
            }
            assertThat(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            assertThat(Files.readAllBytes(dir.resolve("dump.rdb"))).isEqualTo(before);
            assertThat(Files.readString(dir.resolve("server.log"))).doesNotContain("DB saved on disk");
        } finally {
            p.destroyForcibly();
            p.waitFor();
        }
    }

    @Test
    void clientsGetLoadingErrorsAndProgressWhileTheDatasetLoads() throws Exception {
        int port = Ports.free();
        Process p = startLoading(port, "300", "");
        try {
            boolean sawLoading = false;
            boolean sawProgress = false;
            long deadline = System.currentTimeMillis() + 240_000;
            while (System.currentTimeMillis() < deadline) {
                assertThat(p.isAlive()).as("server alive").isTrue();
                String reply;
                String info;
                try (RespClient c = new RespClient("127.0.0.1", port, 5000)) {
                    reply = c.call("GET", "key:1").toString();
                    info = c.call("INFO", "persistence").asText();
                } catch (RuntimeException notListeningYet) {
                    Thread.sleep(50);
                    continue;
                }
                if (reply.equals("-LOADING Redis is loading the dataset in memory")) {
                    sawLoading = true;
                    if (info.contains("loading:1")) { // loading may have ended between the two calls
                        assertThat(info).contains("loading_total_bytes:").contains("loading_eta_seconds:");
                    }
                    sawProgress |= info.matches("(?s).*loading_loaded_perc:(?!0\\.00)\\d+\\.\\d\\d.*");
                    Thread.sleep(100);
                    continue;
                }
                assertThat(reply).isEqualTo("\"value:1\"");
                assertThat(info).contains("loading:0").contains("rdb_last_load_keys_loaded:20000");
                break;
            }
            assertThat(sawLoading).as("LOADING seen while loading").isTrue();
            assertThat(sawProgress).as("loading_loaded_perc moved").isTrue();
            assertThat(Files.readString(dir.resolve("server.log")))
                    .contains("Loading RDB produced by version 7.0.15")
                    .contains("Done loading RDB, keys loaded: 20000, keys expired: 0.")
                    .containsPattern("DB loaded from disk: \\d+\\.\\d{3} seconds");
        } finally {
            p.destroyForcibly();
            p.waitFor();
        }
    }
}
