package dev.cinnabar.server.command.bitmap;

import dev.cinnabar.server.protocol.Errors;
import dev.cinnabar.server.protocol.Texts;
import dev.cinnabar.server.session.Client;
import dev.cinnabar.server.store.Db;
import dev.cinnabar.server.store.Notify;
import dev.cinnabar.server.store.Numbers;
import dev.cinnabar.server.store.RawString;
import dev.cinnabar.server.store.Strings;
import java.util.ArrayList;
import java.util.List;

/**
 * BITFIELD and BITFIELD_RO: the whole request is parsed into a list of operations first (so a bad
 * argument anywhere fails the command before anything is written), then the string is created or
 * grown once to the furthest bit any write reaches, and the operations run in order.
 *
 * <p>Types are i1..i64 and u1..u63 (an unsigned 64-bit value could not be returned as a RESP
 * integer). Overflow handling follows the last OVERFLOW before each operation: WRAP (modular, the
 * default), SAT (clamp to the type's range) or FAIL (no write, null reply).
 */
final class BitField {
    static final int WRAP = 0;
    static final int SAT = 1;
    static final int FAIL = 2;

    private static final int GET = 0;
    private static final int SET = 1;
    private static final int INCRBY = 2;

    /** One parsed operation. */
    record Op(int opcode, boolean signed, int bits, long offset, long value, int overflow) {
    }

    private BitField() {
    }

    static void execute(Client c, boolean readOnly) {
        List<Op> ops = new ArrayList<>();
        int overflow = WRAP;
        boolean writes = false;
        long highestBit = 0;
        int argc = c.argc();
        for (int j = 2; j < argc; j++) {
            int remaining = argc - j - 1;
            byte[] sub = c.arg(j);
            int opcode;
            if (Texts.is(sub, "get") && remaining >= 2) {
                opcode = GET;
            } else if (Texts.is(sub, "set") && remaining >= 3) {
                opcode = SET;
            } else if (Texts.is(sub, "incrby") && remaining >= 3) {
                opcode = INCRBY;
            } else if (Texts.is(sub, "overflow") && remaining >= 1) {
                byte[] kind = c.arg(++j);
                if (Texts.is(kind, "wrap")) {
                    overflow = WRAP;
                } else if (Texts.is(kind, "sat")) {
                    overflow = SAT;
                } else if (Texts.is(kind, "fail")) {
                    overflow = FAIL;
                } else {
                    c.error(Errors.BITFIELD_OVERFLOW);
                    return;
                }
                continue;
            } else {
                c.error(Errors.SYNTAX);
                return;
            }
            byte[] type = c.arg(j + 1);
            int bits = parseBits(type);
            if (bits < 0) {
                c.error(Errors.BITFIELD_TYPE);
                return;
            }
            boolean signed = type[0] == 'i';
            long offset = BitmapCommands.bitOffset(c, c.arg(j + 2), bits);
            if (offset < 0) {
                return;
            }
            long value = 0;
            if (opcode != GET) {
                writes = true;
                highestBit = Math.max(highestBit, offset + bits - 1);
                Long v = Numbers.parseLong(c.arg(j + 3));
                if (v == null) {
                    c.error(Errors.NOT_INTEGER);
                    return;
                }
                value = v;
            }
            ops.add(new Op(opcode, signed, bits, offset, value, overflow));
            j += opcode == GET ? 2 : 3;
        }
        byte[] key = c.arg(1);
        if (!writes) {
            Object v = c.db().lookupRead(key);
            if (v != null && !Strings.isString(v)) {
                c.error(Errors.WRONGTYPE);
                return;
            }
            StringView s = StringView.of(v);
            c.reply().array(ops.size());
            for (Op op : ops) {
                c.reply().integer(op.signed ? Bits.getSigned(s.b(), s.len(), op.offset, op.bits)
                        : Bits.getUnsigned(s.b(), s.len(), op.offset, op.bits));
            }
            return;
        }
        if (readOnly) {
            c.error(Errors.BITFIELD_RO);
            return;
        }
        StringView.Target t = StringView.forWrite(c, key, (highestBit >>> 3) + 1);
        if (t == null) {
            return;
        }
        RawString r = t.str();
        c.reply().array(ops.size());
        int changes = 0;
        for (Op op : ops) {
            byte[] b = r.array();
            int len = r.length();
            if (op.opcode == GET) {
                c.reply().integer(op.signed ? Bits.getSigned(b, len, op.offset, op.bits)
                        : Bits.getUnsigned(b, len, op.offset, op.bits));
                continue;
            }
            long old = op.signed ? Bits.getSigned(b, len, op.offset, op.bits)
                    : Bits.getUnsigned(b, len, op.offset, op.bits);
            long[] limit = new long[1];
            int of;
            long newVal;
            long ret;
            if (op.opcode == INCRBY) {
                of = op.signed ? signedOverflow(old, op.value, op.bits, op.overflow, limit)
                        : unsignedOverflow(old, op.value, op.bits, op.overflow, limit);
                newVal = of != 0 ? limit[0] : old + op.value;
                ret = newVal;
            } else {
                of = op.signed ? signedOverflow(op.value, 0, op.bits, op.overflow, limit)
                        : unsignedOverflow(op.value, 0, op.bits, op.overflow, limit);
                newVal = of != 0 ? limit[0] : op.value;
                ret = old;
            }
            if (of != 0 && op.overflow == FAIL) {
                c.reply().nullBulk();
                continue;
            }
            c.reply().integer(ret);
            Bits.set(b, op.offset, op.bits, newVal);
            // As Redis 7.0.15: a write counts when the string grew or the field's value changed.
            if (t.grew() || old != newVal) {
                changes++;
            }
        }
        if (changes > 0) {
            Db db = c.db();
            db.signalModified(key);
            db.notify(Notify.STRING, "setbit", key);
            c.dirty(changes);
        }
    }

