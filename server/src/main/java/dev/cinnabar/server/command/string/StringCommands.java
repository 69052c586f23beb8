package dev.cinnabar.server.command.string;

import dev.cinnabar.server.command.CommandFamily;
import dev.cinnabar.server.command.CommandTable;
import dev.cinnabar.server.propagate.Propagator;
import dev.cinnabar.server.protocol.Errors;
import dev.cinnabar.server.protocol.Texts;
import dev.cinnabar.server.session.Client;
import dev.cinnabar.server.store.Db;
import dev.cinnabar.server.store.IntCounter;
import dev.cinnabar.server.store.Notify;
import dev.cinnabar.server.store.Numbers;
import dev.cinnabar.server.store.RawString;
import dev.cinnabar.server.store.Strings;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;

/**
 * String commands (Redis's t_string.c): SET and its variants, GET and its variants, counters,
 * APPEND, ranges, LCS.
 *
 * <p>Encodings follow Redis so OBJECT ENCODING agrees: values stored from an argument go
 * through {@link Strings#encode} (int / embstr / raw); INCR and friends store an integer
 * (int); INCRBYFLOAT stores its formatted result as a plain string (embstr or raw); APPEND and
 * SETRANGE turn an existing value into a growable {@link RawString} (raw).
 */
public final class StringCommands implements CommandFamily {
    @Override
    public void register(CommandTable t) {
        t.bind("get", this::get);
        t.bind("set", this::set);
        t.bind("setnx", this::setnx);
        t.bind("setex", this::setex);
        t.bind("psetex", this::psetex);
        t.bind("getex", this::getex);
        t.bind("getdel", this::getdel);
        t.bind("getset", this::getset);
        t.bind("mget", this::mget);
        t.bind("mset", this::mset);
        t.bind("msetnx", this::msetnx);
        t.bind("incr", this::incr);
        t.bind("decr", this::decr);
        t.bind("incrby", this::incrby);
        t.bind("decrby", this::decrby);
        t.bind("incrbyfloat", this::incrbyfloat);
        t.bind("append", this::append);
        t.bind("strlen", this::strlen);
        t.bind("getrange", this::getrange);
        t.bind("substr", this::getrange);
        t.bind("setrange", this::setrange);
        t.bind("lcs", Lcs::lcs);
    }

    /** Looks a string up for reading; null after replying nil or WRONGTYPE. */
    private static Object lookupString(Client c, byte[] key) {
        Object v = c.db().lookupRead(key);
        if (v == null) {
            c.reply().nullBulk();
        } else if (!Strings.isString(v)) {
            c.error(Errors.WRONGTYPE);
            return null;
        }
        return v;
    }

    /**
     * GET's lookup and reply (getGenericCommand). Returns false when the key holds another type
     * (after replying WRONGTYPE).
     */
    private static boolean replyGet(Client c, byte[] key) {
        long errors = c.reply().errorCount();
        Object v = lookupString(c, key);
        if (v != null) {
            replyValue(c, v);
        }
        return c.reply().errorCount() == errors;
    }

    static void replyValue(Client c, Object v) {
        if (v instanceof RawString r) {
            c.reply().bulk(r.array(), 0, r.length());
        } else {
            c.reply().bulk(Strings.bytes(v));
        }
    }

    void get(Client c) {
        replyGet(c, c.arg(1));
    }

    void set(Client c) {
        SetArgs a = SetArgs.parse(c, 3, SetArgs.Kind.SET);
        if (a != null) {
            setGeneric(c, a, c.arg(1), c.arg(2), false);
        }
    }

    void setnx(Client c) {
        setGeneric(c, new SetArgs(SetArgs.NX, null), c.arg(1), c.arg(2), true);
    }

    void setex(Client c) {
        setGeneric(c, new SetArgs(SetArgs.EX, c.arg(2)), c.arg(1), c.arg(3), false);
    }

    void psetex(Client c) {
        setGeneric(c, new SetArgs(SetArgs.PX, c.arg(2)), c.arg(1), c.arg(3), false);
    }

