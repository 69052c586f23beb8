package dev.cinnabar.tests.ops;

import static dev.cinnabar.tests.ops.ReplicationCheckTest.addr;
import static dev.cinnabar.tests.ops.ReplicationCheckTest.awaitLinked;
import static dev.cinnabar.tests.ops.ReplicationCheckTest.cinnabar;
import static dev.cinnabar.tests.ops.ReplicationCheckTest.field;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.server.CinnabarServer;
import dev.cinnabar.testkit.RealRedis;
import dev.cinnabar.testkit.RespClient;
import dev.cinnabar.tests.ops.ReplicationCheckTest.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cinnabar failover promote} on real Redis and Cinnabar: with the old master up (writes
 * paused, caught up, old master demoted), with it down, and refusals that change nothing.
 */
class FailoverPromoteTest {
    private static String replication(int port, String name) {
        try (RespClient c = new RespClient(port)) {
            return field(c.call("INFO", "replication").asText(), name);
        }
    }

    private static void writes(int port, int n) {
        try (RespClient c = new RespClient(port)) {
            for (int i = 0; i < n; i++) {
                c.call("SET", "k" + i, "v" + i);
            }
        }
    }

    /** After a promotion to newMaster: roles, links, and a new write reaching every replica. */
    private static void followsNewMaster(int newMaster, int... replicas) throws Exception {
        assertThat(replication(newMaster, "role")).isEqualTo("master");
        try (RespClient c = new RespClient(newMaster)) {
            c.call("SET", "after", "failover");
        }
        for (int r : replicas) {
            assertThat(replication(r, "master_port")).isEqualTo(Integer.toString(newMaster));
            awaitLinked(newMaster, r);
            try (RespClient c = new RespClient(r)) {
                assertThat(c.call("GET", "after").asText()).isEqualTo("failover");
                assertThat(c.call("GET", "k99").asText()).isEqualTo("v99");
            }
        }
    }

    @Test
    void realRedisWithTheOldMasterUp() throws Exception {
        try (RealRedis m = RealRedis.start("--repl-diskless-sync-delay", "0");
             RealRedis a = RealRedis.start("--replicaof", "127.0.0.1", Integer.toString(m.port()));
             RealRedis b = RealRedis.start("--replicaof", "127.0.0.1", Integer.toString(m.port()))) {
            writes(m.port(), 100);
            awaitLinked(m.port(), a.port());
            awaitLinked(m.port(), b.port());
            Result r = cinnabar("failover", "promote", "--replica", addr(a.port()), "--others", addr(b.port()));
            assertThat(r.code()).as(r.out()).isZero();
            assertThat(r.out()).contains("Paused writes on the old master " + addr(m.port()), "Replica caught up",
                    "Promoted " + addr(a.port()) + " (REPLICAOF NO ONE): role master",
                    "Repointed old master " + addr(m.port()), "Repointed " + addr(b.port()),
                    "Failover done: " + addr(a.port()) + " is the master, 2 replica(s) linked to it",
                    "; not persisted (CONFIG REWRITE: ERR The server is running without a config file)");
            followsNewMaster(a.port(), m.port(), b.port());
            // the old master's pause was lifted: as a replica it refuses writes at once instead of holding them
            try (RespClient c = new RespClient(m.port())) {
                assertThat(c.call("SET", "x", "1").toString()).contains("READONLY");
            }
            Result again = cinnabar("failover", "promote", "--replica", addr(a.port()));
            assertThat(again.code()).isEqualTo(1);
            assertThat(again.out()).contains(addr(a.port()) + " is not a replica (role:master): nothing to promote");
        }
    }

    @Test
    void realRedisWithTheOldMasterDown() throws Exception {
        try (RealRedis a = RealRedis.start(); RealRedis b = RealRedis.start()) {
            int oldMaster;
            try (RealRedis m = RealRedis.start("--repl-diskless-sync-delay", "0")) {
                oldMaster = m.port();
                for (RealRedis r : new RealRedis[] {a, b}) {
                    try (RespClient c = r.client()) {
                        c.call("REPLICAOF", "127.0.0.1", Integer.toString(m.port()));
                    }
                }
                writes(m.port(), 100);
                awaitLinked(m.port(), a.port());
                awaitLinked(m.port(), b.port());
            }
            Result r = cinnabar("failover", "promote", "--replica", addr(a.port()), "--others", addr(b.port()),
                    "--timeout", "20");
            assertThat(r.code()).as(r.out()).isZero();
            assertThat(r.out()).contains("Old master " + addr(oldMaster) + " does not answer", "Connection refused",
                    "Promoted " + addr(a.port()), "1 replica(s) linked to it").doesNotContain("Paused");
            followsNewMaster(a.port(), b.port());
        }
    }

