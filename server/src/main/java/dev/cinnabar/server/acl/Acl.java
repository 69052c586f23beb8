package dev.cinnabar.server.acl;

import dev.cinnabar.server.ServerContext;
import dev.cinnabar.server.command.CommandFlag;
import dev.cinnabar.server.command.CommandInfo;
import dev.cinnabar.server.command.CommandSpec;
import dev.cinnabar.server.command.Dispatcher;
import dev.cinnabar.server.command.introspection.GetKeys;
import dev.cinnabar.server.config.ConfigEntry;
import dev.cinnabar.server.config.ServerConfig;
import dev.cinnabar.server.protocol.Errors;
import dev.cinnabar.server.pubsub.PubSub;
import dev.cinnabar.server.session.Authenticator;
import dev.cinnabar.server.session.Client;
import dev.cinnabar.server.session.ClientFlags;
import dev.cinnabar.server.session.ClientInfo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Redis 7.0's access control lists: the users (by name, in byte order as Redis's radix tree),
 * the default user (requirepass is its password), authentication, the gate's ACL stage, the
 * ACL log and the ACL file.
 *
 * <p>A connection runs as a {@link User} ({@code Client.aclUser}; null means the default user).
 * The gate's ACL stage ({@link #check}) asks each of the user's selectors in turn whether it allows
 * the command, its keys (with the read/write needs of the key specs that found them) and its
 * channels; the first that allows all of it lets the command run. The default user of a fresh
 * server allows everything and is checked in O(1). A command a script calls is checked for the
 * user of the client running the script. All state is changed under the execution lock.
 */
public final class Acl implements Authenticator {
    private static final CommandIds IDS = CommandIds.ALL;
    private static final CommandInfo PUBLISH = IDS.lookup("publish");
    private static final CommandInfo SPUBLISH = IDS.lookup("spublish");
    private static final CommandInfo SUBSCRIBE = IDS.lookup("subscribe");
    private static final CommandInfo SSUBSCRIBE = IDS.lookup("ssubscribe");
    private static final CommandInfo PSUBSCRIBE = IDS.lookup("psubscribe");

    private final ServerContext server;
    private final TreeMap<String, User> users = new TreeMap<>();
    private final User defaultUser;
    final AclLog log = new AclLog();

    private Acl(ServerContext server) {
        this.server = server;
        this.defaultUser = User.createDefault(allChannelsByDefault());
        users.put("default", defaultUser);
    }

    /**
     * Installs ACL: users from the configuration's user lines or the ACL file (as Redis, not both),
     * requirepass as the default user's password, authentication and the gate's ACL stage.
     */
    public static Acl install(ServerContext ctx) {
        Acl acl = new Acl(ctx);
        ServerConfig config = ctx.config();
        acl.updateDefaultPassword(config.requirepass);
        config.entry("requirepass").onApply(v -> acl.updateDefaultPassword(ctx.config().requirepass));
        String file = acl.aclFile();
        if (!file.isEmpty() && !config.users.isEmpty()) {
            throw acl.fatal("Configuring Redis with users defined in redis.conf and at the same setting an ACL file path is"
                    + " invalid. This setup is very likely to lead to configuration errors and security holes, please"
                    + " define either an ACL file or declare users directly in your redis.conf, but not both.");
        }
        acl.loadConfiguredUsers(config.users);
        if (!file.isEmpty()) {
            String errors = acl.loadFile();
            if (errors != null) {
                throw acl.fatal("Aborting Redis startup because of ACL errors: " + errors);
            }
        }
        for (String name : List.of("aclfile", "acllog-max-len", "acl-pubsub-default", "user")) {
            config.implemented(name);
        }
        config.userLines = acl::configLines;
        ctx.clients().authenticator(acl);
        ctx.dispatcher().install(Dispatcher.Stage.ACL, acl::check);
        ctx.feature(Acl.class, () -> acl);
        return acl;
    }

    /** The server's instance. */
    public static Acl of(ServerContext ctx) {
        return ctx.feature(Acl.class, () -> {
            throw new IllegalStateException("ACL not installed");
        });
    }

    private IllegalStateException fatal(String message) {
        server.log().warning(message);
        return new IllegalStateException(message);
    }

    // ---- configuration

    boolean allChannelsByDefault() {
        ConfigEntry e = server.config().entry("acl-pubsub-default");
        return e != null && e.get().equalsIgnoreCase("allchannels");
    }

    String aclFile() {
        ConfigEntry e = server.config().entry("aclfile");
        return e == null ? "" : e.get();
    }

