package dev.cinnabar.server.scripting;

import dev.cinnabar.server.ServerContext;
import dev.cinnabar.server.persistence.rdb.Crc64;
import dev.cinnabar.server.persistence.rdb.RdbStrings;
import dev.cinnabar.server.protocol.RequestParser;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.luaj.vm2.LuaClosure;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaFunction;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;
import org.luaj.vm2.lib.VarArgFunction;

/**
 * Redis 7.0 Functions: libraries of Lua functions loaded with FUNCTION LOAD and called with FCALL,
 * in a Lua state of their own ({@code user_function}).
 *
 * <p>Loading runs the library's code in a minimal environment whose only global is {@code redis}
 * with {@code register_function}, {@code log}, the LOG_* constants and the version; any other
 * access is an error, as in Redis. The registered callbacks are then re-bound to the full
 * function environment (the chunk's _ENV upvalue is shared by every closure it created), so at
 * call time they see the standard libraries and {@code redis.call}.
 *
 * <p>FUNCTION DUMP/RESTORE use Redis's payload: per library the RDB opcode FUNCTION2 (245) and
 * the library code as an RDB string, then RDB version 10 and a CRC-64, both little-endian; a
 * payload from real Redis (whose strings may be LZF-compressed) restores here and ours restores
 * there.
 */
