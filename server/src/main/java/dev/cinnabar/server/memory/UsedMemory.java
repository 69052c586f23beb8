package dev.cinnabar.server.memory;

import dev.cinnabar.server.ServerContext;
import dev.cinnabar.server.scripting.FunctionRegistry;
import dev.cinnabar.server.scripting.ScriptEngine;
import dev.cinnabar.server.store.MemoryAccounting;
import dev.cinnabar.server.store.Strings;

/**
 * used_memory and its parts, as INFO memory, MEMORY STATS and maxmemory read them. A JVM has no
 * allocator counter, and the heap in use includes garbage not yet collected, so used_memory is
 * the sum of what the server's structures are estimated to hold:
 *
 * <ul>
 *   <li>the dataset: every key, dict entry, value and expiry, kept incrementally by the store's
 *       {@link MemoryAccounting} (O(1) per write, never a walk);
 *   <li>the databases' bucket arrays (O(databases) to read);
 *   <li>the clients: the sums {@link dev.cinnabar.server.session.ClientMemory} keeps of what each
 *       client was last accounted (a closed client leaves them at once), accounted again for every
 *       client by the cron and by each report;
 *   <li>the script and function caches, the AOF buffer and the replication backlog: refreshed by
 *       the cron and by each report (they need a walk of the libraries, so not per command).
 * </ul>
 *
 * <p>used_memory_startup is that figure right after start-up plus the structures every server holds
 * whatever its data (the shared small integers, the databases, the command table); the JVM's own
 * classes, thread stacks and buffer pools are not counted, as Redis does not count its binary.
 * Each connected client is charged its memory as client eviction accounts it
 * ({@link dev.cinnabar.server.session.ClientMemory}: buffers, arguments, MULTI, subscriptions). Under the
 * execution lock.
 */
public final class UsedMemory {
    /** Per command table entry (the spec, its statistics, its name), an estimate. */
    private static final long COMMAND_BYTES = 256;
    /** Per database (the Db and its two dict objects). */
    private static final long DB_BYTES = 144;
    private final ServerContext server;
    private final MemoryAccounting accounting;
    private final long startup;
    private long peak;
    private final dev.cinnabar.server.session.ClientMemory clients;
    private long scriptsEval;
    private long scriptsFunctions;
    private long aofBuffer;
    private long backlog;
    /** The shared replication buffer beyond repl-backlog-size while replicas are attached: theirs. */
    private long replicasShared;
    /** The shared replication buffer beyond repl-backlog-size and its blocks' overhead (not counted for eviction). */
    private long replicationNotCounted;
    /**
     * The input all connections hold, kept live by the heap guard as they read (O(1)), and its
     * value at the last refresh: between refreshes the client figure follows it, so that a query
     * buffer growing between two cron runs counts for eviction at once, as Redis's per-read client
     * memory update does.
     */
    private final java.util.function.LongSupplier liveInput;
    private long inputAtRefresh;
    /**
     * Output the clients held, not yet written, at the last refresh: replies and messages a
     * command just produced for other connections wait for those connections' event loops, so a
     * refresh may catch them in the instant before they reach the socket (Redis writes them
     * before it reads the next command, so its figure never shows them). Above
     * {@link #IN_FLIGHT_OUTPUT} the figures are measured again before anything is evicted for them.
     */
    private long outputAtRefresh;
    /** The dataset's bytes at the last {@link #used()} (see {@link #usedAsSettled}). */
    private long settledKeys;
    static final long IN_FLIGHT_OUTPUT = 16 * 1024;

    UsedMemory(ServerContext server, MemoryAccounting accounting, java.util.function.LongSupplier liveInput) {
        this.server = server;
        this.accounting = accounting;
        this.liveInput = liveInput;
        this.clients = server.clients().memory();
        long shared = Strings.SHARED_INTEGERS * 16L + 16 + 4L * Strings.SHARED_INTEGERS;
        this.startup = accounting.keysBytes() + accounting.tablesBytes() + shared
                + DB_BYTES * server.keyspace().count() + COMMAND_BYTES * server.commands().commands().size();
        this.peak = startup;
    }

    /** The server's figures (installed by {@link Eviction#install}). */
    public static UsedMemory of(ServerContext s) {
        return Eviction.of(s).used();
    }

