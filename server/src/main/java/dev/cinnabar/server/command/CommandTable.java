package dev.cinnabar.server.command;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The command table: every command's metadata, loaded once from {@code commands.json} (generated
 * by tools/gen-command-table.py from a running Redis 7.0), with the handlers the families bind.
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
    private CommandSpec[] slots;
    private byte[][] keys;
    private int mask;
    private int nextId;

    private CommandTable() {
    }

    /** Loads the metadata and binds the given families' handlers. */
    public static CommandTable create(Collection<? extends CommandFamily> families) {
        CommandTable t = new CommandTable();
        t.load();
        for (CommandFamily f : families) {
            f.register(t);
        }
        t.byName.putAll(t.all);
        t.index();
        return t;
    }

    private void load() {
        ObjectMapper om = new ObjectMapper();
        try (InputStream in = CommandTable.class.getResourceAsStream("commands.json")) {
            if (in == null) {
                throw new IllegalStateException("commands.json missing from the classpath");
            }
            for (JsonNode n : om.readTree(in)) {
                CommandSpec s = parse(n, null);
                all.put(s.name, s);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        loadExtra(om);
    }

    /**
     * commands-extra.json: commands newer than Redis 7.0 that clients send on connect (e.g. CLIENT
     * SETINFO, 7.2), in the same format; "container|sub" names add a subcommand to a 7.0 container.
     */
    private void loadExtra(ObjectMapper om) {
        try (InputStream in = CommandTable.class.getResourceAsStream("commands-extra.json")) {
            if (in == null) {
                return;
            }
            for (JsonNode n : om.readTree(in)) {
                String full = n.get("name").asText();
                int bar = full.indexOf('|');
                if (bar < 0) {
                    CommandSpec s = parse(n, null);
                    all.put(s.name, s);
                } else {
                    CommandSpec parent = all.get(full.substring(0, bar));
                    CommandSpec s = parse(n, parent);
                    parent.subcommands.put(s.name, s);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private CommandSpec parse(JsonNode n, CommandSpec parent) {
        String full = n.get("name").asText();
        String name = parent == null ? full : full.substring(full.indexOf('|') + 1);
        EnumSet<CommandFlag> flags = EnumSet.noneOf(CommandFlag.class);
        for (JsonNode f : n.get("flags")) {
            flags.add(CommandFlag.parse(f.asText()));
        }
        EnumSet<AclCategory> acl = EnumSet.noneOf(AclCategory.class);
        for (JsonNode a : n.get("acl")) {
            acl.add(AclCategory.parse(a.asText()));
        }
        List<String> tips = new ArrayList<>();
        for (JsonNode x : n.get("tips")) {
            tips.add(x.asText());
        }
        List<KeySpec> specs = new ArrayList<>();
        for (JsonNode k : n.get("keySpecs")) {
            specs.add(parseKeySpec(k));
        }
        ObjectNode docs = ((ObjectNode) n).deepCopy();
        docs.retain("summary", "doc_flags", "deprecated_since", "replaced_by", "arguments");
        CommandSpec s = new CommandSpec(name, parent, n.get("arity").asInt(), flags, n.get("firstKey").asInt(),
                n.get("lastKey").asInt(), n.get("step").asInt(), acl, tips, specs,
                n.path("group").asText(null), n.path("since").asText(null), docs);
        s.id = nextId++;
        if (n.has("subcommands")) {
            for (JsonNode sub : n.get("subcommands")) {
                CommandSpec ss = parse(sub, s);
                s.subcommands.put(ss.name, ss);
            }
        }
        return s;
    }

    private static KeySpec parseKeySpec(JsonNode k) {
        List<String> fl = new ArrayList<>();
        for (JsonNode f : k.get("flags")) {
            fl.add(f.asText());
        }
        JsonNode bs = k.get("begin_search");
        JsonNode fk = k.get("find_keys");
        String bsType = bs.get("type").asText();
        int bsIndex = 0;
        String kw = null;
        if (bsType.equals("index")) {
            bsIndex = bs.get("spec").get("index").asInt();
        } else if (bsType.equals("keyword")) {
            bsIndex = bs.get("spec").get("startfrom").asInt();
            kw = bs.get("spec").get("keyword").asText();
        }
        String fkType = fk.get("type").asText();
        int a = 0;
        int b = 0;
        int c = 0;
        if (fkType.equals("range")) {
            a = fk.get("spec").get("lastkey").asInt();
            b = fk.get("spec").get("keystep").asInt();
            c = fk.get("spec").get("limit").asInt();
        } else if (fkType.equals("keynum")) {
            a = fk.get("spec").get("keynumidx").asInt();
            b = fk.get("spec").get("firstkey").asInt();
            c = fk.get("spec").get("keystep").asInt();
        }
        return new KeySpec(List.copyOf(fl), bsType, bsIndex, kw, fkType, a, b, c, k.path("notes").asText(null));
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
        if (s == null) {
            throw new IllegalArgumentException("no metadata for command " + container + "|" + sub);
        }
        bindTo(s, h);
    }

    private static void bindTo(CommandSpec s, CommandHandler h) {
        if (s.handler != null) {
            throw new IllegalStateException("command " + s.fullName + " bound twice");
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
