package dev.cinnabar.server.tracking;

import dev.cinnabar.server.ServerContext;
import dev.cinnabar.server.ServerCron;
import dev.cinnabar.server.command.CommandFlag;
import dev.cinnabar.server.command.CommandSpec;
import dev.cinnabar.server.command.Dispatcher;
import dev.cinnabar.server.util.BytesKey;
import dev.cinnabar.server.multi.Transactions;
import dev.cinnabar.server.protocol.Reply;
import dev.cinnabar.server.protocol.RespWriter;
import dev.cinnabar.server.pubsub.PubSub;
import dev.cinnabar.server.session.Client;
import dev.cinnabar.server.session.ClientFlags;
import dev.cinnabar.server.store.Db;
import dev.cinnabar.server.store.KeyspaceHooks;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Server-assisted client-side caching (Redis's tracking.c).
 *
 * <p>Default mode: after a READONLY command of a tracking client, the keys it read (from the
 * command table's key specs) are remembered in the tracking table, key → client ids (ids, not
 * clients, so a closed client costs nothing until its keys change). A script (EVAL, FCALL and
 * their _RO forms) is tracked as Redis 7.0 does: each read-only command it runs makes its caller
 * track every key the script declared, whatever key the command read; a script that reads nothing
 * tracks nothing. When a key is modified ({@link KeyspaceHooks#keyModified}) every remembered
 * client gets an invalidation for it and the entry is dropped. OPTIN/OPTOUT with CLIENT CACHING
 * decide per command whether reads are remembered. NOLOOP: a client is not told about its own
 * changes (for BCAST, changes a script makes are not the caller's own, as in Redis).
 *
 * <p>BCAST mode: no table; clients register key prefixes. The keys modified under each prefix are
 * collected, each once, and sent when the execution lock's holder has finished its work (a
 * connection's batch of commands, a script, a cron tick), after the batch's replies: Redis's
 * beforeSleep broadcast. Keys go out in byte order and prefixes in byte order, as Redis's radix
 * trees give them.
 *
 * <p>Delivery: a RESP3 push {@code ["invalidate", [keys]]}, or, with REDIRECT to a client in
 * pub/sub mode, a RESP2 message on {@code __redis__:invalidate}; a flush sends a null key list,
 * written in the tracking client's protocol whatever the receiving connection speaks (as Redis).
 * Invalidations for the client whose command is running (a client blocked on keys counts as
 * running while it is served) are held until that command (a whole EXEC) has replied. A vanished
 * redirect target yields {@code ["tracking-redir-broken", id]} to RESP3 clients.
 *
 * <p>Bounds: the table holds at most tracking-table-max-keys keys; the excess is evicted (with
 * invalidations) after each command and on the cron, as Redis does.
 */
public final class Tracking implements KeyspaceHooks {
    /** A client's tracking options and flags, kept in {@code Client.trackingState}. */
    static final class State {
        boolean on;
        boolean bcast;
        boolean optin;
        boolean optout;
        boolean noloop;
        /** CLIENT CACHING yes/no was given for the next command (or the current transaction). */
        boolean caching;
        boolean brokenRedirect;
        long redirect;
        final Set<BytesKey> prefixes = new LinkedHashSet<>();
    }

    /** Unsigned byte order, as Redis's radix trees iterate. */
    private static final Comparator<BytesKey> BYTE_ORDER = (a, b) -> Arrays.compareUnsigned(a.bytes(), b.bytes());

    /** Keys modified under one BCAST prefix since the last broadcast, with the last writer (null: a script). */
    private static final class Prefix {
        final Set<Client> clients = new LinkedHashSet<>();
        final TreeMap<BytesKey, Client> keys = new TreeMap<>(BYTE_ORDER);
    }

    /** An invalidation held until its target's running command has replied (key null: a flush). */
    private record Pending(Client target, byte[] key) {
    }

    private static final byte[] INVALIDATE = "invalidate".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] MESSAGE = "message".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CHANNEL = "__redis__:invalidate".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] REDIR_BROKEN = "tracking-redir-broken".getBytes(StandardCharsets.US_ASCII);

    private final ServerContext server;
    private final Map<BytesKey, Set<Long>> table = new HashMap<>();
    /** Client ids over all keys of the table (INFO tracking_total_items). */
    private long items;
    private final TreeMap<BytesKey, Prefix> prefixTable = new TreeMap<>(BYTE_ORDER);
    private final Set<Client> trackingClients = new LinkedHashSet<>();
    private final List<Pending> pending = new ArrayList<>();
    /** The running command has flushed a database and told the clients: once per command. */
    private boolean flushSent;
    /** A broadcast waits for the lock holder's release. */
    private boolean broadcastScheduled;
    private int evictionTimeouts;
    private CommandSpec client;

    private Tracking(ServerContext server) {
        this.server = server;
    }

    public static Tracking install(ServerContext ctx, ServerCron cron) {
        Tracking t = new Tracking(ctx);
        t.client = ctx.commands().spec("client");
        ctx.addKeyspaceListener(t);
        ctx.dispatcher().observers.add(t::afterCall);
        // After the blocking manager's serving (so it must exist first): a served client's
        // invalidations follow its reply.
        dev.cinnabar.server.blocking.BlockingManager.of(ctx);
        ctx.dispatcher().afterCommand.add(t::sendPending);
        ctx.addClientCloseListener(t::disable);
        ctx.clients().addResetListener(t::disable);
        if (cron != null) {
            cron.add(now -> t.limitTable());
        }
        ctx.feature(Tracking.class, () -> t);
        return t;
    }

    public static Tracking of(ServerContext ctx) {
        return ctx.feature(Tracking.class, () -> {
            throw new IllegalStateException("tracking not installed");
        });
    }

    /** How many BCAST prefixes c registered (its tracking prefixes, counted in its memory); racy reads are fine. */
    public static int prefixCount(Client c) {
        return c.trackingState instanceof State s ? s.prefixes.size() : 0;
    }

    static State state(Client c) {
        return c.trackingState instanceof State s ? s : null;
    }

    /** Number of keys in the tracking table (INFO tracked_keys). */
    public int trackedKeys() {
        return table.size();
    }

    /** Number of clients with tracking on (INFO tracking_clients). */
    public int trackingClients() {
        return trackingClients.size();
    }

    /** Number of (key, client) pairs in the tracking table (INFO tracking_total_items). */
    public long trackedItems() {
        return items;
    }

    /** Number of BCAST prefixes (INFO tracking_total_prefixes). */
    public int prefixes() {
        return prefixTable.size();
    }

    // ---- enabling / disabling

    /** Turns tracking on with the given (already validated) options. */
    void enable(Client c, long redirect, boolean bcast, boolean optin, boolean optout, boolean noloop,
                List<BytesKey> prefixes) {
        State s = state(c);
        if (s == null) {
            s = new State();
            c.trackingState = s;
        }
        s.on = true;
        s.brokenRedirect = false;
        s.redirect = redirect;
        c.trackingRedirect = redirect;
        c.flags &= ~(ClientFlags.TRACKING_BROKEN_REDIR | ClientFlags.TRACKING_BCAST);
        c.flags |= ClientFlags.TRACKING | (bcast ? ClientFlags.TRACKING_BCAST : 0);
        s.bcast = bcast;
        s.optin = optin;
        s.optout = optout;
        s.noloop = noloop;
        trackingClients.add(c);
        if (bcast) {
            List<BytesKey> ps = prefixes.isEmpty() ? List.of(new BytesKey(new byte[0])) : prefixes;
            for (BytesKey p : ps) {
                if (s.prefixes.add(p)) {
                    prefixTable.computeIfAbsent(p, x -> new Prefix()).clients.add(c);
                }
            }
        }
    }

    /** CLIENT TRACKING off, RESET and disconnect. */
    public void disable(Client c) {
        State s = state(c);
        if (s == null) {
            return;
        }
        for (BytesKey p : s.prefixes) {
            Prefix px = prefixTable.get(p);
            if (px != null) {
                px.clients.remove(c);
                if (px.clients.isEmpty()) {
                    prefixTable.remove(p);
                }
            }
        }
        trackingClients.remove(c);
        c.trackingState = null;
        c.trackingRedirect = -1;
        c.flags &= ~(ClientFlags.TRACKING | ClientFlags.TRACKING_BROKEN_REDIR | ClientFlags.TRACKING_BCAST);
    }

    // ---- remembering reads

    private void afterCall(Client c, CommandSpec cmd, long micros, boolean dirty) {
        flushSent = false;
        if (cmd.has(CommandFlag.READONLY) && !cmd.has(CommandFlag.PUBSUB)) {
            Client caller = server.dispatcher().current();
            if (caller != null && caller != c) {
                // A command a script runs: its caller tracks the keys the script declared.
                CommandSpec script = caller.cmd();
                if (script != null) {
                    remember(caller, script);
                }
            } else if (!cmd.runsScript()) { // EVAL_RO, FCALL_RO: only the reads inside count
                remember(c, cmd);
            }
        }
        if (server.dispatcher().executionDepth() == 0) {
            State s = state(c);
            if (s != null && !Transactions.inMulti(c)) {
                CommandSpec top = cmd.parent() == null ? cmd : cmd.parent();
                if (top != client) {
                    s.caching = false;
                }
            }
            sendPending();
            limitTable();
        }
    }

    /** Remembers the keys of c's command cmd (its current arguments) for c, if c tracks reads now. */
    private void remember(Client c, CommandSpec cmd) {
        State s = state(c);
        if (s == null || !s.on || s.bcast || (s.optin && !s.caching) || (s.optout && s.caching)) {
            return;
        }
        List<Integer> pos = cmd.keyPositions(c.argv(), c.argc());
        if (pos == null) {
            return;
        }
        for (int i : pos) {
            BytesKey k = new BytesKey(c.arg(i));
            if (table.computeIfAbsent(k, x -> new LinkedHashSet<>(2)).add(c.id())) {
                items++;
            }
        }
    }

    /** Sends the held invalidations once no command is running (after a top-level command or a serve). */
    private void sendPending() {
        if (pending.isEmpty() || server.dispatcher().executionDepth() > 0) {
            return;
        }
        List<Pending> list = new ArrayList<>(pending);
        pending.clear();
        for (Pending p : list) {
            send(p.target(), p.key() == null ? null : List.of(p.key()));
        }
    }

    // ---- invalidation

    @Override
    public long now() {
        return server.now();
    }

    @Override
    public void keyModified(Db db, byte[] key) {
        if (table.isEmpty() && prefixTable.isEmpty()) {
            return;
        }
        Client current = server.dispatcher().current();
        BytesKey k = new BytesKey(key);
        if (!prefixTable.isEmpty()) {
            // A script's writes are its own (Redis's script client), not its caller's: NOLOOP
            // BCAST clients hear of them.
            Client writer = current != null && current.cmd() != null && current.cmd().runsScript() ? null : current;
            for (Map.Entry<BytesKey, Prefix> e : prefixTable.entrySet()) {
                if (startsWith(key, e.getKey().bytes())) {
                    e.getValue().keys.put(k, writer);
                    scheduleBroadcast();
                }
            }
        }
        invalidate(k, current);
    }

    private void invalidate(BytesKey k, Client current) {
        Set<Long> ids = table.remove(k);
        if (ids == null) {
            return;
        }
        items -= ids.size();
        for (long id : redisOrder(ids)) {
            Client target = server.clients().get(id);
            State s = target == null ? null : state(target);
            if (s == null || !s.on || s.bcast) {
                continue;
            }
            if (s.noloop && target == current) {
                continue;
            }
            if (target == current && server.dispatcher().executionDepth() > 0) {
                pending.add(new Pending(target, k.bytes()));
            } else {
                send(target, List.of(k.bytes()));
            }
        }
    }

    /**
     * Ids in the order Redis walks them: its radix tree of ids is keyed by each id's in-memory
     * (little-endian) bytes. It decides which invalidation a shared REDIRECT target gets first.
     */
    private static Iterable<Long> redisOrder(Set<Long> ids) {
        if (ids.size() < 2) {
            return ids;
        }
        List<Long> l = new ArrayList<>(ids);
        l.sort((a, b) -> Long.compareUnsigned(Long.reverseBytes(a), Long.reverseBytes(b)));
        return l;
    }

    @Override
    public void dbChanged(Db db) {
        // FLUSHDB/FLUSHALL: one null invalidation per tracking client per command, at once, but
        // held for the running client until its reply.
        table.clear();
        items = 0;
        if (flushSent || trackingClients.isEmpty()) {
            return;
        }
        Client current = server.dispatcher().current();
        flushSent = current != null;
        List<Client> clients = new ArrayList<>(trackingClients);
        clients.sort(Comparator.comparingLong(Client::id)); // Redis walks its client list
        for (Client t : clients) {
            if (t == current) {
                pending.add(new Pending(t, null));
            } else {
                send(t, null);
            }
        }
    }

    @Override
    public void dbsSwapped(Db a, Db b) {
        // Redis's SWAPDB leaves tracking alone: keys are tracked by name, whatever their database.
    }

    private void scheduleBroadcast() {
        if (!broadcastScheduled) {
            broadcastScheduled = true;
            server.lock().beforeRelease(this::broadcast);
        }
    }

    private void broadcast() {
        broadcastScheduled = false;
        for (Prefix p : prefixTable.values()) {
            if (p.keys.isEmpty()) {
                continue;
            }
            for (Client c : new ArrayList<>(p.clients)) {
                State s = state(c);
                if (s == null) {
                    continue;
                }
                List<byte[]> keys = new ArrayList<>(p.keys.size());
                for (Map.Entry<BytesKey, Client> e : p.keys.entrySet()) {
                    if (!(s.noloop && e.getValue() == c)) {
                        keys.add(e.getKey().bytes());
                    }
                }
                if (!keys.isEmpty()) {
                    send(c, keys);
                }
            }
            p.keys.clear();
        }
    }

    private void limitTable() {
        long max = server.config().trackingTableMaxKeys;
        if (max == 0 || table.size() <= max) {
            evictionTimeouts = 0;
            return;
        }
        int effort = 100 * (evictionTimeouts + 1);
        Iterator<BytesKey> it = new ArrayList<>(table.keySet()).iterator();
        while (effort-- > 0 && it.hasNext()) {
            invalidate(it.next(), null);
            if (table.size() <= max) {
                evictionTimeouts = 0;
                return;
            }
        }
        evictionTimeouts++;
    }

    /** Sends an invalidation of keys (null = everything, after a flush) to c or its redirect target. */
    private void send(Client c, List<byte[]> keys) {
        State s = state(c);
        if (s == null) {
            return;
        }
        Client to = c;
        boolean redirected = false;
        if (s.redirect != 0) {
            to = server.clients().get(s.redirect);
            if (to == null) {
                s.brokenRedirect = true;
                c.flags |= ClientFlags.TRACKING_BROKEN_REDIR;
                if (c.protocol() == 3) {
                    long id = s.redirect;
                    c.deliver(r -> r.pushing(() -> {
                        r.push(2);
                        r.bulk(REDIR_BROKEN);
                        r.integer(id);
                    }));
                }
                return;
            }
            redirected = true;
        }
        int nullProtocol = c.protocol();
        if (to.protocol() == 3) {
            to.deliver(r -> r.pushing(() -> {
                r.push(2);
                r.bulk(INVALIDATE);
                keyList(r, keys, nullProtocol);
            }));
        } else if (redirected && PubSub.isPubsubClient(to)) {
            to.deliver(r -> r.pushing(() -> {
                r.push(3);
                r.bulk(MESSAGE);
                r.bulk(CHANNEL);
                keyList(r, keys, nullProtocol);
            }));
        }
    }

    /** The key list, or for a flush a null in the tracking client's protocol (Redis's quirk). */
    private static void keyList(Reply r, List<byte[]> keys, int nullProtocol) {
        if (keys == null) {
            if (r instanceof RespWriter w && w.protocol() != nullProtocol) {
                int own = w.protocol();
                w.protocol(nullProtocol);
                try {
                    w.nullBulk();
                } finally {
                    w.protocol(own);
                }
            } else {
                r.nullBulk();
            }
            return;
        }
        r.array(keys.size());
        for (byte[] k : keys) {
            r.bulk(k);
        }
    }

    private static boolean startsWith(byte[] key, byte[] prefix) {
        if (prefix.length > key.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (key[i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }
}
