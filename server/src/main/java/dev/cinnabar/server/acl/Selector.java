package dev.cinnabar.server.acl;

import dev.cinnabar.server.command.AclCategory;
import dev.cinnabar.server.command.CommandInfo;
import dev.cinnabar.server.util.Glob;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One set of permissions of a user (Redis 7.0's selector): which commands may run (a bitmap over
 * {@link CommandIds}, plus first arguments allowed for otherwise denied commands, as
 * {@code +select|0}), which keys may be read or written (glob patterns with R/W flags) and which
 * pub/sub channels may be used. A user has a root selector (the rules given outside parentheses)
 * and any number of further selectors; a command may run when one selector allows all of it.
 *
 * <p>Strings are "binary strings": each char is one byte (ISO-8859-1), so patterns and first
 * arguments keep their exact bytes. Mutated only under the execution lock.
 */
final class Selector {
    static final int ROOT = 1;
    static final int ALLKEYS = 1 << 1;
    static final int ALLCHANNELS = 1 << 2;
    static final int ALLCOMMANDS = 1 << 3;

    /** Key permission bits of a pattern (Redis's ACL_READ_PERMISSION / ACL_WRITE_PERMISSION). */
    static final int READ = dev.cinnabar.server.command.KeySpec.READ;
    static final int WRITE = dev.cinnabar.server.command.KeySpec.WRITE;
    static final int READ_WRITE = READ | WRITE;

    /** A key pattern and what it grants; the flags grow when the same pattern is given again. */
    static final class KeyPattern {
        final String text;
        final byte[] bytes;
        int perms;

        KeyPattern(String text, int perms) {
            this.text = text;
            this.bytes = Bin.bytes(text);
            this.perms = perms;
        }

        /** "~p", "%R~p" or "%W~p", as ACL LIST prints it. */
        String describe() {
            return (perms == READ_WRITE ? "~" : perms == READ ? "%R~" : "%W~") + text;
        }
    }

    /** A channel pattern, with its bytes for matching. */
    record Channel(String text, byte[] bytes) {
        Channel(String text) {
            this(text, Bin.bytes(text));
        }
    }

    private static final CommandIds IDS = CommandIds.ALL;

    int flags;
    final BitSet allowed;
    /** Allowed first arguments per command id (insertion order), or null when none is set. */
    Map<Integer, List<String>> firstArgs;
    final List<KeyPattern> keys = new ArrayList<>();
    final List<Channel> channels = new ArrayList<>();

    Selector(int flags) {
        this.flags = flags;
        this.allowed = new BitSet(IDS.size());
    }

    Selector copy() {
        Selector s = new Selector(flags);
        s.allowed.or(allowed);
        if (firstArgs != null) {
            s.firstArgs = new TreeMap<>();
            firstArgs.forEach((id, args) -> s.firstArgs.put(id, new ArrayList<>(args)));
        }
        for (KeyPattern k : keys) {
            s.keys.add(new KeyPattern(k.text, k.perms));
        }
        s.channels.addAll(channels);
        return s;
    }

    boolean has(int flag) {
        return (flags & flag) != 0;
    }

    // ---- rules

    /** Applies one selector rule; null when done, else what is wrong with it. */
    String apply(String op) {
        if (op.equalsIgnoreCase("allkeys") || op.equals("~*")) {
            flags |= ALLKEYS;
            keys.clear();
        } else if (op.equalsIgnoreCase("resetkeys")) {
            flags &= ~ALLKEYS;
            keys.clear();
        } else if (op.equalsIgnoreCase("allchannels") || op.equals("&*")) {
            flags |= ALLCHANNELS;
            channels.clear();
        } else if (op.equalsIgnoreCase("resetchannels")) {
            flags &= ~ALLCHANNELS;
            channels.clear();
        } else if (op.equalsIgnoreCase("allcommands") || op.equalsIgnoreCase("+@all")) {
            allowed.set(0, IDS.size());
            flags |= ALLCOMMANDS;
            firstArgs = null;
        } else if (op.equalsIgnoreCase("nocommands") || op.equalsIgnoreCase("-@all")) {
            allowed.clear();
            flags &= ~ALLCOMMANDS;
            firstArgs = null;
        } else if (op.startsWith("~") || op.startsWith("%")) {
            return addKeyPattern(op);
        } else if (op.startsWith("&")) {
            if (has(ALLCHANNELS)) {
                return dev.cinnabar.server.protocol.Errors.ACL_RULE_CHANNEL_AFTER_ALL;
            }
            String p = op.substring(1);
            if (Bin.hasSpaces(p)) {
                return dev.cinnabar.server.protocol.Errors.ACL_RULE_SYNTAX;
            }
            if (channels.stream().noneMatch(c -> c.text().equals(p))) {
                channels.add(new Channel(p));
            }
        } else if (op.startsWith("+") && !op.startsWith("+@")) {
            return allowCommand(op.substring(1));
        } else if (op.startsWith("-") && !op.startsWith("-@")) {
            CommandInfo cmd = IDS.lookup(op.substring(1));
            if (cmd == null) {
                return dev.cinnabar.server.protocol.Errors.ACL_RULE_UNKNOWN;
            }
            changePerm(cmd, false);
        } else if (op.startsWith("+@") || op.startsWith("-@")) {
            AclCategory cat = CommandIds.category(op.substring(2));
            if (cat == null) {
                return dev.cinnabar.server.protocol.Errors.ACL_RULE_UNKNOWN;
            }
            setCategory(cat, op.charAt(0) == '+');
        } else {
            return dev.cinnabar.server.protocol.Errors.ACL_RULE_SYNTAX;
        }
        return null;
    }

