package dev.cinnabar.tests.replication;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.server.CinnabarServer;
import dev.cinnabar.testkit.RealRedis;
import dev.cinnabar.testkit.RespClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A Cinnabar replica of a real Redis 7.0 master: full sync (diskless EOF-marked and disk-based),
 * the stream under a write load, read-only refusals, partial resynchronisation after the link
 * drops on either side, a real Redis replica chained behind ours, and the promotion of ours with
 * REPLICAOF NO ONE, which its own replica follows partially (replid2). DEBUG DIGEST equal
 * everywhere.
 */
class CinnabarReplicaOfRedisTest {

    @ParameterizedTest(name = "master repl-diskless-sync {0}")
    @ValueSource(strings = {"yes", "no"})
    void followsARedisMaster(String diskless) throws Exception {
        RealRedis.assumeAvailable();
        Path dir = Files.createTempDirectory("repl-replica");
        Random rnd = new Random(7);
        try (RealRedis redis = RealRedis.start("--enable-debug-command", "yes", "--repl-diskless-sync", diskless,
                "--repl-diskless-sync-delay", "0");
             RespClient m = redis.client()) {
            Replicas.randomWrites(m, rnd, 300);
            try (CinnabarServer ours = CinnabarServer.builder().setting("dir", dir.toString())
                    .setting("enable-debug-command", "yes").setting("save", "")
                    .setting("replicaof", "127.0.0.1", Integer.toString(redis.port())).start();
                 RespClient r = new RespClient(ours.port())) {
                Replicas.awaitInSync(m, r);
                Replicas.randomWrites(m, rnd, 500);
                Replicas.settle(m, r);
                assertThat(r.call("DEBUG", "DIGEST").asText()).isEqualTo(m.call("DEBUG", "DIGEST").asText());
                assertThat(r.call("SET", "x", "1").toString()).contains("READONLY You can't write against a read only replica.");
                assertThat(r.call("ROLE").toString()).contains("slave").contains("connected");
                assertThat(Replicas.info(r, "replication", "role")).isEqualTo("slave");
                assertThat(r.call("CLIENT", "LIST", "TYPE", "master").asText()).contains("flags=M ");

                // our side drops the link, then the master's side: both times a partial resync
                r.call("CLIENT", "KILL", "TYPE", "master");
                Replicas.randomWrites(m, rnd, 100);
                Replicas.settle(m, r);
                m.call("CLIENT", "KILL", "TYPE", "replica");
                Replicas.randomWrites(m, rnd, 100);
                Replicas.settle(m, r);
                assertThat(Replicas.info(m, "stats", "sync_full")).isEqualTo("1");
                assertThat(Replicas.info(m, "stats", "sync_partial_ok")).isEqualTo("2");
                assertThat(r.call("DEBUG", "DIGEST").asText()).isEqualTo(m.call("DEBUG", "DIGEST").asText());

                // a real Redis replica of ours gets the master's stream through us
                try (RealRedis chained = RealRedis.start("--enable-debug-command", "yes", "--replicaof", "127.0.0.1",
                        Integer.toString(ours.port()));
                     RespClient c = chained.client()) {
                    Replicas.awaitInSync(r, c);
                    Replicas.randomWrites(m, rnd, 200);
                    Replicas.settle(m, r);
                    Replicas.awaitInSync(r, c);
                    assertThat(c.call("DEBUG", "DIGEST").asText()).isEqualTo(m.call("DEBUG", "DIGEST").asText());

                    // promotion: ours becomes a master, its replica continues with the old history's ID
                    assertThat(r.call("REPLICAOF", "NO", "ONE").asText()).isEqualTo("OK");
                    assertThat(Replicas.info(r, "replication", "role")).isEqualTo("master");
                    assertThat(r.call("SET", "after-promotion", "1").asText()).isEqualTo("OK");
                    Replicas.awaitInSync(r, c);
                    assertThat(c.call("GET", "after-promotion").asText()).isEqualTo("1");
                    assertThat(Replicas.info(r, "stats", "sync_partial_ok")).isEqualTo("1");
                    assertThat(c.call("DEBUG", "DIGEST").asText()).isEqualTo(r.call("DEBUG", "DIGEST").asText());
                }
            }
        }
    }
}
