package dev.cinnabar.server.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Prometheus text exposition (format 0.0.4) of a Redis server's INFO ALL, with the metric names,
 * types and labels of prometheus-redis-exporter (oliver006/redis_exporter, the version Debian
 * 12 ships, 1.45), so that dashboards and alert rules written for that exporter read ours
 * unchanged. Pure: it reads INFO text and a few facts INFO does not carry ({@link Extras}); the
 * built-in endpoint takes them from the server, the standalone exporter from any server over
 * RESP.
 *
 * <p>The mapping: INFO fields the exporter renames (used_memory becomes memory_used_bytes,
 * keyspace_hits keyspace_hits_total...), fields it keeps under their own name, the per-command,
 * per-error, per-database and per-replica lines as labelled series, latency percentiles as a
 * summary, "ok"/"err" statuses as 1/0.
 */
public final class PrometheusText {
    private PrometheusText() {
    }

    /** A LATENCY LATEST row: event, unix time of the latest spike, its milliseconds. */
    public record Spike(String event, long time, long millis) {
    }

    /**
     * What the exporter reads besides INFO: CONFIG GET databases / maxclients / maxmemory /
     * io-threads, SLOWLOG LEN, the newest SLOWLOG entry's id and microseconds (0 when empty),
     * LATENCY LATEST.
     */
    public record Extras(int databases, long maxclients, long maxmemory, long ioThreads, long slowlogLength,
                         long slowlogLastId, long lastSlowMicros, List<Spike> spikes) {
    }

    private static final String COUNTER = "counter";
    private static final String GAUGE = "gauge";

    /** INFO field -> exporter metric name (without the redis_ prefix), gauges. */
    private static final Map<String, String> GAUGES = new LinkedHashMap<>();
    /** INFO field -> exporter metric name, counters. */
    private static final Map<String, String> COUNTERS = new LinkedHashMap<>();

    private static void gauge(String field, String metric) {
        GAUGES.put(field, metric);
    }

    private static void gauges(String... sameName) {
        for (String f : sameName) {
            GAUGES.put(f, f);
        }
    }

    private static void counter(String field, String metric) {
        COUNTERS.put(field, metric);
    }

