package dev.cinnabar.server.command;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One command's metadata (facts read off Redis 7.0 with COMMAND and COMMAND DOCS, kept in
 * commands.json) plus the handler bound to it and its runtime statistics.
 *
 * <p>Arity follows Redis's sign convention: positive = exactly that many arguments (name
 * included), negative = at least that many. Container commands (CLIENT, CONFIG, ...) have
 * subcommands, each a spec of its own with full name "container|sub".
 */
public final class CommandSpec {
    final String name;
    final String fullName;
    final byte[] nameBytes;
    final int arity;
    final EnumSet<CommandFlag> flags;
    private final EnumSet<CommandFlag> reportedFlags;
    final int firstKey;
    final int lastKey;
    final int step;
    final EnumSet<AclCategory> acl;
    final List<String> tips;
    final List<KeySpec> keySpecs;
    final String group;
    final String since;
    final JsonNode docs; // summary, doc_flags, deprecated_since, replaced_by, arguments
    final Map<String, CommandSpec> subcommands;
    final CommandSpec parent;
    int id;
    CommandHandler handler;
    /** Runs a Lua script or function (EVAL*, FCALL*): executed off the event loops (see ClientHandler). */
    boolean runsScript;

    // statistics (mutated under the execution lock)
    public long calls;
    public long microseconds;
    public long rejectedCalls;
    public long failedCalls;
    /** Latency distribution for INFO latencystats / LATENCY HISTOGRAM; null until the first tracked call. */
    public LatencyHistogram latency;

    CommandSpec(String name, CommandSpec parent, int arity, EnumSet<CommandFlag> flags, int firstKey, int lastKey,
                int step, EnumSet<AclCategory> acl, List<String> tips, List<KeySpec> keySpecs, String group,
                String since, JsonNode docs) {
        this.name = name;
        this.parent = parent;
        this.fullName = parent == null ? name : parent.name + "|" + name;
        this.nameBytes = name.getBytes(StandardCharsets.US_ASCII);
        this.arity = arity;
        this.flags = flags;
        this.reportedFlags = EnumSet.copyOf(flags);
        this.reportedFlags.removeIf(f -> !f.reported());
        this.firstKey = firstKey;
        this.lastKey = lastKey;
        this.step = step;
        this.acl = acl;
        this.tips = tips;
        this.keySpecs = keySpecs;
        this.group = group;
        this.since = since;
        this.docs = docs;
        this.subcommands = new LinkedHashMap<>();
    }

    /** The name as typed after the container, or the command name ("get", "list"). */
    public String name() {
        return name;
    }

    /** "get", or "client|list" for a subcommand. */
    public String fullName() {
        return fullName;
    }

    public int arity() {
        return arity;
    }

    public boolean has(CommandFlag f) {
        return flags.contains(f);
    }

    /** The flags COMMAND shows (without may_replicate, which Redis 7.0 does not show); see {@link #has}. */
    public Set<CommandFlag> flags() {
        return Collections.unmodifiableSet(reportedFlags);
    }

    public Set<AclCategory> aclCategories() {
        return Collections.unmodifiableSet(acl);
    }

    public int firstKey() {
        return firstKey;
    }

    public int lastKey() {
        return lastKey;
    }

    public int step() {
        return step;
    }

    public List<String> tips() {
        return tips;
    }

    public List<KeySpec> keySpecs() {
        return keySpecs;
    }

    public String group() {
        return group;
    }

    public String since() {
        return since;
    }

    public JsonNode docs() {
        return docs;
    }

    public CommandSpec parent() {
        return parent;
    }

    public int id() {
        return id;
    }

    public CommandHandler handler() {
        return handler;
    }

    /** True for EVAL*, FCALL*: the connection hands such a command to the script thread. */
    public boolean runsScript() {
        return runsScript;
    }

    public boolean implemented() {
        if (handler != null) {
            return true;
        }
        for (CommandSpec s : subcommands.values()) {
            if (s.handler != null) {
                return true;
            }
        }
        return false;
    }

    public boolean hasSubcommands() {
        return !subcommands.isEmpty();
    }

    /** Implemented subcommands, in name order. */
    public List<CommandSpec> subcommands() {
        return subcommands.values().stream().filter(s -> s.handler != null).toList();
    }

    /** Every subcommand Redis 7.0 has, implemented or not, in name order. */
    public List<CommandSpec> allSubcommands() {
        return List.copyOf(subcommands.values());
    }

    /** Looks up an implemented subcommand by its (case-insensitive) name; null if none. */
    public CommandSpec subcommand(byte[] name) {
        CommandSpec s = subcommands.get(dev.cinnabar.server.protocol.Texts.lower(name));
        return s != null && s.handler != null ? s : null;
    }

    /** True when argc fits this command's arity. */
    public boolean arityOk(int argc) {
        return arity > 0 ? argc == arity : argc >= -arity;
    }

    /**
     * The argument positions of the keys of this call, from the key specs (falling back to the
     * legacy first/last/step triple). Used by COMMAND GETKEYS, ACL key checks, cluster routing and
     * client tracking.
     */
    public List<Integer> keyPositions(byte[][] argv, int argc) {
        java.util.ArrayList<Integer> out = new java.util.ArrayList<>();
        if (!keySpecs.isEmpty()) {
            for (KeySpec ks : keySpecs) {
                if (!ks.keys(argv, argc, out)) {
                    return null;
                }
            }
            return out;
        }
        if (firstKey > 0) {
            int last = lastKey < 0 ? argc + lastKey : lastKey;
            for (int i = firstKey; i <= last && i < argc; i += Math.max(1, step)) {
                out.add(i);
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return fullName;
    }
}
