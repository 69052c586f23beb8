package dev.cinnabar.server.config;

import dev.cinnabar.server.protocol.RequestParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Reads redis.conf text as Redis 7.0 does: one directive per line, arguments split with Redis's
 * quoting rules, '#' comments, {@code include} (with wildcards), several {@code save} lines
 * accumulating, {@code rename-command} and {@code user} lines kept for their features, and
 * command-line options appended after the file (and after standard input) so they override it.
 * A bad line stops start-up with Redis's fatal message naming the line of the combined text.
 */
public final class ConfigFile {
    /** Redis's version string in fatal messages (clients and scripts compare against it). */
    public static final String REDIS_VERSION = "7.0.15";
    /** Directives Redis ignores with a warning (exactly one argument). */
    private static final List<String> DEPRECATED =
            List.of("list-max-ziplist-entries", "list-max-ziplist-value", "lua-replicate-commands");

    /** A fatal error: the text to print (Redis's format) before exiting with status 1. */
    public static final class FatalConfigError extends Exception {
        public FatalConfigError(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Directives that change what a user can rely on (persistence, replication, a memory bound,
     * TLS, users and passwords), each with the value under which its missing feature would have
     * nothing to do, and what the server does instead. Given another value while the feature is
     * not built, start-up warns; given that value, nothing is said (the server does what was asked).
     */
    private static final java.util.Map<String, String[]> SAFETY = java.util.Map.ofEntries(
            java.util.Map.entry("appendonly", new String[] {"no", "no append-only file is written"}),
            java.util.Map.entry("replicaof", new String[] {"", "this server does not replicate from a master"}),
            java.util.Map.entry("masterauth", new String[] {"", "this server does not replicate from a master"}),
            java.util.Map.entry("masteruser", new String[] {"", "this server does not replicate from a master"}),
            java.util.Map.entry("min-replicas-to-write", new String[] {"0", "writes are accepted without replicas"}),
            java.util.Map.entry("maxmemory", new String[] {"0", "memory use is not bounded and nothing is evicted"}),
            java.util.Map.entry("tls-cluster", new String[] {"no", "the cluster bus does not use TLS"}),
            java.util.Map.entry("cluster-enabled", new String[] {"no", "the server runs standalone"}),
            java.util.Map.entry("aclfile", new String[] {"", "no user is loaded from it; only the default user exists"}),
            java.util.Map.entry("requirepass", new String[] {"", "clients are not asked for a password"}));
    /** The pseudo-directive name of "user" lines (not in Redis's config table). */
    public static final String USER = "user";

    private final ServerConfig config;
    /** Names of the directives given (file, stdin, command line), in first-seen order. */
    private final java.util.Set<String> given = new java.util.LinkedHashSet<>();
    private final List<String> warnings = new ArrayList<>();
    private boolean saveSeen;

    public ConfigFile(ServerConfig config) {
        this.config = config;
    }

    /** What start-up says about directives given whose behaviour is not built. */
    public record Unbuilt(List<String> notices, List<String> warnings) {
        /** The one notice line, or null when every directive given works. */
        public String noticeLine() {
            return notices.isEmpty() ? null
                    : "Directives accepted but not implemented yet (their values are kept and reported): "
                    + String.join(", ", notices);
        }
    }

    /**
     * The directives given whose behaviour is not built, read once the server's features are
     * installed (they mark what they implement). A safety directive (see SAFETY) given a value that
     * needs its feature is a warning saying what the server does instead; given its inert value it
     * is not mentioned. Any other unbuilt directive given is listed in the notice.
     */
    public Unbuilt unbuilt() {
        List<String> notices = new ArrayList<>();
        List<String> warn = new ArrayList<>(warnings);
        for (String name : given) {
            if (config.isImplemented(name)) {
                continue;
            }
            if (name.equals(USER)) {
                warn.add("WARNING: " + config.users.size() + " 'user' line" + (config.users.size() == 1 ? " was" : "s were")
                        + " accepted but ACL users are not implemented yet: no user was created; only the default user "
                        + "exists.");
                continue;
            }
            String[] safety = SAFETY.get(name);
            String value = config.entry(name).get();
            if (safety == null) {
                notices.add(name);
            } else if (!safety[0].equals(value)) {
                warn.add("WARNING: '" + name + " " + value + "' was accepted but its behaviour is not implemented yet: "
                        + safety[1] + ".");
            }
        }
        return new Unbuilt(List.copyOf(notices), List.copyOf(warn));
    }

    /**
     * Loads as redis-server does: the file's text (if any), then standard input's (if any), then
     * a newline and the command-line options.
     */
    public void load(Path file, String stdin, List<String> options) throws FatalConfigError {
        StringBuilder text = new StringBuilder();
        if (file != null) {
            text.append(read(file));
        }
        if (stdin != null) {
            text.append(stdin);
        }
        if (!options.isEmpty()) {
            text.append('\n').append(optionsToText(options));
        }
        loadString(text.toString());
    }

    public void loadFile(Path file) throws FatalConfigError {
        loadString(read(file));
    }

    private static String read(Path file) throws FatalConfigError {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new FatalConfigError("Fatal error, can't open config file '" + file + "': No such file or directory");
        } catch (IOException e) {
            throw new FatalConfigError("Fatal error, can't open config file '" + file + "': " + e.getMessage());
        }
    }

