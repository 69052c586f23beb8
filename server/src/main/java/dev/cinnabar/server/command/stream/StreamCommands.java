package dev.cinnabar.server.command.stream;

import dev.cinnabar.server.blocking.BlockingManager;
import dev.cinnabar.server.command.CommandFamily;
import dev.cinnabar.server.command.CommandTable;
import dev.cinnabar.server.protocol.Errors;
import dev.cinnabar.server.protocol.Reply;
import dev.cinnabar.server.session.Client;
import dev.cinnabar.server.store.Db;
import dev.cinnabar.server.store.Notify;
import dev.cinnabar.server.store.Numbers;
import dev.cinnabar.server.store.stream.Stream;
import dev.cinnabar.server.store.stream.StreamId;

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
    }

    /** Marks the stream node directives as read by the server (XADD sizes its nodes with them). */
    public static void install(dev.cinnabar.server.ServerContext ctx) {
        ctx.config().implemented("stream-node-max-bytes");
        ctx.config().implemented("stream-node-max-entries");
    }

    /** Sentinel for "the key holds another type" (WRONGTYPE was replied). */
    static final Stream WRONG = new Stream();

    static Stream checked(Client c, Object v) {
        if (v == null) {
            return null;
        }
        if (v instanceof Stream s) {
            return s;
        }
        c.error(Errors.WRONGTYPE);
        return WRONG;
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
        c.server().dirty++;
        if (a.trim() && trim(s, a) > 0) {
            db.notify(Notify.STREAM, "xtrim", key);
        }
        BlockingManager.of(c.server()).signalKeyAsReady(db, key);
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
        boolean startEx = startArg.length > 1 && startArg[0] == '(';
        StreamId start = intervalId(c, startArg, startEx, 0);
        if (start == null) {
            return;
        }
        if (startEx) {
            start = start.next();
            if (start == null) {
                c.error(Errors.STREAM_INVALID_START);
                return;
            }
        }
        boolean endEx = endArg.length > 1 && endArg[0] == '(';
        StreamId end = intervalId(c, endArg, endEx, -1L);
        if (end == null) {
            return;
        }
        if (endEx) {
            end = end.prev();
            if (end == null) {
                c.error(Errors.STREAM_INVALID_END);
                return;
            }
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
            StreamId.Parsed p = StreamId.parse(c.arg(j), true, false, 0);
            if (p == null) {
                c.error(Errors.STREAM_INVALID_ID);
                return;
            }
            ids[j - 2] = p.id();
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
            c.server().dirty += deleted;
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
            c.server().dirty += deleted;
        }
        c.reply().integer(deleted);
    }

    void xsetid(Client c) {
        StreamId.Parsed p = StreamId.parse(c.arg(2), true, false, 0);
        if (p == null) {
            c.error(Errors.STREAM_INVALID_ID);
            return;
        }
        StreamId id = p.id();
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
                StreamId.Parsed m = StreamId.parse(c.arg(i + 1), true, false, 0);
                if (m == null) {
                    c.error(Errors.STREAM_INVALID_ID);
                    return;
                }
                if (id.compareTo(m.id()) < 0) {
                    c.error(Errors.XSETID_BELOW_GIVEN_MAXDELETED);
                    return;
                }
                maxDel = m.id();
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
        c.server().dirty++;
    }

    /**
     * XREAD [COUNT n] [BLOCK ms] STREAMS key... id...: entries after each ID ("$" = the stream's
     * last ID when the command runs). Served at once when any stream has a newer entry; otherwise
     * blocks (BLOCK) until an XADD gives one of the streams an entry after its ID, replying with
     * that stream only, or replies a null array.
     */
    void xread(Client c) {
        long count = 0;
        long timeoutMs = -1;
        int streamsArg = 0;
        int n = 0;
        for (int i = 1; i < c.argc(); i++) {
            boolean more = i + 1 < c.argc();
            String o = new String(c.arg(i), java.nio.charset.StandardCharsets.ISO_8859_1);
            if (o.equalsIgnoreCase("block") && more) {
                i++;
                Long v = Numbers.parseLong(c.arg(i));
                if (v == null) {
                    c.error(Errors.TIMEOUT_NOT_INTEGER);
                    return;
                }
                if (v < 0) {
                    c.error(Errors.TIMEOUT_NEGATIVE);
                    return;
                }
                timeoutMs = v;
            } else if (o.equalsIgnoreCase("count") && more) {
                i++;
                Long v = Numbers.parseLong(c.arg(i));
                if (v == null) {
                    c.error(Errors.NOT_INTEGER);
                    return;
                }
                count = Math.max(v, 0);
            } else if (o.equalsIgnoreCase("streams") && more) {
                streamsArg = i + 1;
                n = c.argc() - streamsArg;
                if (n % 2 != 0) {
                    c.error(Errors.xreadUnbalanced("xread", '$'));
                    return;
                }
                n /= 2;
                break;
            } else {
                c.error(Errors.SYNTAX);
                return;
            }
        }
        if (streamsArg == 0) {
            c.error(Errors.SYNTAX);
            return;
        }
        Db db = c.db();
        byte[][] keys = new byte[n][];
        StreamId[] after = new StreamId[n];
        for (int k = 0; k < n; k++) {
            keys[k] = c.arg(streamsArg + k);
            byte[] idArg = c.arg(streamsArg + n + k);
            Stream s = checked(c, db.lookupRead(keys[k]));
            if (s == WRONG) {
                return;
            }
            if (idArg.length == 1 && idArg[0] == '$') {
                after[k] = s == null ? StreamId.MIN : s.lastId();
                continue;
            }
            if (idArg.length == 1 && idArg[0] == '>') {
                c.error(Errors.XREAD_GT_ID);
                return;
            }
            StreamId.Parsed p = StreamId.parse(idArg, true, false, 0);
            if (p == null) {
                c.error(Errors.STREAM_INVALID_ID);
                return;
            }
            after[k] = p.id();
        }
        Reply r = c.reply();
        Object h = null;
        int served = 0;
        for (int k = 0; k < n; k++) {
            Stream s = checked(c, db.lookupRead(keys[k]));
            if (s == null || s.length() == 0 || s.lastLiveId().compareTo(after[k]) <= 0) {
                continue;
            }
            if (h == null) {
                h = r.protocol() == 2 ? r.deferredArray() : r.deferredMap();
            }
            served++;
            streamReply(r, keys[k], s, after[k], count);
        }
        if (h != null) {
            r.finishDeferred(h, served);
            return;
        }
        if (timeoutMs < 0) {
            r.nullArray();
            return;
        }
        BlockingManager bm = BlockingManager.of(c.server());
        if (!bm.canBlock(c)) {
            r.nullArray();
            return;
        }
        long deadline = 0;
        if (timeoutMs > 0) {
            long now = c.server().now();
            deadline = timeoutMs > Long.MAX_VALUE - now ? Long.MAX_VALUE : now + timeoutMs;
        }
        final long cnt = count;
        final int nStreams = n;
        java.util.List<byte[]> keyList = java.util.Arrays.asList(keys);
        bm.block(c, keyList, deadline, "stream", (cl, bdb, key) -> {
            Object v = bdb.lookupRead(key);
            if (!(v instanceof Stream s)) {
                return BlockingManager.Outcome.SKIP;
            }
            int k = 0;
            while (k < nStreams - 1 && !java.util.Arrays.equals(keys[k], key)) {
                k++;
            }
            StreamId from = after[k];
            if (s.length() == 0 || s.lastLiveId().compareTo(from) <= 0) {
                return BlockingManager.Outcome.SKIP;
            }
            cl.deliver(out -> {
                if (out.protocol() == 2) {
                    out.array(1);
                } else {
                    out.map(1);
                }
                streamReply(out, key, s, from, cnt);
            });
            return BlockingManager.Outcome.SERVED;
        }, Reply::nullArray);
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
}
