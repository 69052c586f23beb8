package dev.cinnabar.tests.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.testkit.Ports;
import dev.cinnabar.testkit.RealRedis;
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
 * The launcher's process title: ps shows {@code cinnabar-server <bind>:<port>} as it shows
 * {@code redis-server <bind>:<port>} (the notes' status script greps the port there), not
 * {@code java ... Main}; started in the foreground, from a configuration file, and daemonized. The
 * launcher shows it from the start (exec -a), the server sets it exactly once it listens.
 */
class ProcessTitleTest {
    private static String title(long pid) {
        Tools.Run ps = Tools.run(List.of("ps", "-o", "args=", "-p", Long.toString(pid)), null, 30, Map.of());
        assertThat(ps.exitCode()).as(ps.toString()).isZero();
        return ps.stdout().strip();
    }

    /**
     * The title once the server has set it: the launcher shows "NAME ADDR:PORT" first (exec -a)
     * with the JVM's options after it, the server leaves the title alone once it listens.
     */
    private static String awaitTitle(long pid) {
        long deadline = System.currentTimeMillis() + 20_000;
        String t = title(pid);
        while (t.contains("dev.cinnabar") && System.currentTimeMillis() < deadline) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            t = title(pid);
        }
        return t;
    }

    @Test
    void foregroundLikeRedis() {
        try (ServerProcess ours = ServerProcess.cinnabar(); ServerProcess redis = ServerProcess.redis()) {
            String t = awaitTitle(ours.pid());
            assertThat(t).endsWith("cinnabar-server 127.0.0.1:" + ours.port()).doesNotContain("java", "dev.cinnabar");
            assertThat(title(redis.pid())).endsWith("redis-server 127.0.0.1:" + redis.port());
            // the notes' status check, with our name
            Tools.Run grep = Tools.run(List.of("bash", "-c", "ps aux | grep 'cinnabar-server.*:" + ours.port()
                    + "' | grep -v grep"), null, 30, Map.of());
            assertThat(grep.exitCode()).as(grep.toString()).isZero();
        }
    }

    @Test
    void fromAConfigurationFileAndDaemonized(@TempDir Path dir) throws Exception {
        RealRedis.assumeAvailable();
        int port = Ports.free();
        Path conf = dir.resolve("c.conf");
        Files.writeString(conf, "port " + port + "\nbind 127.0.0.1 -::1\ndaemonize yes\npidfile " + dir.resolve("c.pid")
                + "\nlogfile " + dir.resolve("c.log") + "\ndir " + dir + "\nsave \"\"\n");
        Path redisConf = dir.resolve("r.conf");
        int redisPort = Ports.free();
        Files.writeString(redisConf, Files.readString(conf).replace("port " + port, "port " + redisPort)
                .replace("c.pid", "r.pid").replace("c.log", "r.log"));
        String launcher = ServerProcess.repositoryRoot().resolve("bin/cinnabar-server").toString();
        Tools.Run ours = Tools.run(List.of(launcher, conf.toString()), null, 180, Map.of());
        Tools.Run redis = Tools.run(List.of(RealRedis.binary(), redisConf.toString()), null, 60, Map.of());
        try {
            assertThat(ours.exitCode()).as(ours.toString()).isZero();
            assertThat(redis.exitCode()).as(redis.toString()).isZero();
            long pid = Long.parseLong(Files.readString(dir.resolve("c.pid")).strip());
            assertThat(awaitTitle(pid)).endsWith("cinnabar-server 127.0.0.1:" + port);
            long redisPid = awaitPid(dir.resolve("r.pid"));
            assertThat(title(redisPid)).endsWith("redis-server 127.0.0.1:" + redisPort);
        } finally {
            for (int p : new int[] {port, redisPort}) {
                try (RespClient c = new RespClient(p)) {
                    c.send("SHUTDOWN", "NOSAVE");
                    c.read();
                } catch (RuntimeException e) {
                    // closed by the shutdown, or never started
                }
            }
        }
    }

    private static long awaitPid(Path pidfile) throws Exception {
        for (int i = 0; i < 200 && !Files.exists(pidfile); i++) {
            Thread.sleep(50);
        }
        return Long.parseLong(Files.readString(pidfile).strip());
    }
}