    /** Walks the clients and the script caches (cron, reports). */
    void refresh() {
        // client memory as the session package accounts it (tot-mem of every client)
        clients.updateAll();
        inputAtRefresh = liveInput.getAsLong();
        long out = 0;
        for (dev.cinnabar.server.session.Client c : server.clients().all()) {
            dev.cinnabar.server.session.Connection conn = c.connection();
            out += conn == null ? 0 : conn.pendingOutputBytes();
        }
        outputAtRefresh = out;
        // ScriptsUsed first: naming ScriptEngine brings LuaJ in, in every server that never runs a script
        boolean scripts = dev.cinnabar.server.scripting.ScriptsUsed.any(server);
        ScriptEngine eng = scripts ? ScriptEngine.ifCreated(server) : null;
        scriptsEval = eng == null ? 0 : eng.bodyBytes() + 64L * eng.size();
        long fn = 0;
        FunctionRegistry reg = scripts ? FunctionRegistry.ifCreated(server) : null;
        if (reg != null) {
            for (FunctionRegistry.Library lib : reg.libraries()) {
                fn += 64 + 2L * lib.code().length() + 64L * lib.functions().size();
            }
        }
        scriptsFunctions = fn;
        aofBuffer = dev.cinnabar.server.persistence.aof.Aof.of(server).bufferLength();
        dev.cinnabar.server.replication.Replication repl = dev.cinnabar.server.replication.Replication.of(server);
        backlog = repl.backlogMemory();
        replicasShared = repl.replicasMemory();
        replicationNotCounted = repl.bufferBeyondBacklog();
    }

    /** True when the last refresh saw output in flight (see {@link #outputAtRefresh}). */
    boolean outputInFlight() {
        return outputAtRefresh > IN_FLIGHT_OUTPUT;
    }

    /** used_memory: every part below (settles the accounting first). */
    public long used() {
        settledKeys = accounting.keysBytes();
        long u = sum(settledKeys);
        if (u > peak) {
            peak = u;
        }
        return u;
    }

    /**
     * used_memory with the dataset as last settled (before the running command's writes): for a
     * question asked in the middle of a write, where settling would lose the key being written.
     */
    long usedAsSettled() {
        return sum(settledKeys);
    }

    private long sum(long keys) {
        return startup + keys + accounting.tablesBytes() + clientsNormal() + clientsReplicas() + scriptsEval
                + scriptsFunctions + aofBuffer + backlog;
    }

    /** used_memory with the client and script figures refreshed first (INFO, MEMORY STATS). */
    public long usedNow() {
        refresh();
        return used();
    }

    /**
     * mem_not_counted_for_evict, as Redis 7.0's freeMemoryGetNotCountedMemory: the shared
     * replication buffer beyond repl-backlog-size (and the blocks' estimated overhead for that
     * size), plus the AOF buffer, so that the DELs eviction propagates cannot feed eviction. The
     * replica clients themselves (their query buffers, the client objects) are counted, as in
     * Redis: only the stream they hold is not.
     */
    public long notCountedForEvict() {
        return replicationNotCounted + aofBuffer;
    }

    public long startup() {
        return startup;
    }

    public long peak() {
        return peak;
    }

    /**
     * mem_clients_normal: the clients' sums as accounted now (a client that closed no longer counts,
     * at once), plus the input that arrived since the last refresh.
     */
    public long clientsNormal() {
        return clients.normalClients() + Math.max(0, liveInput.getAsLong() - inputAtRefresh);
    }

    /**
     * mem_clients_slaves, Redis 7.0's split: the replica clients themselves, and the part of the
     * shared replication buffer beyond repl-backlog-size (the rest is mem_replication_backlog), so
     * that the buffer counts once in used_memory.
     */
    public long clientsReplicas() {
        return clients.replicaClients() + replicasShared;
    }

    public long scriptsEval() {
        return scriptsEval;
    }

    public long scriptsFunctions() {
        return scriptsFunctions;
    }

    /** The dataset's bytes (keys, entries, values, expiries). */
    public long keys() {
        return accounting.keysBytes();
    }

    /**
     * used_memory_overhead, Redis's composition: start-up, client buffers, script caches, and per
     * database its dict entries and bucket arrays.
     */
    public long overhead() {
        long o = startup + clientsNormal() + clientsReplicas() + scriptsEval + scriptsFunctions + aofBuffer + backlog
                + accounting.tablesBytes();
        // (the start-up figure includes the empty tables; as in Redis, both are counted)
        for (int i = 0; i < server.keyspace().count(); i++) {
            o += MemoryAccounting.entriesBytes(server.keyspace().db(i));
        }
        return o;
    }

    public MemoryAccounting accounting() {
        return accounting;
    }
}
