package dev.cinnabar.server.multi;

import dev.cinnabar.server.ServerContext;
import dev.cinnabar.server.command.CommandFlag;
import dev.cinnabar.server.command.CommandSpec;
import dev.cinnabar.server.command.Dispatcher;
import dev.cinnabar.server.protocol.Errors;
import dev.cinnabar.server.session.Client;
import dev.cinnabar.server.session.ClientFlags;
import dev.cinnabar.server.store.Db;
import dev.cinnabar.server.store.KeyspaceHooks;
import dev.cinnabar.server.util.BytesKey;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * MULTI/EXEC/WATCH (Redis's multi.c).
 *
 * <p>Queueing is a gate stage ({@link Dispatcher.Stage#MULTI_QUEUE}): once a client is in MULTI, every
 * command that passed the earlier stages is stored with its arguments and answered "+QUEUED",
 * except EXEC, DISCARD, MULTI, WATCH, QUIT and RESET, which run. Any refusal by the gate while in
 * MULTI (unknown command, arity, ACL, OOM, pub/sub context, NO_MULTI) flags the transaction so
 * EXEC answers EXECABORT; a refused EXEC itself answers "EXECABORT ... because of: reason" and
 * discards. EXEC runs the queue through {@link Dispatcher#execute} (time frozen, observers see
 * each command), so run-time errors fail only their command.
 *
 * <p>WATCH: a map (db, key) → watching clients. Any modification of a watched key
 * ({@link KeyspaceHooks#keyModified}, which every write, expiry delete, eviction and RENAME
 * signals) marks the watchers dirty and unwatches them (no point in watching further). A key that
 * expires between WATCH and EXEC without being deleted yet is caught at EXEC time; a key that had
 * already expired when watched and is then merely deleted by expiry is not a change (as Redis
 * 7.0). {@link KeyspaceHooks#dbChanged} (FLUSHDB/FLUSHALL/SWAPDB, reported after the fact)
 * dirties the watchers of keys that were in the db before (remembered at WATCH time, which stays
 * true while the watch is clean) or are in it now (SWAPDB), as Redis.
 *
 * <p>Cost: WATCH and the hooks are O(watchers of the key); EXEC O(queued commands). A client's
 * queue is bounded by client-query-buffer-limit (queued arguments are request data).
 */
public final class Transactions implements KeyspaceHooks {
    private final ServerContext server;
    private final Map<Db, Map<BytesKey, List<Client>>> watchers = new HashMap<>();
    private CommandSpec exec;
    private CommandSpec discard;
    private CommandSpec multi;
    private CommandSpec watch;
    private CommandSpec quit;
    private CommandSpec reset;

    private Transactions(ServerContext server) {
        this.server = server;
    }

    /** Installs the MULTI queueing stage, the reject listener, the WATCH hooks and cleanup. */
    public static Transactions install(ServerContext ctx) {
        Transactions t = new Transactions(ctx);
        t.exec = ctx.commands().spec("exec");
        t.discard = ctx.commands().spec("discard");
        t.multi = ctx.commands().spec("multi");
        t.watch = ctx.commands().spec("watch");
        t.quit = ctx.commands().spec("quit");
        t.reset = ctx.commands().spec("reset");
        Dispatcher d = ctx.dispatcher();
        d.install(Dispatcher.Stage.NO_MULTI, (c, cmd) ->
                cmd.has(CommandFlag.NO_MULTI) && inMulti(c) && !c.inExec() ? Errors.NOT_IN_TRANSACTION : null);
        d.install(Dispatcher.Stage.MULTI_QUEUE, t::queue);
        Dispatcher.RejectListener before = d.rejectListener;
        d.rejectListener = (c, cmd, error) -> t.rejected(c, cmd, before == null ? error : before.rejected(c, cmd, error));
        ctx.addKeyspaceListener(t);
        ctx.addClientCloseListener(t::reset);
        ctx.clients().addResetListener(t::reset);
        ctx.feature(Transactions.class, () -> t);
        return t;
    }

    /** The server's instance (installed by Features). */
    public static Transactions of(ServerContext ctx) {
        return ctx.feature(Transactions.class, () -> {
            throw new IllegalStateException("transactions not installed");
        });
    }

    private static MultiState state(Client c) {
        MultiState m = (MultiState) c.multiState;
        if (m == null) {
            m = new MultiState();
            c.multiState = m;
        }
        return m;
    }

    /** True between MULTI and EXEC/DISCARD (also while EXEC runs the queue). */
    public static boolean inMulti(Client c) {
        return c.multiState instanceof MultiState m && m.inMulti;
    }

    /** True when the client's queued MULTI commands include one that runs a script (EVAL*, FCALL*). */
    public static boolean queuesScript(Client c) {
        if (!inMulti(c)) {
            return false;
        }
        for (MultiState.Queued q : ((MultiState) c.multiState).queue) {
            if (q.cmd().runsScript()) {
                return true;
            }
        }
        return false;
    }


    /** True when a command queued in the client's MULTI passes the test (command, argv): EXEC's OOM rule. */
    public static boolean queues(Client c, java.util.function.BiPredicate<CommandSpec, byte[][]> test) {
        if (!inMulti(c)) {
            return false;
        }
        for (MultiState.Queued q : ((MultiState) c.multiState).queue) {
            if (test.test(q.cmd(), q.argv())) {
                return true;
            }
        }
        return false;
    }

    /** Commands queued (CLIENT LIST multi=N), or -1 when the client is not in MULTI. */
    public static int queuedCount(Client c) {
        return inMulti(c) ? ((MultiState) c.multiState).queue.size() : -1;
    }

    /** Number of keys the client watches (CLIENT LIST watch=N in later Redis versions). */
    public static int watchedCount(Client c) {
        return c.multiState instanceof MultiState m ? m.watched.size() : 0;
    }

    // ---- the gate

    /** The gate's MULTI_QUEUE stage: inside MULTI, queues the command and answers QUEUED. */
    private String queue(Client c, CommandSpec cmd) {
        if (!(c.multiState instanceof MultiState m) || !m.inMulti || c.inExec()) {
            return null;
        }
        CommandSpec top = cmd.parent() == null ? cmd : cmd.parent();
        if (top == exec || top == discard || top == multi || top == watch || top == quit || top == reset) {
            return null;
        }
        int argc = c.argc();
        byte[][] argv = c.argv();
        long bytes = 0;
        for (int i = 0; i < argc; i++) {
            bytes += argv[i].length + 16;
        }
        m.queuedBytes += bytes;
        if (m.queuedBytes > server.config().clientQueryBufferLimit) {
            server.log().warning("Closing client that reached max query buffer length with its MULTI queue: id="
                    + c.id());
            discardTransaction(c);
            c.closeAfterReply(true);
            return Dispatcher.TAKEN;
        }
        // Our own copy of the argument array: the transport may reuse its arrays between requests.
        m.queue.add(new MultiState.Queued(cmd, java.util.Arrays.copyOf(argv, argc), argc));
        c.queuedCommands = m.queue.size();
        c.queuedBytes = m.queuedBytes;
        if (server.dispatcher().mayReplicate(c, cmd)) {
            c.multiMayReplicate = true;
        }
        if (server.dispatcher().writes(c, cmd)) {
            c.multiWrites = true;
        }
        c.reply().simple("QUEUED");
        return Dispatcher.TAKEN;
    }

    private String rejected(Client c, CommandSpec cmd, String error) {
        if (c.inExec()) {
            return error;
        }
        if (cmd != null && cmd == exec) {
            // As Redis, a refused EXEC answers EXECABORT even outside MULTI.
            discardTransaction(c);
            return execAbort(error);
        }
        if (c.multiState instanceof MultiState m && m.inMulti) {
            m.dirtyExec = true;
        }
        return error;
    }

    /** "EXECABORT Transaction discarded because of: reason", the reason without its ERR code. */
    public static String execAbort(String error) {
        return Errors.EXECABORT_BECAUSE + (error.startsWith("ERR ") ? error.substring(4) : error);
    }

    // ---- commands

    /** MULTI. */
    public void multi(Client c) {
        MultiState m = state(c);
        if (m.inMulti) {
            c.error(Errors.MULTI_NESTED);
            return;
        }
        m.inMulti = true;
        c.flags |= ClientFlags.MULTI;
        c.queuedCommands = 0;
        c.reply().ok();
    }

    /** DISCARD. */
    public void discard(Client c) {
        if (!inMulti(c)) {
            c.error(Errors.DISCARD_WITHOUT_MULTI);
            return;
        }
        discardTransaction(c);
        c.reply().ok();
    }

    /** WATCH key [key ...]. */
    public void watch(Client c) {
        MultiState m = state(c);
        if (m.inMulti) {
            c.error(Errors.WATCH_IN_MULTI);
            return;
        }
        if (m.dirtyCas) {
            // Already doomed: no point in watching more.
            c.reply().ok();
            return;
        }
        Db db = c.db();
        for (int i = 1; i < c.argc(); i++) {
            BytesKey k = new BytesKey(c.arg(i));
            boolean already = false;
            for (MultiState.Watched w : m.watched) {
                if (w.db == db && w.key.equals(k)) {
                    already = true;
                    break;
                }
            }
            if (already) {
                continue;
            }
            boolean existed = db.rawEntry(k.bytes()) != null;
            boolean expired = existed && db.isExpired(k.bytes());
            m.watched.add(new MultiState.Watched(db, k, expired, existed));
            watchers.computeIfAbsent(db, x -> new HashMap<>()).computeIfAbsent(k, x -> new ArrayList<>(2)).add(c);
        }
        c.reply().ok();
    }

    /** UNWATCH. */
    public void unwatch(Client c) {
        if (c.multiState instanceof MultiState m) {
            unwatchAll(c, m);
            m.dirtyCas = false;
            c.flags &= ~ClientFlags.DIRTY_CAS;
        }
        c.reply().ok();
    }

    /** EXEC. */
    public void exec(Client c) {
        if (!inMulti(c)) {
            c.error(Errors.EXEC_WITHOUT_MULTI);
            return;
        }
        MultiState m = (MultiState) c.multiState;
        if (!m.dirtyCas && watchedKeyExpired(m)) {
            m.dirtyCas = true;
            c.flags |= ClientFlags.DIRTY_CAS;
        }
        if (m.dirtyExec || m.dirtyCas) {
            if (m.dirtyExec) {
                c.error(Errors.EXECABORT);
            } else {
                c.reply().nullArray();
            }
            discardTransaction(c);
            return;
        }
        // Our own writes must not dirty us; the keys are not needed any more.
        unwatchAll(c, m);
        byte[][] argv = c.argv();
        int argc = c.argc();
        CommandSpec self = c.cmd();
        List<MultiState.Queued> q = new ArrayList<>(m.queue);
        c.inExec(true);
        try {
            c.reply().array(q.size());
            Dispatcher d = server.dispatcher();
            for (MultiState.Queued e : q) {
                c.request(e.argv(), e.argc());
                c.cmd(e.cmd());
                String denied = d.recheck(Dispatcher.Stage.ACL, c, e.cmd()); // rules may have changed since queued
                if (denied != null) {
                    c.error(denied);
                    continue;
                }
                d.execute(c, e.cmd());
            }
        } finally {
            c.inExec(false);
            c.request(argv, argc);
            c.cmd(self);
            discardTransaction(c);
        }
    }

    /** Forgets the transaction and the watched keys (DISCARD, EXEC, RESET, disconnect). */
    public void discardTransaction(Client c) {
        c.queuedCommands = -1;
        c.queuedBytes = 0;
        c.multiMayReplicate = false;
        c.multiWrites = false;
        c.flags &= ~(ClientFlags.MULTI | ClientFlags.DIRTY_CAS);
        if (c.multiState instanceof MultiState m) {
            m.clearQueue();
            unwatchAll(c, m);
            m.dirtyCas = false;
        }
    }

    /** RESET and disconnect. */
    public void reset(Client c) {
        discardTransaction(c);
    }

    private boolean watchedKeyExpired(MultiState m) {
        for (MultiState.Watched w : m.watched) {
            if (!w.expired && w.db.rawEntry(w.key.bytes()) != null && w.db.isExpired(w.key.bytes())) {
                return true;
            }
        }
        return false;
    }

    private void unwatchAll(Client c, MultiState m) {
        for (MultiState.Watched w : m.watched) {
            Map<BytesKey, List<Client>> byKey = watchers.get(w.db);
            if (byKey == null) {
                continue;
            }
            List<Client> l = byKey.get(w.key);
            if (l != null) {
                l.remove(c);
                if (l.isEmpty()) {
                    byKey.remove(w.key);
                    if (byKey.isEmpty()) {
                        watchers.remove(w.db);
                    }
                }
            }
        }
        m.watched.clear();
    }

    // ---- keyspace hooks

    @Override
    public long now() {
        return server.now();
    }

    @Override
    public void keyModified(Db db, byte[] key) {
        Map<BytesKey, List<Client>> byKey = watchers.get(db);
        if (byKey == null) {
            return;
        }
        BytesKey k = new BytesKey(key);
        List<Client> l = byKey.get(k);
        if (l == null) {
            return;
        }
        for (Client c : new ArrayList<>(l)) {
            MultiState m = (MultiState) c.multiState;
            MultiState.Watched w = find(m, db, k);
            if (w != null && w.expired && db.rawEntry(key) == null) {
                // Deleting a key that was already expired when watched is logically no change.
                w.expired = false;
                w.existed = false;
                continue;
            }
            m.dirtyCas = true;
            c.flags |= ClientFlags.DIRTY_CAS;
            unwatchAll(c, m);
        }
    }

    @Override
    public void dbChanged(Db db) {
        Map<BytesKey, List<Client>> byKey = watchers.get(db);
        if (byKey == null) {
            return;
        }
        // Called after the db was emptied or swapped: a watched key is touched if it was there
        // before (w.existed) or is there now (SWAPDB brought it in), except where only stale
        // keys are involved (Redis 7.0's touchAllWatchedKeysInDb): a key already expired when
        // watched that is now gone, or replaced by another expired key, is no logical change;
        // nor is a missing key replaced by an expired one (which then counts as watched stale).
        List<Client> dirty = new ArrayList<>();
        for (Map.Entry<BytesKey, List<Client>> e : byKey.entrySet()) {
            byte[] key = e.getKey().bytes();
            boolean now = db.rawEntry(key) != null;
            boolean nowExpired = now && db.isExpired(key);
            for (Client c : e.getValue()) {
                MultiState.Watched w = find((MultiState) c.multiState, db, e.getKey());
                if (w == null) {
                    continue;
                }
                if (!now && !w.existed) {
                    continue;
                }
                if (w.expired) {
                    if (!now || nowExpired) {
                        w.expired = now;
                        w.existed = now;
                        continue;
                    }
                } else if (!w.existed && nowExpired) {
                    w.expired = true;
                    w.existed = true;
                    continue;
                }
                dirty.add(c);
            }
        }
        for (Client c : dirty) {
            MultiState m = (MultiState) c.multiState;
            if (!m.dirtyCas) {
                m.dirtyCas = true;
                c.flags |= ClientFlags.DIRTY_CAS;
                unwatchAll(c, m);
            }
        }
    }

    private static MultiState.Watched find(MultiState m, Db db, BytesKey k) {
        for (MultiState.Watched w : m.watched) {
            if (w.db == db && w.key.equals(k)) {
                return w;
            }
        }
        return null;
    }
}
