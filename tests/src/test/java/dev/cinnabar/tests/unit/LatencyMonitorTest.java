package dev.cinnabar.tests.unit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.server.ServerContext;
import dev.cinnabar.server.command.server.LatencyMonitor;
import dev.cinnabar.server.store.ManualClock;
import dev.cinnabar.testkit.CinnabarExtension;
import dev.cinnabar.testkit.Resp;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * LATENCY LATEST / HISTORY / GRAPH / RESET / DOCTOR, compared with real Redis 7.0
 * (tests/unit/latency-monitor.tcl). The embedded server's clock is manual (starting at the wall
 * clock) so that LATENCY GRAPH's age labels can be made to match Redis's.
 */
class LatencyMonitorTest {
    static final ManualClock clock = new ManualClock(System.currentTimeMillis());
    @RegisterExtension
    static CinnabarExtension server = new CinnabarExtension().setting("enable-debug-command", "yes").clock(clock);
    @RegisterExtension
    static DifferentialPair d = new DifferentialPair(server, "--enable-debug-command", "yes");

    /** [event, time, latest, max] entries without the time. */
    private static List<Object> withoutTimes(Resp latest) {
        return ((Resp.Agg) latest).items().stream().map(e -> {
            List<Resp> f = ((Resp.Agg) e).items();
            return (Object) List.of(f.get(0), f.get(2).asText().length(), f.get(3).asText().length());
        }).toList();
    }

    @Test
    void recordsSpikesOverTheThreshold() {
        d.both("LATENCY", "RESET");
        d.both("CONFIG", "SET", "latency-monitor-threshold", "0");
        d.both("DEBUG", "SLEEP", "0.11");
        d.both("LATENCY", "LATEST");
        d.both("CONFIG", "SET", "latency-monitor-threshold", "100");
        d.both("DEBUG", "SLEEP", "0.15");
        d.both("PING");
        Resp ours = d.ours.call("LATENCY", "LATEST");
        assertThat(withoutTimes(ours)).isEqualTo(withoutTimes(d.real.call("LATENCY", "LATEST")));
        List<Resp> entry = ((Resp.Agg) ((Resp.Agg) ours).items().get(0)).items();
        assertThat(entry.get(0).asText()).isEqualTo("command");
        assertThat(((Resp.Int) entry.get(2)).value()).isBetween(150L, 3000L);
        assertThat(((Resp.Int) entry.get(1)).value()).isCloseTo(System.currentTimeMillis() / 1000,
                org.assertj.core.data.Offset.offset(5L));
        List<Resp> history = ((Resp.Agg) d.ours.call("LATENCY", "HISTORY", "command")).items();
        assertThat(history).hasSize(1);
        assertThat(((Resp.Agg) d.real.call("LATENCY", "HISTORY", "command")).items()).hasSize(1);
        d.both("LATENCY", "HISTORY", "nosuch");
        d.both("LATENCY", "RESET", "nosuch", "command");
        d.both("LATENCY", "LATEST");
        d.both("LATENCY", "RESET");
        d.both("CONFIG", "SET", "latency-monitor-threshold", "0");
    }

    @Test
    void errorsAndDoctor() {
        d.both("LATENCY");
        d.both("LATENCY", "HISTORY");
        d.both("LATENCY", "LATEST", "x");
        d.both("LATENCY", "NOSUCH");
        assertThat(d.ours.call("LATENCY", "DOCTOR").asText()).contains("latency monitor is off");
        d.ours.call("CONFIG", "SET", "latency-monitor-threshold", "50");
        d.ours.call("DEBUG", "SLEEP", "0.06");
        assertThat(d.ours.call("LATENCY", "DOCTOR").asText()).contains("1. command: 1 latency spikes");
        d.ours.call("LATENCY", "RESET");
        d.ours.call("CONFIG", "SET", "latency-monitor-threshold", "0");
    }

    private static long seconds(Resp time) {
        return Long.parseLong(((Resp.Agg) time).items().get(0).asText());
    }