    private String addKeyPattern(String op) {
        if (has(ALLKEYS)) {
            return dev.cinnabar.server.protocol.Errors.ACL_RULE_KEY_AFTER_ALL;
        }
        int perms = 0;
        int offset = 1;
        if (op.charAt(0) == '%') {
            for (; offset < op.length(); offset++) {
                char ch = Character.toUpperCase(op.charAt(offset));
                if (ch == 'R' && (perms & READ) == 0) {
                    perms |= READ;
                } else if (ch == 'W' && (perms & WRITE) == 0) {
                    perms |= WRITE;
                } else if (op.charAt(offset) == '~') {
                    offset++;
                    break;
                } else {
                    return dev.cinnabar.server.protocol.Errors.ACL_RULE_SYNTAX;
                }
            }
            if (perms == 0) {
                return dev.cinnabar.server.protocol.Errors.ACL_RULE_SYNTAX;
            }
        } else {
            perms = READ_WRITE;
        }
        String p = op.substring(offset);
        if (Bin.hasSpaces(p)) {
            return dev.cinnabar.server.protocol.Errors.ACL_RULE_SYNTAX;
        }
        KeyPattern same = null;
        for (KeyPattern k : keys) {
            if (k.text.equals(p)) {
                same = k;
            }
        }
        if (same == null) {
            keys.add(new KeyPattern(p, perms));
        } else {
            same.perms |= perms;
        }
        flags &= ~ALLKEYS;
        return null;
    }

    private String allowCommand(String name) {
        int bar = name.lastIndexOf('|');
        if (bar < 0) {
            CommandInfo cmd = IDS.lookup(name);
            if (cmd == null) {
                return dev.cinnabar.server.protocol.Errors.ACL_RULE_UNKNOWN;
            }
            changePerm(cmd, true);
            return null;
        }
        CommandInfo cmd = IDS.lookup(name.substring(0, bar));
        String sub = name.substring(bar + 1);
        if (cmd == null) {
            return dev.cinnabar.server.protocol.Errors.ACL_RULE_UNKNOWN;
        }
        if (IDS.parent(cmd) != null) {
            return dev.cinnabar.server.protocol.Errors.ACL_RULE_FIRST_ARG_OF_SUBCOMMAND;
        }
        if (sub.isEmpty()) {
            return dev.cinnabar.server.protocol.Errors.ACL_RULE_SYNTAX;
        }
        if (!cmd.subcommands().isEmpty()) {
            CommandInfo s = IDS.lookup(name);
            if (s == null) {
                return dev.cinnabar.server.protocol.Errors.ACL_RULE_UNKNOWN;
            }
            changePerm(s, true);
        } else {
            addFirstArg(IDS.id(cmd), sub);
        }
        return null;
    }

    private void addFirstArg(int id, String arg) {
        if (firstArgs == null) {
            firstArgs = new TreeMap<>();
        }
        List<String> args = firstArgs.computeIfAbsent(id, k -> new ArrayList<>());
        for (String a : args) {
            if (a.equalsIgnoreCase(arg)) {
                return;
            }
        }
        args.add(arg);
    }

    private void setBit(int id, boolean value) {
        if (value) {
            allowed.set(id);
        } else {
            allowed.clear(id);
            flags &= ~ALLCOMMANDS;
        }
    }

    /** Allows or denies a command; a container's subcommands follow it. */
    void changePerm(CommandInfo cmd, boolean allow) {
        int id = IDS.id(cmd);
        setBit(id, allow);
        if (firstArgs != null) {
            firstArgs.remove(id);
            if (firstArgs.isEmpty()) {
                firstArgs = null;
            }
        }
        for (CommandInfo sub : cmd.subcommands().values()) {
            int subId = IDS.id(sub);
            if (subId >= 0) { // a later release's subcommand has no bit: it follows its container
                setBit(subId, allow);
            }
        }
    }

    void setCategory(AclCategory cat, boolean allow) {
        for (CommandInfo c : IDS.commands()) {
            if (c.aclCategories().contains(cat)) {
                changePerm(c, allow);
            }
        }
    }

    // ---- checks

    /** True when the command may run (by its bit, or by an allowed first argument). */
    boolean allowsCommand(CommandInfo cmd, byte[][] argv, int argc, boolean noAuth) {
        if (has(ALLCOMMANDS) || noAuth) {
            return true;
        }
        int id = IDS.permissionId(cmd);
        if (id >= 0 && allowed.get(id)) {
            return true;
        }
        if (argc < 2 || firstArgs == null || id < 0) {
            return false;
        }
        List<String> args = firstArgs.get(id);
        if (args == null) {
            return false;
        }
        int idx = IDS.parent(cmd) != null ? 2 : 1;
        if (idx >= argc) {
            return false;
        }
        String given = Bin.str(argv[idx]);
        for (String a : args) {
            if (a.equalsIgnoreCase(given)) {
                return true;
            }
        }
        return false;
    }

