package dev.cinnabar.tests.replication;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.server.CinnabarServer;
import dev.cinnabar.testkit.RealRedis;
import dev.cinnabar.testkit.RespClient;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * PFCOUNT of a key the master has not expired yet, on a replica whose clock says it has: Redis 7.0
 * looks the key up for reading (PFCOUNT is a read-only command even though it may update the
 * cached cardinality), so the replica answers 0 and keeps the key until the master's DEL, on a
 * read-only and on a writable replica alike. The same real Redis master feeds a real Redis replica
 * and ours; their transcripts must be equal.
 */
class ReplicaExpiredReadTest {

    @Test
    void pfcountOfAnExpiredKeyOnAReplicaIsZeroAndKeepsTheKey() throws Exception {
        for (String readOnly : new String[] {"yes", "no"}) {
            List<String> redis;
            try (RealRedis m = RealRedis.start("--enable-debug-command", "yes");
                 RealRedis r = RealRedis.start("--replica-read-only", readOnly);
                 RespClient mc = m.client(); RespClient rc = r.client()) {
                redis = run(mc, rc, m.port());
            }
            List<String> ours;
            try (RealRedis m = RealRedis.start("--enable-debug-command", "yes");
                 CinnabarServer r = CinnabarServer.builder().setting("replica-read-only", readOnly).start();
                 RespClient mc = m.client(); RespClient rc = new RespClient(r.port())) {
                ours = run(mc, rc, m.port());
            }
            assertThat(ours).as("replica-read-only " + readOnly).containsExactlyElementsOf(redis);
        }
    }

    private static List<String> run(RespClient mc, RespClient rc, int masterPort) throws InterruptedException {
        List<String> out = new ArrayList<>();
        rc.call("REPLICAOF", "127.0.0.1", Integer.toString(masterPort));
        mc.call("DEBUG", "SET-ACTIVE-EXPIRE", "0");
        mc.call("SELECT", "5");
        mc.call("PFADD", "live", "a", "b", "c");
        mc.call("PFADD", "key", "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p", "q");
        mc.call("PEXPIRE", "key", "10");
        Replicas.awaitInSync(mc, rc);
        Thread.sleep(50); // past the TTL by the replica's clock; the master has not deleted it
        rc.call("SELECT", "5");
        rc.call("CONFIG", "RESETSTAT");
        out.add("exists " + rc.call("EXISTS", "key"));
        out.add("pfcount " + rc.call("PFCOUNT", "key"));
        out.add("dbsize " + rc.call("DBSIZE"));
        out.add("pfcount live " + rc.call("PFCOUNT", "live"));
        out.add("pfcount both " + rc.call("PFCOUNT", "key", "live"));
        out.add("dbsize " + rc.call("DBSIZE"));
        out.add("hits " + Replicas.info(rc, "stats", "keyspace_hits"));
        out.add("misses " + Replicas.info(rc, "stats", "keyspace_misses"));
        out.add("expired " + Replicas.info(rc, "stats", "expired_keys"));
        return out;
    }
}
