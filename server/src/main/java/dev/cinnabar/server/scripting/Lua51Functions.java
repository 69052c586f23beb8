package dev.cinnabar.server.scripting;

import java.util.function.Function;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaString;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;
import org.luaj.vm2.lib.VarArgFunction;

/**
 * Base and library functions whose LuaJ versions could exhaust the heap, leak Java exception
 * text or word errors as Lua 5.2 does, written as Lua 5.1 (Redis) has them:
 *
 * <ul>
 *   <li>{@code pcall} / {@code xpcall}: the caught error's value as Lua 5.1 words it
 *       ("user_script:1: msg"); pcall gives a Redis error table's err field instead of the table,
 *       as Redis 7.0's pcall does; a Java exception becomes our words, never its text. Errors of
 *       the JVM pass through: the script ends (see ScriptEngine). xpcall(f, handler) calls f with
 *       no arguments, as 5.1 does;
 *   <li>{@code unpack}: at most what Lua's C stack holds (8,000 slots less the arguments), else
 *       "too many results to unpack", instead of allocating whatever the range asks for;
 *   <li>{@code string.rep} and {@code table.concat}: the result's size is checked against the
 *       string limit before it is built; n &lt;= 0 gives "", and concat's messages are Redis's.
 * </ul>
 */
final class Lua51Functions {
    private Lua51Functions() {
    }

    /**
     * Installs the functions into g and its table and string libraries; message gives a caught
     * Lua error's value, javaFailure the words for a Java exception.
     */
    static void install(LuaTable g, ScriptLimits limits, Function<LuaError, LuaValue> message,
                        Function<RuntimeException, String> javaFailure) {
        g.set("pcall", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs a) {
                LuaValue f = a.checkvalue(1);
                try {
                    return LuaValue.varargsOf(LuaValue.TRUE, f.invoke(a.subargs(2)));
                } catch (LuaError e) {
                    // Redis's pcall gives a Redis error table ({err=...}) as its message
                    LuaValue m = message.apply(e);
                    LuaValue err = m.istable() ? m.rawget("err") : LuaValue.NIL;
                    return LuaValue.varargsOf(LuaValue.FALSE, err.isstring() ? err : m);
                } catch (RuntimeException e) {
                    return LuaValue.varargsOf(LuaValue.FALSE, LuaValue.valueOf(javaFailure.apply(e)));
                }
            }
        });
        g.set("xpcall", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs a) {
                LuaValue f = a.arg1();
                LuaValue handler = a.arg(2);
                LuaValue error;
                try {
                    return LuaValue.varargsOf(LuaValue.TRUE, f.invoke(LuaValue.NONE));
                } catch (LuaError e) {
                    error = message.apply(e);
                } catch (RuntimeException e) {
                    error = LuaValue.valueOf(javaFailure.apply(e));
                }
                try {
                    return LuaValue.varargsOf(LuaValue.FALSE, handler.call(error));
                } catch (LuaError | StackOverflowError e) {
                    return LuaValue.varargsOf(LuaValue.FALSE, LuaValue.valueOf("error in error handling"));
                }
            }
        });
        g.set("unpack", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs a) {
                LuaTable t = a.checktable(1);
                int i = a.optint(2, 1);
                int e = a.isnoneornil(3) ? t.rawlen() : a.checkint(3);
                if (i > e) {
                    return LuaValue.NONE;
                }
                long n = (long) e - i + 1;
                if (n >= Integer.MAX_VALUE || a.narg() + n > ScriptLimits.LUA_STACK) {
                    throw new LuaError("too many results to unpack");
                }
                LuaValue[] v = new LuaValue[(int) n];
                for (int k = 0; k < n; k++) {
                    v[k] = t.rawget(i + k);
                }
                return LuaValue.varargsOf(v);
            }
        });
        ((LuaTable) g.get("table")).set("concat", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs a) {
                return Lua51Functions.concat(a, limits);
            }
        });
        ((LuaTable) g.get("string")).set("rep", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs a) {
                return rep(a.checkstring(1), a.checkint(2), limits);
            }
        });
    }

    private static LuaString rep(LuaString s, int n, ScriptLimits limits) {
        if (n <= 0 || s.m_length == 0) {
            return LuaValue.EMPTYSTRING;
        }
        long total = (long) s.m_length * n;
        limits.checkString(total);
        byte[] b = new byte[(int) total];
        System.arraycopy(s.m_bytes, s.m_offset, b, 0, s.m_length);
        long filled = s.m_length;
        while (filled < total) {
            int chunk = (int) Math.min(filled, total - filled);
            System.arraycopy(b, 0, b, (int) filled, chunk);
            filled += chunk;
        }
        return LuaString.valueUsing(b);
    }

    private static LuaString concat(Varargs a, ScriptLimits limits) {
        if (a.arg1().type() != LuaValue.TTABLE) {
            throw argError(1, "table", a);
        }
        LuaTable t = (LuaTable) a.arg1();
        LuaValue sepArg = a.arg(2);
        LuaString sep;
        if (sepArg.isnil()) {
            sep = LuaValue.EMPTYSTRING;
        } else if (sepArg.type() == LuaValue.TSTRING || sepArg.type() == LuaValue.TNUMBER) {
            sep = piece(sepArg);
        } else {
            throw argError(2, "string", a);
        }
        int i = a.isnoneornil(3) ? 1 : a.checkint(3);
        int last = a.isnoneornil(4) ? t.rawlen() : a.checkint(4);
        LuaBytes out = new LuaBytes(limits);
        for (long k = i; k <= last; k++) {
            LuaValue v = t.rawget((int) k);
            if (v.type() != LuaValue.TSTRING && v.type() != LuaValue.TNUMBER) {
                throw new LuaError("invalid value (" + v.typename() + ") at index " + k + " in table for 'concat'");
            }
            out.write(piece(v));
            if (k < last) {
                out.write(sep);
            }
        }
        return out.toLuaString();
    }

    /** A string or a number as Lua writes it. */
    private static LuaString piece(LuaValue v) {
        return v.type() == LuaValue.TNUMBER ? LuaString.valueOf(ScriptEngine.luaNumber(v.todouble())) : v.checkstring();
    }

    /** Lua 5.1's "bad argument #n to 'concat' (t expected, got u)". */
    private static LuaError argError(int n, String expected, Varargs a) {
        String got = n > a.narg() ? "no value" : a.arg(n).typename();
        return new LuaError("bad argument #" + n + " to 'concat' (" + expected + " expected, got " + got + ")");
    }
}
