package dev.cinnabar.server.store;

import java.util.ArrayList;
import java.util.List;

/**
 * The active expire cycle (Redis's activeExpireCycle, slow variant) and the cron's dict
 * maintenance (databasesCron's tryResizeHashTables and incrementallyRehash).
 *
 * <p>Why: keys with a TTL that are never read again would otherwise stay in memory forever; lazy
 * expiry only removes keys that are touched. Each cron tick samples keys with a TTL, up to 16
 * databases per tick, round robin. In a database it samples {@code keysPerLoop} keys by walking
 * the expires dict with its SCAN cursor (so every key with a TTL is reached in turn, even while
 * the dict resizes), deletes the expired ones, and repeats while more than the acceptable stale
 * share of the sample was expired. A cycle stops when its time budget is used: {@code
 * slowTimePerc}% of a cron period (25% at effort 1, so 25 ms at hz 10), checked every 16 loops.
 * The effort (active-expire-effort 1..10) raises the sample size, the budget and lowers the
 * tolerated stale share, with Redis's formulas.
 *
 * <p>The budget is measured in elapsed nanoseconds of this thread's work (System.nanoTime), not
 * with the injected Clock: a test's ManualClock decides which keys are expired, the real time
 * bounds how long the execution lock is held. Runs under the execution lock.
 */
public final class ActiveExpire {
    private static final int KEYS_PER_LOOP = 20;
    private static final int SLOW_TIME_PERC = 25;
    private static final int ACCEPTABLE_STALE = 10;
    private static final int DBS_PER_CALL = 16;
    private static final long REHASH_BUDGET_NANOS = 1_000_000L;

    private final Keyspace ks;
    private volatile boolean enabled = true;
    private int currentDb;
    private boolean timelimitExit;
    private long cycleMicros;
    private int resizeDb;
    private int rehashDb;
    private final List<Dict.Entry> batch = new ArrayList<>();

    ActiveExpire(Keyspace ks) {
        this.ks = ks;
    }

    /** DEBUG SET-ACTIVE-EXPIRE: turns the active cycle on or off (lazy expiry always works). */
    public void enabled(boolean on) {
        enabled = on;
    }

    public boolean enabled() {
        return enabled;
    }

    /** One cron tick of database maintenance: the expire cycle, then dict resizing and rehashing. */
    public void databasesCron(int hz, int effort, boolean activeRehashing) {
        lastCycleMicros = -1;
        if (enabled && !ks.hooks.isReplica() && !ks.hooks.expiryPaused() && !ks.hooks.loading()) {
            cycle(hz, effort);
        }
        resizeAndRehash(activeRehashing);
    }

    /**
     * How long the last {@link #databasesCron}'s expire cycle took, in microseconds; -1 when that
     * tick ran none (the latency monitor's expire-cycle event).
     */
    public long lastCycleMicros() {
        return lastCycleMicros;
    }

    private long lastCycleMicros = -1;

    /** One slow expire cycle. */
    public void cycle(int hz, int effort) {
        int e = Math.max(1, Math.min(10, effort)) - 1;
        int keysPerLoop = KEYS_PER_LOOP + KEYS_PER_LOOP / 4 * e;
        int slowTimePerc = SLOW_TIME_PERC + 2 * e;
        int acceptableStale = ACCEPTABLE_STALE - e;
        long timelimitMicros = Math.max(1, (long) slowTimePerc * 1_000_000L / Math.max(1, hz) / 100);
        int dbs = ks.count();
        int dbsPerCall = timelimitExit ? dbs : Math.min(DBS_PER_CALL, dbs);
        long start = System.nanoTime();
        timelimitExit = false;
        long totalSampled = 0;
        long totalExpired = 0;
        for (int j = 0; j < dbsPerCall && !timelimitExit; j++) {
            Db db = ks.db(currentDb % dbs);
            currentDb = (currentDb + 1) % dbs;
            int iteration = 0;
            boolean repeat;
            do {
                long num = db.expires.size();
                if (num == 0) {
                    db.avgTtl = 0;
                    break;
                }
                long now = ks.hooks.now();
                num = Math.min(num, keysPerLoop);
                long maxBuckets = num * 20;
                long checked = 0;
                long sampled = 0;
                long expired = 0;
                long ttlSum = 0;
                long ttlSamples = 0;
                while (sampled < num && checked < maxBuckets && db.expires.size() > 0) {
                    batch.clear();
                    db.expireCursor = db.expires.scan(db.expireCursor, batch::add);
                    checked++;
                    for (Dict.Entry x : batch) {
                        long ttl = (Long) x.value - now;
                        if (ttl <= 0) {
                            db.deleteExpired(x.key);
                            expired++;
                        } else {
                            ttlSum += ttl;
                            ttlSamples++;
                        }
                        sampled++;
                    }
                }
                batch.clear();
                totalExpired += expired;
                totalSampled += sampled;
                if (ttlSamples > 0) {
                    long avg = ttlSum / ttlSamples;
                    db.avgTtl = db.avgTtl == 0 ? avg : db.avgTtl / 50 * 49 + avg / 50;
                }
                if ((iteration++ & 0xf) == 0 && (System.nanoTime() - start) / 1000 > timelimitMicros) {
                    timelimitExit = true;
                    ks.stats.expiredTimeCapReachedCount++;
                    break;
                }
                repeat = sampled == 0 || expired * 100 / sampled > acceptableStale;
            } while (repeat);
        }
        lastCycleMicros = (System.nanoTime() - start) / 1000;
        cycleMicros += lastCycleMicros;
        ks.stats.expireCycleCpuMillis = cycleMicros / 1000;
        double current = totalSampled == 0 ? 0 : (double) totalExpired / totalSampled;
        ks.stats.expiredStalePerc = current * 0.05 + ks.stats.expiredStalePerc * 0.95;
    }

    /**
     * Shrinks dicts that fell under 10% fill (16 databases per tick, round robin) and spends up
     * to 1 ms moving buckets of the first database found rehashing (only with activerehashing).
     */
    void resizeAndRehash(boolean activeRehashing) {
        int dbs = ks.count();
        int perCall = Math.min(DBS_PER_CALL, dbs);
        for (int j = 0; j < perCall; j++) {
            Db db = ks.db(resizeDb % dbs);
            resizeDb = (resizeDb + 1) % dbs;
            db.keys.shrinkIfNeeded();
            db.expires.shrinkIfNeeded();
        }
        for (int j = 0; j < perCall && activeRehashing; j++) {
            Db db = ks.db(rehashDb);
            if (db.keys.isRehashing() || db.expires.isRehashing()) {
                long start = System.nanoTime();
                while (db.rehashSome(100) && System.nanoTime() - start < REHASH_BUDGET_NANOS) {
                    // keep going within the budget
                }
                break;
            }
            rehashDb = (rehashDb + 1) % dbs;
        }
    }
}
