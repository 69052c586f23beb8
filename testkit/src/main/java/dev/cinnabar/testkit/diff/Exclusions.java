package dev.cinnabar.testkit.diff;

import dev.cinnabar.server.command.CommandFlag;
import dev.cinnabar.server.command.CommandSpec;
import java.util.Map;
import java.util.Set;

/**
 * Which implemented commands the random differential sequences may use. A command is left out
 * when its metadata carries the {@code nondeterministic_output} tip, when it blocks, or when it
 * is on the deny-list below, each entry with its reason. Everything else a family binds is picked
 * up automatically.
 *
 * <p>Kept on purpose: SELECT, SWAPDB, MOVE, FLUSHALL/FLUSHDB, MULTI/EXEC/WATCH, HELLO, RESET and
 * AUTH, because {@link Differ} starts every sequence on fresh connections after FLUSHALL (and
 * restores the few parameters CONFIG SET may change), so their effects cannot leak.
 */
public final class Exclusions {
    private Exclusions() {
    }

    /** Full command name → why random sequences must not send it. */
    public static final Map<String, String> DENIED = Map.ofEntries(
            // Environment-dependent or server identity.
            Map.entry("info", "server environment, memory, uptime, counters"),
            Map.entry("time", "wall clock"),
            Map.entry("lolwut", "version art, not a compatibility surface"),
            Map.entry("memory|usage", "byte counts of the JVM layout legitimately differ from jemalloc's"),
            Map.entry("object|refcount", "shared-object refcounts are a C implementation detail"),
            Map.entry("object|freq", "LFU counter depends on timing (and the policy)"),
            Map.entry("object|idletime", "wall clock"),
            Map.entry("dump", "RDB serialisation bytes depend on the in-memory encoding"),
            Map.entry("function|dump", "RDB serialisation of the libraries"),
            Map.entry("pfdebug", "HyperLogLog internals"),
            Map.entry("pfselftest", "slow self test, not behaviour"),
            Map.entry("command", "COMMAND lists only what we implement; its docs prose is ours"),
            Map.entry("command|count", "counts only what we implement"),
            Map.entry("command|docs", "docs prose is ours (never copied from Redis)"),
            Map.entry("command|info", "lists only what we implement"),
            Map.entry("command|list", "lists only what we implement"),
            // Connection state that would break the lock-step comparison.
            Map.entry("client", "CLIENT *: ids, addresses, ages, names of connections differ"),
            Map.entry("quit", "closes the connection (covered by client tests)"),
            Map.entry("monitor", "turns the connection into a stream"),
            Map.entry("subscribe", "switches the connection to pub/sub mode with asynchronous pushes"),
            Map.entry("psubscribe", "switches the connection to pub/sub mode with asynchronous pushes"),
            Map.entry("ssubscribe", "switches the connection to pub/sub mode with asynchronous pushes"),
            Map.entry("unsubscribe", "pub/sub mode"),
            Map.entry("punsubscribe", "pub/sub mode"),
            Map.entry("sunsubscribe", "pub/sub mode"),
            Map.entry("wait", "blocks until replicas acknowledge (never here)"),
            // Server-wide state or the process itself.
            Map.entry("debug", "internal and dangerous"),
            Map.entry("shutdown", "stops the server"),
            Map.entry("failover", "replication"),
            Map.entry("replicaof", "would turn the server into a replica"),
            Map.entry("slaveof", "would turn the server into a replica"),
            Map.entry("sync", "replication stream"),
            Map.entry("psync", "replication stream"),
            Map.entry("replconf", "replication protocol"),
            Map.entry("module", "loads native code"),
            Map.entry("save", "disk and timing"),
            Map.entry("bgsave", "disk and timing (background child)"),
            Map.entry("bgrewriteaof", "disk and timing (background child)"),
            Map.entry("config|set", "server-wide; only the safe parameters in SequenceGenerator are set, and restored"),
            Map.entry("config|rewrite", "writes the config file"),
            Map.entry("config|resetstat", "statistics are not compared"),
            Map.entry("acl|setuser", "would lock the test's own user out; ACL is tested on its own"),
            Map.entry("acl|deluser", "server-wide users"),
            Map.entry("acl|load", "reads a file"),
            Map.entry("acl|save", "writes a file"),
            Map.entry("acl|log", "entries carry timestamps and client addresses"),
            Map.entry("acl|genpass", "random output"),
            Map.entry("acl|dryrun", "needs users created by ACL SETUSER"));

    /*
     * Stream consumer groups: XGROUP, XACK, XINFO STREAM and XINFO GROUPS are drawn like any other
     * command. XREADGROUP is left out as blocking; XCLAIM, XAUTOCLAIM, XPENDING and XINFO CONSUMERS
     * by their nondeterministic_output tip, rightly here too: their results depend on idle times
     * (random min-idle/IDLE values compared against each server's own clock). StreamGroupsTest
     * runs random group workloads with min-idle 0 and the streamTimes normaliser instead.
     */

    /**
     * Commands kept despite the nondeterministic_output tip, because a normaliser handles them
     * (TTL, PTTL) or because both servers must agree anyway for the same history (OBJECT ENCODING:
     * Cinnabar converts encodings at Redis's thresholds).
     */
    public static final Set<String> KEPT_DESPITE_TIP = Set.of("ttl", "pttl", "object|encoding");

    /** Null when allowed, else the reason. */
    public static String reason(CommandSpec s) {
        String full = s.fullName();
        String d = DENIED.get(full);
        if (d == null && s.parent() != null) {
            d = DENIED.get(s.parent().name());
        }
        if (d != null) {
            return d;
        }
        if (s.name().equals("help")) {
            return "HELP text is our own wording";
        }
        if (s.has(CommandFlag.BLOCKING)) {
            return "blocking";
        }
        if (s.tips().contains("nondeterministic_output") && !KEPT_DESPITE_TIP.contains(full)) {
            return "nondeterministic_output tip";
        }
        return null;
    }

    public static boolean allowed(CommandSpec s) {
        return reason(s) == null;
    }
}