    /**
     * Converts redis-server style options ({@code --port 6380 --save ""}) to config text as Redis
     * 7.0 does: a {@code --name} starts a line and each value is appended quoted. An option given
     * alone ({@code --port}, not {@code "--port 6380"}) takes the next argument as its value even
     * when it starts with {@code --} ({@code --proc-title-template --my--title}); only
     * {@code --save} and {@code --sentinel} followed by another option (or last) take no value
     * ({@code save ""}). So {@code --port --loglevel verbose} is {@code port "--loglevel" "verbose"},
     * refused with that line in the error as by Redis.
     */
    public static String optionsToText(List<String> args) {
        StringBuilder sb = new StringBuilder();
        boolean valued = true; // the last option has its value (or needs none): a "--" word is a name
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (valued && a.startsWith("--")) {
                if (!sb.isEmpty()) {
                    sb.append('\n');
                }
                sb.append(a.substring(2)).append(' ');
                byte[][] words = RequestParser.splitArgs(a.getBytes(StandardCharsets.UTF_8));
                if (words == null || words.length != 1) {
                    continue; // "--name value" in one argument (or unparsable): complete as it is
                }
                boolean last = i == args.size() - 1;
                boolean optionNext = !last && args.get(i + 1).startsWith("--");
                if (a.equalsIgnoreCase("--save") && (last || optionNext)) {
                    sb.append("\"\" "); // --save alone means save ""
                } else if (!(a.equalsIgnoreCase("--sentinel") && (last || optionNext))) {
                    valued = false; // the next argument is this option's value, whatever it looks like
                }
            } else {
                sb.append(repr(a)).append(' ');
                valued = true;
            }
        }
        return sb.toString();
    }

    /** Redis's sdscatrepr: double-quoted with C escapes for quotes, backslashes and control bytes. */
    public static String repr(String a) {
        return repr(a.getBytes(StandardCharsets.UTF_8));
    }