    static {
        // Server, Clients
        gauges("uptime_in_seconds", "process_id", "io_threads_active", "connected_clients", "cluster_connections",
                "blocked_clients", "tracking_clients", "clients_in_timeout_table");
        gauge("client_recent_max_output_buffer", "client_recent_max_output_buffer_bytes");
        gauge("client_recent_max_input_buffer", "client_recent_max_input_buffer_bytes");
        // Memory
        gauge("allocator_active", "allocator_active_bytes");
        gauge("allocator_allocated", "allocator_allocated_bytes");
        gauge("allocator_resident", "allocator_resident_bytes");
        gauges("allocator_frag_ratio", "allocator_frag_bytes", "allocator_rss_ratio", "allocator_rss_bytes");
        gauge("used_memory", "memory_used_bytes");
        gauge("used_memory_rss", "memory_used_rss_bytes");
        gauge("used_memory_peak", "memory_used_peak_bytes");
        gauge("used_memory_lua", "memory_used_lua_bytes");
        gauge("used_memory_overhead", "memory_used_overhead_bytes");
        gauge("used_memory_startup", "memory_used_startup_bytes");
        gauge("used_memory_dataset", "memory_used_dataset_bytes");
        gauge("used_memory_scripts", "memory_used_scripts_bytes");
        gauge("maxmemory", "memory_max_bytes");
        gauges("number_of_cached_scripts", "mem_fragmentation_ratio", "mem_fragmentation_bytes", "mem_clients_slaves",
                "mem_clients_normal", "lazyfree_pending_objects", "active_defrag_running");
        gauge("mem_not_counted_for_evict", "mem_not_counted_for_eviction_bytes");
        // Persistence
        gauge("loading", "loading_dump_file");
        gauges("rdb_changes_since_last_save", "rdb_bgsave_in_progress", "rdb_last_bgsave_status", "aof_enabled",
                "aof_rewrite_in_progress", "aof_rewrite_scheduled", "aof_last_bgrewrite_status", "aof_last_write_status",
                "module_fork_in_progress", "module_fork_last_cow_size", "aof_pending_rewrite", "aof_buffer_length",
                "aof_rewrite_buffer_length", "aof_pending_bio_fsync", "aof_delayed_fsync");
        gauge("rdb_last_save_time", "rdb_last_save_timestamp_seconds");
        gauge("rdb_last_bgsave_time_sec", "rdb_last_bgsave_duration_sec");
        gauge("rdb_current_bgsave_time_sec", "rdb_current_bgsave_duration_sec");
        gauge("rdb_last_cow_size", "rdb_last_cow_size_bytes");
        gauge("aof_last_rewrite_time_sec", "aof_last_rewrite_duration_sec");
        gauge("aof_current_rewrite_time_sec", "aof_current_rewrite_duration_sec");
        gauge("aof_last_cow_size", "aof_last_cow_size_bytes");
        gauge("aof_current_size", "aof_current_size_bytes");
        gauge("aof_base_size", "aof_base_size_bytes");
        // Stats
        gauges("pubsub_channels", "pubsub_patterns", "slave_expires_tracked_keys", "tracking_total_keys",
                "tracking_total_items", "tracking_total_prefixes");
        gauge("expired_stale_perc", "expired_stale_percentage");
        gauge("expired_time_cap_reached_count", "expired_time_cap_reached_total");
        gauge("migrate_cached_sockets", "migrate_cached_sockets_total");
        gauge("active_defrag_hits", "defrag_hits");
        gauge("active_defrag_misses", "defrag_misses");
        gauge("active_defrag_key_hits", "defrag_key_hits");
        gauge("active_defrag_key_misses", "defrag_key_misses");
        counter("total_connections_received", "connections_received_total");
        counter("total_commands_processed", "commands_processed_total");
        counter("rejected_connections", "rejected_connections_total");
        counter("total_net_input_bytes", "net_input_bytes_total");
        counter("total_net_output_bytes", "net_output_bytes_total");
        counter("expired_keys", "expired_keys_total");
        counter("evicted_keys", "evicted_keys_total");
        counter("keyspace_hits", "keyspace_hits_total");
        counter("keyspace_misses", "keyspace_misses_total");
        for (String f : new String[] {"unexpected_error_replies", "total_error_replies", "dump_payload_sanitizations",
            "total_reads_processed", "total_writes_processed", "io_threaded_reads_processed",
            "io_threaded_writes_processed"}) {
            counter(f, f);
        }
        // Replication
        gauges("connected_slaves", "master_repl_offset", "second_repl_offset", "repl_backlog_first_byte_offset",
                "slave_priority");
        gauge("repl_backlog_size", "replication_backlog_bytes");
        gauge("repl_backlog_active", "repl_backlog_is_active");
        gauge("repl_backlog_histlen", "repl_backlog_history_bytes");
        gauge("sync_full", "replica_resyncs_full");
        gauge("sync_partial_ok", "replica_partial_resync_accepted");
        gauge("sync_partial_err", "replica_partial_resync_denied");
        // CPU
        counter("used_cpu_sys", "cpu_sys_seconds_total");
        counter("used_cpu_user", "cpu_user_seconds_total");
        counter("used_cpu_sys_children", "cpu_sys_children_seconds_total");
        counter("used_cpu_user_children", "cpu_user_children_seconds_total");
        counter("used_cpu_sys_main_thread", "cpu_sys_main_thread_seconds_total");
        counter("used_cpu_user_main_thread", "cpu_user_main_thread_seconds_total");
        // Cluster
        gauges("cluster_enabled");
    }

    /** One metric family: its type and samples (label text -> value), in first-seen order. */
    private static final class Family {
        final String type;
        final Map<String, String> samples = new LinkedHashMap<>();

        Family(String type) {
            this.type = type;
        }
    }

    /** The families of one exposition, by full name. */
    private static final class Out {
        final Map<String, Family> families = new TreeMap<>();

        void add(String name, String type, String labels, double value) {
            families.computeIfAbsent("redis_" + name, k -> new Family(type)).samples.put(labels, number(value));
        }

        void addRaw(String fullName, String type, String labelsAndSuffix, double value) {
            families.computeIfAbsent(fullName, k -> new Family(type)).samples.put(labelsAndSuffix, number(value));
        }
    }

