package dev.cinnabar.server.scripting;

import dev.cinnabar.server.util.Doubles;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaString;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;

/**
 * Lua 5.1's string.format as Redis runs it: each item is scanned by Lua's rules (at most five
 * flags from {@code -+ #0}, two digits of width, two of precision) and formatted as glibc's
 * sprintf on x86-64 would, including its treatment of the item as a C string (an item stops at
 * its first zero byte) and of out-of-range numbers converted to integers. Written out rather than
 * delegated to java.util.Formatter, whose flag rules differ from C's (and throw where C prints).
 * The result is limited like every string a library builds ({@link ScriptLimits}).
 */
final class LuaFormat {
    private static final String FLAGS = "-+ #0";
    private static final double TWO_63 = 9223372036854775808.0;

    private LuaFormat() {
    }

    /** One scanned item: its flags, width (-1 if none) and precision (-1 if none). */
    private record Spec(boolean left, boolean plus, boolean space, boolean alt, boolean zero, int width,
                        int precision) {
    }

    static LuaString format(Varargs a, ScriptLimits limits) {
        LuaString fmt = a.checkstring(1);
        byte[] f = fmt.m_bytes;
        int end = fmt.m_offset + fmt.m_length;
        LuaBytes out = new LuaBytes(limits, fmt.m_length + 16);
        int arg = 1;
        for (int i = fmt.m_offset; i < end; i++) {
            byte c = f[i];
            if (c != '%') {
                out.write(c);
                continue;
            }
            if (++i >= end) {
                throw new LuaError("invalid option '%' to 'format'");
            }
            if (f[i] == '%') {
                out.write('%');
                continue;
            }
            if (++arg > a.narg()) {
                throw new LuaError("bad argument #" + arg + " to 'format' (no value)");
            }
            int start = i;
            while (i < end && FLAGS.indexOf(f[i]) >= 0) {
                i++;
            }
            if (i - start >= FLAGS.length() + 1) {
                throw new LuaError("invalid format (repeated flags)");
            }
            String flags = new String(f, start, i - start, StandardCharsets.ISO_8859_1);
            int width = -1;
            int precision = -1;
            int digits = start = i;
            while (i < end && i - digits < 2 && isDigit(f[i])) {
                i++;
            }
            if (i > start) {
                width = Integer.parseInt(new String(f, start, i - start, StandardCharsets.ISO_8859_1));
            }
            if (i < end && f[i] == '.') {
                start = ++i;
                while (i < end && i - start < 2 && isDigit(f[i])) {
                    i++;
                }
                precision = i > start ? Integer.parseInt(new String(f, start, i - start, StandardCharsets.ISO_8859_1)) : 0;
            }
            if (i < end && isDigit(f[i])) {
                throw new LuaError("invalid format (width or precision too long)");
            }
            if (i >= end) {
                throw new LuaError("invalid option '%' to 'format'");
            }
            Spec s = new Spec(flags.indexOf('-') >= 0, flags.indexOf('+') >= 0, flags.indexOf(' ') >= 0,
                    flags.indexOf('#') >= 0, flags.indexOf('0') >= 0, width, precision);
            char conv = (char) (f[i] & 0xff);
            byte[] item;
            switch (conv) {
                case 'd', 'i' -> item = integer(s, toLong(number(a, arg)), false, 10, false);
                case 'o' -> item = integer(s, toUnsignedLong(number(a, arg)), true, 8, false);
                case 'u' -> item = integer(s, toUnsignedLong(number(a, arg)), true, 10, false);
                case 'x', 'X' -> item = integer(s, toUnsignedLong(number(a, arg)), true, 16, conv == 'X');
                case 'c' -> item = pad(s, new byte[] {(byte) toInt(number(a, arg))});
                case 'e', 'E', 'f', 'g', 'G' -> item = floating(s, conv, number(a, arg));
                case 'q' -> {
                    quoted(string(a, arg), out);
                    continue;
                }
                case 's' -> {
                    LuaString str = string(a, arg);
                    if (precision < 0 && str.m_length >= 100) {
                        out.write(str); // Lua keeps a long string whole, zero bytes included
                        continue;
                    }
                    item = pad(s, cString(str, precision));
                }
                default -> throw new LuaError("invalid option '%" + conv + "' to 'format'");
            }
            int n = 0;
            while (n < item.length && item[n] != 0) {
                n++; // sprintf's buffer is added as a C string
            }
            out.write(item, 0, n);
        }
        return out.toLuaString();
    }

