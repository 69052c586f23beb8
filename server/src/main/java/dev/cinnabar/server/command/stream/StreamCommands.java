package dev.cinnabar.server.command.stream;

import dev.cinnabar.server.blocking.Timeouts;
import dev.cinnabar.server.blocking.BlockingManager;
import dev.cinnabar.server.command.TypedLookup;
import dev.cinnabar.server.command.CommandFamily;
import dev.cinnabar.server.command.CommandTable;
import dev.cinnabar.server.propagate.Propagator;
import dev.cinnabar.server.protocol.Errors;
import dev.cinnabar.server.protocol.Reply;
import dev.cinnabar.server.session.Client;
import dev.cinnabar.server.session.ClientFlags;
import dev.cinnabar.server.store.Db;
import dev.cinnabar.server.store.Notify;
import dev.cinnabar.server.store.Numbers;
import dev.cinnabar.server.store.stream.Stream;
import dev.cinnabar.server.store.stream.StreamGroup;
import dev.cinnabar.server.store.stream.StreamId;
import java.util.List;

/**
 * Stream commands without consumer groups or blocking: XADD, XLEN, XRANGE, XREVRANGE, XDEL,
 * XTRIM, XSETID. Semantics, argument order and error texts follow Redis 7.0 (t_stream.c): a
 * stream stays in the keyspace when its last entry is deleted, XADD's auto IDs come from the
 * server's cached clock, and "~" trimming removes whole nodes only.
 */
public final class StreamCommands implements CommandFamily {
    @Override
    public void register(CommandTable t) {
        t.bind("xadd", this::xadd);
        t.bind("xlen", this::xlen);
        t.bind("xrange", c -> xrange(c, false));
        t.bind("xrevrange", c -> xrange(c, true));
        t.bind("xdel", this::xdel);
        t.bind("xtrim", this::xtrim);
        t.bind("xsetid", this::xsetid);
        t.bind("xread", this::xread);
        t.bind("xreadgroup", this::xreadgroup);
    }

    /** Marks the stream node directives as read by the server (XADD sizes its nodes with them). */
    public static void install(dev.cinnabar.server.ServerContext ctx) {
        ctx.config().implemented("stream-node-max-bytes");
        ctx.config().implemented("stream-node-max-entries");
    }

    static final TypedLookup<Stream> STREAMS = new TypedLookup<>(Stream.class, new Stream());
    /** Marker for "the key holds another type" (WRONGTYPE was replied). */
    static final Stream WRONG = STREAMS.wrong();

    static Stream checked(Client c, Object v) {
        return STREAMS.checked(c, v);
    }

    void xadd(Client c) {
        TrimArgs a = TrimArgs.parse(c, 2, true);
        if (a == null) {
            return;
        }
        int fieldPos = a.idIndex() + 1;
        int n = c.argc() - fieldPos;
        if (n < 2 || n % 2 == 1) {
            c.error(Errors.wrongArgs("xadd"));
            return;
        }
        if (a.id() != null && a.seqGiven() && a.id().isZero()) {
            c.error(Errors.XADD_ID_ZERO);
            return;
        }
        Db db = c.db();
        byte[] key = c.arg(1);
        Stream s = checked(c, db.lookupWrite(key));
        if (s == WRONG) {
            return;
        }
        if (s == null) {
            if (a.noMkStream()) {
                c.reply().nullBulk();
                return;
            }
            s = new Stream();
            db.add(key, s);
        }
        if (s.lastId().equals(StreamId.MAX)) {
            c.error(Errors.STREAM_EXHAUSTED);
            return;
        }
        StreamId id = s.nextId(a.id(), a.seqGiven(), c.server().now());
        if (id == null) {
            c.error(Errors.XADD_ID_SMALLER);
            return;
        }
        var cfg = c.server().config();
        s.append(id, c.argv(), fieldPos, c.argc(), cfg.streamNodeMaxEntries, cfg.streamNodeMaxBytes);
        c.reply().bulk(id.toBytes());
        db.signalModified(key);
        db.notify(Notify.STREAM, "xadd", key);
        c.dirty(1);
        if (a.id() == null || !a.seqGiven()) {
            c.rewriteArgument(a.idIndex(), id.toBytes()); // the ID this server generated
        }
        if (a.trim() && trim(s, a) > 0) {
            db.notify(Notify.STREAM, "xtrim", key);
        }
        if (a.trim()) {
            rewriteApproxTrim(c, s, a, a.idIndex());
        }
        BlockingManager.of(c.server()).signalKeyAsReady(db, key);
    }

