package dev.cinnabar.server.scripting;

import dev.cinnabar.server.ServerContext;
import dev.cinnabar.server.command.CommandFlag;
import dev.cinnabar.server.command.CommandSpec;
import dev.cinnabar.server.propagate.Propagator;
import dev.cinnabar.server.session.Client;
import dev.cinnabar.server.session.ClientFlags;
import dev.cinnabar.server.session.Connection;
import dev.cinnabar.server.util.Doubles;
import java.io.ByteArrayInputStream;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.luaj.vm2.LoadState;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaFunction;
import org.luaj.vm2.LuaString;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.OrphanedThread;
import org.luaj.vm2.Varargs;
import org.luaj.vm2.compiler.LuaC;
import org.luaj.vm2.lib.PackageLib;
import org.luaj.vm2.lib.StringLib;
import org.luaj.vm2.lib.TableLib;
import org.luaj.vm2.lib.VarArgFunction;
import org.luaj.vm2.lib.jse.JseBaseLib;
import org.luaj.vm2.lib.jse.JseMathLib;

/**
 * Lua scripting for EVAL/EVALSHA (LuaJ, a pure-Java Lua 5.2 VM presented to scripts as Redis's
 * Lua 5.1 environment).
 *
 * <p>Why LuaJ: it is the maintained, pure-Java Lua (no native code, so the server stays
 * embeddable); scripts are compiled to Lua bytecode once per SHA and interpreted.
 *
 * <p>The environment is Redis 7.0's: the base, table, string, math and coroutine libraries with
 * 5.1 names (loadstring, unpack, gcinfo, table.getn/maxn/foreach, string.gfind, math.mod...), no
 * io/os/package/debug/print/dofile/loadfile, the cjson, cmsgpack, bit and struct libraries, and the
 * {@code redis} table. Globals and libraries are read-only and reading an undefined global is an
 * error, so scripts cannot leak state into each other.
 *
 * <p>{@code redis.call} runs commands through the same table and handlers as clients, on a
 * script client whose reply sink converts to Lua values; scripts run under the execution lock, so
 * they are atomic. Runs on the IO thread that received EVAL; not reentrant.
 *
 * <p>Failing cleanly: whatever a script runs into, its caller gets one error reply and the engine
 * runs the next script. Lua errors are worded as Redis words them; errors of the JVM (out of
 * memory, stack overflow) end the script with "Error running script ..., not enough memory" or
 * "..., stack overflow" (Lua's own words; pcall does not catch them, so the memory is released at
 * once); a Java exception from inside LuaJ or a library never shows its text, to the client or to
 * the script (pcall, xpcall and coroutine.resume report our words instead). The return value is
 * measured before a byte of the reply is written ({@link ReplyPlan}); strings, replies and
 * coroutines have limits ({@link ScriptLimits}).
 */
public final class ScriptEngine {
    /** One compiled script. */
    public record Script(String sha, byte[] body, LuaFunction function, ScriptFlags flags) {
    }

    private final ServerContext server;
    private final SandboxGlobals g;
    private final Map<String, Script> scripts = new LinkedHashMap<>();
    private final Client scriptClient;
    private Run run;
    /** LuaError's position ("@user_script:1") and error() level; LuaJ keeps both protected. */
    private static final Field FILELINE = luaErrorField("fileline");
    private static final Field LEVEL = luaErrorField("level");