    long logMaxLen() {
        try {
            return Long.parseLong(server.config().entry("acllog-max-len").get());
        } catch (RuntimeException e) {
            return 128;
        }
    }

    /** requirepass: the default user's only password, or nopass when empty (ACLUpdateDefaultUserPassword). */
    private void updateDefaultPassword(String password) {
        defaultUser.apply("resetpass", false);
        if (password != null && !password.isEmpty()) {
            defaultUser.apply(">" + Bin.str(password.getBytes(StandardCharsets.UTF_8)), false);
        } else {
            defaultUser.apply("nopass", false);
        }
    }

    /** Validates and applies the configuration file's user lines (args: name then rules). */
    private void loadConfiguredUsers(List<List<String>> lines) {
        List<String> seen = new ArrayList<>();
        for (List<String> line : lines) {
            String name = line.get(0);
            Rules.Merged merged = Rules.mergeSelectors(line.subList(1, line.size()));
            if (seen.contains(name)) {
                throw fatal("Error in user declaration '" + name + "': " + Errors.ACL_RULE_DUPLICATE_USER);
            }
            if (merged.rules() == null) {
                throw fatal("Error in user declaration '" + line.get(1 + merged.unclosedAt()) + "': "
                        + Errors.ACL_RULE_WRONG_FORMAT);
            }
            if (Bin.hasSpaces(name)) {
                throw fatal("Spaces not allowed in ACL usernames");
            }
            seen.add(name);
            User u = users.get(name);
            if (u == null) {
                u = new User(name, allChannelsByDefault());
                users.put(name, u);
            } else {
                u.apply("reset", allChannelsByDefault());
            }
            for (String op : merged.rules()) {
                String problem = u.apply(op, allChannelsByDefault());
                if (problem != null) {
                    throw fatal("Error loading ACL rule '" + op + "' for the user named '" + name + "': " + problem);
                }
            }
            if (u.has(User.DISABLED)) {
                server.log().notice("The user '" + name + "' is disabled (there is no 'on' modifier in the user"
                        + " description). Make sure this is not a configuration error.");
            }
        }
    }

    // ---- users

    User user(String name) {
        return users.get(name);
    }

    Map<String, User> users() {
        return users;
    }

    User defaultUser() {
        return defaultUser;
    }

    /** The user c runs as. */
    static User userOf(Client c, Acl acl) {
        return c.aclUser instanceof User u ? u : acl.defaultUser;
    }

    /** The user a command runs as: a script's commands run as the user of the client running the script. */
    private User subject(Client c) {
        if ((c.flags & ClientFlags.SCRIPT) != 0) {
            Client caller = server.dispatcher().current();
            if (caller != null && caller != c) {
                return userOf(caller, this);
            }
        }
        return userOf(c, this);
    }

    /** Replaces (or creates) a user with the rules of staged; disconnects subscribers that lost channels. */
    void install(String name, User staged) {
        User u = users.get(name);
        if (u != null) {
            killPubsubClientsIfNeeded(staged, u);
            u.copyFrom(staged);
        } else {
            users.put(name, staged.copy(name));
        }
    }

    /** Deletes a user and disconnects its clients; false when there was none. */
    boolean delete(String name, Client self) {
        User u = users.remove(name);
        if (u == null) {
            return false;
        }
        killClientsOf(u, self);
        return true;
    }

    private void killClientsOf(User u, Client self) {
        for (Client x : new ArrayList<>(server.clients().all())) {
            if (x.aclUser == u) {
                x.aclUser = null;
                x.user("default");
                x.authenticated(false);
                close(x, self);
            }
        }
    }

    private static void close(Client x, Client self) {
        if (x == self) {
            self.closeAfterReply(true);
        } else {
            x.flags |= ClientFlags.CLOSE_ASAP;
            x.connection().close();
        }
    }

    /** Redis's ACLKillPubsubClientsIfNeeded: only when some channel of the old rules is not in the new ones. */
    private void killPubsubClientsIfNeeded(User updated, User original) {
        List<Selector.Channel> upcoming = new ArrayList<>();
        for (Selector s : updated.selectors) {
            if (s.has(Selector.ALLCHANNELS)) {
                return;
            }
            upcoming.addAll(s.channels);
        }
        boolean superset = true;
        for (Selector s : original.selectors) {
            superset &= !s.has(Selector.ALLCHANNELS); // every channel was allowed; now some are not
            for (Selector.Channel ch : s.channels) {
                superset &= upcoming.stream().anyMatch(x -> x.text().equals(ch.text()));
            }
        }
        if (superset) {
            return;
        }
        Client self = server.dispatcher().current();
        for (Client x : new ArrayList<>(server.clients().all())) {
            if (x.aclUser != original || !PubSub.isPubsubClient(x)) {
                continue;
            }
            List<List<byte[]>> subs = PubSub.subscriptions(x);
            boolean kill = false;
            for (byte[] p : subs.get(1)) {
                kill |= !Selector.matchesChannel(upcoming, p, true);
            }
            for (byte[] ch : subs.get(0)) {
                kill |= !Selector.matchesChannel(upcoming, ch, false);
            }
            for (byte[] ch : subs.get(2)) {
                kill |= !Selector.matchesChannel(upcoming, ch, false);
            }
            if (kill) {
                close(x, self);
            }
        }
    }

