package dev.cinnabar.server.command.server;

import dev.cinnabar.server.ServerContext;
import dev.cinnabar.server.command.CommandSpec;
import dev.cinnabar.server.command.CommandTable;
import dev.cinnabar.server.config.ConfigEntry;
import dev.cinnabar.server.config.ConfigException;
import dev.cinnabar.server.config.ConfigRewrite;
import dev.cinnabar.server.config.OomScoreAdj;
import dev.cinnabar.server.config.ServerConfig;
import dev.cinnabar.server.persistence.Persistence;
import dev.cinnabar.server.protocol.Errors;
import dev.cinnabar.server.protocol.Reply;
import dev.cinnabar.server.protocol.Texts;
import dev.cinnabar.server.session.Client;
import dev.cinnabar.server.util.Glob;
import java.nio.charset.StandardCharsets;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * CONFIG GET / SET / RESETSTAT / REWRITE / HELP over the configuration table.
 *
 * <p>CONFIG SET is atomic as in Redis: every name is checked first (unknown, immutable,
 * protected, duplicate), then every value is parsed; only when all parse are they applied, and if
 * applying one fails (a port that cannot be bound) the ones already applied get their previous
 * values back.
 */
final class ConfigCommands {
    private static final String[] HELP = {
        "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "GET <pattern> [<pattern> ...]",
        "    The directives whose names match the glob patterns, with their values.",
        "SET <directive> <value> [<directive> <value> ...]",
        "    Change directives at run time; all of them or none.",
        "RESETSTAT",
        "    Zero the statistics INFO reports.",
        "REWRITE",
        "    Write the running configuration back to the configuration file.",
        "HELP",
        "    Print this help.",
    };

    /** lfu-log-factor and lfu-decay-time drive the keyspace's LFU counters, at start and on CONFIG SET. */
    /**
     * lazyfree-lazy-server-del and lazyfree-lazy-expire, copied to the keyspace (read by Db);
     * lazyfree-lazy-user-del and -user-flush are read by DEL and FLUSHALL/FLUSHDB.
     */
    static void installLazyFree(ServerContext ctx) {
        ServerConfig config = ctx.config();
        Runnable copy = () -> {
            ctx.keyspace().lazyServerDel = "yes".equals(config.get("lazyfree-lazy-server-del"));
            ctx.keyspace().lazyExpire = "yes".equals(config.get("lazyfree-lazy-expire"));
        };
        for (String d : List.of("lazyfree-lazy-server-del", "lazyfree-lazy-expire", "lazyfree-lazy-user-del",
                "lazyfree-lazy-user-flush")) {
            config.entry(d).onApply(v -> copy.run());
            config.implemented(d);
        }
        copy.run();
    }

    static void installLfu(ServerContext ctx) {
        ServerConfig config = ctx.config();
        ConfigEntry.Applier copy = v -> {
            ctx.keyspace().lfuLogFactor = config.lfuLogFactor;
            ctx.keyspace().lfuDecayTime = config.lfuDecayTime;
        };
        config.entry("lfu-log-factor").onApply(copy);
        config.entry("lfu-decay-time").onApply(copy);
        // Redis reads the policy on every access: the switch takes effect with the CONFIG SET itself
        config.entry("maxmemory-policy").onApply(v -> ctx.keyspace().lfuMode(config.maxmemoryPolicy.contains("lfu")));
        ctx.keyspace().lfuLogFactor = config.lfuLogFactor;
        ctx.keyspace().lfuDecayTime = config.lfuDecayTime;
        ctx.keyspace().lfuMode(config.maxmemoryPolicy.contains("lfu"));
    }

