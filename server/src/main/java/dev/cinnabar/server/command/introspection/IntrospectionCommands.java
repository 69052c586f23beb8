package dev.cinnabar.server.command.introspection;

import dev.cinnabar.server.command.AclCategory;
import dev.cinnabar.server.command.CommandFamily;
import dev.cinnabar.server.command.CommandFlag;
import dev.cinnabar.server.command.CommandSpec;
import dev.cinnabar.server.command.CommandTable;
import dev.cinnabar.server.command.KeySpec;
import dev.cinnabar.server.protocol.Errors;
import dev.cinnabar.server.protocol.Reply;
import dev.cinnabar.server.protocol.Texts;
import dev.cinnabar.server.session.Client;
import dev.cinnabar.server.util.Glob;
import dev.cinnabar.server.util.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * COMMAND and its subcommands, read off the command table: only commands with a handler are
 * reported, so what COMMAND shows is what we implement. Replies follow Redis 7.0's shapes
 * (flags, ACL categories and tips as sets, key specs as maps, subcommands nested). COMMAND DOCS
 * gives the table's facts (since, group, doc flags, arguments) but no summary, complexity or
 * history: that prose is Redis's and we do not copy it.
 */
public final class IntrospectionCommands implements CommandFamily {
    private CommandTable table;

    @Override
    public void register(CommandTable t) {
        this.table = t;
        t.bind("command", this::command);
        t.bind("command", "count", this::count);
        t.bind("command", "info", this::info);
        t.bind("command", "docs", this::docs);
        t.bind("command", "list", this::list);
        t.bind("command", "getkeys", c -> getkeys(c, false));
        t.bind("command", "getkeysandflags", c -> getkeys(c, true));
        t.bind("command", "help", this::help);
    }

    void command(Client c) {
        List<CommandSpec> all = table.commands();
        c.reply().array(all.size());
        for (CommandSpec s : all) {
            info(c.reply(), s);
        }
    }

    void count(Client c) {
        c.reply().integer(table.commands().size());
    }

    void info(Client c) {
        if (c.argc() == 2) {
            command(c);
            return;
        }
        Reply r = c.reply();
        r.array(c.argc() - 2);
        for (int i = 2; i < c.argc(); i++) {
            CommandSpec s = table.lookup(Texts.str(c.arg(i)));
            if (s == null) {
                r.nullBulk();
            } else {
                info(r, s);
            }
        }
    }

    /** The movablekeys flag, computed as Redis does: some key spec is not a plain index + range. */
    static boolean movableKeys(CommandSpec s) {
        for (KeySpec k : s.keySpecs()) {
            if (!k.bsType().equals("index") || !k.fkType().equals("range")) {
                return true;
            }
        }
        return false;
    }

    private static void info(Reply r, CommandSpec s) {
        r.array(10);
        r.bulk(s.fullName());
        r.integer(s.arity());
        boolean movable = movableKeys(s);
        int nflags = s.flags().size() + (movable && !s.has(CommandFlag.MOVABLEKEYS) ? 1 : 0);
        r.set(nflags);
        for (CommandFlag f : s.flags()) {
            if (f == CommandFlag.ALLOW_BUSY && movable && !s.has(CommandFlag.MOVABLEKEYS)) {
                r.simple("movablekeys");
                movable = false;
            }
            r.simple(f.wireName());
        }
        if (movable && !s.has(CommandFlag.MOVABLEKEYS)) {
            r.simple("movablekeys");
        }
        r.integer(s.firstKey());
        r.integer(s.lastKey());
        r.integer(s.step());
        r.set(s.aclCategories().size());
        for (AclCategory a : s.aclCategories()) {
            r.simple("@" + a.wireName());
        }
        r.set(s.tips().size());
        for (String tip : s.tips()) {
            r.bulk(tip);
        }
        r.set(s.keySpecs().size());
        for (KeySpec k : s.keySpecs()) {
            keySpec(r, k);
        }
        List<CommandSpec> subs = s.subcommands();
        if (subs.isEmpty()) {
            r.set(0); // Redis: an empty set for a command without subcommands, else an array
        } else {
            r.array(subs.size());
        }
        for (CommandSpec sub : subs) {
            info(r, sub);
        }
    }

