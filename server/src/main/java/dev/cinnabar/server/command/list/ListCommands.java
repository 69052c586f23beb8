package dev.cinnabar.server.command.list;

import dev.cinnabar.server.ServerContext;
import dev.cinnabar.server.ServerCron;
import dev.cinnabar.server.blocking.BlockingManager;
import dev.cinnabar.server.blocking.BlockingManager.Outcome;
import dev.cinnabar.server.command.TypedLookup;
import dev.cinnabar.server.command.CommandFamily;
import dev.cinnabar.server.command.CommandTable;
import dev.cinnabar.server.propagate.Propagator;
import dev.cinnabar.server.protocol.Errors;
import dev.cinnabar.server.protocol.Reply;
import dev.cinnabar.server.session.Client;
import dev.cinnabar.server.store.Db;
import dev.cinnabar.server.store.Notify;
import dev.cinnabar.server.store.Numbers;
import dev.cinnabar.server.store.list.QuickList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * List commands, blocking ones included, with Redis 7.0's replies, errors and keyspace events.
 * Blocking commands park the client in the {@link BlockingManager} with a waiter that re-checks
 * the key when it is signalled ready; inside MULTI/EXEC and scripts they answer at once.
 */
public final class ListCommands implements CommandFamily {
    @Override
    public void register(CommandTable t) {
        t.bind("lpush", c -> push(c, true, false));
        t.bind("rpush", c -> push(c, false, false));
        t.bind("lpushx", c -> push(c, true, true));
        t.bind("rpushx", c -> push(c, false, true));
        t.bind("lpop", c -> pop(c, true));
        t.bind("rpop", c -> pop(c, false));
        t.bind("llen", this::llen);
        t.bind("lindex", this::lindex);
        t.bind("lset", this::lset);
        t.bind("lrange", this::lrange);
        t.bind("ltrim", this::ltrim);
        t.bind("lrem", this::lrem);
        t.bind("linsert", this::linsert);
        t.bind("lpos", this::lpos);
        t.bind("lmove", this::lmove);
        t.bind("rpoplpush", this::rpoplpush);
        t.bind("lmpop", c -> lmpop(c, false));
        t.bind("blpop", c -> blockingPop(c, true));
        t.bind("brpop", c -> blockingPop(c, false));
        t.bind("blmove", this::blmove);
        t.bind("brpoplpush", this::brpoplpush);
        t.bind("blmpop", c -> lmpop(c, true));
        t.bind("client", "unblock", this::clientUnblock);
    }

    /** Installs the blocking manager (timeouts in the cron) and marks the list directives as read. */
    public static void install(ServerContext ctx, ServerCron cron) {
        BlockingManager.install(ctx, cron);
        ctx.config().implemented("list-max-listpack-size");
        // list-compress-depth: read when a list is made, as Redis's quicklistCreate does
        ctx.config().entry("list-compress-depth").onApply(v -> QuickList.compressDepth(ctx.config().listCompressDepth));
        QuickList.compressDepth(ctx.config().listCompressDepth);
        ctx.config().implemented("list-compress-depth");
        ctx.config().implemented("hash-max-listpack-entries");
        ctx.config().implemented("hash-max-listpack-value");
    }

    private static int fill(Client c) {
        return c.server().config().listMaxListpackSize;
    }

    private static final TypedLookup<QuickList> LISTS = new TypedLookup<>(QuickList.class, new QuickList());
    /** Marker for "the key holds another type" (WRONGTYPE was replied). */
    private static final Object WRONG = LISTS.wrong();

    /** The list at key for a write, null when missing; replies WRONGTYPE and returns WRONG otherwise. */
    private static Object listForWrite(Client c, byte[] key) {
        return LISTS.write(c, key);
    }

    private static Object listForRead(Client c, byte[] key) {
        return LISTS.read(c, key);
    }

    private static Long parseLong(Client c, byte[] arg) {
        Long v = Numbers.parseLong(arg);
        if (v == null) {
            c.error(Errors.NOT_INTEGER);
        }
        return v;
    }

