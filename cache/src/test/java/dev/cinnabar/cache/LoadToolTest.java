package dev.cinnabar.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.cache.tool.LoadTool;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import picocli.CommandLine;

/** The load tool's scenarios show each defence paying off (short runs; full runs in docs/benchmarks.md). */
class LoadToolTest {
    @RegisterExtension
    static RedisFixture fx = new RedisFixture();

    private LoadTool.Result run(String scenario, String defence, String... extra) throws Exception {
        LoadTool tool = new LoadTool().out(new PrintStream(new ByteArrayOutputStream()));
        String[] base = {"--port", Integer.toString(fx.redis.port()), "--scenario", scenario, "--defence", defence,
            "--threads", "16", "--seconds", "2", "--keys", "2000", "--db-latency-us", "500", "--quiet"};
        String[] args = java.util.Arrays.copyOf(base, base.length + extra.length);
        System.arraycopy(extra, 0, args, base.length, extra.length);
        new CommandLine(tool).setOverwrittenOptionsAllowed(true).parseArgs(args);
        return tool.run();
    }

    @Test
    void penetrationDefenceKeepsAbsentIdsAwayFromTheDatabase() throws Exception {
        LoadTool.Result off = run("penetration", "off");
        LoadTool.Result on = run("penetration", "on");
        assertThat(on.dbQueries()).isLessThan(off.dbQueries() / 5);
    }

    @Test
    void breakdownDefenceLoadsTheHotKeyOncePerExpiry() throws Exception {
        LoadTool.Result off = run("breakdown", "off", "--db-latency-us", "50000");
        LoadTool.Result on = run("breakdown", "on", "--db-latency-us", "50000");
        assertThat(on.dbQueries()).isLessThan(off.dbQueries());
        assertThat(on.dbPeakConcurrency()).isEqualTo(1);
    }

    @Test
    void normalWorkloadReportsAHighHitRate() throws Exception {
        LoadTool.Result r = run("normal", "on");
        assertThat(r.operations()).isPositive();
        assertThat(r.hitRate()).isGreaterThan(0.5);
        assertThat(r.toString()).contains("hit_rate=").contains("p99=");
    }
}
