package dev.cinnabar.tests.replication;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.server.CinnabarServer;
import dev.cinnabar.testkit.RealRedis;
import dev.cinnabar.testkit.RespClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import dev.cinnabar.testkit.Resp;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A real Redis 7.0 replica of a Cinnabar master: full sync (diskless, the EOF-marked transfer
 * Redis replicas ask for, and disk-based from the BGSAVE file), a write load of every family
 * followed through the stream, a partial resynchronisation after CLIENT KILL TYPE replica, and the
 * same DEBUG DIGEST on both sides.
 */
class RedisReplicaOfCinnabarTest {

    @ParameterizedTest(name = "repl-diskless-sync {0}")
    @ValueSource(strings = {"yes", "no"})
    void fullSyncStreamAndPartialResync(String diskless) throws Exception {
        RealRedis.assumeAvailable();
        Path dir = Files.createTempDirectory("repl-master");
        try (CinnabarServer master = CinnabarServer.builder().setting("dir", dir.toString())
                .setting("enable-debug-command", "yes").setting("save", "")
                .setting("repl-diskless-sync", diskless).setting("repl-diskless-sync-delay", "0").start();
             RespClient m = new RespClient(master.port())) {
            Random rnd = new Random(12);
            Replicas.randomWrites(m, rnd, 300);
            try (RealRedis replica = RealRedis.start("--replicaof", "127.0.0.1", Integer.toString(master.port()),
                    "--enable-debug-command", "yes");
                 RespClient r = replica.client()) {
                Replicas.awaitInSync(m, r);
                Replicas.randomWrites(m, rnd, 500);
                Replicas.settle(m, r);
                assertSame(m, r);
                assertThat(Replicas.info(m, "stats", "sync_full")).isEqualTo("1");
                assertThat(Replicas.info(m, "replication", "slave0")).contains("state=online");
                assertThat(m.call("CLIENT", "LIST", "TYPE", "replica").asText()).contains("flags=S ");
                m.call("SET", "w", "1");
                assertThat(m.call("WAIT", "1", "5000").asText()).isEqualTo("1");
                assertThat(m.call("WAIT", "2", "100").asText()).isEqualTo("1");
                m.call("CONFIG", "SET", "min-replicas-to-write", "1");
                assertThat(m.call("SET", "w", "2").asText()).isEqualTo("OK");
                m.call("CONFIG", "SET", "min-replicas-to-write", "2");
                assertThat(m.call("SET", "w", "3").toString()).contains("NOREPLICAS Not enough good replicas to write.");
                m.call("CONFIG", "SET", "min-replicas-to-write", "0");
                assertThat(m.call("ROLE").toString()).contains("master").contains(Integer.toString(replica.port()));

                // the link drops: the replica continues from its offset with the backlog
                m.call("CLIENT", "KILL", "TYPE", "replica");
                Replicas.randomWrites(m, rnd, 200);
                Replicas.settle(m, r);
                assertThat(Replicas.info(m, "stats", "sync_partial_ok")).isEqualTo("1");
                assertThat(Replicas.info(m, "stats", "sync_full")).isEqualTo("1");
                assertSame(m, r);
            }
        }
    }

    /** The same digest and key count on both sides, else the keys that differ (value, TTL, one side only). */
    private static void assertSame(RespClient m, RespClient r) {
        if (r.call("DEBUG", "DIGEST").asText().equals(m.call("DEBUG", "DIGEST").asText())
                && r.call("DBSIZE").asText().equals(m.call("DBSIZE").asText())) {
            return;
        }
        StringBuilder sb = new StringBuilder();
        sb.append("master ").append(m.call("INFO", "keyspace").asText().trim()).append(" offset ")
                .append(Replicas.info(m, "replication", "master_repl_offset")).append(" expired ")
                .append(Replicas.info(m, "stats", "expired_keys")).append('\n');
        sb.append("replica ").append(r.call("INFO", "keyspace").asText().trim()).append(" offset ")
                .append(Replicas.info(r, "replication", "slave_repl_offset")).append('\n');
        for (String db : new String[] {"0", "3"}) {
            m.call("SELECT", db);
            r.call("SELECT", db);
            Set<String> mk = keys(m);
            Set<String> rk = keys(r);
            for (String k : mk) {
                String a = m.call("DEBUG", "DIGEST-VALUE", k).toString();
                String b = r.call("DEBUG", "DIGEST-VALUE", k).toString();
                if (!a.equals(b) || !rk.contains(k)) {
                    sb.append("db").append(db).append(' ').append(k).append(" type ").append(m.call("TYPE", k))
                            .append(" m=").append(m.call("DUMP", k)).append(" r=").append(r.call("DUMP", k))
                            .append(" ttl m=").append(m.call("PTTL", k)).append(" r=").append(r.call("PTTL", k)).append('\n');
                }
            }
            rk.removeAll(mk);
            sb.append("db").append(db).append(" replica-only ").append(rk).append('\n');
        }
        m.call("SELECT", "0");
        r.call("SELECT", "0");
        throw new AssertionError("the replica differs from the master\n" + sb);
    }

    /** Every key of the selected database (the replica's KEYS leaves out logically expired keys: SCAN does not). */
    private static Set<String> keys(RespClient c) {
        Set<String> keys = new TreeSet<>();
        String cursor = "0";
        do {
            Resp.Agg reply = (Resp.Agg) c.call("SCAN", cursor, "COUNT", "1000");
            cursor = reply.items().get(0).asText();
            for (Resp k : ((Resp.Agg) reply.items().get(1)).items()) {
                keys.add(k.asText());
            }
        } while (!cursor.equals("0"));
        return keys;
    }
}
