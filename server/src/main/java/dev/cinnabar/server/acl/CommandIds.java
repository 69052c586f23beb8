package dev.cinnabar.server.acl;

import dev.cinnabar.server.command.AclCategory;
import dev.cinnabar.server.command.CommandInfo;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The commands ACL rules speak of, each with a number (its bit in a selector's command bitmap):
 * every command of the metadata, containers followed by their subcommands, in name order. As
 * Redis's orig_commands, the set ignores rename-command, so rules stay valid whatever the names
 * clients use. One more bit, {@link #future}, is set only by +@all / allcommands: it records that
 * the rules started from everything (ACL LIST then describes them from +@all).
 *
 * <p>Shared by every server (the metadata is per JVM); read-only after construction.
 */
final class CommandIds {
    static final CommandIds ALL = new CommandIds(CommandInfo.all());

    private final List<CommandInfo> byId = new ArrayList<>();
    private final Map<CommandInfo, Integer> ids = new IdentityHashMap<>();
    private final Map<String, CommandInfo> byName = new HashMap<>();
    private final Map<CommandInfo, CommandInfo> parents = new IdentityHashMap<>();
    /** The reserved bit: "may run commands added later" (+@all). */
    final int future;

    private CommandIds(Map<String, CommandInfo> all) {
        for (CommandInfo c : all.values()) {
            if (newerThan70(c)) {
                continue;
            }
            add(c, null);
            for (CommandInfo sub : c.subcommands().values()) {
                if (!newerThan70(sub)) {
                    add(sub, c);
                }
            }
        }
        this.future = byId.size();
    }

    private void add(CommandInfo c, CommandInfo parent) {
        ids.put(c, byId.size());
        byId.add(c);
        byName.put(c.fullName().toLowerCase(Locale.ROOT), c);
        if (parent != null) {
            parents.put(c, parent);
        }
    }

    /** Number of bits a selector's bitmap needs (the commands and the reserved bit). */
    int size() {
        return future + 1;
    }

    int id(CommandInfo c) {
        Integer id = ids.get(c);
        return id == null ? -1 : id;
    }

    /**
     * The bit that decides whether c may run: its own, or for a later subcommand the metadata
     * carries (CLIENT SETINFO, 7.2) its container's; -1 when there is none (then only
     * allcommands allows it).
     */
    int permissionId(CommandInfo c) {
        Integer id = ids.get(c);
        if (id != null) {
            return id;
        }
        int bar = c.fullName().indexOf('|');
        CommandInfo container = bar < 0 ? null : lookup(c.fullName().substring(0, bar));
        return container == null ? -1 : id(container);
    }

    CommandInfo command(int id) {
        return byId.get(id);
    }

    /** Every command in id order (containers before their subcommands). */
    List<CommandInfo> commands() {
        return Collections.unmodifiableList(byId);
    }

    /** "get" or "client|list", case-insensitive; null when Redis 7.0 has no such command. */
    CommandInfo lookup(String fullName) {
        return byName.get(fullName.toLowerCase(Locale.ROOT));
    }

    /** The container of a subcommand, or null. */
    CommandInfo parent(CommandInfo c) {
        return parents.get(c);
    }

    /** True for the few commands newer than Redis 7.0 that the metadata carries (not listed by ACL CAT). */
    static boolean newerThan70(CommandInfo c) {
        String since = c.since();
        if (since == null) {
            return false;
        }
        String[] v = since.split("\\.");
        try {
            int major = Integer.parseInt(v[0]);
            int minor = v.length > 1 ? Integer.parseInt(v[1]) : 0;
            return major > 7 || (major == 7 && minor > 0);
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** A category by its ACL name (case-insensitive), or null. */
    static AclCategory category(String name) {
        for (AclCategory c : AclCategory.values()) {
            if (c.wireName().equalsIgnoreCase(name)) {
                return c;
            }
        }
        return null;
    }
}
