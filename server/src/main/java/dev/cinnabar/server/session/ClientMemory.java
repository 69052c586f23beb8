package dev.cinnabar.server.session;

import dev.cinnabar.server.ServerContext;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.ToLongFunction;

/**
 * Client memory as Redis 7.0 accounts it (networking.c getClientMemoryUsage, updateClientMemUsage,
 * evictClients): each connected client's memory, summed per client type, and client eviction under
 * {@code maxmemory-clients}.
 *
 * <p><b>A client's memory</b> ({@link #usage}) is what it holds on our side: a fixed part for the
 * session objects ({@link #BASE}), its query buffer (the unparsed input and the received part of a
 * large argument, at their capacity), the arguments it holds (a command running or blocked, the
 * finished arguments of a request still arriving), its pending output (the socket's outbound
 * buffer, deliveries not written yet, and the replies of the batch it is running) or, when
 * larger, the size of its reply buffer (rbs, {@link ReplyBuffer}: Redis counts that buffer whole
 * even when empty, and what does not fit in it besides), the commands
 * queued in MULTI and its WATCHed keys, its subscriptions and its tracking prefixes. CLIENT LIST
 * shows the same figure as tot-mem.
 *
 * <p><b>Accounting.</b> As in Redis, eviction works on the figure each client had when it was last
 * accounted, not on a walk of every client. While client eviction is on, a client is accounted at
 * the end of each batch it runs, when a message is delivered to it, and when its figures change on
 * its event loop (a read left a partial request, written replies left the buffer: {@link
 * #changed}, settled under the lock by the next {@link #evict}); always, by the cron and by INFO
 * for every client ({@link #updateAll}). The sums per type give INFO's mem_clients_normal (normal
 * and pub/sub clients) and mem_clients_slaves.
 *
 * <p><b>Eviction.</b> Normal and pub/sub clients sit in buckets by the power of two of their
 * memory (32 KiB and below in the first, 8 GiB and above in the last, Redis's bucket bounds). While
 * the normal and pub/sub clients together hold at least the limit, the first client of the highest
 * non-empty bucket is closed (so the biggest go first, and no more are closed than needed), skipping
 * clients flagged CLIENT NO-EVICT; Redis's log lines and evicted_clients. A client closed for its
 * output buffer limit or killed no longer counts (its memory is about to be freed, so the limit
 * takes precedence over eviction). The limit is maxmemory-clients, or that percentage of maxmemory
 * ("N%", nothing while maxmemory is 0), and never less than 128 KiB. Everything here runs under the
 * execution lock except {@link #changed}.
 */
public final class ClientMemory {
    /** The session's own objects (client, handler, parser, writers), an estimate. */
    public static final long BASE = 1024;
    /** Per WATCHed key (the list entry and the watched-key record). */
    static final long WATCH_BYTES = 48;
    /** Per subscribed channel or shard channel (its entry and slot in the client's table). */
    static final long CHANNEL_BYTES = 32;
    /** Per subscribed pattern (its list node). */
    static final long PATTERN_BYTES = 24;
    /** Per tracking prefix (its nodes in the client's prefix tree). */
    static final long PREFIX_BYTES = 32;
    /** Per command queued in MULTI besides its arguments (the queued-command record). */
    static final long QUEUED_BYTES = 32;
    /** Smallest limit, so that a tiny maxmemory-clients cannot cut every client off. */
    static final long MIN_LIMIT = 128 * 1024;
    private static final int MIN_LOG = 15;
    private static final int MAX_LOG = 33;

