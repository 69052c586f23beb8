package dev.cinnabar.tests.unit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.testkit.CinnabarExtension;
import dev.cinnabar.testkit.Resp;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** LATENCY LATEST / HISTORY / RESET / DOCTOR, compared with real Redis 7.0 (tests/unit/latency-monitor.tcl). */
class LatencyMonitorTest {
    @RegisterExtension
    static CinnabarExtension server = new CinnabarExtension().setting("enable-debug-command", "yes");
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
}
