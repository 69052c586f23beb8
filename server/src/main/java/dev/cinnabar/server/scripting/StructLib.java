package dev.cinnabar.server.scripting;

import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaString;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;
import org.luaj.vm2.lib.VarArgFunction;

/**
 * Roberto Ierusalimschy's struct library as Redis ships it: struct.pack, struct.unpack and
 * struct.size over the formats {@code < > ! x b B h H l L T i[n] I[n] f d s c[n]} (little-endian
 * by default, as on the x86-64 servers Redis runs on; long and size_t are 8 bytes).
 */
final class StructLib {
    private StructLib() {
    }

    private static final class Fmt {
        final byte[] f;
        int i;
        boolean little = true;
        int maxAlign = 1;

        Fmt(LuaString s) {
            f = new byte[s.m_length];
            System.arraycopy(s.m_bytes, s.m_offset, f, 0, s.m_length);
        }

        boolean more() {
            return i < f.length;
        }

        int num(int def) {
            if (i >= f.length || f[i] < '0' || f[i] > '9') {
                return def;
            }
            int n = 0;
            while (i < f.length && f[i] >= '0' && f[i] <= '9') {
                int d = f[i++] - '0';
                if (n > Integer.MAX_VALUE / 10 || n * 10 > Integer.MAX_VALUE - d) {
                    throw new LuaError("integral size overflow");
                }
                n = n * 10 + d;
            }
            return n;
        }

        int size(byte opt) {
            return switch (opt) {
                case 'B', 'b' -> 1;
                case 'H', 'h' -> 2;
                case 'L', 'l', 'T' -> 8;
                case 'f' -> 4;
                case 'd' -> 8;
                case 'x' -> 1;
                case 'i', 'I' -> {
                    int n = num(4);
                    if (n > 16 || n < 1) {
                        throw new LuaError("integral size " + n + " is larger than limit of 16");
                    }
                    yield n;
                }
                default -> 0;
            };
        }

        int align(int size, int pos) {
            int a = Math.min(size, maxAlign);
            if (a <= 1 || (pos % a) == 0) {
                return 0;
            }
            return a - (pos % a);
        }
    }

