package dev.cinnabar.tests.replication;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.server.CinnabarServer;
import dev.cinnabar.testkit.RealRedis;
import dev.cinnabar.testkit.Resp;
import dev.cinnabar.testkit.RespClient;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Keys the master has not expired yet (its active expiry is off) but whose TTL has passed by the
 * replica's clock. Redis 7.0's lookupKey deletes such a key for a write's look-up on a writable
 * replica only: INCR starts from 0, DEBUG POPULATE replaces it, each counted in expired_keys. On
 * a read-only replica nothing deletes it before the master's DEL; the one command a client may
 * send there that looks a key up for writing is DEBUG POPULATE, where Redis 7.0.15 fails an
 * assertion (it finds no live key, then cannot add one) and exits: ours leaves the key.
 */
class ReplicaExpiredWriteLookupTest {

    @Test
    void aWritableReplicaDeletesAnExpiredKeyForAWriteAsRedisDoes() throws Exception {
        List<String> redis;
        try (RealRedis m = RealRedis.start("--enable-debug-command", "yes");
             RealRedis r = RealRedis.start("--enable-debug-command", "yes", "--replica-read-only", "no");
             RespClient mc = m.client(); RespClient rc = r.client()) {
            redis = writable(mc, rc, m.port());
        }
        List<String> ours;
        try (RealRedis m = RealRedis.start("--enable-debug-command", "yes");
             CinnabarServer r = CinnabarServer.builder().setting("enable-debug-command", "yes")
                     .setting("replica-read-only", "no").start();
             RespClient mc = m.client(); RespClient rc = new RespClient(r.port())) {
            ours = writable(mc, rc, m.port());
        }
        assertThat(ours).containsExactlyElementsOf(redis);
    }

    @Test
    void aReadOnlyReplicaKeepsAnExpiredKeyUntilTheMastersDel() throws Exception {
        try (RealRedis m = RealRedis.start("--enable-debug-command", "yes");
             CinnabarServer r = CinnabarServer.builder().setting("enable-debug-command", "yes").start();
             RespClient mc = m.client(); RespClient rc = new RespClient(r.port())) {
            setUp(mc, rc, m.port());
            assertThat(rc.call("GET", "key:0")).isInstanceOf(Resp.Null.class);
            assertThat(rc.call("DEBUG", "POPULATE", "2", "key").asText()).isEqualTo("OK");
            assertThat(rc.call("DBSIZE").asText()).as("key:0 kept, key:1 added").isEqualTo("5");
            assertThat(rc.call("GET", "key:0")).isInstanceOf(Resp.Null.class);
            assertThat(rc.call("GET", "key:1").asText()).isEqualTo("value:1");
            assertThat(Replicas.info(rc, "stats", "expired_keys")).isEqualTo("0");
            mc.call("GET", "key:0"); // the master expires it now and sends the DEL
            Replicas.awaitInSync(mc, rc);
            assertThat(rc.call("DBSIZE").asText()).isEqualTo("4");
        }
    }

    private static void setUp(RespClient mc, RespClient rc, int masterPort) throws InterruptedException {
        rc.call("REPLICAOF", "127.0.0.1", Integer.toString(masterPort));
        mc.call("DEBUG", "SET-ACTIVE-EXPIRE", "0");
        mc.call("SET", "counter", "10", "PX", "10");
        mc.call("SET", "text", "abc", "PX", "10");
        mc.call("SET", "flag", "x", "PX", "10");
        mc.call("SET", "key:0", "old", "PX", "10");
        Replicas.awaitInSync(mc, rc);
        Thread.sleep(50); // past the TTLs by the replica's clock; the master has not deleted them
        rc.call("CONFIG", "RESETSTAT");
    }

    private static List<String> writable(RespClient mc, RespClient rc, int masterPort) throws InterruptedException {
        setUp(mc, rc, masterPort);
        List<String> out = new ArrayList<>();
        out.add("dbsize " + rc.call("DBSIZE"));
        out.add("exists " + rc.call("EXISTS", "counter", "text", "flag", "key:0"));
        out.add("dbsize " + rc.call("DBSIZE") + " expired " + Replicas.info(rc, "stats", "expired_keys"));
        for (String[] cmd : new String[][] {
                {"INCR", "counter"}, {"APPEND", "text", "d"}, {"SETNX", "flag", "y"},
                {"DEBUG", "POPULATE", "2", "key"}}) {
            out.add(String.join(" ", cmd) + " -> " + rc.call(cmd)
                    + " dbsize " + rc.call("DBSIZE") + " expired " + Replicas.info(rc, "stats", "expired_keys"));
        }
        out.add("values " + rc.call("MGET", "counter", "text", "flag", "key:0", "key:1"));
        out.add("ttl " + rc.call("TTL", "counter"));
        return out;
    }
}
