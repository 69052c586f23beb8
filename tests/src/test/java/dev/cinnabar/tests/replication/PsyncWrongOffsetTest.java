package dev.cinnabar.tests.replication;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.server.CinnabarServer;
import dev.cinnabar.testkit.RealRedis;
import dev.cinnabar.testkit.RespClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** PSYNC with an offset that is no integer: Redis's error reply and its log line, then the server goes on. */
class PsyncWrongOffsetTest {
    private static final String LINE = "Replica 127.0.0.1:<unknown-replica-port> asks for synchronization but with a wrong offset";

    @Test
    void aWrongOffsetIsRefusedAndLogged() throws Exception {
        List<String> redis;
        try (RealRedis m = RealRedis.start(); RespClient c = m.client()) {
            redis = run(c, m.dir().resolve("redis.log"));
        }
        List<String> ours;
        Path log = Files.createTempFile("psync-offset", ".log");
        try (CinnabarServer m = CinnabarServer.builder().setting("logfile", log.toString()).start();
             RespClient c = new RespClient(m.port())) {
            ours = run(c, log);
        } finally {
            Files.deleteIfExists(log);
        }
        assertThat(ours).containsExactlyElementsOf(redis);
    }

    private static List<String> run(RespClient c, Path log) throws Exception {
        String reply = c.call("PSYNC", "replicationid", "offset_str").toString();
        String ping = c.call("PING").toString();
        Thread.sleep(100);
        return List.of(reply, ping, "logged: " + Files.readString(log).contains(LINE));
    }
}
