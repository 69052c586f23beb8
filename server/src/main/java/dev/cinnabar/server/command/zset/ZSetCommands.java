package dev.cinnabar.server.command.zset;

import dev.cinnabar.server.ServerContext;
import dev.cinnabar.server.command.TypedLookup;
import dev.cinnabar.server.command.CommandFamily;
import dev.cinnabar.server.command.CommandTable;
import dev.cinnabar.server.command.ScanArgs;
import dev.cinnabar.server.config.ServerConfig;
import dev.cinnabar.server.propagate.Propagator;
import dev.cinnabar.server.protocol.Errors;
import dev.cinnabar.server.protocol.Reply;
import dev.cinnabar.server.protocol.Texts;
import dev.cinnabar.server.session.Client;
import dev.cinnabar.server.store.Db;
import dev.cinnabar.server.store.Notify;
import dev.cinnabar.server.store.Numbers;
import dev.cinnabar.server.store.zset.LexRange;
import dev.cinnabar.server.store.zset.ScoreRange;
import dev.cinnabar.server.store.zset.Scores;
import dev.cinnabar.server.store.zset.ZSet;
import java.util.ArrayList;
import java.util.List;

/**
 * Sorted-set commands: adding and scoring, ranges by rank/score/lex (and their STORE and REMRANGE
 * forms), popping, random members and scanning. The set algebra (ZUNION, ZINTER, ZDIFF and their
 * STORE forms, ZINTERCARD) lives in {@link ZSetAlgebraCommands}.
 *
 * <p>Argument validation follows Redis's order: options and numbers are parsed before the key is
 * looked up, so a syntax error wins over WRONGTYPE.
 */
public final class ZSetCommands implements CommandFamily {
    @Override
    public void register(CommandTable t) {
        t.bind("zadd", this::zadd);
        t.bind("zincrby", this::zincrby);
        t.bind("zcard", this::zcard);
        t.bind("zscore", this::zscore);
        t.bind("zmscore", this::zmscore);
        t.bind("zrem", this::zrem);
        t.bind("zrank", c -> zrank(c, false));
        t.bind("zrevrank", c -> zrank(c, true));
        t.bind("zcount", this::zcount);
        t.bind("zlexcount", this::zlexcount);
        t.bind("zrange", c -> zrange(c, ZRangeArgs.Type.AUTO, false, false));
        t.bind("zrangestore", c -> zrange(c, ZRangeArgs.Type.AUTO, false, true));
        t.bind("zrevrange", c -> zrange(c, ZRangeArgs.Type.RANK, true, false));
        t.bind("zrangebyscore", c -> zrange(c, ZRangeArgs.Type.SCORE, false, false));
        t.bind("zrevrangebyscore", c -> zrange(c, ZRangeArgs.Type.SCORE, true, false));
        t.bind("zrangebylex", c -> zrange(c, ZRangeArgs.Type.LEX, false, false));
        t.bind("zrevrangebylex", c -> zrange(c, ZRangeArgs.Type.LEX, true, false));
        t.bind("zremrangebyrank", c -> zremrange(c, ZRangeArgs.Type.RANK));
        t.bind("zremrangebyscore", c -> zremrange(c, ZRangeArgs.Type.SCORE));
        t.bind("zremrangebylex", c -> zremrange(c, ZRangeArgs.Type.LEX));
        t.bind("zpopmin", c -> zpop(c, false));
        t.bind("zpopmax", c -> zpop(c, true));
        t.bind("zmpop", this::zmpop);
        t.bind("zrandmember", this::zrandmember);
        t.bind("zscan", this::zscan);
        new ZSetAlgebraCommands().register(t);
        new ZSetBlockingCommands().register(t);
    }

    static ZSet.Limits limits(Client c) {
        ServerConfig cfg = c.server().config();
        return new ZSet.Limits((int) Math.min(Integer.MAX_VALUE, cfg.zsetMaxListpackEntries),
                (int) Math.min(Integer.MAX_VALUE, cfg.zsetMaxListpackValue));
    }

    static final TypedLookup<ZSet> ZSETS = new TypedLookup<>(ZSet.class, new ZSet());
    /** Marker for "the key holds another type" (WRONGTYPE was replied). */
    static final ZSet WRONG = ZSETS.wrong();

