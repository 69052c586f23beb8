package dev.cinnabar.server.store;

import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/**
 * The keyspace hash table: byte-string keys, chained buckets, power-of-two sizes and incremental
 * rehashing, after Redis's dict.
 *
 * <p>Why not java.util.HashMap: we need Redis's SCAN guarantee (a key present for the whole scan
 * is returned at least once, even while the table grows or shrinks), which depends on the
 * reverse-binary cursor over power-of-two tables; we need resizing spread over many operations
 * rather than one long pause; fair random sampling for eviction and RANDOMKEY; and a small
 * per-key footprint (an entry is 32 bytes with compressed oops).
 *
 * <p>Invariants: while rehashing ({@code rehashIdx >= 0}) buckets of t0 below rehashIdx are empty
 * and new entries go to t1; every lookup, insert and delete moves one bucket. Resizing can be
 * suspended ({@link #resizeAllowed(boolean)}) while a snapshot walks the table; the table then only
 * grows when the load factor passes 5, as Redis does during a fork.
 *
 * <p>Not thread-safe: used only under the server's execution lock.
 */
public final class Dict {
    /** One key and its value. The key array is never mutated once stored. */
    public static final class Entry {
        final byte[] key;
        Object value;
        Entry next;
        final int hash;
        int lru; // LRU clock or LFU counter, see the eviction code

        Entry(byte[] key, int hash, Object value) {
            this.key = key;
            this.hash = hash;
            this.value = value;
        }

        public byte[] key() {
            return key;
        }

        public Object value() {
            return value;
        }

        public void value(Object v) {
            this.value = v;
        }

        public int lru() {
            return lru;
        }

        public void lru(int v) {
            this.lru = v;
        }

        /** The next entry of the same bucket (a snapshot walks the buckets it took with {@link #bucketHeads}). */
        public Entry next() {
            return next;
        }
    }

    private static final Entry[] EMPTY = new Entry[0];
    private static final int INITIAL = 4;
    private static final int FORCE_RESIZE_RATIO = 5;

    private Entry[] t0 = EMPTY;
    /** The bucket slots of this dict and the others sharing the count (a keyspace's), kept as tables come and go. */
    private final Slots slots;

    /** A running total of bucket slots over several dicts: the memory accounting reads it in O(1). */
    public static final class Slots {
        long total;

        public long total() {
            return total;
        }
    }

    public Dict() {
        this(new Slots());
    }

    public Dict(Slots slots) {
        this.slots = slots;
    }
    private Entry[] t1;
    private int used0;
    private int used1;
    private int rehashIdx = -1;
    private boolean resizeAllowed = true;
    private ExpandPolicy expandPolicy;

    /**
     * Whether the table may grow now (Redis's dictType expandAllowed): asked before a full table
     * starts growing, with the bucket count of the table it would grow to and the current load
     * factor (entries per bucket). Refusing keeps the table as it is; the entries chain up.
     */
    @FunctionalInterface
    public interface ExpandPolicy {
        boolean allowed(int newBuckets, double loadFactor);
    }

    public int size() {
        return used0 + used1;
    }

    public boolean isRehashing() {
        return rehashIdx >= 0;
    }

    /** Total bucket count (both tables), for INFO and tests. */
    public int buckets() {
        return t0.length + (t1 == null ? 0 : t1.length);
    }

    public void resizeAllowed(boolean v) {
        resizeAllowed = v;
    }

    /**
     * Installs the expand policy (null: always allowed). Separate from {@link #resizeAllowed}: a
     * snapshot suspends resizing, the policy vetoes a growth the memory limit cannot afford.
     */
    public void expandPolicy(ExpandPolicy p) {
        expandPolicy = p;
    }

    /**
     * True when the next insertion will grow the table although resizing is suspended (the load
     * factor passed 5): the buckets are about to be redistributed.
     */
    public boolean wouldForceGrow() {
        return !resizeAllowed && rehashIdx < 0 && t0.length > 0 && used0 >= t0.length
                && used0 / t0.length > FORCE_RESIZE_RATIO;
    }