    private static void keySpec(Reply r, KeySpec k) {
        r.map(k.notes() == null ? 3 : 4);
        if (k.notes() != null) {
            r.bulk("notes");
            r.bulk(k.notes());
        }
        r.bulk("flags");
        r.set(k.flags().size());
        for (String f : k.flags()) {
            r.simple(f);
        }
        r.bulk("begin_search");
        r.map(2);
        r.bulk("type");
        r.bulk(k.bsType());
        r.bulk("spec");
        switch (k.bsType()) {
            case "index" -> {
                r.map(1);
                r.bulk("index");
                r.integer(k.bsIndex());
            }
            case "keyword" -> {
                r.map(2);
                r.bulk("keyword");
                r.bulk(k.bsKeyword());
                r.bulk("startfrom");
                r.integer(k.bsIndex());
            }
            default -> r.map(0);
        }
        r.bulk("find_keys");
        r.map(2);
        r.bulk("type");
        r.bulk(k.fkType());
        r.bulk("spec");
        switch (k.fkType()) {
            case "range" -> {
                r.map(3);
                r.bulk("lastkey");
                r.integer(k.a());
                r.bulk("keystep");
                r.integer(k.b());
                r.bulk("limit");
                r.integer(k.c());
            }
            case "keynum" -> {
                r.map(3);
                r.bulk("keynumidx");
                r.integer(k.a());
                r.bulk("firstkey");
                r.integer(k.b());
                r.bulk("keystep");
                r.integer(k.c());
            }
            default -> r.map(0);
        }
    }

    void docs(Client c) {
        List<CommandSpec> specs = new ArrayList<>();
        if (c.argc() == 2) {
            specs.addAll(table.commands());
        } else {
            for (int i = 2; i < c.argc(); i++) {
                CommandSpec s = table.lookup(Texts.str(c.arg(i)));
                if (s != null) {
                    specs.add(s);
                }
            }
        }
        Reply r = c.reply();
        r.map(specs.size());
        for (CommandSpec s : specs) {
            r.bulk(s.fullName());
            docs(r, s);
        }
    }

    private static void docs(Reply r, CommandSpec s) {
        Map<String, Object> d = s.docs();
        List<CommandSpec> subs = s.subcommands();
        int n = 2 + d.size() + (subs.isEmpty() ? 0 : 1);
        r.map(n);
        r.bulk("since");
        r.bulk(s.since());
        r.bulk("group");
        r.bulk(s.group());
        if (d.containsKey("doc_flags")) {
            List<Object> flags = Json.list(d, "doc_flags");
            r.bulk("doc_flags");
            r.set(flags.size());
            for (Object f : flags) {
                r.simple(f.toString());
            }
        }
        if (d.containsKey("deprecated_since")) {
            r.bulk("deprecated_since");
            r.bulk(Json.text(d, "deprecated_since"));
        }
        if (d.containsKey("replaced_by")) {
            r.bulk("replaced_by");
            r.bulk(Json.text(d, "replaced_by"));
        }
        if (d.containsKey("arguments")) {
            r.bulk("arguments");
            arguments(r, Json.list(d, "arguments"));
        }
        if (!subs.isEmpty()) {
            r.bulk("subcommands");
            r.map(subs.size());
            for (CommandSpec sub : subs) {
                r.bulk(sub.fullName());
                docs(r, sub);
            }
        }
    }

    /** Argument docs in Redis's field order; prose fields (summary) are not kept. */
    private static final String[] ARG_FIELDS = {"name", "type", "key_spec_index", "token", "since",
        "deprecated_since", "flags", "arguments"};

    private static void arguments(Reply r, List<Object> args) {
        r.array(args.size());
        for (Object o : args) {
            Map<String, Object> a = Json.object(o);
            int n = 0;
            for (String f : ARG_FIELDS) {
                if (a.containsKey(f)) {
                    n++;
                }
            }
            r.map(n);
            for (String f : ARG_FIELDS) {
                if (!a.containsKey(f)) {
                    continue;
                }
                r.bulk(f);
                switch (f) {
                    case "key_spec_index" -> r.integer(Json.number(a, f, 0));
                    case "flags" -> {
                        List<Object> flags = Json.list(a, f);
                        r.set(flags.size());
                        for (Object x : flags) {
                            r.simple(x.toString());
                        }
                    }
                    case "arguments" -> arguments(r, Json.list(a, f));
                    default -> r.bulk(Json.text(a, f));
                }
            }
        }
    }

