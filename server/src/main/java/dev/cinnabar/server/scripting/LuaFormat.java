package dev.cinnabar.server.scripting;

import dev.cinnabar.server.util.Doubles;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaString;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;

/**
 * Lua 5.1's string.format, which follows C's printf: flags {@code -+ #0}, width, precision, and
 * the conversions d i u c x X o e E f g G q s %. (LuaJ's own implementation ignores width and
 * precision for floating-point conversions.)
 */
final class LuaFormat {
    private LuaFormat() {
    }

    static LuaString format(Varargs a) {
        LuaString fmt = a.checkstring(1);
        byte[] f = new byte[fmt.m_length];
        System.arraycopy(fmt.m_bytes, fmt.m_offset, f, 0, fmt.m_length);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int arg = 1;
        for (int i = 0; i < f.length; i++) {
            byte c = f[i];
            if (c != '%') {
                out.write(c);
                continue;
            }
            if (++i >= f.length) {
                throw new LuaError("invalid option '%' to 'format'");
            }
            if (f[i] == '%') {
                out.write('%');
                continue;
            }
            int start = i;
            while (i < f.length && "-+ #0".indexOf(f[i]) >= 0) {
                i++;
            }
            while (i < f.length && Character.isDigit(f[i])) {
                i++;
            }
            if (i < f.length && f[i] == '.') {
                i++;
                while (i < f.length && Character.isDigit(f[i])) {
                    i++;
                }
            }
            if (i >= f.length) {
                throw new LuaError("invalid option '%' to 'format'");
            }
            String spec = new String(f, start, i - start, StandardCharsets.US_ASCII);
            if (spec.length() > 5) {
                throw new LuaError("invalid format (repeated flags)");
            }
            char conv = (char) f[i];
            arg++;
            String flags = spec.replaceAll("[0-9.]", "");
            String rest = spec.substring(flags.length());
            int width = 0;
            int precision = -1;
            int dot = rest.indexOf('.');
            if (dot >= 0) {
                width = rest.substring(0, dot).isEmpty() ? 0 : Integer.parseInt(rest.substring(0, dot));
                precision = rest.substring(dot + 1).isEmpty() ? 0 : Integer.parseInt(rest.substring(dot + 1));
            } else if (!rest.isEmpty()) {
                width = Integer.parseInt(rest);
            }
            String body;
            switch (conv) {
                case 'd', 'i' -> body = String.format("%" + javaFlags(flags) + (width > 0 ? width : "") + "d",
                        (long) a.checkdouble(arg));
                case 'u' -> body = Long.toUnsignedString((long) a.checkdouble(arg));
                case 'c' -> body = String.valueOf((char) (a.checkint(arg) & 0xff));
                case 'x', 'X', 'o' -> body = String.format("%" + javaFlags(flags) + (width > 0 ? width : "") + conv,
                        (long) a.checkdouble(arg));
                case 'e', 'E', 'f' -> body = String.format("%" + javaFlags(flags) + (width > 0 ? width : "")
                        + "." + (precision < 0 ? 6 : precision) + conv, a.checkdouble(arg));
                case 'g', 'G' -> {
                    String g = Doubles.fmtG(a.checkdouble(arg), precision < 0 ? 6 : Math.max(precision, 1));
                    body = pad(conv == 'G' ? g.toUpperCase() : g, width, flags);
                }
                case 'q' -> {
                    body = quoted(a.checkstring(arg));
                }
                case 's' -> {
                    LuaValue v = a.arg(arg);
                    String s = v.type() == LuaValue.TNUMBER ? ScriptEngine.luaNumber(v.todouble())
                            : v.checkstring().tojstring();
                    if (precision >= 0 && s.length() > precision) {
                        s = s.substring(0, precision);
                    }
                    body = pad(s, width, flags);
                }
                default -> throw new LuaError("invalid option '%" + conv + "' to 'format'");
            }
            out.writeBytes(body.getBytes(StandardCharsets.ISO_8859_1));
        }
        return LuaString.valueOf(out.toByteArray());
    }

    private static String javaFlags(String flags) {
        return flags.replace("#", "#");
    }

    private static String pad(String s, int width, String flags) {
        if (s.length() >= width) {
            return s;
        }
        String fill = " ".repeat(width - s.length());
        return flags.contains("-") ? s + fill : fill + s;
    }

    private static String quoted(LuaString s) {
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < s.m_length; i++) {
            int c = s.m_bytes[s.m_offset + i] & 0xff;
            switch (c) {
                case '"', '\\' -> b.append('\\').append((char) c);
                case '\n' -> b.append("\\\n");
                case '\r' -> b.append("\\r");
                case 0 -> b.append("\\000");
                default -> b.append((char) c);
            }
        }
        return b.append('"').toString();
    }
}