    /** LEFT/RIGHT (case-insensitive): 1 for left (head), 0 for right, -1 after a syntax error. */
    private static int position(Client c, byte[] arg) {
        String s = new String(arg, java.nio.charset.StandardCharsets.ISO_8859_1);
        if (s.equalsIgnoreCase("left")) {
            return 1;
        }
        if (s.equalsIgnoreCase("right")) {
            return 0;
        }
        c.error(Errors.SYNTAX);
        return -1;
    }

    private static boolean is(byte[] arg, String word) {
        return new String(arg, java.nio.charset.StandardCharsets.ISO_8859_1).equalsIgnoreCase(word);
    }

    /** After removing elements: deletes the emptied list with the "del" event. */
    /*
     * SERVED_POP: serving a blocked BLPOP/BRPOP/BLMOVE pops from the key that readied it without
     * signalling that key again, as Redis 7.0 (the push that readied it has signalled it: WATCH,
     * tracking); a served BLMPOP does signal it. Observable through BCAST NOLOOP: the invalidation
     * of the key stays attributed to the pusher, so a NOLOOP client served from it still hears of
     * it after a BLPOP or BLMOVE, and not after a BLMPOP (checked against Redis 7.0.15).
     */

    private static void deleteIfEmpty(Db db, byte[] key, QuickList q) {
        if (q.isEmpty()) {
            db.removeSilently(key);
            db.notify(Notify.GENERIC, "del", key);
        }
    }

    /** For a waiter: the non-empty list at key, or the outcome when there is none to serve from. */
    private static Object waitedList(Db db, byte[] key) {
        Object o = db.lookupWrite(key);
        if (o == null) {
            return Outcome.EXHAUSTED;
        }
        if (!(o instanceof QuickList q)) {
            return Outcome.SKIP; // clients of another type may take it
        }
        return q.isEmpty() ? Outcome.EXHAUSTED : q;
    }

    /** Parses the start and stop arguments (2 and 3); null after an error reply. */
    private static long[] startStop(Client c) {
        Long start = parseLong(c, c.arg(2));
        if (start == null) {
            return null;
        }
        Long end = parseLong(c, c.arg(3));
        return end == null ? null : new long[] {start, end};
    }

    /**
     * Redis's index arithmetic for LRANGE/LTRIM: negative indexes count from the tail, start is
     * clamped to 0 and end to the last index. Null when the range is empty.
     */
    static long[] clamp(long start, long end, long len) {
        long s = start < 0 ? len + start : start;
        long e = end < 0 ? len + end : end;
        if (s < 0) {
            s = 0;
        }
        if (s > e || s >= len) {
            return null;
        }
        return new long[] {s, Math.min(e, len - 1)};
    }

    // ---- push / pop

    void push(Client c, boolean head, boolean onlyExisting) {
        byte[] key = c.arg(1);
        Object o = listForWrite(c, key);
        if (o == WRONG) {
            return;
        }
        Db db = c.db();
        QuickList q = (QuickList) o;
        if (q == null) {
            if (onlyExisting) {
                c.reply().integer(0);
                return;
            }
            q = new QuickList();
            db.add(key, q);
        }
        int fill = fill(c);
        for (int i = 2; i < c.argc(); i++) {
            q.push(c.arg(i), head, fill);
        }
        c.reply().integer(q.size());
        db.signalModified(key);
        db.notify(Notify.LIST, head ? "lpush" : "rpush", key);
        c.dirty(c.argc() - 2);
    }

    void pop(Client c, boolean head) {
        if (c.argc() > 3) {
            c.error(Errors.wrongArgs(head ? "lpop" : "rpop"));
            return;
        }
        long count = -1;
        if (c.argc() == 3) {
            Long n = Numbers.parseLong(c.arg(2));
            if (n == null || n < 0) {
                c.error(Errors.NOT_POSITIVE);
                return;
            }
            count = n;
        }
        byte[] key = c.arg(1);
        Object o = listForWrite(c, key);
        if (o == WRONG) {
            return;
        }
        if (o == null) {
            if (count >= 0) {
                c.reply().nullArray();
            } else {
                c.reply().nullBulk();
            }
            return;
        }
        QuickList q = (QuickList) o;
        Db db = c.db();
        if (count < 0) {
            c.reply().bulk(q.pop(head));
            popped(c, db, key, q, head, 1);
            return;
        }
        long n = Math.min(count, q.size());
        c.reply().array((int) n);
        for (long i = 0; i < n; i++) {
            c.reply().bulk(q.pop(head));
        }
        if (n > 0) {
            popped(c, db, key, q, head, n);
        }
    }