    private static final byte[] EXACT = Propagator.bytes("=");

    /**
     * An approximate trim (~) removed what node boundaries allowed: it replicates as the exact
     * trim that leaves the same entries, "= length" for MAXLEN or "= first ID" for MINID
     * (LIMIT kept, as Redis 7.0 does).
     */
    private static void rewriteApproxTrim(Client c, Stream s, TrimArgs a, int end) {
        if (!a.approx()) {
            return;
        }
        for (int i = 2; i + 1 < end; i++) {
            if (c.arg(i).length == 1 && c.arg(i)[0] == '~') {
                c.rewriteArgument(i, EXACT);
                if (a.minId() == null) {
                    c.rewriteArgument(i + 1, Propagator.bytes(s.length()));
                } else {
                    StreamId[] first = {StreamId.MAX};
                    s.range(StreamId.MIN, StreamId.MAX, false, 1, (id, f) -> {
                        first[0] = id;
                        return true;
                    });
                    c.rewriteArgument(i + 1, first[0].toBytes());
                }
                return;
            }
        }
    }

    private static long trim(Stream s, TrimArgs a) {
        return s.trim(a.maxLen(), a.minId(), a.approx(), a.limit());
    }

    void xlen(Client c) {
        Stream s = checked(c, c.db().lookupRead(c.arg(1)));
        if (s != WRONG) {
            c.reply().integer(s == null ? 0 : s.length());
        }
    }

    void xrange(Client c, boolean rev) {
        byte[] startArg = rev ? c.arg(3) : c.arg(2);
        byte[] endArg = rev ? c.arg(2) : c.arg(3);
        StreamId start = intervalStart(c, startArg);
        if (start == null) {
            return;
        }
        StreamId end = intervalEnd(c, endArg);
        if (end == null) {
            return;
        }
        long count = -1;
        for (int j = 4; j < c.argc(); j++) {
            if (new String(c.arg(j), java.nio.charset.StandardCharsets.ISO_8859_1).equalsIgnoreCase("count")
                    && j + 1 < c.argc()) {
                Long v = Numbers.parseLong(c.arg(j + 1));
                if (v == null) {
                    c.error(Errors.NOT_INTEGER);
                    return;
                }
                count = Math.max(v, 0);
                j++;
            } else {
                c.error(Errors.SYNTAX);
                return;
            }
        }
        Stream s = checked(c, c.db().lookupRead(c.arg(1)));
        if (s == WRONG) {
            return;
        }
        if (s == null) {
            c.reply().emptyArray();
            return;
        }
        if (count == 0) {
            c.reply().nullArray();
            return;
        }
        Reply r = c.reply();
        Object h = r.deferredArray();
        long n = s.range(start, end, rev, Math.max(count, 0), (id, f) -> entry(r, id, f));
        r.finishDeferred(h, (int) n);
    }

    static boolean entry(Reply r, StreamId id, byte[][] fields) {
        r.array(2);
        r.bulk(id.toBytes());
        r.array(fields.length);
        for (byte[] f : fields) {
            r.bulk(f);
        }
        return true;
    }

