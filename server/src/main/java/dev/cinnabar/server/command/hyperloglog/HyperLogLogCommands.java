package dev.cinnabar.server.command.hyperloglog;

import dev.cinnabar.server.ServerContext;
import dev.cinnabar.server.command.CommandFamily;
import dev.cinnabar.server.command.CommandTable;
import dev.cinnabar.server.protocol.Errors;
import dev.cinnabar.server.protocol.Texts;
import dev.cinnabar.server.session.Client;
import dev.cinnabar.server.store.Db;
import dev.cinnabar.server.store.Notify;
import dev.cinnabar.server.store.RawString;
import dev.cinnabar.server.store.Strings;
import dev.cinnabar.server.store.hll.HyperLogLog;
import dev.cinnabar.server.store.hll.HyperLogLog.Buf;

/**
 * HyperLogLog commands (PFADD, PFCOUNT, PFMERGE, PFDEBUG, PFSELFTEST). An HLL is a string in
 * Redis's format (see {@link HyperLogLog}); commands that touch it turn it into a private raw
 * string first (even PFCOUNT, which stores the cardinality it computed in the header and therefore
 * counts as a change, as in Redis).
 */
public final class HyperLogLogCommands implements CommandFamily {
    @Override
    public void register(CommandTable t) {
        t.bind("pfadd", this::pfadd);
        t.bind("pfcount", this::pfcount);
        t.bind("pfmerge", this::pfmerge);
        t.bind("pfdebug", this::pfdebug);
        t.bind("pfselftest", PfSelfTest::run);
    }

    /** Marks the directive this family reads. */
    public static void install(ServerContext ctx) {
        ctx.config().implemented("hll-sparse-max-bytes");
    }

    /**
     * The HLL held at key as a writable working buffer, or null after replying: WRONGTYPE for
     * another type, "not a valid HyperLogLog" for a string that is not one. The value is replaced by
     * a private raw string sharing the buffer (Redis's dbUnshareStringValue).
     */
    private static Buf writable(Client c, byte[] key, Object v) {
        if (!isHll(c, v)) {
            return null;
        }
        RawString r;
        if (v instanceof RawString raw) {
            r = raw;
        } else {
            r = new RawString(Strings.bytes(v).clone());
            c.db().overwrite(key, r);
        }
        return new Buf(r.array(), r.length());
    }

    /** Stores h back at key when an update reallocated or resized it. */
    private static void store(Client c, byte[] key, Buf h) {
        Object v = c.db().lookup(key, Db.LOOKUP_NOTOUCH | Db.LOOKUP_NOSTATS | Db.LOOKUP_NONOTIFY);
        if (!(v instanceof RawString r) || r.array() != h.b || r.length() != h.len) {
            c.db().overwrite(key, new RawString(h.toBytes()));
        }
    }

    /** Redis's isHLLObjectOrReply: true for a string holding a valid header. */
    private static boolean isHll(Client c, Object v) {
        if (!Strings.isString(v)) {
            c.error(Errors.WRONGTYPE);
            return false;
        }
        if (!(v instanceof byte[]) && !(v instanceof RawString)) {
            // an int-encoded string (Long or IntCounter) is never a valid HLL
            c.error(Errors.HLL_WRONGTYPE);
            return false;
        }
        byte[] b = v instanceof RawString r ? r.array() : (byte[]) v;
        int len = Strings.length(v);
        if (!HyperLogLog.isValid(b, len)) {
            c.error(Errors.HLL_WRONGTYPE);
            return false;
        }
        return true;
    }

    private static byte[] array(Object v) {
        return v instanceof RawString r ? r.array() : (byte[]) v;
    }

    void pfadd(Client c) {
        Db db = c.db();
        byte[] key = c.arg(1);
        Object v = db.lookupWrite(key);
        Buf h;
        int updated = 0;
        if (v == null) {
            byte[] fresh = HyperLogLog.create();
            db.add(key, new RawString(fresh));
            h = new Buf(fresh, fresh.length);
            updated++;
        } else {
            h = writable(c, key, v);
            if (h == null) {
                return;
            }
        }
        long sparseMax = c.server().config().hllSparseMaxBytes;
        for (int j = 2; j < c.argc(); j++) {
            int r = HyperLogLog.add(h, c.arg(j), sparseMax);
            if (r < 0) {
                store(c, key, h);
                c.error(Errors.HLL_INVALID);
                return;
            }
            updated += r;
        }
        if (updated > 0) {
            HyperLogLog.invalidateCache(h.b);
        }
        store(c, key, h);
        if (updated > 0) {
            db.signalModified(key);
            db.notify(Notify.STRING, "pfadd", key);
            c.dirty(updated);
        }
        c.reply().integer(updated > 0 ? 1 : 0);
    }

    /**
     * Raises max[i] to register i of every key from argv[1] on (missing keys are empty HLLs).
     * Returns -1 after replying an error, else 1 when some source was dense, 0 when none was.
     */
    private static int mergeSources(Client c, byte[] max) {
        int dense = 0;
        for (int j = 1; j < c.argc(); j++) {
            Object v = c.db().lookupRead(c.arg(j));
            if (v == null) {
                continue;
            }
            if (!isHll(c, v)) {
                return -1;
            }
            if (HyperLogLog.encoding(array(v)) == HyperLogLog.DENSE) {
                dense = 1;
            }
            if (!HyperLogLog.merge(max, array(v), Strings.length(v))) {
                c.error(Errors.HLL_INVALID);
                return -1;
            }
        }
        return dense;
    }

