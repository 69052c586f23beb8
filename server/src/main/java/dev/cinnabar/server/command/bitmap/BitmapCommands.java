package dev.cinnabar.server.command.bitmap;

import dev.cinnabar.server.command.CommandFamily;
import dev.cinnabar.server.command.CommandTable;
import dev.cinnabar.server.protocol.Errors;
import dev.cinnabar.server.protocol.Texts;
import dev.cinnabar.server.session.Client;
import dev.cinnabar.server.store.Db;
import dev.cinnabar.server.store.Notify;
import dev.cinnabar.server.store.Numbers;
import dev.cinnabar.server.store.RawString;
import dev.cinnabar.server.store.Strings;

/**
 * Bitmap commands: strings seen as bit vectors (SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP,
 * BITFIELD, BITFIELD_RO). Bit offsets are bounded by proto-max-bulk-len, so no request can make a
 * string larger than a client could have sent in one bulk. Writes turn the value into a raw string,
 * as Redis does.
 *
 * <p>Argument checks run in Redis 7.0's order (which decides which error a bad request gets): for
 * BITCOUNT and BITPOS the key is looked up before the range is parsed, so a missing key answers 0
 * (or -1) whatever the range says.
 */
public final class BitmapCommands implements CommandFamily {
    @Override
    public void register(CommandTable t) {
        t.bind("setbit", this::setbit);
        t.bind("getbit", this::getbit);
        t.bind("bitcount", this::bitcount);
        t.bind("bitpos", this::bitpos);
        t.bind("bitop", this::bitop);
        t.bind("bitfield", c -> BitField.execute(c, false));
        t.bind("bitfield_ro", c -> BitField.execute(c, true));
    }

    /**
     * Parses a bit offset (Redis's getBitOffsetFromArgument): a non-negative integer whose byte lies
     * below proto-max-bulk-len; with {@code bits > 0}, "#n" means n * bits. Returns -1 after
     * replying the error.
     */
    static long bitOffset(Client c, byte[] arg, int bits) {
        boolean hash = bits > 0 && arg.length > 0 && arg[0] == '#';
        long[] out = new long[1];
        int off = hash ? 1 : 0;
        if (!Numbers.parseLongStrict(arg, off, arg.length - off, out)) {
            c.error(Errors.BIT_OFFSET);
            return -1;
        }
        long offset = hash ? out[0] * bits : out[0];
        if (offset < 0 || (offset >> 3) >= maxBytes(c)) {
            c.error(Errors.BIT_OFFSET);
            return -1;
        }
        return offset;
    }

    /** The largest string a bit command may create: proto-max-bulk-len, within a Java array. */
    static long maxBytes(Client c) {
        return Math.min(c.server().config().protoMaxBulkLen, Integer.MAX_VALUE - 64);
    }

    void setbit(Client c) {
        byte[] key = c.arg(1);
        long offset = bitOffset(c, c.arg(2), 0);
        if (offset < 0) {
            return;
        }
        Long on = Numbers.parseLong(c.arg(3));
        if (on == null || (on & ~1L) != 0) {
            c.error(Errors.BIT_VALUE);
            return;
        }
        StringView.Target t = StringView.forWrite(c, key, (offset >>> 3) + 1);
        if (t == null) {
            return;
        }
        RawString r = t.str();
        byte[] b = r.array();
        int old = Bits.get(b, r.length(), offset);
        // Only a real change (a new or longer string, or a flipped bit) is signalled, as in 7.0.15.
        if (t.grew() || old != on) {
            Bits.set(b, offset, 1, on);
            Db db = c.db();
            db.signalModified(key);
            db.notify(Notify.STRING, "setbit", key);
            c.dirty(1);
        }
        c.reply().integer(old);
    }

    void getbit(Client c) {
        long offset = bitOffset(c, c.arg(2), 0);
        if (offset < 0) {
            return;
        }
        Object v = c.db().lookupRead(c.arg(1));
        if (v != null && !Strings.isString(v)) {
            c.error(Errors.WRONGTYPE);
            return;
        }
        StringView s = StringView.of(v);
        c.reply().integer(Bits.get(s.b(), s.len(), offset));
    }

    /** Looks up a string for reading; sets wrongType[0] after replying WRONGTYPE. A missing key is null. */
    private static Object readString(Client c, byte[] key, boolean[] wrongType) {
        Object v = c.db().lookupRead(key);
        if (v != null && !Strings.isString(v)) {
            c.error(Errors.WRONGTYPE);
            wrongType[0] = true;
            return null;
        }
        return v;
    }

    /** Parses the optional BIT/BYTE at index i (BYTE when absent); null after replying a syntax error. */
    private static Boolean unitIsBit(Client c, int i) {
        if (c.argc() <= i) {
            return false;
        }
        byte[] arg = c.arg(i);
        if (Texts.is(arg, "bit")) {
            return true;
        }
        if (Texts.is(arg, "byte")) {
            return false;
        }
        c.error(Errors.SYNTAX);
        return null;
    }

