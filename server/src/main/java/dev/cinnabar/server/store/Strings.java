package dev.cinnabar.server.store;

import java.nio.charset.StandardCharsets;

/**
 * String values and their encodings, as Redis reports them with OBJECT ENCODING.
 *
 * <ul>
 *   <li>{@code Long}: "int" - a string that is the canonical decimal form of a 64-bit integer of at
 *       most 20 characters. Values 0..9999 are shared instances, like Redis's shared integers.
 *   <li>{@code byte[]}: "embstr" up to 44 bytes, "raw" beyond, for values stored by SET and friends.
 *   <li>{@link RawString}: "raw" - a growable buffer, made by APPEND and SETRANGE.
 * </ul>
 */
public final class Strings {
    public static final int EMBSTR_MAX = 44;
    public static final byte[] EMPTY = new byte[0];
    /** How many small integers are shared (Redis's OBJ_SHARED_INTEGERS). */
    public static final int SHARED_INTEGERS = 10000;
    private static final Long[] SHARED = new Long[SHARED_INTEGERS];

    static {
        for (int i = 0; i < SHARED.length; i++) {
            SHARED[i] = (long) i;
        }
    }

    private Strings() {
    }

    public static boolean isString(Object v) {
        return v instanceof byte[] || v instanceof Long || v instanceof RawString || v instanceof IntCounter;
    }

    /** The value to store for the given bytes: an int-encoded Long when it qualifies. */
    public static Object encode(byte[] b) {
        if (b.length <= 20 && b.length > 0) {
            long[] out = new long[1];
            if (Numbers.parseLongStrict(b, 0, b.length, out)) {
                return ofLong(out[0]);
            }
        }
        return b;
    }

    public static Long ofLong(long v) {
        return v >= 0 && v < SHARED.length ? SHARED[(int) v] : Long.valueOf(v);
    }

    /**
     * A boxed integer that is not one of the shared instances (OBJECT REFCOUNT 1), as Redis's
     * dupStringObject makes for COPY.
     */
    @SuppressWarnings("removal")
    public static Long unshared(long v) {
        return new Long(v);
    }

    /** True when v is one of the shared integers (0..9999), which are never changed in place. */
    public static boolean isSharedValue(long v) {
        return v >= 0 && v < SHARED.length;
    }

    public static boolean isShared(Object v) {
        return v instanceof Long l && l >= 0 && l < SHARED.length && SHARED[(int) (long) l] == l;
    }

    /** The bytes of a string value (a copy only for int and raw encodings). */
    public static byte[] bytes(Object v) {
        if (v instanceof byte[] b) {
            return b;
        }
        if (v instanceof Long l) {
            return Long.toString(l).getBytes(StandardCharsets.US_ASCII);
        }
        if (v instanceof IntCounter n) {
            return Long.toString(n.get()).getBytes(StandardCharsets.US_ASCII);
        }
        return ((RawString) v).toBytes();
    }

    /** The integer a string value holds (string2ll's strictness), or null when it is not one. */
    public static Long toLong(Object v) {
        if (v instanceof Long l) {
            return l;
        }
        if (v instanceof IntCounter n) {
            return n.get();
        }
        long[] out = new long[1];
        if (v instanceof byte[] b) {
            return Numbers.parseLongStrict(b, 0, b.length, out) ? out[0] : null;
        }
        RawString r = (RawString) v;
        return Numbers.parseLongStrict(r.array(), 0, r.length(), out) ? out[0] : null;
    }

    public static int length(Object v) {
        if (v instanceof byte[] b) {
            return b.length;
        }
        if (v instanceof Long l) {
            return Numbers.digits(l);
        }
        if (v instanceof IntCounter n) {
            return Numbers.digits(n.get());
        }
        return ((RawString) v).length();
    }

    public static String encoding(Object v) {
        if (v instanceof Long || v instanceof IntCounter) {
            return "int";
        }
        if (v instanceof byte[] b) {
            return b.length <= EMBSTR_MAX ? "embstr" : "raw";
        }
        return "raw";
    }
}
