package dev.cinnabar.tests.unit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.testkit.CinnabarExtension;
import dev.cinnabar.testkit.Resp;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Per-command latency tracking: INFO latencystats and LATENCY HISTOGRAM against real Redis 7.0
 * (tests/unit/latency-monitor.tcl and info.tcl). Times differ between the servers, so the
 * comparisons keep what does not depend on them: which commands appear, call counts, labels,
 * formats, and that every figure sits on an HDR bucket edge.
 */
class LatencyStatsTest {
    @RegisterExtension
    static CinnabarExtension server = new CinnabarExtension();
    @RegisterExtension
    static DifferentialPair d = new DifferentialPair(server);

    /** LATENCY HISTOGRAM as name -> [calls, last cumulative count, bucket keys ascending?]. */
    private static Map<String, List<Object>> shape(Resp reply) {
        List<Resp> items = ((Resp.Agg) reply).items();
        Map<String, List<Object>> out = new LinkedHashMap<>();
        for (int i = 0; i < items.size(); i += 2) {
            List<Resp> m = ((Resp.Agg) items.get(i + 1)).items();
            assertThat(m.get(0).asText()).isEqualTo("calls");
            assertThat(m.get(2).asText()).isEqualTo("histogram_usec");
            List<Resp> buckets = ((Resp.Agg) m.get(3)).items();
            long lastKey = -1;
            long lastCount = 0;
            for (int j = 0; j < buckets.size(); j += 2) {
                long key = ((Resp.Int) buckets.get(j)).value();
                long count = ((Resp.Int) buckets.get(j + 1)).value();
                assertThat(key).as("bucket keys ascend").isGreaterThan(lastKey);
                assertThat(count).as("cumulative counts grow").isGreaterThan(lastCount);
                lastKey = key;
                lastCount = count;
            }
            out.put(items.get(i).asText(), List.of(m.get(1), lastCount, ((Resp.Agg) m.get(3)).kind()));
        }
        return out;
    }

    /** INFO latencystats lines as name -> labels ("p50,p99,p99.9"), checking each value's format. */
    private static Map<String, String> stats(Resp info) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String line : info.asText().split("\r\n")) {
            if (!line.startsWith("latency_percentiles_usec_")) {
                continue;
            }
            String[] kv = line.substring("latency_percentiles_usec_".length()).split(":", 2);
            List<String> labels = new ArrayList<>();
            for (String p : kv[1].split(",")) {
                String[] lv = p.split("=");
                assertThat(lv[1]).as(line).matches("\\d+\\.\\d{3}");
                labels.add(lv[0]);
            }
            out.put(kv[0], String.join(",", labels));
        }
        return out;
    }

    private static List<String> lines(Resp info) {
        return java.util.Arrays.stream(info.asText().split("\r\n")).sorted().toList();
    }

    private static Map<String, String> sorted(Map<String, String> m) {
        return new java.util.TreeMap<>(m);
    }

    @Test
    void histogramRepliesPerCommand() {
        d.both("CONFIG", "RESETSTAT");
        for (int i = 0; i < 3; i++) {
            d.both("SET", "k" + i, "v");
        }
        d.both("GET", "k1");
        d.ours.call("OBJECT", "HELP"); // our own help wording
        d.real.call("OBJECT", "HELP");
        for (String[] args : new String[][] {{"LATENCY", "HISTOGRAM", "set"}, {"LATENCY", "HISTOGRAM", "SET", "nosuch", "get"},
                {"LATENCY", "HISTOGRAM", "config"}, {"LATENCY", "HISTOGRAM", "config|resetstat"},
                {"LATENCY", "HISTOGRAM", "nosuch"}, {"LATENCY", "HISTOGRAM", "object"}}) {
            Map<String, List<Object>> ours = shape(d.ours.call(args));
            assertThat(ours).as(String.join(" ", args)).isEqualTo(shape(d.real.call(args)));
        }
        assertThat(shape(d.ours.call("LATENCY", "HISTOGRAM", "set")).get("set")).containsExactly(new Resp.Int(3), 3L, '*');
        Map<String, List<Object>> all = shape(d.ours.call("LATENCY", "HISTOGRAM"));
        assertThat(all.keySet()).containsAll(List.of("set", "get", "config|resetstat", "latency|histogram"));
        assertThat(all.keySet()).isEqualTo(shape(d.real.call("LATENCY", "HISTOGRAM")).keySet());
        d.ours.call("HELLO", "3");
        d.real.call("HELLO", "3");
        assertThat(shape(d.ours.call("LATENCY", "HISTOGRAM", "get"))).isEqualTo(shape(d.real.call("LATENCY", "HISTOGRAM", "get")))
                .containsEntry("get", List.of(new Resp.Int(1), 1L, '%'));
    }

    @Test
    void infoLatencystatsFollowsTheConfig() {
        d.both("CONFIG", "RESETSTAT");
        d.both("SET", "k", "v");
        d.both("INCR", "n");
        d.both("CLIENT", "GETNAME");
        assertThat(d.ours.call("INFO").asText()).doesNotContain("Latencystats");
        assertThat(d.real.call("INFO").asText()).doesNotContain("Latencystats");
        Map<String, String> ours = stats(d.ours.call("INFO", "latencystats"));
        assertThat(sorted(ours)).isEqualTo(sorted(stats(d.real.call("INFO", "latencystats"))))
                .containsEntry("set", "p50,p99,p99.9").containsEntry("client|getname", "p50,p99,p99.9");
        d.both("CONFIG", "SET", "latency-tracking-info-percentiles", "0 50.5 100");
        d.both("CONFIG", "GET", "latency-tracking-info-percentiles");
        assertThat(sorted(stats(d.ours.call("INFO", "latencystats"))))
                .isEqualTo(sorted(stats(d.real.call("INFO", "latencystats")))).containsEntry("incr", "p0,p50.5,p100");
        d.both("CONFIG", "SET", "latency-tracking-info-percentiles", "101");
        d.both("CONFIG", "SET", "latency-tracking-info-percentiles", "x");
        d.both("CONFIG", "SET", "latency-tracking-info-percentiles", "");
        List<String> bare = lines(d.ours.call("INFO", "latencystats"));
        assertThat(bare).as("no percentiles configured: only the names").contains("latency_percentiles_usec_set:")
                .isEqualTo(lines(d.real.call("INFO", "latencystats")));
        d.both("CONFIG", "SET", "latency-tracking-info-percentiles", "50 99 99.9");
        d.both("CONFIG", "SET", "latency-tracking", "no");
        d.both("GET", "k");
        assertThat(d.ours.call("INFO", "latencystats").asText()).isEqualTo("# Latencystats\r\n")
                .isEqualTo(d.real.call("INFO", "latencystats").asText());
        d.both("CONFIG", "SET", "latency-tracking", "yes");
        d.both("CONFIG", "RESETSTAT");
        assertThat(stats(d.ours.call("INFO", "latencystats")).keySet()).containsExactly("config|resetstat")
                .isEqualTo(stats(d.real.call("INFO", "latencystats")).keySet());
    }

    @Test
    void blockedCallsAreNotSamplesUntilServed() {
        d.both("CONFIG", "RESETSTAT");
        d.both("BLPOP", "nolist", "0.01");
        Map<String, List<Object>> ours = shape(d.ours.call("LATENCY", "HISTOGRAM", "blpop"));
        assertThat(ours).isEqualTo(shape(d.real.call("LATENCY", "HISTOGRAM", "blpop")));
    }
}