    /** A range start: an ID ("ms" = ms-0), "-", or "(id" exclusive; replies the error and returns null when invalid. */
    static StreamId intervalStart(Client c, byte[] arg) {
        boolean ex = arg.length > 1 && arg[0] == '(';
        StreamId id = intervalId(c, arg, ex, 0);
        if (id != null && ex) {
            id = id.next();
            if (id == null) {
                c.error(Errors.STREAM_INVALID_START);
            }
        }
        return id;
    }

    /** A range end: an ID ("ms" = ms-max), "+", or "(id" exclusive; replies the error and returns null when invalid. */
    static StreamId intervalEnd(Client c, byte[] arg) {
        boolean ex = arg.length > 1 && arg[0] == '(';
        StreamId id = intervalId(c, arg, ex, -1L);
        if (id != null && ex) {
            id = id.prev();
            if (id == null) {
                c.error(Errors.STREAM_INVALID_END);
            }
        }
        return id;
    }

    /** An interval bound: "(id" exclusive (strict), else an ID or "-"/"+"; replies on error. */
    private static StreamId intervalId(Client c, byte[] arg, boolean exclusive, long missingSeq) {
        byte[] b = exclusive ? java.util.Arrays.copyOfRange(arg, 1, arg.length) : arg;
        StreamId.Parsed p = StreamId.parse(b, exclusive, false, missingSeq);
        if (p == null) {
            c.error(Errors.STREAM_INVALID_ID);
            return null;
        }
        return p.id();
    }

    void xdel(Client c) {
        Db db = c.db();
        byte[] key = c.arg(1);
        Stream s = checked(c, db.lookupWrite(key));
        if (s == WRONG) {
            return;
        }
        if (s == null) {
            c.reply().integer(0);
            return;
        }
        StreamId[] ids = new StreamId[c.argc() - 2];
        for (int j = 2; j < c.argc(); j++) {
            ids[j - 2] = strictId(c, c.arg(j));
            if (ids[j - 2] == null) {
                return;
            }
        }
        long deleted = 0;
        for (StreamId id : ids) {
            if (s.delete(id)) {
                deleted++;
            }
        }
        if (deleted > 0) {
            db.signalModified(key);
            db.notify(Notify.STREAM, "xdel", key);
            c.dirty(deleted);
        }
        c.reply().integer(deleted);
    }

    void xtrim(Client c) {
        Db db = c.db();
        byte[] key = c.arg(1);
        Stream s = checked(c, db.lookupWrite(key));
        if (s == WRONG) {
            return;
        }
        if (s == null) {
            c.reply().integer(0);
            return;
        }
        TrimArgs a = TrimArgs.parse(c, 2, false);
        if (a == null) {
            return;
        }
        long deleted = trim(s, a);
        if (deleted > 0) {
            db.notify(Notify.STREAM, "xtrim", key);
            db.signalModified(key);
            c.dirty(deleted);
        }
        rewriteApproxTrim(c, s, a, c.argc());
        c.reply().integer(deleted);
    }

    void xsetid(Client c) {
        StreamId id = strictId(c, c.arg(2));
        if (id == null) {
            return;
        }
        long entriesAdded = -1;
        StreamId maxDel = StreamId.MIN;
        for (int i = 3; i < c.argc(); i += 2) {
            String opt = new String(c.arg(i), java.nio.charset.StandardCharsets.ISO_8859_1);
            boolean more = i + 1 < c.argc();
            if (opt.equalsIgnoreCase("entriesadded") && more) {
                Long v = Numbers.parseLong(c.arg(i + 1));
                if (v == null) {
                    c.error(Errors.NOT_INTEGER);
                    return;
                }
                if (v < 0) {
                    c.error(Errors.XSETID_ENTRIES_NEGATIVE);
                    return;
                }
                entriesAdded = v;
            } else if (opt.equalsIgnoreCase("maxdeletedid") && more) {
                StreamId m = strictId(c, c.arg(i + 1));
                if (m == null) {
                    return;
                }
                if (id.compareTo(m) < 0) {
                    c.error(Errors.XSETID_BELOW_GIVEN_MAXDELETED);
                    return;
                }
                maxDel = m;
            } else {
                c.error(Errors.SYNTAX);
                return;
            }
        }
        Db db = c.db();
        byte[] key = c.arg(1);
        Stream s = checked(c, db.lookupWrite(key));
        if (s == WRONG) {
            return;
        }
        if (s == null) {
            c.error(Errors.NO_SUCH_KEY);
            return;
        }
        if (s.length() > 0) {
            if (id.compareTo(s.lastLiveId()) < 0) {
                c.error(Errors.XSETID_BELOW_TOP);
                return;
            }
            if (entriesAdded != -1 && Long.compareUnsigned(s.length(), entriesAdded) > 0) {
                c.error(Errors.XSETID_ENTRIES_BELOW_LENGTH);
                return;
            }
        }
        s.setId(id, entriesAdded, maxDel);
        c.reply().ok();
        db.signalModified(key);
        db.notify(Notify.STREAM, "xsetid", key);
        c.dirty(1);
    }

