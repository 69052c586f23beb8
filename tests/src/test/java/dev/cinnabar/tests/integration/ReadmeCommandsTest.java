package dev.cinnabar.tests.integration;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.testkit.Ports;
import dev.cinnabar.testkit.RespClient;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The README's two set-up commands work as written: the start command launches a server that
 * answers (started here on a free port with {@code --port N}, then stopped with SIGTERM), and the
 * test command is exactly what CI (.ci/run) runs.
 */
class ReadmeCommandsTest {
    static Path root() {
        Path p = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        while (p != null && !(Files.isRegularFile(p.resolve("README.md")) && Files.isDirectory(p.resolve("bin")))) {
            p = p.getParent();
        }
        assertThat(p).as("repository root above " + System.getProperty("user.dir")).isNotNull();
        return p;
    }

    /** The indented command lines of the README's Set-up section. */
    static List<String> setupCommands() throws IOException {
        List<String> out = new ArrayList<>();
        boolean inSetup = false;
        for (String line : Files.readAllLines(root().resolve("README.md"), StandardCharsets.UTF_8)) {
            if (line.startsWith("## ")) {
                inSetup = line.trim().equals("## Set-up");
            } else if (inSetup && line.startsWith("    ") && !line.isBlank()) {
                out.add(line.trim());
            }
        }
        return out;
    }

    @Test
    void readmeHasExactlyTwoSetupCommands() throws IOException {
        assertThat(setupCommands()).containsExactly("bin/cinnabar-server", "mvn -B verify");
    }

    @Test
    void ciRunsTheReadmeTestCommand() throws IOException {
        String test = setupCommands().get(1);
        List<String> ciLines = Files.readAllLines(root().resolve(".ci/run"), StandardCharsets.UTF_8).stream()
                .map(String::trim).filter(l -> l.startsWith("mvn ")).toList();
        assertThat(ciLines).as(".ci/run runs the README's test command").containsExactly(test);
        assertThat(root().resolve(".ci/run").toFile().canExecute()).isTrue();
        assertThat(Files.readString(root().resolve(".ci/run"))).contains("export CI=true");
    }

    @Test
    void startCommandServesOnTheGivenPort() throws Exception {
        String start = setupCommands().get(0);
        int port = Ports.free();
        Path log = Files.createTempFile("cinnabar-server", ".log");
        // with the default save points, SIGTERM saves dir/dump.rdb, dir being the checkout here
        Path dump = root().resolve("dump.rdb");
        boolean dumpBefore = Files.exists(dump);
        List<String> cmd = new ArrayList<>(Arrays.asList(start.split(" ")));
        cmd.addAll(List.of("--port", Integer.toString(port)));
        Process p = new ProcessBuilder(cmd).directory(root().toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        try {
            String pong = null;
            long deadline = System.currentTimeMillis() + 180_000; // may build the server first
            while (pong == null && System.currentTimeMillis() < deadline) {
                assertThat(p.isAlive()).as("server exited early:\n%s", read(log)).isTrue();
                try (RespClient c = new RespClient("127.0.0.1", port, 2000)) {
                    pong = c.call("PING").asText();
                    if (pong.startsWith("-LOADING")) {
                        pong = null; // a dump.rdb in the directory: clients get LOADING until it is in
                        Thread.sleep(100);
                    }
                } catch (RuntimeException e) {
                    Thread.sleep(100);
                }
            }
            assertThat(pong).as("PING on port %d; log:\n%s", port, read(log)).isEqualTo("PONG");
            p.destroy(); // SIGTERM, as an operator would stop it
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("stopped on SIGTERM").isTrue();
        } finally {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
            Files.deleteIfExists(log);
            if (!dumpBefore) {
                Files.deleteIfExists(dump);
            }
        }
    }

    private static String read(Path log) throws IOException {
        return Files.readString(log, StandardCharsets.UTF_8);
    }
}
