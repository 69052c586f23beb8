package dev.cinnabar.ops;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.cinnabar.server.metrics.PrometheusText;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Protocol;

/**
 * {@code cinnabar metrics}: a standalone Prometheus exporter for servers that have no built-in
 * endpoint (real Redis, older Cinnabar instances), with prometheus-redis-exporter's metric names
 * and labels (the same renderer as the built-in metrics-port endpoint, fed over RESP: INFO ALL,
 * CONFIG GET, SLOWLOG, LATENCY LATEST). Each scrape connects anew, as redis_exporter does; a
 * target that does not answer gives {@code redis_up 0}.
 */
@Command(name = "metrics", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Serve Prometheus metrics scraped from Redis-protocol servers, with redis_exporter's names.",
            "/metrics: the target's metrics (with several targets, each series labelled target=\"host:port\"); "
                    + "/scrape?target=HOST:PORT: one target's, as redis_exporter's multi-target endpoint (only "
                    + "the --targets given)."})
final class Exporter implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--targets", required = true, split = ",", paramLabel = "HOST:PORT",
            converter = HostPort.Converter.class, description = "The servers to scrape.")
    List<HostPort> targets = new ArrayList<>();

    @Option(names = {"-a", "--password"}, description = "Password for the targets (AUTH).")
    String password;

    @Option(names = "--port", description = "The HTTP port (default ${DEFAULT-VALUE}, as redis_exporter).")
    int port = 9121;

    @Option(names = "--bind", description = "The HTTP address (default ${DEFAULT-VALUE}).")
    String bind = "0.0.0.0";

    @Option(names = "--once", description = "Print one scrape on standard output and exit (no HTTP server).")
    boolean once;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (once) {
            out.print(metrics());
            out.flush();
            return 0;
        }
        HttpServer http;
        try {
            http = HttpServer.create(new InetSocketAddress(bind, port), 16);
        } catch (IOException e) {
            throw new IOException("cannot listen on " + bind + ":" + port + ": " + Cli.reason(e), e);
        }
        http.setExecutor(Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "metrics-http");
            t.setDaemon(true);
            return t;
        }));
        http.createContext("/metrics", ex -> {
            if (ex.getRequestURI().getPath().equals("/metrics")) {
                respond(ex, 200, metrics());
            } else {
                respond(ex, 404, "not found\n");
            }
        });
        http.createContext("/scrape", this::scrapeOne);
        http.createContext("/", ex -> respond(ex, ex.getRequestURI().getPath().equals("/") ? 200 : 404,
                "cinnabar metrics: /metrics, /scrape?target=HOST:PORT (targets: " + targets + ")\n"));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            http.stop(0);
            stopped.countDown();
        }));
        http.start();
        out.println("Serving metrics of " + targets.size() + " target(s) on http://" + bind + ":"
                + http.getAddress().getPort() + "/metrics (and /scrape?target=HOST:PORT)");
        out.flush();
        stopped.await();
        return 0;
    }

    private void scrapeOne(HttpExchange ex) throws IOException {
        String query = ex.getRequestURI().getRawQuery();
        String target = null;
        for (String kv : query == null ? new String[0] : query.split("&")) {
            if (kv.startsWith("target=")) {
                target = URLDecoder.decode(kv.substring(7), StandardCharsets.UTF_8);
            }
        }
        if (target == null) {
            respond(ex, 400, "give ?target=HOST:PORT (one of " + targets + ")\n");
            return;
        }
        String t = target.replaceFirst("^rediss?://", "").replaceFirst("/.*$", "");
        for (HostPort h : targets) {
            if (h.toString().equals(t) || (t.contains(":") && sameTarget(h, t))) {
                respond(ex, 200, scrape(h));
                return;
            }
        }
        respond(ex, 400, "target " + target + " is not one of the --targets " + targets + "\n");
    }

    private static boolean sameTarget(HostPort h, String t) {
        try {
            HostPort other = HostPort.parse(t);
            return h.sameAs(other.host(), other.port());
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static void respond(HttpExchange ex, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", status == 200 && body.startsWith("#")
                ? "text/plain; version=0.0.4; charset=utf-8" : "text/plain; charset=utf-8");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream os = ex.getResponseBody()) {
            os.write(bytes);
        }
    }

    /** Every target's exposition: the one target's as is, several merged with a target label. */
    String metrics() {
        if (targets.size() == 1) {
            return scrape(targets.get(0));
        }
        Map<String, StringBuilder> families = new LinkedHashMap<>();
        for (HostPort h : targets) {
            String label = "target=\"" + h + "\"";
            StringBuilder family = null;
            for (String line : scrape(h).split("\n")) {
                if (line.startsWith("# TYPE ")) {
                    String name = line.substring(7, line.indexOf(' ', 7));
                    family = families.get(name);
                    if (family == null) {
                        family = new StringBuilder(line).append('\n');
                        families.put(name, family);
                    }
                } else if (family != null && !line.isBlank() && !line.startsWith("#")) {
                    int brace = line.indexOf('{');
                    int space = line.indexOf(' ');
                    family.append(brace >= 0 && brace < space ? line.substring(0, brace + 1) + label + ","
                            + line.substring(brace + 1) : line.substring(0, space) + "{" + label + "}"
                            + line.substring(space)).append('\n');
                }
            }
        }
        StringBuilder sb = new StringBuilder();
        families.values().forEach(sb::append);
        return sb.toString();
    }

    /** One target's exposition, or redis_up 0 when it cannot be read. */
    String scrape(HostPort target) {
        try (Jedis j = target.connect(password)) {
            String info = j.info("all");
            List<PrometheusText.Spike> spikes = new ArrayList<>();
            Object latest = optional(j, Protocol.Command.LATENCY, "LATEST");
            if (latest instanceof List<?> rows) {
                for (Object row : rows) {
                    List<?> r = (List<?>) row;
                    spikes.add(new PrometheusText.Spike(text(r.get(0)), (Long) r.get(1), (Long) r.get(2)));
                }
            }
            long lastId = 0;
            long lastMicros = 0;
            if (optional(j, Protocol.Command.SLOWLOG, "GET", "1") instanceof List<?> l && !l.isEmpty()) {
                List<?> e = (List<?>) l.get(0);
                lastId = (Long) e.get(0);
                lastMicros = (Long) e.get(2);
            }
            Object len = optional(j, Protocol.Command.SLOWLOG, "LEN");
            PrometheusText.Extras x = new PrometheusText.Extras((int) config(j, "databases", 16),
                    config(j, "maxclients", 0), config(j, "maxmemory", 0), config(j, "io-threads", 1),
                    len instanceof Long n ? n : 0, lastId, lastMicros, spikes);
            return PrometheusText.render(info, x, System.currentTimeMillis() / 1000);
        } catch (RuntimeException e) {
            return PrometheusText.down();
        }
    }

    /** A command's reply, or null when the server refuses it (renamed, older, ACL). */
    private static Object optional(Jedis j, Protocol.Command cmd, String... args) {
        try {
            return j.sendCommand(cmd, args);
        } catch (redis.clients.jedis.exceptions.JedisDataException e) {
            return null;
        }
    }

    /** CONFIG GET name as a number, or the default when the server does not have it or refuses CONFIG. */
    private static long config(Jedis j, String name, long otherwise) {
        if (optional(j, Protocol.Command.CONFIG, "GET", name) instanceof List<?> l && l.size() >= 2) {
            try {
                return Long.parseLong(text(l.get(1)));
            } catch (NumberFormatException e) {
                return otherwise;
            }
        }
        return otherwise;
    }

    private static String text(Object bulk) {
        return bulk instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(bulk);
    }
}
