package dev.cinnabar.server.command.server;

import dev.cinnabar.server.Main;
import dev.cinnabar.server.ServerContext;
import dev.cinnabar.server.persistence.Persistence;
import dev.cinnabar.server.ServerStats;
import dev.cinnabar.server.memory.Eviction;
import dev.cinnabar.server.memory.UsedMemory;
import dev.cinnabar.server.command.CommandSpec;
import dev.cinnabar.server.command.LatencyHistogram;
import dev.cinnabar.server.config.ServerConfig;
import dev.cinnabar.server.protocol.Texts;
import dev.cinnabar.server.session.Client;
import dev.cinnabar.server.store.Db;
import dev.cinnabar.server.store.KeyspaceStats;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * INFO [section ...]: Redis 7.0's sections, field names and order, with values measured here.
 *
 * <p>Memory: used_memory is the memory accounting's figure (memory.UsedMemory: the dataset's
 * estimate kept through the store's write barrier, client buffers, script caches), the one
 * maxmemory is enforced against; allocator_allocated is the heap in use (garbage not yet collected
 * included), allocator_active the committed heap and used_memory_rss the process's resident set
 * from /proc. Features that do not exist yet
 * (persistence, replication, Lua, pub/sub) report the values Redis reports when they are unused:
 * no RDB/AOF activity, a master without replicas, no scripts.
 */
public final class InfoCommand {
    /** Sections in Redis's order; "modules" is the module list, always empty here. */
    private static final List<String> ALL = List.of("server", "clients", "memory", "persistence", "stats",
            "replication", "cpu", "modules", "commandstats", "errorstats", "latencystats", "cluster", "keyspace");
    private static final Set<String> DEFAULT = Set.of("server", "clients", "memory", "persistence", "stats",
            "replication", "cpu", "modules", "errorstats", "cluster", "keyspace");

    void info(Client c) {
        Set<String> sections = new LinkedHashSet<>();
        if (c.argc() == 1) {
            sections.addAll(DEFAULT);
        }
        for (int i = 1; i < c.argc(); i++) {
            String s = Texts.str(c.arg(i)).toLowerCase(Locale.ROOT);
            switch (s) {
                case "default" -> sections.addAll(DEFAULT);
                case "all", "everything" -> sections.addAll(ALL);
                default -> sections.add(s);
            }
        }
        c.reply().verbatim("txt", generate(c.server(), sections));
    }

    /** The named sections' text (sentinel mode's INFO adds its own section after these). */
    public static String generate(ServerContext s, Set<String> sections) {
        StringBuilder sb = new StringBuilder();
        for (String name : ALL) {
            if (!sections.contains(name)) {
                continue;
            }
            if (!sb.isEmpty()) {
                sb.append("\r\n");
            }
            Lines l = new Lines(sb);
            switch (name) {
                case "server" -> server(s, l.header("Server"));
                case "clients" -> clients(s, l.header("Clients"));
                case "memory" -> memory(s, l.header("Memory"));
                case "persistence" -> persistence(s, l.header("Persistence"));
                case "stats" -> stats(s, l.header("Stats"));
                case "replication" -> replication(s, l.header("Replication"));
                case "cpu" -> cpu(l.header("CPU"));
                case "modules" -> l.header("Modules");
                case "commandstats" -> commandstats(s, l.header("Commandstats"));
                case "errorstats" -> errorstats(s, l.header("Errorstats"));
                case "latencystats" -> latencystats(s, l.header("Latencystats"));
                case "cluster" -> l.header("Cluster").add("cluster_enabled", 0);
                case "keyspace" -> keyspace(s, l.header("Keyspace"));
                default -> throw new IllegalStateException(name);
            }
        }
        return sb.toString();
    }

    /** "field:value\r\n" lines. */
    private record Lines(StringBuilder sb) {
        Lines header(String title) {
            sb.append("# ").append(title).append("\r\n");
            return this;
        }

        Lines add(String field, Object value) {
            sb.append(field).append(':').append(value).append("\r\n");
            return this;
        }
    }