    /** The sorted set at key for reading, null if missing, or {@link #WRONG} after a WRONGTYPE reply. */
    static ZSet read(Client c, byte[] key) {
        return ZSETS.read(c, key);
    }

    static ZSet write(Client c, byte[] key) {
        return ZSETS.write(c, key);
    }

    /** Deletes the key when the set became empty (firing "del"); true if deleted. */
    static boolean deleteIfEmpty(Db db, byte[] key, ZSet z) {
        if (z.isEmpty()) {
            db.delete(key);
            db.notify(Notify.GENERIC, "del", key);
            return true;
        }
        return false;
    }

    // ---- ZADD / ZINCRBY

    void zadd(Client c) {
        zaddGeneric(c, false);
    }

    /** ZINCRBY is ZADD with INCR forced: Redis parses ZADD's flags there too (then fails on arity). */
    void zincrby(Client c) {
        zaddGeneric(c, true);
    }

    private void zaddGeneric(Client c, boolean forceIncr) {
        int argc = c.argc();
        int flags = forceIncr ? ZSet.INCR : 0;
        boolean ch = false;
        int i = 2;
        for (; i < argc; i++) {
            byte[] o = c.arg(i);
            if (Texts.is(o, "nx")) {
                flags |= ZSet.NX;
            } else if (Texts.is(o, "xx")) {
                flags |= ZSet.XX;
            } else if (Texts.is(o, "gt")) {
                flags |= ZSet.GT;
            } else if (Texts.is(o, "lt")) {
                flags |= ZSet.LT;
            } else if (Texts.is(o, "ch")) {
                ch = true;
            } else if (Texts.is(o, "incr")) {
                flags |= ZSet.INCR;
            } else {
                break; // the first score
            }
        }
        zaddElements(c, i, flags, ch);
    }

    private void zaddElements(Client c, int first, int flags, boolean ch) {
        int pairs = c.argc() - first;
        if (pairs == 0 || pairs % 2 != 0) {
            c.error(Errors.SYNTAX);
            return;
        }
        pairs /= 2;
        boolean nx = (flags & ZSet.NX) != 0;
        boolean xx = (flags & ZSet.XX) != 0;
        boolean gt = (flags & ZSet.GT) != 0;
        boolean lt = (flags & ZSet.LT) != 0;
        boolean incr = (flags & ZSet.INCR) != 0;
        if (nx && xx) {
            c.error(Errors.ZADD_XX_NX);
            return;
        }
        if ((gt && nx) || (lt && nx) || (gt && lt)) {
            c.error(Errors.ZADD_GT_LT_NX);
            return;
        }
        if (incr && pairs > 1) {
            c.error(Errors.ZADD_INCR_PAIR);
            return;
        }
        double[] scores = new double[pairs];
        for (int j = 0; j < pairs; j++) {
            scores[j] = Scores.parse(c.arg(first + 2 * j));
            if (Double.isNaN(scores[j])) {
                c.error(Errors.NOT_FLOAT);
                return;
            }
        }
        Db db = c.db();
        byte[] key = c.arg(1);
        ZSet z = write(c, key);
        if (z == WRONG) {
            return;
        }
        if (z == null) {
            if (xx) {
                replyZadd(c, incr, ch, 0, 0, 0, 0);
                return;
            }
            z = new ZSet();
            db.add(key, z);
        }
        ZSet.Limits limits = limits(c);
        double[] result = incr ? new double[1] : null;
        int added = 0;
        int updated = 0;
        int processed = 0;
        for (int j = 0; j < pairs; j++) {
            switch (z.add(c.arg(first + 2 * j + 1), scores[j], flags, limits, result)) {
                case ZSet.ADDED -> {
                    added++;
                    processed++;
                }
                case ZSet.UPDATED -> {
                    updated++;
                    processed++;
                }
                case ZSet.UNCHANGED -> processed++;
                case ZSet.NAN -> {
                    c.error(Errors.SCORE_NAN);
                    finishZadd(c, key, incr, added, updated);
                    return;
                }
                default -> {
                }
            }
        }
        finishZadd(c, key, incr, added, updated);
        replyZadd(c, incr, ch, added, updated, processed, incr ? result[0] : 0);
    }

    private static void finishZadd(Client c, byte[] key, boolean incr, int added, int updated) {
        if (added + updated > 0) {
            Db db = c.db();
            db.signalModified(key);
            db.notify(Notify.ZSET, incr ? "zincr" : "zadd", key);
            c.dirty(added + updated);
        }
    }

