package dev.cinnabar.server.multi;

import dev.cinnabar.server.command.CommandSpec;
import dev.cinnabar.server.store.Db;
import dev.cinnabar.server.util.BytesKey;
import java.util.ArrayList;
import java.util.List;

/**
 * A client's transaction state (Redis's multiState plus the CLIENT_MULTI / DIRTY_CAS / DIRTY_EXEC
 * flags and the watched-keys list), kept in {@code Client.multiState}.
 */
final class MultiState {
    /** A command queued between MULTI and EXEC, with the arguments as received. */
    record Queued(CommandSpec cmd, byte[][] argv, int argc) {
    }

    /**
     * A WATCHed key; {@code expired} records that it had already expired when watched. {@code
     * existed} is whether the key is in the db: it cannot change while the watch is clean (any
     * change signals and dirties the watcher), except by the deletion of an already-expired key,
     * which clears it. FLUSHDB/SWAPDB read it because they report only after the fact.
     */
    static final class Watched {
        final Db db;
        final BytesKey key;
        boolean expired;
        boolean existed;

        Watched(Db db, BytesKey key, boolean expired, boolean existed) {
            this.db = db;
            this.key = key;
            this.expired = expired;
            this.existed = existed;
        }
    }

    boolean inMulti;
    /** A queue-time error happened: EXEC must abort with EXECABORT. */
    boolean dirtyExec;
    /** A watched key was touched: EXEC must return a null array. */
    boolean dirtyCas;
    final List<Queued> queue = new ArrayList<>();
    /** Bytes of queued arguments, bounded by client-query-buffer-limit. */
    long queuedBytes;
    final List<Watched> watched = new ArrayList<>();

    void clearQueue() {
        inMulti = false;
        dirtyExec = false;
        queue.clear();
        queuedBytes = 0;
    }
}
