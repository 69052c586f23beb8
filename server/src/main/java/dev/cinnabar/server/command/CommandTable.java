package dev.cinnabar.server.command;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One server's command table: an entry ({@link CommandSpec}) per command of the metadata
 * ({@link CommandInfo}, loaded once from {@code commands.json}), with the handlers the families
 * bind and the statistics. The server assembles it (CinnabarServer: the families, then
 * rename-command) and hands it to the context.
 *
 * <p>This table is the single source for dispatch, arity checks, COMMAND and its subcommands, ACL
 * categories, key extraction (tracking, cluster routing, ACL key patterns), MULTI and replication
 * decisions, and INFO commandstats. A command without a bound handler is treated as unknown and
 * not listed, so what we report is exactly what we implement.
 *
 * <p>Lookup by the raw argument bytes is case-insensitive and allocation-free (open addressing
 * over ASCII-folded hashes).
 */
public final class CommandTable {
    private final Map<String, CommandSpec> all = new LinkedHashMap<>();
    /** Current top-level names (rename-command changes them), lower case. */
    private final Map<String, CommandSpec> byName = new LinkedHashMap<>();
    /** A mode's table (sentinel): binding a command the mode lacks is not an error, it stays unknown. */
    private boolean partial;
    private CommandSpec[] slots;
    private byte[][] keys;
    private int mask;

    private CommandTable() {
    }

    /** A table of every command's metadata ({@link CommandInfo#all}) with the given families' handlers bound. */
    public static CommandTable create(Collection<? extends CommandFamily> families) {
        CommandTable t = new CommandTable();
        for (CommandInfo info : CommandInfo.all().values()) {
            t.all.put(info.name(), new CommandSpec(info, null));
        }
        for (CommandFamily f : families) {
            f.register(t);
        }
        t.byName.putAll(t.all);
        t.index();
        return t;
    }

    /**
     * The table of a mode with its own command set (Redis's sentinel mode): every command of
     * {@code mode} with the mode's metadata, served by the handlers the families bind, then by
     * those {@code own} binds or {@link #override}s (the mode's versions of INFO, ROLE...). Every
     * other command keeps its metadata, so internal code can still hold its entry
     * ({@link #spec}), but has no handler: dispatch and COMMAND know only the mode's commands.
     * Families may bind what the mode lacks (a command or a subcommand): those bindings are dropped.
     */
    public static CommandTable create(java.util.Map<String, CommandInfo> mode,
                                      Collection<? extends CommandFamily> families, CommandFamily own) {
        CommandTable t = new CommandTable();
        t.partial = true;
        for (CommandInfo info : CommandInfo.all().values()) {
            t.all.put(info.name(), new CommandSpec(info, null));
        }
        for (CommandInfo info : mode.values()) {
            t.all.put(info.name(), new CommandSpec(info, null));
        }
        for (CommandFamily f : families) {
            f.register(t);
        }
        for (CommandSpec s : t.all.values()) {
            if (!mode.containsKey(s.name())) {
                s.handler = null;
                s.subcommands.values().forEach(sub -> sub.handler = null);
            }
        }
        own.register(t);
        t.byName.putAll(t.all);
        t.index();
        return t;
    }

    /** Replaces the handler a family bound (a mode's own version of a command). */
    public void override(String name, CommandHandler h) {
        CommandSpec s = all.get(name);
        if (s == null) {
            throw new IllegalArgumentException("no metadata for command " + name);
        }
        s.handler = h;
    }

    /** Binds a handler to a top-level command. Fails fast on an unknown name or a double binding. */
    public void bind(String name, CommandHandler h) {
        CommandSpec s = all.get(name);
        if (s == null) {
            throw new IllegalArgumentException("no metadata for command " + name);
        }
        bindTo(s, h);
    }

    /** Binds the handler of a command that runs a script or function (see CommandSpec.runsScript). */
    public void bindScript(String name, CommandHandler h) {
        bind(name, h);
        all.get(name).runsScript = true;
    }

    /** Binds a handler to a subcommand, e.g. bind("client", "list", ...). */
    public void bind(String container, String sub, CommandHandler h) {
        CommandSpec p = all.get(container);
        CommandSpec s = p == null ? null : p.subcommands.get(sub);
        if (s == null && partial && p != null) {
            return; // the mode's version of the container lacks this subcommand
        }
        if (s == null) {
            throw new IllegalArgumentException("no metadata for command " + container + "|" + sub);
        }
        bindTo(s, h);
    }

