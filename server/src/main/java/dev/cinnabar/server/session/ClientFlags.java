package dev.cinnabar.server.session;

/**
 * Redis's client flags that CLIENT LIST shows, as bits of {@link Client#flags}. Feature packages set
 * and clear the bits they own (MULTI sets {@link #MULTI}, pub/sub {@link #PUBSUB}, ...); the
 * connection package only renders them and derives the client type from them.
 *
 * <p>{@link #letters(int)} prints them in Redis's order, "N" when none is set.
 */
public final class ClientFlags {
    private ClientFlags() {
    }

    /** A replica connection (S), or with {@link #MONITOR} a MONITOR client (O). */
    public static final int REPLICA = 1;
    /** Set together with REPLICA by MONITOR. */
    public static final int MONITOR = 1 << 1;
    /** Our connection to our master (M). */
    public static final int MASTER = 1 << 2;
    /** Subscribed to at least one channel or pattern (P). */
    public static final int PUBSUB = 1 << 3;
    /** Inside MULTI (x). */
    public static final int MULTI = 1 << 4;
    /** Blocked in a blocking command (b). */
    public static final int BLOCKED = 1 << 5;
    /** Client-side caching tracking on (t). */
    public static final int TRACKING = 1 << 6;
    /** Tracking redirection target is gone (R). */
    public static final int TRACKING_BROKEN_REDIR = 1 << 7;
    /** Tracking in broadcast mode (B). */
    public static final int TRACKING_BCAST = 1 << 8;
    /** A WATCHed key was modified, EXEC will fail (d). */
    public static final int DIRTY_CAS = 1 << 9;
    /** Closes once its pending replies are written (c). */
    public static final int CLOSE_AFTER_REPLY = 1 << 10;
    /** Was unblocked and has pending requests to run (u). */
    public static final int UNBLOCKED = 1 << 11;
    /** Scheduled to be closed as soon as possible (A). */
    public static final int CLOSE_ASAP = 1 << 12;
    /** Cluster READONLY mode (r). */
    public static final int READONLY = 1 << 13;
    /** Excluded from client eviction (e). */
    public static final int NO_EVICT = 1 << 14;
    /** Connected through the Unix domain socket (U). */
    public static final int UNIX_SOCKET = 1 << 15;
    /** The client scripts run their redis.call commands as (not shown: Redis's CLIENT_SCRIPT). */
    public static final int SCRIPT = 1 << 16;
    /** The client the AOF is replayed through (not shown: Redis's CLIENT_ID_AOF). */
    public static final int AOF_LOADER = 1 << 17;

    /**
     * Redis's mustObeyClient: commands from our master or from the AOF being loaded were already
     * accepted once and carry their rewritten, deterministic form, so they run without the limits
     * a user's command gets (an XADD's trimming LIMIT, RESTORE's payload sanitising).
     */
    public static boolean mustObey(int flags) {
        return (flags & (MASTER | AOF_LOADER)) != 0;
    }

    private static final int[] ORDER = {MASTER, PUBSUB, MULTI, BLOCKED, TRACKING, TRACKING_BROKEN_REDIR,
        TRACKING_BCAST, DIRTY_CAS, CLOSE_AFTER_REPLY, UNBLOCKED, CLOSE_ASAP, UNIX_SOCKET, READONLY, NO_EVICT};
    private static final char[] LETTER = {'M', 'P', 'x', 'b', 't', 'R', 'B', 'd', 'c', 'u', 'A', 'U', 'r', 'e'};

    /** The flags field of CLIENT LIST. */
    public static String letters(int flags) {
        StringBuilder sb = new StringBuilder(4);
        if ((flags & REPLICA) != 0) {
            sb.append((flags & MONITOR) != 0 ? 'O' : 'S');
        }
        for (int i = 0; i < ORDER.length; i++) {
            if ((flags & ORDER[i]) != 0) {
                sb.append(LETTER[i]);
            }
        }
        return sb.length() == 0 ? "N" : sb.toString();
    }

    /** The client classes of CLIENT LIST TYPE, CLIENT KILL TYPE and client-output-buffer-limit. */
    public enum Type {
        NORMAL, REPLICA, PUBSUB, MASTER;

        /** Parses a TYPE argument ("slave" is an alias of "replica"); null when unknown. */
        public static Type parse(String s) {
            return switch (s.toLowerCase()) {
                case "normal" -> NORMAL;
                case "replica", "slave" -> REPLICA;
                case "pubsub" -> PUBSUB;
                case "master" -> MASTER;
                default -> null;
            };
        }
    }

    /** Redis's getClientType: MONITOR clients count as normal. */
    public static Type type(int flags) {
        if ((flags & MASTER) != 0) {
            return Type.MASTER;
        }
        if ((flags & REPLICA) != 0 && (flags & MONITOR) == 0) {
            return Type.REPLICA;
        }
        if ((flags & PUBSUB) != 0) {
            return Type.PUBSUB;
        }
        return Type.NORMAL;
    }
}
