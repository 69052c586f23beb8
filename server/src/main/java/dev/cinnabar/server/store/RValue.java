package dev.cinnabar.server.store;

/**
 * A non-string value stored in the keyspace (list, hash, set, zset, stream). Strings are stored as
 * plain {@code byte[]}, {@code Long} or {@link RawString} for compactness (see {@link Strings}).
 *
 * <p>Types hide their encodings: commands call type methods, never branch on the encoding; the
 * type converts itself at the thresholds in the configuration (e.g. listpack to quicklist).
 */
public interface RValue {
    /** The name TYPE reports: "list", "hash", "set", "zset", "stream". */
    String type();

    /** The name OBJECT ENCODING reports: "listpack", "quicklist", "intset", "hashtable", "skiplist", "stream". */
    String encoding();

    /** A deep copy, for COPY (the copy must share no mutable state with this value). */
    RValue copy();

    /** True when the value holds no elements (empty aggregates are deleted from the keyspace). */
    boolean isEmpty();
}