    /** XREAD / XREADGROUP options, parsed in one loop as Redis does (errors in the same order). */
    private record ReadArgs(long count, long timeoutMs, boolean noAck, byte[] group, byte[] consumer, int streamsArg,
            int n) {
        static ReadArgs parse(Client c, boolean xreadgroup) {
            long count = 0;
            long timeoutMs = -1;
            boolean noAck = false;
            byte[] group = null;
            byte[] consumer = null;
            for (int i = 1; i < c.argc(); i++) {
                int more = c.argc() - i - 1;
                String o = new String(c.arg(i), java.nio.charset.StandardCharsets.ISO_8859_1);
                if (o.equalsIgnoreCase("block") && more > 0) {
                    if ((c.flags & ClientFlags.SCRIPT) != 0) { // a script must not block, and not silently stop blocking
                        c.error("ERR " + (xreadgroup ? "xreadgroup" : "xread")
                                + " command is not allowed with BLOCK option from scripts");
                        return null;
                    }
                    i++;
                    long v = Timeouts.millisOrReply(c, c.arg(i));
                    if (v < 0) {
                        return null;
                    }
                    timeoutMs = v;
                } else if (o.equalsIgnoreCase("count") && more > 0) {
                    i++;
                    Long v = Numbers.parseLong(c.arg(i));
                    if (v == null) {
                        c.error(Errors.NOT_INTEGER);
                        return null;
                    }
                    count = Math.max(v, 0);
                } else if (o.equalsIgnoreCase("streams") && more > 0) {
                    int n = c.argc() - (i + 1);
                    if (n % 2 != 0) {
                        c.error(xreadgroup ? Errors.xreadUnbalanced("xreadgroup", '>')
                                : Errors.xreadUnbalanced("xread", '$'));
                        return null;
                    }
                    if (xreadgroup && group == null) {
                        c.error(Errors.XREADGROUP_NO_GROUP);
                        return null;
                    }
                    return new ReadArgs(count, timeoutMs, noAck, group, consumer, i + 1, n / 2);
                } else if (o.equalsIgnoreCase("group") && more >= 2) {
                    if (!xreadgroup) {
                        c.error(Errors.XREAD_GROUP_OPTION);
                        return null;
                    }
                    group = c.arg(i + 1);
                    consumer = c.arg(i + 2);
                    i += 2;
                } else if (o.equalsIgnoreCase("noack")) {
                    if (!xreadgroup) {
                        c.error(Errors.XREAD_NOACK_OPTION);
                        return null;
                    }
                    noAck = true;
                } else {
                    c.error(Errors.SYNTAX);
                    return null;
                }
            }
            c.error(Errors.SYNTAX); // STREAMS is mandatory
            return null;
        }
    }

    /** "&gt;" as an XREADGROUP ID: the greatest ID, as Redis encodes it (so that ID given explicitly reads new entries too). */
    private static final StreamId NEW_ENTRIES = StreamId.MAX;

