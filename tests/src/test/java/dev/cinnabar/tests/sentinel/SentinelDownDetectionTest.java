package dev.cinnabar.tests.sentinel;

import static dev.cinnabar.tests.sentinel.Sentinels.await;
import static dev.cinnabar.tests.sentinel.Sentinels.master;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.testkit.stress.ServerProcess;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * When down-after-milliseconds starts counting for a master that died (kill -9: its connections
 * close, reconnecting is refused), side by side with redis-sentinel. Redis sends a PING on every
 * new command link, even one whose connect will fail, and counts from the first PING left
 * unanswered: SENTINEL MASTER shows last-ping-sent growing from the first reconnection (about a
 * ping period after the last good reply), and s_down comes only once it passes
 * down-after-milliseconds. Counting from the last good reply instead marks the master down up to a
 * ping period (1 s) early, which with down-after-milliseconds 2000 is half of it.
 *
 * <p>And the timer's frequency: Redis's sentinel picks a new hz, 10 to 19, at every timer cycle
 * (INFO's hz shows it), so that sentinels started together do not tick, and ask for votes, in step.
 */
class SentinelDownDetectionTest {
    @Test
    void downAfterCountsFromTheFirstUnansweredPingAsRedis(@TempDir Path dir) {
        Sentinels.assumeAvailable();
        try (ServerProcess m = ServerProcess.redis()) {
            String[] opts = {"sentinel down-after-milliseconds mymaster 2000"};
            try (Sentinels.Running real = Sentinels.real(Sentinels.conf(dir, "real", Sentinels.freePort(), m.port(), 1, opts));
                 Sentinels.Running ours = Sentinels.ours(Sentinels.conf(dir, "ours", Sentinels.freePort(), m.port(), 1, opts))) {
                List<Sentinels.Running> both = List.of(real, ours);
                for (Sentinels.Running s : both) {
                    await(30, "sentinel " + s.port() + " has a reply from the master", () ->
                            !master(s.port()).get("flags").contains("disconnected")
                                    && master(s.port()).get("last-ping-sent").equals("0"));
                }
                long pid = Long.parseLong(Sentinels.infoField(m.port(), "server", "process_id"));
                ProcessHandle.of(pid).orElseThrow().destroyForcibly(); // SIGKILL
                for (Sentinels.Running s : both) {
                    String name = s == real ? "redis-sentinel" : "ours";
                    // a PING is pending from the first reconnection on, refused as it is
                    await(10, name + ": last-ping-sent runs while the master is disconnected", () -> {
                        Map<String, String> f = master(s.port());
                        return f.get("flags").contains("disconnected") && !f.get("last-ping-sent").equals("0");
                    });
                    // s_down only when that PING has gone unanswered for down-after-milliseconds
                    String[] seen = new String[1];
                    await(30, name + ": s_down", () -> {
                        Map<String, String> f = master(s.port());
                        seen[0] = f.get("last-ping-sent");
                        return f.get("flags").contains("s_down");
                    });
                    assertThat(Long.parseLong(seen[0])).as(name + ": last-ping-sent at s_down").isGreaterThan(2000);
                }
            }
        }
    }

    @Test
    void timerFrequencyChangesEveryCycleAsRedis(@TempDir Path dir) throws InterruptedException {
        Sentinels.assumeAvailable();
        try (ServerProcess m = ServerProcess.redis();
             Sentinels.Running real = Sentinels.real(Sentinels.conf(dir, "real", Sentinels.freePort(), m.port(), 1));
             Sentinels.Running ours = Sentinels.ours(Sentinels.conf(dir, "ours", Sentinels.freePort(), m.port(), 1))) {
            for (Sentinels.Running s : List.of(real, ours)) {
                Set<Integer> seen = new TreeSet<>();
                for (int i = 0; i < 40 && seen.size() < 3; i++) {
                    seen.add(Integer.parseInt(Sentinels.infoField(s.port(), "server", "hz")));
                    assertThat(Sentinels.infoField(s.port(), "server", "configured_hz")).isEqualTo("10");
                    Thread.sleep(130);
                }
                assertThat(seen).as(s == real ? "redis-sentinel" : "ours").hasSizeGreaterThanOrEqualTo(3)
                        .allMatch(hz -> hz >= 10 && hz <= 19);
            }
        }
    }
}
