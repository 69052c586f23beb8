package dev.cinnabar.tests.replication;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.server.CinnabarServer;
import dev.cinnabar.testkit.Ports;
import dev.cinnabar.testkit.RespClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Full syncs from the forkless snapshot (Cinnabar on both sides): a diskless sync streams while
 * clients keep writing, and a master restarted from its RDB lets its replica continue partially
 * (the replication ID and offset recorded in the file's aux fields, as Redis 7.0).
 */
class SnapshotSyncTest {
    private final Path dir = tempDir();

    private static Path tempDir() {
        try {
            return Files.createTempDirectory("cinnabar-snapsync");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @AfterEach
    void clean() throws Exception {
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static CinnabarServer master(Path dir, int port, String... settings) {
        CinnabarServer.Builder b = CinnabarServer.builder().port(port).setting("dir", dir.toString())
                .setting("enable-debug-command", "yes").setting("repl-ping-replica-period", "3600");
        for (int i = 0; i < settings.length; i += 2) {
            b.setting(settings[i], settings[i + 1]);
        }
        return b.start();
    }

    private static CinnabarServer replica() {
        return CinnabarServer.builder().setting("enable-debug-command", "yes").start();
    }

    @Test
    void aDisklessSyncStreamsTheSnapshotWhileClientsKeepWriting() throws Exception {
        try (CinnabarServer m = master(dir, Ports.free(), "repl-diskless-sync", "yes", "repl-diskless-sync-delay", "0",
                "rdb-key-save-delay", "200");
             CinnabarServer r = replica();
             RespClient mc = new RespClient(m.port());
             RespClient rc = new RespClient(r.port())) {
            mc.call("DEBUG", "POPULATE", "3000", "key", "10");
            rc.call("REPLICAOF", "127.0.0.1", Integer.toString(m.port()));
            long deadline = System.currentTimeMillis() + 10_000;
            while (!"1".equals(Replicas.info(mc, "persistence", "rdb_bgsave_in_progress"))) {
                assertThat(System.currentTimeMillis()).as("the diskless transfer starts").isLessThan(deadline);
                Thread.sleep(10);
            }
            // the snapshot serialises one key per slice with a 200 us delay (>= 0.6 s for 3000 keys):
            // writes are answered meanwhile, the old way (everything under the lock) answered none
            Random rnd = new Random(3);
            int during = 0;
            while ("1".equals(Replicas.info(mc, "persistence", "rdb_bgsave_in_progress"))) {
                Replicas.randomWrites(mc, rnd, 20);
                mc.call("SET", "key:" + rnd.nextInt(3000), "changed");
                during += 21;
            }
            assertThat(during).as("writes answered during the transfer").isGreaterThan(50);
            Replicas.settle(mc, rc);
            mc.call("SELECT", "0");
            assertThat(rc.call("DEBUG", "DIGEST").asText()).isEqualTo(mc.call("DEBUG", "DIGEST").asText());
            assertThat(Replicas.info(mc, "replication", "slave0")).contains("state=online");
        }
    }

    @Test
    void aMasterRestartedFromItsRdbLetsItsReplicaContinuePartially() throws Exception {
        int port = Ports.free();
        String oldId;
        long offset;
        try (CinnabarServer r = replica(); RespClient rc = new RespClient(r.port())) {
            try (CinnabarServer m = master(dir, port); RespClient mc = new RespClient(m.port())) {
                rc.call("REPLICAOF", "127.0.0.1", Integer.toString(port));
                Random rnd = new Random(5);
                Replicas.randomWrites(mc, rnd, 300);
                mc.call("SELECT", "3");
                mc.call("SET", "in-db-3", "x");
                Replicas.awaitInSync(mc, rc);
                oldId = Replicas.info(mc, "replication", "master_replid");
                offset = Long.parseLong(Replicas.info(mc, "replication", "master_repl_offset"));
                assertThat(mc.call("SAVE").asText()).isEqualTo("OK");
            }
            try (CinnabarServer m = master(dir, port); RespClient mc = new RespClient(m.port())) {
                assertThat(Replicas.info(mc, "replication", "master_replid2")).isEqualTo(oldId);
                assertThat(Replicas.info(mc, "replication", "second_repl_offset")).isEqualTo(Long.toString(offset + 1));
                assertThat(Replicas.info(mc, "replication", "master_repl_offset")).isEqualTo(Long.toString(offset));
                assertThat(Replicas.info(mc, "replication", "master_replid")).isNotEqualTo(oldId);
                assertThat(Replicas.info(mc, "replication", "repl_backlog_first_byte_offset"))
                        .isEqualTo(Long.toString(offset + 1));
                long deadline = System.currentTimeMillis() + 15_000;
                while (!"1".equals(Replicas.info(mc, "stats", "sync_partial_ok"))) {
                    assertThat(System.currentTimeMillis()).as("the replica continues partially").isLessThan(deadline);
                    Thread.sleep(20);
                }
                assertThat(Replicas.info(mc, "stats", "sync_full")).isEqualTo("0");
                // the stream goes on in the database the replica's master client had selected
                mc.call("SELECT", "3");
                mc.call("SET", "after-restart", "y");
                Replicas.awaitInSync(mc, rc);
                rc.call("SELECT", "3");
                assertThat(rc.call("GET", "after-restart").asText()).isEqualTo("y");
                assertThat(rc.call("DEBUG", "DIGEST").asText()).isEqualTo(mc.call("DEBUG", "DIGEST").asText());
                // CONFIG RESETSTAT clears the sync counters, as Redis's resetServerStats
                assertThat(mc.call("CONFIG", "RESETSTAT").asText()).isEqualTo("OK");
                assertThat(Replicas.info(mc, "stats", "sync_partial_ok")).isEqualTo("0");
            }
        }
    }

    @Test
    void anRdbOfAMasterWithoutReplicasRecordsNoReplicationFields() throws Exception {
        try (CinnabarServer m = master(dir, Ports.free()); RespClient mc = new RespClient(m.port())) {
            mc.call("SET", "a", "1");
            mc.call("SAVE");
        }
        String file = new String(Files.readAllBytes(dir.resolve("dump.rdb")), java.nio.charset.StandardCharsets.ISO_8859_1);
        assertThat(file).doesNotContain("repl-id").contains("aof-base");
        try (CinnabarServer m = master(dir, Ports.free()); RespClient mc = new RespClient(m.port())) {
            assertThat(Replicas.info(mc, "replication", "repl_backlog_active")).isEqualTo("0");
            assertThat(Replicas.info(mc, "replication", "second_repl_offset")).isEqualTo("-1");
        }
    }
}
