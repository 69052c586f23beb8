package dev.cinnabar.server.store;

/** Type-independent views of stored values (TYPE, OBJECT ENCODING, COPY). */
public final class Values {
    private Values() {
    }

    public static String type(Object v) {
        if (v == null) {
            return "none";
        }
        if (v instanceof RValue r) {
            return r.type();
        }
        return "string";
    }

    public static String encoding(Object v) {
        if (v instanceof RValue r) {
            return r.encoding();
        }
        return Strings.encoding(v);
    }

    /** A deep copy of any stored value. Immutable encodings (byte[] never mutated, Long) are shared;
     * an {@link IntCounter} changes in place, so it is copied. */
    public static Object copy(Object v) {
        if (v instanceof RValue r) {
            return r.copy();
        }
        if (v instanceof RawString s) {
            return new RawString(s.toBytes());
        }
        if (v instanceof IntCounter n) {
            return new IntCounter(n.get());
        }
        return v;
    }
}