    /** Entries a blocked reader gets at most when it gave no COUNT (Redis's XREAD_BLOCKED_DEFAULT_COUNT). */
    private static final long BLOCKED_DEFAULT_COUNT = 1000;

    /**
     * XREAD [COUNT n] [BLOCK ms] STREAMS key... id...: entries after each ID ("$" = the stream's
     * last ID when the command runs). Served at once when any stream has a newer entry; otherwise
     * blocks (BLOCK) until an XADD gives one of the streams an entry after its ID, replying with
     * that stream only, or replies a null array.
     */
    void xread(Client c) {
        read(c, false);
    }

    /**
     * XREADGROUP GROUP g c [COUNT n] [BLOCK ms] [NOACK] STREAMS key... id...: "&gt;" reads entries
     * never delivered to the group (advancing it and adding them to the consumer's pending list
     * unless NOACK); another ID reads the consumer's own pending entries after it, deleted ones as
     * an ID with a nil field list. Blocks only when every ID is "&gt;" and nothing is new; a blocked
     * reader fails when its group is destroyed (NOGROUP) or its stream deleted (UNBLOCKED).
     *
     * <p>Replication note: Redis propagates each delivery as an XCLAIM ... FORCE JUSTID (and the
     * group's last ID as XGROUP SETID) instead of the XREADGROUP itself; there is no replication here
     * yet, so nothing is propagated.
     */
    void xreadgroup(Client c) {
        c.preventPropagation(); // what it changed in the group propagates as XCLAIM / XGROUP SETID
        read(c, true);
    }

    private void read(Client c, boolean xg) {
        ReadArgs a = ReadArgs.parse(c, xg);
        if (a == null) {
            return;
        }
        Db db = c.db();
        int n = a.n();
        byte[][] keys = new byte[n][];
        StreamId[] after = new StreamId[n];
        StreamGroup[] groups = new StreamGroup[n];
        for (int k = 0; k < n; k++) {
            keys[k] = c.arg(a.streamsArg() + k);
            byte[] idArg = c.arg(a.streamsArg() + n + k);
            Stream s = checked(c, db.lookupRead(keys[k]));
            if (s == WRONG) {
                return;
            }
            if (xg) {
                groups[k] = s == null ? null : s.group(a.group());
                if (groups[k] == null) {
                    c.error(Errors.noGroupForRead(keys[k], a.group()));
                    return;
                }
            }
            if (idArg.length == 1 && idArg[0] == '$') {
                if (xg) {
                    c.error(Errors.XREADGROUP_DOLLAR);
                    return;
                }
                after[k] = s == null ? StreamId.MIN : s.lastId();
                continue;
            }
            if (idArg.length == 1 && idArg[0] == '>') {
                if (!xg) {
                    c.error(Errors.XREAD_GT_ID);
                    return;
                }
                after[k] = NEW_ENTRIES;
                continue;
            }
            after[k] = strictId(c, idArg);
            if (after[k] == null) {
                return;
            }
        }
        Reply r = c.reply();
        Object h = null;
        int served = 0;
        long now = c.server().now();
        for (int k = 0; k < n; k++) {
            if (!(db.lookupRead(keys[k]) instanceof Stream s)) {
                continue;
            }
            StreamId gt = after[k];
            boolean serve = false;
            boolean history = false;
            if (xg) {
                if (!gt.equals(NEW_ENTRIES)) {
                    serve = true;
                    history = true;
                } else if (s.length() > 0 && s.lastLiveId().compareTo(groups[k].lastId()) > 0) {
                    serve = true;
                    gt = groups[k].lastId();
                }
            } else {
                serve = s.length() > 0 && s.lastLiveId().compareTo(gt) > 0;
            }
            if (!serve) {
                continue;
            }
            if (h == null) {
                h = r.protocol() == 2 ? r.deferredArray() : r.deferredMap();
            }
            served++;
            if (xg) {
                // as Redis 7.0, the consumer is looked up (and created) only when this stream is served
                StreamGroup.Consumer consumer = readerFor(c, db, keys[k], groups[k], a);
                List<GroupRead> got = readGroup(c, keys[k], a, s, groups[k], consumer, gt, a.count(), history, now);
                writeGroupRead(r, keys[k], got);
                c.dirty(1);
            } else {
                streamReply(r, keys[k], s, gt, a.count());
            }
        }
        if (h != null) {
            r.finishDeferred(h, served);
            return;
        }
        if (a.timeoutMs() < 0) {
            r.nullArray();
            return;
        }
        BlockingManager bm = BlockingManager.of(c.server());
        if (!bm.canBlock(c)) {
            r.nullArray();
            return;
        }
        long deadline = 0;
        if (a.timeoutMs() > 0) {
            deadline = a.timeoutMs() > Long.MAX_VALUE - now ? Long.MAX_VALUE : now + a.timeoutMs();
        }
        long cnt = a.count() == 0 ? BLOCKED_DEFAULT_COUNT : a.count();
        List<byte[]> keyList = java.util.Arrays.asList(keys);
        if (xg) {
            bm.block(c, keyList, deadline, "stream", (cl, bdb, key) -> serveBlockedGroupReader(cl, bdb, key, a, cnt),
                    Reply::nullArray, true);
            return;
        }
        bm.block(c, keyList, deadline, "stream", (cl, bdb, key) -> {
            Object v = bdb.lookupRead(key);
            if (!(v instanceof Stream s)) {
                return BlockingManager.Outcome.SKIP;
            }
            int k = 0;
            while (k < n - 1 && !java.util.Arrays.equals(keys[k], key)) {
                k++;
            }
            StreamId from = after[k];
            if (s.length() == 0 || s.lastLiveId().compareTo(from) <= 0) {
                return BlockingManager.Outcome.SKIP;
            }
            cl.deliver(out -> {
                openSingleStream(out);
                streamReply(out, key, s, from, cnt);
            });
            return BlockingManager.Outcome.SERVED;
        }, Reply::nullArray);
    }

