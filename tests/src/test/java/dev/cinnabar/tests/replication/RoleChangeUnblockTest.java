package dev.cinnabar.tests.replication;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.server.CinnabarServer;
import dev.cinnabar.testkit.RealRedis;
import dev.cinnabar.testkit.RespClient;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Clients blocked on a master that becomes a replica (Redis 7.0's disconnectAllBlockedClients):
 * BLPOP, XREAD BLOCK and WAIT get the UNBLOCKED error and their connections close, and a push the
 * new master replicates afterwards is not popped on the replica (integration/replication's "BLPOP
 * followed by role change": the datasets diverged). The same again for a replica that moves to
 * another master. The server under test, real Redis or ours, becomes the replica of the same kind
 * of real Redis master; the transcripts must be equal.
 */
class RoleChangeUnblockTest {

    @Test
    void blockedClientsAreUnblockedWithAnErrorAndClosedWhenTheServerBecomesAReplica() throws Exception {
        List<String> redis;
        try (RealRedis m = RealRedis.start(); RealRedis s = RealRedis.start();
             RespClient mc = m.client()) {
            redis = run(mc, m.port(), s.port());
        }
        List<String> ours;
        try (RealRedis m = RealRedis.start(); CinnabarServer s = CinnabarServer.builder().start();
             RespClient mc = m.client()) {
            ours = run(mc, m.port(), s.port());
        }
        assertThat(ours).containsExactlyElementsOf(redis);
    }

    private static List<String> run(RespClient mc, int masterPort, int port) throws InterruptedException {
        List<String> out = new ArrayList<>();
        try (RespClient c = new RespClient(port); RespClient blpop = new RespClient(port);
             RespClient xread = new RespClient(port); RespClient wait = new RespClient(port);
             RespClient xreadOnReplica = new RespClient(port)) {
            c.call("CONFIG", "RESETSTAT");
            blpop.send("BLPOP", "foo", "0");
            xread.send("XREAD", "BLOCK", "0", "STREAMS", "s", "$");
            wait.send("WAIT", "1", "0");
            awaitBlocked(c, 3);
            out.add("replicaof " + c.call("REPLICAOF", "127.0.0.1", Integer.toString(masterPort)));
            for (RespClient b : List.of(blpop, xread, wait)) {
                b.timeout(5000);
                out.add("reply " + b.read() + " closed " + b.isClosedByServer());
            }
            Replicas.awaitInSync(mc, c);
            mc.call("RPUSH", "foo", "a", "b", "c");
            Replicas.awaitInSync(mc, c);
            out.add("lrange " + c.call("LRANGE", "foo", "0", "-1"));
            // a replica blocked in XREAD that moves to another master (one that is not there)
            xreadOnReplica.send("XREAD", "BLOCK", "0", "STREAMS", "s", "$");
            awaitBlocked(c, 1);
            out.add("replicaof " + c.call("REPLICAOF", "127.0.0.1", "1"));
            xreadOnReplica.timeout(5000);
            out.add("reply " + xreadOnReplica.read() + " closed " + xreadOnReplica.isClosedByServer());
            out.add("blocked " + Replicas.info(c, "clients", "blocked_clients"));
            out.add("errors " + Replicas.info(c, "stats", "total_error_replies"));
            out.add("errorstat " + Replicas.info(c, "errorstats", "errorstat_UNBLOCKED"));
            c.call("REPLICAOF", "NO", "ONE");
        }
        return out;
    }

    private static void awaitBlocked(RespClient c, int n) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 10_000;
        while (!Integer.toString(n).equals(Replicas.info(c, "clients", "blocked_clients"))) {
            assertThat(System.currentTimeMillis()).as("clients blocked").isLessThan(deadline);
            Thread.sleep(10);
        }
    }
}
