package dev.cinnabar.server.command.string;

import dev.cinnabar.server.protocol.Errors;
import dev.cinnabar.server.protocol.Texts;
import dev.cinnabar.server.session.Client;
import dev.cinnabar.server.store.Numbers;

/**
 * The options of SET and GETEX (Redis's parseExtendedStringArgumentsOrReply): NX, XX, GET,
 * KEEPTTL, PERSIST and one of EX/PX/EXAT/PXAT with its argument. Conflicting options are a
 * syntax error; repeating the same option is allowed (the last argument wins), as in Redis.
 */
record SetArgs(int flags, byte[] expireArg) {
    static final int NX = 1;
    static final int XX = 1 << 1;
    static final int GET = 1 << 2;
    static final int KEEPTTL = 1 << 3;
    static final int PERSIST = 1 << 4;
    static final int EX = 1 << 5;
    static final int PX = 1 << 6;
    static final int EXAT = 1 << 7;
    static final int PXAT = 1 << 8;
    static final int ANY_EXPIRE = EX | PX | EXAT | PXAT;

    /** Which command's grammar to accept. */
    enum Kind { SET, GETEX }

    boolean has(int f) {
        return (flags & f) != 0;
    }

    /** Parses options from argv[from..]; replies with the error and returns null when invalid. */
    static SetArgs parse(Client c, int from, Kind kind) {
        int flags = 0;
        byte[] expire = null;
        boolean set = kind == Kind.SET;
        for (int j = from; j < c.argc(); j++) {
            byte[] opt = c.arg(j);
            boolean hasNext = j < c.argc() - 1;
            if (set && Texts.is(opt, "nx") && (flags & XX) == 0) {
                flags |= NX;
            } else if (set && Texts.is(opt, "xx") && (flags & NX) == 0) {
                flags |= XX;
            } else if (set && Texts.is(opt, "get")) {
                flags |= GET;
            } else if (set && Texts.is(opt, "keepttl") && (flags & (PERSIST | ANY_EXPIRE)) == 0) {
                flags |= KEEPTTL;
            } else if (!set && Texts.is(opt, "persist") && (flags & (KEEPTTL | ANY_EXPIRE)) == 0) {
                flags |= PERSIST;
            } else if (hasNext && expireOption(opt) != 0
                    && (flags & (KEEPTTL | PERSIST | (ANY_EXPIRE & ~expireOption(opt)))) == 0) {
                flags |= expireOption(opt);
                expire = c.arg(++j);
            } else {
                c.error(Errors.SYNTAX);
                return null;
            }
        }
        return new SetArgs(flags, expire);
    }

    private static int expireOption(byte[] opt) {
        if (Texts.is(opt, "ex")) {
            return EX;
        }
        if (Texts.is(opt, "px")) {
            return PX;
        }
        if (Texts.is(opt, "exat")) {
            return EXAT;
        }
        if (Texts.is(opt, "pxat")) {
            return PXAT;
        }
        return 0;
    }

    /**
     * The absolute expiry in ms for the expire argument (Redis's getExpireMillisecondsOrReply):
     * not an integer, not positive, or overflowing replies with an error and returns -1.
     */
    long expireAtMillis(Client c) {
        return expireAtMillis(c, expireArg, (flags & (EX | EXAT)) != 0, (flags & (EX | PX)) != 0);
    }

    static long expireAtMillis(Client c, byte[] arg, boolean seconds, boolean relative) {
        Long v = Numbers.parseLong(arg);
        if (v == null) {
            c.error(Errors.NOT_INTEGER);
            return -1;
        }
        long ms = v;
        if (ms <= 0 || (seconds && ms > Long.MAX_VALUE / 1000)) {
            c.error(Errors.invalidExpire(c.cmd().fullName()));
            return -1;
        }
        if (seconds) {
            ms *= 1000;
        }
        if (relative) {
            ms += c.server().now();
        }
        if (ms <= 0) {
            c.error(Errors.invalidExpire(c.cmd().fullName()));
            return -1;
        }
        return ms;
    }
}
