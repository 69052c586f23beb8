package dev.cinnabar.server.tracking;

import dev.cinnabar.server.ServerContext;
import dev.cinnabar.server.ServerCron;
import dev.cinnabar.server.command.CommandFlag;
import dev.cinnabar.server.command.CommandSpec;
import dev.cinnabar.server.command.Dispatcher;
import dev.cinnabar.server.multi.BytesKey;
import dev.cinnabar.server.multi.Transactions;
import dev.cinnabar.server.protocol.Reply;
import dev.cinnabar.server.pubsub.PubSub;
import dev.cinnabar.server.session.Client;
import dev.cinnabar.server.session.ClientFlags;
import dev.cinnabar.server.store.Db;
import dev.cinnabar.server.store.KeyspaceHooks;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Server-assisted client-side caching (Redis's tracking.c).
 *
 * <p>Default mode: after a READONLY command of a tracking client, the keys it read (from the
 * command table's key specs) are remembered in the tracking table, key → client ids (ids, not
 * clients, so a closed client costs nothing until its keys change). When a key is modified
 * ({@link KeyspaceHooks#keyModified}) every remembered client gets an invalidation for it and the
 * entry is dropped. OPTIN/OPTOUT with CLIENT CACHING decide per command whether reads are
 * remembered. BCAST mode: no table; clients register key prefixes and receive, after each
 * top-level command (and each cron tick), the keys modified under their prefixes. NOLOOP: a
 * client is not told about its own changes.
 *
 * <p>Delivery: a RESP3 push {@code ["invalidate", [keys]]}, or, with REDIRECT to a client in
 * pub/sub mode, a RESP2 message on {@code __redis__:invalidate}; a flush sends a null key list.
 * Invalidations for the client whose command is running are held until that command (a whole
 * EXEC) has replied. A vanished redirect target yields {@code ["tracking-redir-broken", id]}
 * to RESP3 clients.
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

    /** Keys modified under one BCAST prefix since the last broadcast, with the last modifier. */
    private static final class Prefix {
        final Set<Client> clients = new LinkedHashSet<>();
        final Map<BytesKey, Client> keys = new LinkedHashMap<>();
    }

    private static final byte[] INVALIDATE = "invalidate".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] MESSAGE = "message".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CHANNEL = "__redis__:invalidate".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] REDIR_BROKEN = "tracking-redir-broken".getBytes(StandardCharsets.US_ASCII);

    private final ServerContext server;
    private final Map<BytesKey, Set<Long>> table = new HashMap<>();
    private final Map<BytesKey, Prefix> prefixTable = new HashMap<>();
    private final Set<Client> trackingClients = new LinkedHashSet<>();
    /** Invalidations for the running client, sent after its reply; null element = flush. */
    private final List<byte[]> pendingForCurrent = new ArrayList<>();
    private boolean flushPending;
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
        ctx.addClientCloseListener(t::disable);
        ctx.clients().addResetListener(t::disable);
        if (cron != null) {
            cron.add(now -> t.afterTopLevel(null));
        }
        ctx.feature(Tracking.class, () -> t);
        return t;
    }

    public static Tracking of(ServerContext ctx) {
        return ctx.feature(Tracking.class, () -> {
            throw new IllegalStateException("tracking not installed");
        });
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
        State s = state(c);
        if (s != null && s.on && !s.bcast && cmd.has(CommandFlag.READONLY) && !cmd.has(CommandFlag.PUBSUB)) {
            if (!((s.optin && !s.caching) || (s.optout && s.caching))) {
                remember(c, cmd);
            }
        }
        if (server.dispatcher().executionDepth() == 0) {
            if (s != null && !Transactions.inMulti(c)) {
                CommandSpec top = cmd.parent() == null ? cmd : cmd.parent();
                if (top != client) {
                    s.caching = false;
                }
            }
            afterTopLevel(c);
        }
    }

    private void remember(Client c, CommandSpec cmd) {
        List<Integer> pos = cmd.keyPositions(c.argv(), c.argc());
        if (pos == null) {
            return;
        }
        for (int i : pos) {
            BytesKey k = new BytesKey(c.arg(i));
            table.computeIfAbsent(k, x -> new LinkedHashSet<>(2)).add(c.id());
        }
    }

    /** After a top-level command (c) or a cron tick (null): pending messages, BCAST, the limit. */
    private void afterTopLevel(Client c) {
        if (flushPending) {
            flushPending = false;
            for (Client t : new ArrayList<>(trackingClients)) {
                if (t == c) {
                    pendingForCurrent.add(null);
                } else {
                    send(t, null);
                }
            }
        }
        if (!pendingForCurrent.isEmpty()) {
            List<byte[]> keys = new ArrayList<>(pendingForCurrent);
            pendingForCurrent.clear();
            if (c != null && state(c) != null) {
                for (byte[] k : keys) {
                    send(c, k == null ? null : List.of(k));
                }
            }
        }
        broadcast();
        limitTable();
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
            for (Map.Entry<BytesKey, Prefix> e : prefixTable.entrySet()) {
                if (startsWith(key, e.getKey().bytes())) {
                    e.getValue().keys.put(k, current);
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
        for (long id : ids) {
            Client target = server.clients().get(id);
            State s = target == null ? null : state(target);
            if (s == null || !s.on || s.bcast) {
                continue;
            }
            if (s.noloop && target == current) {
                continue;
            }
            if (target == current && server.dispatcher().executionDepth() > 0) {
                pendingForCurrent.add(k.bytes());
            } else {
                send(target, List.of(k.bytes()));
            }
        }
    }

    @Override
    public void dbChanged(Db db) {
        // FLUSHDB/FLUSHALL: one null invalidation per tracking client per command, sent after
        // the command (SWAPDB reaches here too: a conservative extra flush message).
        if (!trackingClients.isEmpty()) {
            flushPending = true;
        }
        table.clear();
        if (server.dispatcher().current() == null) {
            afterTopLevel(null);
        }
    }

    private void broadcast() {
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
        if (to.protocol() == 3) {
            to.deliver(r -> r.pushing(() -> {
                r.push(2);
                r.bulk(INVALIDATE);
                keyList(r, keys);
            }));
        } else if (redirected && PubSub.isPubsubClient(to)) {
            to.deliver(r -> r.pushing(() -> {
                r.push(3);
                r.bulk(MESSAGE);
                r.bulk(CHANNEL);
                keyList(r, keys);
            }));
        }
    }

    private static void keyList(Reply r, List<byte[]> keys) {
        if (keys == null) {
            r.nullBulk();
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