    /** setGenericCommand; intReplies for SETNX (:1 / :0 instead of +OK / nil). */
    private static void setGeneric(Client c, SetArgs a, byte[] key, byte[] value, boolean intReplies) {
        long when = 0;
        if (a.expireArg() != null) {
            when = a.expireAtMillis(c);
            if (when < 0) {
                return;
            }
        }
        if (a.has(SetArgs.GET) && !replyGet(c, key)) {
            return;
        }
        Db db = c.db();
        boolean found = db.lookupWrite(key) != null;
        if ((a.has(SetArgs.NX) && found) || (a.has(SetArgs.XX) && !found)) {
            if (!a.has(SetArgs.GET)) {
                if (intReplies) {
                    c.reply().integer(0);
                } else {
                    c.reply().nullBulk();
                }
            }
            return;
        }
        db.setKey(key, Strings.encode(value), a.has(SetArgs.KEEPTTL));
        c.dirty(1);
        db.notify(Notify.STRING, "set", key);
        if (a.expireArg() != null) {
            db.setExpire(key, when);
            db.notify(Notify.GENERIC, "expire", key);
        }
        if (a.expireArg() != null) {
            // any expiry replicates as the absolute time in ms it gave
            c.rewriteArgv(SET, key, value, PXAT, Propagator.bytes(when));
        } else if (a.has(SetArgs.GET)) {
            c.rewriteArgv(withoutGet(c)); // the replica has no reply to give
        }
        if (!a.has(SetArgs.GET)) {
            if (intReplies) {
                c.reply().integer(1);
            } else {
                c.reply().ok();
            }
        }
    }

    private static final byte[] SET = Propagator.bytes("SET");
    private static final byte[] PXAT = Propagator.bytes("PXAT");
    private static final byte[] KEEPTTL = Propagator.bytes("KEEPTTL");
    private static final byte[] PEXPIREAT = Propagator.bytes("PEXPIREAT");
    private static final byte[] PERSIST = Propagator.bytes("PERSIST");

    /** SET's argv without its GET options (no replica needs the old value). */
    private static byte[][] withoutGet(Client c) {
        java.util.List<byte[]> out = new java.util.ArrayList<>(c.argc());
        for (int j = 0; j < c.argc(); j++) {
            if (j < 3 || !Texts.is(c.arg(j), "get")) {
                out.add(c.arg(j));
            }
        }
        return out.toArray(new byte[0][]);
    }

    void getex(Client c) {
        SetArgs a = SetArgs.parse(c, 2, SetArgs.Kind.GETEX);
        if (a == null) {
            return;
        }
        Db db = c.db();
        byte[] key = c.arg(1);
        Object v = lookupString(c, key);
        if (v == null) {
            return;
        }
        long when = 0;
        if (a.expireArg() != null) {
            when = a.expireAtMillis(c);
            if (when < 0) {
                return;
            }
        }
        replyValue(c, v);
        if (a.has(SetArgs.EXAT | SetArgs.PXAT) && db.alreadyExpired(when)) {
            db.delete(key);
            db.notify(Notify.GENERIC, "del", key);
            c.dirty(1);
            c.rewriteArgv(Propagator.deleteVerb(c.server(), "lazyfree-lazy-expire"), key);
        } else if (a.expireArg() != null) {
            db.setExpire(key, when);
            db.signalModified(key);
            db.notify(Notify.GENERIC, "expire", key);
            c.dirty(1);
            c.rewriteArgv(PEXPIREAT, key, Propagator.bytes(when));
        } else if (a.has(SetArgs.PERSIST) && db.removeExpire(key)) {
            db.signalModified(key);
            db.notify(Notify.GENERIC, "persist", key);
            c.dirty(1);
            c.rewriteArgv(PERSIST, key);
        }
    }

    void getdel(Client c) {
        byte[] key = c.arg(1);
        Db db = c.db();
        Object v = lookupString(c, key);
        if (v == null) {
            return;
        }
        replyValue(c, v);
        db.delete(key);
        db.notify(Notify.GENERIC, "del", key);
        c.dirty(1);
        c.rewriteArgv(Propagator.deleteVerb(c.server(), "lazyfree-lazy-user-del"), key);
    }

    void getset(Client c) {
        byte[] key = c.arg(1);
        if (!replyGet(c, key)) {
            return;
        }
        Db db = c.db();
        db.setKey(key, Strings.encode(c.arg(2)), false);
        db.notify(Notify.STRING, "set", key);
        c.dirty(1);
        c.rewriteArgument(0, SET); // replicated as SET, as Redis 7.0
    }

    void mget(Client c) {
        Db db = c.db();
        c.reply().array(c.argc() - 1);
        for (int j = 1; j < c.argc(); j++) {
            Object v = db.lookupRead(c.arg(j));
            if (v == null || !Strings.isString(v)) {
                c.reply().nullBulk();
            } else {
                replyValue(c, v);
            }
        }
    }

    void mset(Client c) {
        msetGeneric(c, false);
    }

    void msetnx(Client c) {
        msetGeneric(c, true);
    }

