package dev.cinnabar.tests.replication;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.server.CinnabarServer;
import dev.cinnabar.testkit.RealRedis;
import dev.cinnabar.testkit.RespClient;
import dev.cinnabar.testkit.diff.Differ;
import dev.cinnabar.testkit.diff.Sequence;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * FAILOVER in a mixed pair: a Cinnabar master hands over to its real Redis 7.0 replica (PSYNC ...
 * FAILOVER, no acknowledged write lost), then the Redis master hands back to Cinnabar; both
 * switches continue partially and end with the same DEBUG DIGEST. Argument errors as Redis's.
 */
class FailoverTest {

    @Test
    void argumentErrorsAsRedis() {
        try (Differ d = Differ.start()) {
            d.assertSame(Sequence.of(
                    "FAILOVER",
                    "FAILOVER ABORT",
                    "FAILOVER TIMEOUT 0",
                    "FAILOVER TIMEOUT x",
                    "FAILOVER BOGUS",
                    "FAILOVER TO localhost x",
                    "FAILOVER TO localhost 1 TO localhost 2",
                    "FAILOVER FORCE",
                    "FAILOVER TIMEOUT 10 TIMEOUT 20"));
        }
    }

    @Test
    void switchesRolesBothWaysWithARedisReplica() throws Exception {
        RealRedis.assumeAvailable();
        Path dir = Files.createTempDirectory("repl-failover");
        Random rnd = new Random(5);
        try (CinnabarServer ours = CinnabarServer.builder().setting("dir", dir.toString())
                .setting("enable-debug-command", "yes").setting("save", "").setting("repl-diskless-sync-delay", "0")
                .start();
             RespClient o = new RespClient(ours.port())) {
            Replicas.randomWrites(o, rnd, 200);
            try (RealRedis redis = RealRedis.start("--enable-debug-command", "yes", "--repl-diskless-sync-delay", "0",
                    "--replicaof", "127.0.0.1", Integer.toString(ours.port()));
                 RespClient r = redis.client()) {
                Replicas.awaitInSync(o, r);
                Replicas.randomWrites(o, rnd, 200);
                assertThat(o.call("FAILOVER", "TO", "127.0.0.1", Integer.toString(redis.port()), "TIMEOUT", "5000")
                        .asText()).isEqualTo("OK");
                awaitRole(r, "master");
                awaitRole(o, "slave");
                Replicas.awaitInSync(r, o);
                assertThat(Replicas.info(o, "replication", "master_failover_state")).isEqualTo("no-failover");
                assertThat(Replicas.info(r, "stats", "sync_partial_ok")).isEqualTo("1");
                Replicas.randomWrites(r, rnd, 200);
                Replicas.settle(r, o);
                assertThat(o.call("DEBUG", "DIGEST").asText()).isEqualTo(r.call("DEBUG", "DIGEST").asText());

                // and back: Redis asks us to take over
                assertThat(r.call("FAILOVER").asText()).isEqualTo("OK");
                awaitRole(o, "master");
                awaitRole(r, "slave");
                Replicas.awaitInSync(o, r);
                Replicas.randomWrites(o, rnd, 200);
                Replicas.settle(o, r);
                assertThat(r.call("DEBUG", "DIGEST").asText()).isEqualTo(o.call("DEBUG", "DIGEST").asText());
                assertThat(Replicas.info(o, "stats", "sync_partial_ok")).isEqualTo("1");
            }
        }
    }

    private static void awaitRole(RespClient c, String role) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 10_000;
        while (!role.equals(Replicas.info(c, "replication", "role")) && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        assertThat(Replicas.info(c, "replication", "role")).isEqualTo(role);
    }
}
