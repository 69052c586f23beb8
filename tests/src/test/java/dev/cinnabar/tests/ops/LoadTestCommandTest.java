package dev.cinnabar.tests.ops;

import static dev.cinnabar.tests.ops.ReplicationCheckTest.cinnabar;
import static dev.cinnabar.tests.ops.ReplicationCheckTest.field;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.testkit.CinnabarExtension;
import dev.cinnabar.testkit.RealRedis;
import dev.cinnabar.testkit.RespClient;
import dev.cinnabar.tests.ops.ReplicationCheckTest.Result;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code cinnabar loadtest}: the design notes' hit-rate test is the caching toolkit's load tool,
 * reached from the ops tool; a short run against Cinnabar and against real Redis reports its hit
 * rate, and the server saw the reads.
 */
class LoadTestCommandTest {
    @RegisterExtension
    static CinnabarExtension server = new CinnabarExtension();

    private static final Pattern RESULT = Pattern.compile(
            "normal defence=on ops=(\\d+) hit_rate=(0\\.\\d+|1\\.0+) db_queries=(\\d+) .* p99=\\d+us .*");

    private static void hitRateRun(int port) {
        long before;
        try (RespClient c = new RespClient(port)) {
            before = Long.parseLong(field(c.call("INFO", "stats").asText(), "keyspace_hits"));
        }
        Result r = cinnabar("loadtest", "--port", Integer.toString(port), "--seconds", "1", "--threads", "4", "--keys",
                "300", "--db-latency-us", "200", "--quiet");
        assertThat(r.code()).as(r.out()).isZero();
        Matcher m = RESULT.matcher(r.out().strip());
        assertThat(m.find()).as(r.out()).isTrue();
        assertThat(Long.parseLong(m.group(1))).isPositive();
        assertThat(Double.parseDouble(m.group(2))).as(r.out()).isGreaterThan(0.3);
        try (RespClient c = new RespClient(port)) {
            long after = Long.parseLong(field(c.call("INFO", "stats").asText(), "keyspace_hits"));
            assertThat(after - before).as("the server's own keyspace hits").isPositive();
        }
    }

    @Test
    void againstCinnabar() {
        hitRateRun(server.port());
        Result help = cinnabar("loadtest", "--help");
        assertThat(help.code()).isZero();
        assertThat(help.out()).startsWith("Usage: cinnabar loadtest ").contains("--scenario", "--threads");
    }

    @Test
    void againstRealRedis() {
        try (RealRedis redis = RealRedis.start()) {
            hitRateRun(redis.port());
        }
    }
}
