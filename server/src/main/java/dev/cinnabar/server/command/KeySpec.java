package dev.cinnabar.server.command;

import java.util.List;

/**
 * A Redis 7 key specification: where the search for keys begins (an argument index or a keyword
 * searched from some index) and how keys are found from there (a range, or a count argument).
 *
 * @param flags      key flags as COMMAND prints them (RW, RO, OW, RM, access, update, insert, delete,
 *                   not_key, incomplete, variable_flags)
 * @param bsType     "index", "keyword" or "unknown"
 * @param bsIndex    index for "index"; for "keyword", the index the search starts from (negative:
 *                   from the end)
 * @param bsKeyword  the keyword for "keyword"
 * @param fkType     "range", "keynum" or "unknown"
 * @param a          range: lastkey; keynum: keynumidx
 * @param b          range: keystep; keynum: firstkey
 * @param c          range: limit; keynum: keystep
 * @param notes      Redis's note on the spec, or null (COMMAND INFO shows it)
 */
public record KeySpec(List<String> flags, String bsType, int bsIndex, String bsKeyword, String fkType, int a,
                      int b, int c, String notes, int traits, String keywordLower) {
    /** {@link #access()} bit: the spec's keys are read ("access" flag). */
    public static final int READ = 1;
    /** {@link #access()} bit: the spec's keys are written ("insert", "delete" or "update" flag). */
    public static final int WRITE = 2;
    private static final int NOT_KEY = 4;
    private static final int INCOMPLETE = 8;

    /** A spec as the metadata states it; the traits the hot paths test are derived once, here. */
    public KeySpec(List<String> flags, String bsType, int bsIndex, String bsKeyword, String fkType, int a, int b,
                   int c, String notes) {
        this(flags, bsType, bsIndex, bsKeyword, fkType, a, b, c, notes,
                access(flags) | (flags.contains("not_key") ? NOT_KEY : 0) | (flags.contains("incomplete") ? INCOMPLETE : 0),
                bsKeyword == null ? null : bsKeyword.toLowerCase(java.util.Locale.ROOT));
    }

    /** The access key flags mean, as ACL key permissions: {@link #READ} and/or {@link #WRITE}. */
    public static int access(List<String> flags) {
        int access = 0;
        for (String f : flags) {
            switch (f) {
                case "access" -> access |= READ;
                case "insert", "delete", "update" -> access |= WRITE;
                default -> {
                }
            }
        }
        return access;
    }

    /** This spec's {@link #access(List)}. */
    public int access() {
        return traits & (READ | WRITE);
    }

    /** The spec's arguments are not keys (not_key flag). */
    public boolean notKey() {
        return (traits & NOT_KEY) != 0;
    }

    /** The spec may not find every key (incomplete flag). */
    public boolean incomplete() {
        return (traits & INCOMPLETE) != 0;
    }

    /**
     * Appends the key positions this spec finds in argv (argc arguments) to out; returns false when
     * the spec cannot be resolved (unknown search or arguments that do not fit).
     */
    public boolean keys(byte[][] argv, int argc, java.util.List<Integer> out) {
        int first;
        switch (bsType) {
            case "index" -> first = bsIndex;
            case "keyword" -> {
                int start = bsIndex >= 0 ? bsIndex : argc + bsIndex;
                int end = bsIndex >= 0 ? argc - 1 : 0;
                int step = bsIndex >= 0 ? 1 : -1;
                first = -1;
                for (int i = start; step > 0 ? i <= end : i >= end; i += step) {
                    if (i < 0 || i >= argc) {
                        break;
                    }
                    if (dev.cinnabar.server.protocol.Texts.is(argv[i], keywordLower)) {
                        first = i + 1;
                        break;
                    }
                }
                if (first < 0) {
                    return true; // keyword absent: no keys from this spec
                }
            }
            default -> {
                return false;
            }
        }
        if (first >= argc) {
            return true;
        }
        switch (fkType) {
            case "range" -> {
                int last;
                if (a >= 0) {
                    last = first + a;
                } else if (c == 0) {
                    last = argc + a;
                } else {
                    last = first + ((argc - first) / c + a);
                }
                for (int i = first; i <= last && i < argc; i += Math.max(1, b)) {
                    out.add(i);
                }
            }
            case "keynum" -> {
                int numIdx = first + a;
                if (numIdx >= argc) {
                    return false;
                }
                long n;
                try {
                    n = Long.parseLong(dev.cinnabar.server.protocol.Texts.str(argv[numIdx]));
                } catch (NumberFormatException e) {
                    return false;
                }
                if (n < 0) {
                    return false;
                }
                int k = first + b;
                for (long i = 0; i < n; i++, k += Math.max(1, c)) {
                    if (k >= argc) {
                        return false;
                    }
                    out.add(k);
                }
            }
            default -> {
                return false;
            }
        }
        return true;
    }
}