    private final ServerContext server;
    @SuppressWarnings("unchecked")
    private final LinkedHashSet<Client>[] buckets = new LinkedHashSet[MAX_LOG - MIN_LOG + 1];
    private final ConcurrentLinkedQueue<Client> changed = new ConcurrentLinkedQueue<>();
    /** Accounted memory of normal + pub/sub clients, and of replicas. */
    private long normal;
    private long replicas;
    private long evicted;
    /** DEBUG REPLYBUFFER PEAK-RESET-TIME (ms, negative: never) and RESIZING; INFO's resize counts. */
    private volatile long replyPeakResetMillis = ReplyBuffer.DEFAULT_PEAK_RESET_MILLIS;
    private volatile boolean replyResizing = true;
    private long replyShrinks;
    private long replyExpands;
    /** How many keys a client WATCHes, and how many tracking prefixes it has (set by those features). */
    private volatile ToLongFunction<Client> watched = c -> 0;
    private volatile ToLongFunction<Client> prefixes = c -> 0;
    /** A replica's output as the replication package counts it (its part of the shared buffer), -1 when not known. */
    private volatile ToLongFunction<Client> replicaOutput = c -> -1;

    ClientMemory(ServerContext server) {
        this.server = server;
        for (int i = 0; i < buckets.length; i++) {
            buckets[i] = new LinkedHashSet<>();
        }
    }

    /**
     * How to count a client's WATCHed keys and its tracking prefixes (the functions run on any
     * thread and must tolerate racy reads).
     */
    public void counters(ToLongFunction<Client> watchedKeys, ToLongFunction<Client> trackingPrefixes) {
        this.watched = watchedKeys;
        this.prefixes = trackingPrefixes;
    }

    /**
     * How to count a replica's output (omem): Redis 7.0's replicas share the replication buffer,
     * so their output is the part of it they hold, not what waits in their socket. Called under
     * the execution lock.
     */
    public void replicaOutput(ToLongFunction<Client> output) {
        this.replicaOutput = output;
    }

    /**
     * omem, as Redis 7.0 reports it: the output beyond the client's reply buffer (Redis's reply
     * list). Output that fits in the reply buffer (rbs) is that buffer's ({@link #bufferedOutput},
     * obl); once it does not, Redis's buffer has been written first and the rest waits in the
     * list, so all of it counts here. For a replica, the part of the shared replication buffer it
     * holds ({@link #replicaOutput}).
     */
    public long outputBytes(Client c) {
        Connection conn = c.connection();
        if (conn == null) {
            return 0;
        }
        long shared = sharedOutput(c);
        if (shared >= 0) {
            return shared;
        }
        long pending = conn.pendingOutputBytes();
        return pending > bufferSize(conn) ? pending : 0;
    }

    /** obl: the output held in the reply buffer, while it all fits there (0 for a replica, whose stream is shared). */
    public long bufferedOutput(Client c) {
        Connection conn = c.connection();
        if (conn == null || sharedOutput(c) >= 0) {
            return 0;
        }
        long pending = conn.pendingOutputBytes();
        return pending > bufferSize(conn) ? 0 : pending;
    }

    /** A replica's part of the shared replication buffer, -1 for other clients or when not known (no lock, not attached). */
    private long sharedOutput(Client c) {
        if (ClientFlags.type(c.flags) == ClientFlags.Type.REPLICA && server.lock().isHeldByCurrentThread()) {
            return replicaOutput.applyAsLong(c);
        }
        return -1;
    }

    private static long bufferSize(Connection conn) {
        ReplyBuffer rb = conn.replyBuffer();
        return rb == null ? 0 : rb.size();
    }

    /**
     * A client's memory now (tot-mem); 0 for clients without a connection (scripts, loading). As
     * Redis counts it, the reply buffer whole (even empty) and the output beyond it (omem; for a
     * replica the shared blocks it holds).
     */
    public long usage(Client c) {
        return memory(c, outputBytes(c));
    }

    /**
     * What c is accounted in the per-type sums: its usage, but a replica with the output its
     * socket holds in place of its part of the shared buffer, which the replication figures
     * count once for all replicas (mem_clients_slaves adds the buffer beyond the backlog).
     */
    private long accounted(Client c) {
        Connection conn = c.connection();
        if (conn != null && sharedOutput(c) >= 0) {
            long pending = conn.pendingOutputBytes();
            return memory(c, pending > bufferSize(conn) ? pending : 0);
        }
        return usage(c);
    }

