package dev.cinnabar.server.scripting;

import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;
import org.luaj.vm2.lib.VarArgFunction;

/** The LuaBitOp library ("bit") as Redis ships it: 32-bit operations returning signed results. */
final class BitLib {
    private BitLib() {
    }

    interface Op {
        Varargs apply(Varargs a);
    }

    private static VarArgFunction fn(Op op) {
        return new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs a) {
                return op.apply(a);
            }
        };
    }

    /** Normalises a Lua number to a signed 32-bit integer (modulo 2^32, rounding to nearest). */
    static int tobit(LuaValue v) {
        double d = v.checkdouble();
        double r = Math.rint(d);
        long l = Math.abs(r) < 9.2e18 ? (long) r : (long) (r % 4294967296.0);
        return (int) l;
    }

    static LuaTable create() {
        LuaTable t = new LuaTable();
        t.set("tobit", fn(a -> LuaValue.valueOf(tobit(a.arg(1)))));
        t.set("bnot", fn(a -> LuaValue.valueOf(~tobit(a.arg(1)))));
        t.set("band", fn(a -> {
            int r = tobit(a.arg(1));
            for (int i = 2; i <= a.narg(); i++) {
                r &= tobit(a.arg(i));
            }
            return LuaValue.valueOf(r);
        }));
        t.set("bor", fn(a -> {
            int r = tobit(a.arg(1));
            for (int i = 2; i <= a.narg(); i++) {
                r |= tobit(a.arg(i));
            }
            return LuaValue.valueOf(r);
        }));
        t.set("bxor", fn(a -> {
            int r = tobit(a.arg(1));
            for (int i = 2; i <= a.narg(); i++) {
                r ^= tobit(a.arg(i));
            }
            return LuaValue.valueOf(r);
        }));
        t.set("lshift", fn(a -> LuaValue.valueOf(tobit(a.arg(1)) << (tobit(a.arg(2)) & 31))));
        t.set("rshift", fn(a -> LuaValue.valueOf(tobit(a.arg(1)) >>> (tobit(a.arg(2)) & 31))));
        t.set("arshift", fn(a -> LuaValue.valueOf(tobit(a.arg(1)) >> (tobit(a.arg(2)) & 31))));
        t.set("rol", fn(a -> LuaValue.valueOf(Integer.rotateLeft(tobit(a.arg(1)), tobit(a.arg(2)) & 31))));
        t.set("ror", fn(a -> LuaValue.valueOf(Integer.rotateRight(tobit(a.arg(1)), tobit(a.arg(2)) & 31))));
        t.set("bswap", fn(a -> LuaValue.valueOf(Integer.reverseBytes(tobit(a.arg(1))))));
        t.set("tohex", fn(a -> {
            int x = tobit(a.arg(1));
            int n = a.isnoneornil(2) ? 8 : tobit(a.arg(2));
            boolean upper = n < 0;
            n = n == Integer.MIN_VALUE ? 8 : Math.min(8, Math.abs(n)); // |MIN_VALUE| does not fit an int
            String h = String.format(upper ? "%08X" : "%08x", x);
            return LuaValue.valueOf(h.substring(8 - n));
        }));
        return t;
    }
}
