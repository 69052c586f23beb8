package dev.cinnabar.server.persistence.aof;

import dev.cinnabar.server.protocol.RequestParser;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The AOF manifest of Redis 7.0's multi-part AOF: which files make the append-only file, one line
 * each, {@code file <name> seq <n> type <b|h|i>}: the base (at most one, first), then history
 * files (left over from a rewrite, deleted unless aof-disable-auto-gc), then the incremental files
 * in increasing sequence. Written and read exactly as Redis does, so either server starts from the
 * other's directory: a name with spaces, quotes or unprintable bytes is written quoted with
 * escapes, lines are split as Redis splits arguments, keys are case-insensitive, unknown key/value
 * pairs are ignored (forward compatibility), '#' lines are comments.
 *
 * <p>Instances are changed only on a copy ({@link #copy}) that replaces the current one once it is
 * on disk, so a failed write leaves the running state as it was (Redis's dup-then-swap).
 */
public final class AofManifest {
    /** A file of the manifest. */
    public record Info(String name, long seq, char type) {
        static final char BASE = 'b';
        static final char HISTORY = 'h';
        static final char INCR = 'i';

        Info as(char t) {
            return new Info(name, seq, t);
        }
    }

    /** A manifest Redis would refuse: the message is Redis's, the line (1-based) and its text when known. */
    public static final class FormatError extends Exception {
        public final int line;
        public final String text;

        FormatError(String message, int line, String text) {
            super(message, null, false, false);
            this.line = line;
            this.text = text;
        }
    }

    static final int MAX_LINE = 1024;

    Info base;
    final List<Info> history = new ArrayList<>();
    final List<Info> incr = new ArrayList<>();
    long baseSeq;
    long incrSeq;

    public Info base() {
        return base;
    }

    public List<Info> incr() {
        return incr;
    }

    public List<Info> history() {
        return history;
    }

    public boolean isEmpty() {
        return base == null && incr.isEmpty();
    }

    AofManifest copy() {
        AofManifest m = new AofManifest();
        m.base = base;
        m.history.addAll(history);
        m.incr.addAll(incr);
        m.baseSeq = baseSeq;
        m.incrSeq = incrSeq;
        return m;
    }

    /** Names a new base ({@code <prefix>.<seq>.base.rdb|aof}); the current base becomes history (first). */
    String newBase(String prefix, boolean rdb) {
        if (base != null) {
            history.add(0, base.as(Info.HISTORY));
        }
        baseSeq++;
        base = new Info(prefix + "." + baseSeq + ".base" + (rdb ? ".rdb" : ".aof"), baseSeq, Info.BASE);
        return base.name();
    }

    /** Adds a new incremental file ({@code <prefix>.<seq>.incr.aof}) at the end. */
    String newIncr(String prefix) {
        incrSeq++;
        Info i = new Info(prefix + "." + incrSeq + ".incr.aof", incrSeq, Info.INCR);
        incr.add(i);
        return i.name();
    }

    /** The last incremental file, created when there is none. */
    String lastIncr(String prefix) {
        return incr.isEmpty() ? newIncr(prefix) : incr.get(incr.size() - 1).name();
    }

    /**
     * After a rewrite: every incremental file but the one being written (the last, when
     * {@code keepLast}) becomes history, ahead of the old base, oldest first, as Redis orders them.
     */
    void markRewrittenIncrAsHistory(boolean keepLast) {
        int n = incr.size() - (keepLast && !incr.isEmpty() ? 1 : 0);
        for (int i = n - 1; i >= 0; i--) { // from the newest: the oldest ends first, as Redis lists them
            history.add(0, incr.remove(i).as(Info.HISTORY));
        }
    }

    /** The manifest's text: base, history, incremental files, one line each. */
    public String format() {
        StringBuilder sb = new StringBuilder();
        if (base != null) {
            line(sb, base);
        }
        for (Info i : history) {
            line(sb, i);
        }
        for (Info i : incr) {
            line(sb, i);
        }
        return sb.toString();
    }

    private static void line(StringBuilder sb, Info i) {
        sb.append("file ").append(needsRepr(i.name()) ? repr(i.name()) : i.name())
                .append(" seq ").append(i.seq()).append(" type ").append(i.type()).append('\n');
    }

    /** Redis's sdsneedsrepr: a name with a backslash, a quote, a space or an unprintable byte. */
    static boolean needsRepr(String s) {
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c == '\\' || c == '"' || c <= ' ' || c >= 0x7f) {
                return true;
            }
        }
        return false;
    }

    /** Redis's sdscatrepr: double-quoted, C escapes, other unprintable bytes as \xHH. */
    static String repr(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            switch (c) {
                case '\\' -> sb.append("\\\\");
                case '"' -> sb.append("\\\"");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case 7 -> sb.append("\\a");
                case '\b' -> sb.append("\\b");
                default -> {
                    if (c >= 0x20 && c < 0x7f) {
                        sb.append((char) c);
                    } else {
                        sb.append(String.format("\\x%02x", c));
                    }
                }
            }
        }
        return sb.append('"').toString();
    }

    /** Parses a manifest file's bytes with Redis's rules (aofLoadManifestFromFile). */
    public static AofManifest parse(byte[] file) throws FormatError {
        AofManifest m = new AofManifest();
        if (file.length == 0) {
            throw new FormatError("Found an empty AOF manifest", 0, null);
        }
        long maxSeq = 0;
        int lineNo = 0;
        int pos = 0;
        while (pos < file.length) {
            int end = pos;
            while (end < file.length && file[end] != '\n' && end - pos < MAX_LINE) {
                end++;
            }
            boolean newline = end < file.length && file[end] == '\n';
            lineNo++;
            String raw = new String(file, pos, end - pos, StandardCharsets.ISO_8859_1);
            pos = newline ? end + 1 : end;
            if (raw.startsWith("#")) {
                if (!newline && pos < file.length) {
                    pos = skipLine(file, pos); // fgets reads a long comment in pieces; all skipped
                }
                continue;
            }
            if (!newline) {
                throw new FormatError("The AOF manifest file contains too long line", lineNo, null);
            }
            String line = trim(raw);
            if (line.isEmpty()) {
                throw new FormatError("Invalid AOF manifest file format", lineNo, line);
            }
            List<byte[]> argv = splitArgs(line);
            if (argv == null || argv.size() < 6 || argv.size() % 2 != 0) {
                throw new FormatError("Invalid AOF manifest file format", lineNo, line);
            }
            String name = null;
            long seq = 0;
            char type = 0;
            for (int i = 0; i < argv.size(); i += 2) {
                String k = new String(argv.get(i), StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT);
                byte[] v = argv.get(i + 1);
                switch (k) {
                    case "file" -> {
                        name = new String(v, StandardCharsets.UTF_8);
                        if (name.indexOf('/') >= 0) {
                            throw new FormatError("File can't be a path, just a filename", lineNo, line);
                        }
                    }
                    case "seq" -> seq = atoll(v);
                    case "type" -> type = v.length == 0 ? 0 : (char) (v[0] & 0xff);
                    default -> {
                        // unknown keys: forward compatibility, as Redis
                    }
                }
            }
            if (name == null || name.isEmpty() || seq == 0 || type == 0) {
                throw new FormatError("Invalid AOF manifest file format", lineNo, line);
            }
            Info info = new Info(name, seq, type);
            switch (type) {
                case Info.BASE -> {
                    if (m.base != null) {
                        throw new FormatError("Found duplicate base file information", lineNo, line);
                    }
                    m.base = info;
                    m.baseSeq = seq;
                }
                case Info.HISTORY -> m.history.add(info);
                case Info.INCR -> {
                    if (seq <= maxSeq) {
                        throw new FormatError("Found a non-monotonic sequence number", lineNo, line);
                    }
                    m.incr.add(info);
                    m.incrSeq = seq;
                    maxSeq = seq;
                }
                default -> throw new FormatError("Unknown AOF file type", lineNo, line);
            }
        }
        return m;
    }

    private static int skipLine(byte[] file, int pos) {
        while (pos < file.length && file[pos] != '\n') {
            pos++;
        }
        return Math.min(file.length, pos + 1);
    }

    private static String trim(String s) {
        int a = 0;
        int b = s.length();
        while (a < b && " \t\r\n".indexOf(s.charAt(a)) >= 0) {
            a++;
        }
        while (b > a && " \t\r\n".indexOf(s.charAt(b - 1)) >= 0) {
            b--;
        }
        return s.substring(a, b);
    }

    /** C's atoll: optional sign and leading digits, 0 when none. */
    private static long atoll(byte[] v) {
        int i = 0;
        boolean neg = false;
        if (i < v.length && (v[i] == '-' || v[i] == '+')) {
            neg = v[i] == '-';
            i++;
        }
        long n = 0;
        for (; i < v.length && v[i] >= '0' && v[i] <= '9'; i++) {
            n = n * 10 + (v[i] - '0');
        }
        return neg ? -n : n;
    }

    /** A manifest line's arguments (sdssplitargs's rule, on its bytes); null on unbalanced quotes. */
    static List<byte[]> splitArgs(String line) {
        byte[][] parts = RequestParser.splitArgs(line.getBytes(StandardCharsets.ISO_8859_1));
        return parts == null ? null : java.util.Arrays.asList(parts);
    }
}