    private long memory(Client c, long listOutput) {
        Connection conn = c.connection();
        if (conn == null || conn == Connection.NONE) {
            return 0;
        }
        return BASE + conn.queryBufferBytes() + conn.queryBufferFree() + argvBytes(c) + bufferSize(conn) + listOutput
                + multiBytes(c) + c.subscriptions * CHANNEL_BYTES + c.shardSubscriptions * CHANNEL_BYTES
                + c.patternSubscriptions * PATTERN_BYTES + extraBytes(c);
    }

    private long extraBytes(Client c) {
        return prefixes.applyAsLong(c) * PREFIX_BYTES;
    }

    /** argv-mem: the arguments of the command c runs, is blocked in or postponed by CLIENT PAUSE, and those of a request still arriving. */
    static long argvBytes(Client c) {
        Connection conn = c.connection();
        long n = conn == null ? 0 : conn.pendingArgvBytes();
        byte[][] argv = c.argv();
        if (argv != null && (c.server().dispatcher().current() == c || c.blocked() || conn != null && conn.postponed())) {
            // read from the loop without the lock while another thread may switch the request:
            // argv and argc are read once each and may belong to different requests
            int argc = Math.min(c.argc(), argv.length);
            for (int i = 0; i < argc; i++) {
                byte[] a = argv[i];
                n += a == null ? 0 : a.length;
            }
        }
        return n;
    }

    /** multi-mem: the queued commands' arguments and records, and the WATCHed keys. */
    public long multiBytes(Client c) {
        return c.queuedBytes + Math.max(0, c.queuedCommands) * QUEUED_BYTES + watched.applyAsLong(c) * WATCH_BYTES;
    }

    // ---- reply buffers

    /**
     * The cron's resize of c's reply buffer (under the execution lock), unless DEBUG REPLYBUFFER
     * RESIZING 0 turned it off (then the peak is not reset either, as in Redis).
     */
    public void resizeReplyBuffer(Client c, long nowMillis) {
        Connection conn = c.connection();
        ReplyBuffer rb = conn == null ? null : conn.replyBuffer();
        if (rb == null || !replyResizing) {
            return;
        }
        int change = rb.resize(nowMillis, replyPeakResetMillis, conn.pendingOutputBytes());
        if (change < 0) {
            replyShrinks++;
        } else if (change > 0) {
            replyExpands++;
        }
    }

    /** DEBUG REPLYBUFFER PEAK-RESET-TIME: milliseconds between peak resets, negative for never. */
    public void replyPeakResetMillis(long millis) {
        replyPeakResetMillis = millis;
    }

    /** DEBUG REPLYBUFFER RESIZING. */
    public void replyResizing(boolean on) {
        replyResizing = on;
    }

    /** INFO's reply_buffer_shrinks. */
    public long replyBufferShrinks() {
        return replyShrinks;
    }

    /** INFO's reply_buffer_expands. */
    public long replyBufferExpands() {
        return replyExpands;
    }

    // ---- accounting (under the execution lock)

    /** Accounts c's memory now (Redis's updateClientMemUsage). */
    public void update(Client c) {
        if (c.memRemoved) {
            return;
        }
        long mem = accounted(c);
        ClientFlags.Type type = ClientFlags.type(c.flags);
        unaccount(c);
        c.memAccounted = mem;
        c.memType = type;
        if (type == ClientFlags.Type.REPLICA) {
            replicas += mem;
        } else if (type != ClientFlags.Type.MASTER) {
            normal += mem;
            int b = bucket(mem);
            if (b != c.memBucket) {
                if (c.memBucket >= 0) {
                    buckets[c.memBucket].remove(c);
                }
                buckets[b].add(c);
                c.memBucket = b;
            }
            return;
        }
        if (c.memBucket >= 0) {
            buckets[c.memBucket].remove(c);
            c.memBucket = -1;
        }
    }

