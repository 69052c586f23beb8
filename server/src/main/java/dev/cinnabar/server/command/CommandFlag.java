package dev.cinnabar.server.command;

/**
 * Command flags, as COMMAND reports them. The gate reads these, never command names.
 *
 * <ul>
 *   <li>WRITE: may modify the keyspace; refused on read-only replicas and by EVAL_RO, propagated.
 *   <li>READONLY: only reads data.
 *   <li>DENYOOM: may grow memory; refused with OOM when over maxmemory after eviction.
 *   <li>ADMIN: administrative; ACL category dangerous.
 *   <li>PUBSUB: pub/sub related.
 *   <li>NOSCRIPT: not allowed from Lua scripts.
 *   <li>BLOCKING: may block the client.
 *   <li>LOADING: allowed while the dataset loads.
 *   <li>STALE: allowed on a replica with a stale dataset.
 *   <li>SKIP_MONITOR / SKIP_SLOWLOG: not shown in MONITOR / not logged in SLOWLOG.
 *   <li>ASKING: allowed on an importing slot (cluster).
 *   <li>FAST: O(1) or O(log N); used for latency accounting and the @fast category.
 *   <li>NO_AUTH: allowed before authentication.
 *   <li>MAY_REPLICATE: may produce replication traffic even if not a write (PUBLISH, EVAL...): CLIENT
 *       PAUSE WRITE postpones it, read-only scripts may not call it. Redis 7.0's COMMAND does not
 *       show it ({@link #reported}).
 *   <li>NO_MANDATORY_KEYS: may take zero keys despite having key specs.
 *   <li>NO_ASYNC_LOADING: refused during async loading.
 *   <li>NO_MULTI: refused inside MULTI.
 *   <li>MOVABLEKEYS: key positions depend on arguments (computed by COMMAND, not declared).
 *   <li>ALLOW_BUSY: allowed while a script or function is busy.
 * </ul>
 */
public enum CommandFlag {
    WRITE, READONLY, DENYOOM, MODULE, ADMIN, PUBSUB, NOSCRIPT, BLOCKING, LOADING, STALE, SKIP_MONITOR,
    SKIP_SLOWLOG, ASKING, FAST, NO_AUTH, MAY_REPLICATE, SENTINEL, ONLY_SENTINEL, NO_MANDATORY_KEYS,
    PROTECTED, NO_ASYNC_LOADING, NO_MULTI, MOVABLEKEYS, ALLOW_BUSY, TOUCHES_ARBITRARY_KEYS;

    /** False for a flag Redis 7.0's COMMAND does not show (may_replicate, touches_arbitrary_keys). */
    public boolean reported() {
        return this != MAY_REPLICATE && this != TOUCHES_ARBITRARY_KEYS;
    }

    /** The name COMMAND prints, e.g. "no_auth". */
    public String wireName() {
        return name().toLowerCase();
    }

    public static CommandFlag parse(String wire) {
        return valueOf(wire.toUpperCase());
    }
}
