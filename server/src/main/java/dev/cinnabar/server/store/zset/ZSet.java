package dev.cinnabar.server.store.zset;

import dev.cinnabar.server.store.RValue;
import java.util.Arrays;
import java.util.Random;

/**
 * A sorted set: unique byte-string members ordered by (score, member bytes).
 *
 * <p>Two encodings, as Redis 7.0, hidden from callers:
 * <ul>
 *   <li>"listpack": parallel arrays of members and scores kept sorted, for small sets (linear
 *       member lookup, binary search by score; two array slots per member).
 *   <li>"skiplist": a {@link SkipList} with spans plus a member index, O(log N) by rank and score.
 * </ul>
 * A set converts to skiplist when an insertion would pass {@link Limits#maxListpackEntries} or
 * adds a member longer than {@link Limits#maxListpackValue}; it never converts back on its own
 * (Redis 7.0 is one-way too), but {@link #fitToLimits} converts a freshly built result (the
 * *STORE commands).
 *
 * <p>All ranks are 0-based in ascending order. Scores are never NaN.
 */
public final class ZSet implements RValue {
    /** The conversion thresholds (zset-max-listpack-entries / zset-max-listpack-value). */
    public record Limits(int maxListpackEntries, int maxListpackValue) {
        public static final Limits DEFAULT = new Limits(128, 64);
    }

    /** Receives members of a range walk; return false to stop. */
    @FunctionalInterface
    public interface Visitor {
        boolean visit(byte[] member, double score);
    }

    private static final byte[][] NO_MEMBERS = new byte[0][];
    private static final double[] NO_SCORES = new double[0];

    // listpack form (sl == null)
    private byte[][] members = NO_MEMBERS;
    private double[] scores = NO_SCORES;
    private int n;
    // skiplist form
    private SkipList sl;

    public ZSet() {
    }

    /** An empty set already in the skiplist encoding (for results known to be large). */
    public static ZSet skiplist() {
        ZSet z = new ZSet();
        z.sl = new SkipList();
        return z;
    }

    @Override
    public String type() {
        return "zset";
    }

    @Override
    public String encoding() {
        return sl == null ? "listpack" : "skiplist";
    }

    @Override
    public boolean isEmpty() {
        return size() == 0;
    }

    public int size() {
        return sl == null ? n : sl.size();
    }

    @Override
    public ZSet copy() {
        ZSet z = new ZSet();
        if (sl == null) {
            z.members = Arrays.copyOf(members, n);
            z.scores = Arrays.copyOf(scores, n);
            z.n = n;
        } else {
            z.sl = new SkipList();
            for (SkipList.Node x = sl.first(); x != null; x = x.next0) {
                z.sl.insert(x.member(), x.score);
            }
        }
        return z;
    }

    // ---- lookups

    private int indexOf(byte[] member) {
        for (int i = 0; i < n; i++) {
            if (Arrays.equals(members[i], member)) {
                return i;
            }
        }
        return -1;
    }

    /** The member's score, or null when absent. */
    public Double score(byte[] member) {
        if (sl == null) {
            int i = indexOf(member);
            return i < 0 ? null : scores[i];
        }
        SkipList.Node x = sl.find(member);
        return x == null ? null : x.score;
    }

    public boolean contains(byte[] member) {
        return sl == null ? indexOf(member) >= 0 : sl.find(member) != null;
    }

    /** 0-based rank (ascending, or descending when reverse), or -1 when absent. */
    public int rank(byte[] member, boolean reverse) {
        int r;
        if (sl == null) {
            r = indexOf(member);
        } else {
            SkipList.Node x = sl.find(member);
            r = x == null ? -1 : sl.rank(x);
        }
        return r < 0 ? -1 : reverse ? size() - 1 - r : r;
    }

    // ---- updates

