package dev.cinnabar.server.memory;

/**
 * Redis's eviction pool: the best candidates seen by the sampling so far, kept in ascending score
 * order (score: idle seconds, 255 minus the LFU counter, or the inverse of the expiry time; a
 * higher score is a better candidate). Sampled keys enter when there is room or when they beat the
 * worst one kept; eviction takes from the best end. Keys are not removed from the pool when deleted
 * otherwise: the evictor checks the best one still exists (a "ghost" is skipped).
 */
final class EvictionPool {
    static final int SIZE = 16;

    private final long[] score = new long[SIZE];
    private final byte[][] key = new byte[SIZE][];
    private final int[] db = new int[SIZE];

    /** Offers a sampled key. */
    void offer(int dbId, byte[] k, long s) {
        int i = 0;
        while (i < SIZE && key[i] != null && score[i] < s) {
            i++;
        }
        if (i == 0 && key[SIZE - 1] != null) {
            return; // worse than every kept candidate, and no room
        }
        if (i < SIZE && key[i] == null) {
            // an empty slot: insert here
        } else if (key[SIZE - 1] == null) {
            // room on the right: shift [i, end) right by one
            System.arraycopy(score, i, score, i + 1, SIZE - i - 1);
            System.arraycopy(key, i, key, i + 1, SIZE - i - 1);
            System.arraycopy(db, i, db, i + 1, SIZE - i - 1);
        } else {
            // full: drop the worst (leftmost) and insert just before position i
            i--;
            System.arraycopy(score, 1, score, 0, i);
            System.arraycopy(key, 1, key, 0, i);
            System.arraycopy(db, 1, db, 0, i);
        }
        score[i] = s;
        key[i] = k;
        db[i] = dbId;
    }

    /** Visits candidates from the best; the visitor returns true to take one (it leaves the pool either way). */
    interface Taker {
        boolean take(int dbId, byte[] key);
    }

    /** Removes candidates from the best end until the taker accepts one; false when the pool ran dry. */
    boolean takeBest(Taker t) {
        for (int i = SIZE - 1; i >= 0; i--) {
            if (key[i] == null) {
                continue;
            }
            byte[] k = key[i];
            int d = db[i];
            key[i] = null;
            score[i] = 0;
            if (t.take(d, k)) {
                return true;
            }
        }
        return false;
    }

    void clear() {
        java.util.Arrays.fill(key, null);
        java.util.Arrays.fill(score, 0);
    }
}
