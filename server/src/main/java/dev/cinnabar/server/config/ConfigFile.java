package dev.cinnabar.server.config;

import dev.cinnabar.server.protocol.RequestParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Reads redis.conf text as Redis does: one directive per line, arguments split with Redis's
 * quoting rules, '#' comments, {@code include} files, and command-line options appended after the
 * file so they override it. A bad line stops start-up with Redis's fatal message naming the line.
 */
public final class ConfigFile {
    /** A fatal error: the text to print (Redis's format) before exiting with status 1. */
    public static final class FatalConfigError extends Exception {
        public FatalConfigError(String message) {
            super(message, null, false, false);
        }
    }

    private final ServerConfig config;
    private final List<String> notImplemented = new ArrayList<>();

    public ConfigFile(ServerConfig config) {
        this.config = config;
    }

    /** Directives that were accepted but whose behaviour is not built (logged at start-up). */
    public List<String> notImplemented() {
        return notImplemented;
    }

    public void loadFile(Path file) throws FatalConfigError {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new FatalConfigError("Fatal error, can't open config file '" + file + "': " + e.getMessage());
        }
        loadString(text);
    }

    /** Converts redis-server style options ("--port", "6380", "--save", "") to config lines. */
    public static String optionsToText(List<String> args) {
        StringBuilder sb = new StringBuilder();
        boolean first = true;
        for (String a : args) {
            if (a.startsWith("--") && a.length() > 2) {
                if (!first) {
                    sb.append('\n');
                }
                sb.append(a.substring(2));
                first = false;
            } else {
                sb.append(' ').append(quote(a));
            }
        }
        return sb.toString();
    }

    private static String quote(String a) {
        StringBuilder sb = new StringBuilder("\"");
        for (char ch : a.toCharArray()) {
            switch (ch) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                default -> sb.append(ch);
            }
        }
        return sb.append('"').toString();
    }

    public void loadString(String text) throws FatalConfigError {
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
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
            if (name.equals("include") && args.size() == 1) {
                loadFile(Path.of(args.get(0)));
                continue;
            }
            ConfigEntry e = config.entry(name);
            if (e == null) {
                throw fatal(i + 1, line, "Bad directive or wrong number of arguments");
            }
            try {
                e.set(args);
            } catch (ConfigException ex) {
                throw fatal(i + 1, line, ex.getMessage());
            }
            if (!e.implemented() && !notImplemented.contains(e.name())) {
                notImplemented.add(e.name());
            }
        }
    }

    private static FatalConfigError fatal(int lineNo, String line, String reason) {
        return new FatalConfigError("\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\n"
                + "Reading the configuration file, at line " + lineNo + "\n"
                + ">>> '" + line + "'\n" + reason);
    }
}
