package dev.cinnabar.server.command;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A command's entry in one server's table (Redis's struct redisCommand at run time): its
 * immutable metadata ({@link CommandInfo}, shared by every server), the handler a family bound,
 * and its statistics. Identity matters: internal code holds the entries it needs
 * ({@link CommandTable#spec}) and compares them with {@code ==}, never by name, so rename-command
 * cannot break it.
 */
public final class CommandSpec {
    private final CommandInfo info;
    final Map<String, CommandSpec> subcommands = new LinkedHashMap<>();
    final CommandSpec parent;
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

    CommandSpec(CommandInfo info, CommandSpec parent) {
        this.info = info;
        this.parent = parent;
        for (CommandInfo sub : info.subcommands().values()) {
            subcommands.put(sub.name(), new CommandSpec(sub, this));
        }
    }

    /** The metadata (arity, flags, key specs, ACL categories, docs). */
    public CommandInfo info() {
        return info;
    }

    /** The name as typed after the container, or the command name ("get", "list"). */
    public String name() {
        return info.name();
    }

    /** "get", or "client|list" for a subcommand. */
    public String fullName() {
        return info.fullName();
    }

    public int arity() {
        return info.arity();
    }

    public boolean has(CommandFlag f) {
        return info.has(f);
    }

    /** The flags COMMAND shows (without may_replicate, which Redis 7.0 does not show); see {@link #has}. */
    public Set<CommandFlag> flags() {
        return info.flags();
    }

    public Set<AclCategory> aclCategories() {
        return info.aclCategories();
    }

    public int firstKey() {
        return info.firstKey();
    }

    public int lastKey() {
        return info.lastKey();
    }

    public int step() {
        return info.step();
    }

    public List<String> tips() {
        return info.tips();
    }

    public List<KeySpec> keySpecs() {
        return info.keySpecs();
    }

    public String group() {
        return info.group();
    }

    public String since() {
        return info.since();
    }

    /** COMMAND DOCS' members besides since and group ({@link CommandInfo#docs}). */
    public java.util.Map<String, Object> docs() {
        return info.docs();
    }

    public CommandSpec parent() {
        return parent;
    }

    /** The top-level command: itself, or the container of a subcommand. */
    public CommandSpec top() {
        return parent == null ? this : parent;
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
        return info.arityOk(argc);
    }

    /** The argument positions of the keys of this call (see {@link CommandInfo#keyPositions}). */
    public List<Integer> keyPositions(byte[][] argv, int argc) {
        return info.keyPositions(argv, argc);
    }

    @Override
    public String toString() {
        return info.fullName();
    }
}
