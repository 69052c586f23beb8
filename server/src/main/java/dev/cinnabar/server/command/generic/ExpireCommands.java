package dev.cinnabar.server.command.generic;

import dev.cinnabar.server.command.CommandFamily;
import dev.cinnabar.server.command.CommandTable;
import dev.cinnabar.server.propagate.Propagator;
import dev.cinnabar.server.protocol.Errors;
import dev.cinnabar.server.protocol.Texts;
import dev.cinnabar.server.session.Client;
import dev.cinnabar.server.store.Db;
import dev.cinnabar.server.store.Notify;
import dev.cinnabar.server.store.Numbers;

/**
 * Expiry commands (Redis's expire.c): EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT with NX/XX/GT/LT,
 * TTL, PTTL, EXPIRETIME, PEXPIRETIME, PERSIST.
 *
 * <p>A time already in the past deletes the key at once (event "del", not "expired"), except on
 * a replica, which waits for the master's DEL. Times are computed against the command's cached
 * "now" and checked for overflow exactly where Redis checks them.
 */
public final class ExpireCommands implements CommandFamily {
    private static final int NX = 1;
    private static final int XX = 2;
    private static final int GT = 4;
    private static final int LT = 8;

    @Override
    public void register(CommandTable t) {
        t.bind("expire", c -> expireGeneric(c, c.server().now(), true));
        t.bind("pexpire", c -> expireGeneric(c, c.server().now(), false));
        t.bind("expireat", c -> expireGeneric(c, 0, true));
        t.bind("pexpireat", c -> expireGeneric(c, 0, false));
        t.bind("ttl", c -> ttlGeneric(c, false, false));
        t.bind("pttl", c -> ttlGeneric(c, true, false));
        t.bind("expiretime", c -> ttlGeneric(c, false, true));
        t.bind("pexpiretime", c -> ttlGeneric(c, true, true));
        t.bind("persist", this::persist);
    }

    /** The NX/XX/GT/LT flags after the time argument; -1 after replying an error. */
    private static int parseFlags(Client c) {
        int flags = 0;
        for (int j = 3; j < c.argc(); j++) {
            byte[] opt = c.arg(j);
            if (Texts.is(opt, "nx")) {
                flags |= NX;
            } else if (Texts.is(opt, "xx")) {
                flags |= XX;
            } else if (Texts.is(opt, "gt")) {
                flags |= GT;
            } else if (Texts.is(opt, "lt")) {
                flags |= LT;
            } else {
                c.error(String.format(Errors.UNSUPPORTED_OPTION, Texts.str(opt)));
                return -1;
            }
        }
        if ((flags & NX) != 0 && (flags & (XX | GT | LT)) != 0) {
            c.error(Errors.EXPIRE_NX_CONFLICT);
            return -1;
        }
        if ((flags & (GT | LT)) == (GT | LT)) {
            c.error(Errors.EXPIRE_GT_LT);
            return -1;
        }
        return flags;
    }

    /** expireGenericCommand: basetime is now for relative commands, 0 for the *AT ones. */
    private static void expireGeneric(Client c, long basetime, boolean seconds) {
        int flags = parseFlags(c);
        if (flags < 0) {
            return;
        }
        Long arg = Numbers.parseLong(c.arg(2));
        if (arg == null) {
            c.error(Errors.NOT_INTEGER);
            return;
        }
        long when = arg;
        if (seconds) {
            if (when > Long.MAX_VALUE / 1000 || when < Long.MIN_VALUE / 1000) {
                c.error(Errors.invalidExpire(c.cmd().fullName()));
                return;
            }
            when *= 1000;
        }
        if (when > Long.MAX_VALUE - basetime) {
            c.error(Errors.invalidExpire(c.cmd().fullName()));
            return;
        }
        when += basetime;
        Db db = c.db();
        byte[] key = c.arg(1);
        if (db.lookupWrite(key) == null) {
            c.reply().integer(0);
            return;
        }
        if (flags != 0) {
            long current = db.getExpire(key);
            if ((flags & NX) != 0 && current != -1
                    || (flags & XX) != 0 && current == -1
                    || (flags & GT) != 0 && (when <= current || current == -1)
                    || (flags & LT) != 0 && current != -1 && when >= current) {
                c.reply().integer(0);
                return;
            }
        }
        if (db.alreadyExpired(when)) {
            db.delete(key);
            db.notify(Notify.GENERIC, "del", key);
            c.dirty(1);
            c.rewriteArgv(Propagator.deleteVerb(c.server(), "lazyfree-lazy-expire"), key);
            c.reply().integer(1);
            return;
        }
        db.setExpire(key, when);
        c.reply().integer(1);
        db.signalModified(key);
        db.notify(Notify.GENERIC, "expire", key);
        c.dirty(1);
        // replicated as an absolute time in ms, the NX/XX/GT/LT options kept
        if (basetime != 0 || seconds) {
            c.rewriteArgument(0, PEXPIREAT);
        }
        c.rewriteArgument(2, Propagator.bytes(when));
    }

    private static final byte[] PEXPIREAT = Propagator.bytes("PEXPIREAT");

    /** TTL, PTTL, EXPIRETIME, PEXPIRETIME: -2 no key, -1 no TTL. */
    private static void ttlGeneric(Client c, boolean ms, boolean absolute) {
        Db db = c.db();
        byte[] key = c.arg(1);
        if (db.lookup(key, Db.LOOKUP_NOTOUCH) == null) {
            c.reply().integer(-2);
            return;
        }
        long expire = db.getExpire(key);
        if (expire == -1) {
            c.reply().integer(-1);
            return;
        }
        long ttl = absolute ? expire : expire - c.server().now();
        if (ttl < 0) {
            ttl = 0;
        }
        // Rounded to seconds without overflow (Redis's arithmetic yields the exact quotient even
        // for an expiry near 2^63 ms).
        c.reply().integer(ms ? ttl : Long.divideUnsigned(ttl + 500, 1000));
    }

    void persist(Client c) {
        Db db = c.db();
        byte[] key = c.arg(1);
        if (db.lookupWrite(key) != null && db.removeExpire(key)) {
            db.signalModified(key);
            db.notify(Notify.GENERIC, "persist", key);
            c.dirty(1);
            c.reply().integer(1);
        } else {
            c.reply().integer(0);
        }
    }
}
