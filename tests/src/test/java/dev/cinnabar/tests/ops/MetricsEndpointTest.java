package dev.cinnabar.tests.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.server.metrics.PrometheusText;
import dev.cinnabar.testkit.CinnabarExtension;
import dev.cinnabar.testkit.Ports;
import dev.cinnabar.testkit.RealRedis;
import dev.cinnabar.testkit.Resp;
import dev.cinnabar.testkit.RespClient;
import dev.cinnabar.testkit.Tools;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The built-in Prometheus endpoint (metrics-port) and its metric names against
 * prometheus-redis-exporter (Debian's package, which .ci/run installs): the exporter scraping
 * real Redis and our renderer fed the same server's INFO must give the same series names and
 * label names; the exporter scraping Cinnabar must find nothing our endpoint lacks; and the
 * values the design notes' panels and alert rules read are there and move.
 */
class MetricsEndpointTest {
    @RegisterExtension
    static CinnabarExtension server = new CinnabarExtension();

    /** Series the exporter reports about itself, not about the server. */
    private static final Pattern EXPORTER_OWN = Pattern.compile(
            "redis_exporter_.*|redis_target_scrape_request_errors_total|redis_last_key_groups_scrape_duration_milliseconds");

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** GET /metrics on the port; asserts 200. */
    static String get(int port) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return r.body();
    }

    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)\\})? (\\S+)$");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    /** "name{label,...}" -> value, for every sample of the redis_ families. */
    static Map<String, Double> samples(String text) {
        Map<String, Double> out = new TreeMap<>();
        for (String line : text.split("\n")) {
            if (line.startsWith("#") || line.isBlank()) {
                continue;
            }
            Matcher m = SAMPLE.matcher(line);
            assertThat(m.matches()).as("a well-formed sample line: " + line).isTrue();
            if (!m.group(1).startsWith("redis_")) {
                continue;
            }
            out.put(m.group(1) + (m.group(3) == null ? "" : "{" + m.group(3) + "}"), Double.parseDouble(m.group(4)));
        }
        return out;
    }

    /** The series shapes: metric name and its label names, values and label values left out. */
    static TreeSet<String> shapes(String text) {
        TreeSet<String> out = new TreeSet<>();
        for (String s : samples(text).keySet()) {
            int brace = s.indexOf('{');
            String name = brace < 0 ? s : s.substring(0, brace);
            if (EXPORTER_OWN.matcher(name).matches()) {
                continue;
            }
            List<String> labels = new ArrayList<>();
            if (brace >= 0) {
                Matcher m = LABEL.matcher(s.substring(brace));
                while (m.find()) {
                    labels.add(m.group(1));
                }
            }
            out.add(name + labels);
        }
        return out;
    }

    /** What prometheus-redis-exporter reports about the server on the port (one scrape). */
    static String exporterScrape(int redisPort) throws Exception {
        String exe = Tools.require("prometheus-redis-exporter");
        int web = Ports.free();
        Process p = new ProcessBuilder(exe, "--redis.addr", "redis://127.0.0.1:" + redisPort, "--web.listen-address",
                "127.0.0.1:" + web).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (true) {
                try {
                    return get(web);
                } catch (IOException e) {
                    if (System.nanoTime() > deadline) {
                        throw e;
                    }
                    Thread.sleep(100);
                }
            }
        } finally {
            p.destroy();
            p.waitFor();
        }
    }

    /** Our renderer fed what a standalone exporter reads from a server over RESP. */
    private static String renderFrom(RespClient c) {
        String info = c.call("INFO", "ALL").asText();
        Resp slow = c.call("SLOWLOG", "GET", "1");
        long lastId = 0;
        long lastMicros = 0;
        if (slow instanceof Resp.Agg a && !a.items().isEmpty() && a.items().get(0) instanceof Resp.Agg e) {
            lastId = Long.parseLong(e.items().get(0).asText());
            lastMicros = Long.parseLong(e.items().get(2).asText());
        }
        List<PrometheusText.Spike> spikes = new ArrayList<>();
        if (c.call("LATENCY", "LATEST") instanceof Resp.Agg a) {
            for (Resp r : a.items()) {
                List<Resp> row = ((Resp.Agg) r).items();
                spikes.add(new PrometheusText.Spike(row.get(0).asText(), Long.parseLong(row.get(1).asText()),
                        Long.parseLong(row.get(2).asText())));
            }
        }
        PrometheusText.Extras x = new PrometheusText.Extras(Integer.parseInt(config(c, "databases")),
                Long.parseLong(config(c, "maxclients")), Long.parseLong(config(c, "maxmemory")),
                Long.parseLong(config(c, "io-threads")), Long.parseLong(c.call("SLOWLOG", "LEN").asText()), lastId,
                lastMicros, spikes);
        return PrometheusText.render(info, x, System.currentTimeMillis() / 1000);
    }

    private static String config(RespClient c, String name) {
        return ((Resp.Agg) c.call("CONFIG", "GET", name)).items().get(1).asText();
    }

    /** Traffic that makes every family appear: hits, misses, an error, expiring keys in two databases. */
    static void traffic(RespClient c) {
        c.call("SET", "a", "1");
        c.call("SET", "t", "1", "EX", "1000");
        c.call("GET", "a");
        c.call("GET", "missing");
        c.call("INCR", "a");
        c.call("LPUSH", "a", "x"); // WRONGTYPE: errorstats
        c.call("SELECT", "9");
        c.call("SET", "z", "1", "PX", "500000");
        c.call("SELECT", "0");
        c.call("CONFIG", "SET", "latency-monitor-threshold", "1");
        c.call("DEBUG", "SLEEP", "0.01");
        c.call("CONFIG", "SET", "latency-monitor-threshold", "0");
    }

    @Test
    void rendererGivesTheExporterSeriesForRealRedis() throws Exception {
        try (RealRedis redis = RealRedis.start(); RespClient c = new RespClient(redis.port())) {
            c.call("CONFIG", "SET", "enable-debug-command", "yes"); // refused at run time: only a start option
            traffic(c);
            String exporter = exporterScrape(redis.port());
            String ours = renderFrom(c);
            assertThat(shapes(ours)).as("our series shapes, same Redis").isEqualTo(shapes(exporter));
        }
    }

    @Test
    void builtInEndpointServesWhatTheExporterFindsOnCinnabar() throws Exception {
        int port = Ports.free();
        try (RespClient c = server.client()) {
            assertThat(c.call("CONFIG", "SET", "metrics-port", Integer.toString(port)).asText()).isEqualTo("OK");
            try {
                traffic(c);
                String exporter = exporterScrape(server.port());
                String ours = get(port);
                assertThat(shapes(ours)).as("what the exporter reads from Cinnabar, served by Cinnabar itself")
                        .containsAll(shapes(exporter));
            } finally {
                c.call("CONFIG", "SET", "metrics-port", "0");
            }
        }
    }

    @Test
    void panelsAndAlertsFindTheirValues() throws Exception {
        int port = Ports.free();
        try (RespClient c = server.client()) {
            c.call("CONFIG", "SET", "maxmemory", "100mb");
            c.call("CONFIG", "SET", "metrics-port", Integer.toString(port));
            try {
                Map<String, Double> before = samples(get(port));
                c.call("SET", "k", "v");
                c.call("GET", "k");
                c.call("GET", "k");
                c.call("GET", "nope");
                Map<String, Double> after = samples(get(port));
                assertThat(after.get("redis_up")).isEqualTo(1.0);
                assertThat(after.get("redis_memory_max_bytes")).isEqualTo(100.0 * 1024 * 1024);
                assertThat(after.get("redis_memory_used_bytes")).isPositive();
                assertThat(after.get("redis_keyspace_hits_total") - before.get("redis_keyspace_hits_total")).isEqualTo(2.0);
                assertThat(after.get("redis_keyspace_misses_total") - before.get("redis_keyspace_misses_total"))
                        .isEqualTo(1.0);
                assertThat(after).containsKeys("redis_master_repl_offset", "redis_connected_clients",
                        "redis_rdb_last_bgsave_status", "redis_evicted_keys_total", "redis_connected_slaves",
                        "redis_commands_total{cmd=\"get\"}", "redis_db_keys{db=\"db0\"}", "redis_instance_info{"
                                + after.keySet().stream().filter(k -> k.startsWith("redis_instance_info{"))
                                        .findFirst().orElse("missing").substring("redis_instance_info{".length()));
                assertThat(after.get("redis_commands_total{cmd=\"get\"}")
                        - before.getOrDefault("redis_commands_total{cmd=\"get\"}", 0.0)).isEqualTo(3.0);
            } finally {
                c.call("CONFIG", "SET", "metrics-port", "0");
                c.call("CONFIG", "SET", "maxmemory", "0");
            }
        }
    }

    @Test
    void aTakenPortIsRefusedAndTheEndpointStops() throws Exception {
        try (RespClient c = server.client(); java.net.ServerSocket taken = new java.net.ServerSocket(0, 1,
                java.net.InetAddress.getByName("127.0.0.1"))) {
            Resp r = c.call("CONFIG", "SET", "metrics-port", Integer.toString(taken.getLocalPort()));
            assertThat(r.toString()).contains("metrics port");
            int port = Ports.free();
            c.call("CONFIG", "SET", "metrics-port", Integer.toString(port));
            assertThat(get(port)).contains("redis_up 1");
            c.call("CONFIG", "SET", "metrics-port", "0");
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> get(port)).isInstanceOf(IOException.class);
        }
    }
}
