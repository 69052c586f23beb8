package dev.cinnabar.ops;

import dev.cinnabar.server.protocol.RequestParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A redis.conf as lines: reads a directive's value as the server would (the last occurrence wins,
 * arguments split like sdssplitargs), and rewrites directives in place, keeping every comment and
 * every other line of the operator's template.
 */
final class ConfFile {
    private final List<String> lines;

    private ConfFile(List<String> lines) {
        this.lines = lines;
    }

    static ConfFile read(Path p) throws IOException {
        return new ConfFile(new ArrayList<>(Files.readAllLines(p, StandardCharsets.ISO_8859_1)));
    }

    void write(Path p) throws IOException {
        Files.write(p, lines, StandardCharsets.ISO_8859_1);
    }

    /** The directive's arguments, or null when it is absent. */
    List<String> args(String name) {
        List<String> found = null;
        for (String line : lines) {
            List<String> a = split(line);
            if (a != null && !a.isEmpty() && a.get(0).toLowerCase(Locale.ROOT).equals(name)) {
                found = a.subList(1, a.size());
            }
        }
        return found;
    }

    /** The directive's first argument, or {@code dflt} when it is absent or empty. */
    String value(String name, String dflt) {
        List<String> a = args(name);
        return a == null || a.isEmpty() || a.get(0).isEmpty() ? dflt : a.get(0);
    }

    /**
     * Sets a one-argument directive: the first line setting it is replaced, later ones are
     * removed (the last would win), or a line is appended when the template has none.
     */
    void set(String name, String value) {
        String line = name + " " + quote(value);
        boolean done = false;
        for (int i = 0; i < lines.size(); i++) {
            List<String> a = split(lines.get(i));
            if (a != null && !a.isEmpty() && a.get(0).toLowerCase(Locale.ROOT).equals(name)) {
                if (!done) {
                    lines.set(i, line);
                    done = true;
                } else {
                    lines.remove(i--);
                }
            }
        }
        if (!done) {
            lines.add(line);
        }
    }

    private static List<String> split(String line) {
        String t = line.strip();
        if (t.isEmpty() || t.startsWith("#")) {
            return null;
        }
        byte[][] parts = RequestParser.splitArgs(t.getBytes(StandardCharsets.ISO_8859_1));
        if (parts == null) {
            return null;
        }
        List<String> out = new ArrayList<>();
        for (byte[] b : parts) {
            out.add(new String(b, StandardCharsets.ISO_8859_1));
        }
        return out;
    }

    /** A value as a config argument: quoted with escapes when it holds blanks, quotes or is empty. */
    static String quote(String v) {
        if (!v.isEmpty() && v.chars().noneMatch(ch -> ch <= ' ' || ch == '"' || ch == '\'' || ch == '\\')) {
            return v;
        }
        return "\"" + v.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
