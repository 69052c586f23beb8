package dev.cinnabar.server.store;

/**
 * One numbered database: the main dict (key → value) and the expires dict (key → absolute expiry
 * time in ms, boxed Long), as in Redis. Lookups apply lazy expiry; the active cycle lives in
 * {@link ActiveExpire}.
 *
 * <p>Every write path goes through this class so the hooks (WATCH, tracking, notifications,
 * blocked clients) cannot be forgotten by a command: handlers call {@link #setKey},
 * {@link #add}, {@link #delete} and {@link #signalModified}. Every mutation first passes the
 * keyspace's {@link WriteBarrier} (before the dicts change, and before a value is handed out by a
 * write look-up for in-place change), so a running snapshot sees each key as it was.
 */
public final class Db {
    public static final int LOOKUP_NONE = 0;
    public static final int LOOKUP_NOTOUCH = 1; // do not update the LRU/LFU clock
    public static final int LOOKUP_NONOTIFY = 2; // do not fire key-miss notifications
    public static final int LOOKUP_NOSTATS = 4; // do not count hits and misses
    public static final int LOOKUP_WRITE = 8; // lookup on behalf of a write

    private final int id;
    final Dict keys;
    final Dict expires;
    private final Keyspace ks;
    /** Position of the active expire cycle in the expires dict (SCAN cursor). */
    long expireCursor;
    /** Running estimate used by INFO (avg_ttl). */
    public long avgTtl;
    /** Heap bytes the memory accounting attributes to this database's keys ({@link MemoryAccounting}). */
    long accountedBytes;

    Db(int id, Keyspace ks) {
        this.id = id;
        this.ks = ks;
        this.keys = new Dict(ks.slots);
        this.expires = new Dict(ks.slots);
    }

    public int id() {
        return id;
    }

    public Keyspace keyspace() {
        return ks;
    }

    public int size() {
        return keys.size();
    }

    public int expiresSize() {
        return expires.size();
    }

    public Dict dict() {
        return keys;
    }

    public Dict expiresDict() {
        return expires;
    }

    /** Before loading n keys (and expiresCount TTLs) into an empty database: sizes its dicts at once. */
    public void presize(int n, int expiresCount) {
        keys.presize(n);
        expires.presize(expiresCount);
    }

    /** Looks up a key for reading: lazy expiry, hit/miss statistics, LRU update. */
    public Object lookupRead(byte[] key) {
        return lookup(key, LOOKUP_NONE);
    }

    /** Looks up a key on behalf of a write: lazy expiry and LRU update, no hit/miss statistics. */
    public Object lookupWrite(byte[] key) {
        return lookup(key, LOOKUP_WRITE);
    }

    public Object lookup(byte[] key, int flags) {
        Dict.Entry e = keys.find(key);
        if (e != null && expireIfNeeded(key, (flags & LOOKUP_WRITE) != 0)) {
            e = null;
        }
        if (e == null) {
            if ((flags & (LOOKUP_NOSTATS | LOOKUP_WRITE)) == 0) {
                ks.stats.keyspaceMisses++;
            }
            if ((flags & (LOOKUP_NONOTIFY | LOOKUP_WRITE)) == 0) {
                ks.hooks.notify(Notify.KEY_MISS, "keymiss", key, id);
            }
            return null;
        }
        if ((flags & (LOOKUP_NOSTATS | LOOKUP_WRITE)) == 0) {
            ks.stats.keyspaceHits++;
        }
        if ((flags & LOOKUP_WRITE) != 0) {
            ks.barrier.beforeWrite(this, key, e); // the caller may change the value in place
        } else {
            ks.barrier.beforeLookup(this, key);
        }
        if ((flags & LOOKUP_NOTOUCH) == 0) {
            ks.touch(e);
        }
        return e.value;
    }

    /** The entry for key without expiry or statistics side effects (may be logically expired). */
    public Dict.Entry rawEntry(byte[] key) {
        return keys.find(key);
    }

    /** True when the key exists and is not expired (applies lazy expiry, no stats). */
    public boolean exists(byte[] key) {
        return lookup(key, LOOKUP_NOTOUCH | LOOKUP_NOSTATS | LOOKUP_NONOTIFY) != null;
    }

    /** Adds a new key (the caller checked it is absent); fires keyReady for blocking types. */
    public Dict.Entry add(byte[] key, Object value) {
        if (keys.wouldForceGrow()) {
            ks.barrier.beforeWholeDb(this); // the table's buckets are about to be redistributed
        }
        ks.barrier.beforeWrite(this, key, null);
        Dict.Entry e = keys.addNew(key, value);
        ks.touchNew(e);
        ks.hooks.notify(Notify.NEW, "new", key, id);
        ks.hooks.keyReady(this, key);
        return e;
    }

