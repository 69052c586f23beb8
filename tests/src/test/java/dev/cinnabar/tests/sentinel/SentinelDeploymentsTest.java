package dev.cinnabar.tests.sentinel;

import static dev.cinnabar.tests.sentinel.Deployment.Kind.CINNABAR;
import static dev.cinnabar.tests.sentinel.Deployment.Kind.REDIS;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mixed deployments (issue 16's proof): three of our sentinels watching real Redis (a master and
 * two replicas), three redis-sentinels watching Cinnabar, a mixed quorum watching Cinnabar, and
 * the all-Redis deployment they are measured against. In each, kill -9 of the master: a new
 * master accepts writes, found through the sentinels as a client finds it, and every write
 * acknowledged by WAIT 1 before the kill is on it. The time from the kill to that write is
 * printed ("SENTINEL-FAILOVER ..."), not asserted; {@code -Dsentinel.failover.runs=N} repeats each
 * deployment for docs/benchmarks.md.
 */
class SentinelDeploymentsTest {
    private static final int RUNS = Integer.getInteger("sentinel.failover.runs", 1);

    private static void failOver(Path dir, Deployment.Kind servers, List<Deployment.Kind> sentinels) throws Exception {
        for (int run = 0; run < RUNS; run++) {
            try (Deployment d = Deployment.start(dir.resolve("run" + run), servers, 2, sentinels)) {
                Deployment.Failover f = d.killMasterAndFailOver(60);
                assertThat(f.newPort()).isNotEqualTo(f.oldPort());
                assertThat(Deployment.replication(f.newPort(), "role")).isEqualTo("master");
                assertThat(f.acknowledged()).isGreaterThanOrEqualTo(50);
            }
        }
    }

    @Test
    void ourSentinelsFailOverRealRedis(@TempDir Path dir) throws Exception {
        failOver(dir, REDIS, List.of(CINNABAR, CINNABAR, CINNABAR));
    }

    @Test
    void redisSentinelsFailOverCinnabar(@TempDir Path dir) throws Exception {
        failOver(dir, CINNABAR, List.of(REDIS, REDIS, REDIS));
    }

    @Test
    void mixedQuorumFailsOverCinnabar(@TempDir Path dir) throws Exception {
        failOver(dir, CINNABAR, List.of(REDIS, CINNABAR, CINNABAR));
    }

    /** The reference: redis-sentinel and redis-server only, the same steps. */
    @Test
    void allRedisReference(@TempDir Path dir) throws Exception {
        failOver(dir, REDIS, List.of(REDIS, REDIS, REDIS));
    }
}
