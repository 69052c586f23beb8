package dev.cinnabar.server.scripting;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.luaj.vm2.Lua;
import org.luaj.vm2.Prototype;
import org.luaj.vm2.lib.DebugLib;

/**
 * Lua 5.1's wording of the VM's type errors, from LuaJ's: "attempt to call field 'cal' (a nil
 * value)" where LuaJ says "attempt to call nil", "attempt to index local 'x' (a nil value)" for
 * "attempt to index ? (a nil value)" or "index expected, got nil", "attempt to compare table with
 * number" for "attempt to compare __lt on table and number", and so on.
 *
 * <p>The name of the value at fault ("local 'x'", "global 'f'", "field 'k'", "method 'm'",
 * "upvalue 'u'") comes, as in Lua, from the bytecode: the instruction that failed (the {@link Site}
 * the watchdog recorded when the error was raised) and the register it read, traced back with
 * LuaJ's own {@code DebugLib.getobjname}. Without a site, or when the site does not match the
 * error (another line, another kind of instruction), the message has no name ("attempt to call a
 * nil value"), which is also what Lua says for temporaries.
 */
final class Lua51Errors {
    /** Where a Lua error was raised: the function's prototype and the failing instruction. */
    record Site(Prototype proto, int pc) {
        int line() {
            return proto.lineinfo != null && pc >= 0 && pc < proto.lineinfo.length ? proto.lineinfo[pc] : -1;
        }
    }

    private static final String TYPES = "(nil|boolean|table|string|number|function|userdata|thread)";
    private static final Pattern CALL = Pattern.compile("attempt to call " + TYPES + "$");
    private static final Pattern INDEX = Pattern.compile("attempt to index \\? \\(a " + TYPES + " value\\)$");
    private static final Pattern INDEX_SET = Pattern.compile("index expected, got " + TYPES + "$");
    private static final Pattern INDEX_PLAIN = Pattern.compile("attempt to index " + TYPES + "$");
    private static final Pattern LENGTH = Pattern.compile("attempt to get length of " + TYPES + "$");
    private static final Pattern ARITH = Pattern.compile(
            "attempt to perform arithmetic (?:__[a-z]+ )?on " + TYPES + "(?: and " + TYPES + ")?$");
    private static final Pattern CONCAT = Pattern.compile(
            "attempt to concatenate " + TYPES + "(?: and " + TYPES + ")?$");
    private static final Pattern COMPARE = Pattern.compile("attempt to compare (?:__[a-z]+ on )?" + TYPES + " and "
            + TYPES + "$");
    private static final Method GETOBJNAME;
    private static final Field NAME;
    private static final Field NAMEWHAT;

    static {
        Method m = null;
        Field n = null;
        Field w = null;
        try {
            m = DebugLib.class.getMethod("getobjname", Prototype.class, int.class, int.class);
            Class<?> nw = Class.forName("org.luaj.vm2.lib.DebugLib$NameWhat");
            n = nw.getDeclaredField("name");
            w = nw.getDeclaredField("namewhat");
            n.setAccessible(true);
            w.setAccessible(true);
        } catch (ReflectiveOperationException | RuntimeException e) {
            m = null; // names are left out
        }
        GETOBJNAME = m;
        NAME = n;
        NAMEWHAT = w;
    }

    private Lua51Errors() {
    }