    private static void openSingleStream(Reply out) {
        if (out.protocol() == 2) {
            out.array(1);
        } else {
            out.map(1);
        }
    }

    /**
     * A blocked XREADGROUP whose key was signalled: an error when the stream or the group is gone,
     * else the entries after the group's last delivered ID (which other readers of the group may
     * have moved since this one blocked) when the stream's last ID is past it.
     */
    private static BlockingManager.Outcome serveBlockedGroupReader(Client cl, Db db, byte[] key, ReadArgs a, long cnt) {
        Object v = db.lookup(key, Db.LOOKUP_NONOTIFY | Db.LOOKUP_NOSTATS);
        if (!(v instanceof Stream s)) {
            cl.deliver(out -> out.error(Errors.UNBLOCKED_STREAM_GONE));
            return BlockingManager.Outcome.SERVED;
        }
        StreamGroup g = s.group(a.group());
        if (g == null) {
            cl.deliver(out -> out.error(Errors.NOGROUP_BLOCKED));
            return BlockingManager.Outcome.SERVED;
        }
        StreamId gt = g.lastId();
        if (s.lastId().compareTo(gt) <= 0) {
            return BlockingManager.Outcome.SKIP;
        }
        StreamGroup.Consumer consumer = readerFor(cl, db, key, g, a);
        List<GroupRead> got = readGroup(cl, key, a, s, g, consumer, gt, cnt, false, cl.server().now());
        cl.dirty(1);
        cl.deliver(out -> {
            openSingleStream(out);
            writeGroupRead(out, key, got);
        });
        return BlockingManager.Outcome.SERVED;
    }

    /** An entry read through a group: fields null when it was deleted (history reads only). */
    private record GroupRead(StreamId id, byte[][] fields) {
    }

