package dev.cinnabar.server.scripting;

import java.util.ArrayList;
import java.util.List;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaString;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;
import org.luaj.vm2.lib.VarArgFunction;

/**
 * lua-cmsgpack as Redis ships it: cmsgpack.pack(...) encodes each argument and concatenates;
 * cmsgpack.unpack(s) returns every decoded value; unpack_one / unpack_limit decode a bounded
 * number. Numbers with an integral value are packed as the smallest integer type, others as
 * float32 when exact, else float64; tables with keys 1..n are arrays, others maps.
 */
final class CmsgpackLib {
    private static final int MAX_NESTING = 16;

    private CmsgpackLib() {
    }

    static LuaTable create(ScriptLimits limits) {
        LuaTable t = new LuaTable();
        t.set("pack", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs a) {
                if (a.narg() == 0) {
                    throw new LuaError("MessagePack pack needs input.");
                }
                LuaBytes out = new LuaBytes(limits);
                for (int i = 1; i <= a.narg(); i++) {
                    encode(a.arg(i), out, 0);
                }
                return out.toLuaString();
            }
        });
        t.set("unpack", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs a) {
                return decodeAll(a.checkstring(1), Integer.MAX_VALUE, 0, false);
            }
        });
        t.set("unpack_one", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs a) {
                return decodeAll(a.checkstring(1), 1, a.optint(2, 0), true);
            }
        });
        t.set("unpack_limit", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs a) {
                return decodeAll(a.checkstring(1), a.checkint(2), a.optint(3, 0), true);
            }
        });
        t.set("_NAME", "cmsgpack");
        t.set("_VERSION", "lua-cmsgpack 0.4.0");
        t.set("_COPYRIGHT", "Copyright (C) 2012, Salvatore Sanfilippo");
        t.set("_DESCRIPTION", "MessagePack C implementation for Lua");
        return t;
    }

    private static void be(LuaBytes out, long v, int bytes) {
        for (int k = bytes - 1; k >= 0; k--) {
            out.write((int) (v >>> (8 * k)));
        }
    }

    static void encode(LuaValue v, LuaBytes out, int level) {
        switch (v.type()) {
            case LuaValue.TNIL -> out.write(0xc0);
            case LuaValue.TBOOLEAN -> out.write(v.toboolean() ? 0xc3 : 0xc2);
            case LuaValue.TNUMBER -> number(v.todouble(), out);
            case LuaValue.TSTRING -> {
                LuaString s = v.checkstring();
                int n = s.m_length;
                if (n < 32) {
                    out.write(0xa0 | n);
                } else if (n <= 0xff) {
                    out.write(0xd9);
                    out.write(n);
                } else if (n <= 0xffff) {
                    out.write(0xda);
                    be(out, n, 2);
                } else {
                    out.write(0xdb);
                    be(out, n, 4);
                }
                out.write(s.m_bytes, s.m_offset, n);
            }
            case LuaValue.TTABLE -> {
                if (level >= MAX_NESTING) {
                    out.write(0xc0);
                    return;
                }
                LuaTable t = (LuaTable) v;
                int arr = arrayLen(t);
                if (arr >= 0) {
                    header(out, arr, 0x90, 0xdc, 0xdd);
                    for (int i = 1; i <= arr; i++) {
                        encode(t.rawget(i), out, level + 1);
                    }
                } else {
                    List<LuaValue[]> pairs = LuaTables.pairs(t);
                    header(out, pairs.size(), 0x80, 0xde, 0xdf);
                    for (LuaValue[] p : pairs) {
                        encode(p[0], out, level + 1);
                        encode(p[1], out, level + 1);
                    }
                }
            }
            default -> out.write(0xc0);
        }
    }

    private static void header(LuaBytes out, int n, int fix, int m16, int m32) {
        if (n <= 15) {
            out.write(fix | n);
        } else if (n <= 0xffff) {
            out.write(m16);
            be(out, n, 2);
        } else {
            out.write(m32);
            be(out, n, 4);
        }
    }

    /** Keys exactly 1..n (n = count), as lua-cmsgpack's table_is_an_array; -1 otherwise. */
    private static int arrayLen(LuaTable t) {
        int count = 0;
        double max = 0;
        LuaValue k = LuaValue.NIL;
        while (true) {
            Varargs n = t.next(k);
            if ((k = n.arg1()).isnil()) {
                break;
            }
            if (k.type() != LuaValue.TNUMBER || k.todouble() < 1 || k.todouble() != Math.floor(k.todouble())) {
                return -1;
            }
            max = Math.max(max, k.todouble());
            count++;
        }
        return max == count ? count : -1;
    }

    private static void number(double d, LuaBytes out) {
        if (d == Math.floor(d) && !Double.isInfinite(d) && Math.abs(d) < 9.2e18) {
            long v = (long) d;
            if (v >= 0) {
                if (v <= 127) {
                    out.write((int) v);
                } else if (v <= 0xff) {
                    out.write(0xcc);
                    out.write((int) v);
                } else if (v <= 0xffff) {
                    out.write(0xcd);
                    be(out, v, 2);
                } else if (v <= 0xffffffffL) {
                    out.write(0xce);
                    be(out, v, 4);
                } else {
                    out.write(0xcf);
                    be(out, v, 8);
                }
            } else if (v >= -32) {
                out.write((int) (v & 0xff));
            } else if (v >= -128) {
                out.write(0xd0);
                out.write((int) v);
            } else if (v >= -32768) {
                out.write(0xd1);
                be(out, v, 2);
            } else if (v >= -2147483648L) {
                out.write(0xd2);
                be(out, v, 4);
            } else {
                out.write(0xd3);
                be(out, v, 8);
            }
        } else if ((float) d == d) {
            out.write(0xca);
            be(out, Float.floatToIntBits((float) d) & 0xffffffffL, 4);
        } else {
            out.write(0xcb);
            be(out, Double.doubleToLongBits(d), 8);
        }
    }

    private static final class Cursor {
        final byte[] b;
        int p;

        Cursor(byte[] b, int p) {
            this.b = b;
            this.p = p;
        }

        int u8() {
            if (p >= b.length) {
                throw new LuaError("Missing bytes in input.");
            }
            return b[p++] & 0xff;
        }

        long ube(int n) {
            long v = 0;
            for (int k = 0; k < n; k++) {
                v = (v << 8) | u8();
            }
            return v;
        }

        byte[] bytes(long n) {
            if (n < 0 || p + n > b.length) {
                throw new LuaError("Missing bytes in input.");
            }
            byte[] r = java.util.Arrays.copyOfRange(b, p, (int) (p + n));
            p += (int) n;
            return r;
        }
    }

    private static Varargs decodeAll(LuaString s, int limit, int offset, boolean withOffset) {
        byte[] b = new byte[s.m_length];
        System.arraycopy(s.m_bytes, s.m_offset, b, 0, s.m_length);
        if (offset < 0 || offset > b.length) {
            throw new LuaError("Start offset " + offset + " greater than input length " + b.length + ".");
        }
        Cursor c = new Cursor(b, offset);
        List<LuaValue> out = new ArrayList<>();
        int[] top = {1}; // the Lua stack slots lua-cmsgpack holds: the input string, then its results
        while (c.p < b.length && out.size() < limit) {
            out.add(decode(c, top));
        }
        if (withOffset) {
            need(top, "in function mp_unpack_full");
            out.add(0, LuaValue.valueOf(c.p >= b.length ? -1 : c.p));
        }
        return LuaValue.varargsOf(out.toArray(new LuaValue[0]));
    }

    private static final String TOO_MANY = "too many return values at once; use unpack_one or unpack_limit instead.";

    /**
     * lua-cmsgpack's luaL_checkstack(L, 1, why): decoding holds one Lua stack slot per value
     * returned, per table being filled and per array index or map key pending, and Redis's Lua
     * has 8,000 (so arrays nest 3,999 deep, and one call returns at most 7,999 values).
     */
    private static void need(int[] top, String why) {
        if (top[0] + 1 > ScriptLimits.LUA_STACK) {
            throw new LuaError("stack overflow (" + why + ")");
        }
    }

    /** A table being filled by the decoder. */
    private static final class Frame {
        final LuaTable table = new LuaTable();
        final boolean map;
        long remaining; // elements (maps: pairs) still to read
        int index;
        LuaValue key;

        Frame(boolean map, long remaining) {
            this.map = map;
            this.remaining = remaining;
        }
    }

    /** Decodes one value, iteratively (nesting costs no Java stack), counting slots as lua-cmsgpack uses them. */
    private static LuaValue decode(Cursor c, int[] top) {
        java.util.ArrayDeque<Frame> frames = new java.util.ArrayDeque<>();
        while (true) {
            Frame parent = frames.peek();
            if (parent != null && !parent.map) {
                top[0]++; // the index pushed before each element
            }
            LuaValue v = start(c, frames, top);
            while (v != null) {
                Frame f = frames.peek();
                if (f == null) {
                    return v;
                }
                if (f.map && f.key == null) {
                    f.key = v; // stays on the stack until its value is read
                    break;
                }
                if (!f.map) {
                    f.table.rawset(++f.index, v);
                } else {
                    if (!f.key.isnil()) {
                        f.table.rawset(f.key, v);
                    }
                    f.key = null;
                }
                top[0] -= 2;
                if (--f.remaining > 0) {
                    break;
                }
                frames.pop();
                v = f.table;
            }
        }
    }

    /** Reads a scalar, or the header of a table (pushing its frame unless it is empty, then null). */
    private static LuaValue start(Cursor c, java.util.ArrayDeque<Frame> frames, int[] top) {
        need(top, TOO_MANY);
        int t = c.u8();
        long tableLen = -1;
        boolean map = false;
        if ((t & 0xf0) == 0x90) {
            tableLen = t & 0x0f;
        } else if ((t & 0xf0) == 0x80) {
            tableLen = t & 0x0f;
            map = true;
        } else if (t == 0xdc || t == 0xdd || t == 0xde || t == 0xdf) {
            tableLen = c.ube(t == 0xdc || t == 0xde ? 2 : 4);
            map = t >= 0xde;
        }
        top[0]++;
        if (tableLen < 0) {
            return scalar(c, t);
        }
        if (!map) {
            need(top, "in function mp_decode_to_lua_array");
        }
        if (tableLen > c.b.length - c.p) {
            throw new LuaError("Missing bytes in input.");
        }
        Frame f = new Frame(map, tableLen);
        if (tableLen == 0) {
            return f.table;
        }
        frames.push(f);
        return null;
    }

    private static LuaValue scalar(Cursor c, int t) {
        if (t <= 0x7f) {
            return LuaValue.valueOf(t);
        }
        if (t >= 0xe0) {
            return LuaValue.valueOf(t - 256);
        }
        if ((t & 0xe0) == 0xa0) {
            return LuaString.valueOf(c.bytes(t & 0x1f));
        }
        return switch (t) {
            case 0xc0 -> LuaValue.NIL;
            case 0xc2 -> LuaValue.FALSE;
            case 0xc3 -> LuaValue.TRUE;
            case 0xcc -> LuaValue.valueOf(c.ube(1));
            case 0xcd -> LuaValue.valueOf(c.ube(2));
            case 0xce -> LuaValue.valueOf((double) c.ube(4));
            case 0xcf -> {
                long v = c.ube(8);
                yield LuaValue.valueOf(v < 0 ? v + 18446744073709551616.0 : (double) v);
            }
            case 0xd0 -> LuaValue.valueOf((byte) c.ube(1));
            case 0xd1 -> LuaValue.valueOf((short) c.ube(2));
            case 0xd2 -> LuaValue.valueOf((int) c.ube(4));
            case 0xd3 -> LuaValue.valueOf((double) c.ube(8));
            case 0xca -> LuaValue.valueOf(Float.intBitsToFloat((int) c.ube(4)));
            case 0xcb -> LuaValue.valueOf(Double.longBitsToDouble(c.ube(8)));
            case 0xd9, 0xc4 -> LuaString.valueOf(c.bytes(c.ube(1)));
            case 0xda, 0xc5 -> LuaString.valueOf(c.bytes(c.ube(2)));
            case 0xdb, 0xc6 -> LuaString.valueOf(c.bytes(c.ube(4)));
            default -> throw new LuaError("Bad data format in input.");
        };
    }
}
