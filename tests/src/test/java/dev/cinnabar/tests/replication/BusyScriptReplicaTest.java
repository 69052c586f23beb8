package dev.cinnabar.tests.replication;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.server.CinnabarServer;
import dev.cinnabar.testkit.RealRedis;
import dev.cinnabar.testkit.RespClient;
import org.junit.jupiter.api.Test;

/**
 * A replica that leaves while a script on its master is busy: as Redis frees clients that
 * disconnect while it processes events from inside a busy script, the master sees the replica
 * go at once (connected_slaves:0 in the script's own INFO), so a script that waits for it
 * returns. Before, the replica's clean-up waited for the execution lock the script held, and
 * the script never ended. With min-replicas-to-write 1 the script's last write, after the replica
 * left, still runs: a script that already wrote is not failed half-way (it got NOREPLICAS). The
 * same dialog against a real Redis master.
 */
class BusyScriptReplicaTest {
    private static final String WAIT_FOR_REPLICA_TO_LEAVE = "redis.call('set', KEYS[1], 'script value')\n"
            + "while true do\n"
            + "  local info = redis.call('info', 'replication')\n"
            + "  if string.match(info, 'connected_slaves:0') then\n"
            + "    redis.call('set', KEYS[1], 'replica gone')\n"
            + "    break\n"
            + "  end\n"
            + "end\n"
            + "return 1";

    @Test
    void redisMaster() throws Exception {
        try (RealRedis master = RealRedis.start(); RealRedis replica = RealRedis.start()) {
            assertThat(dialog(master.port(), replica.port())).isEqualTo("1 replica gone");
        }
    }

    @Test
    void ourMaster() throws Exception {
        try (CinnabarServer master = CinnabarServer.builder().start(); RealRedis replica = RealRedis.start()) {
            assertThat(dialog(master.port(), replica.port())).isEqualTo("1 replica gone");
        }
    }

    @Test
    void ourMasterAndReplica() throws Exception {
        try (CinnabarServer master = CinnabarServer.builder().start(); CinnabarServer replica = CinnabarServer.builder().start()) {
            assertThat(dialog(master.port(), replica.port())).isEqualTo("1 replica gone");
        }
    }

    private static String dialog(int masterPort, int replicaPort) throws Exception {
        try (RespClient m = new RespClient(masterPort); RespClient r = new RespClient(replicaPort);
             RespClient script = new RespClient("127.0.0.1", masterPort, 30_000)) {
            m.call("CONFIG", "SET", "busy-reply-threshold", "10");
            // the script's first write needs the replica; its last runs once the replica is gone,
            // which Redis allows a script that already wrote (it is not failed half-way)
            m.call("CONFIG", "SET", "min-replicas-to-write", "1");
            r.call("REPLICAOF", "127.0.0.1", Integer.toString(masterPort));
            long deadline = System.currentTimeMillis() + 10_000;
            while (!"1".equals(Replicas.info(m, "replication", "connected_slaves"))
                    || !"up".equals(Replicas.info(r, "replication", "master_link_status"))) {
                assertThat(System.currentTimeMillis()).as("replica online").isLessThan(deadline);
                Thread.sleep(20);
            }
            // the master counts the replica as good (min-replicas) once its cron has seen it: Redis
            // refreshes the count each second, so a write right after the link is up may get NOREPLICAS
            while (m.call("SET", "probe", "1").toString().startsWith("-NOREPLICAS")) {
                assertThat(System.currentTimeMillis()).as("replica counted as good").isLessThan(deadline + 5_000);
                Thread.sleep(20);
            }
            script.send("EVAL", WAIT_FOR_REPLICA_TO_LEAVE, "1", "x");
            while (!m.call("PING").toString().startsWith("-BUSY")) { // the script is busy
                assertThat(System.currentTimeMillis()).as("script busy").isLessThan(deadline + 10_000);
                Thread.sleep(20);
            }
            r.call("REPLICAOF", "NO", "ONE");
            String reply = script.read().asText(); // 30 s at most: the script must see the replica go
            return reply + " " + m.call("GET", "x").asText();
        }
    }
}
