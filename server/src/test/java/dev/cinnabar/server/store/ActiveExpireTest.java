package dev.cinnabar.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The active expire cycle and cron dict maintenance on a bare keyspace (no server, no network). */
class ActiveExpireTest {
    private long now = 1_000_000;
    private final List<String> expired = new ArrayList<>();
    private final Keyspace ks = new Keyspace(16, new KeyspaceHooks() {
        @Override
        public long now() {
            return now;
        }

        @Override
        public void keyExpired(Db db, byte[] key) {
            expired.add(db.id() + ":" + new String(key, StandardCharsets.UTF_8));
        }
    });

    private static byte[] k(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private void fill(Db db, String prefix, int n, long ttl) {
        for (int i = 0; i < n; i++) {
            byte[] key = k(prefix + i);
            db.add(key, "v");
            if (ttl > 0) {
                db.setExpire(key, now + ttl);
            }
        }
    }

    @Test
    void expiredKeysOfEveryDatabaseAreReclaimedOthersKept() {
        fill(ks.db(0), "a", 1000, 10);
        fill(ks.db(0), "live", 100, 1_000_000);
        fill(ks.db(0), "plain", 100, 0);
        fill(ks.db(7), "b", 500, 10);
        now += 20;
        for (int i = 0; i < 100 && ks.totalKeys() > 200; i++) {
            ks.databasesCron(10, 1);
        }
        assertThat(ks.db(0).size()).isEqualTo(200);
        assertThat(ks.db(0).expiresSize()).isEqualTo(100);
        assertThat(ks.db(7).size()).isZero();
        assertThat(ks.stats().expiredKeys).isEqualTo(1500);
        assertThat(expired).hasSize(1500).contains("0:a0", "7:b499");
        assertThat(ks.stats().expiredStalePerc).isGreaterThan(0);
        assertThat(ks.db(0).avgTtl).isPositive();
    }

    @Test
    void aCycleStopsAtItsTimeBudgetAndCountsIt() {
        fill(ks.db(0), "k", 300_000, 10);
        now += 20;
        long t0 = System.nanoTime();
        ks.activeExpire().cycle(500, 1); // 25% of 2 ms = 500 us
        long tookMs = (System.nanoTime() - t0) / 1_000_000;
        assertThat(ks.stats().expiredTimeCapReachedCount).isEqualTo(1);
        assertThat(ks.db(0).size()).isGreaterThan(0).isLessThan(300_000);
        assertThat(tookMs).as("bounded by the budget (plus one 16-loop slice)").isLessThan(200);
    }

    @Test
    void staleShareBelowTheAcceptableOneEndsTheDatabaseEarly() {
        // 1 expired key in 1000: the first sample is almost surely under 10% stale, so one loop
        fill(ks.db(0), "live", 1000, 1_000_000);
        ks.db(0).add(k("dead"), "v");
        ks.db(0).setExpire(k("dead"), now + 1);
        now += 2;
        ks.activeExpire().cycle(10, 1);
        assertThat(ks.db(0).size()).isGreaterThanOrEqualTo(1000);
        assertThat(ks.stats().expiredTimeCapReachedCount).isZero();
    }

    @Test
    void higherEffortSamplesMorePerLoop() {
        fill(ks.db(0), "k", 10_000, 10);
        now += 20;
        ks.activeExpire().enabled(false);
        ks.databasesCron(10, 10);
        assertThat(ks.db(0).size()).as("disabled: nothing reclaimed").isEqualTo(10_000);
        ks.activeExpire().enabled(true);
        ks.databasesCron(10, 10);
        assertThat(ks.db(0).size()).isLessThan(10_000);
    }

    @Test
    void replicasLeaveExpiryToTheirMaster() {
        Keyspace replica = new Keyspace(1, new KeyspaceHooks() {
            @Override
            public long now() {
                return now;
            }

            @Override
            public boolean isReplica() {
                return true;
            }
        });
        replica.db(0).add(k("x"), "v");
        replica.db(0).setExpire(k("x"), now - 1);
        replica.databasesCron(10, 1);
        assertThat(replica.db(0).size()).isEqualTo(1);
        assertThat(replica.db(0).lookupRead(k("x"))).isNull(); // reads see it expired
        assertThat(replica.db(0).size()).isEqualTo(1);
    }

    @Test
    void cronShrinksAndRehashesDictsAfterMassDeletion() {
        Db db = ks.db(3);
        fill(db, "k", 50_000, 0);
        for (int i = 0; i < 100 && db.dict().isRehashing(); i++) {
            ks.databasesCron(10, 1);
        }
        int big = db.dict().buckets();
        assertThat(big).isGreaterThanOrEqualTo(50_000);
        for (int i = 10; i < 50_000; i++) {
            db.delete(k("k" + i));
        }
        for (int i = 0; i < 200 && (db.dict().buckets() > 16 || db.dict().isRehashing()); i++) {
            ks.databasesCron(10, 1);
        }
        assertThat(db.dict().buckets()).isEqualTo(16);
        for (int i = 0; i < 10; i++) {
            assertThat(db.lookupRead(k("k" + i))).isEqualTo("v");
        }
    }

    /** activerehashing no: a dict that started to grow stays rehashing until commands touch it. */
    @Test
    void activeRehashingMovesBucketsOnlyWhenEnabled() {
        Db db = ks.db(3);
        for (int i = 0; !db.keys.isRehashing(); i++) {
            db.add(k("key" + i), "v");
        }
        for (int i = 0; i < 20; i++) {
            ks.databasesCron(10, 1, false);
        }
        assertThat(db.keys.isRehashing()).isTrue();
        for (int i = 0; i < 20 && db.keys.isRehashing(); i++) {
            ks.databasesCron(10, 1, true);
        }
        assertThat(db.keys.isRehashing()).isFalse();
    }
}
