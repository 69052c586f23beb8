package dev.cinnabar.tests.ops;

import static dev.cinnabar.tests.ops.ReplicationCheckTest.cinnabar;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.testkit.CinnabarExtension;
import dev.cinnabar.testkit.Ports;
import dev.cinnabar.testkit.RealRedis;
import dev.cinnabar.testkit.RespClient;
import dev.cinnabar.testkit.stress.ServerProcess;
import dev.cinnabar.tests.ops.ReplicationCheckTest.Result;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code cinnabar metrics}, the standalone exporter: against the same real Redis it gives the
 * series names and label names prometheus-redis-exporter gives; against Cinnabar everything the
 * exporter finds; over HTTP /metrics (several targets merged, labelled, a dead one redis_up 0)
 * and /scrape?target= as redis_exporter's multi-target endpoint.
 */
class ExporterTest {
    @RegisterExtension
    static CinnabarExtension server = new CinnabarExtension();

    @Test
    void sameSeriesAsRedisExporterOnRealRedis() throws Exception {
        try (RealRedis redis = RealRedis.start("--enable-debug-command", "yes"); RespClient c = redis.client()) {
            MetricsEndpointTest.traffic(c);
            String exporter = MetricsEndpointTest.exporterScrape(redis.port());
            Result ours = cinnabar("metrics", "--targets", "127.0.0.1:" + redis.port(), "--once");
            assertThat(ours.code()).as(ours.out()).isZero();
            assertThat(MetricsEndpointTest.shapes(ours.out())).as("series shapes, same Redis")
                    .isEqualTo(MetricsEndpointTest.shapes(exporter));
            Map<String, Double> m = MetricsEndpointTest.samples(ours.out());
            assertThat(m.get("redis_up")).isEqualTo(1.0);
            assertThat(m.get("redis_keyspace_hits_total")).isEqualTo(1.0);
            assertThat(m.get("redis_keyspace_misses_total")).isEqualTo(1.0);
        }
    }

    @Test
    void onCinnabarEverythingTheExporterFinds() throws Exception {
        try (RespClient c = server.client()) {
            MetricsEndpointTest.traffic(c);
        }
        String exporter = MetricsEndpointTest.exporterScrape(server.port());
        Result ours = cinnabar("metrics", "--targets", "127.0.0.1:" + server.port(), "--once");
        assertThat(ours.code()).as(ours.out()).isZero();
        assertThat(MetricsEndpointTest.shapes(ours.out())).containsAll(MetricsEndpointTest.shapes(exporter));
    }

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static HttpResponse<String> get(int port, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void httpEndpointsForSeveralTargets() throws Exception {
        int dead = Ports.free();
        int web = Ports.free();
        try (RealRedis redis = RealRedis.start()) {
            String a = "127.0.0.1:" + redis.port();
            String b = "127.0.0.1:" + server.port();
            String c = "127.0.0.1:" + dead;
            List<String> cmd = new ArrayList<>(List.of(ServerProcess.repositoryRoot().resolve("bin/cinnabar").toString(),
                    "metrics", "--targets", a + "," + b + "," + c, "--port", Integer.toString(web), "--bind",
                    "127.0.0.1"));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            try {
                BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                String line = out.readLine();
                assertThat(line).isEqualTo("Serving metrics of 3 target(s) on http://127.0.0.1:" + web
                        + "/metrics (and /scrape?target=HOST:PORT)");
                HttpResponse<String> all = get(web, "/metrics");
                assertThat(all.statusCode()).isEqualTo(200);
                assertThat(all.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain; version=0.0.4");
                Map<String, Double> m = MetricsEndpointTest.samples(all.body()); // every line well-formed
                assertThat(m.get("redis_up{target=\"" + a + "\"}")).isEqualTo(1.0);
                assertThat(m.get("redis_up{target=\"" + b + "\"}")).isEqualTo(1.0);
                assertThat(m.get("redis_up{target=\"" + c + "\"}")).isEqualTo(0.0);
                assertThat(m).containsKey("redis_memory_used_bytes{target=\"" + b + "\"}");
                assertThat(all.body().lines().filter(l -> l.startsWith("# TYPE redis_up ")).count()).isEqualTo(1);
                HttpResponse<String> one = get(web, "/scrape?target=redis://" + a);
                assertThat(one.statusCode()).isEqualTo(200);
                assertThat(MetricsEndpointTest.samples(one.body())).containsEntry("redis_up", 1.0)
                        .doesNotContainKey("redis_up{target=\"" + a + "\"}");
                HttpResponse<String> other = get(web, "/scrape?target=10.1.2.3:6379");
                assertThat(other.statusCode()).isEqualTo(400);
                assertThat(other.body()).contains("is not one of the --targets");
            } finally {
                p.destroy();
                assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            }
        }
    }
}