    void bitcount(Client c) {
        boolean[] wrong = new boolean[1];
        Object v = readString(c, c.arg(1), wrong);
        if (wrong[0]) {
            return;
        }
        if (v == null) {
            c.reply().integer(0);
            return;
        }
        StringView s = StringView.of(v);
        int argc = c.argc();
        long startBit;
        long endBit;
        if (argc == 4 || argc == 5) {
            Long start = Numbers.parseLong(c.arg(2));
            Long end = start == null ? null : Numbers.parseLong(c.arg(3));
            if (end == null) {
                c.error(Errors.NOT_INTEGER);
                return;
            }
            if (start < 0 && end < 0 && start > end) {
                c.reply().integer(0);
                return;
            }
            Boolean isBit = unitIsBit(c, 4);
            if (isBit == null) {
                return;
            }
            long[] range = bitRange(start, end, s.len(), isBit);
            startBit = range[0];
            endBit = range[1];
        } else if (argc == 2) {
            startBit = 0;
            endBit = ((long) s.len() << 3) - 1;
        } else {
            c.error(Errors.SYNTAX);
            return;
        }
        c.reply().integer(Bits.count(s.b(), startBit, endBit));
    }

    /**
     * The inclusive bit range [from, to] that start..end select in a string of len bytes, counted
     * in bits or bytes; from > to when it is empty. Redis's normalisation: negatives count from the
     * end, then both are clamped into [0, total-1].
     */
    private static long[] bitRange(long start, long end, int len, boolean isBit) {
        long total = isBit ? (long) len << 3 : len;
        if (start < 0) {
            start = total + start;
        }
        if (end < 0) {
            end = total + end;
        }
        if (start < 0) {
            start = 0;
        }
        if (end < 0) {
            end = 0;
        }
        if (end >= total) {
            end = total - 1;
        }
        if (start > end) {
            return new long[] {0, -1};
        }
        return isBit ? new long[] {start, end} : new long[] {start << 3, (end << 3) + 7};
    }

    void bitpos(Client c) {
        Long bitArg = Numbers.parseLong(c.arg(2));
        if (bitArg == null) {
            c.error(Errors.NOT_INTEGER);
            return;
        }
        if (bitArg != 0 && bitArg != 1) {
            c.error(Errors.BITPOS_BIT);
            return;
        }
        int bit = (int) (long) bitArg;
        boolean[] wrong = new boolean[1];
        Object v = readString(c, c.arg(1), wrong);
        if (wrong[0]) {
            return;
        }
        if (v == null) {
            // A missing key is an infinite run of zero bits.
            c.reply().integer(bit == 1 ? -1 : 0);
            return;
        }
        StringView s = StringView.of(v);
        int argc = c.argc();
        boolean endGiven = false;
        long startBit;
        long endBit;
        if (argc >= 4 && argc <= 6) {
            Long start = Numbers.parseLong(c.arg(3));
            if (start == null) {
                c.error(Errors.NOT_INTEGER);
                return;
            }
            Boolean isBit = unitIsBit(c, 5);
            if (isBit == null) {
                return;
            }
            long end = (isBit ? (long) s.len() << 3 : s.len()) - 1;
            if (argc >= 5) {
                Long e = Numbers.parseLong(c.arg(4));
                if (e == null) {
                    c.error(Errors.NOT_INTEGER);
                    return;
                }
                end = e;
                endGiven = true;
            }
            long[] range = bitRange(start, end, s.len(), isBit);
            startBit = range[0];
            endBit = range[1];
        } else if (argc == 3) {
            startBit = 0;
            endBit = ((long) s.len() << 3) - 1;
        } else {
            c.error(Errors.SYNTAX);
            return;
        }
        if (startBit > endBit) {
            c.reply().integer(-1);
            return;
        }
        long pos = Bits.position(s.b(), startBit, endBit, bit);
        if (pos < 0 && bit == 0 && !endGiven) {
            // Without an explicit end the string is seen as padded with zeros on the right.
            pos = endBit + 1;
        }
        c.reply().integer(pos);
    }

    void bitop(Client c) {
        byte[] opArg = c.arg(1);
        int op;
        if (Texts.is(opArg, "and")) {
            op = 0;
        } else if (Texts.is(opArg, "or")) {
            op = 1;
        } else if (Texts.is(opArg, "xor")) {
            op = 2;
        } else if (Texts.is(opArg, "not")) {
            op = 3;
        } else {
            c.error(Errors.SYNTAX);
            return;
        }
        if (op == 3 && c.argc() != 4) {
            c.error(Errors.BITOP_NOT);
            return;
        }
        int n = c.argc() - 3;
        StringView[] src = new StringView[n];
        int maxLen = 0;
        boolean[] wrong = new boolean[1];
        for (int j = 0; j < n; j++) {
            Object v = readString(c, c.arg(j + 3), wrong);
            if (wrong[0]) {
                return;
            }
            src[j] = StringView.of(v);
            maxLen = Math.max(maxLen, src[j].len());
        }
        byte[] res = new byte[maxLen];
        for (int i = 0; i < maxLen; i++) {
            int out = i < src[0].len() ? src[0].b()[i] & 0xff : 0;
            if (op == 3) {
                out = ~out & 0xff;
            }
            for (int j = 1; j < n; j++) {
                int x = i < src[j].len() ? src[j].b()[i] & 0xff : 0;
                switch (op) {
                    case 0 -> out &= x;
                    case 1 -> out |= x;
                    default -> out ^= x;
                }
            }
            res[i] = (byte) out;
        }
        Db db = c.db();
        byte[] dest = c.arg(2);
        if (maxLen > 0) {
            db.setKey(dest, new RawString(res), false);
            db.notify(Notify.STRING, "set", dest);
            c.dirty(1);
        } else if (db.delete(dest)) {
            db.notify(Notify.GENERIC, "del", dest);
            c.dirty(1);
        }
        c.reply().integer(maxLen);
    }
}
