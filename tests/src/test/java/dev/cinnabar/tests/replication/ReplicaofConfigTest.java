package dev.cinnabar.tests.replication;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.server.CinnabarServer;
import dev.cinnabar.server.Main;
import dev.cinnabar.testkit.Ports;
import java.io.InputStream;
import dev.cinnabar.testkit.RealRedis;
import dev.cinnabar.testkit.RespClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * REPLICAOF changes the replicaof directive as in Redis: CONFIG GET shows the master, CONFIG
 * REWRITE writes it (so the role survives a restart), REPLICAOF NO ONE clears both.
 */
class ReplicaofConfigTest {
    @Test
    void replicaofFollowsTheRole(@TempDir Path dir) throws Exception {
        Path redisConf = dir.resolve("r.conf");
        Path ourConf = dir.resolve("c.conf");
        Files.writeString(redisConf, "save \"\"\n");
        Files.writeString(ourConf, "save \"\"\n");
        RealRedis.assumeAvailable();
        List<String> redis;
        int port = Ports.free();
        Process p = new ProcessBuilder(RealRedis.binary(), redisConf.toString(), "--port", Integer.toString(port),
                "--bind", "127.0.0.1", "--dir", dir.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("redis.out").toFile()).start();
        try {
            redis = run(connect(port), redisConf);
        } finally {
            p.destroy();
            p.waitFor();
        }
        List<String> ours;
        try (CinnabarServer s = Main.launch(new String[] {ourConf.toString(), "--port", Integer.toString(Ports.free()),
                "--bind", "127.0.0.1", "--dir", dir.toString()}, InputStream.nullInputStream(), false).server()) {
            ours = run(new RespClient(s.port()), ourConf);
        }
        assertThat(ours).containsExactlyElementsOf(redis);
        assertThat(redis).contains("file: replicaof 127.0.0.1 1");
    }

    private static RespClient connect(int port) throws InterruptedException {
        for (int i = 0; i < 200; i++) {
            try {
                RespClient c = new RespClient(port);
                c.call("PING");
                return c;
            } catch (RuntimeException e) {
                Thread.sleep(50);
            }
        }
        throw new AssertionError("redis-server did not start on " + port);
    }

    private static List<String> run(RespClient c, Path conf) throws Exception {
        try (c) {
            return steps(c, conf);
        }
    }

    private static List<String> steps(RespClient c, Path conf) throws Exception {
        List<String> out = new ArrayList<>();
        out.add("before: " + c.call("CONFIG", "GET", "replicaof"));
        c.call("REPLICAOF", "127.0.0.1", "1");
        out.add("replica: " + c.call("CONFIG", "GET", "replicaof"));
        out.add("rewrite: " + c.call("CONFIG", "REWRITE"));
        for (String line : Files.readAllLines(conf)) {
            if (line.startsWith("replicaof")) {
                out.add("file: " + line);
            }
        }
        c.call("REPLICAOF", "NO", "ONE");
        out.add("master: " + c.call("CONFIG", "GET", "replicaof"));
        out.add("rewrite: " + c.call("CONFIG", "REWRITE"));
        out.add("lines: " + Files.readAllLines(conf).stream().filter(l -> l.startsWith("replicaof")).count());
        return out;
    }
}
