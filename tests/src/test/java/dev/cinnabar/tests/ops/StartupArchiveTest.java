package dev.cinnabar.tests.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.testkit.Ports;
import dev.cinnabar.testkit.RespClient;
import dev.cinnabar.testkit.stress.ServerProcess;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * bin/cinnabar-server's class-data sharing archive (docs/operations.md, "Start-up time"): the first
 * start writes it as it exits, under a name ending in its own pid (the launcher execs the JVM, so
 * the pid is the process the test started); the next start renames it into place and maps it
 * (checked with -Xshare:on, under which the JVM refuses to start when the archive does not map);
 * a damaged archive is ignored without a word in the server's output.
 */
class StartupArchiveTest {

    private static Process start(Path cds, Path dir, int port, String javaOpts) throws Exception {
        Path root = ServerProcess.repositoryRoot();
        ProcessBuilder pb = new ProcessBuilder(root.resolve("bin/cinnabar-server").toString(), "--port",
                Integer.toString(port), "--bind", "127.0.0.1", "--save", "", "--dir", dir.toString())
                .directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("out-" + port + ".log").toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().put("CINNABAR_CDS_DIR", cds.toString());
        pb.environment().remove("CINNABAR_CDS");
        pb.environment().put("CINNABAR_JAVA_OPTS", javaOpts);
        Process p = pb.start();
        long deadline = System.currentTimeMillis() + 240_000;
        while (true) {
            assertThat(p.isAlive()).as(() -> "the server exited at start-up: " + output(dir, port)).isTrue();
            assertThat(System.currentTimeMillis()).as("answers PING").isLessThan(deadline);
            try (RespClient c = new RespClient("127.0.0.1", port, 2000)) {
                if (c.call("PING").asText().equals("PONG")) {
                    return p;
                }
            } catch (RuntimeException e) {
                Thread.sleep(50);
            }
        }
    }

    private static String output(Path dir, int port) {
        try {
            return Files.readString(dir.resolve("out-" + port + ".log"), StandardCharsets.UTF_8);
        } catch (Exception e) {
            return "";
        }
    }

    private static void shutdown(Process p, int port) throws Exception {
        try (RespClient c = new RespClient("127.0.0.1", port, 2000)) {
            c.send("SHUTDOWN", "NOSAVE");
        } catch (RuntimeException e) {
            // the connection closes as the server exits
        }
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("exited").isTrue();
    }

    private static List<String> files(Path cds) throws Exception {
        try (Stream<Path> s = Files.list(cds)) {
            return s.map(f -> f.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void theFirstStartWritesTheArchiveAsItExitsAndTheNextStartMapsIt() throws Exception {
        Path dir = Files.createTempDirectory("cds-test");
        Path cds = dir.resolve("cache");
        int port = Ports.free();
        Process first = start(cds, dir, port, "");
        shutdown(first, port);
        assertThat(files(cds)).singleElement().asString().matches("server-\\d+-\\d+\\.jsa\\." + first.pid());

        int port2 = Ports.free();
        Process second = start(cds, dir, port2, "-Xshare:on"); // fails to start unless the archive maps
        assertThat(files(cds)).singleElement().asString().matches("server-\\d+-\\d+\\.jsa");
        shutdown(second, port2);
        assertThat(files(cds)).as("a start that found an archive makes none").hasSize(1);

        // a damaged archive: the JVM refuses it and the server starts without it, silently
        Path archive = cds.resolve(files(cds).get(0));
        archive.toFile().setWritable(true);
        Files.write(archive, new byte[4096]);
        int port3 = Ports.free();
        Process third = start(cds, dir, port3, "");
        shutdown(third, port3);
        assertThat(output(dir, port3)).doesNotContainIgnoringCase("shared archive").doesNotContain("[cds");
    }
}