    /**
     * Sets key to value, creating or overwriting it (Redis's setKey). The TTL is removed unless
     * keepTtl. Signals the modification.
     */
    public void setKey(byte[] key, Object value, boolean keepTtl) {
        Dict.Entry e = keys.find(key);
        if (e == null) {
            add(key, value);
        } else {
            ks.barrier.beforeWrite(this, key, e);
            if (ks.lazyServerDel) {
                LazyFree.unlinked(ks, e.value);
            }
            e.value = value;
            ks.touch(e);
            if (!keepTtl && expires.size() > 0 && expires.remove(key) != null) {
                charge(-MemoryUsage.EXPIRE_ENTRY);
            }
        }
        signalModified(key);
    }

    /** Replaces the value of an existing key, keeping its TTL (dbOverwrite without signal). */
    public void overwrite(byte[] key, Object value) {
        Dict.Entry e = keys.find(key);
        if (e == null) {
            throw new IllegalStateException("overwrite of a missing key");
        }
        ks.barrier.beforeWrite(this, key, e);
        e.value = value;
    }

    /** Deletes a key; true if it existed. Signals the modification. A server-side delete (lazyfree-lazy-server-del). */
    public boolean delete(byte[] key) {
        return delete(key, ks.lazyServerDel);
    }

    /**
     * Deletes a key; true if it existed. Signals the modification. {@code lazy}: the value counts
     * in lazyfreed_objects when Redis would free it in the background (UNLINK, DEL under
     * lazyfree-lazy-user-del).
     */
    public boolean delete(byte[] key, boolean lazy) {
        Object old = lazy ? keys.get(key) : null;
        if (removeSilently(key)) {
            if (old != null) {
                LazyFree.unlinked(ks, old);
            }
            signalModified(key);
            return true;
        }
        return false;
    }

    /**
     * Redis's dbDelete of a value a command replaces (RENAME's and COPY REPLACE's destination):
     * removes without signalling, and the value counts in lazyfreed_objects under
     * lazyfree-lazy-server-del as a server-side delete. True if the key existed.
     */
    public boolean deleteReplaced(byte[] key) {
        Object old = ks.lazyServerDel ? keys.get(key) : null;
        boolean removed = removeSilently(key);
        if (old != null && removed) {
            LazyFree.unlinked(ks, old);
        }
        return removed;
    }

    /** Removes a key without signalling (the caller signals or fires its own events). */
    public boolean removeSilently(byte[] key) {
        ks.barrier.beforeWrite(this, key, null);
        if (expires.size() > 0 && expires.remove(key) != null) {
            charge(-MemoryUsage.EXPIRE_ENTRY);
        }
        return keys.remove(key) != null;
    }

    /** Moves this database's accounted bytes, and the keyspace's total with them. */
    void charge(long delta) {
        accountedBytes += delta;
        ks.accountedTotal += delta;
    }

    public void signalModified(byte[] key) {
        ks.hooks.keyModified(this, key);
    }

    public void notify(int type, String event, byte[] key) {
        ks.hooks.notify(type, event, key, id);
    }

    /** Absolute expiry time in ms, or -1 when the key has none. */
    public long getExpire(byte[] key) {
        if (expires.size() == 0) {
            return -1;
        }
        Object w = expires.get(key);
        return w == null ? -1 : (Long) w;
    }

    /** Sets the absolute expiry of an existing key. */
    public void setExpire(byte[] key, long whenMillis) {
        Dict.Entry e = keys.find(key);
        if (e == null) {
            throw new IllegalStateException("expire on a missing key");
        }
        ks.barrier.beforeWrite(this, key, e);
        Dict.Entry x = expires.find(key);
        if (x != null) {
            x.value = whenMillis;
        } else {
            expires.addNew(e.key, whenMillis);
            charge(MemoryUsage.EXPIRE_ENTRY);
        }
    }

    /** Removes the TTL; true if the key had one. */
    public boolean removeExpire(byte[] key) {
        if (expires.size() == 0 || expires.find(key) == null) {
            return false;
        }
        ks.barrier.beforeWrite(this, key, null);
        charge(-MemoryUsage.EXPIRE_ENTRY);
        return expires.remove(key) != null;
    }

