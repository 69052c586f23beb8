package dev.cinnabar.server.memory;

import dev.cinnabar.server.session.Client;
import dev.cinnabar.server.session.ClientFlags;
import dev.cinnabar.server.session.ClientInfo;
import dev.cinnabar.server.session.Connection;

/**
 * Replies whose length the data does not bound: HRANDFIELD, SRANDMEMBER and ZRANDMEMBER with a
 * negative count repeat picks as often as the client asks. Redis builds such a reply element by
 * element and stops as soon as the client is scheduled to close (its output buffer limit was
 * passed), so a huge count costs a closed connection, not the server's memory. The loops here do
 * the same: every {@link #CHECK_EVERY} elements they ask {@link #stop}, which closes the client
 * when its output passed its class's limit, or, for a client no limit bounds, the heap guard's cap
 * on the replies of one batch ({@link HeapGuard#batchReplyCap}). Under the execution lock.
 */
public final class LongReply {
    /** Elements between two checks of the client's output. */
    public static final int CHECK_EVERY = 1024;
    /**
     * The most repeated picks a client without a connection (a script's redis.call, which has no
     * output limit to stop it) may ask for: its reply is built whole in memory.
     */
    static final long MAX_WITHOUT_CONNECTION = 10_000_000;

    private LongReply() {
    }

    /**
     * True when a reply of {@code elements} cannot be started: its length does not fit an array
     * header here, or nothing would stop it (no connection) and it is over
     * {@link #MAX_WITHOUT_CONNECTION}. The caller replies Redis's out-of-range error.
     */
    public static boolean refuse(Client c, long elements) {
        if (elements > Integer.MAX_VALUE) {
            return true;
        }
        Connection conn = c.connection();
        return (conn == null || conn == Connection.NONE) && elements > MAX_WITHOUT_CONNECTION;
    }

    /**
     * Called with the count of elements written so far: every {@link #CHECK_EVERY} of them, true
     * when the reply must stop because its client has been closed for its output.
     */
    public static boolean stop(Client c, long written) {
        if (written % CHECK_EVERY != 0 || written == 0) {
            return false;
        }
        Connection conn = c.connection();
        if (conn == null || conn == Connection.NONE) {
            return false;
        }
        if (conn.checkOutputLimits()) {
            return true; // over its class's limit: closed, Redis's CLIENT_CLOSE_ASAP
        }
        HeapGuard g = HeapGuard.of(c.server());
        if (g == null || conn.pendingOutputBytes() <= g.batchReplyCap()) {
            return false;
        }
        c.server().log().warning("Closing client whose reply would exhaust the heap (over " + g.batchReplyCap()
                + " bytes, heap-safety-margin): " + ClientInfo.describe(c));
        c.flags |= ClientFlags.CLOSE_ASAP;
        c.server().clients().memory().remove(c);
        conn.close();
        return true;
    }
}