    /** True when this selector may touch the key with the given R/W need. */
    boolean allowsKey(byte[] key, int need) {
        if (has(ALLKEYS)) {
            return true;
        }
        for (KeyPattern k : keys) {
            if ((k.perms & need) != need) {
                continue;
            }
            if (Glob.matches(k.bytes, key, false)) {
                return true;
            }
        }
        return false;
    }

    /** True when this selector may use the channel: literally (a PSUBSCRIBE pattern) or by glob. */
    boolean allowsChannel(byte[] channel, boolean literal) {
        if (has(ALLCHANNELS)) {
            return true;
        }
        return matchesChannel(channels, channel, literal);
    }

    static boolean matchesChannel(List<Channel> list, byte[] channel, boolean literal) {
        for (Channel c : list) {
            if (literal ? java.util.Arrays.equals(c.bytes(), channel) : Glob.matches(c.bytes(), channel, false)) {
                return true;
            }
        }
        return false;
    }

    // ---- description (ACL LIST, ACL GETUSER, ACL SAVE)

    /** Keys, channels and commands, as ACL LIST prints a selector. */
    String describe() {
        StringBuilder b = new StringBuilder();
        if (has(ALLKEYS)) {
            b.append("~* ");
        } else {
            for (KeyPattern k : keys) {
                b.append(k.describe()).append(' ');
            }
        }
        if (has(ALLCHANNELS)) {
            b.append("&* ");
        } else {
            b.append("resetchannels ");
            for (Channel c : channels) {
                b.append('&').append(c.text()).append(' ');
            }
        }
        return b.append(describeCommands()).toString();
    }

    /** GETUSER's "keys" field. */
    String describeKeys() {
        if (has(ALLKEYS)) {
            return "~*";
        }
        StringBuilder b = new StringBuilder();
        for (KeyPattern k : keys) {
            b.append(b.length() == 0 ? "" : " ").append(k.describe());
        }
        return b.toString();
    }

    /** GETUSER's "channels" field. */
    String describeChannels() {
        if (has(ALLCHANNELS)) {
            return "&*";
        }
        StringBuilder b = new StringBuilder();
        for (Channel c : channels) {
            b.append(b.length() == 0 ? "" : " ").append('&').append(c.text());
        }
        return b.toString();
    }

    /**
     * The command rules that rebuild this bitmap, as Redis 7.0 words them: +@all or -@all (by the
     * reserved "future commands" bit), then categories chosen greedily (each round the category
     * sharing more commands with the bitmap than it differs, with the fewest differences, then the
     * most in common), then single commands and first arguments for what is left. Single commands
     * come in name order (Redis's order is that of a hash table, different in each process).
     */
    String describeCommands() {
        StringBuilder rules = new StringBuilder();
        boolean additive = !allowed.get(IDS.future);
        Selector fake = new Selector(0);
        fake.apply(additive ? "-@all" : "+@all");
        rules.append(additive ? "-@all " : "+@all ");
        BitSet temp = (BitSet) allowed.clone();
        Map<AclCategory, Boolean> applied = new EnumMap<>(AclCategory.class);
        while (true) {
            AclCategory best = null;
            long minDiff = Integer.MAX_VALUE;
            long maxSame = 0;
            for (AclCategory cat : AclCategory.values()) {
                if (applied.containsKey(cat)) {
                    continue;
                }
                long on = 0;
                long off = 0;
                for (CommandInfo c : IDS.commands()) {
                    if (c.aclCategories().contains(cat)) {
                        if (temp.get(IDS.id(c))) {
                            on++;
                        } else {
                            off++;
                        }
                    }
                }
                long diff = additive ? off : on;
                long same = additive ? on : off;
                if (same > diff && (diff < minDiff || (diff == minDiff && same > maxSame))) {
                    best = cat;
                    minDiff = diff;
                    maxSame = same;
                }
            }
            if (best == null) {
                break;
            }
            fake.setCategory(best, additive);
            Selector t = new Selector(0);
            t.allowed.or(temp);
            t.setCategory(best, !additive);
            temp = t.allowed;
            rules.append(additive ? "+@" : "-@").append(best.wireName()).append(' ');
            applied.put(best, Boolean.TRUE);
        }
        for (CommandInfo c : IDS.commands()) {
            int id = IDS.id(c);
            boolean mine = allowed.get(id);
            if (mine != fake.allowed.get(id)) {
                rules.append(mine ? '+' : '-').append(c.fullName()).append(' ');
                fake.changePerm(c, mine);
            }
            if (!mine && firstArgs != null && firstArgs.containsKey(id)) {
                for (String a : firstArgs.get(id)) {
                    rules.append('+').append(c.fullName()).append('|').append(a).append(' ');
                }
            }
        }
        rules.setLength(rules.length() - 1);
        return rules.toString();
    }
}
