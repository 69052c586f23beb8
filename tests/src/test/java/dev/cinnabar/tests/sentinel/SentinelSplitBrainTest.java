package dev.cinnabar.tests.sentinel;

import static dev.cinnabar.tests.sentinel.Deployment.Kind.CINNABAR;
import static dev.cinnabar.tests.sentinel.Deployment.Kind.REDIS;
import static dev.cinnabar.tests.sentinel.Deployment.replication;
import static dev.cinnabar.tests.sentinel.Sentinels.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.testkit.Resp;
import dev.cinnabar.testkit.RespClient;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No split brain with min-replicas-to-write (issue 16): a master cut off from its replicas and
 * sentinels by a network partition ({@link PartitionProxy}) but still reached by a client. With
 * min-replicas-to-write 1 and min-replicas-max-lag 2 it refuses that client's writes (NOREPLICAS)
 * once its replicas' acknowledgements are older than the lag, and keeps refusing while the
 * sentinels promote a replica; when the partition heals, the sentinels turn it into a replica of
 * the new master, and every write acknowledged by WAIT 1 before the partition is on both. The
 * writes it accepted inside the lag window were never acknowledged and are lost, which is the
 * bound Redis documents. The same scenario runs on an all-Redis deployment (side by side, in
 * parallel) and both must show the same outcome.
 */
class SentinelSplitBrainTest {
    /** What a deployment showed: the same for Redis and Cinnabar. */
    record Outcome(String refusal, String refusalAfterPromotion, boolean ackedKeptOnNewMaster,
            boolean ackedKeptOnOldMaster, boolean unacknowledgedLost, String oldMasterRole) {
    }

    @Test
    void isolatedMasterRefusesWritesAndRejoinsAsReplica(@TempDir Path dir) {
        CompletableFuture<Outcome> redis = CompletableFuture.supplyAsync(() -> scenario(dir.resolve("redis"), REDIS));
        Outcome ours = scenario(dir.resolve("cinnabar"), CINNABAR);
        Outcome theirs = redis.join();
        assertThat(ours).isEqualTo(new Outcome("NOREPLICAS Not enough good replicas to write.",
                "NOREPLICAS Not enough good replicas to write.", true, true, true, "slave"));
        assertThat(ours).isEqualTo(theirs);
    }

    private static Outcome scenario(Path dir, Deployment.Kind kind) {
        PartitionProxy[] proxy = new PartitionProxy[1];
        try (Deployment d = Deployment.start(dir, kind, 2, List.of(kind, kind, kind),
                p -> (proxy[0] = new PartitionProxy(p)).port(), "--min-replicas-to-write", "1",
                "--min-replicas-max-lag", "2");
             PartitionProxy partition = proxy[0];
             RespClient client = new RespClient("127.0.0.1", d.servers.get(0).port(), 5000)) {
            int oldPort = d.servers.get(0).port();
            // a failover aborted on a loaded machine (a replica late to answer) is retried after
            // 2 x failover-timeout: 20 s, not 40, keeps the test bounded
            for (Sentinels.Running s : d.sentinels) {
                assertThat(Sentinels.call(s.port(), "SENTINEL", "SET", "mymaster", "failover-timeout", "10000").asText())
                        .isEqualTo("OK");
            }
            // acknowledged writes, before the partition
            List<String> acked = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                assertThat(client.call("SET", "acked:" + i, "v").asText()).isEqualTo("OK");
                assertThat(client.call("WAIT", "1", "5000").asText()).isNotEqualTo("0");
                acked.add("acked:" + i);
            }
            partition.partition();
            // writes go on until the master sees its replicas' acknowledgements are too old
            List<String> unacknowledged = new ArrayList<>();
            String[] refusal = new String[1];
            await(30, kind + " master refuses writes once cut off", () -> {
                String key = "window:" + unacknowledged.size();
                Resp r = client.call("SET", key, "v");
                if (r instanceof Resp.Err e) {
                    refusal[0] = e.message();
                    return true;
                }
                unacknowledged.add(key);
                return false;
            });
            // the sentinels, on the other side, promote a replica; every write meanwhile is refused
            List<String> accepted = new ArrayList<>();
            await(60, kind + " sentinels name a replica as the master", () -> {
                if (!(client.call("SET", "during-failover", "v") instanceof Resp.Err)) {
                    accepted.add("during-failover");
                }
                int p = d.masterPortFromSentinels();
                return p > 0 && p != partition.port();
            });
            assertThat(accepted).as("writes the isolated master accepted after its first refusal").isEmpty();
            int newPort = d.masterPortFromSentinels();
            Resp r = client.call("SET", "after-promotion", "v");
            String refusalAfterPromotion = r instanceof Resp.Err e ? e.message() : r.toString();
            await(60, "the new master " + newPort + " accepts writes", () -> {
                try (RespClient c = new RespClient("127.0.0.1", newPort, 5000)) {
                    return c.call("SET", "new-master", "v").asText().equals("OK");
                }
            });
            // the partition heals: the old master is made a replica of the new one and resyncs
            partition.heal();
            await(60, kind + " old master replicates from the new one", () ->
                    Integer.toString(newPort).equals(replication(oldPort, "master_port"))
                            && "up".equals(replication(oldPort, "master_link_status")));
            await(30, "the old master has the new master's keys", () ->
                    "v".equals(Sentinels.call(oldPort, "GET", "new-master").asText()));
            // (the sentinels' reconfiguration killed the client's connection: new ones)
            try (RespClient onNew = new RespClient("127.0.0.1", newPort, 5000);
                 RespClient onOld = new RespClient("127.0.0.1", oldPort, 5000)) {
                return new Outcome(refusal[0], refusalAfterPromotion, allPresent(onNew, acked), allPresent(onOld, acked),
                        nonePresent(onNew, unacknowledged) && nonePresent(onOld, unacknowledged),
                        replication(oldPort, "role"));
            }
        }
    }

    private static boolean allPresent(RespClient c, List<String> keys) {
        return keys.stream().allMatch(k -> c.call("GET", k) instanceof Resp.Bulk);
    }

    private static boolean nonePresent(RespClient c, List<String> keys) {
        return keys.stream().noneMatch(k -> c.call("GET", k) instanceof Resp.Bulk);
    }
}
