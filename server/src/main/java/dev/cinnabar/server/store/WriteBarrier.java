package dev.cinnabar.server.store;

/**
 * The one place every mutation of a database passes through before it happens: {@link Db} calls
 * it before a key is added or removed, before a value is replaced or handed out for an in-place
 * change ({@link Db#lookupWrite} and write look-ups), before an expiry is set or removed, and
 * {@link Keyspace} before a whole database changes at once (flush, SWAPDB, a forced resize of its
 * table while resizing is suspended).
 *
 * <p>Used by the forkless snapshot (persistence/Snapshot: a writer about to touch a bucket the
 * snapshot has not reached serialises that bucket first), installed while it runs, and by the
 * memory accounting ({@link MemoryAccounting}), always observing; {@link Keyspace} composes them
 * ({@link #both}). Called under the execution lock; an implementation must be cheap when it has nothing to
 * do, since it runs on every write.
 */
public interface WriteBarrier {
    /** The barrier of a keyspace nobody observes. */
    WriteBarrier NONE = new WriteBarrier() {
        @Override
        public void beforeWrite(Db db, byte[] key, Dict.Entry live) {
        }

        @Override
        public void beforeWholeDb(Db db) {
        }
    };

    /**
     * Before key's entry in db changes: added, removed, value replaced or mutated, expiry changed.
     * {@code live} is the key's entry when the caller holds it and the change leaves that entry in
     * the dict (a value replaced or mutated in place, an expiry set); null when the key is being
     * added or removed, so an observer that needs the entry after the change finds it again.
     */
    void beforeWrite(Db db, byte[] key, Dict.Entry live);

    /**
     * Before a value found by a read look-up is handed out. Some commands change values they
     * looked up for reading (XACK, XGROUP and XREADGROUP change a stream's groups after a read
     * look-up, as Redis's own code does), so an observer that must see every change before it
     * happens (the snapshot) treats this as {@link #beforeWrite}; others ignore it.
     */
    default void beforeLookup(Db db, byte[] key) {
    }

    /** Before db's whole content changes at once (flush, swap with another db, forced table growth). */
    void beforeWholeDb(Db db);

    /** Both barriers, first then second (NONE on either side gives the other one back). */
    static WriteBarrier both(WriteBarrier first, WriteBarrier second) {
        if (first == NONE) {
            return second;
        }
        if (second == NONE) {
            return first;
        }
        return new WriteBarrier() {
            @Override
            public void beforeWrite(Db db, byte[] key, Dict.Entry live) {
                first.beforeWrite(db, key, live);
                second.beforeWrite(db, key, live);
            }

            @Override
            public void beforeLookup(Db db, byte[] key) {
                first.beforeLookup(db, key);
                second.beforeLookup(db, key);
            }

            @Override
            public void beforeWholeDb(Db db) {
                first.beforeWholeDb(db);
                second.beforeWholeDb(db);
            }
        };
    }
}