    /** Events and bookkeeping after popping n elements from the list at key. */
    private static void popped(Client c, Db db, byte[] key, QuickList q, boolean head, long n) {
        db.notify(Notify.LIST, head ? "lpop" : "rpop", key);
        deleteIfEmpty(db, key, q);
        db.signalModified(key);
        c.dirty(n);
    }

    // ---- reading

    void llen(Client c) {
        Object o = listForRead(c, c.arg(1));
        if (o == WRONG) {
            return;
        }
        c.reply().integer(o == null ? 0 : ((QuickList) o).size());
    }

    void lindex(Client c) {
        Object o = listForRead(c, c.arg(1));
        if (o == WRONG) {
            return;
        }
        if (o == null) {
            c.reply().nullBulk();
            return;
        }
        Long idx = parseLong(c, c.arg(2));
        if (idx == null) {
            return;
        }
        byte[] v = ((QuickList) o).index(idx);
        if (v == null) {
            c.reply().nullBulk();
        } else {
            c.reply().bulk(v);
        }
    }

    void lset(Client c) {
        byte[] key = c.arg(1);
        Object o = listForWrite(c, key);
        if (o == WRONG) {
            return;
        }
        if (o == null) {
            c.error(Errors.NO_SUCH_KEY);
            return;
        }
        Long idx = parseLong(c, c.arg(2));
        if (idx == null) {
            return;
        }
        if (!((QuickList) o).set(idx, c.arg(3), fill(c))) {
            c.error(Errors.OUT_OF_RANGE);
            return;
        }
        c.reply().ok();
        c.db().signalModified(key);
        c.db().notify(Notify.LIST, "lset", key);
        c.dirty(1);
    }

    void lrange(Client c) {
        long[] se = startStop(c);
        if (se == null) {
            return;
        }
        long start = se[0];
        long end = se[1];
        Object o = listForRead(c, c.arg(1));
        if (o == WRONG) {
            return;
        }
        if (o == null) {
            c.reply().emptyArray();
            return;
        }
        QuickList q = (QuickList) o;
        long[] range = clamp(start, end, q.size());
        if (range == null) {
            c.reply().emptyArray();
            return;
        }
        Reply r = c.reply();
        r.array((int) (range[1] - range[0] + 1));
        q.range(range[0], range[1], r::bulk);
    }

    void ltrim(Client c) {
        long[] se = startStop(c);
        if (se == null) {
            return;
        }
        long start = se[0];
        long end = se[1];
        byte[] key = c.arg(1);
        Object o = listForWrite(c, key);
        if (o == WRONG) {
            return;
        }
        if (o == null) {
            c.reply().ok();
            return;
        }
        QuickList q = (QuickList) o;
        long len = q.size();
        long[] range = clamp(start, end, len);
        long ltrim = range == null ? len : range[0];
        long rtrim = range == null ? 0 : len - range[1] - 1;
        q.removeHead(ltrim);
        q.removeTail(rtrim);
        Db db = c.db();
        db.notify(Notify.LIST, "ltrim", key);
        deleteIfEmpty(db, key, q);
        db.signalModified(key);
        c.dirty(ltrim + rtrim);
        c.reply().ok();
    }