    /** "i1".."i64" or "u1".."u63": the width, or -1. */
    static int parseBits(byte[] type) {
        if (type.length < 2 || (type[0] != 'i' && type[0] != 'u')) {
            return -1;
        }
        long[] out = new long[1];
        if (!Numbers.parseLongStrict(type, 1, type.length - 1, out)) {
            return -1;
        }
        long max = type[0] == 'i' ? 64 : 63;
        return out[0] < 1 || out[0] > max ? -1 : (int) out[0];
    }

    /**
     * Whether value + incr overflows an unsigned field of the given width (value is read as
     * unsigned): 1 above the maximum, -1 below zero, 0 when it fits. On overflow with WRAP or SAT
     * the value to store goes to limit[0].
     */
    static int unsignedOverflow(long value, long incr, int bits, int mode, long[] limit) {
        long max = (1L << bits) - 1; // bits <= 63
        long maxIncr = max - value;
        long minIncr = -value;
        int result;
        if (Long.compareUnsigned(value, max) > 0 || (incr > 0 && incr > maxIncr)) {
            result = 1;
            limit[0] = max;
        } else if (incr < 0 && incr < minIncr) {
            result = -1;
            limit[0] = 0;
        } else {
            return 0;
        }
        if (mode == WRAP) {
            limit[0] = (value + incr) & max;
        }
        return result;
    }

    /** As {@link #unsignedOverflow} for a two's complement field of 1..64 bits. */
    static int signedOverflow(long value, long incr, int bits, int mode, long[] limit) {
        long max = bits == 64 ? Long.MAX_VALUE : (1L << (bits - 1)) - 1;
        long min = -max - 1;
        long maxIncr = max - value;
        long minIncr = min - value;
        int result;
        if (value > max || (bits != 64 && incr > maxIncr) || (value >= 0 && incr > 0 && incr > maxIncr)) {
            result = 1;
            limit[0] = max;
        } else if (value < min || (bits != 64 && incr < minIncr) || (value < 0 && incr < 0 && incr < minIncr)) {
            result = -1;
            limit[0] = min;
        } else {
            return 0;
        }
        if (mode == WRAP) {
            long sum = value + incr;
            if (bits < 64) {
                long mask = -1L << bits;
                sum = (sum & (1L << (bits - 1))) != 0 ? sum | mask : sum & ~mask;
            }
            limit[0] = sum;
        }
        return result;
    }
}