public final class FunctionRegistry {
    static final int RDB_OPCODE_FUNCTION2 = 245;
    static final int RDB_VERSION = 10;
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_]+");
    private static final List<String> FLAG_NAMES = List.of("no-writes", "allow-oom", "allow-stale", "no-cluster",
            "allow-cross-slot-keys");

    /** A registered function. */
    public record Function(String name, LuaFunction callback, ScriptFlags flags, List<String> flagNames,
                           String description, String library) {
    }

    /** A loaded library. */
    public record Library(String name, String code, Map<String, Function> functions) {
    }

    private final ScriptEngine engine;
    private final Map<String, Library> libraries = new LinkedHashMap<>();
    private final Map<String, Function> functions = new LinkedHashMap<>();

    public FunctionRegistry(ServerContext server) {
        this.engine = new ScriptEngine(server, "user_function");
    }

    /** The server's Functions (their own Lua state), created on first use. */
    public static FunctionRegistry of(ServerContext server) {
        FunctionRegistry r = server.featureIfCreated(FunctionRegistry.class);
        return r != null ? r : server.featureIfAbsent(FunctionRegistry.class, new FunctionRegistry(server));
    }

    /** The Functions registry if FUNCTION/FCALL has been used, else null. */
    public static FunctionRegistry ifCreated(ServerContext server) {
        return server.featureIfCreated(FunctionRegistry.class);
    }

    public ScriptEngine engine() {
        return engine;
    }

    /** A function by name; Redis compares function names (not library names) case-insensitively. */
    public Function function(String name) {
        return functions.get(key(name));
    }

    private static String key(String functionName) {
        return functionName.toLowerCase(Locale.ROOT);
    }

    public Collection<Library> libraries() {
        return libraries.values();
    }

    public int functionCount() {
        return functions.size();
    }

    public void flush() {
        libraries.clear();
        functions.clear();
    }

    public boolean delete(String library) {
        Library lib = libraries.remove(library);
        if (lib == null) {
            return false;
        }
        lib.functions().keySet().forEach(n -> functions.remove(key(n)));
        return true;
    }

    /** FUNCTION LOAD: compiles and registers a library; returns its name. */
    public String load(String code, boolean replace) throws ScriptException {
        Library lib = compile(code);
        Library old = libraries.get(lib.name());
        if (old != null && !replace) {
            throw new ScriptException("ERR Library '" + lib.name() + "' already exists");
        }
        for (Function f : lib.functions().values()) {
            Function existing = functions.get(key(f.name()));
            if (existing != null && !existing.library().equals(lib.name())) {
                throw new ScriptException("ERR Function " + f.name() + " already exists");
            }
        }
        if (old != null) {
            delete(old.name());
        }
        libraries.put(lib.name(), lib);
        lib.functions().values().forEach(f -> functions.put(key(f.name()), f));
        return lib.name();
    }

    /**
     * The library name of the metadata line ("#!lua name=mylib"), split into words as Redis splits
     * it (quotes allowed, so name="x" names x); the engine word is "#!" and the engine's name,
     * compared case-insensitively.
     */
    private static String libraryName(String code) throws ScriptException {
        if (!code.startsWith("#!")) {
            throw new ScriptException("ERR Missing library metadata");
        }
        int nl = code.indexOf('\n');
        byte[][] parts = nl < 0 ? null : RequestParser.splitArgs(code.substring(0, nl).getBytes(StandardCharsets.UTF_8));
        if (parts == null || parts.length == 0) {
            throw new ScriptException("ERR Invalid library metadata");
        }
        String engineName = new String(parts[0], StandardCharsets.UTF_8).substring(2);
        String name = null;
        for (int i = 1; i < parts.length; i++) {
            String part = new String(parts[i], StandardCharsets.UTF_8);
            if (part.regionMatches(true, 0, "name=", 0, 5)) {
                if (name != null) {
                    throw new ScriptException("ERR Invalid metadata value, name argument was given multiple times");
                }
                name = part.substring(5);
            } else {
                throw new ScriptException("ERR Invalid metadata value given: " + part);
            }
        }
        if (name == null) {
            throw new ScriptException("ERR Library name was not given");
        }
        if (!engineName.equalsIgnoreCase("lua")) {
            throw new ScriptException("ERR Engine '" + engineName + "' not found");
        }
        if (!NAME.matcher(name).matches()) {
            throw new ScriptException("ERR Library names can only contain letters, numbers, or underscores(_) "
                    + "and must be at least one character long");
        }
        return name;
    }

    private Library compile(String code) throws ScriptException {
        String name = libraryName(code);
        byte[] src = code.getBytes(StandardCharsets.UTF_8);
        src[0] = '-';
        src[1] = '-';
        Map<String, Function> registered = new LinkedHashMap<>();
        boolean[] loading = {true};
        LuaTable env = loadEnvironment(name, registered, loading);
        LuaValue chunk;
        try {
            chunk = engine.globals().load(new ByteArrayInputStream(src), "@user_function", "t", env);
        } catch (LuaError e) {
            throw new ScriptException("ERR Error compiling function: " + engine.compileMessage(e, src));
        } catch (VirtualMachineError | RuntimeException e) {
            throw new ScriptException("ERR Error compiling function: " + engine.compilerFailure(e));
        }
        if (chunk instanceof LuaClosure c) {
            ScriptEngine.untailCalls(c.p);
        }
        try {
            engine.runLoader(chunk);
        } catch (LuaError e) {
            loading[0] = false;
            String msg = engine.errorText(e, "");
            msg = msg.substring(0, msg.lastIndexOf(" script: "));
            throw new ScriptException("ERR Error registering functions: " + msg);
        } catch (VirtualMachineError e) {
            throw new ScriptException("ERR Error registering functions: " + ScriptEngine.jvmFailure(e));
        } catch (RuntimeException e) {
            throw new ScriptException("ERR Error registering functions: " + engine.compilerFailure(e));
        }
        loading[0] = false; // a callback that kept the load-time redis table cannot register later
        if (registered.isEmpty()) {
            throw new ScriptException("ERR No functions registered");
        }
        if (chunk instanceof LuaClosure c && c.upValues.length > 0 && c.upValues[0] != null) {
            c.upValues[0].setValue(engine.globals()); // callbacks now run in the full environment
        }
        return new Library(name, code, registered);
    }

    private static LuaError libError(String msg) {
        return new LuaError(LuaValue.tableOf(new LuaValue[] {LuaValue.valueOf("err"), LuaValue.valueOf("ERR " + msg)}));
    }

    /** A metatable under which reading a missing key is Redis's nonexistent-global error. */
    private static LuaTable strictMeta() {
        LuaTable meta = new LuaTable();
        meta.set(LuaValue.INDEX, new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs a) {
                throw new LuaError("Script attempted to access nonexistent global variable '" + a.arg(2).tojstring()
                        + "'");
            }
        });
        return meta;
    }

    /**
     * The load-time environment: only redis.register_function, redis.log and constants, in
     * read-only tables (a callback that keeps a reference to them can change nothing later).
     */
    private LuaTable loadEnvironment(String library, Map<String, Function> registered, boolean[] loading) {
        LuaTable realRedis = (LuaTable) engine.globals().get("redis");
        LuaTable redis = new LuaTable();
        for (String k : new String[] {"log", "LOG_DEBUG", "LOG_VERBOSE", "LOG_NOTICE", "LOG_WARNING", "REDIS_VERSION",
            "REDIS_VERSION_NUM"}) {
            redis.rawset(k, realRedis.get(k));
        }
        redis.rawset("register_function", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs a) {
                if (!loading[0]) {
                    throw libError("redis.register_function can only be called on FUNCTION LOAD command");
                }
                register(library, a, registered);
                return LuaValue.NONE;
            }
        });
        // A Globals, not a plain table: LuaJ closures take their debug hook (the watchdog that
        // detects busy functions and FUNCTION KILL) from the Globals they were created under.
        SandboxGlobals env = new SandboxGlobals();
        env.debuglib = engine.globals().debuglib;
        env.rawset("redis", ReadOnlyTable.copyOf(redis, strictMeta()));
        env.setmetatable(strictMeta());
        env.seal();
        return env;
    }

    private static void register(String library, Varargs a, Map<String, Function> registered) {
        String name;
        LuaValue callback;
        List<String> flagNames = new ArrayList<>();
        String description = null;
        if (a.narg() == 1 && a.arg1().istable()) {
            LuaTable t = (LuaTable) a.arg1();
            LuaValue nameV = LuaValue.NIL;
            callback = LuaValue.NIL;
            LuaValue flagsV = LuaValue.NIL;
            for (LuaValue[] kv : LuaTables.pairs(t)) {
                String k = kv[0].tojstring();
                switch (k) {
                    case "function_name" -> {
                        if (!kv[1].isstring()) {
                            throw libError("function_name argument given to redis.register_function must be a string");
                        }
                        nameV = kv[1];
                    }
                    case "callback" -> callback = kv[1];
                    case "flags" -> flagsV = kv[1];
                    case "description" -> {
                        if (!kv[1].isstring()) {
                            throw libError("description argument given to redis.register_function must be a string");
                        }
                        description = kv[1].tojstring();
                    }
                    default -> throw libError("unknown argument given to redis.register_function");
                }
            }
            if (!nameV.isstring()) {
                throw libError("redis.register_function must get a function name argument");
            }
            if (callback.isnil()) {
                throw libError("redis.register_function must get a callback argument");
            }
            if (!callback.isfunction()) {
                throw libError("callback argument given to redis.register_function must be a function");
            }
            name = nameV.tojstring();
            if (!flagsV.isnil()) {
                if (!flagsV.istable()) {
                    throw libError("flags argument to redis.register_function must be a table representing function "
                            + "flags");
                }
                LuaTable ft = (LuaTable) flagsV;
                for (int i = 1; !ft.rawget(i).isnil(); i++) {
                    String f = ft.rawget(i).tojstring();
                    if (!FLAG_NAMES.contains(f)) {
                        throw libError("unknown flag given");
                    }
                    if (!flagNames.contains(f)) {
                        flagNames.add(f);
                    }
                }
            }
        } else if (a.narg() == 1) {
            throw libError("calling redis.register_function with a single argument is only applicable to Lua table "
                    + "(representing named arguments).");
        } else if (a.narg() == 2) {
            if (!a.arg1().isstring()) {
                throw libError("first argument to redis.register_function must be a string");
            }
            if (!a.arg(2).isfunction()) {
                throw libError("second argument to redis.register_function must be a function");
            }
            name = a.arg1().tojstring();
            callback = a.arg(2);
        } else {
            throw libError("wrong number of arguments to redis.register_function");
        }
        if (!NAME.matcher(name).matches()) {
            throw libError("Library names can only contain letters, numbers, or underscores(_) and must be at least "
                    + "one character long");
        }
        if (registered.containsKey(name)) { // case-sensitive within a library, unlike across libraries
            throw libError("Function already exists in the library");
        }
        ScriptFlags flags = new ScriptFlags(true, flagNames.contains("no-writes"), flagNames.contains("allow-oom"),
                flagNames.contains("allow-stale"), flagNames.contains("no-cluster"),
                flagNames.contains("allow-cross-slot-keys"));
        List<String> ordered = FLAG_NAMES.stream().filter(flagNames::contains).toList();
        registered.put(name, new Function(name, (LuaFunction) callback, flags, ordered, description, library));
    }

    /** FUNCTION DUMP payload. */
    public byte[] dump() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Library lib : libraries.values()) {
            out.write(RDB_OPCODE_FUNCTION2);
            RdbStrings.writeString(out, lib.code().getBytes(StandardCharsets.UTF_8));
        }
        out.write(RDB_VERSION & 0xff);
        out.write(RDB_VERSION >>> 8);
        byte[] body = out.toByteArray();
        long crc = Crc64.of(body, 0, body.length);
        for (int i = 0; i < 8; i++) {
            out.write((int) (crc >>> (8 * i)));
        }
        return out.toByteArray();
    }

    /** Restore policies of FUNCTION RESTORE. */
    public enum RestorePolicy { APPEND, REPLACE, FLUSH }

    /** FUNCTION RESTORE: all libraries of the payload, or none (on any error nothing changes). */
    public void restore(byte[] payload, RestorePolicy policy) throws ScriptException {
        if (payload.length < 10) {
            throw new ScriptException("ERR DUMP payload version or checksum are wrong");
        }
        int footer = payload.length - 10;
        int version = (payload[footer] & 0xff) | ((payload[footer + 1] & 0xff) << 8);
        long crc = 0;
        for (int i = 0; i < 8; i++) {
            crc |= (long) (payload[footer + 2 + i] & 0xff) << (8 * i);
        }
        if (version > RDB_VERSION || Crc64.of(payload, 0, footer + 2) != crc) {
            throw new ScriptException("ERR DUMP payload version or checksum are wrong");
        }
        List<String> codes = new ArrayList<>();
        try {
            RdbStrings.Reader r = new RdbStrings.Reader(payload, 0, footer);
            while (r.hasMore()) {
                int op = r.u8();
                if (op != RDB_OPCODE_FUNCTION2) {
                    throw new ScriptException("ERR given type is not a function");
                }
                codes.add(new String(r.string(), StandardCharsets.UTF_8));
            }
        } catch (IllegalArgumentException e) {
            throw new ScriptException("ERR payload version or checksum are wrong");
        }
        Map<String, Library> oldLibs = new LinkedHashMap<>(libraries);
        Map<String, Function> oldFns = new LinkedHashMap<>(functions);
        try {
            if (policy == RestorePolicy.FLUSH) {
                flush();
            }
            for (String code : codes) {
                String name = libraryName(code);
                if (policy == RestorePolicy.APPEND && libraries.containsKey(name)) {
                    throw new ScriptException("ERR Library " + name + " already exists"); // RESTORE's wording
                }
                load(code, policy == RestorePolicy.REPLACE);
            }
        } catch (ScriptException e) {
            libraries.clear();
            libraries.putAll(oldLibs);
            functions.clear();
            functions.putAll(oldFns);
            throw e;
        }
    }
}