    private static void bindTo(CommandSpec s, CommandHandler h) {
        if (s.handler != null) {
            throw new IllegalStateException("command " + s.fullName() + " bound twice");
        }
        s.handler = h;
    }

    private void index() {
        int n = Integer.highestOneBit(Math.max(16, byName.size() * 4 - 1)) << 1;
        slots = new CommandSpec[n];
        keys = new byte[n][];
        mask = n - 1;
        for (Map.Entry<String, CommandSpec> e : byName.entrySet()) {
            CommandSpec s = e.getValue();
            if (!s.implemented()) {
                continue;
            }
            byte[] key = e.getKey().getBytes(java.nio.charset.StandardCharsets.UTF_8);
            int i = hashFolded(key, key.length) & mask;
            while (slots[i] != null) {
                i = (i + 1) & mask;
            }
            slots[i] = s;
            keys[i] = key;
        }
    }

    /**
     * rename-command, applied before the server starts: the command answers to {@code to} instead
     * of {@code from}; an empty {@code to} removes it. Errors are Redis's reason texts.
     */
    public void rename(String from, String to) {
        String f = from.toLowerCase(java.util.Locale.ROOT);
        String t = to.toLowerCase(java.util.Locale.ROOT);
        CommandSpec s = byName.get(f);
        if (s == null) {
            throw new IllegalArgumentException("No such command in rename-command");
        }
        if (!t.isEmpty() && byName.containsKey(t)) {
            throw new IllegalArgumentException("Target command name already exists");
        }
        byName.remove(f);
        if (!t.isEmpty()) {
            byName.put(t, s);
        }
        index();
    }

    private static int hashFolded(byte[] b, int len) {
        int h = 0;
        for (int i = 0; i < len; i++) {
            int c = b[i];
            if (c >= 'A' && c <= 'Z') {
                c += 32;
            }
            h = 31 * h + c;
        }
        return h ^ (h >>> 16);
    }

    /** Looks up an implemented top-level command by name, ignoring ASCII case; null if none. */
    public CommandSpec lookup(byte[] name) {
        int i = hashFolded(name, name.length) & mask;
        CommandSpec s;
        while ((s = slots[i]) != null) {
            if (equalsFolded(keys[i], name)) {
                return s;
            }
            i = (i + 1) & mask;
        }
        return null;
    }

    private static boolean equalsFolded(byte[] lower, byte[] any) {
        if (lower.length != any.length) {
            return false;
        }
        for (int i = 0; i < lower.length; i++) {
            int c = any[i];
            if (c >= 'A' && c <= 'Z') {
                c += 32;
            }
            if (c != lower[i]) {
                return false;
            }
        }
        return true;
    }

    /** Looks up by name or "container|sub"; implemented commands only. */
    public CommandSpec lookup(String name) {
        int bar = name.indexOf('|');
        CommandSpec s = byName.get((bar < 0 ? name : name.substring(0, bar)).toLowerCase());
        if (s == null || !s.implemented()) {
            return null;
        }
        if (bar >= 0) {
            CommandSpec sub = s.subcommands.get(name.substring(bar + 1).toLowerCase());
            return sub != null && sub.handler != null ? sub : null;
        }
        return s;
    }

    /**
     * A command by its identity: its Redis name ("exec", "client|list"), whatever rename-command
     * made of it. For internal code that needs a particular command (MULTI's EXEC, GEOADD's
     * ZADD); user input goes through {@link #lookup}. Fails fast on a name Redis 7.0 lacks.
     */
    public CommandSpec spec(String redisName) {
        int bar = redisName.indexOf('|');
        CommandSpec s = all.get(bar < 0 ? redisName : redisName.substring(0, bar));
        if (s != null && bar >= 0) {
            s = s.subcommands.get(redisName.substring(bar + 1));
        }
        if (s == null) {
            throw new IllegalArgumentException("no metadata for command " + redisName);
        }
        return s;
    }

    /** Implemented top-level commands, in name order. */
    public List<CommandSpec> commands() {
        return all.values().stream().filter(CommandSpec::implemented).toList();
    }

    /** Every command Redis 7.0 has, implemented or not (for docs/compatibility.md). */
    public Collection<CommandSpec> allKnown() {
        return all.values();
    }
}
