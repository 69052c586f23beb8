package dev.cinnabar.server.persistence.rdb;

import dev.cinnabar.server.store.Db;
import dev.cinnabar.server.store.Dict;
import dev.cinnabar.server.store.Keyspace;
import java.util.Arrays;

/**
 * Keys taken under the execution lock and written as RDB records later, without it: what lets a
 * snapshot serialise a slice of the dataset while writers run (persistence/Snapshot).
 *
 * <p>{@link #add} reads under the lock everything of a key that lives outside its value, or that
 * reading changes: the key and value references, the expiry (a look-up in the expires dict, which
 * may step its rehash) and the LRU idle time or LFU frequency. {@link #writeTo} then reads only
 * the keys and values; the caller guarantees nobody changes those values meanwhile (the snapshot's
 * write barrier makes a writer wait for the batch first). Cost under the lock: three array stores
 * and an expires look-up per key.
 *
 * <p>For a database without expiries the batch can instead take whole buckets ({@link #chains}):
 * only the heads of their chains are copied under the lock (one array copy), and the entries
 * themselves (key, value, LRU/LFU) are read by {@link #writeTo}, which is sound because nothing
 * may change those buckets, their entries or their values until the batch is written.
 */
public final class KeyBatch {
    private final boolean lruPolicy;
    private byte[][] keys = new byte[64][];
    private Object[] values = new Object[64];
    private long[] expires = new long[64];
    private long[] metas = new long[64];
    private int[] metaOps = new int[64];
    private int n;
    private Dict.Entry[] heads = new Dict.Entry[0];
    private int headCount;
    private Keyspace chainKs;
    private int chainOp;

    /** A batch for a save that keeps idle times under an LRU policy (LFU frequencies follow the keyspace's mode). */
    public KeyBatch(boolean lruPolicy) {
        this.lruPolicy = lruPolicy;
    }

    /** Takes key entry e of db (under the execution lock). */
    public void add(Keyspace ks, Db db, Dict.Entry e) {
        if (n == keys.length) {
            int cap = 2 * n;
            keys = Arrays.copyOf(keys, cap);
            values = Arrays.copyOf(values, cap);
            expires = Arrays.copyOf(expires, cap);
            metas = Arrays.copyOf(metas, cap);
            metaOps = Arrays.copyOf(metaOps, cap);
        }
        int op = RdbFile.metaOp(ks, lruPolicy);
        keys[n] = e.key();
        values[n] = e.value();
        expires[n] = db.getExpire(e.key());
        metaOps[n] = op;
        metas[n] = RdbFile.meta(ks, e, op);
        n++;
    }

    public int size() {
        return n;
    }

    /**
     * The array to copy bucket heads into for {@link #chains} (at least count long; null slots are
     * skipped).
     */
    public Dict.Entry[] heads(int count) {
        if (heads.length < count) {
            heads = new Dict.Entry[count];
        }
        return heads;
    }

    /**
     * Takes the first count heads of {@link #heads} (under the lock): their chains are written by
     * {@link #writeTo}, without expiries (the caller's database has none).
     */
    public void chains(Keyspace ks, int count) {
        chainKs = ks;
        chainOp = RdbFile.metaOp(ks, lruPolicy);
        headCount = count;
    }

    /** Writes the keys taken, in order, as RDB records (no lock needed); returns how many. */
    public int writeTo(RdbBuffer out) {
        for (int i = 0; i < n; i++) {
            RdbFile.writeKey(out, keys[i], values[i], expires[i], metaOps[i], metas[i]);
        }
        int written = n;
        for (int i = 0; i < headCount; i++) {
            for (Dict.Entry e = heads[i]; e != null; e = e.next()) {
                RdbFile.writeKey(out, e.key(), e.value(), -1, chainOp, RdbFile.meta(chainKs, e, chainOp));
                written++;
            }
        }
        return written;
    }

    /** Empties the batch, dropping its references so the values it held can be collected. */
    public void clear() {
        Arrays.fill(keys, 0, n, null);
        Arrays.fill(values, 0, n, null);
        n = 0;
        Arrays.fill(heads, 0, headCount, null);
        headCount = 0;
    }
}
