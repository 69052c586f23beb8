package dev.cinnabar.server.store;

import java.util.Arrays;

/**
 * The dataset's heap bytes, kept up to date incrementally through the {@link WriteBarrier}: the
 * figure behind used_memory and maxmemory (a JVM has no malloc counter to read, and the heap in
 * use includes garbage, so it cannot drive eviction).
 *
 * <p>How: before a key changes, the barrier charges what the key costs now (its estimate by
 * {@link MemoryUsage#accounted}) to a pending list; when the change is complete ({@link #settle}:
 * after each command, before any reading of the total, before a whole database changes) the key is
 * estimated again and the difference goes to its database's {@code accountedBytes}. Since the
 * estimate is a deterministic function of the stored state, the deltas telescope: each database's
 * total is the sum of the current estimates of its keys, without ever walking it. FLUSHDB and
 * SWAPDB move whole totals ({@link Db#flush}, {@link Db#swapWith}).
 *
 * <p>Cost per write: two estimates of the key, each bounded by {@link #SAMPLES} elements for
 * aggregates (compact encodings are measured whole; they are small by the encoding thresholds),
 * and no dict look-up when the writer hands over the key's entry (the barrier's {@code live}): a
 * key added or removed is looked up once more when the command ends. Expiries are charged by
 * {@link Db} as they are set and removed (a fixed size each).
 * A command touching more than {@link #MAX_PENDING} keys settles the oldest ones early; a value
 * changed by a read look-up (XREADGROUP adding to a consumer group) is re-estimated at its next
 * write. Under the execution lock only.
 */
public final class MemoryAccounting implements WriteBarrier {
    /** Elements sampled per aggregate value per estimate. */
    public static final int SAMPLES = 16;
    static final int MAX_PENDING = 64;

    private final Keyspace ks;
    private final Db[] dbs = new Db[MAX_PENDING];
    private final byte[][] keys = new byte[MAX_PENDING][];
    /** The key's entry when it stays in the dict through the command (no second look-up), else null. */
    private final Dict.Entry[] entries = new Dict.Entry[MAX_PENDING];
    private final long[] before = new long[MAX_PENDING];
    private int pending;

    private MemoryAccounting(Keyspace ks) {
        this.ks = ks;
    }

    /** Creates the accounting of ks and makes it observe every write from now on (start-up, empty keyspace). */
    public static MemoryAccounting attach(Keyspace ks) {
        MemoryAccounting a = new MemoryAccounting(ks);
        ks.observe(a);
        return a;
    }

    @Override
    public void beforeWrite(Db db, byte[] key, Dict.Entry live) {
        for (int i = pending - 1; i >= 0; i--) {
            Dict.Entry e = entries[i];
            if (dbs[i] == db && (e != null && live != null ? e == live : keys[i] == key || Arrays.equals(keys[i], key))) {
                if (live == null) {
                    entries[i] = null; // added or removed: the entry, if any, is found again at the end
                }
                return; // already charged at its state before this command
            }
        }
        if (pending == MAX_PENDING) {
            settle();
        }
        dbs[pending] = db;
        keys[pending] = key;
        entries[pending] = live;
        before[pending] = live != null ? estimate(live) : estimate(db.keys.find(key));
        pending++;
    }

    @Override
    public void beforeWholeDb(Db db) {
        settle();
    }

    /** Applies the pending changes to the databases' totals. */
    public void settle() {
        for (int i = 0; i < pending; i++) {
            Db db = dbs[i];
            Dict.Entry e = entries[i];
            db.charge(estimate(e != null ? e : db.keys.find(keys[i])) - before[i]);
            dbs[i] = null;
            keys[i] = null;
            entries[i] = null;
        }
        pending = 0;
    }

    /**
     * What a key costs, its expiry aside: {@link Db} charges and refunds an expiry itself as it
     * sets or removes one (no look-up in the expires dict here).
     */
    private static long estimate(Dict.Entry e) {
        return e == null ? 0 : MemoryUsage.accounted(e.key, e.value, SAMPLES);
    }

    /** The dataset's bytes: every key, entry, value and expiry (settles first). */
    public long keysBytes() {
        settle();
        return ks.accountedTotal; // the databases' sum, kept as they change (read before every command)
    }

    /** The databases' bucket arrays: 4 bytes per slot of both dicts (Redis counts them as overhead). */
    public long tablesBytes() {
        return 4L * ks.slots.total();
    }

    /** The main and expires dicts' entries of db (32 bytes each), part of Redis's overhead figure. */
    public static long entriesBytes(Db db) {
        return 32L * db.keys.size() + MemoryUsage.EXPIRE_ENTRY * db.expires.size();
    }

    /** What this database's keys are charged (settles first). */
    public long bytesOf(Db db) {
        settle();
        return db.accountedBytes;
    }
}