    /**
     * msg (LuaJ's, possibly after a "user_script:1: " position) worded as Lua 5.1; site is where
     * the error was raised, or null; line is the error's line, or -1 when unknown.
     */
    static String reword(String msg, Site site, int line) {
        Site at = site != null && line >= 0 && site.line() == line ? site : null;
        Matcher m;
        if ((m = CALL.matcher(msg)).find()) {
            return typeError(msg, m, "call", m.group(1), at, Lua.OP_CALL, -1, 'A');
        }
        if ((m = INDEX.matcher(msg)).find() || (m = INDEX_SET.matcher(msg)).find()
                || (m = INDEX_PLAIN.matcher(msg)).find()) {
            return typeError(msg, m, "index", m.group(1), at, Lua.OP_GETTABLE, Lua.OP_SELF, 'B');
        }
        if ((m = LENGTH.matcher(msg)).find()) {
            return typeError(msg, m, "get length of", m.group(1), at, Lua.OP_LEN, -1, 'B');
        }
        if ((m = ARITH.matcher(msg)).find()) {
            // Lua names the first operand that is not a number
            boolean first = m.group(2) == null || !m.group(1).equals("number");
            String type = first ? m.group(1) : m.group(2);
            return typeError(msg, m, "perform arithmetic on", type, at, -2, -1, first ? 'B' : 'C');
        }
        if ((m = CONCAT.matcher(msg)).find()) {
            // Lua names the first operand that is neither a string nor a number
            boolean first = m.group(2) == null || !(m.group(1).equals("string") || m.group(1).equals("number"));
            String type = first ? m.group(1) : m.group(2);
            return typeError(msg, m, "concatenate", type, at, Lua.OP_CONCAT, -1, first ? 'B' : 'C');
        }
        if ((m = COMPARE.matcher(msg)).find()) {
            String a = m.group(1);
            String b = m.group(2);
            return msg.substring(0, m.start())
                    + (a.equals(b) ? "attempt to compare two " + a + " values" : "attempt to compare " + a + " with " + b);
        }
        return msg;
    }

    /**
     * "attempt to {what} {namewhat} '{name}' (a {type} value)", or without the name. op/op2 are the
     * instructions that raise this error (-2: any arithmetic one); operand says which register
     * the value at fault was in.
     */
    private static String typeError(String msg, Matcher m, String what, String type, Site at, int op, int op2,
                                    char operand) {
        String name = at == null ? null : name(at, op, op2, operand);
        return msg.substring(0, m.start()) + "attempt to " + what + " " + (name != null ? name + " (a " + type + " value)"
                : "a " + type + " value");
    }

    private static String name(Site at, int op, int op2, char operand) {
        if (GETOBJNAME == null || at.proto.code == null || at.pc < 0 || at.pc >= at.proto.code.length) {
            return null;
        }
        int i = at.proto.code[at.pc];
        int o = Lua.GET_OPCODE(i);
        int reg;
        if (op == -2) {
            if (o < Lua.OP_ADD || o > Lua.OP_UNM) {
                return null;
            }
            int rk = o == Lua.OP_UNM || operand == 'B' ? Lua.GETARG_B(i) : Lua.GETARG_C(i);
            if (o != Lua.OP_UNM && Lua.ISK(rk)) {
                return null; // a constant has no name
            }
            reg = rk;
        } else if (op == Lua.OP_GETTABLE) {
            if (o == Lua.OP_GETTABLE || o == Lua.OP_SELF) {
                reg = Lua.GETARG_B(i);
            } else if (o == Lua.OP_SETTABLE) {
                reg = Lua.GETARG_A(i);
            } else {
                return null;
            }
        } else if (op == Lua.OP_CONCAT) {
            // Lua joins right to left: a bad right operand is the last register; a bad left one
            // may be any but the last, unless there are only two
            if (o != op || (operand == 'B' && Lua.GETARG_C(i) != Lua.GETARG_B(i) + 1)) {
                return null;
            }
            reg = operand == 'B' ? Lua.GETARG_B(i) : Lua.GETARG_C(i);
        } else {
            if (o != op && o != op2) {
                return null;
            }
            reg = operand == 'A' ? Lua.GETARG_A(i) : Lua.GETARG_B(i);
        }
        try {
            Object nw = GETOBJNAME.invoke(null, at.proto, at.pc, reg);
            if (nw == null) {
                return null;
            }
            String name = (String) NAME.get(nw);
            String namewhat = (String) NAMEWHAT.get(nw);
            if (name == null || namewhat == null || namewhat.equals("constant")) {
                return null;
            }
            return namewhat + " '" + name + "'";
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }
}