    /** Sizes an empty table for n entries at once (a load knows its key count), so it does not grow step by step. */
    public void presize(int n) {
        if (size() == 0 && rehashIdx < 0 && n > t0.length) {
            slots.total -= t0.length;
            t0 = new Entry[tableSizeFor(n)];
            slots.total += t0.length;
        }
    }

    /** Completes a rehash in progress, so every entry is in the main table. */
    public void finishRehash() {
        while (rehash(1024)) {
            // each call moves up to 1024 buckets
        }
    }

    /**
     * One table's shape for DEBUG HTSTATS: its bucket count, its entries, and how many buckets
     * hold chains of each length (index = length, the last slot counting every longer chain), and
     * the longest chain.
     */
    public record TableStats(int buckets, int entries, long[] chainLengths, int longest) {}

    /** The stats of table 0 (main) or 1 (the rehash target), null when that table is absent. A walk of the table. */
    public TableStats tableStats(int which, int maxLength) {
        Entry[] t = which == 0 ? t0 : t1;
        if (t == null) {
            return null;
        }
        long[] lengths = new long[maxLength + 1];
        int longest = 0;
        for (Entry head : t) {
            int len = 0;
            for (Entry e = head; e != null; e = e.next) {
                len++;
            }
            lengths[Math.min(len, maxLength)]++;
            longest = Math.max(longest, len);
        }
        return new TableStats(t.length, which == 0 ? used0 : used1, lengths, longest);
    }

    /** Bucket count of the main table (while not rehashing, the only table). */
    public int tableLength() {
        return t0.length;
    }

    /** The main-table bucket key falls in (meaningful while not rehashing). */
    public int bucketOf(byte[] key) {
        return t0.length == 0 ? 0 : Hashing.hash(key) & (t0.length - 1);
    }

    /** Visits the entries of one main-table bucket (no modification during the visit). */
    public void forEachInBucket(int bucket, Consumer<Entry> visitor) {
        emit(t0[bucket], visitor);
    }

    /**
     * Copies the heads of main-table buckets [from, to) into dest (a snapshot walks their chains
     * later without the lock, while its write barrier keeps anyone from changing them).
     */
    public void bucketHeads(int from, int to, Entry[] dest) {
        System.arraycopy(t0, from, dest, 0, to - from);
    }

    public Entry find(byte[] key) {
        if (size() == 0) {
            return null;
        }
        if (rehashIdx >= 0) {
            rehashStep();
        }
        int h = Hashing.hash(key);
        Entry e = t0.length == 0 ? null : t0[h & (t0.length - 1)];
        for (; e != null; e = e.next) {
            if (e.hash == h && Arrays.equals(e.key, key)) {
                return e;
            }
        }
        if (t1 != null) {
            for (e = t1[h & (t1.length - 1)]; e != null; e = e.next) {
                if (e.hash == h && Arrays.equals(e.key, key)) {
                    return e;
                }
            }
        }
        return null;
    }

    public Object get(byte[] key) {
        Entry e = find(key);
        return e == null ? null : e.value;
    }

    /** Sets key to value; returns the entry (new or existing). */
    public Entry put(byte[] key, Object value) {
        Entry e = find(key);
        if (e != null) {
            e.value = value;
            return e;
        }
        return addNew(key, value);
    }

    /** Inserts a key the caller knows is absent. */
    public Entry addNew(byte[] key, Object value) {
        if (rehashIdx >= 0) {
            rehashStep();
        }
        expandIfNeeded();
        int h = Hashing.hash(key);
        Entry e = new Entry(key, h, value);
        if (t1 != null) {
            int i = h & (t1.length - 1);
            e.next = t1[i];
            t1[i] = e;
            used1++;
        } else {
            int i = h & (t0.length - 1);
            e.next = t0[i];
            t0[i] = e;
            used0++;
        }
        return e;
    }

    /** Removes key; returns the removed entry or null. */
    public Entry remove(byte[] key) {
        if (size() == 0) {
            return null;
        }
        if (rehashIdx >= 0) {
            rehashStep();
        }
        int h = Hashing.hash(key);
        Entry r = removeFrom(t0, h, key);
        if (r != null) {
            used0--;
            return r;
        }
        if (t1 != null) {
            r = removeFrom(t1, h, key);
            if (r != null) {
                used1--;
            }
        }
        return r;
    }

