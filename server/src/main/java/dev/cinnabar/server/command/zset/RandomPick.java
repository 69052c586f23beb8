package dev.cinnabar.server.command.zset;

import dev.cinnabar.server.memory.LongReply;
import dev.cinnabar.server.protocol.Reply;
import dev.cinnabar.server.session.Client;
import dev.cinnabar.server.store.zset.ZSet;
import java.util.concurrent.ThreadLocalRandom;

/**
 * ZRANDMEMBER with a count. Positive count: distinct members, the whole set (in order) when the
 * count covers it. Negative count: |count| independent picks that may repeat.
 *
 * <p>Distinct picks use a partial Fisher-Yates shuffle over ranks when the count is a large
 * fraction of the set, and rejection sampling over a small hash set of ranks otherwise, so memory
 * is O(count) or O(size), never more.
 */
final class RandomPick {
    private RandomPick() {
    }

    static void reply(Client c, ZSet z, long count, boolean withScores) {
        Reply r = c.reply();
        boolean pairs = withScores && c.protocol() == 3;
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        int size = z.size();
        if (count < 0) {
            long n = -count;
            long len = withScores && !pairs ? 2 * n : n;
            if (LongReply.refuse(c, len)) {
                c.error(dev.cinnabar.server.protocol.Errors.RANGE);
                return;
            }
            r.array((int) len);
            for (long i = 0; i < n && !LongReply.stop(c, i); i++) {
                emit(r, z, rnd.nextInt(size), withScores, pairs);
            }
            return;
        }
        if (count >= size) {
            r.array(withScores && !pairs ? 2 * size : size);
            // the whole set, highest score first (as Redis 7.0 replies in this case)
            z.walk(size - 1, size, true, (m, s) -> {
                emitPair(r, m, s, withScores, pairs);
                return true;
            });
            return;
        }
        int n = (int) count;
        r.array(withScores && !pairs ? 2 * n : n);
        if (n * 3L > size) {
            int[] ranks = new int[size];
            for (int i = 0; i < size; i++) {
                ranks[i] = i;
            }
            for (int i = 0; i < n; i++) {
                int j = i + rnd.nextInt(size - i);
                int t = ranks[i];
                ranks[i] = ranks[j];
                ranks[j] = t;
                emit(r, z, ranks[i], withScores, pairs);
            }
            return;
        }
        java.util.HashSet<Integer> seen = new java.util.HashSet<>();
        while (seen.size() < n) {
            int k = rnd.nextInt(size);
            if (seen.add(k)) {
                emit(r, z, k, withScores, pairs);
            }
        }
    }

    private static void emit(Reply r, ZSet z, int rank, boolean withScores, boolean pairs) {
        emitPair(r, z.memberAt(rank), z.scoreAt(rank), withScores, pairs);
    }

    private static void emitPair(Reply r, byte[] m, double s, boolean withScores, boolean pairs) {
        if (pairs) {
            r.array(2);
        }
        r.bulk(m);
        if (withScores) {
            r.dbl(s);
        }
    }
}
