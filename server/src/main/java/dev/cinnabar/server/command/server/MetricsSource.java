package dev.cinnabar.server.command.server;

import dev.cinnabar.server.ServerContext;
import dev.cinnabar.server.metrics.PrometheusText;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the built-in metrics endpoint reads from this server for one scrape: INFO ALL's text and
 * the facts redis_exporter gets from CONFIG GET, SLOWLOG and LATENCY LATEST. Called under the
 * execution lock, like a client's INFO.
 */
public final class MetricsSource {
    private MetricsSource() {
    }

    /** The exposition of this server now (caller holds the execution lock). */
    public static String scrape(ServerContext s) {
        String info = InfoCommand.generate(s, Set.of("server", "clients", "memory", "persistence", "stats",
                "replication", "cpu", "modules", "commandstats", "errorstats", "latencystats", "cluster", "keyspace"));
        SlowLog slow = SlowLog.of(s);
        long length = slow.size();
        long lastId = 0;
        long lastMicros = 0;
        Iterator<SlowLog.Entry> it = slow.iterator();
        if (it.hasNext()) {
            SlowLog.Entry newest = it.next();
            lastId = newest.id();
            lastMicros = newest.micros();
        }
        List<PrometheusText.Spike> spikes = new ArrayList<>();
        for (Map.Entry<String, LatencyMonitor.Series> e : LatencyMonitor.of(s).events.entrySet()) {
            LatencyMonitor.Series series = e.getValue();
            int l = series.latest();
            spikes.add(new PrometheusText.Spike(e.getKey(), series.times[l], series.millis[l]));
        }
        PrometheusText.Extras x = new PrometheusText.Extras(s.config().databases, s.config().maxclients,
                s.config().maxmemory, parse(s.config().get("io-threads")), length, lastId, lastMicros, spikes);
        return PrometheusText.render(info, x, s.clock().millis() / 1000);
    }

    private static long parse(String v) {
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