    private static void replyZadd(Client c, boolean incr, boolean ch, int added, int updated, int processed,
                                  double result) {
        if (incr) {
            if (processed > 0) {
                c.reply().dbl(result);
            } else {
                c.reply().nullBulk();
            }
        } else {
            c.reply().integer(ch ? added + updated : added);
        }
    }

    // ---- simple reads

    void zcard(Client c) {
        ZSet z = read(c, c.arg(1));
        if (z != WRONG) {
            c.reply().integer(z == null ? 0 : z.size());
        }
    }

    void zscore(Client c) {
        ZSet z = read(c, c.arg(1));
        if (z == WRONG) {
            return;
        }
        Double s = z == null ? null : z.score(c.arg(2));
        if (s == null) {
            c.reply().nullBulk();
        } else {
            c.reply().dbl(s);
        }
    }

    void zmscore(Client c) {
        ZSet z = read(c, c.arg(1));
        if (z == WRONG) {
            return;
        }
        c.reply().array(c.argc() - 2);
        for (int i = 2; i < c.argc(); i++) {
            Double s = z == null ? null : z.score(c.arg(i));
            if (s == null) {
                c.reply().nullBulk();
            } else {
                c.reply().dbl(s);
            }
        }
    }

    void zrank(Client c, boolean reverse) {
        ZSet z = read(c, c.arg(1));
        if (z == WRONG) {
            return;
        }
        int r = z == null ? -1 : z.rank(c.arg(2), reverse);
        if (r < 0) {
            c.reply().nullBulk();
        } else {
            c.reply().integer(r);
        }
    }

    void zcount(Client c) {
        ScoreRange r = ScoreRange.parse(c.arg(2), c.arg(3));
        if (r == null) {
            c.error(Errors.MIN_MAX_NOT_FLOAT);
            return;
        }
        ZSet z = read(c, c.arg(1));
        if (z != WRONG) {
            c.reply().integer(z == null ? 0 : z.count(r));
        }
    }

    void zlexcount(Client c) {
        LexRange r = LexRange.parse(c.arg(2), c.arg(3));
        if (r == null) {
            c.error(Errors.MIN_MAX_NOT_LEX);
            return;
        }
        ZSet z = read(c, c.arg(1));
        if (z != WRONG) {
            c.reply().integer(z == null ? 0 : z.count(r));
        }
    }

    // ---- ZREM

    void zrem(Client c) {
        Db db = c.db();
        byte[] key = c.arg(1);
        ZSet z = write(c, key);
        if (z == WRONG) {
            return;
        }
        int deleted = 0;
        boolean keyRemoved = false;
        if (z != null) {
            for (int i = 2; i < c.argc(); i++) {
                if (z.remove(c.arg(i))) {
                    deleted++;
                }
                if (z.isEmpty()) {
                    db.removeSilently(key);
                    keyRemoved = true;
                    break;
                }
            }
        }
        if (deleted > 0) {
            db.notify(Notify.ZSET, "zrem", key);
            if (keyRemoved) {
                db.notify(Notify.GENERIC, "del", key);
            }
            db.signalModified(key);
            c.dirty(deleted);
        }
        c.reply().integer(deleted);
    }

    // ---- ranges

    /** The rank window [start, start+count) of a range request over z, with direction. */
    record Window(int start, int count, boolean reverse) {
        static final Window EMPTY = new Window(0, 0, false);
    }

