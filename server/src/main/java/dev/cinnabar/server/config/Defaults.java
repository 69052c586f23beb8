package dev.cinnabar.server.config;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Wires directives of the Redis 7.0 table (configs.json) to the typed fields of
 * {@link ServerConfig}. Entries marked implemented have their behaviour built; the "planned" ones
 * are typed fields the owning feature reads once it exists (it then calls
 * {@link ServerConfig#implemented}). Directives not mentioned here are accepted and reported only.
 */
final class Defaults {
    private Defaults() {
    }

    static void register(ServerConfig c) {
        // network and protocol
        c.integer("port", v -> c.port = v.intValue(), () -> (long) c.port);
        c.special("bind", Specials::parseBind, v -> c.bind = castList(v), () -> String.join(" ", c.bind), true);
        c.bool("protected-mode", v -> c.protectedMode = v, () -> c.protectedMode);
        c.integer("tcp-backlog", v -> c.tcpBacklog = v.intValue(), () -> (long) c.tcpBacklog);
        c.integer("tcp-keepalive", v -> c.tcpKeepalive = v.intValue(), () -> (long) c.tcpKeepalive);
        c.integer("maxclients", v -> c.maxclients = v.intValue(), () -> (long) c.maxclients);
        c.integer("io-threads", v -> c.ioThreads = v.intValue(), () -> (long) Math.max(1, c.ioThreads));
        c.integer("proto-max-bulk-len", v -> c.protoMaxBulkLen = v, () -> c.protoMaxBulkLen);
        c.integer("client-query-buffer-limit", v -> c.clientQueryBufferLimit = v, () -> c.clientQueryBufferLimit);
        c.string("requirepass", v -> c.requirepass = v, () -> c.requirepass);
        // general
        c.integer("databases", v -> c.databases = v.intValue(), () -> (long) c.databases);
        // Redis keeps hz within 1..500 whatever is configured, and reports the clamped value.
        c.integer("hz", v -> c.hz = (int) Math.max(1, Math.min(500, v)), () -> (long) c.hz);
        c.special("dir", Specials::parseDir, v -> c.dir = (String) v, () -> c.dir, true);
        c.string("logfile", v -> c.logfile = v, () -> c.logfile);
        c.string("loglevel", v -> c.loglevel = v, () -> c.loglevel);
        c.string("pidfile", v -> c.pidfile = v, () -> c.pidfile);
        c.bool("daemonize", v -> c.daemonize = v, () -> c.daemonize);
        c.bool("syslog-enabled", v -> c.syslogEnabled = v, () -> c.syslogEnabled); // read by Log
        c.string("syslog-ident", v -> c.syslogIdent = v, () -> c.syslogIdent);
        c.string("syslog-facility", v -> c.syslogFacility = v, () -> c.syslogFacility);
        // read by Main's signal handlers and SHUTDOWN (command.server.ServerCommands)
        c.special("shutdown-on-sigterm", ShutdownFlags::parse, v -> c.shutdownOnSigterm = (Integer) v,
                () -> ShutdownFlags.format(c.shutdownOnSigterm), true);
        c.special("shutdown-on-sigint", ShutdownFlags::parse, v -> c.shutdownOnSigint = (Integer) v,
                () -> ShutdownFlags.format(c.shutdownOnSigint), true);
        c.integer("shutdown-timeout", v -> c.shutdownTimeout = (int) Math.min(Integer.MAX_VALUE, v),
                () -> (long) c.shutdownTimeout);
        c.bool("always-show-logo", v -> c.alwaysShowLogo = v, () -> c.alwaysShowLogo); // read by Main
        c.bool("set-proc-title", v -> c.setProcTitle = v, () -> c.setProcTitle); // read by Main (ProcTitle)
        c.special("proc-title-template", args -> ProcTitleTemplate.parse(args, c), v -> c.procTitleTemplate = (String) v,
                () -> c.procTitleTemplate, true);
        c.string("enable-debug-command", v -> c.enableDebugCommand = v, () -> c.enableDebugCommand);
        c.string("enable-protected-configs", v -> c.enableProtectedConfigs = v, () -> c.enableProtectedConfigs);
        c.string("sanitize-dump-payload", v -> c.sanitizeDumpPayload = v, () -> c.sanitizeDumpPayload);
        c.integer("slowlog-log-slower-than", v -> c.slowlogLogSlowerThan = v, () -> c.slowlogLogSlowerThan);
        c.integer("slowlog-max-len", v -> c.slowlogMaxLen = (int) Math.min(Integer.MAX_VALUE, v),
                () -> (long) c.slowlogMaxLen);
        c.bool("latency-tracking", v -> c.latencyTracking = v, () -> c.latencyTracking);
        // read by Watchdog, which raises it to its minimum (two cron periods) as Redis does
        c.integer("watchdog-period", v -> c.watchdogPeriod = v.intValue(), () -> (long) c.watchdogPeriod);
        c.integer("latency-monitor-threshold", v -> c.latencyMonitorThreshold = v, () -> c.latencyMonitorThreshold);

        // typed for the features that will read them (they call config.implemented(name))
        planned(c, "timeout", v -> c.timeout = v.intValue(), () -> (long) c.timeout);
        // read by the active expiry cron (Features), the set and sorted set encodings, keyspace
        // notifications and client tracking
        c.integer("active-expire-effort", v -> c.activeExpireEffort = v.intValue(), () -> (long) c.activeExpireEffort);
        c.bool("dynamic-hz", v -> c.dynamicHz = v, () -> c.dynamicHz); // read by ServerCron
        c.implemented("activerehashing"); // read by the cron's databasesCron (Features)
        // read by memory.Eviction
        c.integer("maxmemory", v -> c.maxmemory = v, () -> c.maxmemory);
        // read by session.ClientMemory (client eviction)
        c.integer("maxmemory-clients", v -> c.maxmemoryClients = v, () -> c.maxmemoryClients);
        c.string("maxmemory-policy", v -> c.maxmemoryPolicy = v, () -> c.maxmemoryPolicy);
        // read at start-up by Main (Supervision): systemd's notify socket, upstart's SIGSTOP
        c.string("supervised", v -> c.supervised = v, () -> c.supervised);
        c.integer("maxmemory-samples", v -> c.maxmemorySamples = v.intValue(), () -> (long) c.maxmemorySamples);
        // our own directive (hidden, so CONFIG GET * lists Redis's table only): memory.HeapGuard
        c.add(new ConfigEntry("heap-safety-margin", List.of(), ConfigEntry.Type.INT, true, false, true, 5, 90, null,
                "20", false));
        c.integer("heap-safety-margin", v -> c.heapSafetyMargin = v.intValue(), () -> (long) c.heapSafetyMargin);
        // our own directive (hidden): the Prometheus endpoint, started and moved by CinnabarServer
        c.add(new ConfigEntry("metrics-port", List.of(), ConfigEntry.Type.INT, true, false, true, 0, 65535, null,
                "0", false));
        c.integer("metrics-port", v -> c.metricsPort = v.intValue(), () -> (long) c.metricsPort);
        planned(c, "hash-max-listpack-entries", v -> c.hashMaxListpackEntries = v, () -> c.hashMaxListpackEntries);
        planned(c, "hash-max-listpack-value", v -> c.hashMaxListpackValue = v, () -> c.hashMaxListpackValue);
        c.integer("set-max-intset-entries", v -> c.setMaxIntsetEntries = v, () -> c.setMaxIntsetEntries);
        c.integer("zset-max-listpack-entries", v -> c.zsetMaxListpackEntries = v, () -> c.zsetMaxListpackEntries);
        c.integer("zset-max-listpack-value", v -> c.zsetMaxListpackValue = v, () -> c.zsetMaxListpackValue);
        planned(c, "list-max-listpack-size", v -> c.listMaxListpackSize = v.intValue(),
                () -> (long) c.listMaxListpackSize);
        // read by command.list.ListCommands (QuickList's compression), which marks it implemented
        planned(c, "list-compress-depth", v -> c.listCompressDepth = v.intValue(), () -> (long) c.listCompressDepth);
        planned(c, "stream-node-max-bytes", v -> c.streamNodeMaxBytes = v, () -> c.streamNodeMaxBytes);
        planned(c, "stream-node-max-entries", v -> c.streamNodeMaxEntries = v, () -> c.streamNodeMaxEntries);
        planned(c, "hll-sparse-max-bytes", v -> c.hllSparseMaxBytes = v, () -> c.hllSparseMaxBytes);
        c.special("notify-keyspace-events", args -> KeyspaceEvents.parse(ServerConfig.single(args)),
                v -> c.notifyKeyspaceEvents = (Integer) v, () -> KeyspaceEvents.format(c.notifyKeyspaceEvents), true);
        // RDB persistence (persistence.Persistence reads them)
        c.special("save", SaveParam::parse, v -> c.save = castSave(v), () -> SaveParam.format(c.save), true);
        c.special("dbfilename", Specials::parseDbfilename, v -> c.dbfilename = (String) v, () -> c.dbfilename, true);
        // AOF file names (persistence.aof reads them through the entries), checked as Redis checks them
        String[] aofNames = {"appendonly.aof", "appendonlydir"};
        c.special("appendfilename", args -> Specials.parseAofName(args, "appendfilename", "filename"),
                v -> aofNames[0] = (String) v, () -> aofNames[0], true);
        c.special("appenddirname", args -> Specials.parseAofName(args, "appenddirname", "dirname"),
                v -> aofNames[1] = (String) v, () -> aofNames[1], true);
        c.bool("rdbcompression", v -> c.rdbcompression = v, () -> c.rdbcompression);
        c.bool("rdbchecksum", v -> c.rdbchecksum = v, () -> c.rdbchecksum);
        c.bool("stop-writes-on-bgsave-error", v -> c.stopWritesOnBgsaveError = v, () -> c.stopWritesOnBgsaveError);
        // only replication writes sync-only RDB files: with none, every value is already honoured
        c.bool("rdb-del-sync-files", v -> c.rdbDelSyncFiles = v, () -> c.rdbDelSyncFiles);
        c.integer("rdb-key-save-delay", v -> c.rdbKeySaveDelay = v.intValue(), () -> (long) c.rdbKeySaveDelay);
        c.integer("key-load-delay", v -> c.keyLoadDelay = v.intValue(), () -> (long) c.keyLoadDelay);
        c.integer("loading-process-events-interval-bytes", v -> c.loadingProcessEventsIntervalBytes = v,
                () -> c.loadingProcessEventsIntervalBytes);
        c.planned("client-output-buffer-limit", args -> c.clientOutputBufferLimits.with(args),
                v -> c.clientOutputBufferLimits = (ClientOutputBufferLimits) v,
                () -> c.clientOutputBufferLimits.format());
        // applied to the process by ConfigCommands.installOomScoreAdj
        c.string("oom-score-adj", v -> c.oomScoreAdj = v, () -> c.oomScoreAdj);
        c.special("oom-score-adj-values", Specials::parseOomScoreAdjValues, v -> c.oomScoreAdjValues = (int[]) v,
                () -> Specials.formatInts(c.oomScoreAdjValues), true);
        c.planned("latency-tracking-info-percentiles", Specials::parsePercentiles,
                v -> c.latencyTrackingInfoPercentiles = (double[]) v,
                () -> Specials.formatPercentiles(c.latencyTrackingInfoPercentiles));
        c.implemented("latency-tracking-info-percentiles"); // read by INFO latencystats
        c.implemented("busy-reply-threshold"); // read by the script engine through CONFIG GET's value
        String[] replicaof = {""};
        c.planned("replicaof", Specials::parseReplicaof, v -> replicaof[0] = (String) v, () -> replicaof[0]);
        c.string("unixsocket", v -> c.unixsocket = v, () -> c.unixsocket); // NettyServer listens on it
        c.special("unixsocketperm", Specials::parseOctal, v -> c.unixsocketperm = (Integer) v,
                () -> Integer.toOctalString(c.unixsocketperm), true);
        String[] hostname = {""};
        c.planned("cluster-announce-hostname", Specials::parseHostname, v -> hostname[0] = (String) v,
                () -> hostname[0]);
        c.integer("tracking-table-max-keys", v -> c.trackingTableMaxKeys = v, () -> c.trackingTableMaxKeys);
        // copied to the keyspace's LFU counter by ConfigCommands.installLfu
        c.integer("lfu-log-factor", v -> c.lfuLogFactor = v.intValue(), () -> (long) c.lfuLogFactor);
        c.integer("lfu-decay-time", v -> c.lfuDecayTime = v.intValue(), () -> (long) c.lfuDecayTime);
        platform(c);
    }

    /**
     * Directives about the allocator, the kernel or native threads. Each behaves as on a Redis
     * built without the feature (Debian's redis-server 7.0.15, for one, has no active defrag):
     * activedefrag is refused with Redis's text, the others are kept and reported and change
     * nothing, for the reason given (docs/compatibility.md prints it).
     */
    private static void platform(ServerConfig c) {
        onlyNo(c, "activedefrag", ACTIVE_DEFRAG_UNAVAILABLE);
        String noDefrag = "tunes active defragmentation, which cannot be enabled (activedefrag is refused as Redis "
                + "refuses it without its patched jemalloc): the JVM's compacting collector defragments the heap";
        for (String d : List.of("active-defrag-cycle-max", "active-defrag-cycle-min", "active-defrag-ignore-bytes",
                "active-defrag-max-scan-fields", "active-defrag-threshold-lower", "active-defrag-threshold-upper")) {
            c.noEffect(d, noDefrag);
        }
        c.noEffect("jemalloc-bg-thread", "as Redis built with another allocator than jemalloc: the JVM's collector "
                + "frees memory on its own threads");
        c.noEffect("disable-thp", "as Redis on a kernel without transparent huge pages: Redis turns them off for its "
                + "process to keep fork's copy-on-write small, and Cinnabar never forks (the JVM uses huge pages only "
                + "when started with -XX:+UseTransparentHugePages)");
        String cpus = "as Redis built without CPU affinity support (non-Linux/BSD builds): a JVM cannot pin its own "
                + "threads; pin the whole process instead (taskset -c LIST, systemd's CPUAffinity=)";
        for (String d : List.of("server_cpulist", "bio_cpulist", "aof_rewrite_cpulist", "bgsave_cpulist")) {
            c.noEffect(d, cpus);
        }
        c.noEffect("socket-mark-id", "as Redis on a platform without SO_MARK: the JVM's socket API cannot mark "
                + "sockets; mark the process's traffic with a cgroup or an nftables rule instead");
        c.noEffect("ignore-warnings", "the only warning Redis 7.0 lets it silence, ARM64-COW-BUG, is a kernel bug "
                + "in fork's copy-on-write on arm64, checked at start-up; Cinnabar never forks, so it never warns");
        c.noEffect("crash-memcheck-enabled", "as Redis without /proc/self/maps support: Redis tests its memory after "
                + "a crash by signal (SIGSEGV, SIGBUS); a JVM reports such faults itself (hs_err file)");
        c.noEffect("io-threads-do-reads", "every connection's reads and parsing always run on its I/O thread "
                + "(Netty's event loops), so the behaviour is that of yes; the reply and every result are the same");
        // read by replication.Replication's INFO replication (slave_priority, replica_announced), as Redis uses them
        onlyNo(c, "lua-enable-deprecated-api", LUA_DEPRECATED_UNAVAILABLE);
        c.noEffect("enable-module-command", "Cinnabar has no MODULE command (Redis modules are native shared "
                + "libraries a JVM cannot load), so there is nothing for it to allow");
        // read by Crash (the report of a dead server thread, and how the process ends)
        c.implemented("crash-log-enabled");
        c.implemented("replica-ignore-disk-write-errors"); // read by persistence.Persistence's write gate
        c.implemented("propagation-error-behavior"); // read by propagate.PropagationErrors
        c.implemented("use-exit-on-panic");
        c.implemented("bind-source-addr"); // read by replication.MasterLink when it connects
        c.implemented("rdb-save-incremental-fsync"); // read by persistence.Persistence (RdbSink)
        c.implemented("replica-priority");
        c.implemented("replica-announced");
    }

    /** A yes/no directive whose yes this server refuses with the given text; no is kept and reported. */
    private static void onlyNo(ServerConfig c, String name, String refusal) {
        c.entry(name).bind(args -> {
            if (ServerConfig.parseBool(ServerConfig.single(args))) {
                throw new ConfigException(refusal);
            }
            return Boolean.FALSE;
        }, v -> { }, () -> "no", true);
    }

    /** Why lua-enable-deprecated-api yes is refused (our text: Redis has the API, our Lua engine does not). */
    static final String LUA_DEPRECATED_UNAVAILABLE = "lua-enable-deprecated-api can't be enabled: Cinnabar's Lua "
            + "engine (LuaJ) has no getfenv, setfenv or newproxy to expose";

    /** Redis's text when activedefrag is turned on in a build without its jemalloc (config.c). */
    static final String ACTIVE_DEFRAG_UNAVAILABLE = "Active defragmentation cannot be enabled: it requires a Redis "
            + "server compiled with a modified Jemalloc like the one shipped by default with the Redis source "
            + "distribution";

    private static void planned(ServerConfig c, String name, Consumer<Long> set, Supplier<Long> get) {
        ConfigEntry e = c.entry(name);
        e.bind(ServerConfig.parserFor(e), v -> set.accept((Long) v), () -> ServerConfig.format(e, get.get()), false);
    }

    private static void plannedString(ServerConfig c, String name, Consumer<String> set, Supplier<String> get) {
        ConfigEntry e = c.entry(name);
        e.bind(ServerConfig.parserFor(e), v -> set.accept((String) v), get, false);
    }

    @SuppressWarnings("unchecked")
    private static List<String> castList(Object v) {
        return (List<String>) v;
    }

    @SuppressWarnings("unchecked")
    private static List<SaveParam> castSave(Object v) {
        return (List<SaveParam>) v;
    }

    /** Parsers of the directives with their own syntax. */
    static final class Specials {
        private Specials() {
        }

        /** Directives whose CONFIG SET value is split on spaces into several arguments. */
        static final List<String> MULTI_ARG = List.of("save", "bind", "client-output-buffer-limit",
                "oom-score-adj-values", "latency-tracking-info-percentiles", "replicaof", "shutdown-on-sigterm",
                "shutdown-on-sigint");

        static Object parseBind(List<String> args) throws ConfigException {
            List<String> l = new ArrayList<>();
            for (String a : args) {
                l.addAll(Arrays.asList(a.trim().split("\\s+")));
            }
            l.removeIf(String::isEmpty);
            if (l.size() > 16) {
                throw new ConfigException("Too many bind addresses specified.");
            }
            // bind "" (no address: no TCP listener) is allowed, as Redis
            return List.copyOf(l);
        }

        /** appendfilename / appenddirname: not empty, never a path (Redis's checks and texts). */
        static Object parseAofName(List<String> args, String name, String what) throws ConfigException {
            String v = ServerConfig.single(args);
            if (v.isEmpty()) {
                throw new ConfigException(name + " can't be empty");
            }
            if (v.contains("/")) {
                throw new ConfigException(name + " can't be a path, just a " + what);
            }
            return v;
        }

        /** dbfilename: a file name inside dir, never a path (Redis's check). */
        static Object parseDbfilename(List<String> args) throws ConfigException {
            String v = ServerConfig.single(args);
            if (v.contains("/") || v.contains("\\")) {
                throw new ConfigException("dbfilename can't be a path, just a filename");
            }
            return v;
        }

        static Object parseDir(List<String> args) throws ConfigException {
            File f = Path.of(ServerConfig.single(args)).toAbsolutePath().normalize().toFile();
            if (!f.exists()) {
                throw new ConfigException("No such file or directory");
            }
            if (!f.isDirectory()) {
                throw new ConfigException("Not a directory");
            }
            return f.getPath();
        }

        static Object parseOomScoreAdjValues(List<String> args) throws ConfigException {
            if (args.size() != 3) {
                throw new ConfigException("wrong number of arguments");
            }
            int[] v = new int[3];
            for (int i = 0; i < 3; i++) {
                Long n = ServerConfig.strictLong(args.get(i));
                if (n == null || n < -2000 || n > 2000) {
                    throw new ConfigException("Invalid oom-score-adj-values, elements must be between -2000 and 2000.");
                }
                v[i] = n.intValue();
            }
            return v;
        }

        static String formatInts(int[] v) {
            StringBuilder sb = new StringBuilder();
            for (int x : v) {
                sb.append(sb.isEmpty() ? "" : " ").append(x);
            }
            return sb.toString();
        }

        static Object parsePercentiles(List<String> args) throws ConfigException {
            List<String> l = new ArrayList<>();
            for (String a : args) {
                for (String p : a.trim().split("\\s+")) {
                    if (!p.isEmpty()) {
                        l.add(p);
                    }
                }
            }
            double[] v = new double[l.size()];
            for (int i = 0; i < v.length; i++) {
                try {
                    v[i] = Double.parseDouble(l.get(i));
                } catch (NumberFormatException e) {
                    throw new ConfigException("Invalid latency-tracking-info-percentiles parameters");
                }
                if (!(v[i] >= 0.0 && v[i] <= 100.0)) {
                    throw new ConfigException("latency-tracking-info-percentiles parameters should sit between [0.0,100.0]");
                }
            }
            return v;
        }

        static String formatPercentiles(double[] v) {
            StringBuilder sb = new StringBuilder();
            for (double d : v) {
                sb.append(sb.isEmpty() ? "" : " ");
                sb.append(ServerConfig.formatPercentile(d));
            }
            return sb.toString();
        }

        static Object parseReplicaof(List<String> args) throws ConfigException {
            if (args.size() != 2) {
                throw new ConfigException("wrong number of arguments");
            }
            if (args.get(0).equalsIgnoreCase("no") && args.get(1).equalsIgnoreCase("one")) {
                return "";
            }
            Long port = ServerConfig.strictLong(args.get(1));
            if (port == null || port < 0 || port > 65535) {
                throw new ConfigException("Invalid master port");
            }
            return args.get(0) + " " + port;
        }

        static Object parseOctal(List<String> args) throws ConfigException {
            String s = ServerConfig.single(args);
            try {
                int v = Integer.parseInt(s, 8);
                if (v < 0 || v > 0777) {
                    throw new NumberFormatException();
                }
                return v;
            } catch (NumberFormatException e) {
                throw new ConfigException("argument couldn't be parsed as an octal number");
            }
        }

        static Object parseHostname(List<String> args) throws ConfigException {
            String s = ServerConfig.single(args);
            for (char ch : s.toCharArray()) {
                if (!(Character.isLetterOrDigit(ch) && ch < 128) && ch != '-' && ch != '.') {
                    throw new ConfigException("Hostnames may only contain alphanumeric characters, hyphens or dots");
                }
            }
            return s;
        }
    }
}
