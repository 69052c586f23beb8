package dev.cinnabar.tests.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.testkit.Ports;
import dev.cinnabar.testkit.RespClient;
import dev.cinnabar.testkit.Tools;
import dev.cinnabar.testkit.stress.ServerProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * daemonize yes through the launcher: it returns only once the daemon's pid file holds the
 * daemon's pid (a Type=forking unit or an init script reading it never races the JVM's start-up),
 * and exits 1 when the daemon dies first.
 */
class DaemonizeTest {
    private static Tools.Run launch(Path dir, int port) {
        String launcher = ServerProcess.repositoryRoot().resolve("bin/cinnabar-server").toString();
        return Tools.run(List.of(launcher, "--port", Integer.toString(port), "--bind", "127.0.0.1", "--daemonize", "yes",
                "--pidfile", dir.resolve("s.pid").toString(), "--logfile", dir.resolve("s.log").toString(), "--dir",
                dir.toString(), "--save", ""), null, 180, Map.of());
    }

    @Test
    void thePidFileIsThereWhenTheLauncherReturns(@TempDir Path dir) throws Exception {
        int port = Ports.free();
        Tools.Run r = launch(dir, port);
        // read at once, before anything else could give the daemon more time
        String pid = Files.exists(dir.resolve("s.pid")) ? Files.readString(dir.resolve("s.pid")).strip() : "";
        try {
            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(pid).as("pid file written before the launcher returned").isNotEmpty();
            assertThat(ProcessHandle.of(Long.parseLong(pid)).map(ProcessHandle::isAlive)).contains(true);
            try (RespClient c = new RespClient(port)) {
                assertThat(c.call("PING").asText()).isEqualTo("PONG");
            }
        } finally {
            try (RespClient c = new RespClient(port)) {
                c.send("SHUTDOWN", "NOSAVE");
            } catch (RuntimeException e) {
                // not running
            }
        }
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (Files.exists(dir.resolve("s.pid")) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(dir.resolve("s.pid")).as("removed at shutdown").doesNotExist();
    }

    @Test
    void aDaemonThatCannotStartMakesTheLauncherFail(@TempDir Path dir) throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            Tools.Run r = launch(dir, taken.getLocalPort());
            assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
            assertThat(Files.readString(dir.resolve("s.log"))).contains("Could not create server TCP listening socket");
        }
    }
}