    /** Resolves a parsed range request against a set into a window of ascending ranks. */
    static Window window(ZRangeArgs a, ZSet z) {
        int size = z.size();
        if (a.type() == ZRangeArgs.Type.RANK || a.type() == ZRangeArgs.Type.AUTO) {
            long start = a.start();
            long end = a.end();
            if (start < 0) {
                start += size;
            }
            if (end < 0) {
                end += size;
            }
            if (start < 0) {
                start = 0;
            }
            if (start > end || start >= size) {
                return Window.EMPTY;
            }
            if (end >= size) {
                end = size - 1;
            }
            int count = (int) (end - start + 1);
            return a.reverse() ? new Window(size - 1 - (int) start, count, true) : new Window((int) start, count, false);
        }
        int anchor;
        long available;
        if (a.type() == ZRangeArgs.Type.SCORE) {
            int first = z.firstRank(a.scores());
            available = z.endRank(a.scores()) - first;
            anchor = a.reverse() ? first + (int) available - 1 : first;
        } else {
            int[] run = z.lexRun(a.lex(), a.reverse());
            anchor = run[0];
            available = run[1];
        }
        if (available <= 0 || a.offset() < 0 || (a.offset() > 0 && a.offset() >= size)) {
            return Window.EMPTY;
        }
        available -= a.offset();
        if (available <= 0) {
            return Window.EMPTY;
        }
        long count = a.limit() < 0 ? available : Math.min(available, a.limit());
        if (count <= 0) {
            return Window.EMPTY;
        }
        if (a.reverse()) {
            return new Window(anchor - (int) a.offset(), (int) count, true);
        }
        return new Window(anchor + (int) a.offset(), (int) count, false);
    }

    void zrange(Client c, ZRangeArgs.Type type, boolean reverse, boolean store) {
        int src = store ? 2 : 1;
        ZRangeArgs a = ZRangeArgs.parse(c, src, type, reverse, store);
        if (a == null) {
            return;
        }
        ZSet z = read(c, c.arg(src));
        if (z == WRONG) {
            return;
        }
        Window w = z == null ? Window.EMPTY : window(a, z);
        if (store) {
            storeRange(c, c.arg(1), z, w);
            return;
        }
        replyWindow(c, z, w, a.withScores());
    }

    /** Replies with the members of a window, with scores as Redis shapes them per protocol. */
    static void replyWindow(Client c, ZSet z, Window w, boolean withScores) {
        Reply r = c.reply();
        boolean pairs = withScores && c.protocol() == 3;
        r.array(withScores && !pairs ? w.count() * 2 : w.count());
        if (w.count() == 0) {
            return;
        }
        z.walkSlices(w.start(), w.count(), w.reverse(), (buf, off, len, s) -> {
            if (pairs) {
                r.array(2);
            }
            r.bulk(buf, off, len);
            if (withScores) {
                r.dbl(s);
            }
            return true;
        });
    }

    private static void storeRange(Client c, byte[] dst, ZSet z, Window w) {
        Db db = c.db();
        if (w.count() == 0) {
            if (db.delete(dst)) {
                db.notify(Notify.GENERIC, "del", dst);
                c.dirty(1);
            }
            c.reply().integer(0);
            return;
        }
        ZSet out = new ZSet();
        ZSet.Limits limits = limits(c);
        z.walk(w.start(), w.count(), w.reverse(), (m, s) -> {
            out.put(m, s, limits);
            return true;
        });
        db.setKey(dst, out, false);
        db.notify(Notify.ZSET, "zrangestore", dst);
        c.dirty(1);
        c.reply().integer(out.size());
    }

    void zremrange(Client c, ZRangeArgs.Type type) {
        byte[] key = c.arg(1);
        ZRangeArgs a;
        if (type == ZRangeArgs.Type.RANK) {
            Long start = Numbers.parseLong(c.arg(2));
            Long end = start == null ? null : Numbers.parseLong(c.arg(3));
            if (end == null) {
                c.error(Errors.NOT_INTEGER);
                return;
            }
            a = new ZRangeArgs(type, false, start, end, null, null, 0, -1, false);
        } else if (type == ZRangeArgs.Type.SCORE) {
            ScoreRange r = ScoreRange.parse(c.arg(2), c.arg(3));
            if (r == null) {
                c.error(Errors.MIN_MAX_NOT_FLOAT);
                return;
            }
            a = new ZRangeArgs(type, false, 0, 0, r, null, 0, -1, false);
        } else {
            LexRange r = LexRange.parse(c.arg(2), c.arg(3));
            if (r == null) {
                c.error(Errors.MIN_MAX_NOT_LEX);
                return;
            }
            a = new ZRangeArgs(type, false, 0, 0, null, r, 0, -1, false);
        }
        ZSet z = write(c, key);
        if (z == WRONG) {
            return;
        }
        if (z == null) {
            c.reply().integer(0);
            return;
        }
        Window w = window(a, z);
        if (w.count() > 0) {
            Db db = c.db();
            z.removeRanks(w.start(), w.count());
            String event = switch (type) {
                case RANK -> "zremrangebyrank";
                case SCORE -> "zremrangebyscore";
                default -> "zremrangebylex";
            };
            db.notify(Notify.ZSET, event, key);
            if (z.isEmpty()) {
                db.removeSilently(key);
                db.notify(Notify.GENERIC, "del", key);
            }
            db.signalModified(key);
            c.dirty(w.count());
        }
        c.reply().integer(w.count());
    }

