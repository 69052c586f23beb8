package dev.cinnabar.server.blocking;

import dev.cinnabar.server.ServerContext;
import dev.cinnabar.server.ServerCron;
import dev.cinnabar.server.protocol.Errors;
import dev.cinnabar.server.session.Client;
import dev.cinnabar.server.store.Db;
import dev.cinnabar.server.store.KeyspaceHooks;
import dev.cinnabar.server.util.BytesKey;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Clients blocked on keys (BLPOP, BLMOVE, BZPOPMIN, XREAD BLOCK...), as Redis's blocked.c.
 *
 * <p>Design. Each database has a map key → the clients waiting on it, in the order they blocked
 * (a LinkedHashSet: FIFO iteration and O(1) removal when a client blocked on several keys is
 * served through another one). When a write makes a key hold data ({@link Db#add} fires
 * {@code keyReady}; types that can gain data on an existing key call {@link #signalKeyAsReady}),
 * the key is queued once in the ready set if someone waits on it. The gate calls
 * {@link #handleClientsBlockedOnKeys()} after every top-level command, so a MULTI/EXEC or a script
 * serves waiters only once it has finished (commands inside them run through
 * {@code Dispatcher.execute}, not {@code call}). Serving a key walks its waiters first-blocked
 * first and asks each one's {@link Waiter} to take data; the waiter re-checks the key (it may have
 * been deleted, renamed or changed type since it was signalled) and says whether it was served,
 * whether to skip it (it waits for another type) or whether the key has nothing left.
 *
 * <p>A blocked client's connection stops processing its input (pipelined commands wait) until it
 * is unblocked; {@link #unblock} resumes it. Replies to a served client are written with
 * {@link Client#deliver}, since they are produced by another client's command.
 *
 * <p>Timeouts have millisecond resolution: each blocked client with a timeout has a task on one
 * shared timer thread, which takes the execution lock and replies with the timeout value; the cron
 * also sweeps deadlines by the injected clock (so tests with a manual clock work). Everything
 * except the timer callback runs under the execution lock.
 *
 * <p>Use from a blocking command (BZPOPMIN, XREAD BLOCK...), as the list family does:
 *
 * <pre>{@code
 * BlockingManager bm = BlockingManager.of(c.server());
 * long deadline = bm.timeoutDeadline(c, c.arg(c.argc() - 1)); // replies Redis's errors
 * if (deadline < 0) return;
 * // ... serve at once when a key has data, as the non-blocking command would ...
 * if (!bm.canBlock(c)) { c.reply().nullArray(); return; }      // inside MULTI/EXEC or a script
 * bm.block(c, keys, deadline, "zset", (cl, db, key) -> {
 *     // re-check the key: missing -> EXHAUSTED, another type -> SKIP, then pop and
 *     cl.deliver(r -> ...);                                       // the reply, in cl's protocol
 *     return Outcome.SERVED;
 * }, Reply::nullArray);                                           // the timeout reply
 * }</pre>
 *
 * A key that gains data without being created ({@link Db#add}), e.g. XADD to an existing stream,
 * must call {@link #signalKeyAsReady}.
 */
public final class BlockingManager implements KeyspaceHooks {
    /** What a waiter's serve attempt found. */
    public enum Outcome {
        /** The client was given its reply and is to be unblocked. */
        SERVED,
        /** This client cannot be served by this key (it waits for another type or condition); try the next. */
        SKIP,
        /** The key has nothing left for anyone: stop serving this key. */
        EXHAUSTED
    }

    /** The blocked command's continuation: runs under the execution lock when a key it waits on may be ready. */
    @FunctionalInterface
    public interface Waiter {
        /**
         * Tries to serve the blocked client {@code c} from {@code key} in {@code db}. When served, the
         * waiter writes the reply with {@code c.deliver(...)} and returns SERVED.
         */
        Outcome serve(Client c, Db db, byte[] key);
    }

    private static final ScheduledThreadPoolExecutor TIMER;

    static {
        TIMER = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "cinnabar-blocking-timer");
            t.setDaemon(true);
            return t;
        });
        TIMER.setRemoveOnCancelPolicy(true);
    }

    private final ServerContext server;
    /** Per database: key → clients blocked on it, first blocked first. */
    private final Map<BytesKey, LinkedHashSet<BlockState>>[] waiting;
    /** Keys signalled ready since the last handling, each once, in signal order. */
    private LinkedHashMap<ReadyKey, ReadyKey> ready = new LinkedHashMap<>();
    /** All blocked clients (for timeouts and INFO). */
    private final LinkedHashSet<BlockState> blocked = new LinkedHashSet<>();
    private boolean handling;

    /** The server's manager, created with its hooks on first use. */
    public static BlockingManager of(ServerContext server) {
        return server.feature(BlockingManager.class, () -> new BlockingManager(server));
    }

    /** Installs the manager and its cron sweep of deadlines (one line in Features). */
    public static void install(ServerContext server, ServerCron cron) {
        BlockingManager m = of(server);
        cron.add(m::expireTimeouts);
    }

    @SuppressWarnings("unchecked")
    private BlockingManager(ServerContext server) {
        this.server = server;
        int n = server.keyspace().count();
        this.waiting = new Map[n];
        for (int i = 0; i < n; i++) {
            waiting[i] = new HashMap<>();
        }
        server.addKeyspaceListener(this);
        server.addClientCloseListener(this::clientClosed);
        server.dispatcher().afterCommand.add(this::handleClientsBlockedOnKeys);
    }

    // ---- blocking

    /**
     * True when the command being executed may block: false inside MULTI/EXEC and scripts (their
     * commands run nested in another command), where blocking commands act as non-blocking.
     */
    public boolean canBlock(Client c) {
        return server.dispatcher().executionDepth() <= 1 && !c.inExec() && c.connection() != null;
    }

    /**
     * Parses a blocking timeout in seconds (fractions allowed) as Redis does, replying with the
     * error when it is invalid. Returns the absolute deadline in ms, 0 for "forever", or -1 after
     * an error reply.
     */
    public long timeoutDeadline(Client c, byte[] arg) {
        long ms = Timeouts.parseSeconds(arg);
        if (ms == Timeouts.NOT_FLOAT) {
            c.error(Errors.TIMEOUT);
            return -1;
        }
        if (ms == Timeouts.NEGATIVE) {
            c.error(Errors.TIMEOUT_NEGATIVE);
            return -1;
        }
        if (ms == 0) {
            return 0;
        }
        long now = server.now();
        return ms > Long.MAX_VALUE - now ? Long.MAX_VALUE : now + ms;
    }

    /**
     * Blocks the client on the given keys of its current database until a waiter serves it, the
     * deadline passes (0 = never), it is unblocked by CLIENT UNBLOCK or it disconnects. The
     * command must have written no reply.
     *
     * @param type "list", "zset" or "stream" (CLIENT LIST / INFO bookkeeping)
     * @param onTimeout writes the reply sent when the timeout passes (null array for lists)
     */
    public void block(Client c, List<byte[]> keys, long deadline, String type, Waiter waiter,
                      Consumer<dev.cinnabar.server.protocol.Reply> onTimeout) {
        block(c, keys, deadline, type, waiter, onTimeout, false);
    }

    /**
     * As {@link #block(Client, List, long, String, Waiter, Consumer)}; with wakeOnDelete the
     * waiter is also asked to serve when one of its keys is deleted, overwritten, expired or
     * emptied by FLUSHALL/SWAPDB (Redis's signalDeletedKeyAsReady, which XREADGROUP uses to fail
     * with UNBLOCKED when its stream disappears).
     */
    public void block(Client c, List<byte[]> keys, long deadline, String type, Waiter waiter,
                      Consumer<dev.cinnabar.server.protocol.Reply> onTimeout, boolean wakeOnDelete) {
        if (c.blocked()) {
            throw new IllegalStateException("client " + c.id() + " is already blocked");
        }
        Db db = c.db();
        BlockState st = new BlockState(c, db, deadline, type, waiter, onTimeout, wakeOnDelete);
        Map<BytesKey, LinkedHashSet<BlockState>> m = waiting[db.id()];
        for (byte[] k : keys) {
            BytesKey bk = new BytesKey(k);
            if (st.keys.contains(bk)) {
                continue;
            }
            st.keys.add(bk);
            m.computeIfAbsent(bk, x -> new LinkedHashSet<>()).add(st);
        }
        c.blockState = st;
        c.blocked(true);
        blocked.add(st);
        if (deadline > 0) {
            scheduleTimeout(st);
        }
    }

    private void scheduleTimeout(BlockState st) {
        long delay = Math.max(0, st.deadline - server.clock().millis());
        st.timer = TIMER.schedule(() -> timerFired(st), delay, TimeUnit.MILLISECONDS);
    }

    private void timerFired(BlockState st) {
        server.lock().lock();
        try {
            if (st.client.blockState != st) {
                return;
            }
            if (server.clock().millis() >= st.deadline) {
                timeout(st);
            }
            // else: the clock is not the wall clock (tests); the cron sweep will catch it.
        } catch (RuntimeException e) {
            server.log().warning("blocked client timeout failed: " + e);
        } finally {
            server.lock().unlock();
        }
    }

    private void expireTimeouts(long now) {
        if (blocked.isEmpty()) {
            return;
        }
        long t = server.clock().millis();
        List<BlockState> due = null;
        for (BlockState st : blocked) {
            if (st.deadline > 0 && st.deadline <= t) {
                if (due == null) {
                    due = new ArrayList<>();
                }
                due.add(st);
            }
        }
        if (due != null) {
            for (BlockState st : due) {
                timeout(st);
            }
        }
    }

    private void timeout(BlockState st) {
        st.client.deliver(st.onTimeout);
        unblock(st.client);
    }

    /** Number of clients blocked on keys (INFO clients: blocked_clients). */
    public int blockedClients() {
        return blocked.size();
    }

    /** Blocked clients with a timeout (INFO clients: clients_in_timeout_table). */
    public int clientsInTimeoutTable() {
        int n = 0;
        for (BlockState st : blocked) {
            if (st.deadline > 0) {
                n++;
            }
        }
        return n;
    }

    /** Blocked clients of the given type ("list", "zset", "stream"). */
    public int blockedClients(String type) {
        int n = 0;
        for (BlockState st : blocked) {
            if (st.type.equals(type)) {
                n++;
            }
        }
        return n;
    }

    /** Number of distinct keys with blocked clients (INFO keyspace-ish stats: blocking_keys). */
    public int blockingKeys() {
        int n = 0;
        for (Map<BytesKey, LinkedHashSet<BlockState>> m : waiting) {
            n += m.size();
        }
        return n;
    }

    /** True when the client is blocked on keys by this manager. */
    public boolean isBlocked(Client c) {
        return c.blockState instanceof BlockState;
    }

    /**
     * Unblocks a client without a reply (the caller has replied): removes it from every key's
     * waiters, cancels its timer and resumes processing of its pending input.
     */
    public void unblock(Client c) {
        if (!(c.blockState instanceof BlockState st)) {
            return;
        }
        detach(st);
        c.resumeAfterBlock();
    }

    private void detach(BlockState st) {
        Client c = st.client;
        Map<BytesKey, LinkedHashSet<BlockState>> m = waiting[st.db.id()];
        for (BytesKey k : st.keys) {
            LinkedHashSet<BlockState> s = m.get(k);
            if (s != null) {
                s.remove(st);
                if (s.isEmpty()) {
                    m.remove(k);
                }
            }
        }
        blocked.remove(st);
        if (st.timer != null) {
            st.timer.cancel(false);
            st.timer = null;
        }
        c.blockState = null;
        c.blocked(false);
    }

    /**
     * CLIENT UNBLOCK: unblocks a client blocked on keys, replying as if it timed out or with the
     * UNBLOCKED error. Returns false when the client is not blocked by a blocking command.
     */
    public boolean unblockByRequest(Client target, boolean withError) {
        if (!(target.blockState instanceof BlockState st)) {
            return false;
        }
        // the gate accounts for the reply (errorstats, stats, SLOWLOG)
        server.dispatcher().unblockByRequest(target, withError ? r -> r.error(Errors.UNBLOCKED) : st.onTimeout);
        unblock(target);
        return true;
    }

    /**
     * The server became a replica (REPLICAOF, FAILOVER; Redis's disconnectAllBlockedClients): every
     * client blocked here gets the UNBLOCKED error and is closed after it, since what it waited
     * for would now come from the master's stream (a BLPOP served by a replicated push would pop
     * on the replica alone). Counted in the error statistics only, as Redis adds the reply outside
     * the command's call. A SHUTDOWN waiting for its replicas keeps waiting.
     */
    public void disconnectAllBlocked() {
        for (BlockState st : new ArrayList<>(blocked)) {
            if (st.type.equals("shutdown")) {
                continue;
            }
            Client c = st.client;
            c.closeAfterReply(true);
            server.stats().countError(Errors.UNBLOCKED_ROLE_CHANGE);
            c.deliver(r -> r.error(Errors.UNBLOCKED_ROLE_CHANGE));
            unblock(c);
        }
    }

    private void clientClosed(Client c) {
        if (c.blockState instanceof BlockState st) {
            detach(st);
        }
    }

    // ---- ready keys

    /** Queues key for serving its waiters after the current command (signalKeyAsReady). */
    public void signalKeyAsReady(Db db, byte[] key) {
        Map<BytesKey, LinkedHashSet<BlockState>> m = waiting[db.id()];
        if (m.isEmpty()) {
            return;
        }
        BytesKey bk = new BytesKey(key);
        if (!m.containsKey(bk)) {
            return;
        }
        ReadyKey rk = new ReadyKey(db, bk);
        ready.putIfAbsent(rk, rk);
    }

    @Override
    public long now() {
        return server.now();
    }

    @Override
    public void keyReady(Db db, byte[] key) {
        signalKeyAsReady(db, key);
    }

    @Override
    public void keyModified(Db db, byte[] key) {
        // A deletion or overwrite readies the key for waiters that must hear of it (XREADGROUP).
        Map<BytesKey, LinkedHashSet<BlockState>> m = waiting[db.id()];
        if (m.isEmpty()) {
            return;
        }
        BytesKey bk = new BytesKey(key);
        LinkedHashSet<BlockState> set = m.get(bk);
        if (set != null && wantsDeletion(set)) {
            ReadyKey rk = new ReadyKey(db, bk);
            ready.putIfAbsent(rk, rk);
        }
    }

    private static boolean wantsDeletion(LinkedHashSet<BlockState> set) {
        for (BlockState st : set) {
            if (st.wakeOnDelete) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void dbChanged(Db db) {
        // SWAPDB (and FLUSHDB, harmlessly): keys that now exist may serve their waiters, and keys
        // that may be gone are offered to the waiters that must hear of a deletion.
        Map<BytesKey, LinkedHashSet<BlockState>> m = waiting[db.id()];
        if (m.isEmpty()) {
            return;
        }
        for (Map.Entry<BytesKey, LinkedHashSet<BlockState>> e : m.entrySet()) {
            BytesKey k = e.getKey();
            // the dict as is, as Redis's scanDatabaseForReadyKeys: a lookup here would delete an
            // expired key and propagate its DEL before the SWAPDB that moved it
            if (wantsDeletion(e.getValue()) || db.dict().find(k.bytes()) != null) {
                ReadyKey rk = new ReadyKey(db, k);
                ready.putIfAbsent(rk, rk);
            }
        }
    }

    /**
     * Serves clients blocked on keys signalled ready (Redis's handleClientsBlockedOnKeys). Called
     * by the gate after each top-level command (so after a whole MULTI/EXEC or script); loops
     * until no key is ready, since serving BLMOVE pushes to another key.
     */
    public void handleClientsBlockedOnKeys() {
        if (ready.isEmpty() || handling) {
            return;
        }
        handling = true;
        try {
            while (!ready.isEmpty()) {
                LinkedHashMap<ReadyKey, ReadyKey> batch = ready;
                ready = new LinkedHashMap<>();
                for (ReadyKey rk : batch.keySet()) {
                    serveKey(rk.db(), rk.key());
                }
            }
        } finally {
            handling = false;
        }
    }

    private void serveKey(Db db, BytesKey key) {
        LinkedHashSet<BlockState> set = waiting[db.id()].get(key);
        if (set == null) {
            return;
        }
        server.updateCachedTime();
        List<BlockState> order = new ArrayList<>(set);
        for (BlockState st : order) {
            if (st.client.blockState != st) {
                continue; // served through another key meanwhile
            }
            // as the receiver's own execution; the gate accounts for the reply the waiter delivers
            // (stats, errorstats, SLOWLOG)
            Outcome o = server.dispatcher().serveBlocked(st.client, () -> {
                try {
                    return st.waiter.serve(st.client, db, key.bytes());
                } catch (RuntimeException e) {
                    // A bug in a waiter must not fail the command that made the key ready, nor leave
                    // this client hanging: it gets its timeout reply and the others are still served.
                    server.log().warning("serving a blocked client failed: " + e);
                    st.client.deliver(st.onTimeout);
                    return Outcome.SERVED;
                }
            });
            if (o == Outcome.SERVED) {
                unblock(st.client);
            } else if (o == Outcome.EXHAUSTED) {
                break;
            }
        }
    }

    /** Clients currently blocked on the key (tests and debugging). */
    public int waitersOn(Db db, byte[] key) {
        LinkedHashSet<BlockState> s = waiting[db.id()].get(new BytesKey(key));
        return s == null ? 0 : s.size();
    }

    Iterator<BlockState> blockedIterator() {
        return blocked.iterator();
    }

    /** Per-client blocking state (kept in {@code Client.blockState}). */
    static final class BlockState {
        final Client client;
        final Db db;
        final long deadline;
        final String type;
        final Waiter waiter;
        final Consumer<dev.cinnabar.server.protocol.Reply> onTimeout;
        final boolean wakeOnDelete;
        final List<BytesKey> keys = new ArrayList<>(2);
        ScheduledFuture<?> timer;

        BlockState(Client client, Db db, long deadline, String type, Waiter waiter,
                   Consumer<dev.cinnabar.server.protocol.Reply> onTimeout, boolean wakeOnDelete) {
            this.wakeOnDelete = wakeOnDelete;
            this.client = client;
            this.db = db;
            this.deadline = deadline;
            this.type = type;
            this.waiter = waiter;
            this.onTimeout = onTimeout;
        }
    }

    private record ReadyKey(Db db, BytesKey key) {
    }
}