    // ---- authentication (Authenticator)

    @Override
    public boolean defaultUserHasNoPassword() {
        return defaultUser.has(User.NOPASS);
    }

    @Override
    public Result check(String user, byte[] password) {
        User u = users.get(user);
        return u != null && u.accepts(password) ? Result.OK : Result.WRONGPASS;
    }

    @Override
    public boolean userExists(String user) {
        return users.containsKey(user);
    }

    @Override
    public boolean defaultUserImplicit() {
        return defaultUser.has(User.NOPASS) && !defaultUser.has(User.DISABLED);
    }

    @Override
    public void loggedIn(Client c, String user) {
        c.aclUser = users.get(user);
    }

    @Override
    public void failed(Client c, String user, String command) {
        addLog(c, AclLog.AUTH, contextOf(c), command, user);
    }

    @Override
    public void reset(Client c) {
        c.aclUser = null;
    }

    // ---- the gate

    /** The result of checking a command: a reason (0 = allowed) and the argument at fault. */
    record Verdict(int reason, int index) {
        static final Verdict OK = new Verdict(0, 0);
    }

    /** The gate's ACL stage (top level and redis.call). */
    String check(Client c, CommandSpec cmd) {
        User u = subject(c);
        if (u.selectors.size() == 1 && u.root().has(Selector.ALLCOMMANDS | Selector.ALLKEYS | Selector.ALLCHANNELS)
                && (u.root().flags & (Selector.ALLCOMMANDS | Selector.ALLKEYS | Selector.ALLCHANNELS))
                == (Selector.ALLCOMMANDS | Selector.ALLKEYS | Selector.ALLCHANNELS)) {
            return null;
        }
        Verdict v = check(u, cmd, c.argv(), c.argc());
        if (v.reason() == 0) {
            return null;
        }
        boolean script = (c.flags & ClientFlags.SCRIPT) != 0;
        int context = script ? AclLog.LUA : contextOf(c);
        String object = switch (v.reason()) {
            case AclLog.CMD -> cmd.fullName();
            default -> Bin.str(c.arg(v.index()));
        };
        addLog(c, v.reason(), context, object, u.name);
        switch (v.reason()) {
            case AclLog.CMD -> server.stats().aclDeniedCmd++;
            case AclLog.KEY -> server.stats().aclDeniedKey++;
            default -> server.stats().aclDeniedChannel++;
        }
        if (c.inExec()) {
            return switch (v.reason()) {
                case AclLog.CMD -> Errors.EXEC_NOPERM_COMMAND;
                case AclLog.KEY -> Errors.EXEC_NOPERM_KEYS;
                default -> Errors.EXEC_NOPERM_CHANNELS;
            };
        }
        if (script) {
            return switch (v.reason()) {
                case AclLog.CMD -> Errors.SCRIPT_NOPERM_COMMAND;
                case AclLog.KEY -> Errors.SCRIPT_NOPERM_KEYS;
                default -> Errors.SCRIPT_NOPERM_CHANNELS;
            };
        }
        return switch (v.reason()) {
            case AclLog.CMD -> Errors.nopermCommand(cmd.fullName());
            case AclLog.KEY -> Errors.NOPERM_KEYS;
            default -> Errors.NOPERM_CHANNELS;
        };
    }

    /**
     * True when one of the user's selectors allows the call and reading any key (allkeys, or a
     * "*" pattern with read permission): SORT ... BY / GET patterns need it, as Redis 7.0's
     * ACLUserCheckCmdWithUnrestrictedKeyAccess. A script's call is judged for the script's caller.
     */
    public boolean readsAnyKey(Client c, CommandSpec cmd) {
        User u = subject(c);
        for (Selector s : u.selectors) {
            boolean anyKey = s.has(Selector.ALLKEYS);
            for (Selector.KeyPattern k : s.keys) {
                anyKey |= (k.perms & Selector.READ) != 0 && k.text.equals("*");
            }
            if (anyKey && checkSelector(s, cmd, cmd.info(), c.argv(), c.argc(), Scratch.start()) == 0) {
                return true;
            }
        }
        return false;
    }

