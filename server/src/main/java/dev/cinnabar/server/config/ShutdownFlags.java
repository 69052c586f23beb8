package dev.cinnabar.server.config;

import java.util.List;
import java.util.Locale;

/**
 * shutdown-on-sigterm / shutdown-on-sigint: a set of SHUTDOWN's flags applied when the signal
 * arrives, written as words ({@code default}, {@code save}, {@code nosave}, {@code now},
 * {@code force}; several at once, e.g. {@code "nosave now"}). {@code default} is the empty set:
 * save when save points exist, wait for lagging replicas, give up when the save fails.
 */
public final class ShutdownFlags {
    public static final int SAVE = 1;
    public static final int NOSAVE = 2;
    public static final int NOW = 4;
    public static final int FORCE = 8;
    private static final List<String> WORDS = List.of("default", "save", "nosave", "now", "force");

    private ShutdownFlags() {
    }

    static Object parse(List<String> args) throws ConfigException {
        if (args.isEmpty()) {
            throw new ConfigException(enumError());
        }
        int flags = 0;
        for (String a : args) {
            int i = WORDS.indexOf(a.toLowerCase(Locale.ROOT));
            if (i < 0) {
                throw new ConfigException(enumError());
            }
            flags |= i == 0 ? 0 : 1 << (i - 1);
        }
        if ((flags & SAVE) != 0 && (flags & NOSAVE) != 0) {
            throw new ConfigException("shutdown options SAVE and NOSAVE can't be used simultaneously");
        }
        return flags;
    }

    /** As CONFIG GET shows it: the set words in table order, or "default". */
    static String format(int flags) {
        StringBuilder sb = new StringBuilder();
        for (int i = 1; i < WORDS.size(); i++) {
            if ((flags & (1 << (i - 1))) != 0) {
                sb.append(sb.isEmpty() ? "" : " ").append(WORDS.get(i));
            }
        }
        return sb.isEmpty() ? "default" : sb.toString();
    }

    private static String enumError() {
        return "argument(s) must be one of the following: " + String.join(", ", WORDS);
    }
}
