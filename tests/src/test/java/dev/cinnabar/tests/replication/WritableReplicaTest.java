package dev.cinnabar.tests.replication;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.server.CinnabarServer;
import dev.cinnabar.testkit.RespClient;
import org.junit.jupiter.api.Test;

/**
 * A writable replica expires the keys its own clients wrote with a TTL (Redis 7.0's
 * slaveKeysWithExpire), never the keys of its master, which only the master's DELs remove.
 */
class WritableReplicaTest {

    private static CinnabarServer server() {
        return CinnabarServer.builder().setting("enable-debug-command", "yes").start();
    }

    @Test
    void keysWrittenOnAWritableReplicaExpireThereButTheMastersKeysWaitForItsDel() throws Exception {
        try (CinnabarServer m = server(); CinnabarServer r = server();
             RespClient mc = new RespClient(m.port()); RespClient rc = new RespClient(r.port())) {
            mc.call("DEBUG", "SET-ACTIVE-EXPIRE", "0");
            rc.call("REPLICAOF", "127.0.0.1", Integer.toString(m.port()));
            mc.call("SELECT", "5");
            mc.call("SET", "from-master", "v", "PX", "200");
            Replicas.awaitInSync(mc, rc);
            rc.call("CONFIG", "SET", "replica-read-only", "no");
            rc.call("SELECT", "5");
            rc.call("SET", "local1", "1", "PX", "200");
            rc.call("SET", "local2", "2");
            rc.call("PEXPIRE", "local2", "200");
            rc.call("SET", "local3", "3", "PX", "100000");
            rc.call("SET", "local4", "4", "PX", "200");
            rc.call("PERSIST", "local4");
            assertThat(Long.parseLong(rc.call("DBSIZE").asText())).isEqualTo(5);
            long deadline = System.currentTimeMillis() + 10_000;
            while (Long.parseLong(rc.call("DBSIZE").asText()) != 3) {
                assertThat(System.currentTimeMillis()).as("local keys expired on the replica").isLessThan(deadline);
                Thread.sleep(50);
            }
            // the master's key is logically expired (hidden) but kept until the master's DEL
            assertThat(Long.parseLong(rc.call("EXISTS", "from-master").asText())).isZero();
            assertThat(Long.parseLong(rc.call("EXISTS", "local3", "local4").asText())).isEqualTo(2);
            assertThat(Replicas.info(rc, "stats", "expired_keys")).isEqualTo("2");
        }
    }

    @Test
    void aWriteOnAWritableReplicaDeletesAnExpiredKeyFirstAsRedisLookupKeyWrite() throws Exception {
        try (CinnabarServer m = server(); CinnabarServer r = server();
             RespClient mc = new RespClient(m.port()); RespClient rc = new RespClient(r.port())) {
            mc.call("DEBUG", "SET-ACTIVE-EXPIRE", "0");
            rc.call("REPLICAOF", "127.0.0.1", Integer.toString(m.port()));
            mc.call("SET", "counter", "10", "PX", "200");
            mc.call("SET", "text", "abc", "PX", "200");
            mc.call("SET", "flag", "x", "PX", "200");
            Replicas.awaitInSync(mc, rc);
            rc.call("CONFIG", "SET", "replica-read-only", "no");
            Thread.sleep(300);
            // the master has not expired them (no access, no active expiry): the replica still holds them
            assertThat(rc.call("DBSIZE").asText()).isEqualTo("3");
            assertThat(rc.call("INCR", "counter").asText()).isEqualTo("1");
            assertThat(rc.call("TTL", "counter").asText()).isEqualTo("-1");
            assertThat(rc.call("APPEND", "text", "d").asText()).isEqualTo("1");
            assertThat(rc.call("SETNX", "flag", "y").asText()).isEqualTo("1");
            assertThat(rc.call("GET", "flag").asText()).isEqualTo("y");
            assertThat(Replicas.info(rc, "stats", "expired_keys")).isEqualTo("3");
        }
    }

    @Test
    void aCommandOfTheMasterFailingOnTheReplicaIsLoggedAsRedisDoes() throws Exception {
        java.nio.file.Path log = java.nio.file.Files.createTempFile("cinnabar-replica", ".log");
        try (CinnabarServer m = server();
             CinnabarServer r = CinnabarServer.builder().setting("logfile", log.toString()).start();
             RespClient mc = new RespClient(m.port()); RespClient rc = new RespClient(r.port())) {
            rc.call("REPLICAOF", "127.0.0.1", Integer.toString(m.port()));
            mc.call("SET", "warm", "up");
            Replicas.awaitInSync(mc, rc);
            rc.call("CONFIG", "SET", "replica-read-only", "no");
            rc.call("SET", "number", "foo");
            mc.call("INCRBY", "number", "1");
            Replicas.awaitInSync(mc, rc);
            assertThat(mc.call("GET", "number").asText()).isEqualTo("1");
            assertThat(rc.call("GET", "number").asText()).isEqualTo("foo");
            assertThat(java.nio.file.Files.readString(log)).contains("== CRITICAL == This replica is sending an error to "
                    + "its master: 'value is not an integer or out of range' after processing the command 'incrby'");
        } finally {
            java.nio.file.Files.deleteIfExists(log);
        }
    }
}
