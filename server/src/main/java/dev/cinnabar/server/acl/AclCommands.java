package dev.cinnabar.server.acl;

import dev.cinnabar.server.command.AclCategory;
import dev.cinnabar.server.command.CommandFamily;
import dev.cinnabar.server.command.CommandInfo;
import dev.cinnabar.server.command.CommandSpec;
import dev.cinnabar.server.command.CommandTable;
import dev.cinnabar.server.command.server.ServerCommands;
import dev.cinnabar.server.protocol.Errors;
import dev.cinnabar.server.protocol.Reply;
import dev.cinnabar.server.protocol.Texts;
import dev.cinnabar.server.session.Client;
import dev.cinnabar.server.store.Numbers;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The ACL command (Redis 7.0): SETUSER, GETUSER, DELUSER, USERS, LIST, CAT, WHOAMI, GENPASS, LOG,
 * DRYRUN, LOAD, SAVE, HELP. The rules themselves live in {@link User} and {@link Selector}; this
 * class parses arguments and shapes replies as Redis 7.0.15 does.
 */
public final class AclCommands implements CommandFamily {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String[] HELP = {
        "ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "CAT [<category>]",
        "    The command categories, or the commands in <category>.",
        "DELUSER <username> [<username> ...]",
        "    Remove users (their connections are closed).",
        "DRYRUN <username> <command> [<arg> ...]",
        "    Tell whether the user could run the command, without running it.",
        "GETUSER <username>",
        "    A user's flags, password hashes, key, channel and command rules, and selectors.",
        "GENPASS [<bits>]",
        "    A random password of 256 bits, or of <bits> bits, as hex digits.",
        "LIST",
        "    Every user as a line of the ACL file.",
        "LOAD",
        "    Replace the users with those of the ACL file.",
        "LOG [<count> | RESET]",
        "    The latest denied commands and failed logins, or empty the log.",
        "SAVE",
        "    Write the users to the ACL file.",
        "SETUSER <username> <attribute> [<attribute> ...]",
        "    Create a user or change its rules.",
        "USERS",
        "    The user names.",
        "WHOAMI",
        "    The user of this connection.",
        "HELP",
        "    Print this help.",
    };

    @Override
    public void register(CommandTable t) {
        t.bind("acl", "setuser", this::setuser);
        t.bind("acl", "getuser", this::getuser);
        t.bind("acl", "deluser", this::deluser);
        t.bind("acl", "users", this::users);
        t.bind("acl", "list", this::list);
        t.bind("acl", "cat", this::cat);
        t.bind("acl", "whoami", this::whoami);
        t.bind("acl", "genpass", this::genpass);
        t.bind("acl", "log", this::log);
        t.bind("acl", "dryrun", this::dryrun);
        t.bind("acl", "load", this::load);
        t.bind("acl", "save", this::save);
        t.bind("acl", "help", c -> ServerCommands.help(c, HELP));
    }

    private static Acl acl(Client c) {
        return Acl.of(c.server());
    }

    void setuser(Client c) {
        Acl acl = acl(c);
        String name = Bin.str(c.arg(2));
        if (Bin.hasSpaces(name)) {
            c.error(Errors.ACL_USERNAME_SPACES);
            return;
        }
        List<String> words = new ArrayList<>();
        for (int i = 3; i < c.argc(); i++) {
            words.add(Bin.str(c.arg(i)));
        }
        Rules.Merged merged = Rules.mergeSelectors(words);
        if (merged.rules() == null) {
            c.error(Errors.aclUnmatchedParenthesis(Bin.text(words.get(merged.unclosedAt()))));
            return;
        }
        User existing = acl.user(name);
        User staged = existing != null ? existing.copy(name) : new User(name, acl.allChannelsByDefault());
        for (String op : merged.rules()) {
            String problem = staged.apply(op, acl.allChannelsByDefault());
            if (problem != null) {
                c.error(Errors.aclSetuserModifier(Bin.text(op), problem));
                return;
            }
        }
        acl.install(name, staged);
        c.reply().ok();
    }

    void getuser(Client c) {
        User u = acl(c).user(Bin.str(c.arg(2)));
        Reply r = c.reply();
        if (u == null) {
            r.nullBulk();
            return;
        }
        r.map(6);
        r.bulk("flags");
        List<String> flags = u.flagNames();
        r.set(flags.size());
        for (String f : flags) {
            r.bulk(f);
        }
        r.bulk("passwords");
        r.array(u.passwords.size());
        for (String p : u.passwords) {
            r.bulk(p);
        }
        selector(r, u.root());
        r.bulk("selectors");
        r.array(u.selectors.size() - 1);
        for (Selector s : u.selectors.subList(1, u.selectors.size())) {
            r.map(3);
            selector(r, s);
        }
    }

    private static void selector(Reply r, Selector s) {
        r.bulk("commands");
        r.bulk(Bin.bytes(s.describeCommands()));
        r.bulk("keys");
        r.bulk(Bin.bytes(s.describeKeys()));
        r.bulk("channels");
        r.bulk(Bin.bytes(s.describeChannels()));
    }

    void deluser(Client c) {
        Acl acl = acl(c);
        for (int j = 2; j < c.argc(); j++) {
            if (Bin.str(c.arg(j)).equals("default")) {
                c.error(Errors.ACL_DELETE_DEFAULT);
                return;
            }
        }
        long deleted = 0;
        for (int j = 2; j < c.argc(); j++) {
            if (acl.delete(Bin.str(c.arg(j)), c)) {
                deleted++;
            }
        }
        c.reply().integer(deleted);
    }

    void users(Client c) {
        Reply r = c.reply();
        r.array(acl(c).users().size());
        for (String name : acl(c).users().keySet()) {
            r.bulk(Bin.bytes(name));
        }
    }

