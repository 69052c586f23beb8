package dev.cinnabar.server.config;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The configuration table: every directive Cinnabar knows, with typed fields for the values the
 * hot path reads. Values are parsed and bounded as Redis parses them (yes/no booleans, integers
 * with bounds, memory sizes with k/kb/m/mb/g/gb units, enums), and rejected with Redis's texts.
 *
 * <p>Fields are volatile: CONFIG SET runs under the execution lock, but IO threads read some of
 * them (limits, timeouts) without it.
 */
public final class ServerConfig {
    private final Map<String, ConfigEntry> entries = new LinkedHashMap<>();
    private final Map<String, ConfigEntry> byAlias = new LinkedHashMap<>();

    // --- network
    public volatile int port = 6379;
    public volatile List<String> bind = List.of("*", "-::*");
    public volatile boolean protectedMode = true;
    public volatile int tcpBacklog = 511;
    public volatile int timeout = 0;
    public volatile int tcpKeepalive = 300;
    public volatile int maxclients = 10000;
    public volatile int ioThreads = 0; // 0 = automatic
    // --- protocol limits
    public volatile long protoMaxBulkLen = 512L * 1024 * 1024;
    public volatile long clientQueryBufferLimit = 1024L * 1024 * 1024;
    // --- general
    public volatile int databases = 16;
    public volatile int hz = 10;
    public volatile boolean dynamicHz = true;
    public volatile int activeExpireEffort = 1;
    public volatile String requirepass = "";
    public volatile String dir = ".";
    public volatile String logfile = "";
    public volatile String loglevel = "notice";
    public volatile String pidfile = "";
    public volatile boolean daemonize = false;
    public volatile long maxmemory = 0;
    public volatile String maxmemoryPolicy = "noeviction";
    public volatile int maxmemorySamples = 5;
    public volatile long slowlogLogSlowerThan = 10000;
    public volatile int slowlogMaxLen = 128;
    public volatile String configFile = null;

    public ServerConfig() {
        Defaults.register(this);
    }

    public boolean authRequired() {
        return requirepass != null && !requirepass.isEmpty();
    }

    public void add(ConfigEntry e) {
        entries.put(e.name(), e);
        byAlias.put(e.name(), e);
        for (String a : e.aliases()) {
            byAlias.put(a, e);
        }
    }

    public ConfigEntry entry(String nameOrAlias) {
        return byAlias.get(nameOrAlias.toLowerCase(Locale.ROOT));
    }

    public Collection<ConfigEntry> entries() {
        return entries.values();
    }

    /** Applies a directive with its arguments (file line or CONFIG SET). */
    public void set(String name, List<String> args) throws ConfigException {
        ConfigEntry e = entry(name);
        if (e == null) {
            throw new ConfigException("Bad directive or wrong number of arguments");
        }
        e.set(args);
    }

    public void set(String name, String value) throws ConfigException {
        set(name, List.of(value));
    }

    public String get(String name) {
        ConfigEntry e = entry(name);
        return e == null ? null : e.get();
    }

    // ---- builders used by Defaults (and by features that add their own directives)

    public void bool(String name, boolean mutable, boolean def, Consumer<Boolean> set, Supplier<Boolean> get,
                     String... aliases) {
        add(new ConfigEntry(name, List.of(aliases), mutable, def ? "yes" : "no", args -> {
            set.accept(parseBool(single(args)));
        }, () -> get.get() ? "yes" : "no", true, false));
    }

    public void integer(String name, boolean mutable, long def, long min, long max, Consumer<Long> set,
                        Supplier<Long> get, String... aliases) {
        add(new ConfigEntry(name, List.of(aliases), mutable, Long.toString(def), args -> {
            set.accept(parseInt(single(args), min, max));
        }, () -> Long.toString(get.get()), true, false));
    }

    public void memory(String name, boolean mutable, long def, long min, long max, Consumer<Long> set,
                       Supplier<Long> get, String... aliases) {
        add(new ConfigEntry(name, List.of(aliases), mutable, Long.toString(def), args -> {
            set.accept(parseMemory(single(args), min, max));
        }, () -> Long.toString(get.get()), true, false));
    }

    public void string(String name, boolean mutable, String def, Consumer<String> set, Supplier<String> get,
                       String... aliases) {
        add(new ConfigEntry(name, List.of(aliases), mutable, def, args -> set.accept(single(args)),
                () -> get.get() == null ? "" : get.get(), true, false));
    }

    public void enumeration(String name, boolean mutable, String def, List<String> values, Consumer<String> set,
                            Supplier<String> get, String... aliases) {
        add(new ConfigEntry(name, List.of(aliases), mutable, def, args -> {
            String v = single(args).toLowerCase(Locale.ROOT);
            if (!values.contains(v)) {
                throw new ConfigException("argument(s) must be one of the following: " + String.join(", ", values));
            }
            set.accept(v);
        }, get::get, true, false));
    }

    /**
     * A directive Redis has and we accept, keep and report, but whose behaviour is not built yet.
     * Setting it logs a notice once (see ConfigFile).
     */
    public void accepted(String name, boolean mutable, String def, String... aliases) {
        String[] holder = {def};
        add(new ConfigEntry(name, List.of(aliases), mutable, def, args -> holder[0] = String.join(" ", args),
                () -> holder[0], false, false));
    }

    static String single(List<String> args) throws ConfigException {
        if (args.size() != 1) {
            throw new ConfigException("wrong number of arguments");
        }
        return args.get(0);
    }

    public static boolean parseBool(String v) throws ConfigException {
        if (v.equalsIgnoreCase("yes")) {
            return true;
        }
        if (v.equalsIgnoreCase("no")) {
            return false;
        }
        throw new ConfigException("argument must be 'yes' or 'no'");
    }

    public static long parseInt(String v, long min, long max) throws ConfigException {
        long n;
        try {
            n = Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new ConfigException("argument couldn't be parsed into an integer");
        }
        if (n < min || n > max) {
            throw new ConfigException("argument must be between " + min + " and " + max + " inclusive");
        }
        return n;
    }

    /** Parses "100", "1k" (1000), "1kb" (1024), "5mb", "2gb" like Redis's memtoull. */
    public static long parseMemory(String v, long min, long max) throws ConfigException {
        String s = v.toLowerCase(Locale.ROOT);
        long mul = 1;
        String[][] units = {{"kb", "1024"}, {"mb", "1048576"}, {"gb", "1073741824"}, {"k", "1000"},
            {"m", "1000000"}, {"g", "1000000000"}, {"b", "1"}};
        for (String[] u : units) {
            if (s.endsWith(u[0])) {
                mul = Long.parseLong(u[1]);
                s = s.substring(0, s.length() - u[0].length());
                break;
            }
        }
        long n;
        try {
            n = Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new ConfigException("argument must be a memory value");
        }
        if (n < 0) {
            throw new ConfigException("argument must be a memory value");
        }
        long r = n * mul;
        if (r < min || r > max) {
            throw new ConfigException("argument must be between " + min + " and " + max + " inclusive");
        }
        return r;
    }

    /** Names of all entries (for CONFIG GET globbing). */
    public List<String> names() {
        return new ArrayList<>(entries.keySet());
    }
}
