package dev.cinnabar.server.config;

import java.util.Arrays;
import java.util.List;

/**
 * The directives and their defaults, as Redis 7.0 has them. Each entry wires a directive to a
 * typed field of {@link ServerConfig}; directives whose behaviour is not built yet are registered
 * with {@link ServerConfig#accepted} so a stock redis.conf loads.
 */
final class Defaults {
    private Defaults() {
    }

    static void register(ServerConfig c) {
        c.integer("port", true, 6379, 0, 65535, v -> c.port = v.intValue(), () -> (long) c.port);
        c.add(new ConfigEntry("bind", List.of(), true, "* -::*", args -> {
            List<String> l = args.size() == 1 ? Arrays.asList(args.get(0).trim().split("\\s+")) : args;
            c.bind = List.copyOf(l);
        }, () -> String.join(" ", c.bind), true, true));
        c.bool("protected-mode", true, true, v -> c.protectedMode = v, () -> c.protectedMode);
        c.integer("tcp-backlog", false, 511, 0, Integer.MAX_VALUE, v -> c.tcpBacklog = v.intValue(),
                () -> (long) c.tcpBacklog);
        c.integer("timeout", true, 0, 0, Integer.MAX_VALUE, v -> c.timeout = v.intValue(), () -> (long) c.timeout);
        c.integer("tcp-keepalive", true, 300, 0, Integer.MAX_VALUE, v -> c.tcpKeepalive = v.intValue(),
                () -> (long) c.tcpKeepalive);
        c.integer("maxclients", true, 10000, 1, Integer.MAX_VALUE, v -> c.maxclients = v.intValue(),
                () -> (long) c.maxclients);
        c.integer("io-threads", false, 1, 1, 128, v -> c.ioThreads = v.intValue(), () -> (long) Math.max(1, c.ioThreads));
        c.memory("proto-max-bulk-len", true, 512L * 1024 * 1024, 1024 * 1024, Long.MAX_VALUE,
                v -> c.protoMaxBulkLen = v, () -> c.protoMaxBulkLen);
        c.memory("client-query-buffer-limit", true, 1024L * 1024 * 1024, 1024 * 1024, Long.MAX_VALUE,
                v -> c.clientQueryBufferLimit = v, () -> c.clientQueryBufferLimit);
        c.integer("databases", false, 16, 1, Integer.MAX_VALUE, v -> c.databases = v.intValue(),
                () -> (long) c.databases);
        c.integer("hz", true, 10, 0, Integer.MAX_VALUE, v -> c.hz = (int) Math.max(1, Math.min(500, v)),
                () -> (long) c.hz);
        c.bool("dynamic-hz", true, true, v -> c.dynamicHz = v, () -> c.dynamicHz);
        c.integer("active-expire-effort", true, 1, 1, 10, v -> c.activeExpireEffort = v.intValue(),
                () -> (long) c.activeExpireEffort);
        c.string("requirepass", true, "", v -> c.requirepass = v, () -> c.requirepass);
        c.string("dir", true, ".", v -> c.dir = v, () -> c.dir);
        c.string("logfile", false, "", v -> c.logfile = v, () -> c.logfile);
        c.enumeration("loglevel", true, "notice", List.of("debug", "verbose", "notice", "warning", "nothing"),
                v -> c.loglevel = v, () -> c.loglevel);
        c.string("pidfile", true, "", v -> c.pidfile = v, () -> c.pidfile);
        c.bool("daemonize", false, false, v -> c.daemonize = v, () -> c.daemonize);
        c.memory("maxmemory", true, 0, 0, Long.MAX_VALUE, v -> c.maxmemory = v, () -> c.maxmemory);
        c.enumeration("maxmemory-policy", true, "noeviction",
                List.of("volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl", "allkeys-lru",
                        "allkeys-lfu", "allkeys-random", "noeviction"),
                v -> c.maxmemoryPolicy = v, () -> c.maxmemoryPolicy);
        c.integer("maxmemory-samples", true, 5, 1, 64, v -> c.maxmemorySamples = v.intValue(),
                () -> (long) c.maxmemorySamples);
        c.integer("slowlog-log-slower-than", true, 10000, -1, Long.MAX_VALUE, v -> c.slowlogLogSlowerThan = v,
                () -> c.slowlogLogSlowerThan);
        c.integer("slowlog-max-len", true, 128, 0, Integer.MAX_VALUE, v -> c.slowlogMaxLen = v.intValue(),
                () -> (long) c.slowlogMaxLen);
    }
}