    /**
     * Sets member's score, inserting it when absent. Returns true when the member was added,
     * false when an existing member's score was set (possibly to the same value).
     */
    public boolean put(byte[] member, double score, Limits limits) {
        if (sl == null) {
            int i = indexOf(member);
            if (i >= 0) {
                if (scores[i] != score) {
                    removeAt(i);
                    insertSorted(member, score);
                }
                return false;
            }
            if (n + 1 > limits.maxListpackEntries() || member.length > limits.maxListpackValue()) {
                convertToSkiplist();
            } else {
                insertSorted(member, score);
                return true;
            }
        }
        SkipList.Node x = sl.find(member);
        if (x != null) {
            if (x.score != score) {
                sl.updateScore(x, score);
            }
            return false;
        }
        sl.insert(member, score);
        return true;
    }

    /** {@link #add} flags: ZADD's options. */
    public static final int NX = 1;
    public static final int XX = 2;
    public static final int GT = 4;
    public static final int LT = 8;
    public static final int INCR = 16;

    /** {@link #add} outcomes. */
    public static final int SKIPPED = 0;
    public static final int ADDED = 1;
    public static final int UPDATED = 2;
    public static final int UNCHANGED = 3;
    public static final int NAN = 4;

    /**
     * ZADD's step for one member (Redis's zsetAdd) with one member lookup: the flags decide
     * whether an absent member is added (not under XX), whether a present one is updated (not
     * under NX; under GT/LT only when the new score is greater/less), and INCR adds score to the
     * current one. Returns {@link #ADDED}, {@link #UPDATED}, {@link #UNCHANGED} (processed, same
     * score), {@link #SKIPPED} (a flag refused it) or {@link #NAN} (the increment gave NaN,
     * nothing changed). The resulting score of a processed member goes to newScore[0] when
     * newScore is not null.
     */
    public int add(byte[] member, double score, int flags, Limits limits, double[] newScore) {
        double cur;
        SkipList.Node x = null;
        int i = -1;
        if (sl == null) {
            i = indexOf(member);
            cur = i < 0 ? Double.NaN : scores[i];
        } else {
            x = sl.find(member);
            cur = x == null ? Double.NaN : x.score;
        }
        if (i < 0 && x == null) {
            if ((flags & XX) != 0) {
                return SKIPPED;
            }
            if (newScore != null) {
                newScore[0] = score;
            }
            put(member, score, limits);
            return ADDED;
        }
        if ((flags & NX) != 0) {
            return SKIPPED;
        }
        if ((flags & INCR) != 0) {
            score += cur;
            if (Double.isNaN(score)) {
                return NAN;
            }
        }
        if (((flags & GT) != 0 && score <= cur) || ((flags & LT) != 0 && score >= cur)) {
            return SKIPPED;
        }
        if (newScore != null) {
            newScore[0] = score;
        }
        if (score == cur) {
            return UNCHANGED;
        }
        if (x != null) {
            sl.updateScore(x, score);
        } else {
            removeAt(i);
            insertSorted(member, score);
        }
        return UPDATED;
    }

    /** Removes member; true if it was present. */
    public boolean remove(byte[] member) {
        if (sl == null) {
            int i = indexOf(member);
            if (i < 0) {
                return false;
            }
            removeAt(i);
            return true;
        }
        return sl.delete(member);
    }

    /** Removes the members at ascending ranks [start, start+count), which must be in range. */
    public void removeRanks(int start, int count) {
        if (count <= 0) {
            return;
        }
        if (sl == null) {
            System.arraycopy(members, start + count, members, start, n - start - count);
            System.arraycopy(scores, start + count, scores, start, n - start - count);
            Arrays.fill(members, n - count, n, null);
            n -= count;
        } else {
            sl.deleteRanks(start, count);
        }
    }

    private void removeAt(int i) {
        System.arraycopy(members, i + 1, members, i, n - i - 1);
        System.arraycopy(scores, i + 1, scores, i, n - i - 1);
        members[--n] = null;
    }