    private static boolean isDigit(byte b) {
        return b >= '0' && b <= '9';
    }

    /** luaL_checknumber, with Redis's message (numeric strings are numbers). */
    private static double number(Varargs a, int arg) {
        LuaValue v = a.arg(arg);
        if (v.isnumber()) {
            return v.checkdouble();
        }
        throw new LuaError("bad argument #" + arg + " to 'format' (number expected, got " + typeName(a, arg) + ")");
    }

    /** luaL_checklstring: strings, and numbers as Lua prints them. */
    private static LuaString string(Varargs a, int arg) {
        LuaValue v = a.arg(arg);
        if (v.type() == LuaValue.TSTRING) {
            return v.checkstring();
        }
        if (v.type() == LuaValue.TNUMBER) {
            return LuaString.valueOf(ScriptEngine.luaNumber(v.todouble()));
        }
        throw new LuaError("bad argument #" + arg + " to 'format' (string expected, got " + typeName(a, arg) + ")");
    }

    private static String typeName(Varargs a, int arg) {
        return arg > a.narg() ? "no value" : a.arg(arg).typename();
    }

    /** A double converted to a signed 64-bit integer as x86-64 does (out of range: the minimum). */
    static long toLong(double d) {
        return d >= -TWO_63 && d < TWO_63 ? (long) d : Long.MIN_VALUE;
    }

    /** A double converted to an unsigned 64-bit integer as gcc's x86-64 code does. */
    static long toUnsignedLong(double d) {
        return d >= TWO_63 ? toLong(d - TWO_63) ^ Long.MIN_VALUE : toLong(d);
    }

    private static int toInt(double d) {
        return d >= Integer.MIN_VALUE && d < 2147483648.0 ? (int) d : Integer.MIN_VALUE;
    }

    /** The bytes of s up to its first zero byte, at most precision of them. */
    private static byte[] cString(LuaString s, int precision) {
        int n = 0;
        int max = precision < 0 ? s.m_length : Math.min(precision, s.m_length);
        while (n < max && s.m_bytes[s.m_offset + n] != 0) {
            n++;
        }
        byte[] b = new byte[n];
        System.arraycopy(s.m_bytes, s.m_offset, b, 0, n);
        return b;
    }

    /** %d %i (signed) and %o %u %x %X (unsigned) with C's flags, width and precision. */
    private static byte[] integer(Spec s, long v, boolean unsigned, int radix, boolean upper) {
        boolean negative = !unsigned && v < 0;
        String digits = unsigned || !negative ? Long.toUnsignedString(v, radix)
                : Long.toUnsignedString(-v, radix); // -MIN_VALUE is MIN_VALUE: its unsigned digits are right
        if (upper) {
            digits = digits.toUpperCase();
        }
        if (s.precision() == 0 && v == 0) {
            digits = "";
        }
        if (s.precision() > digits.length()) {
            digits = "0".repeat(s.precision() - digits.length()) + digits;
        }
        String prefix = "";
        if (negative) {
            prefix = "-";
        } else if (!unsigned && s.plus()) {
            prefix = "+";
        } else if (!unsigned && s.space()) {
            prefix = " ";
        }
        if (s.alt() && radix == 8 && !digits.startsWith("0")) {
            digits = "0" + digits;
        } else if (s.alt() && radix == 16 && v != 0) {
            prefix = upper ? "0X" : "0x";
        }
        return padNumber(s, prefix, digits, s.precision() < 0);
    }

