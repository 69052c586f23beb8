package dev.cinnabar.testkit;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A decoded RESP2/RESP3 reply, kept with its exact wire type so differential tests can compare a
 * simple string with a simple string, not with a bulk string that happens to hold the same text.
 * {@link #toString()} gives a canonical, readable form used in assertion messages.
 */
public sealed interface Resp {
    record Simple(String value) implements Resp {
        @Override
        public String toString() {
            return "+" + value;
        }
    }

    record Err(String message) implements Resp {
        @Override
        public String toString() {
            return "-" + message;
        }
    }

    record Int(long value) implements Resp {
        @Override
        public String toString() {
            return ":" + value;
        }
    }

    record Bulk(byte[] value) implements Resp {
        public String text() {
            return new String(value, StandardCharsets.UTF_8);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Bulk b && java.util.Arrays.equals(value, b.value);
        }

        @Override
        public int hashCode() {
            return java.util.Arrays.hashCode(value);
        }

        @Override
        public String toString() {
            return "\"" + escape(value) + "\"";
        }
    }

    /** RESP2 $-1 / *-1 and RESP3 _ ; kind is '$', '*' or '_'. */
    record Null(char kind) implements Resp {
        @Override
        public String toString() {
            return "(nil" + kind + ")";
        }
    }

    /** Aggregates: '*' array, '~' set, '>' push, '%' map (elements alternate key, value). */
    record Agg(char kind, List<Resp> items) implements Resp {
        @Override
        public String toString() {
            return kind + items.toString();
        }
    }

    record Dbl(String text) implements Resp {
        @Override
        public String toString() {
            return "," + text;
        }
    }

    record Bool(boolean value) implements Resp {
        @Override
        public String toString() {
            return value ? "#t" : "#f";
        }
    }

    record Verbatim(String format, String text) implements Resp {
        @Override
        public String toString() {
            return "=" + format + ":" + text;
        }
    }

    record BigNum(String text) implements Resp {
        @Override
        public String toString() {
            return "(" + text;
        }
    }

    static String escape(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (byte x : b) {
            int c = x & 0xff;
            if (c == '"' || c == '\\') {
                sb.append('\\').append((char) c);
            } else if (c >= 32 && c < 127) {
                sb.append((char) c);
            } else {
                sb.append(String.format("\\x%02x", c));
            }
        }
        return sb.toString();
    }

    /** Convenience: the text of a simple or bulk string, the number of an integer, else toString. */
    default String asText() {
        if (this instanceof Simple s) {
            return s.value();
        }
        if (this instanceof Bulk b) {
            return b.text();
        }
        if (this instanceof Int i) {
            return Long.toString(i.value());
        }
        return toString();
    }
}
