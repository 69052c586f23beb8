package dev.cinnabar.tests.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.server.CinnabarServer;
import dev.cinnabar.testkit.Ports;
import dev.cinnabar.testkit.RespClient;
import dev.cinnabar.testkit.stress.ServerProcess;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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

    private Process startLoading(int port, String keyLoadDelay, String save) throws Exception {
        try (CinnabarServer s = Servers.start(dir); RespClient c = Servers.client(s)) {
            c.call("DEBUG", "POPULATE", "20000");
            c.call("SAVE");
        }
        String launcher = ServerProcess.repositoryRoot().resolve("bin/cinnabar-server").toString();
        return new ProcessBuilder(List.of(launcher, "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--dir", dir.toString(), "--save", save, "--key-load-delay", keyLoadDelay, "--logfile",
                dir.resolve("server.log").toString())).redirectErrorStream(true)
                .redirectOutput(dir.resolve("stdout.log").toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
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