    private static Entry removeFrom(Entry[] t, int h, byte[] key) {
        if (t.length == 0) {
            return null;
        }
        int i = h & (t.length - 1);
        Entry prev = null;
        for (Entry e = t[i]; e != null; prev = e, e = e.next) {
            if (e.hash == h && Arrays.equals(e.key, key)) {
                if (prev == null) {
                    t[i] = e.next;
                } else {
                    prev.next = e.next;
                }
                e.next = null;
                return e;
            }
        }
        return null;
    }

    /** Exchanges the contents of two dicts (SWAPDB). */
    static void swap(Dict a, Dict b) {
        int la = a.buckets();
        int lb = b.buckets();
        a.slots.total += lb - la; // nothing moves when both share one count
        b.slots.total += la - lb;
        Entry[] t = a.t0;
        a.t0 = b.t0;
        b.t0 = t;
        t = a.t1;
        a.t1 = b.t1;
        b.t1 = t;
        int i = a.used0;
        a.used0 = b.used0;
        b.used0 = i;
        i = a.used1;
        a.used1 = b.used1;
        b.used1 = i;
        i = a.rehashIdx;
        a.rehashIdx = b.rehashIdx;
        b.rehashIdx = i;
    }

    public void clear() {
        slots.total -= buckets();
        t0 = EMPTY;
        t1 = null;
        used0 = used1 = 0;
        rehashIdx = -1;
    }

    private void expandIfNeeded() {
        if (rehashIdx >= 0) {
            return;
        }
        if (t0.length == 0) {
            t0 = new Entry[INITIAL];
            slots.total += INITIAL;
            return;
        }
        if (used0 >= t0.length && (resizeAllowed || used0 / t0.length > FORCE_RESIZE_RATIO)
                && (expandPolicy == null || expandPolicy.allowed(tableSizeFor(used0 + 1), (double) used0 / t0.length))) {
            startResize(used0 + 1);
        }
    }

    private static int tableSizeFor(int minSize) {
        int n = INITIAL;
        while (n < minSize && n < (1 << 30)) {
            n <<= 1;
        }
        return n;
    }

    private void startResize(int minSize) {
        int n = tableSizeFor(minSize);
        if (n == t0.length) {
            return;
        }
        t1 = new Entry[n];
        slots.total += n;
        used1 = 0;
        rehashIdx = 0;
    }

    /** Shrinks the table when under 10% full (called from the server cron, as Redis's tryResize). */
    public boolean shrinkIfNeeded() {
        if (rehashIdx >= 0 || !resizeAllowed) {
            return false;
        }
        if (t0.length > INITIAL && (long) used0 * 100 / t0.length < 10) {
            startResize(Math.max(used0, INITIAL));
            return true;
        }
        return false;
    }

    /** Moves one bucket (skipping up to 10 empty ones) from t0 to t1. */
    private void rehashStep() {
        rehash(1);
    }

    /** Moves up to n buckets; returns true while rehashing is still in progress. */
    public boolean rehash(int n) {
        if (rehashIdx < 0) {
            return false;
        }
        int emptyVisits = n * 10;
        while (n-- > 0 && used0 != 0) {
            while (t0[rehashIdx] == null) {
                rehashIdx++;
                if (--emptyVisits == 0) {
                    return true;
                }
            }
            Entry e = t0[rehashIdx];
            int mask1 = t1.length - 1;
            while (e != null) {
                Entry next = e.next;
                int i = e.hash & mask1;
                e.next = t1[i];
                t1[i] = e;
                used0--;
                used1++;
                e = next;
            }
            t0[rehashIdx] = null;
            rehashIdx++;
        }
        if (used0 == 0) {
            slots.total -= t0.length;
            t0 = t1;
            used0 = used1;
            t1 = null;
            used1 = 0;
            rehashIdx = -1;
            return false;
        }
        return true;
    }