    /** sdscatrepr of raw bytes (also used for MONITOR lines). */
    public static String repr(byte[] a) {
        StringBuilder sb = new StringBuilder(a.length + 2).append('"');
        for (byte b : a) {
            int ch = b & 0xff;
            switch (ch) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case 7 -> sb.append("\\a");
                case '\b' -> sb.append("\\b");
                default -> {
                    if (ch >= 32 && ch < 127) {
                        sb.append((char) ch);
                    } else {
                        sb.append(String.format("\\x%02x", ch));
                    }
                }
            }
        }
        return sb.append('"').toString();
    }

    public void loadString(String text) throws FatalConfigError {
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = strip(lines[i]);
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            byte[][] parts = RequestParser.splitArgs(line.getBytes(StandardCharsets.UTF_8));
            if (parts == null) {
                throw fatal(i + 1, line, "Unbalanced quotes in configuration line");
            }
            if (parts.length == 0) {
                continue;
            }
            String name = new String(parts[0], StandardCharsets.UTF_8).toLowerCase(Locale.ROOT);
            List<String> args = new ArrayList<>();
            for (byte[] p : Arrays.copyOfRange(parts, 1, parts.length)) {
                args.add(new String(p, StandardCharsets.UTF_8));
            }
            String err = directive(name, args, i + 1, line);
            if (err != null) {
                throw fatal(i + 1, line, err);
            }
        }
    }

    /** sdstrim(line, " \t\r\n"). */
    private static String strip(String s) {
        int b = 0;
        int e = s.length();
        while (b < e && " \t\r\n".indexOf(s.charAt(b)) >= 0) {
            b++;
        }
        while (e > b && " \t\r\n".indexOf(s.charAt(e - 1)) >= 0) {
            e--;
        }
        return s.substring(b, e);
    }

    /** Applies one directive; returns Redis's reason text when it is rejected. */
    private String directive(String name, List<String> args, int lineNo, String line) throws FatalConfigError {
        ConfigEntry e = config.entry(name);
        if (e != null) {
            if (!e.multiArg() && args.size() != 1) {
                return "wrong number of arguments";
            }
            if (e.multiArg() && args.size() == 1 && !args.get(0).isEmpty()) {
                // One argument holding several (save "60 1", as --save "60 1" gives): split it as a line.
                byte[][] split = RequestParser.splitArgs(args.get(0).getBytes(StandardCharsets.UTF_8));
                args = new ArrayList<>();
                for (byte[] a : split == null ? new byte[0][] : split) {
                    args.add(new String(a, StandardCharsets.UTF_8));
                }
            }
            try {
                if (e.name().equals("save")) {
                    applySave(e, args);
                } else {
                    e.apply(e.parse(args));
                }
            } catch (ConfigException ex) {
                return ex.getMessage();
            }
            given.add(e.name());
            return null;
        }
        switch (name) {
            case "include" -> {
                if (args.size() != 1) {
                    break;
                }
                include(args.get(0));
                return null;
            }
            case "rename-command" -> {
                if (args.size() != 2) {
                    break;
                }
                config.renameCommands.add(new ServerConfig.RenameCommand(args.get(0), args.get(1), lineNo, line));
                return null;
            }
            case "sentinel" -> {
                if (args.isEmpty()) {
                    return null; // what --sentinel becomes on the command line
                }
                if (!config.sentinelMode) {
                    return "sentinel directive while not in sentinel mode";
                }
                config.sentinelDirectives.add(new ServerConfig.SentinelDirective(List.copyOf(args), lineNo, line));
                return null;
            }
            case "user" -> {
                if (args.isEmpty()) {
                    break;
                }
                config.users.add(List.copyOf(args));
                given.add(USER);
                return null;
            }
            default -> {
                if (DEPRECATED.contains(name) && args.size() == 1) {
                    warnings.add("Configuration option '" + name + "' is deprecated and has no effect.");
                    return null;
                }
            }
        }
        return "Bad directive or wrong number of arguments";
    }

    /** The first save line of a file replaces the defaults, later ones add points; save "" clears. */
    @SuppressWarnings("unchecked")
    private void applySave(ConfigEntry e, List<String> args) throws ConfigException {
        List<SaveParam> parsed = (List<SaveParam>) e.parse(args);
        if (parsed.isEmpty() || !saveSeen) {
            saveSeen = true;
            e.apply(parsed);
            return;
        }
        List<SaveParam> all = new ArrayList<>(config.save);
        all.addAll(parsed);
        e.apply(List.copyOf(all));
    }

    private void include(String pattern) throws FatalConfigError {
        if (pattern.indexOf('*') < 0 && pattern.indexOf('?') < 0 && pattern.indexOf('[') < 0) {
            loadFile(Path.of(pattern));
            return;
        }
        // Wildcards: every matching file in name order; none matching is not an error.
        Path p = Path.of(pattern);
        Path dirPath = p.getParent() == null ? Path.of(".") : p.getParent();
        List<Path> matches = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dirPath, p.getFileName().toString())) {
            ds.forEach(matches::add);
        } catch (IOException ex) {
            return;
        }
        matches.sort(null);
        for (Path m : matches) {
            loadFile(m);
        }
    }

    public static FatalConfigError fatal(int lineNo, String line, String reason) {
        return new FatalConfigError("\n*** FATAL CONFIG FILE ERROR (Redis " + REDIS_VERSION + ") ***\n"
                + "Reading the configuration file, at line " + lineNo + "\n"
                + ">>> '" + line + "'\n" + reason);
    }
}