    /**
     * Redis records three spikes about a second apart; the same samples (times and milliseconds
     * read back with LATENCY HISTORY) are put into Cinnabar's monitor, its clock set to the second
     * Redis draws its graph in, and the two graphs must be the same bytes, in RESP2 and RESP3.
     */
    @Test
    void graphMatchesRedisForTheSameSamples() throws InterruptedException {
        d.both("LATENCY", "RESET");
        d.real.call("CONFIG", "SET", "latency-monitor-threshold", "1");
        d.real.call("DEBUG", "SLEEP", "0.01");
        Thread.sleep(1000);
        d.real.call("DEBUG", "SLEEP", "0.05");
        Thread.sleep(1100);
        d.real.call("DEBUG", "SLEEP", "0.02");
        d.real.call("CONFIG", "SET", "latency-monitor-threshold", "0");
        Resp history = d.real.call("LATENCY", "HISTORY", "command");
        List<Resp> samples = ((Resp.Agg) history).items();
        assertThat(samples).hasSizeGreaterThanOrEqualTo(2);

        ServerContext ctx = server.server().context();
        long lowest = Long.MAX_VALUE;
        for (Resp sample : samples) {
            lowest = Math.min(lowest, ((Resp.Int) ((Resp.Agg) sample).items().get(1)).value());
        }
        // Only the replayed samples reach this threshold (our own calls here take far less).
        d.ours.call("CONFIG", "SET", "latency-monitor-threshold", Long.toString(lowest));
        ReentrantLock lock = ctx.lock();
        lock.lock();
        try {
            for (Resp sample : samples) {
                List<Resp> f = ((Resp.Agg) sample).items();
                clock.set(((Resp.Int) f.get(0)).value() * 1000);
                LatencyMonitor.addSampleIfNeeded(ctx, "command", ((Resp.Int) f.get(1)).value());
            }
        } finally {
            lock.unlock();
        }
        assertThat(d.ours.call("LATENCY", "HISTORY", "command")).isEqualTo(history);

        for (String proto : List.of("2", "3")) {
            d.real.call("HELLO", proto);
            d.ours.call("HELLO", proto);
            Resp real;
            long before;
            long after;
            int tries = 0;
            do {
                before = seconds(d.real.call("TIME"));
                real = d.real.call("LATENCY", "GRAPH", "command");
                after = seconds(d.real.call("TIME"));
            } while (before != after && ++tries < 5);
            assertThat(after).isEqualTo(before);
            clock.set(before * 1000 + 500);
            assertThat(d.ours.call("LATENCY", "GRAPH", "command")).isEqualTo(real);
            assertThat(real.asText()).contains(" ms (all time high ", "-".repeat(80));
        }
        d.both("LATENCY", "GRAPH", "nosuch");
        d.both("LATENCY", "GRAPH");
        d.both("LATENCY", "GRAPH", "command", "x");
        d.both("LATENCY", "RESET");
        d.both("LATENCY", "GRAPH", "command");
        d.ours.call("CONFIG", "SET", "latency-monitor-threshold", "0");
        clock.set(System.currentTimeMillis());
    }

    /** The graph's labels follow the manual clock: minutes once a sample is a minute old. */
    @Test
    void graphLabelsAgeWithTheClock() {
        d.ours.call("LATENCY", "RESET");
        d.ours.call("CONFIG", "SET", "latency-monitor-threshold", "50");
        d.ours.call("DEBUG", "SLEEP", "0.06");
        d.ours.call("CONFIG", "SET", "latency-monitor-threshold", "0");
        String graph = d.ours.call("LATENCY", "GRAPH", "command").asText();
        assertThat(graph).endsWith("\n_\n \n0\ns\n");
        clock.advance(125_000);
        graph = d.ours.call("LATENCY", "GRAPH", "command").asText();
        assertThat(graph).endsWith("\n_\n \n2\nm\n");
        d.ours.call("LATENCY", "RESET");
        clock.set(System.currentTimeMillis());
    }
}