    private static void msetGeneric(Client c, boolean nx) {
        if (c.argc() % 2 == 0) {
            c.error(Errors.wrongArgs(c.cmd().fullName()));
            return;
        }
        Db db = c.db();
        if (nx) {
            for (int j = 1; j < c.argc(); j += 2) {
                if (db.lookupWrite(c.arg(j)) != null) {
                    c.reply().integer(0);
                    return;
                }
            }
        }
        for (int j = 1; j < c.argc(); j += 2) {
            db.setKey(c.arg(j), Strings.encode(c.arg(j + 1)), false);
            db.notify(Notify.STRING, "set", c.arg(j));
        }
        c.dirty((c.argc() - 1) / 2);
        if (nx) {
            c.reply().integer(1);
        } else {
            c.reply().ok();
        }
    }

    void incr(Client c) {
        incrDecr(c, 1);
    }

    void decr(Client c) {
        incrDecr(c, -1);
    }

    void incrby(Client c) {
        Long incr = Numbers.parseLong(c.arg(2));
        if (incr == null) {
            c.error(Errors.NOT_INTEGER);
            return;
        }
        incrDecr(c, incr);
    }

    void decrby(Client c) {
        Long incr = Numbers.parseLong(c.arg(2));
        if (incr == null) {
            c.error(Errors.NOT_INTEGER);
            return;
        }
        if (incr == Long.MIN_VALUE) {
            c.error(Errors.DECREMENT_OVERFLOW);
            return;
        }
        incrDecr(c, -incr);
    }

    private static void incrDecr(Client c, long incr) {
        Db db = c.db();
        byte[] key = c.arg(1);
        Object o = db.lookupWrite(key);
        if (o != null && !Strings.isString(o)) {
            c.error(Errors.WRONGTYPE);
            return;
        }
        long value = 0;
        if (o != null) {
            Long v = Strings.toLong(o);
            if (v == null) {
                c.error(Errors.NOT_INTEGER);
                return;
            }
            value = v;
        }
        if ((incr < 0 && value < 0 && incr < Long.MIN_VALUE - value)
                || (incr > 0 && value > 0 && incr > Long.MAX_VALUE - value)) {
            c.error(Errors.OVERFLOW);
            return;
        }
        value += incr;
        if (Strings.isSharedValue(value)) {
            storeResult(c, key, o != null, Strings.ofLong(value), "incrby");
        } else if (o instanceof IntCounter n) {
            // in place, as Redis changes an unshared int object: no allocation, same identity
            n.set(value);
            signalResult(c, key, "incrby");
        } else {
            storeResult(c, key, o != null, new IntCounter(value), "incrby");
        }
        c.reply().integer(value);
    }

    void incrbyfloat(Client c) {
        Db db = c.db();
        byte[] key = c.arg(1);
        Object o = db.lookupWrite(key);
        if (o != null && !Strings.isString(o)) {
            c.error(Errors.WRONGTYPE);
            return;
        }
        Numbers.LongDouble value = o == null ? Numbers.LongDouble.of(BigDecimal.ZERO)
                : Numbers.parseLongDouble(Strings.bytes(o));
        Numbers.LongDouble incr = value == null ? null : Numbers.parseLongDouble(c.arg(2));
        if (value == null || incr == null) {
            c.error(Errors.NOT_FLOAT);
            return;
        }
        BigDecimal sum = value.isInfinite() || incr.isInfinite() ? null
                : Numbers.roundLongDouble(value.value().add(incr.value()));
        if (sum == null) {
            c.error(Errors.INCR_NAN_INF);
            return;
        }
        byte[] result = Numbers.formatLongDouble(sum).getBytes(StandardCharsets.US_ASCII);
        storeResult(c, key, o != null, result, "incrbyfloat");
        // the float arithmetic is not replayed: the replica stores the result, keeping the TTL
        c.rewriteArgv(SET, key, result, KEEPTTL);
        c.reply().bulk(result);
    }

    /** Stores a counter's new value (keeping the TTL of an existing key) and signals it. */
    private static void storeResult(Client c, byte[] key, boolean exists, Object value, String event) {
        Db db = c.db();
        if (exists) {
            db.overwrite(key, value);
        } else {
            db.add(key, value);
        }
        signalResult(c, key, event);
    }

    private static void signalResult(Client c, byte[] key, String event) {
        Db db = c.db();
        db.signalModified(key);
        db.notify(Notify.STRING, event, key);
        c.dirty(1);
    }

