package dev.cinnabar.server.scripting;

import dev.cinnabar.server.util.Doubles;
import java.nio.charset.StandardCharsets;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaString;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaUserdata;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;
import org.luaj.vm2.lib.VarArgFunction;

/**
 * The lua-cjson library as Redis ships it: cjson.encode / cjson.decode with cjson's rules (14
 * significant digits, '/' escaped, arrays detected from positive integer keys with the sparse-array
 * limits, empty tables as objects, cjson.null for JSON null, nesting limit 1000), and cjson's
 * configuration functions (encode_max_depth, encode_number_precision, encode_invalid_numbers...),
 * whose settings last for the library instance (as in Redis, from one script to the next) until
 * changed again; cjson.new() makes an instance with the defaults.
 */
final class CjsonLib {
    static final LuaUserdata NULL = new LuaUserdata(new Object());
    private static final String[] ON_OFF = {"off", "on"};
    private static final String[] ON_OFF_NULL = {"off", "on", "null"};

    /** One instance's settings (lua-cjson's defaults). */
    private static final class Config {
        int sparseConvert;
        int sparseRatio = 2;
        int sparseSafe = 10;
        int encodeMaxDepth = 1000;
        int decodeMaxDepth = 1000;
        int precision = 14;
        int keepBuffer = 1;
        /** 0 off (error), 1 on (nan, inf), 2 null. */
        int encodeInvalid;
        int decodeInvalid = 1;
    }

    private final Config cfg = new Config();

    private CjsonLib() {
    }

    static LuaTable create(ScriptLimits limits) {
        return new CjsonLib().table(limits);
    }