    /** %e %E %f %g %G with C's flags: exact decimal rounding (as glibc), inf and nan spelled as C. */
    private static byte[] floating(Spec s, char conv, double d) {
        boolean negative = d < 0 || (d == 0 && 1 / d < 0) || (Double.isNaN(d) && Double.doubleToRawLongBits(d) < 0);
        String prefix = negative ? "-" : s.plus() ? "+" : s.space() ? " " : "";
        boolean upper = Character.isUpperCase(conv);
        if (Double.isNaN(d) || Double.isInfinite(d)) {
            String word = Double.isNaN(d) ? "nan" : "inf";
            return padNumber(s, prefix, upper ? word.toUpperCase() : word, false);
        }
        double abs = Math.abs(d);
        int p = s.precision() < 0 ? 6 : s.precision();
        String body = switch (Character.toLowerCase(conv)) {
            case 'f' -> fixed(abs, p, s.alt());
            case 'e' -> exponent(abs, p, s.alt());
            default -> general(abs, p == 0 ? 1 : p, s.alt());
        };
        return padNumber(s, prefix, upper ? body.toUpperCase() : body, true);
    }

    private static String fixed(double abs, int p, boolean alt) {
        String r = new BigDecimal(abs).setScale(p, RoundingMode.HALF_EVEN).toPlainString();
        return alt && p == 0 ? r + "." : r;
    }

    private static String exponent(double abs, int p, boolean alt) {
        int exp = 0;
        String digits;
        if (abs == 0) {
            digits = "0".repeat(p + 1);
        } else {
            BigDecimal r = new BigDecimal(abs).round(new MathContext(p + 1, RoundingMode.HALF_EVEN));
            digits = r.unscaledValue().toString();
            exp = digits.length() - 1 - r.scale();
            digits = (digits + "0".repeat(p + 1)).substring(0, p + 1);
        }
        String mantissa = digits.substring(0, 1) + (p > 0 || alt ? "." : "") + digits.substring(1);
        String e = Integer.toString(Math.abs(exp));
        return mantissa + (exp < 0 ? "e-" : "e+") + (e.length() < 2 ? "0" + e : e);
    }

    /** %g: %e or %f by the exponent, trailing zeros removed unless '#'. */
    private static String general(double abs, int p, boolean alt) {
        if (!alt) {
            return Doubles.fmtG(abs, p);
        }
        String e = exponent(abs, p - 1, false);
        int exp = Integer.parseInt(e.substring(e.indexOf('e') + 1));
        return exp < -4 || exp >= p ? exponent(abs, p - 1, true) : fixed(abs, p - 1 - exp, true);
    }

    /** Pads sign/prefix + digits to the width: left, zero-filled (when allowed) or right. */
    private static byte[] padNumber(Spec s, String prefix, String digits, boolean zeroAllowed) {
        int len = prefix.length() + digits.length();
        String r;
        if (s.width() <= len) {
            r = prefix + digits;
        } else if (s.left()) {
            r = prefix + digits + " ".repeat(s.width() - len);
        } else if (s.zero() && zeroAllowed) {
            r = prefix + "0".repeat(s.width() - len) + digits;
        } else {
            r = " ".repeat(s.width() - len) + prefix + digits;
        }
        return r.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Pads %c and %s items with spaces to the width (C ignores '0' for them). */
    private static byte[] pad(Spec s, byte[] body) {
        if (s.width() <= body.length) {
            return body;
        }
        byte[] r = new byte[s.width()];
        java.util.Arrays.fill(r, (byte) ' ');
        System.arraycopy(body, 0, r, s.left() ? 0 : s.width() - body.length, body.length);
        return r;
    }

    /** %q: a string Lua can read back. */
    private static void quoted(LuaString s, LuaBytes out) {
        out.write('"');
        for (int i = 0; i < s.m_length; i++) {
            int c = s.m_bytes[s.m_offset + i] & 0xff;
            switch (c) {
                case '"', '\\' -> out.append('\\').append((char) c);
                case '\n' -> out.append("\\\n");
                case '\r' -> out.append("\\r");
                case 0 -> out.append("\\000");
                default -> out.write(c);
            }
        }
        out.write('"');
    }
}