    /** True when c's user may run the call (redis.acl_check_cmd); nothing is logged or counted. */
    public boolean permits(Client c, CommandSpec cmd, byte[][] argv) {
        return check(userOf(c, this), cmd, argv, argv.length).reason() == 0;
    }

    private static int contextOf(Client c) {
        return (c.flags & ClientFlags.MULTI) != 0 ? AclLog.MULTI : AclLog.TOPLEVEL;
    }

    /**
     * Checks a call against each of the user's selectors; the first that allows it wins. Otherwise
     * the reported denial is, as Redis's, the most severe (command < key < channel), the latest
     * argument among equals.
     */
    Verdict check(User u, CommandSpec cmd, byte[][] argv, int argc) {
        CommandInfo info = cmd.info();
        int relevant = AclLog.CMD;
        int lastIdx = 0;
        Scratch scratch = Scratch.start();
        for (Selector s : u.selectors) {
            int r = checkSelector(s, cmd, info, argv, argc, scratch);
            if (r == 0) {
                return Verdict.OK;
            }
            if (r > relevant || (r == relevant && scratch.idx > lastIdx)) {
                relevant = r;
                lastIdx = scratch.idx;
            }
        }
        return new Verdict(relevant, lastIdx);
    }

    /**
     * One check's working state, per thread: the call's keys are found once and shared by the
     * selectors, in arrays reused from call to call, so a user with key patterns costs the gate no
     * allocation (AclBench).
     */
    private static final class Scratch {
        private static final ThreadLocal<Scratch> MINE = ThreadLocal.withInitial(Scratch::new);
        final GetKeys.Found keys = new GetKeys.Found();
        boolean found;
        int idx;

        static Scratch start() {
            Scratch s = MINE.get();
            s.found = false;
            s.idx = 0;
            return s;
        }
    }

    /** 0 when the selector allows the call, else the reason (scratch.idx: the argument at fault). */
    private static int checkSelector(Selector s, CommandSpec cmd, CommandInfo info, byte[][] argv, int argc,
                                     Scratch scratch) {
        if (!s.allowsCommand(info, argv, argc, cmd.has(CommandFlag.NO_AUTH))) {
            return AclLog.CMD;
        }
        if (!s.has(Selector.ALLKEYS) && !info.keySpecs().isEmpty()) {
            GetKeys.Found keys = scratch.keys;
            if (!scratch.found) {
                scratch.found = true;
                if (!GetKeys.find(cmd, argv, argc, keys)) {
                    keys.clear(); // invalid arguments: no keys to judge, the command's own error follows
                }
            }
            for (int i = 0; i < keys.size(); i++) {
                if (!s.allowsKey(argv[keys.pos(i)], keys.access(i))) {
                    scratch.idx = keys.pos(i);
                    return AclLog.KEY;
                }
            }
        }
        if (!s.has(Selector.ALLCHANNELS)) {
            int first = 0;
            int last = -1;
            boolean literal = false;
            if (info == PUBLISH || info == SPUBLISH) {
                first = 1;
                last = 1;
            } else if (info == SUBSCRIBE || info == SSUBSCRIBE) {
                first = 1;
                last = argc - 1;
            } else if (info == PSUBSCRIBE) {
                first = 1;
                last = argc - 1;
                literal = true;
            }
            for (int j = first; j <= last && j < argc; j++) {
                if (!s.allowsChannel(argv[j], literal)) {
                    scratch.idx = j;
                    return AclLog.CHANNEL;
                }
            }
        }
        return 0;
    }

    // ---- log

    void addLog(Client c, int reason, int context, String object, String username) {
        Client real = c;
        if ((c.flags & ClientFlags.SCRIPT) != 0 && server.dispatcher().current() != null) {
            real = server.dispatcher().current();
        }
        log.add(new AclLog.Entry(reason, context, object, username, server.clock().millis(), ClientInfo.describe(real)),
                logMaxLen());
    }

    /** CONFIG REWRITE's user lines: every user, or none when the users live in an aclfile (as Redis). */
    private List<String> configLines() {
        List<String> out = new ArrayList<>();
        if (aclFile().isEmpty()) {
            for (User u : users.values()) {
                out.add("user " + u.name + " " + u.describe());
            }
        }
        return out;
    }

    // ---- the ACL file