    // ---- popping

    void zpop(Client c, boolean max) {
        long count = 1;
        boolean hasCount = c.argc() > 2;
        if (c.argc() > 3) {
            c.error(Errors.SYNTAX);
            return;
        }
        if (hasCount) {
            Long n = Numbers.parseLong(c.arg(2));
            if (n == null || n < 0) {
                c.error(Errors.NOT_POSITIVE);
                return;
            }
            count = n;
        }
        byte[] key = c.arg(1);
        ZSet z = write(c, key);
        if (z == WRONG) {
            return;
        }
        if (z == null || count == 0) {
            c.reply().emptyArray();
            return;
        }
        popAndReply(c, key, z, max, count, hasCount ? PopShape.PAIRS : PopShape.FLAT);
    }

    /**
     * How popped members are shaped: FLAT member, score, member, score...; PAIRS nested [member,
     * score] pairs in RESP3 only (ZPOPMIN with a count); NESTED pairs in both protocols (ZMPOP);
     * BARE member, score with no array header (inside BZPOPMIN's [key, member, score]).
     */
    enum PopShape { FLAT, PAIRS, NESTED, BARE }

    /**
     * Pops up to count members from a non-empty set, replies with them, fires "zpopmin"/"zpopmax"
     * (and "del" when emptied). Shared with ZMPOP and the blocking variants.
     */
    static void popAndReply(Client c, byte[] key, ZSet z, boolean max, long count, PopShape shape) {
        popAndReply(c, c.db(), c.reply(), key, z, max, count, shape);
    }

    private static final byte[] ZPOPMIN = Propagator.bytes("ZPOPMIN");
    private static final byte[] ZPOPMAX = Propagator.bytes("ZPOPMAX");

    /**
     * What a blocking or multi-key pop propagates: ZPOPMIN/ZPOPMAX key, with the count popped
     * when count is not negative (ZMPOP, BZMPOP).
     */
    static byte[][] popCommand(boolean max, byte[] key, long count) {
        return count < 0 ? new byte[][] {max ? ZPOPMAX : ZPOPMIN, key}
                : new byte[][] {max ? ZPOPMAX : ZPOPMIN, key, Propagator.bytes(count)};
    }

    /** As above, for a reply sink that is not the executing client's (a served blocked client). */
    static void popAndReply(Client c, Db db, Reply r, byte[] key, ZSet z, boolean max, long count,
                            PopShape shape) {
        int n = (int) Math.min(count, z.size());
        int start = max ? z.size() - 1 : 0;
        boolean pairs = shape == PopShape.NESTED || (shape == PopShape.PAIRS && r.protocol() == 3);
        if (shape != PopShape.BARE) {
            r.array(pairs ? n : 2 * n);
        }
        z.walk(start, n, max, (m, s) -> {
            if (pairs) {
                r.array(2);
            }
            r.bulk(m);
            r.dbl(s);
            return true;
        });
        z.removeRanks(max ? z.size() - n : 0, n);
        db.notify(Notify.ZSET, max ? "zpopmax" : "zpopmin", key);
        if (z.isEmpty()) {
            db.removeSilently(key);
            db.notify(Notify.GENERIC, "del", key);
        }
        db.signalModified(key);
        c.dirty(n);
    }