    static LuaTable create(ScriptLimits limits) {
        LuaTable t = new LuaTable();
        t.set("pack", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs a) {
                return pack(a, limits);
            }
        });
        t.set("unpack", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs a) {
                return unpack(a);
            }
        });
        t.set("size", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs a) {
                return size(a);
            }
        });
        return t;
    }

    private static boolean control(Fmt f, byte opt) {
        switch (opt) {
            case ' ':
                return true;
            case '>':
                f.little = false;
                return true;
            case '<':
                f.little = true;
                return true;
            case '!':
                f.maxAlign = f.num(8);
                return true;
            default:
                return false;
        }
    }

    private static void putInt(LuaBytes out, long v, int size, boolean little) {
        byte[] b = new byte[size];
        for (int k = 0; k < size; k++) {
            int idx = little ? k : size - 1 - k;
            b[idx] = k < 8 ? (byte) (v >>> (8 * k)) : (byte) (v < 0 ? 0xff : 0);
        }
        out.writeBytes(b);
    }

    private static Varargs pack(Varargs a, ScriptLimits limits) {
        Fmt f = new Fmt(a.checkstring(1));
        LuaBytes out = new LuaBytes(limits);
        int arg = 2;
        while (f.more()) {
            byte opt = f.f[f.i++];
            if (control(f, opt)) {
                continue;
            }
            int size = f.size(opt);
            int pad = f.align(size, out.size());
            for (int k = 0; k < pad; k++) {
                out.write(0);
            }
            switch (opt) {
                case 'b', 'B', 'h', 'H', 'l', 'L', 'T', 'i', 'I' -> {
                    double d = a.checkdouble(arg++);
                    long v = (opt == 'L' || opt == 'T' || opt == 'I' || opt == 'B' || opt == 'H') && d >= 9.2e18
                            ? (long) (d - 18446744073709551616.0) : (long) d;
                    putInt(out, v, size, f.little);
                }
                case 'x' -> out.write(0);
                case 'f' -> putInt(out, Float.floatToIntBits((float) a.checkdouble(arg++)) & 0xffffffffL, 4, f.little);
                case 'd' -> putInt(out, Double.doubleToLongBits(a.checkdouble(arg++)), 8, f.little);
                case 'c', 's' -> {
                    LuaString s = a.checkstring(arg++);
                    int n = opt == 'c' ? f.num(-1) : -1;
                    int len = s.m_length;
                    if (n == -1 || n == 0) {
                        n = len;
                    }
                    if (n > len) {
                        throw new LuaError("bad argument #" + (arg - 1) + " to 'pack' (string too short)");
                    }
                    out.write(s.m_bytes, s.m_offset, n);
                    if (opt == 's') {
                        out.write(0);
                    }
                }
                default -> throw new LuaError("invalid format option '" + (char) opt + "'");
            }
        }
        return out.toLuaString();
    }

    private static long getInt(byte[] b, int pos, int size, boolean little, boolean signed) {
        long v = 0;
        for (int k = 0; k < size && k < 8; k++) {
            int idx = little ? pos + k : pos + size - 1 - k;
            v |= (long) (b[idx] & 0xff) << (8 * k);
        }
        if (signed && size < 8) {
            long mask = 1L << (size * 8 - 1);
            v = (v ^ mask) - mask;
        }
        return v;
    }

    private static Varargs unpack(Varargs a) {
        Fmt f = new Fmt(a.checkstring(1));
        LuaString data = a.checkstring(2);
        byte[] b = new byte[data.m_length];
        System.arraycopy(data.m_bytes, data.m_offset, b, 0, data.m_length);
        int pos = a.optint(3, 1) - 1;
        if (pos < 0) {
            throw new LuaError("bad argument #3 to 'unpack' (offset must be 1 or greater)");
        }
        java.util.List<LuaValue> res = new java.util.ArrayList<>();
        while (f.more()) {
            byte opt = f.f[f.i++];
            if (control(f, opt)) {
                continue;
            }
            int size = f.size(opt);
            pos += f.align(size, pos);
            if (opt != 'c' && opt != 's' && pos + size > b.length) {
                throw new LuaError("bad argument #2 to 'unpack' (data string too short)");
            }
            switch (opt) {
                case 'b', 'h', 'l', 'i' -> res.add(LuaValue.valueOf((double) getInt(b, pos, size, f.little, true)));
                case 'B', 'H', 'L', 'T', 'I' -> {
                    long v = getInt(b, pos, size, f.little, false);
                    res.add(LuaValue.valueOf(v < 0 ? v + 18446744073709551616.0 : (double) v));
                }
                case 'x' -> {
                }
                case 'f' -> res.add(LuaValue.valueOf(Float.intBitsToFloat((int) getInt(b, pos, 4, f.little, false))));
                case 'd' -> res.add(LuaValue.valueOf(Double.longBitsToDouble(getInt(b, pos, 8, f.little, false))));
                case 'c' -> {
                    int n = f.num(-1);
                    if (n == 0 || n == -1) {
                        if (res.isEmpty() || !res.get(res.size() - 1).isnumber()) {
                            throw new LuaError("format 'c0' needs a previous size");
                        }
                        n = res.remove(res.size() - 1).toint();
                    }
                    if (pos + n > b.length) {
                        throw new LuaError("bad argument #2 to 'unpack' (data string too short)");
                    }
                    byte[] s = java.util.Arrays.copyOfRange(b, pos, pos + n);
                    res.add(LuaString.valueOf(s));
                    size = n;
                }
                case 's' -> {
                    int end = pos;
                    while (end < b.length && b[end] != 0) {
                        end++;
                    }
                    if (end >= b.length) {
                        throw new LuaError("unfinished string in data");
                    }
                    res.add(LuaString.valueOf(java.util.Arrays.copyOfRange(b, pos, end)));
                    size = end - pos + 1;
                }
                default -> throw new LuaError("invalid format option '" + (char) opt + "'");
            }
            pos += size;
        }
        res.add(LuaValue.valueOf(pos + 1));
        return LuaValue.varargsOf(res.toArray(new LuaValue[0]));
    }

    private static Varargs size(Varargs a) {
        Fmt f = new Fmt(a.checkstring(1));
        int pos = 0;
        while (f.more()) {
            byte opt = f.f[f.i++];
            if (control(f, opt)) {
                continue;
            }
            int size = f.size(opt);
            pos += f.align(size, pos);
            if (opt == 's') {
                throw new LuaError("options 'c0' - 's' have undefined sizes");
            }
            if (opt == 'c') {
                int n = f.num(-1);
                if (n <= 0) {
                    throw new LuaError("options 'c0' - 's' have undefined sizes");
                }
                size = n;
            }
            pos += size;
        }
        return LuaValue.valueOf(pos);
    }
}