    void lrem(Client c) {
        Long count = parseLong(c, c.arg(2));
        if (count == null) {
            return;
        }
        byte[] key = c.arg(1);
        Object o = listForWrite(c, key);
        if (o == WRONG) {
            return;
        }
        if (o == null) {
            c.reply().integer(0);
            return;
        }
        QuickList q = (QuickList) o;
        byte[] v = c.arg(3);
        long removed = 0;
        boolean fromTail = count < 0;
        long limit = count == 0 ? Long.MAX_VALUE : (fromTail ? -count : count);
        if (count == Long.MIN_VALUE) {
            limit = Long.MAX_VALUE;
        }
        QuickList.Cursor cur = q.cursor(fromTail ? q.size() - 1 : 0, !fromTail);
        while (cur.valid() && removed < limit) {
            if (cur.equalsValue(v)) {
                cur.remove();
                removed++;
            } else {
                cur.advance();
            }
        }
        q.settle(); // the nodes the removals decompressed are compressed again
        Db db = c.db();
        if (removed > 0) {
            db.notify(Notify.LIST, "lrem", key);
            deleteIfEmpty(db, key, q);
            db.signalModified(key);
            c.dirty(removed);
        }
        c.reply().integer(removed);
    }

    void linsert(Client c) {
        boolean after;
        if (is(c.arg(2), "after")) {
            after = true;
        } else if (is(c.arg(2), "before")) {
            after = false;
        } else {
            c.error(Errors.SYNTAX);
            return;
        }
        byte[] key = c.arg(1);
        Object o = listForWrite(c, key);
        if (o == WRONG) {
            return;
        }
        if (o == null) {
            c.reply().integer(0);
            return;
        }
        QuickList q = (QuickList) o;
        if (!q.insert(c.arg(3), c.arg(4), after, fill(c))) {
            c.reply().integer(-1);
            return;
        }
        c.db().signalModified(key);
        c.db().notify(Notify.LIST, "linsert", key);
        c.dirty(1);
        c.reply().integer(q.size());
    }

    void lpos(Client c) {
        long rank = 1;
        long count = -1;
        long maxlen = 0;
        for (int j = 3; j < c.argc(); j++) {
            boolean more = j + 1 < c.argc();
            byte[] opt = c.arg(j);
            if (is(opt, "rank") && more) {
                Long v = parseLong(c, c.arg(++j));
                if (v == null) {
                    return;
                }
                if (v == 0) {
                    c.error(Errors.LPOS_RANK_ZERO);
                    return;
                }
                rank = v;
            } else if (is(opt, "count") && more) {
                Long v = Numbers.parseLong(c.arg(++j));
                if (v == null || v < 0) {
                    c.error(Errors.LPOS_COUNT_NEGATIVE);
                    return;
                }
                count = v;
            } else if (is(opt, "maxlen") && more) {
                Long v = Numbers.parseLong(c.arg(++j));
                if (v == null || v < 0) {
                    c.error(Errors.LPOS_MAXLEN_NEGATIVE);
                    return;
                }
                maxlen = v;
            } else {
                c.error(Errors.SYNTAX);
                return;
            }
        }
        boolean fromHead = true;
        if (rank < 0) {
            rank = -rank; // Long.MIN_VALUE stays negative, as in Redis: every match then qualifies
            fromHead = false;
        }
        Object o = listForRead(c, c.arg(1));
        if (o == WRONG) {
            return;
        }
        if (o == null) {
            if (count != -1) {
                c.reply().emptyArray();
            } else {
                c.reply().nullBulk();
            }
            return;
        }
        QuickList q = (QuickList) o;
        long len = q.size();
        byte[] ele = c.arg(2);
        List<Long> found = count != -1 ? new ArrayList<>() : null;
        QuickList.Cursor cur = q.cursor(fromHead ? 0 : len - 1, fromHead);
        long index = 0;
        long matches = 0;
        long matchIndex = -1;
        while (cur.valid() && (maxlen == 0 || index < maxlen)) {
            if (cur.equalsValue(ele)) {
                matches++;
                matchIndex = fromHead ? index : len - index - 1;
                if (matches >= rank) {
                    if (found != null) {
                        found.add(matchIndex);
                        if (count != 0 && matches - rank + 1 >= count) {
                            break;
                        }
                    } else {
                        break;
                    }
                }
            }
            index++;
            matchIndex = -1;
            cur.advance();
        }
        if (found != null) {
            c.reply().array(found.size());
            for (long i : found) {
                c.reply().integer(i);
            }
        } else if (matchIndex != -1) {
            c.reply().integer(matchIndex);
        } else {
            c.reply().nullBulk();
        }
    }