    private static Field luaErrorField(String name) {
        try {
            Field f = LuaError.class.getDeclaredField(name);
            f.setAccessible(true);
            return f;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    /**
     * The message of error(msg, 0), which Lua gives no position (LuaJ adds one whatever the
     * level); other messages unchanged.
     */
    private static String withoutPositionIfLevel0(LuaError e, String m) {
        try {
            if (LEVEL == null || FILELINE == null || LEVEL.getInt(e) != 0 || FILELINE.get(e) == null) {
                return m;
            }
            String where = FILELINE.get(e) + " ";
            return m.startsWith(where) ? m.substring(where.length()) : m;
        } catch (IllegalAccessException ex) {
            return m;
        }
    }

    /** State of the script being run. */
    private static final class Run {
        final Client caller;
        final String label;
        final ScriptFlags flags;
        final boolean readOnly;
        int resp = 2;
        /** A write command was called (Redis's SCRIPT_WRITE_DIRTY): the server's write refusals no longer apply. */
        boolean wrote;
        /** redis.set_repl: where the script's commands propagate (PropagationSink.AOF/REPL bits). */
        int repl = Propagator.ALL;
        final long startNanos = System.nanoTime();

        Run(Client caller, String label, ScriptFlags flags, boolean readOnly) {
            this.caller = caller;
            this.label = label;
            this.flags = flags;
            this.readOnly = readOnly;
        }
    }

    /** The script or function being run: its name, its caller's command and its run time so far. */
    public record Running(String name, List<byte[]> command, long durationMillis) {
    }

    /** What runs now (FUNCTION STATS), or null; read on the script's own thread, like every command. */
    public Running current() {
        Run r = run;
        if (r == null) {
            return null;
        }
        List<byte[]> command = new ArrayList<>(r.caller.argc());
        for (int i = 0; i < r.caller.argc(); i++) {
            command.add(r.caller.arg(i));
        }
        return new Running(r.label, command, (System.nanoTime() - r.startNanos) / 1_000_000);
    }

    /** "user_script" for EVAL, "user_function" for FUNCTION libraries (chunk names in errors). */
    private final String src;
    private final ScriptWatchdog watchdog = new ScriptWatchdog();
    private final ScriptLimits limits;
    private final Coroutines coroutines;
    private volatile long dirtyAtStart;

    /** True for the FUNCTION engine (user_function), false for EVAL's. */
    public boolean isFunctionEngine() {
        return src.equals("user_function");
    }

    /** True while a script of this engine runs past busy-reply-threshold (others then get BUSY). */
    public boolean busy() {
        return watchdog.busy();
    }

    /** Outcome of SCRIPT KILL / FUNCTION KILL. */
    public enum KillResult { KILLED, NOT_BUSY, UNKILLABLE }

    /**
     * Asks the running script to stop; called from another IO thread while the script holds the
     * execution lock. A script that has already written cannot be killed (its writes would be
     * half-applied), as in Redis.
     */
    /** Stops the running script whatever it wrote (SHUTDOWN NOSAVE: the dataset is discarded anyway). */
    public void abort() {
        if (watchdog.running()) {
            watchdog.kill();
        }
    }

    /** True while a script or function of this engine runs. */
    public boolean running() {
        return watchdog.running();
    }

    /** The flags the running script or function declared (the OOM rule of redis.call), or null. */
    public ScriptFlags runningFlags() {
        Run r = run;
        return r == null ? null : r.flags;
    }

    /** True when the running script has written to the dataset (SCRIPT KILL then refuses). */
    public boolean wroteSinceStart() {
        return server.dirty != dirtyAtStart;
    }

    public KillResult kill() {
        if (!watchdog.running()) {
            return KillResult.NOT_BUSY;
        }
        if (server.dirty != dirtyAtStart) {
            return KillResult.UNKILLABLE;
        }
        watchdog.kill();
        return KillResult.KILLED;
    }

    /** The engine for EVAL scripts. */
    public ScriptEngine(ServerContext server) {
        this(server, "user_script");
    }

    /** The server's EVAL engine, created on first use (a server that never runs a script pays nothing). */
    public static ScriptEngine of(ServerContext server) {
        ScriptEngine e = server.featureIfCreated(ScriptEngine.class);
        return e != null ? e : server.featureIfAbsent(ScriptEngine.class, new ScriptEngine(server));
    }

    /** The EVAL engine if a script has been used, else null (INFO and MEMORY STATS do not create it). */
    public static ScriptEngine ifCreated(ServerContext server) {
        return server.featureIfCreated(ScriptEngine.class);
    }

    /** An engine with its own Lua state; {@code chunkName} is "user_script" or "user_function". */
    public ScriptEngine(ServerContext server, String chunkName) {
        this.src = chunkName;
        this.server = server;
        ScriptsUsed.mark(server);
        this.limits = new ScriptLimits(server.config());
        this.g = new SandboxGlobals();
        this.coroutines = new Coroutines(g, this::luaMessage, e -> LuaValue.valueOf(javaFailure(e)));
        g.load(new JseBaseLib());
        g.load(new PackageLib()); // LuaJ's libraries register in package.loaded; removed below
        g.load(new TableLib());
        g.load(new StringLib());
        g.load(new JseMathLib());
        LoadState.install(g);
        LuaC.install(g);
        adaptTo51();
        g.set("bit", BitLib.create());
        g.set("coroutine", coroutines.library());
        g.set("cjson", CjsonLib.create(limits));
        g.set("struct", StructLib.create(limits));
        g.set("cmsgpack", CmsgpackLib.create(limits));
        g.set("redis", redisTable());
        for (String lib : new String[] {"string", "table", "math", "coroutine", "bit", "cjson", "struct", "cmsgpack",
            "redis"}) {
            g.set(lib, ReadOnlyTable.copyOf((LuaTable) g.get(lib)));
        }
        // Strings' methods ("x"):upper() come from the string metatable: point it at the
        // read-only string library, and make the metatable itself read-only, so no script can
        // change what string methods do for later scripts (a known Redis Lua escape).
        LuaTable stringMeta = new LuaTable();
        stringMeta.set(LuaValue.INDEX, g.get("string"));
        LuaString.s_metatable = ReadOnlyTable.copyOf(stringMeta);
        // Redis's error handler is visible as a global; keep the name reserved.
        g.set("__redis__err__handler", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs args) {
                return args.arg1();
            }
        });
        g.setInternal("KEYS", new LuaTable());
        g.setInternal("ARGV", new LuaTable());
        LuaTable meta = new LuaTable();
        meta.set(LuaValue.INDEX, new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs args) {
                throw new LuaError("Script attempted to access nonexistent global variable '"
                        + args.arg(2).tojstring() + "'");
            }
        });
        g.setmetatable(ReadOnlyTable.copyOf(meta));
        g.seal();
        g.debuglib = watchdog; // instruction hook for busy detection and SCRIPT KILL; no 'debug' table
        watchdog.whileBusy = coroutines::whileBusy; // serves the waiting clients, from a coroutine too
        this.scriptClient = new Client(server.clients().newId(), server, Connection.NONE, new LuaReply(2));
        scriptClient.flags |= ClientFlags.SCRIPT;
    }

    /** Lua 5.2 (LuaJ) to Redis's Lua 5.1 names and removals. */
    private void adaptTo51() {
        for (String gone : new String[] {"dofile", "loadfile", "print", "rawlen", "require", "package", "module"}) {
            g.rawset(LuaValue.valueOf(gone), LuaValue.NIL);
        }
        g.set("_VERSION", LuaValue.valueOf("Lua 5.1"));
        LuaValue baseLoad = g.get("load");
        // Precompiled bytecode is refused (crafted bytecode is a classic Lua sandbox escape):
        // loading it returns nil and a message, as in Redis.
        VarArgFunction load = new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs a) {
                LuaValue chunk = a.arg1();
                if (chunk.isstring() && chunk.checkstring().m_length > 0
                        && chunk.checkstring().luaByte(0) == 0x1b) {
                    return LuaValue.varargsOf(LuaValue.NIL, LuaValue.valueOf("attempt to load a binary chunk"));
                }
                try {
                    Varargs r = baseLoad.invoke(a);
                    return r.arg1().isnil() && r.arg(2).isstring()
                            ? LuaValue.varargsOf(LuaValue.NIL, LuaValue.valueOf(lua51Tokens(r.arg(2).tojstring()))) : r;
                } catch (LuaError e) {
                    throw e;
                } catch (RuntimeException e) {
                    return LuaValue.varargsOf(LuaValue.NIL, LuaValue.valueOf(javaFailure(e)));
                }
            }
        };
        g.set("load", load);
        g.set("loadstring", load);
        LuaTable table = (LuaTable) g.get("table");
        g.set("unpack", table.get("unpack"));
        table.set("unpack", LuaValue.NIL);
        table.set("pack", LuaValue.NIL);
        table.set("getn", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs a) {
                return LuaValue.valueOf(a.checktable(1).length());
            }
        });
        table.set("setn", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs a) {
                throw new LuaError("'setn' is obsolete");
            }
        });
        table.set("maxn", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs a) {
                LuaTable t = a.checktable(1);
                double max = 0;
                LuaValue k = LuaValue.NIL;
                while (true) {
                    Varargs n = t.next(k);
                    if ((k = n.arg1()).isnil()) {
                        break;
                    }
                    if (k.type() == LuaValue.TNUMBER && k.todouble() > max) {
                        max = k.todouble();
                    }
                }
                return LuaValue.valueOf(max);
            }
        });
        table.set("foreach", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs a) {
                LuaTable t = a.checktable(1);
                LuaFunction f = a.checkfunction(2);
                LuaValue k = LuaValue.NIL;
                while (true) {
                    Varargs n = t.next(k);
                    if ((k = n.arg1()).isnil()) {
                        return LuaValue.NIL;
                    }
                    LuaValue r = f.call(k, n.arg(2));
                    if (!r.isnil()) {
                        return r;
                    }
                }
            }
        });
        table.set("foreachi", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs a) {
                LuaTable t = a.checktable(1);
                LuaFunction f = a.checkfunction(2);
                int n = t.length();
                for (int i = 1; i <= n; i++) {
                    LuaValue r = f.call(LuaValue.valueOf(i), t.get(i));
                    if (!r.isnil()) {
                        return r;
                    }
                }
                return LuaValue.NIL;
            }
        });
        LuaTable string = (LuaTable) g.get("string");
        string.set("gfind", string.get("gmatch"));
        string.set("format", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs a) {
                return LuaFormat.format(a, limits);
            }
        });
        LuaTable math = (LuaTable) g.get("math");
        math.set("mod", math.get("fmod"));
        math.set("log10", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs a) {
                return LuaValue.valueOf(Math.log10(a.checkdouble(1)));
            }
        });
        math.set("ldexp", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs a) {
                return LuaValue.valueOf(a.checkdouble(1) * Math.pow(2, a.checkint(2)));
            }
        });
        math.set("frexp", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs a) {
                double x = a.checkdouble(1);
                if (x == 0 || Double.isNaN(x) || Double.isInfinite(x)) {
                    return LuaValue.varargsOf(LuaValue.valueOf(x), LuaValue.valueOf(0));
                }
                int e = Math.getExponent(x) + 1;
                double m = x / Math.pow(2, e);
                if (Math.abs(m) < 0.5) { // subnormals
                    m *= 2;
                    e--;
                }
                return LuaValue.varargsOf(LuaValue.valueOf(m), LuaValue.valueOf(e));
            }
        });
        LuaValue baseTostring = g.get("tostring");
        g.set("tostring", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs a) {
                LuaValue v = a.arg1();
                if (v.type() == LuaValue.TNUMBER) {
                    return LuaValue.valueOf(luaNumber(v.todouble()));
                }
                return baseTostring.invoke(a);
            }
        });
        Lua51Functions.install(g, limits, this::luaMessage, ScriptEngine::javaFailure);
        g.set("gcinfo", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs a) {
                Runtime rt = Runtime.getRuntime();
                return LuaValue.valueOf((int) ((rt.totalMemory() - rt.freeMemory()) / 1024));
            }
        });
    }

    private LuaTable redisTable() {
        LuaTable r = new LuaTable();
        r.set("call", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs a) {
                return redisCall(a, true);
            }
        });
        r.set("pcall", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs a) {
                return redisCall(a, false);
            }
        });
        r.set("error_reply", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs a) {
                // "-CODE message" (a leading '-' is optional) keeps its code; a text without a space
                // has none, so it gets ERR, as Redis ("" -> "ERR ", "x" -> "ERR x")
                if (a.narg() != 1 || a.arg1().type() != LuaValue.TSTRING) {
                    return argumentsError(); // returned, not raised, as Redis
                }
                String msg = a.arg1().tojstring();
                if (msg.startsWith("-")) {
                    msg = msg.substring(1);
                }
                if (!msg.contains(" ")) {
                    msg = "ERR " + msg;
                }
                return LuaValue.tableOf(new LuaValue[] {LuaValue.valueOf("err"), LuaValue.valueOf(msg)});
            }
        });
        r.set("status_reply", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs a) {
                if (a.narg() != 1 || a.arg1().type() != LuaValue.TSTRING) {
                    return argumentsError(); // returned, not raised, as Redis
                }
                return LuaValue.tableOf(new LuaValue[] {LuaValue.valueOf("ok"), a.arg1()});
            }
        });
        r.set("sha1hex", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs a) {
                if (a.narg() != 1) {
                    throw libError("wrong number of arguments");
                }
                // a value that is not a string or a number hashes as "" (lua_tolstring gives nothing)
                LuaString str = a.arg1().isstring() ? a.arg1().checkstring() : LuaString.valueOf("");
                return LuaValue.valueOf(sha1(str.m_bytes, str.m_offset, str.m_length));
            }
        });
        r.set("log", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs a) {
                if (a.narg() < 2) {
                    throw libError("redis.log() requires two arguments or more.");
                }
                int level = a.checkint(1);
                if (level < 0 || level > 3) {
                    throw libError("Invalid debug level.");
                }
                StringBuilder sb = new StringBuilder();
                for (int i = 2; i <= a.narg(); i++) {
                    if (i > 2) {
                        sb.append(' ');
                    }
                    sb.append(a.arg(i).tojstring());
                }
                server.log().log(level, sb.toString());
                return LuaValue.NONE;
            }
        });
        r.set("setresp", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs a) {
                if (a.narg() != 1) {
                    throw libError("redis.setresp() requires one argument.");
                }
                int v = a.checkint(1);
                if (v != 2 && v != 3) {
                    throw libError("RESP version must be 2 or 3.");
                }
                if (run != null) {
                    run.resp = v;
                }
                return LuaValue.NONE;
            }
        });
        r.set("set_repl", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs a) {
                if (a.narg() != 1) {
                    throw libError("redis.set_repl() requires one argument.");
                }
                int v = a.checkint(1);
                if ((v & ~3) != 0) {
                    throw libError("Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.");
                }
                Run r = run;
                if (r != null) {
                    r.repl = v; // REPL_AOF = 1 and REPL_REPLICA = 2 are PropagationSink's bits
                }
                return LuaValue.NONE;
            }
        });
        r.set("replicate_commands", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs a) {
                return LuaValue.TRUE;
            }
        });
        r.set("breakpoint", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs a) {
                return LuaValue.FALSE;
            }
        });
        r.set("debug", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs a) {
                return LuaValue.NONE;
            }
        });
        r.set("acl_check_cmd", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs a) {
                if (a.narg() == 0) {
                    throw libError("Please specify at least one argument for this redis lib call");
                }
                byte[][] argv = argv(a);
                if (argv == null) {
                    throw libError("Lua redis lib command arguments must be strings or integers");
                }
                CommandSpec cmd = server.commands().lookup(argv[0]);
                if (cmd != null && cmd.hasSubcommands() && argv.length >= 2) {
                    cmd = cmd.subcommand(argv[1]);
                }
                if (cmd == null) {
                    throw libError("Invalid command passed to redis.acl_check_cmd()");
                }
                Run r = run;
                // the user of the client running the script, as Redis; nothing is logged
                return LuaValue.valueOf(r == null || dev.cinnabar.server.acl.Acl.of(server).permits(r.caller, cmd, argv));
            }
        });
        r.set("LOG_DEBUG", 0);
        r.set("LOG_VERBOSE", 1);
        r.set("LOG_NOTICE", 2);
        r.set("LOG_WARNING", 3);
        r.set("REPL_NONE", 0);
        r.set("REPL_AOF", 1);
        r.set("REPL_SLAVE", 2);
        r.set("REPL_REPLICA", 2);
        r.set("REPL_ALL", 3);
        r.set("REDIS_VERSION", "7.0.15");
        r.set("REDIS_VERSION_NUM", 0x07000f);
        return r;
    }

    // ---- redis.call / redis.pcall

    /** The command a redis.call / acl_check_cmd names: strings and numbers (%.17g); null for other types. */
    private static byte[][] argv(Varargs a) {
        int n = a.narg();
        byte[][] argv = new byte[n][];
        for (int i = 1; i <= n; i++) {
            LuaValue v = a.arg(i);
            if (v.type() == LuaValue.TNUMBER) {
                argv[i - 1] = numberArg(v.todouble()).getBytes(StandardCharsets.US_ASCII);
            } else if (v.type() == LuaValue.TSTRING) {
                LuaString s = v.checkstring();
                argv[i - 1] = new byte[s.m_length];
                System.arraycopy(s.m_bytes, s.m_offset, argv[i - 1], 0, s.m_length);
            } else {
                return null;
            }
        }
        return argv;
    }

    private Varargs redisCall(Varargs a, boolean raise) {
        Run r = run;
        if (r == null) {
            throw new LuaError("redis.call() may only be used while a script runs");
        }
        int n = a.narg();
        if (n == 0) {
            return fail(raise, "ERR Please specify at least one argument for this redis lib call");
        }
        byte[][] argv = argv(a);
        if (argv == null) {
            return fail(raise, "ERR Lua redis lib command arguments must be strings or integers");
        }
        CommandSpec cmd = server.commands().lookup(argv[0]);
        if (cmd != null && cmd.hasSubcommands() && n >= 2) {
            cmd = cmd.subcommand(argv[1]);
        }
        if (cmd == null) {
            server.stats().countError(UNKNOWN_FROM_SCRIPT);
            return refuse(raise, countedError(UNKNOWN_FROM_SCRIPT));
        }
        if (!cmd.arityOk(n)) {
            server.stats().countError(ARITY_FROM_SCRIPT);
            cmd.rejectedCalls++;
            return refuse(raise, countedError(ARITY_FROM_SCRIPT));
        }
        scriptClient.request(argv, n);
        // the gate's script stages (NOSCRIPT, ACL, this script's write rule, OOM, cluster), in Redis's order
        String refused = server.dispatcher().admitFromScript(scriptClient, cmd, (c, called) ->
                (called.has(CommandFlag.WRITE) || called.has(CommandFlag.MAY_REPLICATE)) && (r.readOnly || r.flags.noWrites())
                        ? "ERR Write commands are not allowed from read-only scripts." : null, r.wrote);
        if (refused != null) {
            return refuse(raise, countedError(refused)); // admitFromScript counted it
        }
        if (cmd.has(CommandFlag.WRITE)) {
            r.wrote = true;
        }
        LuaReply reply = new LuaReply(r.resp);
        scriptClient.reply(reply);
        scriptClient.propagationMask(r.repl);
        try {
            server.dispatcher().execute(scriptClient, cmd); // MONITOR shows it as [db lua]
        } catch (LuaError e) {
            throw e;
        } catch (RuntimeException e) {
            server.log().warning("Internal error running '" + cmd.fullName() + "' from a script: " + e);
            return fail(raise, "ERR Internal error running '" + cmd.fullName() + "' from script");
        }
        LuaValue v = reply.result();
        if (raise && reply.isError()) {
            throw new LuaError(v);
        }
        return v;
    }

    /** What redis.status_reply / error_reply return when not given one string. */
    private static LuaTable argumentsError() {
        return LuaValue.tableOf(new LuaValue[] {LuaValue.valueOf("err"),
            LuaValue.valueOf("ERR wrong number or type of arguments")});
    }

    /** Redis's error for rawset/setmetatable on a protected table (no script position). */
    static LuaError readonlyRawset() {
        return new LuaError(LuaValue.tableOf(new LuaValue[] {LuaValue.valueOf("err"),
            LuaValue.valueOf("ERR Attempt to modify a readonly table")}));
    }

    /** An error raised by the redis library itself: {err="ERR msg"}, reported without position. */
    private static LuaError libError(String msg) {
        return new LuaError(LuaValue.tableOf(new LuaValue[] {LuaValue.valueOf("err"), LuaValue.valueOf("ERR " + msg)}));
    }

    private static final String UNKNOWN_FROM_SCRIPT = "ERR Unknown Redis command called from script";
    private static final String ARITY_FROM_SCRIPT = "ERR Wrong number of args calling Redis command from script";

    /** Marks an error table whose errorstats were counted where it arose (Redis's field, visible to scripts). */
    static final LuaString COUNTED = LuaString.valueOf("ignore_error_stats_update");

    /**
     * The table redis.call / redis.pcall give for an error a called command replied or the gate
     * refused: already in errorstats, so the script's own reply does not count it again.
     */
    static LuaTable countedError(String msg) {
        return LuaValue.tableOf(new LuaValue[] {LuaValue.valueOf("err"), LuaValue.valueOf(msg), COUNTED, LuaValue.TRUE});
    }

    static boolean isCounted(LuaValue v) {
        return v.istable() && v.rawget(COUNTED).toboolean();
    }

    /** A refusal of the script gate (unknown command, arity, ACL, OOM, write rule...), as Redis's scriptCall. */
    private static Varargs refuse(boolean raise, LuaTable err) {
        if (raise) {
            throw new LuaError(err);
        }
        return err;
    }

    private static Varargs fail(boolean raise, String msg) {
        LuaTable err = LuaValue.tableOf(new LuaValue[] {LuaValue.valueOf("err"), LuaValue.valueOf(msg)});
        if (raise) {
            throw new LuaError(err);
        }
        return err;
    }

    /** Lua 5.1's number to string: %.14g ("-nan"/"inf" spelled as glibc does). */
    static String luaNumber(double d) {
        if (Double.isNaN(d)) {
            return "nan";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "inf" : "-inf";
        }
        return Doubles.fmtG(d, 14);
    }

    /** How a Lua number becomes a command argument: integers plainly, others as %.17g. */
    static String numberArg(double d) {
        if (d == Math.rint(d) && Math.abs(d) < 1e15) {
            return Long.toString((long) d);
        }
        return Doubles.fmt17g(d);
    }

    // ---- loading and running

    public static String sha1(byte[] b, int off, int len) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-1");
            md.update(b, off, len);
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public Script lookup(String sha) {
        return scripts.get(sha.toLowerCase());
    }

    public boolean exists(String sha) {
        return scripts.containsKey(sha.toLowerCase());
    }

    public int size() {
        return scripts.size();
    }

    /** Total bytes of the cached scripts' source bodies (INFO used_memory_scripts_eval). */
    public long bodyBytes() {
        long n = 0;
        for (Script s : scripts.values()) {
            n += s.body().length;
        }
        return n;
    }

    public void flush() {
        scripts.clear();
    }

    /** Compiles and caches a script body (idempotent per SHA). */
    public Script load(byte[] body) throws ScriptException {
        String sha = sha1(body, 0, body.length);
        Script s = scripts.get(sha);
        if (s != null) {
            return s;
        }
        ScriptFlags flags = ScriptFlags.parseShebang(body);
        byte[] src = body;
        if (flags.hasShebang()) {
            // Keep line numbers: the shebang line becomes a comment.
            src = body.clone();
            src[0] = '-';
            src[1] = '-';
        }
        LuaValue fn;
        try {
            fn = g.load(new ByteArrayInputStream(src), "@" + this.src, "t", g);
        } catch (LuaError e) {
            throw new ScriptException("ERR Error compiling script (new function): " + compileMessage(e, src));
        } catch (VirtualMachineError | RuntimeException e) {
            throw new ScriptException("ERR Error compiling script (new function): " + compilerFailure(e));
        }
        if (fn instanceof org.luaj.vm2.LuaClosure closure) {
            untailCalls(closure.p);
        }
        s = new Script(sha, body, (LuaFunction) fn, flags);
        scripts.put(sha, s);
        return s;
    }

    private static int lastLine(byte[] source) {
        int lines = 1;
        int end = source.length;
        while (end > 0 && (source[end - 1] == '\n' || source[end - 1] == ' ' || source[end - 1] == '\t'
                || source[end - 1] == '\r')) {
            end--;
        }
        for (int i = 0; i < end; i++) {
            if (source[i] == '\n') {
                lines++;
            }
        }
        return lines;
    }

    /**
     * Turns every TAILCALL into CALL (the RETURN that follows returns its results unchanged).
     * LuaJ runs a tail-called function after the calling frame is gone, so an error there would
     * carry no line number; Redis reports the line of the call ("on @user_script:1").
     */
    static void untailCalls(org.luaj.vm2.Prototype p) {
        int[] code = p.code;
        for (int i = 0; i < code.length; i++) {
            if ((code[i] & org.luaj.vm2.Lua.MASK_OP) == org.luaj.vm2.Lua.OP_TAILCALL) {
                // CALL A B C with C = 0: keep all results, exactly what TAILCALL passes on
                code[i] = (code[i] & ~org.luaj.vm2.Lua.MASK_OP & org.luaj.vm2.Lua.MASK_NOT_C) | org.luaj.vm2.Lua.OP_CALL;
            }
        }
        if (p.p != null) {
            for (org.luaj.vm2.Prototype q : p.p) {
                untailCalls(q);
            }
        }
    }

    private final java.util.regex.Pattern position = java.util.regex.Pattern.compile("(?:user_script|user_function):(\\d+):? ");
    private static final java.util.regex.Pattern UNEXPECTED =
            java.util.regex.Pattern.compile("unexpected symbol \\d+ \\((.)\\)");

    /**
     * LuaJ names the token of a syntax error by its code ("unexpected symbol 36 ($)", the end of
     * input as token 286); Lua 5.1 says "unexpected symbol near '$'" / "near '<eof>'".
     */
    private static String lua51Tokens(String m) {
        m = m.replace("unexpected symbol 286 (\u011e)", "unexpected symbol near '<eof>'");
        return UNEXPECTED.matcher(m).replaceAll(r -> {
            String tok = r.group(1);
            String text = tok.length() == 1 && tok.charAt(0) < 128 ? "unexpected symbol near '" + tok + "'" : r.group();
            return java.util.regex.Matcher.quoteReplacement(text); // the token may be '$' or '\\'
        });
    }

    String compileMessage(LuaError e, byte[] source) {
        String m = e.getMessage();
        if (m == null) {
            return "";
        }
        // LuaJ: "user_script:1: '=' expected near 'error'" (matches Lua 5.1's wording for most errors)
        m = m.replace("@" + src, src);
        m = lua51Tokens(m);
        // An error on the last line whose token LuaJ dropped is, in practice, the end of input.
        java.util.regex.Matcher pos = position.matcher(m);
        if (pos.lookingAt() && Integer.parseInt(pos.group(1)) >= lastLine(source)) {
            if (m.endsWith(" expected")) {
                m = m + " near '<eof>'";
            } else if (m.endsWith(": syntax error")) {
                m = m.substring(0, m.length() - "syntax error".length()) + "'=' expected near '<eof>'";
            }
        }
        return m;
    }

    /**
     * Runs a loaded script for caller with KEYS and ARGV, writing its result (or error) to the
     * caller's reply sink. readOnly is true for EVAL_RO/EVALSHA_RO.
     */
    public void run(Client caller, Script s, List<byte[]> keys, List<byte[]> args, boolean readOnly) {
        if (run != null) {
            caller.reply().error("ERR a script is already running");
            return;
        }
        g.setInternal("KEYS", toLuaArray(keys));
        g.setInternal("ARGV", toLuaArray(args));
        try {
            execute(caller, s.sha(), s.flags(), readOnly, () -> s.function().call());
        } finally {
            g.setInternal("KEYS", new LuaTable());
            g.setInternal("ARGV", new LuaTable());
        }
    }

    /**
     * Calls a registered function (FCALL) with its keys and args tables; errors name the
     * function ("script: name, on @user_function:N.").
     */
    public void callFunction(Client caller, String name, LuaFunction fn, ScriptFlags flags, List<byte[]> keys,
                             List<byte[]> args, boolean readOnly) {
        if (run != null) {
            caller.reply().error("ERR a script is already running");
            return;
        }
        LuaTable k = toLuaArray(keys);
        LuaTable a = toLuaArray(args);
        execute(caller, name, flags, readOnly, () -> fn.call(k, a));
    }

    private void execute(Client caller, String label, ScriptFlags flags, boolean readOnly,
                         java.util.function.Supplier<LuaValue> body) {
        var monitor = server.scriptMonitor;
        if (monitor != null) {
            monitor.accept(caller);
        }
        Run r = new Run(caller, label, flags, readOnly);
        run = r;
        // the script propagates by its effects: the commands it ran, not EVAL/FCALL itself
        caller.preventPropagation();
        scriptClient.select(caller.db().id());
        dirtyAtStart = server.dirty;
        coroutines.begin(() -> server.lock().serveWaiters());
        watchdog.start(busyThresholdMillis());
        LuaValue result = null;
        String failure = null;
        boolean counted = false;
        try {
            result = body.get();
        } catch (LuaError e) {
            failure = errorText(e, label);
            counted = isCounted(e.getMessageObject());
        } catch (VirtualMachineError e) {
            failure = "ERR Error running script " + label + ", " + jvmFailure(e);
        } catch (OrphanedThread e) { // LuaJ's answer to an interrupt while resuming a coroutine
            failure = "ERR Error running script " + label + ", interrupted";
        } catch (RuntimeException e) {
            server.log().warning("Internal error running script " + label + ": " + e);
            failure = "ERR Error running script " + label + ", internal error";
        } finally {
            int stuck = coroutines.endAll();
            if (stuck > 0) {
                server.log().warning(stuck + " coroutine thread(s) of script " + label + " did not end");
            }
            watchdog.stop();
            run = null;
        }
        if (failure != null) {
            if (counted) {
                caller.reply().errorCounted(failure);
            } else {
                caller.reply().error(failure);
            }
        } else {
            reply(caller, label, result, r.resp);
        }
    }

    /**
     * Writes the script's result: measured first, so a reply over the limit is one error and a
     * reply that cannot be measured is not started. Once writing has begun nothing can be taken
     * back: if it fails (the JVM out of memory), the connection is closed rather than left with
     * half a reply that later replies would be read as part of.
     */
    private void reply(Client caller, String label, LuaValue result, int resp) {
        long max = limits.maxBytes();
        try {
            ReplyPlan.measure(result, resp, max);
        } catch (ReplyPlan.TooLarge e) {
            caller.reply().error("ERR Error running script " + label + ", reply too large (scripts are limited to "
                    + max + " bytes)");
            return;
        } catch (VirtualMachineError e) {
            caller.reply().error("ERR Error running script " + label + ", " + jvmFailure(e));
            return;
        }
        try {
            ReplyPlan.write(result, caller.reply(), resp);
        } catch (VirtualMachineError | RuntimeException e) {
            server.log().warning("Closing client after failing to write the reply of script " + label + ": " + e);
            caller.closeAfterReply(true);
        }
    }

    /** Lua's words for an error of the JVM a script ran into. */
    static String jvmFailure(VirtualMachineError e) {
        if (e instanceof OutOfMemoryError) {
            return "not enough memory";
        }
        return e instanceof StackOverflowError ? "stack overflow" : "internal error";
    }

    /** Our words for a Java exception thrown inside LuaJ or a library (its text may name Java classes). */
    static String javaFailure(Throwable e) {
        return e instanceof NegativeArraySizeException || e instanceof OutOfMemoryError ? "not enough memory"
                : "internal error of the Lua runtime";
    }

    /**
     * Runs a function library's code (FUNCTION LOAD): for at most 500 ms, as Redis 7.0 allows
     * ("FUNCTION LOAD timeout"), since the server answers nobody meanwhile.
     */
    void runLoader(LuaValue chunk) {
        watchdog.startLoad();
        try {
            chunk.call();
        } finally {
            watchdog.stopLoad();
        }
    }

    String compilerFailure(Throwable e) {
        if (e instanceof VirtualMachineError vme) {
            return jvmFailure(vme);
        }
        server.log().warning("Internal error of the Lua compiler: " + e);
        return "internal error of the Lua compiler";
    }

    /** Whether LuaJ wrapped a Java exception (not a Lua error) thrown inside the VM or a library. */
    private static boolean fromJava(LuaError e) {
        Throwable cause = e.getCause();
        return cause != null && !(cause instanceof LuaError);
    }

    /**
     * The value a caught error gives Lua code (pcall, xpcall, coroutine.resume): the error's
     * object, a message worded as Lua 5.1 words it ("user_script:1: msg"), or our words for a
     * Java exception.
     */
    LuaValue luaMessage(LuaError e) {
        if (fromJava(e)) {
            String where = fileline(e);
            String text = javaFailure(e.getCause());
            return LuaValue.valueOf(where != null ? where + ": " + text : text);
        }
        LuaValue obj = e.getMessageObject();
        if (obj == null) {
            return LuaValue.NIL;
        }
        return obj.type() == LuaValue.TSTRING
                ? LuaValue.valueOf(lua51Wording(withoutPositionIfLevel0(e, obj.tojstring()), e)) : obj;
    }

    /** LuaJ's "@user_script:1 attempt to call nil" as Lua 5.1's "user_script:1: attempt to call a nil value". */
    private String lua51Wording(String m, LuaError e) {
        if (m.endsWith("\n")) {
            m = m.substring(0, m.length() - 1); // the (empty) traceback the watchdog appends
        }
        m = Lua51Errors.reword(m, watchdog.errorSite(), errorLine(e));
        m = m.replace("@" + src, src);
        java.util.regex.Matcher pos = position.matcher(m);
        if (pos.lookingAt()) {
            m = src + ":" + pos.group(1) + ": " + m.substring(pos.end());
        }
        return m;
    }

    private long busyThresholdMillis() {
        String v = server.config().get("busy-reply-threshold");
        try {
            return v == null ? 5000 : Long.parseLong(v);
        } catch (NumberFormatException e) {
            return 5000;
        }
    }

    /** The Lua state's globals (the function registry compiles libraries against them). */
    SandboxGlobals globals() {
        return g;
    }

    private static LuaTable toLuaArray(List<byte[]> items) {
        LuaTable t = new LuaTable(items.size(), 0);
        for (int i = 0; i < items.size(); i++) {
            t.rawset(i + 1, LuaString.valueOf(items.get(i)));
        }
        return t;
    }

    /** "msg script: label, on @user_script:line." as Redis 7.0 formats script errors. */
    String errorText(LuaError e, String label) {
        LuaValue obj = e.getMessageObject();
        String fileline = fileline(e);
        String line = "?";
        if (fileline != null) {
            int c = fileline.lastIndexOf(':');
            line = c >= 0 ? fileline.substring(c + 1).trim() : fileline;
            if (line.endsWith(":")) {
                line = line.substring(0, line.length() - 1);
            }
        }
        String msg;
        if ("null\n".equals(e.getMessage()) && !fromJava(e)) {
            obj = LuaValue.NIL; // error() / error(nil): LuaJ keeps no message, and adds "null" as the text
        }
        if (obj != null && (obj.isnil() || obj.isboolean()) && !fromJava(e)) {
            // error(nil), error(true): Lua adds no position to a value that is not a string
            return "ERR " + obj.tojstring() + " script: " + label + ", on @" + src + ":" + line + ".";
        }
        if (obj != null && obj.istable() && !fromJava(e)) {
            LuaValue err = obj.get("err");
            msg = err.isstring() ? err.tojstring() : "ERR unknown error";
        } else {
            String m = fromJava(e) ? javaFailure(e.getCause())
                    : obj != null && obj.isstring() ? obj.tojstring() : e.getMessage();
            if (m == null) {
                m = "execution failure";
            }
            String stripped = withoutPositionIfLevel0(e, m);
            boolean level0 = !stripped.equals(m);
            m = lua51Wording(stripped, e);
            if (!level0 && !position.matcher(m).lookingAt() && fileline != null) {
                m = src + ":" + line + ": " + m;
            }
            msg = "ERR " + m;
        }
        return msg + " script: " + label + ", on @" + src + ":" + line + ".";
    }

    /** The line of the error's position, or -1. */
    private int errorLine(LuaError e) {
        String f = fileline(e);
        if (f == null) {
            return -1;
        }
        try {
            return Integer.parseInt(f.substring(f.lastIndexOf(':') + 1).trim());
        } catch (NumberFormatException ex) {
            return -1;
        }
    }

    private String fileline(LuaError e) {
        if (FILELINE == null) {
            return null;
        }
        try {
            Object v = FILELINE.get(e);
            if (v == null) {
                return null;
            }
            String f = v.toString().replace("@" + src, src);
            return f.startsWith(src + ":") ? f : null;
        } catch (IllegalAccessException ex) {
            return null;
        }
    }
}
