package dev.cinnabar.server.store;

/**
 * All databases of a server, their shared statistics, the LRU clock and the hooks to the rest of
 * the server. Accessed only under the execution lock.
 */
public final class Keyspace {
    final KeyspaceHooks hooks;
    final KeyspaceStats stats = new KeyspaceStats();
    /**
     * Told before every mutation (see {@link WriteBarrier}): the permanent observers (memory
     * accounting) composed with the installed barrier (the snapshot while it runs).
     */
    WriteBarrier barrier = WriteBarrier.NONE;
    private WriteBarrier installed = WriteBarrier.NONE;
    private WriteBarrier observers = WriteBarrier.NONE;
    private final Db[] dbs;
    /** Bucket slots of every database's two dicts. */
    final Dict.Slots slots = new Dict.Slots();
    /** The sum of the databases' {@link Db#accountedBytes}. */
    long accountedTotal;
    private final ActiveExpire activeExpire = new ActiveExpire(this);
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

    /** Installs the write barrier (one at a time: the snapshot while it runs), or NONE. */
    public void barrier(WriteBarrier b) {
        installed = b == null ? WriteBarrier.NONE : b;
        barrier = WriteBarrier.both(installed, observers);
    }

    /** The installed barrier (not the permanent observers). */
    public WriteBarrier barrier() {
        return installed;
    }

    /** Adds a barrier that observes every mutation for the keyspace's whole life (memory accounting). */
    public void observe(WriteBarrier b) {
        observers = WriteBarrier.both(observers, b);
        barrier = WriteBarrier.both(installed, observers);
    }

    /** The active expire cycle (DEBUG SET-ACTIVE-EXPIRE switches it). */
    public ActiveExpire activeExpire() {
        return activeExpire;
    }

    /**
     * The server cron's keyspace work, once per tick: run the active expire cycle, resize and
     * rehash dicts.
     */
    public void databasesCron(int hz, int activeExpireEffort) {
        databasesCron(hz, activeExpireEffort, true);
    }

    /**
     * Same, with activerehashing: when false, a dict that started to rehash only advances as
     * commands touch it (each lookup, insert or delete moves a bucket), as in Redis.
     */
    public void databasesCron(int hz, int activeExpireEffort, boolean activeRehashing) {
        activeExpire.databasesCron(hz, activeExpireEffort, activeRehashing);
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

    /**
     * When an LFU maxmemory policy is active the entry's lru field holds Redis's LFU data: the
     * last decrement time in minutes (16 bits) and a logarithmic access counter (8 bits).
     */
    private volatile boolean lfu;
    /** lfu-log-factor and lfu-decay-time (Redis's defaults; the eviction feature may tune them). */
    public volatile int lfuLogFactor = 10;
    /**
     * lazyfree-lazy-server-del and lazyfree-lazy-expire: values the server removes itself (an
     * overwrite, a delete by a command other than DEL/UNLINK) or expires count in lazyfreed_objects
     * as Redis would free them in the background ({@link LazyFree}).
     */
    public volatile boolean lazyServerDel;
    public volatile boolean lazyExpire;
    public volatile int lfuDecayTime = 1;
    private static final int LFU_INIT_VAL = 5;

    /** Switches the meaning of the entries' lru field (called when maxmemory-policy changes). */
    public void lfuMode(boolean on) {
        lfu = on;
    }

    public boolean lfuMode() {
        return lfu;
    }

    void touch(Dict.Entry e) {
        if (lfu) {
            int counter = lfuLogIncr(lfuDecrAndReturn(e));
            e.lru = (lfuMinutes() << 8) | counter;
        } else {
            e.lru = lruClock;
        }
    }

    void touchNew(Dict.Entry e) {
        e.lru = lfu ? (lfuMinutes() << 8) | LFU_INIT_VAL : lruClock;
    }

    /**
     * RESTORE's IDLETIME / FREQ: under an LFU policy a freq (0..255, -1 = none) becomes the
     * entry's counter; otherwise an idle time in seconds (-1 = none) moves its LRU clock back.
     */
    public void setIdleOrFreq(Dict.Entry e, long idleSeconds, long freq) {
        if (lfu) {
            if (freq >= 0) {
                e.lru = (lfuMinutes() << 8) | (int) freq;
            }
        } else if (idleSeconds >= 0) {
            long abs = lruClock - idleSeconds;
            if (abs < 0) {
                abs = (lruClock + (LRU_CLOCK_MAX + 1L)) - idleSeconds;
            }
            e.lru = (int) Math.max(0, abs) & LRU_CLOCK_MAX;
        }
    }

    private int lfuMinutes() {
        return (int) ((hooks.now() / 60_000) & 0xffff);
    }

    /** The entry's LFU counter after applying the decay for the time elapsed (OBJECT FREQ). */
    public int lfuDecrAndReturn(Dict.Entry e) {
        int ldt = (e.lru >>> 8) & 0xffff;
        int counter = e.lru & 0xff;
        int now = lfuMinutes();
        int elapsed = now >= ldt ? now - ldt : 65535 - ldt + now;
        int periods = lfuDecayTime > 0 ? elapsed / lfuDecayTime : 0;
        if (periods > 0) {
            counter = periods > counter ? 0 : counter - periods;
        }
        return counter;
    }

    private int lfuLogIncr(int counter) {
        if (counter == 255) {
            return 255;
        }
        double r = java.util.concurrent.ThreadLocalRandom.current().nextDouble();
        double base = Math.max(0, counter - LFU_INIT_VAL);
        double p = 1.0 / (base * lfuLogFactor + 1);
        return r < p ? counter + 1 : counter;
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
        barrier.beforeWholeDb(dbs[a]);
        barrier.beforeWholeDb(dbs[b]);
        dbs[a].swapWith(dbs[b]);
        hooks.dbsSwapped(dbs[a], dbs[b]);
    }

    public long flushAll() {
        long n = 0;
        for (Db d : dbs) {
            n += d.flush();
        }
        return n;
    }
}