    /**
     * Reads for a consumer: its pending entries after gt (history, each delivered again), or the
     * entries after gt never delivered to the group ("&gt;"), recorded in the group as delivered.
     * At most count entries (0 = all).
     */
    /**
     * The reading consumer, created when new; a NOACK reader's creation is propagated (no XCLAIM
     * will create it on a replica), as Redis 7.0.
     */
    private static StreamGroup.Consumer readerFor(Client c, Db db, byte[] key, StreamGroup g, ReadArgs a) {
        boolean exists = g.consumer(a.consumer()) != null;
        StreamGroup.Consumer consumer = StreamGroupCommands.consumerFor(c, db, key, g, a.consumer());
        if (!exists && a.noAck()) {
            StreamGroupCommands.propagateCreateConsumer(c, key, a.group(), a.consumer());
        }
        return consumer;
    }

    /**
     * As below, propagating new deliveries: each pending one as XCLAIM ... JUSTID, and the group's
     * new position as XGROUP SETID after a NOACK read.
     */
    private static List<GroupRead> readGroup(Client c, byte[] key, ReadArgs a, Stream s, StreamGroup g,
            StreamGroup.Consumer consumer, StreamId gt, long count, boolean history, long now) {
        List<GroupRead> got = readGroup(s, g, consumer, gt, count, a.noAck(), history, now);
        if (history || got.isEmpty()) {
            return got;
        }
        if (a.noAck()) {
            StreamGroupCommands.propagateSetId(c, key, a.group(), g);
            return got;
        }
        // each claim carries the group's last ID as it was right after that delivery: the entry's
        for (GroupRead e : got) {
            StreamGroupCommands.propagateClaim(c, key, a.group(), e.id().toBytes(), g.pel().get(e.id()), e.id());
        }
        return got;
    }

    private static List<GroupRead> readGroup(Stream s, StreamGroup g, StreamGroup.Consumer consumer, StreamId gt,
            long count, boolean noAck, boolean history, long now) {
        List<GroupRead> out = new java.util.ArrayList<>();
        StreamId start = gt.next();
        if (start == null) {
            return out;
        }
        if (history) {
            for (var e : consumer.pel().tailMap(start, true).entrySet()) {
                if (count > 0 && out.size() >= count) {
                    break;
                }
                byte[][] f = s.get(e.getKey());
                if (f != null) {
                    e.getValue().deliveryTime = now;
                    e.getValue().deliveryCount++;
                }
                out.add(new GroupRead(e.getKey(), f));
            }
            return out;
        }
        s.range(start, StreamId.MAX, false, count, (id, f) -> {
            g.delivered(s, id, consumer, noAck, now);
            return out.add(new GroupRead(id, f));
        });
        return out;
    }

    private static void writeGroupRead(Reply r, byte[] key, List<GroupRead> got) {
        if (r.protocol() == 2) {
            r.array(2);
        }
        r.bulk(key);
        r.array(got.size());
        for (GroupRead e : got) {
            if (e.fields() == null) {
                r.array(2);
                r.bulk(e.id().toBytes());
                r.nullArray();
            } else {
                entry(r, e.id(), e.fields());
            }
        }
    }

    /** One stream of an XREAD reply: [key, entries] in RESP2, key => entries in RESP3 (the caller opened the aggregate). */
    private static void streamReply(Reply r, byte[] key, Stream s, StreamId after, long count) {
        if (r.protocol() == 2) {
            r.array(2);
        }
        r.bulk(key);
        Object h = r.deferredArray();
        StreamId start = after.next();
        long got = start == null ? 0 : s.range(start, StreamId.MAX, false, count, (id, f) -> entry(r, id, f));
        r.finishDeferred(h, (int) got);
    }

    /** A strict stream ID argument (no "-" or "+"); replies the error and returns null when invalid. */
    static StreamId strictId(Client c, byte[] arg) {
        StreamId.Parsed p = StreamId.parse(arg, true, false, 0);
        if (p == null) {
            c.error(Errors.STREAM_INVALID_ID);
            return null;
        }
        return p.id();
    }
}