    /** The path of the ACL file (a relative one is in dir, as Redis after its chdir). */
    private Path aclPath() {
        return Path.of(server.config().dir).resolve(aclFile());
    }

    /**
     * ACL LOAD: reads every user of the file into a fresh set and installs it only when the whole
     * file is valid (else returns Redis's description of every problem, each naming its line).
     * Clients of the replaced users are disconnected, as Redis 7.0 frees those users.
     */
    String loadFile() {
        String name = aclFile();
        String text;
        try {
            text = Files.readString(aclPath(), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return "Error loading ACLs, opening file '" + name + "': " + ioReason(e);
        }
        boolean allChannels = allChannelsByDefault();
        TreeMap<String, User> fresh = new TreeMap<>();
        StringBuilder errors = new StringBuilder();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            int lineNo = i + 1;
            String line = strip(lines[i], " \t\r\n");
            if (line.isEmpty()) {
                continue;
            }
            List<String> argv = List.of(line.split(" ", -1));
            if (!argv.get(0).equals("user") || argv.size() < 2) {
                errors.append(name).append(':').append(lineNo)
                        .append(" should start with user keyword followed by the username. ");
                continue;
            }
            String userName = argv.get(1);
            if (Bin.hasSpaces(userName)) {
                errors.append('\'').append(name).append(':').append(lineNo).append(": username '").append(userName)
                        .append("' contains invalid characters. ");
                continue;
            }
            if (fresh.containsKey(userName)) {
                errors.append("WARNING: Duplicate user '").append(userName).append("' found on line ").append(lineNo)
                        .append(". ");
                continue;
            }
            User u = new User(userName, allChannels);
            fresh.put(userName, u);
            Rules.Merged merged = Rules.mergeSelectors(argv.subList(2, argv.size()));
            if (merged.rules() == null) {
                errors.append(name).append(':').append(lineNo).append(": Unmatched parenthesis in selector definition.");
                continue;
            }
            // as Redis 7.0.15: an unknown command names its rule every time; of the other problems
            // only a line's first is told (it may be the cause of the next ones)
            boolean told = false;
            for (String word : merged.rules()) {
                String op = strip(word, "\t\r\n");
                String problem = u.apply(op, allChannels);
                if (problem == Errors.ACL_RULE_UNKNOWN) {
                    errors.append(name).append(':').append(lineNo).append(": Error in applying operation '").append(op)
                            .append("': ").append(problem).append(". ");
                } else if (problem != null && !told) {
                    errors.append(name).append(':').append(lineNo).append(": ").append(problem).append(". ");
                    told = true;
                }
            }
        }
        if (errors.length() > 0) {
            return errors.append("WARNING: ACL errors detected, no change to the previously active ACL rules was performed")
                    .toString();
        }
        User newDefault = fresh.remove("default");
        defaultUser.copyFrom(newDefault != null ? newDefault : User.createDefault(allChannels));
        Client self = server.dispatcher().current();
        for (User old : new ArrayList<>(users.values())) {
            if (old != defaultUser) {
                killClientsOf(old, self);
            }
        }
        users.clear();
        users.putAll(fresh);
        users.put("default", defaultUser);
        return null;
    }

    /** ACL SAVE: every user as a "user" line, written to a temp file renamed over the ACL file. */
    boolean saveFile() {
        StringBuilder b = new StringBuilder();
        for (User u : users.values()) {
            b.append("user ").append(u.name).append(' ').append(u.describe()).append('\n');
        }
        Path target = aclPath();
        Path temp = target.resolveSibling(target.getFileName() + ".tmp-" + ProcessHandle.current().pid() + "-"
                + server.clock().millis());
        try {
            Files.write(temp, Bin.bytes(b.toString()));
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return true;
        } catch (IOException e) {
            server.log().warning("Writing ACL file for ACL SAVE: " + ioReason(e));
            try {
                Files.deleteIfExists(temp);
            } catch (IOException ignored) {
                // the temp file may not exist
            }
            return false;
        }
    }

    private static String ioReason(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "No such file or directory";
        }
        if (e instanceof AccessDeniedException) {
            return "Permission denied";
        }
        if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        return String.valueOf(e.getMessage());
    }

    /** Removes the given characters from both ends (sdstrim). */
    private static String strip(String s, String chars) {
        int a = 0;
        int b = s.length();
        while (a < b && chars.indexOf(s.charAt(a)) >= 0) {
            a++;
        }
        while (b > a && chars.indexOf(s.charAt(b - 1)) >= 0) {
            b--;
        }
        return s.substring(a, b);
    }
}