    /** Parsed "numkeys key... MIN|MAX [COUNT count]" of ZMPOP/BZMPOP; null after an error reply. */
    record MPopArgs(List<byte[]> keys, boolean max, long count) {
        static MPopArgs parse(Client c, int numkeysIdx) {
            Long nk = Numbers.parseLong(c.arg(numkeysIdx));
            if (nk == null || nk <= 0) {
                c.error(Errors.NUMKEYS_POSITIVE);
                return null;
            }
            int first = numkeysIdx + 1;
            if (nk > c.argc() - first - 1) {
                c.error(Errors.SYNTAX);
                return null;
            }
            int where = first + nk.intValue();
            String dir = new String(c.arg(where), java.nio.charset.StandardCharsets.ISO_8859_1).toLowerCase();
            boolean max;
            if (dir.equals("min")) {
                max = false;
            } else if (dir.equals("max")) {
                max = true;
            } else {
                c.error(Errors.SYNTAX);
                return null;
            }
            long count = -1;
            for (int j = where + 1; j < c.argc(); j++) {
                String o = new String(c.arg(j), java.nio.charset.StandardCharsets.ISO_8859_1).toLowerCase();
                if (count == -1 && o.equals("count") && j + 1 < c.argc()) {
                    Long n = Numbers.parseLong(c.arg(j + 1));
                    if (n == null || n <= 0) {
                        c.error(Errors.COUNT_POSITIVE);
                        return null;
                    }
                    count = n;
                    j++;
                } else {
                    c.error(Errors.SYNTAX);
                    return null;
                }
            }
            List<byte[]> keys = new ArrayList<>(nk.intValue());
            for (int j = 0; j < nk; j++) {
                keys.add(c.arg(first + j));
            }
            return new MPopArgs(keys, max, count < 0 ? 1 : count);
        }
    }

    void zmpop(Client c) {
        MPopArgs a = MPopArgs.parse(c, 1);
        if (a == null) {
            return;
        }
        if (!mpopFirstNonEmpty(c, a)) {
            c.reply().nullArray();
        }
    }

    /**
     * Pops from the first non-empty set among the keys, replying [key, members]; false (nothing
     * replied) when all are empty, true after a reply (including WRONGTYPE).
     */
    static boolean mpopFirstNonEmpty(Client c, MPopArgs a) {
        for (byte[] key : a.keys()) {
            ZSet z = write(c, key);
            if (z == WRONG) {
                return true;
            }
            if (z != null) {
                c.reply().array(2);
                c.reply().bulk(key);
                c.rewriteArgv(popCommand(a.max(), key, Math.min(a.count(), z.size())));
                popAndReply(c, key, z, a.max(), a.count(), PopShape.NESTED);
                return true;
            }
        }
        return false;
    }

    // ---- ZRANDMEMBER

    void zrandmember(Client c) {
        if (c.argc() == 2) {
            ZSet z = read(c, c.arg(1));
            if (z == WRONG) {
                return;
            }
            if (z == null) {
                c.reply().nullBulk();
            } else {
                c.reply().bulk(z.memberAt(z.randomRank(java.util.concurrent.ThreadLocalRandom.current())));
            }
            return;
        }
        Long count = Numbers.parseLong(c.arg(2));
        if (count == null) {
            c.error(Errors.NOT_INTEGER);
            return;
        }
        if (count == Long.MIN_VALUE) {
            c.error(Errors.SRANDMEMBER_RANGE);
            return;
        }
        if (c.argc() > 4) {
            c.error(Errors.SYNTAX);
            return;
        }
        boolean withScores = false;
        if (c.argc() == 4) {
            if (!new String(c.arg(3), java.nio.charset.StandardCharsets.ISO_8859_1).equalsIgnoreCase("withscores")) {
                c.error(Errors.SYNTAX);
                return;
            }
            withScores = true;
            if (count < -Long.MAX_VALUE / 2 || count > Long.MAX_VALUE / 2) {
                c.error(Errors.RANGE);
                return;
            }
        }
        ZSet z = read(c, c.arg(1));
        if (z == WRONG) {
            return;
        }
        if (z == null || count == 0) {
            c.reply().emptyArray();
            return;
        }
        RandomPick.reply(c, z, count, withScores);
    }

    // ---- ZSCAN

    void zscan(Client c) {
        ScanArgs.Start<ZSet> st = ScanArgs.start(c, k -> read(c, k), WRONG);
        if (st == null) {
            return;
        }
        ZSet z = st.value();
        ScanArgs a = st.args();
        List<byte[]> out = new ArrayList<>();
        long next = st.cursor();
        long limit = a.limit(2);
        long iterations = a.maxIterations(2);
        do {
            next = z.scan(next, (m, s) -> {
                out.add(m);
                out.add(dev.cinnabar.server.util.Doubles.fmt17g(s).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                return true;
            });
        } while (next != 0 && iterations-- != 0 && out.size() < limit);
        a.reply(c, next, out, 2, null);
    }
}