    @Test
    void aReplicaWhoseLinkIsDownIsNotPromotedWhileItsMasterAnswers() throws Exception {
        try (RealRedis m = RealRedis.start("--repl-diskless-sync-delay", "30"); RealRedis a = RealRedis.start()) {
            writes(m.port(), 10);
            try (RespClient c = a.client()) {
                c.call("REPLICAOF", "127.0.0.1", Integer.toString(m.port()));
            }
            Result r = cinnabar("failover", "promote", "--replica", addr(a.port()));
            assertThat(r.code()).as(r.out()).isEqualTo(1);
            assertThat(r.out()).contains("link to " + addr(m.port()) + " is down while that master answers",
                    "Nothing was changed", "--force");
            assertThat(replication(a.port(), "role")).isEqualTo("slave");
            try (RespClient c = new RespClient(m.port())) {
                c.timeout(2000);
                assertThat(c.call("SET", "still", "writable").asText()).isEqualTo("OK");
            }
        }
    }

    @Test
    void cinnabarMasterAndReplicaWithARedisReplica(@TempDir Path tmp) throws Exception {
        Files.createDirectories(tmp.resolve("m"));
        Files.createDirectories(tmp.resolve("a"));
        try (CinnabarServer m = CinnabarServer.builder().setting("dir", tmp.resolve("m").toString()).setting("save", "")
                .setting("repl-diskless-sync-delay", "0").start();
             CinnabarServer a = CinnabarServer.builder().setting("dir", tmp.resolve("a").toString()).setting("save", "")
                     .setting("repl-diskless-sync-delay", "0")
                     .setting("replicaof", "127.0.0.1", Integer.toString(m.port())).start();
             RealRedis b = RealRedis.start("--replicaof", "127.0.0.1", Integer.toString(m.port()))) {
            writes(m.port(), 100);
            awaitLinked(m.port(), a.port());
            awaitLinked(m.port(), b.port());
            Result r = cinnabar("failover", "promote", "--replica", addr(a.port()), "--others", addr(b.port()));
            assertThat(r.code()).as(r.out()).isZero();
            assertThat(r.out()).contains("Paused writes on the old master", "Replica caught up",
                    "2 replica(s) linked to it");
            followsNewMaster(a.port(), m.port(), b.port());
            try (RespClient c = new RespClient(m.port())) {
                c.timeout(2000);
                assertThat(c.call("SET", "x", "1").toString()).contains("READONLY");
            }
        }
    }

    /** Real Redis instances started from configuration files: the new roles are written to them. */
    @Test
    void theNewRolesAreWrittenToTheConfigurationFiles(@TempDir Path tmp) throws Exception {
        RealRedis.assumeAvailable();
        try (RealRedis m = RealRedis.start("--repl-diskless-sync-delay", "0")) {
            int[] ports = {dev.cinnabar.testkit.Ports.free(), dev.cinnabar.testkit.Ports.free()};
            Path[] confs = new Path[2];
            for (int i = 0; i < 2; i++) {
                Path dir = Files.createDirectories(tmp.resolve("r" + i));
                confs[i] = dir.resolve("redis.conf");
                Files.writeString(confs[i], "port " + ports[i] + "\nbind 127.0.0.1\nsave \"\"\ndir " + dir
                        + "\ndaemonize yes\npidfile " + dir.resolve("r.pid") + "\nlogfile " + dir.resolve("r.log")
                        + "\nreplicaof 127.0.0.1 " + m.port() + "\n");
                dev.cinnabar.testkit.Tools.Run started = dev.cinnabar.testkit.Tools.run(
                        java.util.List.of(RealRedis.binary(), confs[i].toString()), null, 60, java.util.Map.of());
                assertThat(started.exitCode()).as(started.toString()).isZero();
            }
            try {
                writes(m.port(), 100);
                awaitLinked(m.port(), ports[0]);
                awaitLinked(m.port(), ports[1]);
                Result r = cinnabar("failover", "promote", "--replica", addr(ports[0]), "--others", addr(ports[1]));
                assertThat(r.code()).as(r.out()).isZero();
                assertThat(r.out()).contains("role master, offset", confs[0] + " rewritten",
                        "Repointed " + addr(ports[1]) + " (REPLICAOF 127.0.0.1 " + ports[0] + "), " + confs[1]
                                + " rewritten").doesNotContain("WARNING");
                assertThat(Files.readString(confs[0])).doesNotContain("replicaof ");
                assertThat(Files.readString(confs[1])).contains("replicaof 127.0.0.1 " + ports[0] + "\n");
                followsNewMaster(ports[0], ports[1], m.port());
            } finally {
                for (int p : ports) {
                    try (RespClient c = new RespClient(p)) {
                        c.send("SHUTDOWN", "NOSAVE");
                        c.read();
                    } catch (RuntimeException e) {
                        // closed by the shutdown
                    }
                }
            }
        }
    }
}