    private static void server(ServerContext s, Lines l) {
        ServerConfig cfg = s.config();
        long upSec = s.uptimeMillis() / 1000;
        l.add("redis_version", Main.REDIS_VERSION)
                .add("redis_git_sha1", "00000000")
                .add("redis_git_dirty", 0)
                .add("redis_build_id", "cinnabar-" + Main.VERSION)
                .add("redis_mode", cfg.sentinelMode ? "sentinel" : "standalone")
                .add("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                        + System.getProperty("os.arch"))
                .add("arch_bits", System.getProperty("sun.arch.data.model", "64"))
                .add("monotonic_clock", "JVM System.nanoTime")
                .add("multiplexing_api", io.netty.channel.epoll.Epoll.isAvailable() ? "epoll" : "nio")
                .add("atomicvar_api", "java.util.concurrent")
                .add("gcc_version", "0.0.0")
                .add("process_id", ProcessHandle.current().pid())
                .add("process_supervised", s.supervision() == null ? "no" : s.supervision().mode())
                .add("run_id", s.runId())
                .add("tcp_port", cfg.port)
                .add("server_time_usec", WallClock.micros(s))
                .add("uptime_in_seconds", upSec)
                .add("uptime_in_days", upSec / 86400)
                .add("hz", s.cron() == null ? cfg.hz : s.cron().hz())
                .add("configured_hz", cfg.hz)
                .add("lru_clock", s.keyspace().lruClock())
                .add("executable", ProcessHandle.current().info().command().orElse(""))
                .add("config_file", cfg.configFile == null ? "" : cfg.configFile)
                .add("io_threads_active", 0)
                .add("cinnabar_version", Main.VERSION);
    }

    private static void clients(ServerContext s, Lines l) {
        long maxOut = 0;
        int blocked = 0;
        int tracking = 0;
        for (Client c : s.clients().all()) {
            if (c.connection() != null) {
                maxOut = Math.max(maxOut, c.connection().pendingOutputBytes());
            }
            blocked += c.blockState != null ? 1 : 0;
            tracking += c.trackingState != null ? 1 : 0;
        }
        blocked += s.clients().pause().waiting(); // Redis counts clients postponed by CLIENT PAUSE as blocked
        l.add("connected_clients", s.clients().size())
                .add("cluster_connections", 0)
                .add("maxclients", s.config().maxclients)
                .add("client_recent_max_input_buffer", 0)
                .add("client_recent_max_output_buffer", maxOut)
                .add("blocked_clients", blocked)
                .add("tracking_clients", tracking)
                .add("clients_in_timeout_table", dev.cinnabar.server.blocking.BlockingManager.of(s).clientsInTimeoutTable());
    }

    static long heapUsed() {
        Runtime rt = Runtime.getRuntime();
        return rt.totalMemory() - rt.freeMemory();
    }

    /** Resident set size from /proc/self/statm (pages), or the committed heap where /proc is absent. */
    static long rss() {
        try {
            String[] f = Files.readString(Path.of("/proc/self/statm")).trim().split("\\s+");
            return Long.parseLong(f[1]) * 4096;
        } catch (Exception e) {
            return Runtime.getRuntime().totalMemory();
        }
    }

    /** Redis's bytesToHuman. */
    static String human(long n) {
        double d = n;
        if (n < 1024) {
            return n + "B";
        }
        String[] units = {"K", "M", "G", "T", "P"};
        int u = -1;
        while (d >= 1024 && u < units.length - 1) {
            d /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.2f%s", d, units[u]);
    }

    private static String ratio(double a, double b) {
        return String.format(Locale.ROOT, "%.2f", b == 0 ? 0 : a / b);
    }

    private static void memory(ServerContext s, Lines l) {
        MemoryReport m = MemoryReport.take(s);
        long used = m.used();
        long committed = m.committed();
        long heap = m.heap();
        long rss = m.rss();
        long totalSystem = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getTotalMemorySize();
        long clientsMem = m.clientsNormal();
        long overhead = m.overhead();
        long dataset = m.dataset();
        long maxmemory = s.config().maxmemory;
        long scripts = m.luaCaches() + m.functionsCaches();
        l.add("used_memory", used)
                .add("used_memory_human", human(used))
                .add("used_memory_rss", rss)
                .add("used_memory_rss_human", human(rss))
                .add("used_memory_peak", m.peak())
                .add("used_memory_peak_human", human(m.peak()))
                .add("used_memory_peak_perc", String.format(Locale.ROOT, "%.2f%%", m.peakPercentage()))
                .add("used_memory_overhead", overhead)
                .add("used_memory_startup", m.startup())
                .add("used_memory_dataset", dataset)
                .add("used_memory_dataset_perc", String.format(Locale.ROOT, "%.2f%%", m.datasetPercentage()))
                .add("allocator_allocated", heap)
                .add("allocator_active", committed)
                .add("allocator_resident", rss)
                .add("total_system_memory", totalSystem)
                .add("total_system_memory_human", human(totalSystem))
                // the LuaJ states live in the Java heap with everything else: not attributable, reported as 0
                .add("used_memory_lua", 0)
                .add("used_memory_vm_eval", 0)
                .add("used_memory_lua_human", human(0))
                .add("used_memory_scripts_eval", m.luaCaches())
                .add("number_of_cached_scripts", m.cachedScripts())
                .add("number_of_functions", m.functions())
                .add("number_of_libraries", m.libraries())
                .add("used_memory_vm_functions", 0)
                .add("used_memory_vm_total", 0)
                .add("used_memory_vm_total_human", human(0))
                .add("used_memory_functions", m.functionsCaches())
                .add("used_memory_scripts", scripts)
                .add("used_memory_scripts_human", human(scripts))
                .add("maxmemory", maxmemory)
                .add("maxmemory_human", human(maxmemory))
                .add("maxmemory_policy", s.config().maxmemoryPolicy)
                .add("allocator_frag_ratio", ratio(committed, heap))
                .add("allocator_frag_bytes", committed - heap)
                .add("allocator_rss_ratio", ratio(rss, committed))
                .add("allocator_rss_bytes", rss - committed)
                .add("rss_overhead_ratio", ratio(rss, rss))
                .add("rss_overhead_bytes", 0)
                .add("mem_fragmentation_ratio", ratio(rss, used))
                .add("mem_fragmentation_bytes", rss - used)
                .add("mem_not_counted_for_evict", UsedMemory.of(s).notCountedForEvict())
                .add("mem_replication_backlog", dev.cinnabar.server.replication.Replication.of(s).backlogMemory())
                .add("mem_total_replication_buffers", dev.cinnabar.server.replication.Replication.of(s).bufferMemory())
                .add("mem_clients_slaves", m.clientsReplicas())
                .add("mem_clients_normal", clientsMem)
                .add("mem_cluster_links", 0)
                .add("mem_aof_buffer", dev.cinnabar.server.persistence.aof.Aof.of(s).bufferLength())
                .add("mem_allocator", "jvm-" + System.getProperty("java.vm.version"))
                .add("active_defrag_running", 0)
                .add("lazyfree_pending_objects", 0)
                .add("lazyfreed_objects", s.keyspace().stats().lazyfreedObjects);
    }

    private static void persistence(ServerContext s, Lines l) {
        Persistence p = Persistence.of(s);
        boolean async = dev.cinnabar.server.replication.Replication.of(s).asyncLoading();
        l.add("loading", p.loading() ? 1 : 0).add("async_loading", async ? 1 : 0);
        if (p.loading() || async) {
            // [start time (s), total bytes, used-mem of the file, bytes loaded]
            long[] f = p.loadingFigures();
            // as Redis 7.0: with the size unknown (a load from the replication socket), the file's
            // used-mem is the estimate, the percentage kept under 100
            double perc = 0;
            long remaining = 1;
            if (f[1] != 0) {
                perc = 100.0 * f[3] / f[1];
                remaining = f[1] - f[3];
            } else if (f[2] != 0) {
                perc = Math.min(99.99, 100.0 * f[3] / f[2]);
                remaining = Math.max(1, f[2] - f[3]);
            }
            long elapsed = s.clock().millis() / 1000 - f[0];
            long eta = elapsed == 0 ? 1 : elapsed * remaining / (f[3] + 1);
            l.add("loading_start_time", f[0]).add("loading_total_bytes", f[1]).add("loading_rdb_used_mem", f[2])
                    .add("loading_loaded_bytes", f[3]).add("loading_loaded_perc", String.format(Locale.ROOT, "%.2f", perc))
                    .add("loading_eta_seconds", eta);
        }
        long[] keys = p.currentSaveKeys();
        long[] cow = p.cow();
        // current_cow_*: bytes the running snapshot serialised ahead of its walk because writers
        // touched buckets it had not reached (the forkless counterpart of copy-on-write pages)
        l.add("current_cow_peak", cow[0]).add("current_cow_size", cow[0])
                .add("current_cow_size_age", 0)
                .add("current_fork_perc", String.format(Locale.ROOT, "%.2f", keys[1] == 0 ? 0.0 : 100.0 * keys[0] / keys[1]))
                .add("current_save_keys_processed", keys[0])
                .add("current_save_keys_total", keys[1])
                .add("rdb_changes_since_last_save", s.dirty)
                .add("rdb_bgsave_in_progress", p.bgsaveInProgress() ? 1 : 0)
                .add("rdb_last_save_time", p.lastSave())
                .add("rdb_last_bgsave_status", p.lastBgsaveOk() ? "ok" : "err")
                .add("rdb_last_bgsave_time_sec", p.lastBgsaveSeconds())
                .add("rdb_current_bgsave_time_sec", p.currentBgsaveSeconds()).add("rdb_saves", p.saves())
                .add("rdb_last_cow_size", cow[1])
                .add("rdb_last_load_keys_expired", p.lastLoadKeysExpired())
                .add("rdb_last_load_keys_loaded", p.lastLoadKeysLoaded());
        // the aof_* fields are persistence.aof's (the last ones only while the AOF is on)
        dev.cinnabar.server.persistence.aof.Aof aof = dev.cinnabar.server.persistence.aof.Aof.of(s);
        aof.info().forEach(l::add);
        l.add("module_fork_in_progress", 0).add("module_fork_last_cow_size", 0);
        aof.infoWhenOn().forEach(l::add);
    }

    private static String kbps(double bytesPerSec) {
        return String.format(Locale.ROOT, "%.2f", bytesPerSec / 1024);
    }

    private static void stats(ServerContext s, Lines l) {
        ServerStats st = s.stats();
        KeyspaceStats ks = s.keyspace().stats();
        dev.cinnabar.server.pubsub.PubSub pubsub = dev.cinnabar.server.pubsub.PubSub.of(s);
        dev.cinnabar.server.tracking.Tracking tracking = dev.cinnabar.server.tracking.Tracking.of(s);
        dev.cinnabar.server.replication.Replication repl = dev.cinnabar.server.replication.Replication.of(s);
        l.add("total_connections_received", st.totalConnectionsReceived.get())
                .add("total_commands_processed", st.totalCommandsProcessed)
                .add("instantaneous_ops_per_sec", Math.round(st.opsPerSec.value()))
                .add("total_net_input_bytes", st.netInputBytes.get())
                .add("total_net_output_bytes", st.netOutputBytes.get())
                .add("total_net_repl_input_bytes", 0).add("total_net_repl_output_bytes", 0)
                .add("instantaneous_input_kbps", kbps(st.inputKbps.value()))
                .add("instantaneous_output_kbps", kbps(st.outputKbps.value()))
                .add("instantaneous_input_repl_kbps", "0.00").add("instantaneous_output_repl_kbps", "0.00")
                .add("rejected_connections", st.rejectedConnections.get())
                .add("sync_full", repl.syncFull()).add("sync_partial_ok", repl.syncPartialOk())
                .add("sync_partial_err", repl.syncPartialErr())
                .add("expired_keys", ks.expiredKeys)
                .add("expired_stale_perc", String.format(Locale.ROOT, "%.2f", ks.expiredStalePerc * 100))
                .add("expired_time_cap_reached_count", ks.expiredTimeCapReachedCount)
                .add("expire_cycle_cpu_milliseconds", ks.expireCycleCpuMillis)
                .add("evicted_keys", ks.evictedKeys)
                .add("evicted_clients", s.clients().memory().evictedClients())
                .add("total_eviction_exceeded_time", Eviction.of(s).totalEvictionExceededMillis())
                .add("current_eviction_exceeded_time", Eviction.of(s).currentEvictionExceededMillis())
                .add("keyspace_hits", ks.keyspaceHits)
                .add("keyspace_misses", ks.keyspaceMisses)
                .add("pubsub_channels", pubsub.channelCount()).add("pubsub_patterns", pubsub.patternCount())
                .add("pubsubshard_channels", pubsub.shardChannelCount())
                .add("latest_fork_usec", dev.cinnabar.server.persistence.aof.Aof.of(s).lastSnapshotMicros()).add("total_forks", 0).add("migrate_cached_sockets",
                        dev.cinnabar.server.command.generic.MigrateSockets.cachedCount(s))
                .add("slave_expires_tracked_keys", 0).add("active_defrag_hits", 0).add("active_defrag_misses", 0)
                .add("active_defrag_key_hits", 0).add("active_defrag_key_misses", 0)
                .add("total_active_defrag_time", 0).add("current_active_defrag_time", 0)
                .add("tracking_total_keys", tracking.trackedKeys()).add("tracking_total_items", tracking.trackedItems())
                .add("tracking_total_prefixes", tracking.prefixes())
                .add("unexpected_error_replies", st.unexpectedErrorReplies)
                .add("total_error_replies", st.totalErrorReplies)
                .add("dump_payload_sanitizations", st.dumpPayloadSanitizations)
                .add("total_reads_processed", 0).add("total_writes_processed", 0)
                .add("io_threaded_reads_processed", 0).add("io_threaded_writes_processed", 0)
                .add("reply_buffer_shrinks", s.clients().memory().replyBufferShrinks())
                .add("reply_buffer_expands", s.clients().memory().replyBufferExpands())
                // Redis 7.2's ACL counters (not in 7.0), where 7.2 prints them: last in the section
                .add("acl_access_denied_auth", st.aclDeniedAuth)
                .add("acl_access_denied_cmd", st.aclDeniedCmd)
                .add("acl_access_denied_key", st.aclDeniedKey)
                .add("acl_access_denied_channel", st.aclDeniedChannel);
    }

    private static void replication(ServerContext s, Lines l) {
        dev.cinnabar.server.replication.Replication.of(s).info(l::add);
    }

    private static void cpu(Lines l) {
        double[] proc = processCpu();
        ThreadMXBean tb = ManagementFactory.getThreadMXBean();
        double thrTotal = Math.max(0, tb.getCurrentThreadCpuTime()) / 1e9;
        double thrUser = Math.max(0, tb.getCurrentThreadUserTime()) / 1e9;
        l.add("used_cpu_sys", fmt6(proc[0])).add("used_cpu_user", fmt6(proc[1]))
                .add("used_cpu_sys_children", fmt6(0)).add("used_cpu_user_children", fmt6(0))
                .add("used_cpu_sys_main_thread", fmt6(thrTotal - thrUser))
                .add("used_cpu_user_main_thread", fmt6(thrUser));
    }

    /** {sys, user} seconds of this process: /proc/self/stat ticks (100 Hz), else the OS bean's total as user. */
    private static double[] processCpu() {
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return new double[] {Long.parseLong(f[12]) / 100.0, Long.parseLong(f[11]) / 100.0};
        } catch (Exception e) {
            long ns = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                    .getProcessCpuTime();
            return new double[] {0, Math.max(0, ns) / 1e9};
        }
    }

    private static String fmt6(double d) {
        return String.format(Locale.ROOT, "%.6f", d);
    }

    private static void commandstats(ServerContext s, Lines l) {
        for (CommandSpec cmd : sortedCommands(s)) {
            if (cmd.calls == 0 && cmd.failedCalls == 0 && cmd.rejectedCalls == 0) {
                continue;
            }
            l.add("cmdstat_" + cmd.fullName(), "calls=" + cmd.calls + ",usec=" + cmd.microseconds + ",usec_per_call="
                    + String.format(Locale.ROOT, "%.2f", cmd.calls == 0 ? 0.0 : (double) cmd.microseconds / cmd.calls)
                    + ",rejected_calls=" + cmd.rejectedCalls + ",failed_calls=" + cmd.failedCalls);
        }
    }

    /** Percentiles of each command's latency histogram, in microseconds (nothing while latency-tracking is off). */
    private static void latencystats(ServerContext s, Lines l) {
        if (!s.config().latencyTracking) {
            return;
        }
        double[] percentiles = s.config().latencyTrackingInfoPercentiles;
        for (CommandSpec cmd : sortedCommands(s)) {
            LatencyHistogram h = cmd.latency;
            if (h == null || h.count() == 0) {
                continue;
            }
            StringBuilder v = new StringBuilder();
            for (double p : percentiles) {
                v.append(v.isEmpty() ? "" : ",").append('p').append(ServerConfig.formatPercentile(p)).append('=')
                        .append(String.format(Locale.ROOT, "%.3f", h.valueAtPercentile(p) / 1000.0));
            }
            l.add("latency_percentiles_usec_" + cmd.fullName(), v.toString());
        }
    }

    /** Every command and subcommand, by full name. */
    private static List<CommandSpec> sortedCommands(ServerContext s) {
        List<CommandSpec> all = new ArrayList<>();
        for (CommandSpec cmd : s.commands().commands()) {
            all.add(cmd);
            all.addAll(cmd.subcommands());
        }
        all.sort((a, b) -> a.fullName().compareTo(b.fullName()));
        return all;
    }

    private static void errorstats(ServerContext s, Lines l) {
        for (Map.Entry<String, Long> e : new TreeMap<>(s.stats().errorCodes).entrySet()) {
            l.add("errorstat_" + e.getKey(), "count=" + e.getValue());
        }
    }

    private static void keyspace(ServerContext s, Lines l) {
        for (int i = 0; i < s.keyspace().count(); i++) {
            Db db = s.keyspace().db(i);
            if (db.size() == 0) {
                continue;
            }
            l.add("db" + i, "keys=" + db.size() + ",expires=" + db.expiresSize() + ",avg_ttl=" + db.avgTtl);
        }
    }
}
