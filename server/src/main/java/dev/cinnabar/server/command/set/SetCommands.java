package dev.cinnabar.server.command.set;

import dev.cinnabar.server.command.TypedLookup;
import dev.cinnabar.server.command.CommandFamily;
import dev.cinnabar.server.command.CommandTable;
import dev.cinnabar.server.command.ScanArgs;
import dev.cinnabar.server.memory.LongReply;
import dev.cinnabar.server.propagate.Propagator;
import dev.cinnabar.server.protocol.Errors;
import dev.cinnabar.server.protocol.Reply;
import dev.cinnabar.server.session.Client;
import dev.cinnabar.server.store.Db;
import dev.cinnabar.server.store.Notify;
import dev.cinnabar.server.store.Numbers;
import dev.cinnabar.server.store.set.RSet;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Set commands: membership, random members and popping, moving, the set algebra (SINTER, SUNION,
 * SDIFF, their STORE forms, SINTERCARD) and SSCAN.
 *
 * <p>Replies of whole sets use the RESP3 set type; their order is the iteration order of the set
 * that produced them (ascending for intsets, as Redis).
 */
public final class SetCommands implements CommandFamily {
    @Override
    public void register(CommandTable t) {
        t.bind("sadd", this::sadd);
        t.bind("srem", this::srem);
        t.bind("scard", this::scard);
        t.bind("sismember", this::sismember);
        t.bind("smismember", this::smismember);
        t.bind("smembers", this::smembers);
        t.bind("srandmember", this::srandmember);
        t.bind("spop", this::spop);
        t.bind("smove", this::smove);
        t.bind("sinter", c -> sinter(c, 1, c.argc() - 1, null, false, 0));
        t.bind("sinterstore", c -> sinter(c, 2, c.argc() - 2, c.arg(1), false, 0));
        t.bind("sintercard", this::sintercard);
        t.bind("sunion", c -> sunionDiff(c, 1, null, false));
        t.bind("sunionstore", c -> sunionDiff(c, 2, c.arg(1), false));
        t.bind("sdiff", c -> sunionDiff(c, 1, null, true));
        t.bind("sdiffstore", c -> sunionDiff(c, 2, c.arg(1), true));
        t.bind("sscan", this::sscan);
    }

    static final TypedLookup<RSet> SETS = new TypedLookup<>(RSet.class, new RSet());
    /** Marker for "the key holds another type" (WRONGTYPE was replied). */
    static final RSet WRONG = SETS.wrong();

    private static RSet checked(Client c, Object v) {
        return SETS.checked(c, v);
    }

    static RSet read(Client c, byte[] key) {
        return SETS.read(c, key);
    }

    static RSet write(Client c, byte[] key) {
        return SETS.write(c, key);
    }

    static long maxIntset(Client c) {
        return c.server().config().setMaxIntsetEntries;
    }

    void sadd(Client c) {
        Db db = c.db();
        byte[] key = c.arg(1);
        RSet s = write(c, key);
        if (s == WRONG) {
            return;
        }
        if (s == null) {
            s = new RSet();
            db.add(key, s);
        }
        long max = maxIntset(c);
        int added = 0;
        for (int i = 2; i < c.argc(); i++) {
            if (s.add(c.arg(i), max)) {
                added++;
            }
        }
        if (added > 0) {
            db.signalModified(key);
            db.notify(Notify.SET, "sadd", key);
            c.dirty(added);
        }
        c.reply().integer(added);
    }

    void srem(Client c) {
        Db db = c.db();
        byte[] key = c.arg(1);
        RSet s = write(c, key);
        if (s == WRONG) {
            return;
        }
        int deleted = 0;
        boolean keyRemoved = false;
        if (s != null) {
            for (int i = 2; i < c.argc(); i++) {
                if (s.remove(c.arg(i))) {
                    deleted++;
                    if (s.isEmpty()) {
                        db.removeSilently(key);
                        keyRemoved = true;
                        break;
                    }
                }
            }
        }
        if (deleted > 0) {
            db.signalModified(key);
            db.notify(Notify.SET, "srem", key);
            if (keyRemoved) {
                db.notify(Notify.GENERIC, "del", key);
            }
            c.dirty(deleted);
        }
        c.reply().integer(deleted);
    }

    void scard(Client c) {
        RSet s = read(c, c.arg(1));
        if (s != WRONG) {
            c.reply().integer(s == null ? 0 : s.size());
        }
    }

    void sismember(Client c) {
        RSet s = read(c, c.arg(1));
        if (s != WRONG) {
            c.reply().integer(s != null && s.contains(c.arg(2)) ? 1 : 0);
        }
    }

    void smismember(Client c) {
        RSet s = read(c, c.arg(1));
        if (s == WRONG) {
            return;
        }
        c.reply().array(c.argc() - 2);
        for (int i = 2; i < c.argc(); i++) {
            c.reply().integer(s != null && s.contains(c.arg(i)) ? 1 : 0);
        }
    }

