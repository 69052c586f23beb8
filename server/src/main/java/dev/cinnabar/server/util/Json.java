package dev.cinnabar.server.util;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a JSON document (RFC 8259) into plain, unmodifiable Java values: an object is a {@code
 * Map<String, Object>} in document order, an array a {@code List<Object>}, a number a {@code Long}
 * (or a {@code Double} when it has a fraction or exponent, or does not fit a long), then String,
 * Boolean and null.
 *
 * <p>Why our own reader: the server reads three JSON resources at every start (the command table,
 * its extras and the configuration table). Jackson's ObjectMapper loaded about 400 classes for
 * them, and even jackson-core's streaming parser cost about 100 ms of CPU the first time it ran
 * (its factory, symbol tables and buffer recyclers), more than reading the files. These are our
 * own files, so a small recursive-descent reader is enough; malformed input fails with an
 * IOException naming the offset.
 */
public final class Json {
    /**
     * The document's UTF-8 bytes: the reader runs mostly interpreted (once per start, before the
     * JIT has compiled anything), where an array access is one bytecode and String.charAt a chain
     * of calls; it was most of the reading's cost. Structural characters are ASCII, so a byte is
     * tested where a character was; strings are decoded from their bytes.
     */
    private final byte[] s;
    private int i;

    private Json(byte[] s) {
        this.s = s;
    }

    /** The document in, as plain values (in is not closed). */
    public static Object read(InputStream in) throws IOException {
        return parse(in.readAllBytes());
    }

    /** The document text, as plain values. */
    public static Object parse(String text) throws IOException {
        return parse(text.getBytes(StandardCharsets.UTF_8));
    }

    private static Object parse(byte[] utf8) throws IOException {
        Json p = new Json(utf8);
        Object v = p.value();
        p.space();
        if (p.i != utf8.length) {
            throw p.error("trailing characters");
        }
        return v;
    }

    private Object value() throws IOException {
        space();
        if (i >= s.length) {
            throw error("unexpected end");
        }
        byte c = s[i];
        switch (c) {
            case '{' -> {
                i++;
                Map<String, Object> m = new LinkedHashMap<>();
                space();
                if (peek() == '}') {
                    i++;
                    return Collections.unmodifiableMap(m);
                }
                while (true) {
                    space();
                    if (peek() != '"') {
                        throw error("expected a member name");
                    }
                    String name = string();
                    space();
                    expect(':');
                    m.put(name, value());
                    space();
                    if (peek() == ',') {
                        i++;
                    } else {
                        expect('}');
                        return Collections.unmodifiableMap(m);
                    }
                }
            }
            case '[' -> {
                i++;
                List<Object> l = new ArrayList<>();
                space();
                if (peek() == ']') {
                    i++;
                    return Collections.unmodifiableList(l);
                }
                while (true) {
                    l.add(value());
                    space();
                    if (peek() == ',') {
                        i++;
                    } else {
                        expect(']');
                        return Collections.unmodifiableList(l);
                    }
                }
            }
            case '"' -> {
                return string();
            }
            case 't' -> {
                word("true");
                return Boolean.TRUE;
            }
            case 'f' -> {
                word("false");
                return Boolean.FALSE;
            }
            case 'n' -> {
                word("null");
                return null;
            }
            default -> {
                return number();
            }
        }
    }

    private String string() throws IOException {
        i++; // the opening quote
        StringBuilder sb = null;
        int start = i;
        while (true) {
            if (i >= s.length) {
                throw error("unterminated string");
            }
            byte c = s[i];
            if (c == '"') {
                String tail = new String(s, start, i - start, StandardCharsets.UTF_8);
                i++;
                return sb == null ? tail : sb.append(tail).toString();
            }
            if (c >= 0 && c < 0x20) {
                throw error("control character in a string");
            }
            if (c != '\\') {
                i++; // a multi-byte character's bytes are all negative: never a quote or a backslash
                continue;
            }
            if (sb == null) {
                sb = new StringBuilder();
            }
            sb.append(new String(s, start, i - start, StandardCharsets.UTF_8));
            if (i + 1 >= s.length) {
                throw error("unterminated string");
            }
            char e = (char) s[i + 1];
            i += 2;
            switch (e) {
                case '"', '\\', '/' -> sb.append(e);
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'u' -> {
                    if (i + 4 > s.length) {
                        throw error("bad \\u escape");
                    }
                    try {
                        sb.append((char) Integer.parseInt(new String(s, i, 4, StandardCharsets.ISO_8859_1), 16));
                    } catch (NumberFormatException ex) {
                        throw error("bad \\u escape");
                    }
                    i += 4;
                }
                default -> throw error("bad escape");
            }
            start = i;
        }
    }

    private Object number() throws IOException {
        int start = i;
        boolean integral = true;
        if (peek() == '-') {
            i++;
        }
        while (i < s.length) {
            byte c = s[i];
            if (c >= '0' && c <= '9') {
                i++;
            } else if (c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') {
                integral = false;
                i++;
            } else {
                break;
            }
        }
        String t = new String(s, start, i - start, StandardCharsets.ISO_8859_1);
        try {
            if (integral) {
                try {
                    return Long.parseLong(t);
                } catch (NumberFormatException tooLong) {
                    // a wider integer than a long: a double, as JavaScript would read it
                }
            }
            return Double.parseDouble(t);
        } catch (NumberFormatException ex) {
            throw error(t.isEmpty() ? "unexpected character" : "bad number " + t);
        }
    }

    private void word(String w) throws IOException {
        for (int k = 0; k < w.length(); k++) {
            if (i + k >= s.length || s[i + k] != w.charAt(k)) {
                throw error("unexpected character");
            }
        }
        i += w.length();
    }

    private void expect(char c) throws IOException {
        if (peek() != c) {
            throw error("expected '" + c + "'");
        }
        i++;
    }

    private int peek() {
        return i < s.length ? s[i] : 0;
    }

    private void space() {
        while (i < s.length) {
            byte c = s[i];
            if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
                return;
            }
            i++;
        }
    }

    private IOException error(String what) {
        return new IOException("JSON: " + what + " at offset " + i);
    }

    // ---- typed access to a read object

    /** The value as an object; fails (ClassCastException) when it is not one. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> object(Object value) {
        return (Map<String, Object>) value;
    }

    /** The member as a list, or the empty list when absent or null. */
    @SuppressWarnings("unchecked")
    public static List<Object> list(Map<String, Object> o, String name) {
        Object v = o.get(name);
        return v == null ? List.of() : (List<Object>) v;
    }

    /** The member as text (a number or boolean as written), or null when absent or null. */
    public static String text(Map<String, Object> o, String name) {
        Object v = o.get(name);
        return v == null ? null : v.toString();
    }

    /** The member as a boolean, or dflt when absent or null. */
    public static boolean bool(Map<String, Object> o, String name, boolean dflt) {
        Object v = o.get(name);
        return v == null ? dflt : (Boolean) v;
    }

    /** The member as a long, or dflt when absent or null. */
    public static long number(Map<String, Object> o, String name, long dflt) {
        Object v = o.get(name);
        return v == null ? dflt : ((Number) v).longValue();
    }
}
