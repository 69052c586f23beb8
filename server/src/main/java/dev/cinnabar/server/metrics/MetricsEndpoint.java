package dev.cinnabar.server.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.cinnabar.server.ServerContext;
import dev.cinnabar.server.command.server.MetricsSource;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The built-in Prometheus endpoint ({@code metrics-port}, our own directive, 0 = off): GET
 * /metrics answers the server's metrics with redis_exporter's names ({@link PrometheusText}).
 * The JDK's HTTP server on one daemon thread of its own; a scrape takes the execution lock for the
 * time INFO takes, as a client's INFO does, so the command path pays nothing between scrapes.
 * It listens on the address of the server's first {@code bind} entry ("*" = every interface).
 */
public final class MetricsEndpoint implements AutoCloseable {
    private final HttpServer http;
    private final ExecutorService thread;

    private MetricsEndpoint(HttpServer http, ExecutorService thread) {
        this.http = http;
        this.thread = thread;
    }

    /** Starts the endpoint on the port, or fails with a message naming it. */
    public static MetricsEndpoint start(ServerContext ctx, int port) throws IOException {
        String bind = ctx.config().bind.isEmpty() ? "*" : ctx.config().bind.get(0);
        bind = bind.startsWith("-") ? bind.substring(1) : bind;
        InetSocketAddress addr = bind.equals("*") || bind.equals("::*") ? new InetSocketAddress(port)
                : new InetSocketAddress(bind, port);
        HttpServer http = HttpServer.create(addr, 16);
        ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "cinnabar-metrics");
            t.setDaemon(true);
            return t;
        });
        http.setExecutor(thread);
        http.createContext("/", ex -> serve(ctx, ex));
        http.start();
        ctx.log().notice("Metrics endpoint listening on " + addr.getHostString() + ":" + http.getAddress().getPort()
                + " (/metrics)");
        return new MetricsEndpoint(http, thread);
    }

    public int port() {
        return http.getAddress().getPort();
    }

    private static void serve(ServerContext ctx, HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            if (!ex.getRequestMethod().equals("GET") && !ex.getRequestMethod().equals("HEAD")) {
                send(ex, 405, "text/plain; charset=utf-8", "only GET /metrics\n");
            } else if (path.equals("/metrics")) {
                String text = scrape(ctx);
                if (text == null) {
                    send(ex, 503, "text/plain; charset=utf-8", "the server is busy (a script or a long command "
                            + "holds it for more than " + LOCK_WAIT_MS + " ms); try again\n");
                } else {
                    send(ex, 200, "text/plain; version=0.0.4; charset=utf-8", text);
                }
            } else if (path.equals("/")) {
                send(ex, 200, "text/html; charset=utf-8",
                        "<html><head><title>Cinnabar metrics</title></head><body><a href=\"/metrics\">Metrics</a></body></html>\n");
            } else {
                send(ex, 404, "text/plain; charset=utf-8", "not found: " + path + " (the metrics are at /metrics)\n");
            }
        }
    }

    /** How long a scrape waits for the execution lock before answering 503. */
    static final long LOCK_WAIT_MS = 2000;

    /** The exposition, or null when the lock stayed taken (a busy script). */
    private static String scrape(ServerContext ctx) {
        try {
            if (!ctx.lock().tryLock(LOCK_WAIT_MS, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                return null;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
        try {
            return MetricsSource.scrape(ctx);
        } finally {
            ctx.lock().unlock();
        }
    }

    private static void send(HttpExchange ex, int status, String type, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        boolean head = ex.getRequestMethod().equals("HEAD");
        ex.sendResponseHeaders(status, head ? -1 : b.length);
        if (!head) {
            try (OutputStream os = ex.getResponseBody()) {
                os.write(b);
            }
        }
    }

    @Override
    public void close() {
        http.stop(0);
        thread.shutdownNow();
    }
}