    void list(Client c) {
        Reply r = c.reply();
        r.array(acl(c).users().size());
        for (User u : acl(c).users().values()) {
            r.bulk(Bin.bytes("user " + u.name + " " + u.describe()));
        }
    }

    void cat(Client c) {
        Reply r = c.reply();
        if (c.argc() == 2) {
            r.array(AclCategory.values().length);
            for (AclCategory cat : AclCategory.values()) {
                r.bulk(cat.wireName());
            }
            return;
        }
        if (c.argc() != 3) {
            c.error(Errors.unknownSubcommandOrArgs(Texts.str(c.arg(1)), "ACL"));
            return;
        }
        String name = Bin.str(c.arg(2));
        AclCategory cat = CommandIds.category(name);
        if (cat == null) {
            c.error(Errors.aclUnknownCategory(Bin.text(Texts.truncate(name, 128))));
            return;
        }
        List<String> names = new ArrayList<>();
        for (CommandInfo info : CommandIds.ALL.commands()) {
            if (info.aclCategories().contains(cat)) {
                names.add(info.fullName());
            }
        }
        r.array(names.size());
        for (String n : names) {
            r.bulk(n);
        }
    }

    void whoami(Client c) {
        c.reply().bulk(Bin.bytes(Acl.userOf(c, acl(c)).name));
    }

    void genpass(Client c) {
        if (c.argc() > 3) {
            c.error(Errors.unknownSubcommandOrArgs(Texts.str(c.arg(1)), "ACL"));
            return;
        }
        long bits = 256;
        if (c.argc() == 3) {
            Long v = Numbers.parseLong(c.arg(2));
            if (v == null) {
                c.error(Errors.NOT_INTEGER);
                return;
            }
            bits = v;
        }
        if (bits <= 0 || bits > 4096) {
            c.error(Errors.ACL_GENPASS_BITS);
            return;
        }
        int chars = (int) ((bits + 3) / 4);
        byte[] random = new byte[(chars + 1) / 2];
        RANDOM.nextBytes(random);
        c.reply().bulk(HexFormat.of().formatHex(random).substring(0, chars));
    }

    void log(Client c) {
        Acl acl = acl(c);
        if (c.argc() > 3) {
            c.error(Errors.unknownSubcommandOrArgs(Texts.str(c.arg(1)), "ACL"));
            return;
        }
        long count = 10;
        if (c.argc() == 3) {
            if (Texts.is(c.arg(2), "reset")) {
                acl.log.reset();
                c.reply().ok();
                return;
            }
            Long v = Numbers.parseLong(c.arg(2));
            if (v == null) {
                c.error(Errors.NOT_INTEGER);
                return;
            }
            count = Math.max(0, v);
        }
        List<AclLog.Entry> entries = acl.log.first(count);
        long now = c.server().clock().millis();
        Reply r = c.reply();
        r.array(entries.size());
        for (AclLog.Entry e : entries) {
            r.map(7);
            r.bulk("count");
            r.integer(e.count);
            r.bulk("reason");
            r.bulk(e.reasonName());
            r.bulk("context");
            r.bulk(e.contextName());
            r.bulk("object");
            r.bulk(Bin.bytes(e.object));
            r.bulk("username");
            r.bulk(Bin.bytes(e.username));
            r.bulk("age-seconds");
            r.dbl((double) (now - e.ctime) / 1000);
            r.bulk("client-info");
            r.bulk(e.clientInfo);
        }
    }

    void dryrun(Client c) {
        Acl acl = acl(c);
        User u = acl.user(Bin.str(c.arg(2)));
        if (u == null) {
            c.error(Errors.aclDryrunNoUser(Texts.str(c.arg(2))));
            return;
        }
        int argc = c.argc() - 3;
        byte[][] argv = new byte[argc][];
        System.arraycopy(c.argv(), 3, argv, 0, argc);
        CommandSpec cmd = c.server().commands().lookup(argv[0]);
        if (cmd != null && cmd.hasSubcommands() && argc >= 2) {
            cmd = cmd.subcommand(argv[1]);
        }
        if (cmd == null) {
            c.error(Errors.aclDryrunNoCommand(Texts.str(argv[0])));
            return;
        }
        if (!cmd.arityOk(argc)) {
            c.error(Errors.wrongArgs(cmd.fullName()));
            return;
        }
        Acl.Verdict v = acl.check(u, cmd, argv, argc);
        switch (v.reason()) {
            case 0 -> c.reply().ok();
            case AclLog.CMD -> c.reply().bulk("This user has no permissions to run the '" + cmd.fullName() + "' command");
            case AclLog.KEY -> c.reply().bulk(Bin.bytes("This user has no permissions to access the '"
                    + Bin.str(argv[v.index()]) + "' key"));
            default -> c.reply().bulk(Bin.bytes("This user has no permissions to access the '"
                    + Bin.str(argv[v.index()]) + "' channel"));
        }
    }

    void load(Client c) {
        Acl acl = acl(c);
        if (acl.aclFile().isEmpty()) {
            c.error(Errors.ACL_NO_FILE);
            return;
        }
        String errors = acl.loadFile();
        if (errors == null) {
            c.reply().ok();
        } else {
            c.error(Errors.aclLoadFailed(Bin.text(errors)));
        }
    }

    void save(Client c) {
        Acl acl = acl(c);
        if (acl.aclFile().isEmpty()) {
            c.error(Errors.ACL_NO_FILE);
            return;
        }
        if (acl.saveFile()) {
            c.reply().ok();
        } else {
            c.error(Errors.ACL_SAVE_FAILED);
        }
    }
}