    void append(Client c) {
        Db db = c.db();
        byte[] key = c.arg(1);
        byte[] tail = c.arg(2);
        Object o = db.lookupWrite(key);
        long total;
        if (o == null) {
            db.add(key, Strings.encode(tail));
            total = tail.length;
        } else {
            if (!Strings.isString(o)) {
                c.error(Errors.WRONGTYPE);
                return;
            }
            if (!checkStringLength(c, Strings.length(o), tail.length)) {
                return;
            }
            RawString r = unshare(db, key, o);
            try {
                r.append(tail);
            } catch (OutOfMemoryError e) {
                c.error(Errors.OOM); // the heap cannot hold the grown string; nothing was changed
                return;
            }
            total = r.length();
        }
        db.signalModified(key);
        db.notify(Notify.STRING, "append", key);
        c.dirty(1);
        c.reply().integer(total);
    }

    /** dbUnshareStringValue: makes the stored value a mutable raw string and returns it. */
    private static RawString unshare(Db db, byte[] key, Object o) {
        if (o instanceof RawString r) {
            return r;
        }
        RawString r = new RawString(Strings.bytes(o).clone());
        db.overwrite(key, r);
        return r;
    }

    /**
     * checkStringLength: size + append must not exceed proto-max-bulk-len (nor, beyond Redis,
     * the largest Java array, for a proto-max-bulk-len configured above 2 GB).
     */
    private static boolean checkStringLength(Client c, long size, long append) {
        long limit = Math.min(c.server().config().protoMaxBulkLen, Integer.MAX_VALUE - 16);
        if (append > limit || size > limit - append) {
            c.error(Errors.STRING_TOO_LONG);
            return false;
        }
        return true;
    }

    void strlen(Client c) {
        Object o = c.db().lookupRead(c.arg(1));
        if (o == null) {
            c.reply().integer(0);
        } else if (!Strings.isString(o)) {
            c.error(Errors.WRONGTYPE);
        } else {
            c.reply().integer(Strings.length(o));
        }
    }

    void getrange(Client c) {
        Long s = Numbers.parseLong(c.arg(2));
        Long e = s == null ? null : Numbers.parseLong(c.arg(3));
        if (e == null) {
            c.error(Errors.NOT_INTEGER);
            return;
        }
        Object o = c.db().lookupRead(c.arg(1));
        if (o == null) {
            c.reply().bulk(Strings.EMPTY);
            return;
        }
        if (!Strings.isString(o)) {
            c.error(Errors.WRONGTYPE);
            return;
        }
        long start = s;
        long end = e;
        byte[] str;
        int len;
        if (o instanceof RawString r) {
            str = r.array();
            len = r.length();
        } else {
            str = Strings.bytes(o);
            len = str.length;
        }
        if (start < 0 && end < 0 && start > end) {
            c.reply().bulk(Strings.EMPTY);
            return;
        }
        if (start < 0) {
            start += len;
        }
        if (end < 0) {
            end += len;
        }
        if (start < 0) {
            start = 0;
        }
        if (end < 0) {
            end = 0;
        }
        if (end >= len) {
            end = len - 1L;
        }
        if (start > end || len == 0) {
            c.reply().bulk(Strings.EMPTY);
        } else {
            c.reply().bulk(str, (int) start, (int) (end - start + 1));
        }
    }

    void setrange(Client c) {
        Long off = Numbers.parseLong(c.arg(2));
        if (off == null) {
            c.error(Errors.NOT_INTEGER);
            return;
        }
        long offset = off;
        if (offset < 0) {
            c.error(Errors.OFFSET_OUT_OF_RANGE);
            return;
        }
        Db db = c.db();
        byte[] key = c.arg(1);
        byte[] value = c.arg(3);
        Object o = db.lookupWrite(key);
        RawString r;
        if (o == null) {
            if (value.length == 0) {
                c.reply().integer(0);
                return;
            }
            if (!checkStringLength(c, offset, value.length)) {
                return;
            }
            try {
                r = new RawString(new byte[(int) offset + value.length]);
            } catch (OutOfMemoryError e) {
                c.error(Errors.OOM);
                return;
            }
            db.add(key, r);
        } else {
            if (!Strings.isString(o)) {
                c.error(Errors.WRONGTYPE);
                return;
            }
            if (value.length == 0) {
                c.reply().integer(Strings.length(o));
                return;
            }
            if (!checkStringLength(c, offset, value.length)) {
                return;
            }
            r = unshare(db, key, o);
        }
        try {
            r.setRange((int) offset, value);
        } catch (OutOfMemoryError e) {
            c.error(Errors.OOM);
            return;
        }
        db.signalModified(key);
        db.notify(Notify.STRING, "setrange", key);
        c.dirty(1);
        c.reply().integer(r.length());
    }
}