    /**
     * True when an absolute expiry time given by a command has already passed, so the key must
     * be deleted instead of getting a TTL (Redis's checkAlreadyExpired; never on a replica).
     */
    public boolean alreadyExpired(long whenMillis) {
        return whenMillis <= ks.hooks.now() && !ks.hooks.isReplica() && !ks.hooks.loading();
    }

    /** True when the key has a TTL that has passed (no deletion). */
    public boolean isExpired(byte[] key) {
        long when = getExpire(key);
        return when >= 0 && when <= ks.hooks.now() && !ks.hooks.loading();
    }

    /**
     * Lazy expiry: deletes the key if its TTL has passed (on a master whose writes are not
     * paused), firing "expired" and propagating a DEL. Returns true if the key is (logically) expired.
     */
    public boolean expireIfNeeded(byte[] key) {
        return expireIfNeeded(key, false);
    }

    /**
     * {@link #expireIfNeeded(byte[])}; {@code forWrite}: a write's lookup on a writable replica
     * (replica-read-only no) deletes the expired key too, as Redis's lookupKeyWrite, so a write
     * never sees a value a read would not (INCR of an expired counter starts from 0). On a
     * read-only replica it does not: the key stays until the master's DEL, whatever looked it up.
     */
    public boolean expireIfNeeded(byte[] key, boolean forWrite) {
        if (!isExpired(key)) {
            return false;
        }
        if (ks.hooks.isReplica() && ks.hooks.servingMaster()) {
            return false;
        }
        if ((ks.hooks.isReplica() && (!forWrite || ks.hooks.readOnlyReplica())) || ks.hooks.expiryPaused()) {
            return true;
        }
        deleteExpired(key);
        return true;
    }

    /** Deletes a key whose TTL has passed, with the statistics and events of Redis. */
    void deleteExpired(byte[] key) {
        if (ks.lazyExpire) {
            Object old = keys.get(key);
            if (old != null) {
                LazyFree.unlinked(ks, old);
            }
        }
        removeSilently(key);
        ks.stats.expiredKeys++;
        ks.hooks.keyExpired(this, key);
        ks.hooks.notify(Notify.EXPIRED, "expired", key, id);
        signalModified(key);
    }

    /** A random key that is not expired, or null (RANDOMKEY semantics, bounded retries). */
    public byte[] randomKey() {
        int tries = 0;
        while (true) {
            Dict.Entry e = keys.randomEntry();
            if (e == null) {
                return null;
            }
            if (expires.size() > 0 && isExpired(e.key)) {
                // If every key has a TTL we may loop long on a replica; bound it as Redis does.
                if (ks.hooks.isReplica() && keys.size() == expires.size() && ++tries >= 100) {
                    return e.key;
                }
                if (!ks.hooks.isReplica()) {
                    deleteExpired(e.key);
                }
                continue;
            }
            return e.key;
        }
    }

    /**
     * Empties this database; returns the number of keys removed. Dropping the tables is O(1)
     * here: the garbage collector frees the entries, so FLUSHDB ASYNC and SYNC do the same.
     */
    public long flush() {
        ks.barrier.beforeWholeDb(this);
        long n = keys.size();
        keys.clear();
        expires.clear();
        expireCursor = 0;
        avgTtl = 0;
        charge(-accountedBytes);
        ks.hooks.dbChanged(this);
        return n;
    }

    /**
     * One SCAN step over the main dict: the keys of the visited buckets go to out (expired ones
     * included; the caller filters them after the step, as Redis does). Returns the next cursor.
     */
    public long scanKeys(long cursor, java.util.List<byte[]> out) {
        return keys.scan(cursor, e -> out.add(e.key));
    }

    /** Advances a cron-driven rehash of both dicts by up to the given number of buckets. */
    boolean rehashSome(int buckets) {
        boolean more = false;
        if (keys.isRehashing()) {
            more = keys.rehash(buckets);
        }
        if (expires.isRehashing()) {
            more |= expires.rehash(buckets);
        }
        return more;
    }

    /** Exchanges contents with another database (SWAPDB). */
    void swapWith(Db other) {
        // Dicts are final fields for speed of access; swap their contents instead.
        Dict.swap(keys, other.keys);
        Dict.swap(expires, other.expires);
        long c = expireCursor;
        expireCursor = other.expireCursor;
        other.expireCursor = c;
        long a = avgTtl;
        avgTtl = other.avgTtl;
        other.avgTtl = a;
        long m = accountedBytes;
        accountedBytes = other.accountedBytes;
        other.accountedBytes = m;
    }
}
