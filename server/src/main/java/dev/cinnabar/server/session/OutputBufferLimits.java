package dev.cinnabar.server.session;

import dev.cinnabar.server.config.ClientOutputBufferLimits;

/**
 * Enforces client-output-buffer-limit (parsed by the config package): per client class a hard
 * limit, a soft limit and the soft limit's time window. A client whose pending output reaches the
 * hard limit, or stays over the soft limit for longer than the window, is closed (Redis's
 * checkClientOutputBufferLimits). Zero disables a limit; masters have none; MONITOR clients count
 * as normal. Replicas are not checked here: their output is their part of the replication buffer
 * the backlog shares, which the replication package checks against the replica class.
 */
public final class OutputBufferLimits {
    private OutputBufferLimits() {
    }

    /**
     * Pending output at which a client that no limit bounds (no output buffer limit for its class,
     * no client eviction for it) stops being read until its socket drains: our bound where Redis
     * would let its output grow without one.
     */
    public static final long UNBOUNDED_PAUSE = 64L << 20;

    /** The limits of a client type, or null for masters and replicas. */
    public static ClientOutputBufferLimits.Limit limit(ClientOutputBufferLimits all, ClientFlags.Type t) {
        return switch (t) {
            case NORMAL -> all.normal();
            case REPLICA -> null; // the replication package applies it to the shared replication buffer
            case PUBSUB -> all.pubsub();
            case MASTER -> null;
        };
    }

    /** True when the limit can ever close a client (so the hot path can skip the check). */
    public static boolean active(ClientOutputBufferLimits.Limit l) {
        return l != null && (l.hardBytes() > 0 || l.softBytes() > 0);
    }

    /**
     * The check for one client, given its pending output and the time (ms) it went over the soft
     * limit (0 if it is not over). Returns -1 when the client must be closed, else the soft-limit
     * time to keep. Over the soft limit, the client is closed once it has stayed there for more
     * than the window's seconds, counted in whole seconds as Redis counts them.
     */
    public static long check(ClientOutputBufferLimits.Limit l, long pending, long nowMillis, long softSince) {
        if (l == null) {
            return 0;
        }
        if (l.hardBytes() > 0 && pending >= l.hardBytes()) {
            return -1;
        }
        if (l.softBytes() > 0 && pending >= l.softBytes()) {
            if (softSince == 0) {
                return nowMillis;
            }
            return nowMillis / 1000 - softSince / 1000 > l.softSeconds() ? -1 : softSince;
        }
        return 0;
    }
}