    private void insertSorted(byte[] member, double score) {
        int lo = 0;
        int hi = n;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (scores[mid] < score || (scores[mid] == score && Arrays.compareUnsigned(members[mid], member) < 0)) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        if (n == members.length) {
            int cap = Math.max(4, n + (n >> 1));
            members = Arrays.copyOf(members, cap);
            scores = Arrays.copyOf(scores, cap);
        }
        System.arraycopy(members, lo, members, lo + 1, n - lo);
        System.arraycopy(scores, lo, scores, lo + 1, n - lo);
        members[lo] = member;
        scores[lo] = listpackScore(score);
        n++;
    }

    /**
     * The score as the listpack keeps it: Redis stores listpack scores as text, and -0 is written
     * as "0", so a negative zero reads back as 0 (every other double round-trips exactly).
     */
    private static double listpackScore(double score) {
        return score == 0 ? 0.0 : score;
    }

    /** Converts a listpack-encoded set to the skiplist encoding (SORT does it to its input, as Redis). */
    public void toSkiplist() {
        if (sl == null) {
            convertToSkiplist();
        }
    }

    private void convertToSkiplist() {
        SkipList s = new SkipList();
        for (int i = 0; i < n; i++) {
            s.insert(members[i], scores[i]);
        }
        sl = s;
        members = NO_MEMBERS;
        scores = NO_SCORES;
        n = 0;
    }

    /**
     * Converts a skiplist-encoded set back to listpack when it is within the limits (used for the
     * results of ZUNIONSTORE and friends, as Redis 7.0's zsetConvertToListpackIfNeeded).
     */
    public void fitToLimits(Limits limits) {
        if (sl == null || sl.size() > limits.maxListpackEntries()) {
            return;
        }
        for (SkipList.Node x = sl.first(); x != null; x = x.next0) {
            if (x.member().length > limits.maxListpackValue()) {
                return;
            }
        }
        int size = sl.size();
        byte[][] m = new byte[size][];
        double[] s = new double[size];
        int i = 0;
        for (SkipList.Node x = sl.first(); x != null; x = x.next0, i++) {
            m[i] = x.member();
            s[i] = listpackScore(x.score);
        }
        members = m;
        scores = s;
        n = size;
        sl = null;
    }

    // ---- ranges (ranks are ascending and 0-based)

