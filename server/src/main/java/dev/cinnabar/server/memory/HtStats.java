package dev.cinnabar.server.memory;

import dev.cinnabar.server.store.Db;
import dev.cinnabar.server.store.Dict;
import dev.cinnabar.server.store.set.BytesTable;
import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * DEBUG HTSTATS: the shape of a database's two hash tables (keys, expiries) as Redis 7.0 prints it:
 * per table its bucket count, entries, non-empty buckets, longest chain, average chain and the
 * distribution of chain lengths (up to 48; longer chains count in the maximum only, as Redis's
 * fixed-size vector does), with the rehash target's figures while a rehash is in progress.
 * DEBUG HTSTATS-KEY prints the same figures for one value's table (a hash's or set's "hashtable",
 * a sorted set's member index); those tables resize at once, so there is never a rehash target.
 */
public final class HtStats {
    /** Redis's DICT_STATS_VECTLEN: chain lengths 0..48 are listed, 49 and above are lumped and not printed. */
    private static final int VECTOR = 50;

    private HtStats() {
    }

    /** The report of a database's main and expires tables. */
    public static String of(Db db) {
        StringBuilder sb = new StringBuilder();
        sb.append("[Dictionary HT]\n");
        dict(sb, db.dict());
        sb.append("[Expires HT]\n");
        dict(sb, db.expiresDict());
        return sb.toString();
    }

    /** The report of one value's hash table (DEBUG HTSTATS-KEY). */
    public static String ofTable(BytesTable<?> t) {
        StringBuilder sb = new StringBuilder();
        table(sb, t.stats(VECTOR - 1), 0);
        return sb.toString();
    }

    private static void dict(StringBuilder sb, Dict d) {
        table(sb, d.tableStats(0, VECTOR - 1), 0);
        if (d.isRehashing()) {
            table(sb, d.tableStats(1, VECTOR - 1), 1);
        }
    }

    private static void table(StringBuilder sb, Dict.TableStats st, int which) {
        sb.append("Hash table ").append(which).append(" stats (")
                .append(which == 0 ? "main hash table" : "rehashing target").append("):\n");
        if (st == null || st.entries() == 0) {
            sb.append("No stats available for empty dictionaries\n");
            return;
        }
        long[] lengths = st.chainLengths();
        long slots = st.buckets() - lengths[0];
        sb.append(" table size: ").append(st.buckets()).append('\n');
        sb.append(" number of elements: ").append(st.entries()).append('\n');
        sb.append(" different slots: ").append(slots).append('\n');
        sb.append(" max chain length: ").append(st.longest()).append('\n');
        // every entry is in exactly one chain: the counted and computed averages agree
        String avg = twoDecimals((float) st.entries() / slots);
        sb.append(" avg chain length (counted): ").append(avg).append('\n');
        sb.append(" avg chain length (computed): ").append(avg).append('\n');
        sb.append(" Chain length distribution:\n");
        for (int i = 0; i < VECTOR - 1; i++) {
            if (lengths[i] != 0) {
                sb.append("   ").append(i).append(": ").append(lengths[i]).append(" (")
                        .append(twoDecimals((float) lengths[i] / st.buckets() * 100)).append("%)\n");
            }
        }
    }

    /** printf's %.02f of a float: the exact binary value, rounded to nearest. */
    private static String twoDecimals(float v) {
        return new BigDecimal(v).setScale(2, RoundingMode.HALF_EVEN).toPlainString();
    }
}