    // ---- moving

    void lmove(Client c) {
        int from = position(c, c.arg(3));
        if (from < 0) {
            return;
        }
        int to = position(c, c.arg(4));
        if (to < 0) {
            return;
        }
        lmoveGeneric(c, from == 1, to == 1);
    }

    void rpoplpush(Client c) {
        lmoveGeneric(c, false, true);
    }

    private void lmoveGeneric(Client c, boolean fromHead, boolean toHead) {
        byte[] src = c.arg(1);
        byte[] dst = c.arg(2);
        Object so = listForWrite(c, src);
        if (so == WRONG) {
            return;
        }
        if (so == null) {
            c.reply().nullBulk();
            return;
        }
        Object dobj = listForWrite(c, dst);
        if (dobj == WRONG) {
            return;
        }
        move(c, c.db(), src, (QuickList) so, dst, (QuickList) dobj, fromHead, toHead, false, v -> c.reply().bulk(v));
    }

    /** What BLMOVE / BRPOPLPUSH propagate: their non-blocking form, with the user's LEFT/RIGHT words. */
    private static byte[][] nonBlockingMove(Client c) {
        return c.argc() == 4 ? new byte[][] {RPOPLPUSH, c.arg(1), c.arg(2)}
                : new byte[][] {LMOVE, c.arg(1), c.arg(2), c.arg(3), c.arg(4)};
    }

    private static final byte[] LPOP = Propagator.bytes("LPOP");
    private static final byte[] RPOP = Propagator.bytes("RPOP");
    private static final byte[] LMOVE = Propagator.bytes("LMOVE");
    private static final byte[] RPOPLPUSH = Propagator.bytes("RPOPLPUSH");

    /**
     * A pop propagated as LPOP/RPOP key [n] (BLPOP, LMPOP, BLMPOP with the count actually popped):
     * a rewrite of the running call, or, for a served blocked client, a command of its own unit.
     */
    private static void propagatePop(Client c, boolean served, boolean head, byte[] key, long count) {
        byte[][] argv = count < 0 ? new byte[][] {head ? LPOP : RPOP, key}
                : new byte[][] {head ? LPOP : RPOP, key, Propagator.bytes(count)};
        if (served) {
            c.alsoPropagate(argv);
        } else {
            c.rewriteArgv(argv);
        }
    }

    /**
     * Pops from src and pushes to dst (created when missing), with Redis's events, and hands the
     * element to {@code reply} in Redis's order: dst's invalidation and push event before the
     * reply, src's pop event and invalidation after it (a client that receives them itself, a
     * REDIRECT target or a RESP3 subscriber, sees them in that order around the element).
     * {@code served}: for a blocked BLMOVE, where src is not signalled (see SERVED_POP).
     */
    static void move(Client c, Db db, byte[] src, QuickList sq, byte[] dst, QuickList dq,
                     boolean fromHead, boolean toHead, boolean served, java.util.function.Consumer<byte[]> reply) {
        byte[] v = sq.pop(fromHead);
        if (dq == null) {
            dq = new QuickList();
            db.add(dst, dq);
        }
        dq.push(v, toHead, c.server().config().listMaxListpackSize);
        db.signalModified(dst);
        db.notify(Notify.LIST, toHead ? "lpush" : "rpush", dst);
        reply.accept(v);
        db.notify(Notify.LIST, fromHead ? "lpop" : "rpop", src);
        deleteIfEmpty(db, src, sq);
        if (!served) {
            db.signalModified(src);
        }
        c.dirty(1);
    }

    // ---- LMPOP / BLMPOP

