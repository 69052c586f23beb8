package dev.cinnabar.tests.replication;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.server.CinnabarServer;
import dev.cinnabar.testkit.Ports;
import dev.cinnabar.testkit.Resp;
import dev.cinnabar.testkit.RespClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import org.junit.jupiter.api.Test;

/**
 * The replica class's client-output-buffer-limit applies to a replica before it is online, as in
 * Redis 7.0: the stream that accumulates for it while its snapshot is made counts against the soft
 * limit, and the master drops it once that stays exceeded past the limit's seconds, even when no
 * more writes arrive (real Redis 7.0.15 does the same with these settings: its log shows the
 * syncing replica "closed for overcoming of output buffer limits" and sync_full reaches 2).
 */
class ReplicaSyncOutputLimitTest {
    /** What a test checks once 200 KB were written for a replica whose snapshot is being made. */
    interface After {
        void check(RespClient master, RespClient replica) throws Exception;
    }

    /** A master (soft limit for replicas, a slow disk snapshot of {@code keys} keys) and a syncing replica. */
    private static void heldStreamDuringSync(String replicaLimit, int keys, After after) throws Exception {
        Path dir = Files.createTempDirectory("cinnabar-synclimit");
        try (CinnabarServer m = CinnabarServer.builder().port(Ports.free()).setting("dir", dir.toString())
                .setting("enable-debug-command", "yes").setting("repl-diskless-sync", "no")
                .setting("rdb-key-save-delay", "1000").start();
             CinnabarServer r = CinnabarServer.builder().start();
             RespClient mc = new RespClient(m.port());
             RespClient rc = new RespClient(r.port())) {
            mc.call("CONFIG", "SET", "client-output-buffer-limit", replicaLimit);
            mc.call("DEBUG", "POPULATE", Integer.toString(keys), "key", "10"); // 1 ms per key to save
            rc.call("REPLICAOF", "127.0.0.1", Integer.toString(m.port()));
            long deadline = System.currentTimeMillis() + 10_000;
            while (!String.valueOf(Replicas.info(mc, "replication", "slave0")).contains("wait_bgsave")) {
                assertThat(System.currentTimeMillis()).as("the sync starts").isLessThan(deadline);
                Thread.sleep(10);
            }
            String value = "x".repeat(10_000);
            for (int i = 0; i < 20; i++) {
                mc.call("SET", "big" + i, value);
            }
            after.check(mc, rc);
        } finally {
            try (var files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    @Test
    void aSyncingReplicaOverTheSoftLimitIsDropped() throws Exception {
        heldStreamDuringSync("replica 0 64kb 1", 4000, (mc, rc) -> {
            long deadline = System.currentTimeMillis() + 8_000;
            while (!"2".equals(Replicas.info(mc, "stats", "sync_full"))) {
                assertThat(System.currentTimeMillis()).as("the replica is dropped and asks again").isLessThan(deadline);
                Thread.sleep(50);
            }
        });
    }

    @Test
    void aSyncingReplicaUnderTheSoftLimitIsKept() throws Exception {
        heldStreamDuringSync("replica 0 1mb 1", 2000, (mc, rc) -> {
            Replicas.awaitInSync(mc, rc);
            assertThat(Replicas.info(mc, "stats", "sync_full")).isEqualTo("1");
            assertThat(rc.call("STRLEN", "big19")).isEqualTo(new Resp.Int(10000));
        });
    }
}
