package dev.cinnabar.tests.replication;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.server.CinnabarServer;
import dev.cinnabar.testkit.RealRedis;
import dev.cinnabar.testkit.RespClient;
import org.junit.jupiter.api.Test;

/**
 * The master's INFO while a diskless transfer runs, against real Redis 7.0: the replica's slaveN
 * line says state=wait_bgsave until the transfer ends (Redis keeps it in WAIT_BGSAVE_END while its
 * child writes to the socket; we said send_bulk, and integration/replication waits for
 * "wait_bgsave" with rdb_bgsave_in_progress:1). The replica is a real Redis in both runs.
 */
class DisklessTransferStateTest {

    @Test
    void aDisklessTransfersReplicaIsWaitBgsave() throws Exception {
        String redis;
        try (RealRedis m = RealRedis.start("--enable-debug-command", "yes", "--repl-diskless-sync", "yes",
                "--repl-diskless-sync-delay", "0"); RealRedis r = RealRedis.start();
             RespClient mc = m.client(); RespClient rc = r.client()) {
            redis = run(mc, rc, m.port());
        }
        String ours;
        try (CinnabarServer m = CinnabarServer.builder().setting("enable-debug-command", "yes")
                .setting("repl-diskless-sync", "yes").setting("repl-diskless-sync-delay", "0").start();
             RealRedis r = RealRedis.start();
             RespClient mc = new RespClient(m.port()); RespClient rc = r.client()) {
            ours = run(mc, rc, m.port());
        }
        assertThat(ours).isEqualTo(redis);
    }

    private static String run(RespClient mc, RespClient rc, int masterPort) throws InterruptedException {
        mc.call("DEBUG", "POPULATE", "10", "key", "10");
        mc.call("CONFIG", "SET", "rdb-key-save-delay", "1000000"); // a second a key
        rc.call("REPLICAOF", "127.0.0.1", Integer.toString(masterPort));
        long deadline = System.currentTimeMillis() + 20_000;
        while (!"1".equals(Replicas.info(mc, "persistence", "rdb_bgsave_in_progress"))) {
            assertThat(System.currentTimeMillis()).as("the transfer started").isLessThan(deadline);
            Thread.sleep(20);
        }
        Thread.sleep(300); // well into the transfer
        String slave = Replicas.info(mc, "replication", "slave0");
        String state = slave.replaceAll(".*(state=[a-z_]+).*", "$1");
        mc.call("CONFIG", "SET", "rdb-key-save-delay", "0");
        rc.call("REPLICAOF", "NO", "ONE");
        return state;
    }
}