    /**
     * Up to {@code out.length} entries from consecutive buckets, starting at a random one, into
     * {@code out}; returns how many (Redis's dictGetSomeKeys, what its eviction samples with).
     * Cheaper than as many {@link #randomEntry} calls on a large table: one random bucket, then
     * neighbours on the same cache lines, instead of a cache (and TLB) miss per sample and a
     * probe loop over empty buckets. After five empty buckets in a row (and more than the count)
     * it jumps to another random bucket; at most ten buckets per wanted entry are visited, so it
     * may return fewer. While the table is being rehashed both tables are visited at each index.
     */
    public int someEntries(Entry[] out) {
        int count = out.length;
        if (size() == 0 || count == 0) {
            return 0;
        }
        if (rehashIdx >= 0) {
            rehashStep();
        }
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        Entry[] a = t0;
        Entry[] b = t1;
        int mask = (b != null ? Math.max(a.length, b.length) : a.length) - 1;
        int i = rnd.nextInt() & mask;
        int stored = 0;
        int empty = 0;
        for (int steps = count * 10; steps > 0 && stored < count; steps--) {
            for (int t = 0; t < 2 && stored < count; t++) {
                Entry[] tab = t == 0 ? a : b;
                if (tab == null || i >= tab.length || (t == 0 && b != null && i < rehashIdx)) {
                    continue; // no such table, beyond it, or a bucket already moved to the new table
                }
                Entry e = tab[i];
                if (e == null) {
                    empty++;
                    continue;
                }
                empty = 0;
                for (; e != null && stored < count; e = e.next) {
                    out[stored++] = e;
                }
            }
            if (empty >= 5 && empty > count) {
                i = rnd.nextInt() & mask;
                empty = 0;
            } else {
                i = (i + 1) & mask;
            }
        }
        return stored;
    }

    /** A random entry, or null when empty (as dictGetRandomKey: a random non-empty bucket). */
    public Entry randomEntry() {
        if (size() == 0) {
            return null;
        }
        if (rehashIdx >= 0) {
            rehashStep();
        }
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        Entry head;
        if (t1 != null) {
            int s0 = t0.length;
            do {
                int i = rehashIdx + rnd.nextInt(s0 + t1.length - rehashIdx);
                head = i >= s0 ? t1[i - s0] : t0[i];
            } while (head == null);
        } else {
            int m = t0.length - 1;
            do {
                head = t0[rnd.nextInt() & m];
            } while (head == null);
        }
        int len = 0;
        for (Entry e = head; e != null; e = e.next) {
            len++;
        }
        int k = rnd.nextInt(len);
        Entry e = head;
        while (k-- > 0) {
            e = e.next;
        }
        return e;
    }

    /**
     * Visits the buckets for one SCAN step and returns the next cursor (0 when done). Guarantee:
     * an entry present from the first to the last call is visited at least once, whatever
     * resizing happens between calls. Entries may be visited more than once.
     */
    public long scan(long cursor, Consumer<Entry> visitor) {
        if (size() == 0) {
            return 0;
        }
        long v = cursor;
        if (t1 == null) {
            long m0 = t0.length - 1;
            emit(t0[(int) (v & m0)], visitor);
            v |= ~m0;
            v = Long.reverse(v);
            v++;
            v = Long.reverse(v);
        } else {
            Entry[] small = t0;
            Entry[] large = t1;
            if (small.length > large.length) {
                small = t1;
                large = t0;
            }
            long m0 = small.length - 1;
            long m1 = large.length - 1;
            emit(small[(int) (v & m0)], visitor);
            do {
                emit(large[(int) (v & m1)], visitor);
                v |= ~m1;
                v = Long.reverse(v);
                v++;
                v = Long.reverse(v);
            } while ((v & (m0 ^ m1)) != 0);
        }
        return v;
    }

    private static void emit(Entry e, Consumer<Entry> visitor) {
        while (e != null) {
            Entry next = e.next; // the visitor may not unlink, but be safe
            visitor.accept(e);
            e = next;
        }
    }

    /** Visits every entry (no modification allowed during the walk). */
    public void forEach(Consumer<Entry> visitor) {
        for (Entry e : t0) {
            emit(e, visitor);
        }
        if (t1 != null) {
            for (Entry e : t1) {
                emit(e, visitor);
            }
        }
    }
}