    /**
     * The exposition for one scrape. {@code nowSeconds} is the scrape's wall-clock time (for
     * start_time_seconds); {@code info} is INFO ALL's text (CRLF or LF lines).
     */
    public static String render(String info, Extras x, long nowSeconds) {
        Out out = new Out();
        Map<String, String> fields = new LinkedHashMap<>();
        Map<String, double[]> cmdstats = new LinkedHashMap<>(); // cmd -> calls, usec
        Map<String, Map<String, Double>> percentiles = new LinkedHashMap<>();
        java.util.Set<String> dbsSeen = new java.util.HashSet<>();
        String section = "";
        String masterHost = "";
        String masterPort = "";
        for (String raw : info.split("\n")) {
            String line = raw.strip();
            if (line.startsWith("# ")) {
                section = line.substring(2);
                continue;
            }
            int colon = line.indexOf(':');
            if (line.length() < 2 || colon < 0) {
                continue;
            }
            String key = line.substring(0, colon);
            String value = line.substring(colon + 1);
            fields.put(key, value);
            if (key.equals("master_host")) {
                masterHost = value;
            } else if (key.equals("master_port")) {
                masterPort = value;
            }
            switch (section) {
                case "Commandstats" -> {
                    Map<String, String> kv = pairs(value);
                    String cmd = key.startsWith("cmdstat_") ? key.substring(8) : key;
                    String l = label("cmd", cmd);
                    double calls = num(kv.get("calls"));
                    double usec = num(kv.get("usec"));
                    out.add("commands_total", COUNTER, l, calls);
                    out.add("commands_duration_seconds_total", COUNTER, l, usec / 1e6);
                    if (kv.containsKey("rejected_calls")) {
                        out.add("commands_rejected_calls_total", COUNTER, l, num(kv.get("rejected_calls")));
                        out.add("commands_failed_calls_total", COUNTER, l, num(kv.get("failed_calls")));
                    }
                    cmdstats.put(cmd, new double[] {calls, usec});
                    continue;
                }
                case "Latencystats" -> {
                    if (key.startsWith("latency_percentiles_usec_")) {
                        Map<String, Double> p = new LinkedHashMap<>();
                        pairs(value).forEach((k, v) -> p.put(k.startsWith("p") ? k.substring(1) : k, num(v)));
                        percentiles.put(key.substring("latency_percentiles_usec_".length()), p);
                    }
                    continue;
                }
                case "Errorstats" -> {
                    if (key.startsWith("errorstat_")) {
                        out.add("errors_total", COUNTER, label("err", key.substring(10)), num(pairs(value).get("count")));
                    }
                    continue;
                }
                case "Keyspace" -> {
                    Map<String, String> kv = pairs(value);
                    if (key.startsWith("db") && kv.containsKey("keys") && kv.containsKey("expires")) {
                        String l = label("db", key);
                        out.add("db_keys", GAUGE, l, num(kv.get("keys")));
                        out.add("db_keys_expiring", GAUGE, l, num(kv.get("expires")));
                        if (kv.containsKey("avg_ttl")) {
                            out.add("db_avg_ttl_seconds", GAUGE, l, num(kv.get("avg_ttl")) / 1000);
                        }
                        dbsSeen.add(key);
                        continue;
                    }
                }
                case "Replication" -> {
                    if (replication(out, key, value, masterHost, masterPort)) {
                        continue;
                    }
                }
                case "Server" -> {
                    if (key.equals("uptime_in_seconds")) {
                        out.add("start_time_seconds", GAUGE, "", nowSeconds - num(value));
                    }
                }
                default -> {
                }
            }
            if (key.equals("latest_fork_usec")) {
                out.add("latest_fork_seconds", GAUGE, "", num(value) / 1e6);
                continue;
            }
            String g = GAUGES.get(key);
            String c = COUNTERS.get(key);
            if (g == null && c == null) {
                continue;
            }
            Double v = parseValue(value);
            if (v != null) {
                out.add(g != null ? g : c, g != null ? GAUGE : COUNTER, "", v);
            }
        }
        for (Map.Entry<String, Map<String, Double>> e : percentiles.entrySet()) {
            double[] cs = cmdstats.get(e.getKey());
            if (cs == null) {
                continue;
            }
            String cmd = label("cmd", e.getKey());
            for (Map.Entry<String, Double> q : e.getValue().entrySet()) {
                out.addRaw("redis_latency_percentiles_usec", "summary",
                        "{cmd=\"" + escape(e.getKey()) + "\",quantile=\"" + escape(q.getKey()) + "\"}", q.getValue());
            }
            out.addRaw("redis_latency_percentiles_usec", "summary", "_sum" + cmd, cs[1]);
            out.addRaw("redis_latency_percentiles_usec", "summary", "_count" + cmd, cs[0]);
        }
        for (int db = 0; db < x.databases(); db++) {
            String name = "db" + db;
            if (!dbsSeen.contains(name)) {
                out.add("db_keys", GAUGE, label("db", name), 0);
                out.add("db_keys_expiring", GAUGE, label("db", name), 0);
            }
        }
        String role = fields.getOrDefault("role", "");
        out.add("instance_info", GAUGE, labels("maxmemory_policy", fields.getOrDefault("maxmemory_policy", ""),
                "os", fields.getOrDefault("os", ""), "process_id", fields.getOrDefault("process_id", ""),
                "redis_build_id", fields.getOrDefault("redis_build_id", ""),
                "redis_mode", fields.getOrDefault("redis_mode", ""),
                "redis_version", fields.getOrDefault("redis_version", ""), "role", role,
                "run_id", fields.getOrDefault("run_id", ""), "tcp_port", fields.getOrDefault("tcp_port", "")), 1);
        if (role.equals("slave")) {
            out.add("slave_info", GAUGE, labels("master_host", fields.getOrDefault("master_host", ""),
                    "master_port", fields.getOrDefault("master_port", ""),
                    "read_only", fields.getOrDefault("slave_read_only", "")), 1);
        }
        out.add("config_maxclients", GAUGE, "", x.maxclients());
        out.add("config_maxmemory", GAUGE, "", x.maxmemory());
        out.add("config_io_threads", GAUGE, "", x.ioThreads());
        out.add("slowlog_length", GAUGE, "", x.slowlogLength());
        out.add("slowlog_last_id", GAUGE, "", x.slowlogLastId());
        out.add("last_slow_execution_duration_seconds", GAUGE, "", x.lastSlowMicros() / 1e6);
        for (Spike s : x.spikes()) {
            out.add("latency_spike_last", GAUGE, label("event_name", s.event()), s.time());
            out.add("latency_spike_duration_seconds", GAUGE, label("event_name", s.event()), s.millis() / 1e3);
        }
        out.add("up", GAUGE, "", 1);
        return format(out);
    }

