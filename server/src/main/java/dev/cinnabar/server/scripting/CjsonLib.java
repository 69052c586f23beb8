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
 * significant digits, '/' escaped, arrays detected from positive integer keys with the default
 * sparse-array limits, empty tables as objects, cjson.null for JSON null, nesting limit 1000).
 */
final class CjsonLib {
    static final LuaUserdata NULL = new LuaUserdata(new Object());
    private static final int MAX_DEPTH = 1000;

    private CjsonLib() {
    }

    static LuaTable create(ScriptLimits limits) {
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
        VarArgFunction config = new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs a) {
                return a;
            }
        };
        for (String c : new String[] {"encode_sparse_array", "encode_max_depth", "decode_max_depth",
            "encode_number_precision", "encode_keep_buffer", "encode_invalid_numbers", "decode_invalid_numbers"}) {
            t.set(c, config);
        }
        t.set("new", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs a) {
                return create(limits);
            }
        });
        return t;
    }

    static void encode(LuaValue v, LuaBytes sb, int depth) {
        switch (v.type()) {
            case LuaValue.TNIL -> sb.append("null");
            case LuaValue.TBOOLEAN -> sb.append(v.toboolean() ? "true" : "false");
            case LuaValue.TNUMBER -> {
                double d = v.todouble();
                if (Double.isNaN(d) || Double.isInfinite(d)) {
                    throw new LuaError("Cannot serialise number: must not be NaN or Inf");
                }
                sb.append(Doubles.fmtG(d, 14));
            }
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

    private static void table(LuaTable t, LuaBytes sb, int depth) {
        if (depth > MAX_DEPTH) {
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
                sb.append('"').append(Doubles.fmtG(k.todouble(), 14)).append('"');
            } else {
                throw new LuaError("Cannot serialise " + k.typename() + ": table key must be a number or string");
            }
            sb.append(':');
            encode(n.arg(2), sb, depth);
        }
        sb.append('}');
    }

    /** Array length when every key is a positive integer (cjson's rule), else -1; 0 for empty. */
    private static int arrayLength(LuaTable t) {
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
        if (max > 10 && max > items * 2) {
            throw new LuaError("Cannot serialise table: excessively sparse array");
        }
        return max;
    }

    /** A small recursive-descent JSON parser producing Lua values. */
    private static final class Decoder {
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
                    return literal("null", NULL);
                default:
                    if (c == '-' || (c >= '0' && c <= '9')) {
                        return number();
                    }
                    throw err("value", "invalid token");
            }
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

        private LuaValue number() {
            int start = i;
            while (i < b.length && "+-0123456789.eE".indexOf(b[i]) >= 0) {
                i++;
            }
            try {
                return LuaValue.valueOf(Double.parseDouble(new String(b, start, i - start, StandardCharsets.US_ASCII)));
            } catch (NumberFormatException e) {
                i = start;
                throw err("value", "invalid number");
            }
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
            if (++depth > MAX_DEPTH) {
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
            if (++depth > MAX_DEPTH) {
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