    /** Parsed LMPOP/BLMPOP arguments. */
    record MpopArgs(long deadline, List<byte[]> keys, boolean fromHead, long count) {
        /** Parses, replying with the error and returning null when invalid. */
        static MpopArgs parse(Client c, boolean blocking, BlockingManager bm) {
            int numkeysIdx = blocking ? 2 : 1;
            Long numkeys = Numbers.parseLong(c.arg(numkeysIdx));
            if (numkeys == null || numkeys < 1) {
                c.error(Errors.NUMKEYS_POSITIVE);
                return null;
            }
            long whereIdx = numkeysIdx + numkeys + 1;
            if (whereIdx >= c.argc() || whereIdx < 0) {
                c.error(Errors.SYNTAX);
                return null;
            }
            int w = position(c, c.arg((int) whereIdx));
            if (w < 0) {
                return null;
            }
            long count = -1;
            for (int j = (int) whereIdx + 1; j < c.argc(); j++) {
                boolean more = j + 1 < c.argc();
                if (count == -1 && is(c.arg(j), "count") && more) {
                    Long n = Numbers.parseLong(c.arg(++j));
                    if (n == null || n < 1) {
                        c.error(Errors.COUNT_POSITIVE);
                        return null;
                    }
                    count = n;
                } else {
                    c.error(Errors.SYNTAX);
                    return null;
                }
            }
            if (count == -1) {
                count = 1;
            }
            long deadline = 0;
            if (blocking) {
                deadline = bm.timeoutDeadline(c, c.arg(1));
                if (deadline < 0) {
                    return null;
                }
            }
            List<byte[]> keys = new ArrayList<>();
            for (int i = numkeysIdx + 1; i < whereIdx; i++) {
                keys.add(c.arg(i));
            }
            return new MpopArgs(deadline, keys, w == 1, count);
        }
    }

    void lmpop(Client c, boolean blocking) {
        BlockingManager bm = BlockingManager.of(c.server());
        MpopArgs a = MpopArgs.parse(c, blocking, bm);
        if (a == null) {
            return;
        }
        for (byte[] key : a.keys()) {
            Object o = listForWrite(c, key);
            if (o == WRONG) {
                return;
            }
            if (o != null) {
                QuickList q = (QuickList) o;
                propagatePop(c, false, a.fromHead(), key, Math.min(a.count(), q.size()));
                popRangeWithKey(c, c.db(), c.reply(), key, q, a.fromHead(), a.count());
                return;
            }
        }
        if (!blocking || !bm.canBlock(c)) {
            c.reply().nullArray();
            return;
        }
        bm.block(c, a.keys(), a.deadline(), "list", (cl, db, key) -> {
            Object w = waitedList(db, key);
            if (w instanceof Outcome o) {
                return o;
            }
            QuickList q = (QuickList) w;
            propagatePop(cl, true, a.fromHead(), key, Math.min(a.count(), q.size()));
            // BLMPOP served does signal the key (Redis 7.0 pops with signal on here, unlike SERVED_POP)
            cl.deliver(r -> popRangeWithKey(cl, db, r, key, q, a.fromHead(), a.count()));
            return Outcome.SERVED;
        }, Reply::nullArray);
    }

    /** Pops up to count elements and replies [key, [elements]] (listPopRangeAndReplyWithKey). */
    private static void popRangeWithKey(Client c, Db db, Reply r, byte[] key, QuickList q,
                                        boolean fromHead, long count) {
        long n = Math.min(count, q.size());
        r.array(2);
        r.bulk(key);
        r.array((int) n);
        for (long i = 0; i < n; i++) {
            r.bulk(q.pop(fromHead));
        }
        db.notify(Notify.LIST, fromHead ? "lpop" : "rpop", key);
        deleteIfEmpty(db, key, q);
        db.signalModified(key);
        c.dirty(n);
    }

    // ---- BLPOP / BRPOP