    /**
     * Applies oom-score-adj to the process at start-up (a failure is logged, as Redis) and on every
     * CONFIG SET of oom-score-adj or oom-score-adj-values (a failure fails the CONFIG SET, which then
     * restores the previous values).
     */
    static void installOomScoreAdj(ServerContext ctx) {
        ServerConfig config = ctx.config();
        ConfigEntry.Applier apply = v -> {
            try {
                OomScoreAdj.process().update(config.oomScoreAdj, config.oomScoreAdjValues, ctx.isReplica());
            } catch (IOException | RuntimeException e) {
                ctx.log().warning("Unable to write oom_score_adj: " + e.getMessage());
                throw new ConfigException(Errors.OOM_SCORE_ADJ_FAILED);
            }
        };
        config.entry("oom-score-adj").onApply(apply);
        config.entry("oom-score-adj-values").onApply(apply);
        try {
            apply.apply(null);
        } catch (ConfigException e) {
            // logged; start-up goes on as in Redis
        }
        // REPLICAOF host port / NO ONE moves the process to the replica or master class as the
        // command ends (a role change made otherwise applies at the next command)
        boolean[] role = {ctx.isReplica()};
        ctx.dispatcher().observers.add((c, cmd, micros, dirty) -> {
            if (ctx.isReplica() != role[0]) {
                role[0] = ctx.isReplica();
                if (!config.oomScoreAdj.equals("no")) {
                    try {
                        apply.apply(null);
                    } catch (ConfigException e) {
                        // logged, as at start-up
                    }
                }
            }
        });
    }

    void register(CommandTable t) {
        t.bind("config", "get", this::configGet);
        t.bind("config", "set", this::configSet);
        t.bind("config", "resetstat", this::configResetstat);
        t.bind("config", "rewrite", this::configRewrite);
        t.bind("config", "help", c -> ServerCommands.help(c, HELP));
    }

    void configGet(Client c) {
        ServerConfig config = c.server().config();
        Map<String, String> matches = new LinkedHashMap<>();
        for (int i = 2; i < c.argc(); i++) {
            String pattern = Texts.str(c.arg(i));
            if (pattern.indexOf('*') < 0 && pattern.indexOf('?') < 0 && pattern.indexOf('[') < 0) {
                ConfigEntry e = config.entry(pattern);
                if (e != null) {
                    matches.putIfAbsent(pattern, e.get());
                }
                continue;
            }
            for (ConfigEntry e : config.entries()) {
                if (e.hidden()) {
                    continue;
                }
                if (Glob.matches(pattern.getBytes(StandardCharsets.UTF_8), e.name().getBytes(StandardCharsets.UTF_8), true)) {
                    matches.putIfAbsent(e.name(), e.get());
                }
                for (String a : e.aliases()) {
                    if (Glob.matches(pattern.getBytes(StandardCharsets.UTF_8), a.getBytes(StandardCharsets.UTF_8), true)) {
                        matches.putIfAbsent(a, e.get());
                    }
                }
            }
        }
        Reply r = c.reply();
        r.map(matches.size());
        for (Map.Entry<String, String> m : matches.entrySet()) {
            r.bulk(m.getKey());
            r.bulk(m.getValue());
        }
    }

