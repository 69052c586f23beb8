package dev.cinnabar.server.store;

/**
 * All databases of a server, their shared statistics, the LRU clock and the hooks to the rest of
 * the server. Accessed only under the execution lock.
 */
public final class Keyspace {
    final KeyspaceHooks hooks;
    final KeyspaceStats stats = new KeyspaceStats();
    private final Db[] dbs;
    /** LRU clock in seconds resolution, 24 bits, as Redis's LRU_CLOCK. Updated by the cron. */
    private volatile int lruClock;

    public Keyspace(int databases, KeyspaceHooks hooks) {
        this.hooks = hooks;
        this.dbs = new Db[databases];
        for (int i = 0; i < databases; i++) {
            dbs[i] = new Db(i, this);
        }
    }

    public int count() {
        return dbs.length;
    }

    public Db db(int i) {
        return dbs[i];
    }

    public KeyspaceStats stats() {
        return stats;
    }

    public KeyspaceHooks hooks() {
        return hooks;
    }

    public long now() {
        return hooks.now();
    }

    public static final int LRU_CLOCK_MAX = (1 << 24) - 1;

    public void updateLruClock(long nowMillis) {
        lruClock = (int) ((nowMillis / 1000) & LRU_CLOCK_MAX);
    }

    public int lruClock() {
        return lruClock;
    }

    void touch(Dict.Entry e) {
        e.lru = lruClock;
    }

    void touchNew(Dict.Entry e) {
        e.lru = lruClock;
    }

    /** Seconds since the entry was last touched (OBJECT IDLETIME). */
    public long idleSeconds(Dict.Entry e) {
        int now = lruClock;
        int l = e.lru;
        return now >= l ? now - l : (LRU_CLOCK_MAX - l) + now;
    }

    public long totalKeys() {
        long n = 0;
        for (Db d : dbs) {
            n += d.size();
        }
        return n;
    }

    public void swap(int a, int b) {
        dbs[a].swapWith(dbs[b]);
        hooks.dbChanged(dbs[a]);
        hooks.dbChanged(dbs[b]);
    }

    public long flushAll() {
        long n = 0;
        for (Db d : dbs) {
            n += d.flush();
            hooks.dbChanged(d);
        }
        return n;
    }
}