    void smembers(Client c) {
        RSet s = read(c, c.arg(1));
        if (s == WRONG) {
            return;
        }
        replySet(c, s);
    }

    private static void replySet(Client c, RSet s) {
        Reply r = c.reply();
        if (s == null) {
            r.set(0);
            return;
        }
        r.set(s.size());
        s.forEach(r::bulk);
    }

    void srandmember(Client c) {
        if (c.argc() > 3) {
            c.error(Errors.SYNTAX);
            return;
        }
        if (c.argc() == 2) {
            RSet s = read(c, c.arg(1));
            if (s == WRONG) {
                return;
            }
            if (s == null) {
                c.reply().nullBulk();
            } else {
                c.reply().bulk(s.random(ThreadLocalRandom.current()));
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
        RSet s = read(c, c.arg(1));
        if (s == WRONG) {
            return;
        }
        if (s == null || count == 0) {
            c.reply().emptyArray();
            return;
        }
        Reply r = c.reply();
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        if (count < 0) {
            long n = -count;
            if (LongReply.refuse(c, n)) {
                c.error(Errors.RANGE);
                return;
            }
            r.array((int) n);
            for (long i = 0; i < n && !LongReply.stop(c, i); i++) {
                r.bulk(s.random(rnd));
            }
            return;
        }
        if (count >= s.size()) {
            r.array(s.size());
            s.forEach(r::bulk);
            return;
        }
        int n = count.intValue();
        r.array(n);
        s.randomDistinct(n, rnd, r::bulk);
    }

    void spop(Client c) {
        if (c.argc() > 3) {
            c.error(Errors.SYNTAX);
            return;
        }
        Db db = c.db();
        byte[] key = c.arg(1);
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        if (c.argc() == 2) {
            RSet s = write(c, key);
            if (s == WRONG) {
                return;
            }
            if (s == null) {
                c.reply().nullBulk();
                return;
            }
            byte[] m = s.pop(rnd);
            db.notify(Notify.SET, "spop", key);
            if (s.isEmpty()) {
                db.removeSilently(key);
                db.notify(Notify.GENERIC, "del", key);
            }
            db.signalModified(key);
            c.dirty(1);
            c.rewriteArgv(SREM, key, m); // the random choice is replicated, not redrawn
            c.reply().bulk(m);
            return;
        }
        Long count = Numbers.parseLong(c.arg(2));
        if (count == null || count < 0) {
            c.error(Errors.NOT_POSITIVE);
            return;
        }
        RSet s = write(c, key);
        if (s == WRONG) {
            return;
        }
        if (s == null || count == 0) {
            c.reply().set(0);
            return;
        }
        Reply r = c.reply();
        db.notify(Notify.SET, "spop", key);
        if (count >= s.size()) {
            r.set(s.size());
            s.forEach(r::bulk);
            c.dirty(s.size());
            db.removeSilently(key);
            db.notify(Notify.GENERIC, "del", key);
            c.rewriteArgv(DEL, key);
        } else {
            int n = count.intValue();
            r.set(n);
            // one SREM per member popped, as Redis 7.0 (the unit is wrapped in MULTI/EXEC)
            s.popMany(n, rnd, m -> {
                r.bulk(m);
                c.alsoPropagate(SREM, key, m);
            });
            c.preventPropagation();
            c.dirty(n);
        }
        db.signalModified(key);
    }

    private static final byte[] SREM = Propagator.bytes("SREM");
    private static final byte[] DEL = Propagator.bytes("DEL");

    void smove(Client c) {
        Db db = c.db();
        byte[] src = c.arg(1);
        byte[] dst = c.arg(2);
        byte[] member = c.arg(3);
        Object sv = db.lookupWrite(src);
        Object dv = db.lookupWrite(dst);
        if (sv == null) {
            c.reply().integer(0);
            return;
        }
        if (!(sv instanceof RSet s) || (dv != null && !(dv instanceof RSet))) {
            c.error(Errors.WRONGTYPE);
            return;
        }
        RSet d = (RSet) dv;
        if (s == d) {
            c.reply().integer(s.contains(member) ? 1 : 0);
            return;
        }
        if (!s.remove(member)) {
            c.reply().integer(0);
            return;
        }
        db.notify(Notify.SET, "srem", src);
        if (s.isEmpty()) {
            db.removeSilently(src);
            db.notify(Notify.GENERIC, "del", src);
        }
        if (d == null) {
            d = new RSet();
            db.add(dst, d);
        }
        db.signalModified(src);
        c.dirty(1);
        if (d.add(member, maxIntset(c))) {
            c.dirty(1);
            // only a real addition touches dst (a WATCH on it must not fail otherwise)
            db.signalModified(dst);
            db.notify(Notify.SET, "sadd", dst);
        }
        c.reply().integer(1);
    }

    // ---- algebra

    /**
     * SINTER / SINTERSTORE / SINTERCARD over keys argv[first..first+n). Every key is type-checked
     * first; a missing key makes the result empty. limit 0 = no limit.
     */
    void sinter(Client c, int first, int n, byte[] dst, boolean cardOnly, long limit) {
        Db db = c.db();
        List<RSet> sets = new ArrayList<>(n);
        boolean empty = false;
        for (int i = 0; i < n; i++) {
            RSet s = dst != null ? write(c, c.arg(first + i)) : read(c, c.arg(first + i));
            if (s == WRONG) {
                return;
            }
            if (s == null) {
                empty = true;
            } else {
                sets.add(s);
            }
        }
        if (empty) {
            if (dst != null) {
                storeResult(c, dst, null, "sinterstore");
            } else if (cardOnly) {
                c.reply().integer(0);
            } else {
                c.reply().set(0);
            }
            return;
        }
        sets.sort(Comparator.comparingInt(RSet::size));
        RSet smallest = sets.get(0);
        List<byte[]> out = new ArrayList<>();
        long[] count = {0};
        smallest.forEach(m -> {
            if (limit > 0 && count[0] >= limit) {
                return;
            }
            for (int j = 1; j < sets.size(); j++) {
                if (sets.get(j) != smallest && !sets.get(j).contains(m)) {
                    return;
                }
            }
            count[0]++;
            if (!cardOnly) {
                out.add(m);
            }
        });
        if (cardOnly) {
            c.reply().integer(count[0]);
        } else if (dst != null) {
            RSet result = new RSet();
            long max = maxIntset(c);
            for (byte[] m : out) {
                result.add(m, max);
            }
            storeResult(c, dst, result, "sinterstore");
        } else {
            c.reply().set(out.size());
            out.forEach(c.reply()::bulk);
        }
    }

    void sintercard(Client c) {
        Long nk = Numbers.parseLong(c.arg(1));
        if (nk == null || nk <= 0) {
            c.error(Errors.NUMKEYS_POSITIVE);
            return;
        }
        if (nk > c.argc() - 2) {
            c.error(Errors.NUMKEYS_TOO_MANY);
            return;
        }
        long limit = 0;
        for (int j = 2 + nk.intValue(); j < c.argc(); j++) {
            if (new String(c.arg(j), StandardCharsets.ISO_8859_1).equalsIgnoreCase("limit") && j + 1 < c.argc()) {
                Long l = Numbers.parseLong(c.arg(j + 1));
                if (l == null || l < 0) {
                    c.error(Errors.LIMIT_NEGATIVE);
                    return;
                }
                limit = l;
                j++;
            } else {
                c.error(Errors.SYNTAX);
                return;
            }
        }
        sinter(c, 2, nk.intValue(), null, true, limit);
    }

    /** SUNION / SDIFF and their STORE forms over argv[first..argc). */
    void sunionDiff(Client c, int first, byte[] dst, boolean diff) {
        int n = c.argc() - first;
        List<RSet> sets = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            RSet s = dst != null ? write(c, c.arg(first + i)) : read(c, c.arg(first + i));
            if (s == WRONG) {
                return;
            }
            sets.add(s);
        }
        RSet result = new RSet();
        long max = maxIntset(c);
        if (diff) {
            RSet head = sets.get(0);
            if (head != null) {
                head.forEach(m -> {
                    for (int j = 1; j < sets.size(); j++) {
                        RSet o = sets.get(j);
                        if (o != null && (o == head || o.contains(m))) {
                            return;
                        }
                    }
                    result.add(m, max);
                });
            }
        } else {
            for (RSet s : sets) {
                if (s != null) {
                    s.forEach(m -> result.add(m, max));
                }
            }
        }
        if (dst != null) {
            storeResult(c, dst, result, diff ? "sdiffstore" : "sunionstore");
        } else {
            replySet(c, result);
        }
    }

    /** Stores a *STORE result (overwriting any type), or deletes dst when the result is empty. */
    private static void storeResult(Client c, byte[] dst, RSet result, String event) {
        Db db = c.db();
        if (result == null || result.isEmpty()) {
            if (db.delete(dst)) {
                db.notify(Notify.GENERIC, "del", dst);
                c.dirty(1);
            }
            c.reply().integer(0);
            return;
        }
        db.setKey(dst, result, false);
        db.notify(Notify.SET, event, dst);
        c.dirty(1);
        c.reply().integer(result.size());
    }

    void sscan(Client c) {
        ScanArgs.Start<RSet> st = ScanArgs.start(c, k -> read(c, k), WRONG);
        if (st == null) {
            return;
        }
        RSet s = st.value();
        ScanArgs a = st.args();
        List<byte[]> out = new ArrayList<>();
        long next = st.cursor();
        long limit = a.limit(1);
        long iterations = a.maxIterations(1);
        do {
            next = s.scan(next, out::add);
        } while (next != 0 && iterations-- != 0 && out.size() < limit);
        a.reply(c, next, out, 1, null);
    }
}