    /** Number of members with score below v (at most v when orEqual): the rank where v would start. */
    public int countBelow(double v, boolean orEqual) {
        if (sl != null) {
            return sl.countBelow(v, orEqual);
        }
        int lo = 0;
        int hi = n;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (scores[mid] < v || (orEqual && scores[mid] == v)) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    private int countBelowLex(byte[] v, boolean orEqual) {
        if (sl != null) {
            return sl.countBelowLex(v, orEqual);
        }
        int lo = 0;
        int hi = n;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            int c = Arrays.compareUnsigned(members[mid], v);
            if (c < 0 || (orEqual && c == 0)) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** First ascending rank in the score range. */
    public int firstRank(ScoreRange r) {
        return countBelow(r.min(), r.minExclusive());
    }

    /** One past the last ascending rank in the score range (at most firstRank when empty). */
    public int endRank(ScoreRange r) {
        return countBelow(r.max(), !r.maxExclusive());
    }

    /** Number of members in the score range. */
    public int count(ScoreRange r) {
        return Math.max(0, endRank(r) - firstRank(r));
    }

    /** First ascending rank in the lex range (members are assumed to share one score). */
    public int firstRank(LexRange r) {
        switch (r.minKind()) {
            case LexRange.NEG_INF:
                return 0;
            case LexRange.POS_INF:
                return size();
            default:
                return countBelowLex(r.min(), r.minKind() == LexRange.EXCLUSIVE);
        }
    }

    /** One past the last ascending rank in the lex range. */
    public int endRank(LexRange r) {
        switch (r.maxKind()) {
            case LexRange.NEG_INF:
                return 0;
            case LexRange.POS_INF:
                return size();
            default:
                return countBelowLex(r.max(), r.maxKind() == LexRange.INCLUSIVE);
        }
    }

    public int count(LexRange r) {
        return lexRun(r, false)[1];
    }

    /**
     * The lex range as Redis walks it: {ascending rank of its first member (its last when
     * reverse), number of consecutive members in range from there}. Over members sharing one score
     * this is the exact range. Over mixed scores Redis's answer is unspecified; the listpack form
     * reproduces Redis's listpack walk (first member at or above min, then on while at or below
     * max), the skiplist form answers by binary search.
     */
    public int[] lexRun(LexRange r, boolean reverse) {
        if (sl != null) {
            int first = firstRank(r);
            int count = Math.max(0, endRank(r) - first);
            return new int[] {reverse ? first + count - 1 : first, count};
        }
        if (n == 0 || lexEmpty(r) || !r.aboveMin(members[n - 1]) || !r.belowMax(members[0])) {
            return new int[] {0, 0};
        }
        if (!reverse) {
            int i = 0;
            while (i < n && !r.aboveMin(members[i])) {
                i++;
            }
            int k = i;
            while (k < n && r.belowMax(members[k])) {
                k++;
            }
            return new int[] {i, k - i};
        }
        int i = n - 1;
        while (i >= 0 && !r.belowMax(members[i])) {
            i--;
        }
        int k = i;
        while (k >= 0 && r.aboveMin(members[k])) {
            k--;
        }
        return new int[] {i, i - k};
    }

    /** True when min is above max, or equal with an exclusive or infinite end (Redis's check). */
    private static boolean lexEmpty(LexRange r) {
        int cmp;
        boolean minInf = r.minKind() >= LexRange.NEG_INF;
        boolean maxInf = r.maxKind() >= LexRange.NEG_INF;
        if (minInf && maxInf && r.minKind() == r.maxKind()) {
            cmp = 0;
        } else if (r.minKind() == LexRange.NEG_INF || r.maxKind() == LexRange.POS_INF) {
            cmp = -1;
        } else if (r.minKind() == LexRange.POS_INF || r.maxKind() == LexRange.NEG_INF) {
            cmp = 1;
        } else {
            cmp = Arrays.compareUnsigned(r.min(), r.max());
        }
        boolean exclusive = r.minKind() != LexRange.INCLUSIVE || r.maxKind() != LexRange.INCLUSIVE;
        return cmp > 0 || (cmp == 0 && exclusive);
    }

    /**
     * Visits count members starting at ascending rank start, going up, or, when reverse, going down
     * from rank start. Stops early when the visitor returns false or the set ends.
     */
    public void walk(int start, int count, boolean reverse, Visitor v) {
        if (count <= 0 || start < 0 || start >= size()) {
            return;
        }
        if (sl == null) {
            for (int k = 0, i = start; k < count && i >= 0 && i < n; k++, i += reverse ? -1 : 1) {
                if (!v.visit(members[i], scores[i])) {
                    return;
                }
            }
            return;
        }
        SkipList.Node x = sl.byRank(start);
        for (int k = 0; k < count && x != null; k++) {
            if (!v.visit(x.member(), x.score)) {
                return;
            }
            x = reverse ? x.backward : x.next0;
        }
    }

    /** Visits every member in ascending order. */
    public void forEach(Visitor v) {
        walk(0, size(), false, v);
    }

    /** The member at an ascending rank (in range). */
    public byte[] memberAt(int rank) {
        return sl == null ? members[rank] : sl.byRank(rank).member();
    }

    /** The score at an ascending rank (in range). */
    public double scoreAt(int rank) {
        return sl == null ? scores[rank] : sl.byRank(rank).score;
    }

    /** A uniformly random ascending rank in [0, size) for ZRANDMEMBER; the set must not be empty. */
    public int randomRank(Random rnd) {
        return rnd.nextInt(size());
    }

    /**
     * One ZSCAN step. The listpack form returns everything at once (cursor 0, as Redis); the
     * skiplist form scans its hash index with Redis's reverse-binary cursor.
     */
    public long scan(long cursor, Visitor v) {
        if (sl == null) {
            forEach(v);
            return 0;
        }
        return sl.index.scan(cursor, x -> v.visit(x.member(), x.score));
    }

    /** True when the set uses the small encoding (scans complete in one call). */
    public boolean isCompact() {
        return sl == null;
    }
}
