package dev.cinnabar.server.protocol;

/**
 * The reply sink every command handler writes to.
 *
 * <p>Handlers describe replies in Redis's data model; the sink decides the wire form. A RESP2
 * sink turns a map into a flat array, a double into a bulk string, a set into an array and the
 * several null kinds into {@code $-1} or {@code *-1}; a RESP3 sink uses the native types. Sinks
 * that do not speak RESP at all (the Lua bridge, MULTI's queued-reply buffer) implement the same
 * interface, so handlers never know where their reply goes.
 *
 * <p>Aggregates are written as a header with the element count followed by exactly that many
 * elements. When the count is not known in advance, use {@link #deferredArray()} and
 * {@link #finishDeferred(Object, int)}.
 */
public interface Reply {
    /** The protocol version the client negotiated (2 or 3). */
    int protocol();

    void simple(String s);

    /** An error reply; {@code msg} is the full text including its code, e.g. "ERR syntax error". */
    void error(String msg);

    void integer(long v);

    void bulk(byte[] b);

    void bulk(byte[] b, int off, int len);

    void bulk(String s);

    /** A missing value: {@code $-1} in RESP2, {@code _} in RESP3. */
    void nullBulk();

    /** A missing aggregate: {@code *-1} in RESP2, {@code _} in RESP3. */
    void nullArray();

    void array(int n);

    /** A map of {@code n} pairs: {@code %n} in RESP3, an array of 2n in RESP2. */
    void map(int n);

    /** A set: {@code ~n} in RESP3, an array in RESP2. */
    void set(int n);

    /** An out-of-band push: {@code >n} in RESP3, an array in RESP2. */
    void push(int n);

    /**
     * Writes a push (a pub/sub message or (un)subscribe confirmation, an invalidation message):
     * unlike replies, pushes are sent even while the client's replies are off (CLIENT REPLY
     * OFF/SKIP), as Redis sends what it writes with CLIENT_PUSHING set.
     */
    default void pushing(Runnable write) {
        write.run();
    }

    /** A double: {@code ,} in RESP3, a bulk string with Redis's formatting in RESP2. */
    void dbl(double d);

    /**
     * A double the caller has already formatted (GEOPOS and WITHCOORD use Redis's "human" long
     * double text, 17 decimals without trailing zeros): {@code ,text} in RESP3, a bulk string in
     * RESP2. Sinks that cannot write raw double text fall back to {@link #dbl(double)} in RESP3.
     */
    default void dblText(String text) {
        if (protocol() == 3) {
            dbl(Double.parseDouble(text));
        } else {
            bulk(text);
        }
    }

    /** A boolean: {@code #t/#f} in RESP3, integer 1/0 in RESP2. */
    void bool(boolean b);

    /** Verbatim text ({@code =} in RESP3, bulk in RESP2); format is a 3-letter type such as "txt". */
    void verbatim(String format, String text);

    /**
     * A big number given as its decimal digits: {@code (} in RESP3, a bulk string in RESP2 (and in
     * sinks that have no big number type).
     */
    default void bigNumber(String digits) {
        bulk(digits);
    }

    /**
     * Begins an attribute of {@code n} pairs, out-of-band data placed before a reply ({@code |n},
     * RESP3 only). Returns false when this sink carries no attributes (RESP2, scripts): the caller
     * then writes no pairs, only the reply that follows.
     */
    default boolean attribute(int n) {
        return false;
    }

    /** Begins an array whose length is not known yet; returns a handle for finishDeferred. */
    Object deferredArray();

    /** Begins a map whose pair count is not known yet. */
    Object deferredMap();

    /** Sets the element count (pairs for a map) of a deferred aggregate. */
    void finishDeferred(Object handle, int n);

    /** Errors written so far through this sink (the gate counts failed calls and errorstats). */
    long errorCount();

    /** The last error text written, or null. */
    String lastError();

    /**
     * Writes an error whose errorstats entry was already counted where it arose (a script returning
     * the error of a command it called: Redis's ERR_REPLY_FLAG_NO_STATS_UPDATE). The calling command
     * still counts it as a failed call.
     */
    default void errorCounted(String msg) {
        error(msg);
    }

    /** True when the last error written came through {@link #errorCounted}. */
    default boolean lastErrorCounted() {
        return false;
    }

    /** A position to come back to with {@link #resetTo} (what was written after it is dropped). */
    default long mark() {
        return -1;
    }

    /**
     * Drops what was written since {@code mark}, so that a command that failed half-way leaves no
     * half-written reply. Returns false when this sink cannot (then nothing was dropped).
     */
    default boolean resetTo(long mark) {
        return false;
    }

    /**
     * Bytes written as they are, outside RESP framing: the replication stream a master sends a
     * replica (the RDB payload, its EOF marker, the newline keep-alives, the propagated
     * commands, already RESP-encoded). Only a socket's sink can.
     */
    default void raw(byte[] b, int off, int len) {
        throw new UnsupportedOperationException("this reply sink carries no raw bytes");
    }

    default void ok() {
        simple("OK");
    }

    default void emptyArray() {
        array(0);
    }
}
