package dev.cinnabar.server.store;

/**
 * What the keyspace tells the rest of the server, and asks of it. The store knows nothing of
 * clients, RESP or the network; the server implements these to drive WATCH, client tracking,
 * keyspace notifications, blocked clients and propagation of expiry deletes.
 */
public interface KeyspaceHooks {
    /** The cached time of the command being executed, in ms (Redis's commandTimeSnapshot). */
    long now();

    /** True on a replica: expired keys read as missing but are deleted only by the master's DEL. */
    default boolean isReplica() {
        return false;
    }

    /**
     * True on a replica with replica-read-only yes: even a write's look-up leaves a logically
     * expired key in place (only the master's DEL removes it), as Redis 7.0's lookupKey, which
     * forces the deletion on writable replicas only.
     */
    default boolean readOnlyReplica() {
        return false;
    }

    /**
     * True on a replica while the command being executed comes from its master: a key whose TTL
     * passed by the replica's clock still exists for it (the master has not expired it yet, and
     * its DEL will follow), as Redis's expireIfNeeded.
     */
    default boolean servingMaster() {
        return false;
    }

    /**
     * True while writes are paused (CLIENT PAUSE WRITE or ALL): expired keys read as missing but
     * are not deleted, and the active expire cycle does not run (Redis's
     * checkClientPauseTimeoutAndReturnIfPaused), so a paused server changes no data.
     */
    default boolean expiryPaused() {
        return false;
    }

    /**
     * True while the AOF is replayed: no key expires (lazily or actively) and an expiry time in the
     * past is set as given, so the file's commands find the keys they found when they first ran
     * (Redis's keyIsExpired and checkAlreadyExpired while server.loading).
     */
    default boolean loading() {
        return false;
    }

    /** A key was modified (signalModifiedKey): invalidates WATCH and client-side caches. */
    default void keyModified(Db db, byte[] key) {
    }

    /** A keyspace event of the given class occurred (notifyKeyspaceEvent). */
    default void notify(int type, String event, byte[] key, int dbId) {
    }

    /** A key was deleted because it expired: propagate the DEL to replicas and the AOF. */
    default void keyExpired(Db db, byte[] key) {
    }

    /** A key that blocked clients may wait on now holds data (signalKeyAsReady). */
    default void keyReady(Db db, byte[] key) {
    }

    /** A whole database was emptied or swapped (FLUSHDB/FLUSHALL/SWAPDB): WATCH and tracking. */
    default void dbChanged(Db db) {
    }

    /** SWAPDB exchanged the contents of a and b; by default the same as a change of each. */
    default void dbsSwapped(Db a, Db b) {
        dbChanged(a);
        dbChanged(b);
    }

    KeyspaceHooks NONE = System::currentTimeMillis;
}