    void pfcount(Client c) {
        Db db = c.db();
        if (c.argc() > 2) {
            byte[] max = new byte[HyperLogLog.REGISTERS];
            if (mergeSources(c, max) >= 0) {
                c.reply().integer(HyperLogLog.countRaw(max));
            }
            return;
        }
        byte[] key = c.arg(1);
        // A read look-up although the cached cardinality may be updated, as Redis 7.0: PFCOUNT is a
        // read-only command, so on a replica a logically expired key reads as missing and is kept
        // until the master's DEL (a write look-up would delete it on a writable replica), and it
        // counts in keyspace_hits/misses.
        Object v = db.lookupRead(key);
        if (v == null) {
            c.reply().integer(0);
            return;
        }
        Buf h = writable(c, key, v);
        if (h == null) {
            return;
        }
        long card;
        if (HyperLogLog.cacheValid(h.b)) {
            card = HyperLogLog.cachedCard(h.b);
        } else {
            card = HyperLogLog.count(h.b, h.len);
            if (card < 0) {
                c.error(Errors.HLL_INVALID);
                return;
            }
            HyperLogLog.setCachedCard(h.b, card);
            db.signalModified(key);
            c.dirty(1);
        }
        c.reply().integer(card);
    }

    void pfmerge(Client c) {
        Db db = c.db();
        byte[] max = new byte[HyperLogLog.REGISTERS];
        int dense = mergeSources(c, max);
        if (dense < 0) {
            return;
        }
        byte[] key = c.arg(1);
        Object v = db.lookupWrite(key);
        Buf h;
        if (v == null) {
            byte[] fresh = HyperLogLog.create();
            db.add(key, new RawString(fresh));
            h = new Buf(fresh, fresh.length);
        } else {
            h = writable(c, key, v); // already checked as a source
        }
        if (dense > 0 && !HyperLogLog.sparseToDense(h)) {
            c.error(Errors.HLL_INVALID);
            return;
        }
        long sparseMax = c.server().config().hllSparseMaxBytes;
        for (int i = 0; i < HyperLogLog.REGISTERS; i++) {
            if (max[i] != 0) {
                HyperLogLog.setRegister(h, i, max[i], sparseMax);
            }
        }
        HyperLogLog.invalidateCache(h.b);
        store(c, key, h);
        db.signalModified(key);
        db.notify(Notify.STRING, "pfadd", key);
        c.dirty(1);
        c.reply().ok();
    }

    void pfdebug(Client c) {
        String sub = Texts.str(c.arg(1));
        byte[] key = c.arg(2);
        Object v = c.db().lookupWrite(key);
        if (v == null) {
            c.error("ERR The specified key does not exist");
            return;
        }
        Buf h = writable(c, key, v);
        if (h == null) {
            return;
        }
        if (c.argc() != 3 && isKnownDebug(sub)) {
            c.error("ERR Wrong number of arguments for the '" + sub + "' subcommand");
            return;
        }
        if (Texts.is(c.arg(1), "getreg")) {
            if (HyperLogLog.encoding(h.b) == HyperLogLog.SPARSE) {
                if (!HyperLogLog.sparseToDense(h)) {
                    c.error(Errors.HLL_INVALID);
                    return;
                }
                store(c, key, h);
                c.dirty(1);
            }
            c.reply().array(HyperLogLog.REGISTERS);
            for (int i = 0; i < HyperLogLog.REGISTERS; i++) {
                c.reply().integer(HyperLogLog.denseGet(h.b, i));
            }
        } else if (Texts.is(c.arg(1), "decode")) {
            if (HyperLogLog.encoding(h.b) != HyperLogLog.SPARSE) {
                c.error("ERR HLL encoding is not sparse");
                return;
            }
            c.reply().bulk(HyperLogLog.decodeSparse(h.b, h.len));
        } else if (Texts.is(c.arg(1), "encoding")) {
            c.reply().simple(HyperLogLog.encoding(h.b) == HyperLogLog.DENSE ? "dense" : "sparse");
        } else if (Texts.is(c.arg(1), "todense")) {
            boolean converted = false;
            if (HyperLogLog.encoding(h.b) == HyperLogLog.SPARSE) {
                if (!HyperLogLog.sparseToDense(h)) {
                    c.error(Errors.HLL_INVALID);
                    return;
                }
                store(c, key, h);
                converted = true;
                c.dirty(1);
            }
            c.reply().integer(converted ? 1 : 0);
        } else {
            c.error("ERR Unknown PFDEBUG subcommand '" + sub + "'");
        }
    }

    private static boolean isKnownDebug(String sub) {
        String s = sub.toLowerCase(java.util.Locale.ROOT);
        return s.equals("getreg") || s.equals("decode") || s.equals("encoding") || s.equals("todense");
    }
}