    void list(Client c) {
        List<String> names = new ArrayList<>();
        if (c.argc() == 2) {
            for (CommandSpec s : table.commands()) {
                names.add(s.fullName());
                for (CommandSpec sub : s.subcommands()) {
                    names.add(sub.fullName());
                }
            }
        } else if (c.argc() == 5 && Texts.is(c.arg(2), "filterby")) {
            String filter = Texts.lower(c.arg(3));
            String value = Texts.str(c.arg(4));
            if (!filter.equals("module") && !filter.equals("aclcat") && !filter.equals("pattern")) {
                c.error(Errors.SYNTAX);
                return;
            }
            for (CommandSpec s : table.commands()) {
                List<CommandSpec> all = new ArrayList<>();
                all.add(s);
                all.addAll(s.subcommands());
                for (CommandSpec x : all) {
                    boolean match = switch (filter) {
                        case "aclcat" -> x.aclCategories().stream().anyMatch(a -> a.wireName().equalsIgnoreCase(value));
                        case "pattern" -> Glob.matches(Texts.bytes(value), Texts.bytes(x.fullName()), true);
                        default -> false; // no modules
                    };
                    if (match) {
                        names.add(x.fullName());
                    }
                }
            }
        } else {
            c.error(Errors.SYNTAX);
            return;
        }
        c.reply().array(names.size());
        for (String n : names) {
            c.reply().bulk(n);
        }
    }

    void getkeys(Client c, boolean withFlags) {
        CommandSpec cmd = c.server().commands().lookup(c.arg(2));
        if (cmd != null && cmd.hasSubcommands() && c.argc() >= 4) {
            cmd = cmd.subcommand(c.arg(3));
        }
        if (cmd == null) {
            c.error("ERR Invalid command specified");
            return;
        }
        int argc = c.argc() - 2;
        if (cmd.keySpecs().isEmpty()) {
            c.error("ERR The command has no key arguments");
            return;
        }
        if (cmd.arity() > 0 && cmd.arity() != argc || argc < -cmd.arity()) {
            c.error("ERR Invalid number of arguments specified for command");
            return;
        }
        byte[][] argv = new byte[argc][];
        System.arraycopy(c.argv(), 2, argv, 0, argc);
        List<GetKeys.Key> keys = GetKeys.find(cmd, argv, argc);
        Reply r = c.reply();
        if (keys == null) {
            if (cmd.has(CommandFlag.NO_MANDATORY_KEYS)) {
                r.array(0);
            } else {
                c.error("ERR Invalid arguments specified for command");
            }
            return;
        }
        r.array(keys.size());
        for (GetKeys.Key k : keys) {
            if (withFlags) {
                r.array(2);
                r.bulk(argv[k.pos()]);
                r.set(k.flags().size());
                for (String f : k.flags()) {
                    r.simple(f);
                }
            } else {
                r.bulk(argv[k.pos()]);
            }
        }
    }

    private static final String[] HELP = {
        "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "(no subcommand)",
        "    Facts about every command this server implements.",
        "COUNT",
        "    How many commands this server implements.",
        "DOCS [<command-name> ...]",
        "    Documentation facts (since, group, arguments) of the given commands, or all.",
        "GETKEYS <full-command>",
        "    The keys a full command line would access.",
        "GETKEYSANDFLAGS <full-command>",
        "    The same keys, each with the flags of its key specification.",
        "INFO [<command-name> ...]",
        "    Facts about the given commands, or all.",
        "LIST [FILTERBY (MODULE <module-name>|ACLCAT <category>|PATTERN <pattern>)]",
        "    Names of the implemented commands, optionally filtered.",
        "HELP",
        "    Print this help.",
    };

    void help(Client c) {
        c.reply().array(HELP.length);
        for (String line : HELP) {
            c.reply().simple(line);
        }
    }
}
