package dev.cinnabar.tests.sentinel;

import static dev.cinnabar.tests.sentinel.Sentinels.await;
import static dev.cinnabar.tests.sentinel.Sentinels.call;
import static dev.cinnabar.tests.sentinel.Sentinels.list;
import static dev.cinnabar.tests.sentinel.Sentinels.master;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.testkit.RealRedis;
import dev.cinnabar.testkit.RespClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A mixed quorum (one redis-sentinel, two of ours; quorum 2) watching a real master and two real
 * replicas: kill -9 of the master makes them elect a leader (votes exchanged across both
 * implementations), promote a replica, point the other one at it, and agree on the new address;
 * a write acknowledged with WAIT 1 before the kill survives; the old master, restarted, is made a
 * replica of the new one.
 */
class SentinelFailoverTest {
    private static String replication(int port, String field) {
        return Sentinels.infoField(port, "replication", field);
    }

    @Test
    void mixedQuorumFailsOverAfterKillOfTheMaster(@TempDir Path dir) throws Exception {
        Sentinels.assumeAvailable();
        RealRedis m = RealRedis.start("--repl-diskless-sync-delay", "0");
        int oldPort = m.port();
        Process restarted = null;
        try (RealRedis a = RealRedis.start("--replicaof", "127.0.0.1", Integer.toString(oldPort));
             RealRedis b = RealRedis.start("--replicaof", "127.0.0.1", Integer.toString(oldPort))) {
            String[] extra = {"sentinel down-after-milliseconds mymaster 2000", "sentinel failover-timeout mymaster 20000"};
            try (Sentinels.Running s1 = Sentinels.real(Sentinels.conf(dir, "real", Sentinels.freePort(), oldPort, 2, extra));
                 Sentinels.Running s2 = Sentinels.ours(Sentinels.conf(dir, "ours1", Sentinels.freePort(), oldPort, 2, extra));
                 Sentinels.Running s3 = Sentinels.ours(Sentinels.conf(dir, "ours2", Sentinels.freePort(), oldPort, 2, extra))) {
                List<Sentinels.Running> all = List.of(s1, s2, s3);
                for (Sentinels.Running s : all) {
                    await(90, "sentinel " + s.port() + " sees 2 replicas and 2 sentinels", () -> {
                        Map<String, String> f = master(s.port());
                        return f.get("num-slaves").equals("2") && f.get("num-other-sentinels").equals("2")
                                && list(call(s.port(), "SENTINEL", "REPLICAS", "mymaster")).stream()
                                        .allMatch(r -> r.get("master-link-status").equals("ok"));
                    });
                }
                try (RespClient c = new RespClient(oldPort)) {
                    c.call("SET", "acked", "before-the-kill");
                    assertThat(c.call("WAIT", "1", "5000").asText()).isNotEqualTo("0");
                }
                long pid = Long.parseLong(Sentinels.infoField(oldPort, "server", "process_id"));
                ProcessHandle.of(pid).orElseThrow().destroyForcibly(); // SIGKILL
                Set<Integer> replicas = Set.of(a.port(), b.port());
                await(90, "every sentinel names a replica as the master", () -> {
                    Set<String> addrs = all.stream()
                            .map(s -> call(s.port(), "SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster").toString())
                            .collect(Collectors.toSet());
                    return addrs.size() == 1 && replicas.stream().anyMatch(p -> addrs.iterator().next().contains("\"" + p + "\""));
                });
                // the address clients get (SENTINEL MASTER shows the old one until the leader's switch)
                int newPort = Integer.parseInt(((dev.cinnabar.testkit.Resp.Agg) call(s2.port(), "SENTINEL",
                        "GET-MASTER-ADDR-BY-NAME", "mymaster")).items().get(1).asText());
                int other = newPort == a.port() ? b.port() : a.port();
                assertThat(replication(newPort, "role")).isEqualTo("master");
                await(60, "the other replica follows the new master", () ->
                        Integer.toString(newPort).equals(replication(other, "master_port"))
                                && "up".equals(replication(other, "master_link_status")));
                try (RespClient c = new RespClient(newPort)) {
                    assertThat(c.call("GET", "acked").asText()).isEqualTo("before-the-kill");
                }
                for (Sentinels.Running s : all) {
                    await(60, "sentinel " + s.port() + " has switched to the new master", () ->
                            master(s.port()).get("port").equals(Integer.toString(newPort)));
                    await(30, "sentinel " + s.port() + " lists the old master as a replica", () ->
                            list(call(s.port(), "SENTINEL", "REPLICAS", "mymaster")).stream()
                                    .anyMatch(r -> r.get("port").equals(Integer.toString(oldPort))));
                    assertThat(Long.parseLong(master(s.port()).get("config-epoch"))).isPositive();
                }
                // one leader, whichever implementation it was, ran the failover for all
                String logs = Files.readString(dir.resolve("real.log")) + Files.readString(dir.resolve("ours1.log"))
                        + Files.readString(dir.resolve("ours2.log"));
                assertThat(logs).contains("+elected-leader master mymaster").contains("+promoted-slave")
                        .contains("+switch-master mymaster 127.0.0.1 " + oldPort + " 127.0.0.1 " + newPort);

                // the old master comes back (empty, as a master) and is turned into a replica
                restarted = new ProcessBuilder(RealRedis.binary(), "--port", Integer.toString(oldPort), "--bind",
                        "127.0.0.1", "--save", "", "--dir", dir.toString(), "--daemonize", "no")
                        .redirectErrorStream(true).redirectOutput(dir.resolve("old-master.log").toFile()).start();
                await(90, "the old master replicates from the new one", () -> {
                    try {
                        return Integer.toString(newPort).equals(replication(oldPort, "master_port"))
                                && "up".equals(replication(oldPort, "master_link_status"));
                    } catch (RuntimeException e) {
                        return false;
                    }
                });
                try (RespClient c = new RespClient(oldPort)) {
                    assertThat(c.call("GET", "acked").asText()).isEqualTo("before-the-kill");
                }
            }
        } finally {
            m.close();
            if (restarted != null) {
                restarted.destroyForcibly();
                restarted.waitFor();
            }
        }
    }
}