    void blockingPop(Client c, boolean head) {
        BlockingManager bm = BlockingManager.of(c.server());
        long deadline = bm.timeoutDeadline(c, c.arg(c.argc() - 1));
        if (deadline < 0) {
            return;
        }
        Db db = c.db();
        List<byte[]> keys = Arrays.asList(c.argv()).subList(1, c.argc() - 1);
        for (byte[] key : keys) {
            Object o = listForWrite(c, key);
            if (o == WRONG) {
                return;
            }
            if (o != null) {
                QuickList q = (QuickList) o;
                byte[] v = q.pop(head);
                c.reply().array(2);
                c.reply().bulk(key);
                c.reply().bulk(v);
                popped(c, db, key, q, head, 1);
                propagatePop(c, false, head, key, -1);
                return;
            }
        }
        if (!bm.canBlock(c)) {
            c.reply().nullArray();
            return;
        }
        bm.block(c, new ArrayList<>(keys), deadline, "list", (cl, d, key) -> {
            Object w = waitedList(d, key);
            if (w instanceof Outcome o) {
                return o;
            }
            QuickList q = (QuickList) w;
            byte[] v = q.pop(head);
            cl.deliver(r -> {
                r.array(2);
                r.bulk(key);
                r.bulk(v);
            });
            d.notify(Notify.LIST, head ? "lpop" : "rpop", key);
            deleteIfEmpty(d, key, q); // not signalled: see SERVED_POP
            cl.dirty(1);
            propagatePop(cl, true, head, key, -1);
            return Outcome.SERVED;
        }, Reply::nullArray);
    }

    // ---- BLMOVE / BRPOPLPUSH

    void blmove(Client c) {
        int from = position(c, c.arg(3));
        if (from < 0) {
            return;
        }
        int to = position(c, c.arg(4));
        if (to < 0) {
            return;
        }
        blmoveGeneric(c, from == 1, to == 1, c.arg(5));
    }

    void brpoplpush(Client c) {
        blmoveGeneric(c, false, true, c.arg(3));
    }

    private void blmoveGeneric(Client c, boolean fromHead, boolean toHead, byte[] timeout) {
        BlockingManager bm = BlockingManager.of(c.server());
        long deadline = bm.timeoutDeadline(c, timeout);
        if (deadline < 0) {
            return;
        }
        byte[] src = c.arg(1);
        Object so = listForWrite(c, src);
        if (so == WRONG) {
            return;
        }
        if (so != null) {
            c.rewriteArgv(nonBlockingMove(c));
            lmoveGeneric(c, fromHead, toHead);
            return;
        }
        if (!bm.canBlock(c)) {
            c.reply().nullBulk();
            return;
        }
        byte[] dst = c.arg(2);
        byte[][] propagated = nonBlockingMove(c);
        bm.block(c, List.of(src), deadline, "list", (cl, db, key) -> {
            Object w = waitedList(db, key);
            if (w instanceof Outcome o) {
                return o;
            }
            QuickList q = (QuickList) w;
            Object d = db.lookupWrite(dst);
            if (d != null && !(d instanceof QuickList)) {
                // As Redis: the client gets WRONGTYPE and is unblocked; the element stays for others.
                cl.deliver(r -> r.error(Errors.WRONGTYPE));
                return Outcome.SERVED;
            }
            move(cl, db, key, q, dst, (QuickList) d, fromHead, toHead, true, v -> {
                cl.alsoPropagate(propagated);
                cl.deliver(r -> r.bulk(v));
            });
            return Outcome.SERVED;
        }, Reply::nullArray);
    }

    // ---- CLIENT UNBLOCK

    void clientUnblock(Client c) {
        if (c.argc() > 4) {
            c.error(Errors.UNBLOCK_SYNTAX);
            return;
        }
        boolean withError = false;
        if (c.argc() == 4) {
            if (is(c.arg(3), "timeout")) {
                withError = false;
            } else if (is(c.arg(3), "error")) {
                withError = true;
            } else {
                c.error(Errors.UNBLOCK_REASON);
                return;
            }
        }
        Long id = parseLong(c, c.arg(2));
        if (id == null) {
            return;
        }
        Client target = c.server().clients().get(id);
        boolean done = target != null && BlockingManager.of(c.server()).unblockByRequest(target, withError);
        c.reply().integer(done ? 1 : 0);
    }
}
