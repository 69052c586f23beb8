package dev.cinnabar.server.command.stream;

import dev.cinnabar.server.blocking.BlockingManager;
import dev.cinnabar.server.command.CommandFamily;
import dev.cinnabar.server.command.CommandTable;
import dev.cinnabar.server.command.server.ServerCommands;
import dev.cinnabar.server.propagate.Propagator;
import dev.cinnabar.server.protocol.Errors;
import dev.cinnabar.server.protocol.Reply;
import dev.cinnabar.server.session.Client;
import dev.cinnabar.server.store.Db;
import dev.cinnabar.server.store.Notify;
import dev.cinnabar.server.store.Numbers;
import dev.cinnabar.server.store.stream.Stream;
import dev.cinnabar.server.store.stream.StreamGroup;
import dev.cinnabar.server.store.stream.StreamId;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Stream consumer groups (XREADGROUP lives with XREAD in {@link StreamCommands}): XGROUP, XACK,
 * XPENDING, XCLAIM, XAUTOCLAIM and XINFO, with Redis 7.0's replies, errors, argument order and
 * keyspace events (xgroup-create, xgroup-setid, xgroup-destroy, xgroup-createconsumer,
 * xgroup-delconsumer; XCLAIM and XAUTOCLAIM emit none of their own in 7.0).
 *
 * <p>Replication note: Redis does not propagate XCLAIM / XAUTOCLAIM verbatim but as one XCLAIM
 * ... TIME ... RETRYCOUNT ... FORCE JUSTID LASTID per claimed entry (and an XCLAIM of a deleted
 * entry's ID to drop it on replicas); there is no replication here yet.
 */
public final class StreamGroupCommands implements CommandFamily {
    @Override
    public void register(CommandTable t) {
        t.bind("xgroup", "create", this::xgroup);
        t.bind("xgroup", "setid", this::xgroup);
        t.bind("xgroup", "destroy", this::xgroup);
        t.bind("xgroup", "createconsumer", this::xgroup);
        t.bind("xgroup", "delconsumer", this::xgroup);
        t.bind("xgroup", "help", c -> ServerCommands.help(c, XGROUP_HELP));
        t.bind("xack", this::xack);
        t.bind("xpending", this::xpending);
        t.bind("xclaim", this::xclaim);
        t.bind("xautoclaim", this::xautoclaim);
        t.bind("xinfo", "stream", this::xinfoStream);
        t.bind("xinfo", "groups", this::xinfoGroups);
        t.bind("xinfo", "consumers", this::xinfoConsumers);
        t.bind("xinfo", "help", c -> ServerCommands.help(c, XINFO_HELP));
    }

    private static String str(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    /**
     * The consumer of a group by name, created (with an xgroup-createconsumer event) when absent;
     * its seen-time becomes now. Used by XREADGROUP, XCLAIM and XAUTOCLAIM.
     */
    static StreamGroup.Consumer consumerFor(Client c, Db db, byte[] key, StreamGroup g, byte[] name) {
        long now = c.server().now();
        StreamGroup.Consumer cons = g.consumer(name);
        if (cons != null) {
            cons.seenTime = now;
            return cons;
        }
        cons = g.createConsumer(name, now);
        db.notify(Notify.STREAM, "xgroup-createconsumer", key);
        c.dirty(1);
        return cons;
    }

    // ---- propagation: a group's state travels as XCLAIM ... JUSTID and XGROUP SETID (Redis 7.0)

    private static final byte[] XCLAIM = Propagator.bytes("XCLAIM");
    private static final byte[] XGROUP = Propagator.bytes("XGROUP");
    private static final byte[] SETID = Propagator.bytes("SETID");
    private static final byte[] CREATECONSUMER = Propagator.bytes("CREATECONSUMER");
    private static final byte[] ENTRIESREAD = Propagator.bytes("ENTRIESREAD");
    private static final byte[] TIME = Propagator.bytes("TIME");
    private static final byte[] RETRYCOUNT = Propagator.bytes("RETRYCOUNT");
    private static final byte[] FORCE = Propagator.bytes("FORCE");
    private static final byte[] JUSTID = Propagator.bytes("JUSTID");
    private static final byte[] LASTID = Propagator.bytes("LASTID");
    private static final byte[] ZERO = Propagator.bytes("0");

    /**
     * The pending entry {@code id} as it now is (owner, delivery time and count) with the group's
     * last ID: XCLAIM key group owner 0 id TIME t RETRYCOUNT n FORCE JUSTID LASTID last. A replica
     * running it gets the same PEL entry (or drops it when the entry was deleted).
     */
    static void propagateClaim(Client c, byte[] key, byte[] group, byte[] id, StreamGroup.Nack nack, StreamGroup g) {
        propagateClaim(c, key, group, id, nack, g.lastId());
    }

    static void propagateClaim(Client c, byte[] key, byte[] group, byte[] id, StreamGroup.Nack nack, StreamId last) {
        c.alsoPropagate(XCLAIM, key, group, nack.consumer().name(), ZERO, id, TIME, Propagator.bytes(nack.deliveryTime),
                RETRYCOUNT, Propagator.bytes(nack.deliveryCount), FORCE, JUSTID, LASTID, last.toBytes());
    }

    /** XGROUP SETID key group last ENTRIESREAD n: the group's read position. */
    static void propagateSetId(Client c, byte[] key, byte[] group, StreamGroup g) {
        c.alsoPropagate(XGROUP, SETID, key, group, g.lastId().toBytes(), ENTRIESREAD, Propagator.bytes(g.entriesRead()));
    }

    /** XGROUP CREATECONSUMER key group consumer (a NOACK reader: no XCLAIM will create it). */
    static void propagateCreateConsumer(Client c, byte[] key, byte[] group, byte[] consumer) {
        c.alsoPropagate(XGROUP, CREATECONSUMER, key, group, consumer);
    }

    /** A stream with one of its groups. */
    private record Target(Stream s, StreamGroup g) {
    }

    /** The stream at argv[1] and its group argv[2], or null after replying WRONGTYPE or NOGROUP. */
    private static Target target(Client c) {
        Stream s = StreamCommands.checked(c, c.db().lookupRead(c.arg(1)));
        if (s == StreamCommands.WRONG) {
            return null;
        }
        StreamGroup g = s == null ? null : s.group(c.arg(2));
        if (g == null) {
            c.error(Errors.noKeyOrGroup(c.arg(1), c.arg(2)));
            return null;
        }
        return new Target(s, g);
    }

    // ---- XGROUP

    /**
     * XGROUP CREATE key group id|$ [MKSTREAM] [ENTRIESREAD n], SETID key group id|$ [ENTRIESREAD n],
     * DESTROY key group, CREATECONSUMER key group consumer, DELCONSUMER key group consumer. One
     * handler, as Redis: options are checked first, then the key, then the group.
     */
    void xgroup(Client c) {
        String sub = str(c.arg(1));
        boolean create = sub.equalsIgnoreCase("create");
        boolean setid = sub.equalsIgnoreCase("setid");
        boolean mkstream = false;
        long entriesRead = StreamGroup.INVALID_ENTRIES_READ;
        for (int i = 5; i < c.argc(); ) {
            String o = str(c.arg(i));
            if (create && o.equalsIgnoreCase("mkstream")) {
                mkstream = true;
                i++;
            } else if ((create || setid) && o.equalsIgnoreCase("entriesread") && i + 1 < c.argc()) {
                Long v = Numbers.parseLong(c.arg(i + 1));
                if (v == null) {
                    c.error(Errors.NOT_INTEGER);
                    return;
                }
                if (v < 0 && v != StreamGroup.INVALID_ENTRIES_READ) {
                    c.error(Errors.ENTRIESREAD_INVALID);
                    return;
                }
                entriesRead = v;
                i += 2;
            } else {
                c.error(Errors.subcommandSyntax(sub, "xgroup"));
                return;
            }
        }
        Db db = c.db();
        byte[] key = c.arg(2);
        byte[] name = c.arg(3);
        Stream s = StreamCommands.checked(c, db.lookupWrite(key));
        if (s == StreamCommands.WRONG) {
            return;
        }
        StreamGroup g = null;
        if (!mkstream) {
            if (s == null) {
                c.error(Errors.XGROUP_KEY_REQUIRED);
                return;
            }
            g = s.group(name);
            if (g == null && !create && !sub.equalsIgnoreCase("destroy")) {
                c.error(Errors.noGroupForKey(name, key));
                return;
            }
        }
        int argc = c.argc();
        if (create && argc >= 5 && argc <= 8) {
            xgroupCreate(c, db, key, s, name, entriesRead);
        } else if (setid && (argc == 5 || argc == 7)) {
            StreamId id = isDollar(c.arg(4)) ? s.lastId() : idOrDash(c, c.arg(4));
            if (id == null) {
                return;
            }
            g.setId(id, entriesRead);
            c.reply().ok();
            c.dirty(1);
            db.notify(Notify.STREAM, "xgroup-setid", key);
        } else if (sub.equalsIgnoreCase("destroy") && argc == 4) {
            if (g == null) {
                c.reply().integer(0);
                return;
            }
            s.destroyGroup(name);
            c.reply().integer(1);
            c.dirty(1);
            db.notify(Notify.STREAM, "xgroup-destroy", key);
            // Readers blocked on this group fail with NOGROUP.
            BlockingManager.of(c.server()).signalKeyAsReady(db, key);
        } else if (sub.equalsIgnoreCase("createconsumer") && argc == 5) {
            StreamGroup.Consumer created = g.createConsumer(c.arg(4), c.server().now());
            if (created != null) {
                db.notify(Notify.STREAM, "xgroup-createconsumer", key);
                c.dirty(1);
            }
            c.reply().integer(created != null ? 1 : 0);
        } else if (sub.equalsIgnoreCase("delconsumer") && argc == 5) {
            StreamGroup.Consumer cons = g.consumer(c.arg(4));
            long pending = 0;
            if (cons != null) {
                pending = g.deleteConsumer(cons);
                c.dirty(1);
                db.notify(Notify.STREAM, "xgroup-delconsumer", key);
            }
            c.reply().integer(pending);
        } else {
            c.error(Errors.subcommandSyntax(sub, "xgroup"));
        }
    }

    private static boolean isDollar(byte[] a) {
        return a.length == 1 && a[0] == '$';
    }

    /** An ID where "-" and "+" are also accepted (XGROUP SETID, as Redis's non-strict parse). */
    private static StreamId idOrDash(Client c, byte[] arg) {
        StreamId.Parsed p = StreamId.parse(arg, false, false, 0);
        if (p == null) {
            c.error(Errors.STREAM_INVALID_ID);
            return null;
        }
        return p.id();
    }

    private static void xgroupCreate(Client c, Db db, byte[] key, Stream s, byte[] name, long entriesRead) {
        StreamId id;
        if (isDollar(c.arg(4))) {
            id = s == null ? StreamId.MIN : s.lastId();
        } else {
            id = StreamCommands.strictId(c, c.arg(4));
            if (id == null) {
                return;
            }
        }
        if (s == null) { // MKSTREAM: the command can no longer fail
            s = new Stream();
            db.add(key, s);
            db.signalModified(key);
        }
        if (s.createGroup(name, id, entriesRead) == null) {
            c.error(Errors.BUSYGROUP);
            return;
        }
        c.reply().ok();
        c.dirty(1);
        db.notify(Notify.STREAM, "xgroup-create", key);
    }

    // ---- XACK, XPENDING

    /** XACK key group id...: removes the IDs from the group's pending list; IDs are all checked first. */
    void xack(Client c) {
        Stream s = StreamCommands.checked(c, c.db().lookupRead(c.arg(1)));
        if (s == StreamCommands.WRONG) {
            return;
        }
        StreamGroup g = s == null ? null : s.group(c.arg(2));
        if (g == null) {
            c.reply().integer(0);
            return;
        }
        StreamId[] ids = new StreamId[c.argc() - 3];
        for (int j = 3; j < c.argc(); j++) {
            ids[j - 3] = StreamCommands.strictId(c, c.arg(j));
            if (ids[j - 3] == null) {
                return;
            }
        }
        long acked = 0;
        for (StreamId id : ids) {
            if (g.ack(id)) {
                acked++;
                c.dirty(1);
            }
        }
        c.reply().integer(acked);
    }

    /**
     * XPENDING key group: [count, smallest ID, greatest ID, [[consumer, count]...]]. XPENDING key
     * group [IDLE ms] start end count [consumer]: [[id, consumer, idle ms, deliveries]...].
     */
    void xpending(Client c) {
        int argc = c.argc();
        boolean summary = argc == 3;
        if (argc != 3 && (argc < 6 || argc > 9)) {
            c.error(Errors.SYNTAX);
            return;
        }
        long minIdle = 0;
        long count = 0;
        StreamId start = null;
        StreamId end = null;
        byte[] consumerName = null;
        if (argc >= 6) {
            int from = 3;
            if (str(c.arg(3)).equalsIgnoreCase("idle")) {
                Long v = Numbers.parseLong(c.arg(4));
                if (v == null) {
                    c.error(Errors.NOT_INTEGER);
                    return;
                }
                minIdle = v;
                if (argc < 8) {
                    c.error(Errors.SYNTAX);
                    return;
                }
                from += 2;
            }
            Long v = Numbers.parseLong(c.arg(from + 2));
            if (v == null) {
                c.error(Errors.NOT_INTEGER);
                return;
            }
            count = Math.max(v, 0);
            start = StreamCommands.intervalStart(c, c.arg(from));
            if (start == null) {
                return;
            }
            end = StreamCommands.intervalEnd(c, c.arg(from + 1));
            if (end == null) {
                return;
            }
            if (from + 3 < argc) {
                consumerName = c.arg(from + 3);
            }
        }
        Target t = target(c);
        if (t == null) {
            return;
        }
        StreamGroup g = t.g();
        Reply r = c.reply();
        if (summary) {
            pendingSummary(r, g);
            return;
        }
        var pel = g.pel();
        if (consumerName != null) {
            StreamGroup.Consumer cons = g.consumer(consumerName);
            if (cons == null) {
                r.emptyArray();
                return;
            }
            pel = cons.pel();
        }
        long now = c.server().now();
        List<Map.Entry<StreamId, StreamGroup.Nack>> out = new ArrayList<>();
        if (start.compareTo(end) <= 0) {
            for (var e : pel.subMap(start, true, end, true).entrySet()) {
                if (out.size() >= count) {
                    break;
                }
                if (minIdle != 0 && now - e.getValue().deliveryTime < minIdle) {
                    continue;
                }
                out.add(e);
            }
        }
        r.array(out.size());
        for (var e : out) {
            StreamGroup.Nack n = e.getValue();
            r.array(4);
            r.bulk(e.getKey().toBytes());
            r.bulk(n.consumer().name());
            r.integer(Math.max(0, now - n.deliveryTime));
            r.integer(n.deliveryCount);
        }
    }

    private static void pendingSummary(Reply r, StreamGroup g) {
        r.array(4);
        r.integer(g.pel().size());
        if (g.pel().isEmpty()) {
            r.nullBulk();
            r.nullBulk();
            r.nullArray();
            return;
        }
        r.bulk(g.pel().firstKey().toBytes());
        r.bulk(g.pel().lastKey().toBytes());
        List<StreamGroup.Consumer> withPending = new ArrayList<>();
        for (StreamGroup.Consumer cons : g.consumers().values()) {
            if (!cons.pel().isEmpty()) {
                withPending.add(cons);
            }
        }
        r.array(withPending.size());
        for (StreamGroup.Consumer cons : withPending) {
            r.array(2);
            r.bulk(cons.name());
            r.bulk(Long.toString(cons.pel().size()));
        }
    }

    // ---- XCLAIM, XAUTOCLAIM

    /**
     * XCLAIM key group consumer min-idle id... [IDLE ms] [TIME ms] [RETRYCOUNT n] [FORCE] [JUSTID]
     * [LASTID id]: gives the pending entries idle for at least min-idle to the consumer. IDs run
     * until the first argument that is not an ID; pending entries whose stream entry was deleted
     * are dropped from the PEL and not returned.
     */
    void xclaim(Client c) {
        Db db = c.db();
        byte[] key = c.arg(1);
        Target t = target(c);
        if (t == null) {
            return;
        }
        Stream s = t.s();
        StreamGroup g = t.g();
        Long minIdleArg = Numbers.parseLong(c.arg(4));
        if (minIdleArg == null) {
            c.error(Errors.XCLAIM_MIN_IDLE);
            return;
        }
        long minIdle = Math.max(0, minIdleArg);
        List<StreamId> ids = new ArrayList<>();
        int j = 5;
        for (; j < c.argc(); j++) {
            StreamId.Parsed p = StreamId.parse(c.arg(j), true, false, 0);
            if (p == null) {
                break;
            }
            ids.add(p.id());
        }
        int firstId = 5;
        long now = c.server().now();
        long deliveryTime = -1;
        long retryCount = -1;
        boolean force = false;
        boolean justId = false;
        StreamId lastId = StreamId.MIN;
        for (; j < c.argc(); j++) {
            boolean more = j + 1 < c.argc();
            String o = str(c.arg(j));
            if (o.equalsIgnoreCase("force")) {
                force = true;
            } else if (o.equalsIgnoreCase("justid")) {
                justId = true;
            } else if (o.equalsIgnoreCase("idle") && more) {
                Long v = Numbers.parseLong(c.arg(++j));
                if (v == null) {
                    c.error(Errors.XCLAIM_IDLE);
                    return;
                }
                deliveryTime = now - v;
            } else if (o.equalsIgnoreCase("time") && more) {
                Long v = Numbers.parseLong(c.arg(++j));
                if (v == null) {
                    c.error(Errors.XCLAIM_TIME);
                    return;
                }
                deliveryTime = v;
            } else if (o.equalsIgnoreCase("retrycount") && more) {
                Long v = Numbers.parseLong(c.arg(++j));
                if (v == null) {
                    c.error(Errors.XCLAIM_RETRYCOUNT);
                    return;
                }
                retryCount = v;
            } else if (o.equalsIgnoreCase("lastid") && more) {
                lastId = StreamCommands.strictId(c, c.arg(++j));
                if (lastId == null) {
                    return;
                }
            } else {
                c.error(Errors.xclaimUnrecognized(c.arg(j)));
                return;
            }
        }
        // the claims propagate instead of XCLAIM itself; a raised LASTID alone goes as XGROUP SETID
        c.preventPropagation();
        boolean propagateLastId = false;
        if (lastId.compareTo(g.lastId()) > 0) {
            g.raiseLastId(lastId);
            propagateLastId = true;
        }
        if (deliveryTime < 0 || deliveryTime > now) {
            deliveryTime = now; // a bogus IDLE/TIME (or none) means "delivered now", as Redis
        }
        Reply r = c.reply();
        Object h = r.deferredArray();
        int n = 0;
        StreamGroup.Consumer cons = null;
        for (int i = 0; i < ids.size(); i++) {
            StreamId id = ids.get(i);
            StreamGroup.Nack nack = g.pel().get(id);
            byte[][] fields = s.get(id);
            if (fields == null) {
                if (nack != null) { // the entry was deleted: drop it from the PEL
                    propagateClaim(c, key, c.arg(2), c.arg(firstId + i), nack, g);
                    propagateLastId = false;
                    g.ack(id);
                    c.dirty(1);
                }
                continue;
            }
            if (force && nack == null) {
                nack = g.createOwnerless(id, now);
            }
            if (nack == null) {
                continue;
            }
            if (nack.consumer() != null && minIdle != 0 && now - nack.deliveryTime < minIdle) {
                continue;
            }
            if (cons == null) {
                cons = consumerFor(c, db, key, g, c.arg(3));
            }
            StreamGroup.Nack claimed = g.claim(id, cons, deliveryTime, retryCount, justId);
            propagateClaim(c, key, c.arg(2), c.arg(firstId + i), claimed, g);
            propagateLastId = false;
            if (justId) {
                r.bulk(id.toBytes());
            } else {
                StreamCommands.entry(r, id, fields);
            }
            n++;
            c.dirty(1);
        }
        if (propagateLastId) {
            propagateSetId(c, key, c.arg(2), g);
            c.dirty(1);
        }
        r.finishDeferred(h, n);
    }

    /**
     * XAUTOCLAIM key group consumer min-idle start [COUNT n] [JUSTID]: scans the group PEL from
     * start (at most COUNT*10 entries), claims up to COUNT entries idle for at least min-idle, and
     * replies [next cursor (0-0 when the scan reached the end), claimed, IDs of deleted entries
     * dropped from the PEL].
     */
    void xautoclaim(Client c) {
        Long minIdleArg = Numbers.parseLong(c.arg(4));
        if (minIdleArg == null) {
            c.error(Errors.XAUTOCLAIM_MIN_IDLE);
            return;
        }
        long minIdle = Math.max(0, minIdleArg);
        StreamId start = StreamCommands.intervalStart(c, c.arg(5));
        if (start == null) {
            return;
        }
        long count = 100;
        boolean justId = false;
        for (int j = 6; j < c.argc(); j++) {
            String o = str(c.arg(j));
            if (o.equalsIgnoreCase("count") && j + 1 < c.argc()) {
                Long v = Numbers.parseLong(c.arg(j + 1));
                if (v == null || v < 1 || v > Long.MAX_VALUE / 16) {
                    c.error(Errors.XAUTOCLAIM_COUNT);
                    return;
                }
                count = v;
                j++;
            } else if (o.equalsIgnoreCase("justid")) {
                justId = true;
            } else {
                c.error(Errors.SYNTAX);
                return;
            }
        }
        Db db = c.db();
        byte[] key = c.arg(1);
        Target t = target(c);
        if (t == null) {
            return;
        }
        Stream s = t.s();
        StreamGroup g = t.g();
        // Redis allocates COUNT stream IDs up front and refuses a COUNT it cannot allocate; we refuse
        // what could not fit in the heap (the reply builds lists of that order).
        if (count > Runtime.getRuntime().maxMemory() / 16) {
            c.error(Errors.XAUTOCLAIM_COUNT_TOO_HIGH);
            return;
        }
        long attempts = count * 10;
        c.preventPropagation(); // the claims propagate, as XCLAIM ... JUSTID
        long now = c.server().now();
        Reply r = c.reply();
        List<StreamId> deleted = new ArrayList<>();
        List<Object[]> claimed = new ArrayList<>();
        StreamGroup.Consumer cons = null;
        StreamId cursor = start;
        StreamId next = null;
        while (true) {
            Map.Entry<StreamId, StreamGroup.Nack> e = g.pel().ceilingEntry(cursor);
            if (e == null) {
                next = null;
                break;
            }
            if (attempts-- == 0 || count == 0) {
                next = e.getKey();
                break;
            }
            StreamId id = e.getKey();
            cursor = id.next();
            byte[][] fields = s.get(id);
            if (fields == null) {
                propagateClaim(c, key, c.arg(2), id.toBytes(), e.getValue(), g); // drops it on a replica
                g.ack(id);
                deleted.add(id);
                count--;
                c.dirty(1);
            } else if (minIdle == 0 || now - e.getValue().deliveryTime >= minIdle) {
                if (cons == null) {
                    cons = consumerFor(c, db, key, g, c.arg(3));
                }
                propagateClaim(c, key, c.arg(2), id.toBytes(), g.claim(id, cons, now, -1, justId), g);
                claimed.add(new Object[] {id, fields});
                count--;
                c.dirty(1);
            }
            if (cursor == null) {
                next = null;
                break;
            }
        }
        r.array(3);
        r.bulk((next == null ? StreamId.MIN : next).toBytes());
        r.array(claimed.size());
        for (Object[] o : claimed) {
            StreamId id = (StreamId) o[0];
            if (justId) {
                r.bulk(id.toBytes());
            } else {
                StreamCommands.entry(r, id, (byte[][]) o[1]);
            }
        }
        r.array(deleted.size());
        for (StreamId id : deleted) {
            r.bulk(id.toBytes());
        }
    }

    // ---- XINFO

    /** The stream for XINFO (missing key: "no such key"), or null after an error. */
    private static Stream infoStream(Client c) {
        Object v = c.db().lookupRead(c.arg(2));
        if (v == null) {
            c.error(Errors.NO_SUCH_KEY);
            return null;
        }
        Stream s = StreamCommands.checked(c, v);
        return s == StreamCommands.WRONG ? null : s;
    }

    /** XINFO STREAM key [FULL [COUNT n]] (COUNT defaults to 10; 0 means everything). */
    void xinfoStream(Client c) {
        Stream s = infoStream(c);
        if (s == null) {
            return;
        }
        boolean full = c.argc() > 3;
        long count = 10;
        if (full) {
            int optc = c.argc() - 3;
            if ((optc != 1 && optc != 3) || !str(c.arg(3)).equalsIgnoreCase("full")
                    || (optc == 3 && !str(c.arg(4)).equalsIgnoreCase("count"))) {
                c.error(Errors.subcommandSyntax(str(c.arg(1)), "xinfo"));
                return;
            }
            if (optc == 3) {
                Long v = Numbers.parseLong(c.arg(5));
                if (v == null) {
                    c.error(Errors.NOT_INTEGER);
                    return;
                }
                count = v < 0 ? 10 : v;
            }
        }
        Reply r = c.reply();
        r.map(full ? 9 : 10);
        r.bulk("length");
        r.integer(s.length());
        r.bulk("radix-tree-keys");
        r.integer(s.nodeCount());
        r.bulk("radix-tree-nodes");
        r.integer(s.radixTreeNodes());
        r.bulk("last-generated-id");
        r.bulk(s.lastId().toBytes());
        r.bulk("max-deleted-entry-id");
        r.bulk(s.maxDeletedId().toBytes());
        r.bulk("entries-added");
        r.integer(s.entriesAdded());
        r.bulk("recorded-first-entry-id");
        r.bulk(s.recordedFirstId().toBytes());
        if (!full) {
            r.bulk("groups");
            r.integer(s.groups().size());
            r.bulk("first-entry");
            edgeEntry(r, s, false);
            r.bulk("last-entry");
            edgeEntry(r, s, true);
            return;
        }
        r.bulk("entries");
        Object h = r.deferredArray();
        long n = s.range(StreamId.MIN, StreamId.MAX, false, count, (id, f) -> StreamCommands.entry(r, id, f));
        r.finishDeferred(h, (int) n);
        r.bulk("groups");
        r.array(s.groups().size());
        for (var ge : s.groups().entrySet()) {
            fullGroup(r, s, ge.getKey(), ge.getValue(), count);
        }
    }

    private static void edgeEntry(Reply r, Stream s, boolean last) {
        long n = s.range(StreamId.MIN, StreamId.MAX, last, 1, (id, f) -> StreamCommands.entry(r, id, f));
        if (n == 0) {
            r.nullBulk();
        }
    }

    private static void groupCounters(Reply r, Stream s, StreamGroup g) {
        r.bulk("entries-read");
        if (g.entriesRead() != StreamGroup.INVALID_ENTRIES_READ) {
            r.integer(g.entriesRead());
        } else {
            r.nullBulk();
        }
        r.bulk("lag");
        Long lag = s.lag(g);
        if (lag != null) {
            r.integer(lag);
        } else {
            r.nullBulk();
        }
    }

    private static void fullGroup(Reply r, Stream s, byte[] name, StreamGroup g, long count) {
        r.map(7);
        r.bulk("name");
        r.bulk(name);
        r.bulk("last-delivered-id");
        r.bulk(g.lastId().toBytes());
        groupCounters(r, s, g);
        r.bulk("pel-count");
        r.integer(g.pel().size());
        r.bulk("pending");
        pendingList(r, g.pel(), count, true);
        r.bulk("consumers");
        r.array(g.consumers().size());
        for (StreamGroup.Consumer cons : g.consumers().values()) {
            r.map(4);
            r.bulk("name");
            r.bulk(cons.name());
            r.bulk("seen-time");
            r.integer(cons.seenTime);
            r.bulk("pel-count");
            r.integer(cons.pel().size());
            r.bulk("pending");
            pendingList(r, cons.pel(), count, false);
        }
    }

    /** Up to count (0 = all) pending entries: [id, consumer (withOwner), delivery time, deliveries]. */
    private static void pendingList(Reply r, java.util.NavigableMap<StreamId, StreamGroup.Nack> pel, long count,
            boolean withOwner) {
        int shown = (int) Math.min(pel.size(), count == 0 ? Integer.MAX_VALUE : count);
        r.array(shown);
        int i = 0;
        for (var e : pel.entrySet()) {
            if (i++ == shown) {
                break;
            }
            r.array(withOwner ? 4 : 3);
            r.bulk(e.getKey().toBytes());
            if (withOwner) {
                r.bulk(e.getValue().consumer().name());
            }
            r.integer(e.getValue().deliveryTime);
            r.integer(e.getValue().deliveryCount);
        }
    }

    /** XINFO GROUPS key: per group name, consumers, pending, last-delivered-id, entries-read, lag. */
    void xinfoGroups(Client c) {
        Stream s = infoStream(c);
        if (s == null) {
            return;
        }
        Reply r = c.reply();
        r.array(s.groups().size());
        for (var ge : s.groups().entrySet()) {
            StreamGroup g = ge.getValue();
            r.map(6);
            r.bulk("name");
            r.bulk(ge.getKey());
            r.bulk("consumers");
            r.integer(g.consumers().size());
            r.bulk("pending");
            r.integer(g.pel().size());
            r.bulk("last-delivered-id");
            r.bulk(g.lastId().toBytes());
            groupCounters(r, s, g);
        }
    }

    /** XINFO CONSUMERS key group: per consumer name, pending, idle (ms since last seen). */
    void xinfoConsumers(Client c) {
        Stream s = infoStream(c);
        if (s == null) {
            return;
        }
        StreamGroup g = s.group(c.arg(3));
        if (g == null) {
            c.error(Errors.noGroupForKey(c.arg(3), c.arg(2)));
            return;
        }
        Reply r = c.reply();
        long now = c.server().now();
        r.array(g.consumers().size());
        for (StreamGroup.Consumer cons : g.consumers().values()) {
            r.map(3);
            r.bulk("name");
            r.bulk(cons.name());
            r.bulk("pending");
            r.integer(cons.pel().size());
            r.bulk("idle");
            r.integer(Math.max(0, now - cons.seenTime));
        }
    }

    // ---- HELP (same shape as Redis's: status lines; our own wording)

    private static final String[] XGROUP_HELP = {
        "XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "CREATE <key> <groupname> <id|$> [MKSTREAM] [ENTRIESREAD <n>]",
        "    Make a consumer group for the stream at <key> whose last delivered ID is <id> ($: the stream's last ID).",
        "    MKSTREAM makes an empty stream when <key> does not exist; ENTRIESREAD sets the group's read counter.",
        "CREATECONSUMER <key> <groupname> <consumer>",
        "    Add <consumer> to the group (0 when it is already there).",
        "DELCONSUMER <key> <groupname> <consumer>",
        "    Remove <consumer> with its pending entries; replies how many it had.",
        "DESTROY <key> <groupname>",
        "    Remove the group, its consumers and its pending entries.",
        "SETID <key> <groupname> <id|$> [ENTRIESREAD <n>]",
        "    Move the group's last delivered ID (and read counter).",
        "HELP",
        "    Print this help.",
    };

    private static final String[] XINFO_HELP = {
        "XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "CONSUMERS <key> <groupname>",
        "    The consumers of a group with their pending counts and idle times.",
        "GROUPS <key>",
        "    The consumer groups of the stream at <key>.",
        "STREAM <key> [FULL [COUNT <count>]]",
        "    Facts about the stream at <key>; FULL adds entries, groups, pending lists and consumers",
        "    (at most <count> of each, default 10, 0 for all).",
        "HELP",
        "    Print this help.",
    };

}