    private LuaTable table(ScriptLimits limits) {
        LuaTable t = new LuaTable();
        t.set("encode", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs a) {
                if (a.narg() != 1) {
                    throw new LuaError("bad argument #1 to 'encode' (expected 1 argument)");
                }
                LuaBytes sb = new LuaBytes(limits);
                encode(a.arg1(), sb, 0);
                return sb.toLuaString();
            }
        });
        t.set("decode", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs a) {
                if (a.narg() != 1) {
                    throw new LuaError("bad argument #1 to 'decode' (expected 1 argument)");
                }
                LuaString s = a.checkstring(1);
                byte[] b = new byte[s.m_length];
                System.arraycopy(s.m_bytes, s.m_offset, b, 0, s.m_length);
                return new Decoder(b).decodeTop();
            }
        });
        t.set("null", NULL);
        t.set("_NAME", "cjson");
        t.set("_VERSION", "2.1.0");
        config(t, "encode_sparse_array", 3, a -> {
            cfg.sparseConvert = enumOption(a, 1, "encode_sparse_array", ON_OFF, cfg.sparseConvert);
            cfg.sparseRatio = intOption(a, 2, "encode_sparse_array", 0, Integer.MAX_VALUE, cfg.sparseRatio);
            cfg.sparseSafe = intOption(a, 3, "encode_sparse_array", 0, Integer.MAX_VALUE, cfg.sparseSafe);
            return LuaValue.varargsOf(new LuaValue[] {enumValue(ON_OFF, cfg.sparseConvert),
                LuaValue.valueOf(cfg.sparseRatio), LuaValue.valueOf(cfg.sparseSafe)});
        });
        config(t, "encode_max_depth", 1, a -> LuaValue.valueOf(cfg.encodeMaxDepth =
                intOption(a, 1, "encode_max_depth", 1, Integer.MAX_VALUE, cfg.encodeMaxDepth)));
        config(t, "decode_max_depth", 1, a -> LuaValue.valueOf(cfg.decodeMaxDepth =
                intOption(a, 1, "decode_max_depth", 1, Integer.MAX_VALUE, cfg.decodeMaxDepth)));
        config(t, "encode_number_precision", 1, a -> LuaValue.valueOf(cfg.precision =
                intOption(a, 1, "encode_number_precision", 1, 14, cfg.precision)));
        config(t, "encode_keep_buffer", 1, a -> enumValue(ON_OFF, cfg.keepBuffer =
                enumOption(a, 1, "encode_keep_buffer", ON_OFF, cfg.keepBuffer)));
        config(t, "encode_invalid_numbers", 1, a -> enumValue(ON_OFF_NULL, cfg.encodeInvalid =
                enumOption(a, 1, "encode_invalid_numbers", ON_OFF_NULL, cfg.encodeInvalid)));
        config(t, "decode_invalid_numbers", 1, a -> enumValue(ON_OFF, cfg.decodeInvalid =
                enumOption(a, 1, "decode_invalid_numbers", ON_OFF, cfg.decodeInvalid)));
        t.set("new", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs a) {
                return create(limits);
            }
        });
        return t;
    }

    private static void config(LuaTable t, String fname, int maxArgs, java.util.function.Function<Varargs, Varargs> f) {
        t.set(fname, new VarArgFunction() { // (LibFunction has a field 'name' of its own)
            @Override
            public Varargs invoke(Varargs a) {
                if (a.narg() > maxArgs) {
                    throw new LuaError("bad argument #" + (maxArgs + 1) + " to '" + fname + "' (found too many arguments)");
                }
                return f.apply(a);
            }
        });
    }

    /** An integer setting: unchanged when the argument is absent or nil, else checked against its range. */
    private static int intOption(Varargs a, int i, String name, int min, int max, int current) {
        if (a.isnil(i)) {
            return current;
        }
        double d = a.checkdouble(i);
        if (d < min || d > max) {
            throw new LuaError("bad argument #" + i + " to '" + name + "' (expected integer between " + min + " and "
                    + max + ")");
        }
        return (int) d;
    }

    /** An option setting: a boolean means off/on, a string one of the option names. */
    private static int enumOption(Varargs a, int i, String name, String[] options, int current) {
        if (a.isnil(i)) {
            return current;
        }
        if (a.arg(i).isboolean()) {
            return a.arg(i).toboolean() ? 1 : 0;
        }
        String v = a.checkjstring(i);
        for (int k = 0; k < options.length; k++) {
            if (options[k].equals(v)) {
                return k;
            }
        }
        throw new LuaError("bad argument #" + i + " to '" + name + "' (invalid option '" + v + "')");
    }

    /** off/on read back as false/true, other options by name. */
    private static LuaValue enumValue(String[] options, int setting) {
        return setting <= 1 ? LuaValue.valueOf(setting == 1) : LuaValue.valueOf(options[setting]);
    }

    private void encode(LuaValue v, LuaBytes sb, int depth) {
        switch (v.type()) {
            case LuaValue.TNIL -> sb.append("null");
            case LuaValue.TBOOLEAN -> sb.append(v.toboolean() ? "true" : "false");
            case LuaValue.TNUMBER -> number(v.todouble(), sb);
            case LuaValue.TSTRING -> string(v.checkstring(), sb);
            case LuaValue.TTABLE -> table((LuaTable) v, sb, depth + 1);
            case LuaValue.TUSERDATA, LuaValue.TLIGHTUSERDATA -> {
                if (v == NULL) {
                    sb.append("null");
                } else {
                    throw new LuaError("Cannot serialise userdata: type not supported");
                }
            }
            default -> throw new LuaError("Cannot serialise " + v.typename() + ": type not supported");
        }
    }

    private void number(double d, LuaBytes sb) {
        if (Double.isNaN(d) || Double.isInfinite(d)) {
            switch (cfg.encodeInvalid) {
                case 0 -> throw new LuaError("Cannot serialise number: must not be NaN or Inf");
                case 2 -> sb.append("null");
                default -> sb.append(Double.isNaN(d) ? "nan" : d > 0 ? "inf" : "-inf");
            }
            return;
        }
        sb.append(Doubles.fmtG(d, cfg.precision));
    }

    private static void string(LuaString s, LuaBytes sb) {
        sb.append('"');
        for (int i = 0; i < s.m_length; i++) {
            int c = s.m_bytes[s.m_offset + i] & 0xff;
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '/' -> sb.append("\\/");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        sb.append(String.format("\\u%04x", c));
                    } else {
                        sb.write(c); // bytes pass through
                    }
                }
            }
        }
        sb.append('"');
    }

    private void table(LuaTable t, LuaBytes sb, int depth) {
        if (depth > cfg.encodeMaxDepth) {
            throw new LuaError("Cannot serialise, excessive nesting (" + depth + ")");
        }
        int arrayLen = arrayLength(t);
        if (arrayLen > 0) {
            sb.append('[');
            for (int i = 1; i <= arrayLen; i++) {
                if (i > 1) {
                    sb.append(',');
                }
                encode(t.rawget(i), sb, depth);
            }
            sb.append(']');
            return;
        }
        sb.append('{');
        boolean first = true;
        LuaValue k = LuaValue.NIL;
        while (true) {
            Varargs n = t.next(k);
            if ((k = n.arg1()).isnil()) {
                break;
            }
            if (!first) {
                sb.append(',');
            }
            first = false;
            if (k.type() == LuaValue.TSTRING) {
                string(k.checkstring(), sb);
            } else if (k.type() == LuaValue.TNUMBER) {
                sb.append('"');
                number(k.todouble(), sb);
                sb.append('"');
            } else {
                throw new LuaError("Cannot serialise " + k.typename() + ": table key must be a number or string");
            }
            sb.append(':');
            encode(n.arg(2), sb, depth);
        }
        sb.append('}');
    }

    /**
     * Array length when every key is a positive integer (cjson's rule), else -1; 0 for empty. An
     * excessively sparse array is an error, or an object when encode_sparse_array converts.
     */
    private int arrayLength(LuaTable t) {
        int max = 0;
        int items = 0;
        LuaValue k = LuaValue.NIL;
        while (true) {
            Varargs n = t.next(k);
            if ((k = n.arg1()).isnil()) {
                break;
            }
            if (k.type() != LuaValue.TNUMBER) {
                return -1;
            }
            double d = k.todouble();
            if (d != Math.floor(d) || d < 1) {
                return -1;
            }
            max = (int) Math.max(max, d);
            items++;
        }
        if (cfg.sparseRatio > 0 && max > (long) items * cfg.sparseRatio && max > cfg.sparseSafe) {
            if (cfg.sparseConvert == 0) {
                throw new LuaError("Cannot serialise table: excessively sparse array");
            }
            return -1;
        }
        return max;
    }

    /** A small recursive-descent JSON parser producing Lua values. */
    private final class Decoder {
        private final byte[] b;
        private int i;
        private int depth;

        Decoder(byte[] b) {
            this.b = b;
        }

        LuaValue decodeTop() {
            LuaValue v = value();
            ws();
            if (i < b.length) {
                throw err("the end", "invalid token");
            }
            return v;
        }

        private LuaError err(String expected, String found) {
            return new LuaError("Expected " + expected + " but found " + found + " at character " + (i + 1));
        }

        private void ws() {
            while (i < b.length && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r')) {
                i++;
            }
        }

        private LuaValue value() {
            ws();
            if (i >= b.length) {
                throw err("value", "T_END");
            }
            byte c = b[i];
            switch (c) {
                case '{':
                    return object();
                case '[':
                    return array();
                case '"':
                    return LuaString.valueOf(str());
                case 't':
                    return literal("true", LuaValue.TRUE);
                case 'f':
                    return literal("false", LuaValue.FALSE);
                case 'n':
                    return literalOrNan(NULL);
                default:
                    if (c == '-' || (c >= '0' && c <= '9')) {
                        if (cfg.decodeInvalid == 0 && invalidNumber()) {
                            throw err("value", "invalid number");
                        }
                        return number();
                    }
                    if (cfg.decodeInvalid != 0 && invalidNumber()) {
                        return number(); // +1, inf, nan: what strtod reads
                    }
                    throw err("value", "invalid token");
            }
        }

        /** A number JSON does not allow but strtod reads: a leading '+', hex, leading zeros, inf, nan. */
        private boolean invalidNumber() {
            int j = i;
            if (b[j] == '+') {
                return true;
            }
            if (b[j] == '-') {
                j++;
            }
            if (j < b.length && b[j] == '0') {
                return j + 1 < b.length && ((b[j + 1] | 0x20) == 'x' || (b[j + 1] >= '0' && b[j + 1] <= '9'));
            }
            if (j < b.length && b[j] <= '9') {
                return false;
            }
            return word(j, "inf") || word(j, "nan");
        }

        private boolean word(int at, String w) {
            return at + w.length() <= b.length
                    && new String(b, at, w.length(), StandardCharsets.US_ASCII).equalsIgnoreCase(w);
        }

        private LuaValue literalOrNan(LuaValue v) {
            return cfg.decodeInvalid != 0 && invalidNumber() ? number() : literal("null", v);
        }

        private LuaValue literal(String word, LuaValue v) {
            byte[] w = word.getBytes(StandardCharsets.US_ASCII);
            if (i + w.length > b.length) {
                throw err("value", "invalid token");
            }
            for (int k = 0; k < w.length; k++) {
                if (b[i + k] != w[k]) {
                    throw err("value", "invalid token");
                }
            }
            i += w.length;
            return v;
        }

        /** The longest prefix C's strtod reads (decimal, hex, inf, infinity, nan), as lua-cjson parses numbers. */
        private LuaValue number() {
            int j = i;
            boolean negative = false;
            if (j < b.length && (b[j] == '-' || b[j] == '+')) {
                negative = b[j] == '-';
                j++;
            }
            double v;
            if (word(j, "infinity") || word(j, "inf")) {
                j += word(j, "infinity") ? 8 : 3;
                v = Double.POSITIVE_INFINITY;
            } else if (word(j, "nan")) {
                j += 3;
                v = Double.NaN;
            } else if (j + 2 < b.length && b[j] == '0' && (b[j + 1] | 0x20) == 'x' && Character.digit(b[j + 2], 16) >= 0) {
                j += 2;
                long m = 0;
                while (j < b.length && Character.digit(b[j], 16) >= 0) {
                    m = m * 16 + Character.digit(b[j++], 16);
                }
                v = m;
            } else {
                int digits = 0;
                int start = j;
                while (j < b.length && b[j] >= '0' && b[j] <= '9') {
                    j++;
                    digits++;
                }
                if (j < b.length && b[j] == '.') {
                    j++;
                    while (j < b.length && b[j] >= '0' && b[j] <= '9') {
                        j++;
                        digits++;
                    }
                }
                if (digits == 0) {
                    throw err("value", "invalid number");
                }
                if (j < b.length && (b[j] | 0x20) == 'e') {
                    int k = j + 1;
                    if (k < b.length && (b[k] == '+' || b[k] == '-')) {
                        k++;
                    }
                    if (k < b.length && b[k] >= '0' && b[k] <= '9') {
                        while (k < b.length && b[k] >= '0' && b[k] <= '9') {
                            k++;
                        }
                        j = k;
                    }
                }
                v = Double.parseDouble(new String(b, start, j - start, StandardCharsets.US_ASCII));
            }
            i = j;
            return LuaValue.valueOf(negative ? -v : v);
        }

        private byte[] str() {
            i++; // opening quote
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            while (true) {
                if (i >= b.length) {
                    throw err("string", "T_END");
                }
                byte c = b[i++];
                if (c == '"') {
                    return out.toByteArray();
                }
                if (c != '\\') {
                    out.write(c);
                    continue;
                }
                if (i >= b.length) {
                    throw err("string", "T_END");
                }
                byte e = b[i++];
                switch (e) {
                    case 'b' -> out.write('\b');
                    case 'f' -> out.write('\f');
                    case 'n' -> out.write('\n');
                    case 'r' -> out.write('\r');
                    case 't' -> out.write('\t');
                    case 'u' -> {
                        if (i + 4 > b.length) {
                            throw err("string", "invalid unicode escape code");
                        }
                        int cp = Integer.parseInt(new String(b, i, 4, StandardCharsets.US_ASCII), 16);
                        i += 4;
                        if (cp >= 0xd800 && cp <= 0xdbff && i + 6 <= b.length && b[i] == '\\' && b[i + 1] == 'u') {
                            int lo = Integer.parseInt(new String(b, i + 2, 4, StandardCharsets.US_ASCII), 16);
                            i += 6;
                            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                        }
                        out.writeBytes(new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8));
                    }
                    default -> out.write(e);
                }
            }
        }

        private LuaValue array() {
            if (++depth > cfg.decodeMaxDepth) {
                throw new LuaError("Found too many nested data structures (" + depth + ") at character " + (i + 1));
            }
            i++;
            LuaTable t = new LuaTable();
            ws();
            if (i < b.length && b[i] == ']') {
                i++;
                depth--;
                return t;
            }
            int n = 1;
            while (true) {
                t.rawset(n++, value());
                ws();
                if (i < b.length && b[i] == ',') {
                    i++;
                    continue;
                }
                if (i < b.length && b[i] == ']') {
                    i++;
                    depth--;
                    return t;
                }
                throw err("comma or array end", "invalid token");
            }
        }

        private LuaValue object() {
            if (++depth > cfg.decodeMaxDepth) {
                throw new LuaError("Found too many nested data structures (" + depth + ") at character " + (i + 1));
            }
            i++;
            LuaTable t = new LuaTable();
            ws();
            if (i < b.length && b[i] == '}') {
                i++;
                depth--;
                return t;
            }
            while (true) {
                ws();
                if (i >= b.length || b[i] != '"') {
                    throw err("object key string", "invalid token");
                }
                LuaString k = LuaString.valueOf(str());
                ws();
                if (i >= b.length || b[i] != ':') {
                    throw err("colon", "invalid token");
                }
                i++;
                t.rawset(k, value());
                ws();
                if (i < b.length && b[i] == ',') {
                    i++;
                    continue;
                }
                if (i < b.length && b[i] == '}') {
                    i++;
                    depth--;
                    return t;
                }
                throw err("comma or object end", "invalid token");
            }
        }
    }
}
