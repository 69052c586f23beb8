package dev.cinnabar.tests.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cinnabar.testkit.CinnabarExtension;
import dev.cinnabar.testkit.Ports;
import dev.cinnabar.testkit.RespClient;
import dev.cinnabar.testkit.Tools;
import dev.cinnabar.testkit.stress.ServerProcess;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The shipped alert rules and Grafana dashboard (ops/monitoring): promtool checks the rules and
 * runs their unit tests on recorded samples; the dashboard has Grafana's shape (panels with a
 * type, title, grid position and Prometheus targets, a data-source variable), and every metric
 * its queries and the rules read is one the server's endpoint serves.
 */
class MonitoringFilesTest {
    @RegisterExtension
    static CinnabarExtension server = new CinnabarExtension();

    private static final Path DIR = ServerProcess.repositoryRoot().resolve("ops/monitoring");
    private static final Pattern METRIC = Pattern.compile("\\bredis_[a-z_]+");
    /** Series that exist only with replicas, after an error or a latency event. */
    private static final Set<String> CONDITIONAL = Set.of("redis_connected_slave_offset_bytes",
            "redis_connected_slave_lag_seconds", "redis_master_link_up");

    @Test
    void promtoolAcceptsTheRulesAndTheirTestsPass() {
        String promtool = Tools.require("promtool");
        Tools.Run check = Tools.run(List.of(promtool, "check", "rules", DIR.resolve("prometheus/cinnabar-alerts.yml")
                .toString()), null, 60, java.util.Map.of());
        assertThat(check.exitCode()).as(check.toString()).isZero();
        assertThat(check.stdout()).contains("SUCCESS: 9 rules found");
        Tools.Run test = Tools.run(List.of(promtool, "test", "rules", DIR.resolve("prometheus/cinnabar-alerts.test.yml")
                .toString()), null, 60, java.util.Map.of());
        assertThat(test.exitCode()).as(test.toString()).isZero();
        assertThat(test.stdout()).contains("SUCCESS");
    }

    @Test
    void dashboardHasGrafanasShapeAndReadsServedMetrics() throws Exception {
        JsonNode d = new ObjectMapper().readTree(DIR.resolve("grafana/cinnabar-dashboard.json").toFile());
        assertThat(d.path("title").asText()).isNotBlank();
        assertThat(d.path("uid").asText()).isNotBlank();
        boolean dsVariable = false;
        for (JsonNode v : d.path("templating").path("list")) {
            dsVariable |= v.path("type").asText().equals("datasource") && v.path("query").asText().equals("prometheus");
        }
        assertThat(dsVariable).as("a Prometheus data-source variable").isTrue();
        Set<String> used = new TreeSet<>();
        Set<Integer> ids = new TreeSet<>();
        assertThat(d.path("panels").size()).isGreaterThanOrEqualTo(8);
        for (JsonNode p : d.path("panels")) {
            assertThat(ids.add(p.path("id").asInt())).as("unique panel ids").isTrue();
            assertThat(p.path("type").asText()).isIn("timeseries", "stat", "gauge");
            assertThat(p.path("title").asText()).isNotBlank();
            for (String k : List.of("x", "y", "w", "h")) {
                assertThat(p.path("gridPos").has(k)).as(p.path("title") + " gridPos." + k).isTrue();
            }
            assertThat(p.path("datasource").path("uid").asText()).isEqualTo("${DS_PROMETHEUS}");
            assertThat(p.path("targets").size()).as(p.path("title").asText()).isPositive();
            for (JsonNode t : p.path("targets")) {
                Matcher m = METRIC.matcher(t.path("expr").asText());
                while (m.find()) {
                    used.add(m.group());
                }
            }
        }
        String rules = java.nio.file.Files.readAllLines(DIR.resolve("prometheus/cinnabar-alerts.yml")).stream()
                .filter(l -> !l.strip().startsWith("#")).collect(java.util.stream.Collectors.joining("\n"));
        Matcher m = METRIC.matcher(rules);
        while (m.find()) {
            used.add(m.group());
        }
        Set<String> served = served();
        served.addAll(CONDITIONAL);
        assertThat(served).as("metrics the dashboard and rules read").containsAll(used);
    }

    private static Set<String> served() throws Exception {
        int port = Ports.free();
        try (RespClient c = server.client()) {
            c.call("CONFIG", "SET", "metrics-port", Integer.toString(port));
            try {
                Set<String> names = new TreeSet<>();
                for (String s : MetricsEndpointTest.samples(MetricsEndpointTest.get(port)).keySet()) {
                    int brace = s.indexOf('{');
                    names.add(brace < 0 ? s : s.substring(0, brace));
                }
                return names;
            } finally {
                c.call("CONFIG", "SET", "metrics-port", "0");
            }
        }
    }
}
