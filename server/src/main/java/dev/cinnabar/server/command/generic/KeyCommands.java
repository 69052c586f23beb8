package dev.cinnabar.server.command.generic;

import dev.cinnabar.server.command.CommandFamily;
import dev.cinnabar.server.command.CommandTable;
import dev.cinnabar.server.command.ScanArgs;
import dev.cinnabar.server.propagate.Propagator;
import dev.cinnabar.server.protocol.Errors;
import dev.cinnabar.server.protocol.Texts;
import dev.cinnabar.server.session.Client;
import dev.cinnabar.server.store.Db;
import dev.cinnabar.server.store.Dict;
import dev.cinnabar.server.store.Keyspace;
import dev.cinnabar.server.store.LazyFree;
import dev.cinnabar.server.store.Notify;
import dev.cinnabar.server.store.Numbers;
import dev.cinnabar.server.store.Strings;
import dev.cinnabar.server.store.Values;
import dev.cinnabar.server.util.Glob;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Generic keyspace commands (Redis's db.c and object.c): DEL, UNLINK, EXISTS, TYPE, RENAME,
 * RENAMENX, KEYS, SCAN, RANDOMKEY, DBSIZE, FLUSHDB, FLUSHALL, TOUCH, OBJECT, SWAPDB, MOVE, COPY.
 * They work for every value type through {@link Values}. Expiry commands are in
 * {@link ExpireCommands}.
 */
public final class KeyCommands implements CommandFamily {
    @Override
    public void register(CommandTable t) {
        t.bind("del", c -> del(c, false));
        t.bind("unlink", c -> del(c, true));
        t.bind("exists", this::exists);
        t.bind("type", this::type);
        t.bind("rename", this::rename);
        t.bind("renamenx", this::renamenx);
        t.bind("keys", this::keys);
        t.bind("scan", this::scan);
        t.bind("randomkey", this::randomkey);
        t.bind("dbsize", this::dbsize);
        t.bind("flushdb", this::flushdb);
        t.bind("flushall", this::flushall);
        t.bind("touch", this::touch);
        t.bind("swapdb", this::swapdb);
        t.bind("move", this::move);
        t.bind("copy", this::copy);
        t.bind("object", "encoding", this::objectEncoding);
        t.bind("object", "refcount", this::objectRefcount);
        t.bind("object", "idletime", this::objectIdletime);
        t.bind("object", "freq", this::objectFreq);
        t.bind("object", "help", this::objectHelp);
        new DumpCommands().register(t);
    }

    /**
     * DEL and UNLINK: freeing is the garbage collector's job, so both delete at once; UNLINK, and
     * DEL under lazyfree-lazy-user-del, count in lazyfreed_objects what Redis would free in the
     * background ({@link LazyFree}).
     */
    void del(Client c, boolean unlink) {
        Db db = c.db();
        boolean lazy = unlink || "yes".equals(c.server().config().get("lazyfree-lazy-user-del"));
        long n = 0;
        for (int i = 1; i < c.argc(); i++) {
            byte[] k = c.arg(i);
            db.expireIfNeeded(k);
            if (db.delete(k, lazy)) {
                db.notify(Notify.GENERIC, "del", k);
                c.dirty(1);
                n++;
            }
        }
        c.reply().integer(n);
    }

    void exists(Client c) {
        Db db = c.db();
        long n = 0;
        for (int i = 1; i < c.argc(); i++) {
            if (db.lookup(c.arg(i), Db.LOOKUP_NOTOUCH) != null) {
                n++;
            }
        }
        c.reply().integer(n);
    }

    void type(Client c) {
        c.reply().simple(Values.type(c.db().lookup(c.arg(1), Db.LOOKUP_NOTOUCH)));
    }

    void rename(Client c) {
        renameGeneric(c, false);
    }

    void renamenx(Client c) {
        renameGeneric(c, true);
    }

    private static void renameGeneric(Client c, boolean nx) {
        Db db = c.db();
        byte[] src = c.arg(1);
        byte[] dst = c.arg(2);
        Object v = db.lookupWrite(src);
        if (v == null) {
            c.error(Errors.NO_SUCH_KEY);
            return;
        }
        if (Arrays.equals(src, dst)) {
            if (nx) {
                c.reply().integer(0);
            } else {
                c.reply().ok();
            }
            return;
        }
        long expire = db.getExpire(src);
        if (db.lookupWrite(dst) != null) {
            if (nx) {
                c.reply().integer(0);
                return;
            }
            db.deleteReplaced(dst);
        }
        db.add(dst, v);
        if (expire != -1) {
            db.setExpire(dst, expire);
        }
        db.removeSilently(src);
        db.signalModified(src);
        db.signalModified(dst);
        db.notify(Notify.GENERIC, "rename_from", src);
        db.notify(Notify.GENERIC, "rename_to", dst);
        c.dirty(1);
        if (nx) {
            c.reply().integer(1);
        } else {
            c.reply().ok();
        }
    }

    void keys(Client c) {
        Db db = c.db();
        byte[] pattern = c.arg(1);
        boolean all = pattern.length == 1 && pattern[0] == '*';
        List<byte[]> out = new ArrayList<>();
        db.dict().forEach(e -> {
            byte[] k = e.key();
            if ((all || Glob.matches(pattern, k, false)) && !db.isExpired(k)) {
                out.add(k);
            }
        });
        c.reply().array(out.size());
        for (byte[] k : out) {
            c.reply().bulk(k);
        }
    }

    void scan(Client c) {
        long[] parsed = new long[1];
        if (!ScanArgs.cursor(c, 1, parsed)) {
            return;
        }
        long cursor = parsed[0];
        ScanArgs a = ScanArgs.parse(c, 2, true);
        if (a == null) {
            return;
        }
        long limit = a.limit(1);
        Db db = c.db();
        List<byte[]> found = new ArrayList<>();
        // As in Redis, count * 10 may wrap for an absurd COUNT; the loop then runs to the end.
        long maxIterations = a.maxIterations(1);
        do {
            cursor = db.scanKeys(cursor, found);
        } while (cursor != 0 && maxIterations-- != 0 && found.size() < limit);
        String type = a.type() == null ? null : Texts.lower(a.type());
        a.reply(c, cursor, found, 1,
                k -> (type == null || type.equals(Values.type(db.lookup(k, Db.LOOKUP_NOTOUCH)))) && !db.expireIfNeeded(k));
    }

    void randomkey(Client c) {
        byte[] k = c.db().randomKey();
        if (k == null) {
            c.reply().nullBulk();
        } else {
            c.reply().bulk(k);
        }
    }

    void dbsize(Client c) {
        c.reply().integer(c.db().size());
    }

    /** FLUSHDB/FLUSHALL [ASYNC|SYNC]: false after replying a syntax error. */
    private static boolean flushFlagsOk(Client c) {
        if (c.argc() > 2 || (c.argc() == 2 && !Texts.is(c.arg(1), "sync") && !Texts.is(c.arg(1), "async"))) {
            c.error(Errors.SYNTAX);
            return false;
        }
        return true;
    }

    /** ASYNC, or no argument under lazyfree-lazy-user-flush (Redis's getFlushCommandFlags). */
    private static boolean isAsync(Client c) {
        if (c.argc() == 1) {
            return "yes".equals(c.server().config().get("lazyfree-lazy-user-flush"));
        }
        return Texts.is(c.arg(1), "async");
    }

    void flushdb(Client c) {
        if (!flushFlagsOk(c)) {
            return;
        }
        long keys = c.db().flush();
        if (isAsync(c)) {
            LazyFree.flushedAsync(c.server().keyspace(), keys);
        }
        c.dirty(keys);
        c.forcePropagation(Propagator.ALL); // an empty database's flush is replicated too
        c.reply().ok();
    }

    void flushall(Client c) {
        if (!flushFlagsOk(c)) {
            return;
        }
        var persistence = dev.cinnabar.server.persistence.Persistence.of(c.server());
        persistence.beforeFlushAll(); // stops a running BGSAVE, as Redis kills its child
        long keys = c.server().keyspace().flushAll();
        c.dirty(keys);
        persistence.afterFlushAll(); // saves the empty dataset when save points exist, which zeroes the counter
        if (isAsync(c)) {
            LazyFree.flushedAsync(c.server().keyspace(), keys);
        }
        c.forcePropagation(Propagator.ALL); // replicated and logged even when nothing was removed
        c.reply().ok();
    }

    void touch(Client c) {
        Db db = c.db();
        long n = 0;
        for (int i = 1; i < c.argc(); i++) {
            if (db.lookupRead(c.arg(i)) != null) {
                n++;
            }
        }
        c.reply().integer(n);
    }

    /** An int argument as getIntFromObjectOrReply reads it; null after replying an error. */
    private static Integer intArg(Client c, byte[] b, String notIntegerError) {
        Long v = Numbers.parseLong(b);
        if (v == null) {
            c.error(notIntegerError);
            return null;
        }
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            c.error(notIntegerError == Errors.NOT_INTEGER ? Errors.NOT_INT32 : notIntegerError);
            return null;
        }
        return v.intValue();
    }

    void swapdb(Client c) {
        Integer a = intArg(c, c.arg(1), Errors.INVALID_FIRST_DB);
        if (a == null) {
            return;
        }
        Integer b = intArg(c, c.arg(2), Errors.INVALID_SECOND_DB);
        if (b == null) {
            return;
        }
        Keyspace ks = c.server().keyspace();
        if (a < 0 || a >= ks.count() || b < 0 || b >= ks.count()) {
            c.error(Errors.INVALID_DB);
            return;
        }
        if (!a.equals(b)) {
            ks.swap(a, b);
        }
        c.dirty(1);
        c.reply().ok();
    }

    void move(Client c) {
        Integer id = intArg(c, c.arg(2), Errors.NOT_INTEGER);
        if (id == null) {
            return;
        }
        Keyspace ks = c.server().keyspace();
        if (id < 0 || id >= ks.count()) {
            c.error(Errors.INVALID_DB);
            return;
        }
        Db src = c.db();
        Db dst = ks.db(id);
        if (src == dst) {
            c.error(Errors.SAME_OBJECT);
            return;
        }
        byte[] key = c.arg(1);
        Object v = src.lookupWrite(key);
        if (v == null) {
            c.reply().integer(0);
            return;
        }
        long expire = src.getExpire(key);
        if (dst.lookupWrite(key) != null) {
            c.reply().integer(0);
            return;
        }
        dst.add(key, v);
        if (expire != -1) {
            dst.setExpire(key, expire);
        }
        src.removeSilently(key);
        src.signalModified(key);
        dst.signalModified(key);
        src.notify(Notify.GENERIC, "move_from", key);
        dst.notify(Notify.GENERIC, "move_to", key);
        c.dirty(1);
        c.reply().integer(1);
    }

    void copy(Client c) {
        Db src = c.db();
        Db dst = src;
        boolean replace = false;
        Keyspace ks = c.server().keyspace();
        for (int j = 3; j < c.argc(); j++) {
            byte[] opt = c.arg(j);
            if (Texts.is(opt, "replace")) {
                replace = true;
            } else if (Texts.is(opt, "db") && j < c.argc() - 1) {
                Integer id = intArg(c, c.arg(++j), Errors.NOT_INTEGER);
                if (id == null) {
                    return;
                }
                if (id < 0 || id >= ks.count()) {
                    c.error(Errors.INVALID_DB);
                    return;
                }
                dst = ks.db(id);
            } else {
                c.error(Errors.SYNTAX);
                return;
            }
        }
        byte[] key = c.arg(1);
        byte[] newKey = c.arg(2);
        if (src == dst && Arrays.equals(key, newKey)) {
            c.error(Errors.SAME_OBJECT);
            return;
        }
        Object v = src.lookupRead(key);
        if (v == null) {
            c.reply().integer(0);
            return;
        }
        long expire = src.getExpire(key);
        boolean delete = false;
        if (dst.lookupWrite(newKey) != null) {
            if (!replace) {
                c.reply().integer(0);
                return;
            }
            delete = true;
        }
        Object copy = v instanceof Long l ? Strings.unshared(l) : Values.copy(v);
        if (delete) {
            dst.deleteReplaced(newKey);
        }
        dst.add(newKey, copy);
        if (expire != -1) {
            dst.setExpire(newKey, expire);
        }
        dst.signalModified(newKey);
        dst.notify(Notify.GENERIC, "copy_to", newKey);
        c.dirty(1);
        c.reply().integer(1);
    }

    /** OBJECT's lookup: no LRU update, no key-miss event; replies nil and returns null if absent. */
    private static Dict.Entry objectLookup(Client c) {
        Db db = c.db();
        byte[] key = c.arg(2);
        if (db.lookup(key, Db.LOOKUP_NOTOUCH | Db.LOOKUP_NONOTIFY) == null) {
            c.reply().nullBulk();
            return null;
        }
        return db.rawEntry(key);
    }

    void objectEncoding(Client c) {
        Dict.Entry e = objectLookup(c);
        if (e != null) {
            c.reply().bulk(Values.encoding(e.value()));
        }
    }

    void objectRefcount(Client c) {
        Dict.Entry e = objectLookup(c);
        if (e != null) {
            boolean sharedInts = c.server().config().maxmemory == 0 || !noSharedIntegers(c);
            c.reply().integer(sharedInts && Strings.isShared(e.value()) ? Integer.MAX_VALUE : 1);
        }
    }

    /** LRU and LFU policies keep per-key metadata, so Redis does not share integers under them. */
    private static boolean noSharedIntegers(Client c) {
        String p = c.server().config().maxmemoryPolicy;
        return p.contains("lru") || p.contains("lfu");
    }

    void objectIdletime(Client c) {
        Dict.Entry e = objectLookup(c);
        if (e == null) {
            return;
        }
        if (c.server().config().maxmemoryPolicy.contains("lfu")) {
            c.error(Errors.LRU_SELECTED);
            return;
        }
        c.reply().integer(c.server().keyspace().idleSeconds(e));
    }

    void objectFreq(Client c) {
        Dict.Entry e = objectLookup(c);
        if (e == null) {
            return;
        }
        if (!c.server().config().maxmemoryPolicy.contains("lfu")) {
            c.error(Errors.LFU_NOT_SELECTED);
            return;
        }
        c.reply().integer(c.server().keyspace().lfuDecrAndReturn(e));
    }

    private static final String[] OBJECT_HELP = {
        "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "ENCODING <key>",
        "    How the value of <key> is stored (int, embstr, raw, listpack, quicklist, ...).",
        "FREQ <key>",
        "    The logarithmic access counter of <key> (LFU eviction policies only).",
        "IDLETIME <key>",
        "    Seconds since <key> was last read or written (LRU policies and noeviction).",
        "REFCOUNT <key>",
        "    How many references the value of <key> has.",
        "HELP",
        "    Print this help.",
    };

    void objectHelp(Client c) {
        c.reply().array(OBJECT_HELP.length);
        for (String line : OBJECT_HELP) {
            c.reply().simple(line);
        }
    }
}