    private void unaccount(Client c) {
        if (c.memType == ClientFlags.Type.REPLICA) {
            replicas -= c.memAccounted;
        } else if (c.memType != null && c.memType != ClientFlags.Type.MASTER) {
            normal -= c.memAccounted;
        }
        c.memAccounted = 0;
        c.memType = null;
    }

    /** c is closing (evicted, killed, over its output limit, disconnected): it no longer counts. */
    public void remove(Client c) {
        if (c.memRemoved) {
            return;
        }
        c.memRemoved = true;
        unaccount(c);
        if (c.memBucket >= 0) {
            buckets[c.memBucket].remove(c);
            c.memBucket = -1;
        }
    }

    /**
     * c's figures changed on its event loop (any thread, no lock): it is accounted again at the
     * next {@link #settle}.
     */
    public void changed(Client c) {
        if (!c.memQueued) {
            c.memQueued = true;
            changed.add(c);
        }
    }

    /** Accounts the clients whose figures changed since the last call. */
    public void settle() {
        Client c;
        while ((c = changed.poll()) != null) {
            c.memQueued = false;
            update(c);
        }
    }

    /** Accounts every client (the cron). */
    public void updateAll() {
        changed.clear();
        for (Client c : server.clients().all()) {
            c.memQueued = false;
            update(c);
        }
    }

    static int bucket(long mem) {
        int log = 64 - Long.numberOfLeadingZeros(mem);
        return Math.max(MIN_LOG, Math.min(MAX_LOG, log)) - MIN_LOG;
    }

    // ---- eviction

    /** The eviction limit in bytes, 0 when client eviction is off (Redis's getClientEvictionLimit). */
    public long limit() {
        long v = server.config().maxmemoryClients;
        long bytes;
        if (v < 0) {
            long max = server.config().maxmemory;
            if (max <= 0) {
                return 0;
            }
            bytes = (long) ((double) max * -v / 100);
        } else if (v > 0) {
            bytes = v;
        } else {
            return 0;
        }
        return Math.max(bytes, MIN_LIMIT);
    }

    /** True when client eviction may close c (a normal or pub/sub client without NO-EVICT, limit set). */
    public boolean evictable(Client c) {
        if (limit() == 0 || (c.flags & ClientFlags.NO_EVICT) != 0) {
            return false;
        }
        ClientFlags.Type t = ClientFlags.type(c.flags);
        return t == ClientFlags.Type.NORMAL || t == ClientFlags.Type.PUBSUB;
    }

    /**
     * Settles pending changes, then closes the biggest evictable clients until the normal and
     * pub/sub clients hold less than the limit (Redis's evictClients). Returns true when
     * {@code current} (may be null) was among them.
     */
    public boolean evict(Client current) {
        settle();
        long limit = limit();
        if (limit == 0 || normal < limit) {
            return false;
        }
        long total = normal;
        List<Client> victims = new ArrayList<>();
        for (int b = buckets.length - 1; b >= 0 && total >= limit; b--) {
            for (Client c : buckets[b]) {
                if (total < limit) {
                    break;
                }
                if ((c.flags & ClientFlags.NO_EVICT) == 0 && c.connection() != null) {
                    victims.add(c);
                    total -= c.memAccounted;
                }
            }
        }
        boolean self = false;
        for (Client c : victims) {
            server.log().notice("Evicting client: " + ClientInfo.describe(c));
            remove(c);
            evicted++;
            self |= c == current;
            c.flags |= ClientFlags.CLOSE_ASAP;
            c.connection().free();
        }
        if (total >= limit) {
            server.log().warning("Over client maxmemory after evicting all evictable clients");
        }
        return self;
    }

    /** evicted_clients. */
    public long evictedClients() {
        return evicted;
    }

    /** CONFIG RESETSTAT. */
    public void resetStats() {
        evicted = 0;
        replyShrinks = 0;
        replyExpands = 0;
    }

    /** mem_clients_normal: normal and pub/sub clients, as accounted. */
    public long normalClients() {
        return normal;
    }

    /** The replicas as accounted (without the shared replication buffer: see {@link #accounted}). */
    public long replicaClients() {
        return replicas;
    }
}
