package dev.cinnabar.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The incremental accounting (charged through the write barrier, settled per command) always
 * equals what a walk of the databases computes from scratch, whatever mix of writes ran: adds,
 * overwrites, values changed in place, deletes, expiries set, changed and removed, a key removed
 * and added again within one command, SWAPDB and FLUSHDB, tables growing; and the keyspace's
 * running totals (dataset and bucket slots, read before every command) equal the sums over its
 * databases.
 */
class MemoryAccountingTest {
    private long now = 1_000_000;
    private final Keyspace ks = new Keyspace(4, new KeyspaceHooks() {
        @Override
        public long now() {
            return now;
        }
    });
    private final MemoryAccounting accounting = MemoryAccounting.attach(ks);

    private static byte[] k(int i) {
        return ("key:" + i).getBytes(StandardCharsets.UTF_8);
    }

    /** From scratch: every key's estimate plus an expires entry per TTL. */
    private static long walk(Db db) {
        long[] sum = {MemoryUsage.EXPIRE_ENTRY * db.expiresSize()};
        db.dict().forEach(e -> sum[0] += MemoryUsage.accounted(e.key(), e.value(), MemoryAccounting.SAMPLES));
        return sum[0];
    }

    private void assertMatches() {
        long total = 0;
        long slots = 0;
        for (int i = 0; i < ks.count(); i++) {
            assertThat(accounting.bytesOf(ks.db(i))).as("db %d", i).isEqualTo(walk(ks.db(i)));
            total += walk(ks.db(i));
            slots += ks.db(i).dict().buckets() + ks.db(i).expiresDict().buckets();
        }
        assertThat(accounting.keysBytes()).isEqualTo(total);
        assertThat(accounting.tablesBytes()).isEqualTo(4 * slots);
    }

    @Test
    void incrementalChargesEqualAFreshWalkAfterRandomWrites() {
        Random r = new Random(42);
        for (int step = 0; step < 40_000; step++) {
            Db db = ks.db(r.nextInt(ks.count()));
            // one "command": a few writes to a few keys, then settle (the dispatcher does it per command)
            int writes = 1 + r.nextInt(4);
            for (int w = 0; w < writes; w++) {
                byte[] key = k(r.nextInt(step < 20_000 ? 300 : 3000)); // then more keys: the tables grow and rehash
                boolean exists = db.rawEntry(key) != null;
                switch (r.nextInt(9)) {
                    case 0 -> db.setKey(key, new byte[r.nextInt(200)], false);
                    case 1 -> db.setKey(key, new byte[r.nextInt(200)], true);
                    case 2 -> {
                        if (!exists) {
                            db.add(key, new RawString(new byte[r.nextInt(50)]));
                        }
                    }
                    case 3 -> { // in place, after a write look-up
                        if (db.lookupWrite(key) instanceof RawString s) {
                            s.append(new byte[1 + r.nextInt(100)]);
                        }
                    }
                    case 4 -> db.delete(key);
                    case 5 -> {
                        if (exists) {
                            db.setExpire(key, now + 1_000_000 + r.nextInt(1000));
                        }
                    }
                    case 6 -> db.removeExpire(key);
                    case 7 -> { // removed and added again within the command (RENAME onto itself-like)
                        db.delete(key);
                        db.add(key, new byte[r.nextInt(300)]);
                    }
                    default -> {
                        if (exists) {
                            db.overwrite(key, Long.valueOf(r.nextInt(1_000_000)));
                        }
                    }
                }
            }
            accounting.settle();
            if (step % 5000 == 4999) {
                ks.swap(0, 1 + r.nextInt(ks.count() - 1));
                ks.db(r.nextInt(ks.count())).flush();
            }
            if (step % 500 == 0) {
                assertMatches();
            }
        }
        assertMatches();
        assertThat(accounting.keysBytes()).isPositive();
    }
}