    void configSet(Client c) {
        if ((c.argc() & 1) == 1) {
            c.error(Errors.SYNTAX);
            return;
        }
        ServerConfig config = c.server().config();
        int n = (c.argc() - 2) / 2;
        ConfigEntry[] entries = new ConfigEntry[n];
        String[] names = new String[n];
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < n; i++) {
            names[i] = Texts.str(c.arg(2 + 2 * i));
            ConfigEntry e = config.entry(names[i]);
            if (e == null) {
                c.error(Errors.configSetUnknown(names[i]));
                return;
            }
            if (!e.mutable()) {
                c.error(Errors.configSetFailed(names[i], "can't set immutable config"));
                return;
            }
            if (e.isProtected() && !protectedAllowed(c)) {
                c.error(Errors.configSetFailed(names[i], "can't set protected config"));
                return;
            }
            if (e.denyLoading() && (Persistence.of(c.server()).loading()
                    || dev.cinnabar.server.replication.Replication.of(c.server()).asyncLoading())) {
                c.error(Errors.LOADING); // Redis checks it here, before later arguments and duplicates
                return;
            }
            if (!seen.add(names[i].toLowerCase(Locale.ROOT))) {
                c.error(Errors.configSetFailed(names[i], "duplicate parameter"));
                return;
            }
            entries[i] = e;
        }
        Object[] parsed = new Object[n];
        for (int i = 0; i < n; i++) {
            String value = Texts.str(c.arg(3 + 2 * i));
            List<String> args = entries[i].multiArg() ? splitSpaces(value) : List.of(value);
            try {
                parsed[i] = entries[i].parse(args);
            } catch (ConfigException ex) {
                c.error(Errors.configSetFailed(names[i], ex.getMessage()));
                return;
            }
        }
        String[] previous = new String[n];
        for (int i = 0; i < n; i++) {
            previous[i] = entries[i].get();
            try {
                entries[i].apply(parsed[i]);
            } catch (ConfigException ex) {
                restore(entries, previous, i);
                c.error(Errors.configSetFailed(names[i], ex.getMessage()));
                return;
            }
        }
        c.reply().ok();
    }

    /** Puts back the values of entries[0..count] (best effort: they were valid before). */
    private static void restore(ConfigEntry[] entries, String[] previous, int count) {
        for (int j = count; j >= 0; j--) {
            if (previous[j] == null) {
                continue;
            }
            try {
                List<String> args = entries[j].multiArg() ? splitSpaces(previous[j]) : List.of(previous[j]);
                entries[j].apply(entries[j].parse(args));
            } catch (ConfigException ignored) {
                // the previous value was accepted once; nothing better to do than keep going
            }
        }
    }

    /** Redis splits a multi-argument value on single spaces; "" is no argument at all. */
    private static List<String> splitSpaces(String v) {
        return v.isEmpty() ? List.of() : new ArrayList<>(Arrays.asList(v.split(" ", -1)));
    }

    /** enable-protected-configs: "yes" always, "local" for loopback clients, "no" never. */
    static boolean protectedAllowed(Client c) {
        return switch (c.server().config().enableProtectedConfigs) {
            case "yes" -> true;
            case "local" -> ServerCommands.isLocal(c);
            default -> false;
        };
    }

    void configResetstat(Client c) {
        resetStats(c.server());
        c.reply().ok();
    }

    /** What CONFIG RESETSTAT clears: server and keyspace counters, per-command and error statistics. */
    static void resetStats(ServerContext s) {
        s.stats().reset();
        s.keyspace().stats().reset();
        dev.cinnabar.server.memory.Eviction.of(s).resetStats();
        s.clients().memory().resetStats(); // evicted_clients
        dev.cinnabar.server.replication.Replication.of(s).resetStats(); // sync_full, sync_partial_ok/err
        for (CommandSpec cmd : s.commands().commands()) {
            clear(cmd);
            for (CommandSpec sub : cmd.subcommands()) {
                clear(sub);
            }
        }
    }

    private static void clear(CommandSpec cmd) {
        cmd.calls = 0;
        cmd.microseconds = 0;
        cmd.rejectedCalls = 0;
        cmd.failedCalls = 0;
        cmd.latency = null; // as Redis frees it: the command leaves INFO latencystats until called again
    }

    void configRewrite(Client c) {
        String file = c.server().config().configFile;
        if (file == null) {
            c.error(Errors.NO_CONFIG_FILE);
            return;
        }
        try {
            ConfigRewrite.rewrite(c.server().config(), Path.of(file));
        } catch (IOException | RuntimeException e) {
            c.server().log().warning("CONFIG REWRITE failed: " + e.getMessage());
            c.error(String.format(Errors.CONFIG_REWRITE_FAILED, e.getMessage()));
            return;
        }
        c.server().log().notice("CONFIG REWRITE executed with success.");
        c.reply().ok();
    }
}
