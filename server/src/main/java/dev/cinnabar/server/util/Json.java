package dev.cinnabar.server.util;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a JSON document into plain, unmodifiable Java values: an object is a {@code Map<String,
 * Object>} in document order, an array a {@code List<Object>}, a number a {@code Long} (or a
 * {@code Double} when it has a fraction or exponent), then String, Boolean and null.
 *
 * <p>Why not databind's ObjectMapper: the server reads three JSON resources at start-up (the
 * command table, its extras and the configuration table), and ObjectMapper alone loads about 400
 * classes, a tenth of a start (docs/operations.md, "Start-up time"). jackson-core's streaming
 * parser loads a few dozen.
 */
public final class Json {
    private static final JsonFactory FACTORY = new JsonFactory();

    private Json() {
    }

    /** The document in, as plain values (in is not closed). */
    public static Object read(InputStream in) throws IOException {
        try (JsonParser p = FACTORY.createParser(in)) {
            JsonToken t = p.nextToken();
            if (t == null) {
                throw new JsonParseException(p, "empty document");
            }
            return value(p, t);
        }
    }

    private static Object value(JsonParser p, JsonToken t) throws IOException {
        switch (t) {
            case START_OBJECT -> {
                Map<String, Object> m = new LinkedHashMap<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    m.put(name, value(p, p.nextToken()));
                }
                return Collections.unmodifiableMap(m);
            }
            case START_ARRAY -> {
                List<Object> l = new ArrayList<>();
                for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
                    l.add(value(p, e));
                }
                return Collections.unmodifiableList(l);
            }
            case VALUE_STRING -> {
                return p.getText();
            }
            case VALUE_NUMBER_INT -> {
                return p.getLongValue();
            }
            case VALUE_NUMBER_FLOAT -> {
                return p.getDoubleValue();
            }
            case VALUE_TRUE -> {
                return Boolean.TRUE;
            }
            case VALUE_FALSE -> {
                return Boolean.FALSE;
            }
            case VALUE_NULL -> {
                return null;
            }
            default -> throw new JsonParseException(p, "unexpected " + t);
        }
    }

    // ---- typed access to a read object

    /** The object's member as an object; fails (ClassCastException) when it is not one. */
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