    /** The exposition of a target that could not be scraped: redis_up 0. */
    public static String down() {
        Out out = new Out();
        out.add("up", GAUGE, "", 0);
        return format(out);
    }

    /** The replication lines the exporter labels; true when the line was one of them. */
    private static boolean replication(Out out, String key, String value, String masterHost, String masterPort) {
        String ml = labels("master_host", masterHost, "master_port", masterPort);
        if (key.equals("master_link_status")) {
            out.add("master_link_up", GAUGE, ml, value.equals("up") ? 1 : 0);
            return true;
        }
        if (key.equals("master_last_io_seconds_ago") || key.equals("master_sync_in_progress")
                || key.equals("slave_repl_offset")) {
            out.add(key, GAUGE, ml, num(value));
            return true;
        }
        if (key.matches("slave\\d+")) {
            Map<String, String> kv = pairs(value);
            if (!kv.containsKey("offset")) {
                return false;
            }
            String l = labels("slave_ip", kv.getOrDefault("ip", ""), "slave_port", kv.getOrDefault("port", ""),
                    "slave_state", kv.getOrDefault("state", ""));
            out.add("connected_slave_offset_bytes", GAUGE, l, num(kv.get("offset")));
            if (kv.containsKey("lag")) {
                out.add("connected_slave_lag_seconds", GAUGE, l, num(kv.get("lag")));
            }
            return true;
        }
        return false;
    }

    private static String format(Out out) {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, Family> f : out.families.entrySet()) {
            sb.append("# TYPE ").append(f.getKey()).append(' ').append(f.getValue().type).append('\n');
            for (Map.Entry<String, String> s : f.getValue().samples.entrySet()) {
                sb.append(f.getKey()).append(s.getKey()).append(' ').append(s.getValue()).append('\n');
            }
        }
        return sb.toString();
    }

    /** "a=1,b=x" into its pairs. */
    private static Map<String, String> pairs(String value) {
        Map<String, String> kv = new LinkedHashMap<>();
        for (String part : value.split(",")) {
            int eq = part.indexOf('=');
            if (eq > 0) {
                kv.put(part.substring(0, eq), part.substring(eq + 1));
            }
        }
        return kv;
    }

    /** A field's value as a number: digits, or ok/up = 1 and err/down/fail = 0; null otherwise. */
    private static Double parseValue(String v) {
        switch (v.toLowerCase(Locale.ROOT)) {
            case "ok", "up" -> {
                return 1.0;
            }
            case "err", "down", "fail" -> {
                return 0.0;
            }
            default -> {
                try {
                    return Double.parseDouble(v);
                } catch (NumberFormatException e) {
                    return null;
                }
            }
        }
    }

    private static double num(String v) {
        Double d = v == null ? null : parseValue(v);
        return d == null ? 0 : d;
    }

    private static String label(String name, String value) {
        return "{" + name + "=\"" + escape(value) + "\"}";
    }

    /** Labels in the order given (callers give them sorted by name, as the exporter prints them). */
    private static String labels(String... nameValue) {
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < nameValue.length; i += 2) {
            parts.add(nameValue[i] + "=\"" + escape(nameValue[i + 1]) + "\"");
        }
        return "{" + String.join(",", parts) + "}";
    }

    private static String escape(String v) {
        return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    /** A sample value as Prometheus writes it. */
    private static String number(double v) {
        if (v == Math.rint(v) && !Double.isInfinite(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return Double.toString(v);
    }
}
