package dev.cinnabar.server.store.zset;

import dev.cinnabar.server.store.RValue;
import java.util.Arrays;
import java.util.Random;

/**
 * A sorted set: unique byte-string members ordered by (score, member bytes).
 *
 * <p>Two encodings, as Redis 7.0, hidden from callers:
 * <ul>
 *   <li>"listpack": members and scores packed in one exactly sized byte array ({@link ZPack}),
 *       for small sets (linear lookups and range searches, as Redis's listpack);
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

    /** Receives members of a range walk as slices of an array (not to be kept); false stops. */
    @FunctionalInterface
    public interface SliceVisitor {
        boolean visit(byte[] buf, int off, int len, double score);
    }

    // the listpack form's byte[] (ZPack layout), or the skiplist form's SkipList: one field, so a
    // small set is a 16-byte object plus its pack
    private Object enc = ZPack.EMPTY;

    public ZSet() {
    }

    /** An empty set already in the skiplist encoding (for results known to be large). */
    public static ZSet skiplist() {
        ZSet z = new ZSet();
        z.enc = new SkipList();
        return z;
    }

    private boolean packed() {
        return enc instanceof byte[];
    }

    private byte[] pack() {
        return (byte[]) enc;
    }

    /** The member index of the skiplist encoding (Redis's zset dict), or null (DEBUG HTSTATS-KEY). */
    public dev.cinnabar.server.store.set.BytesTable<?> hashTable() {
        SkipList s = sl();
        return s == null ? null : s.index;
    }

    /** The skiplist, or null in the listpack form. */
    private SkipList sl() {
        return enc instanceof SkipList s ? s : null;
    }

    @Override
    public String type() {
        return "zset";
    }

    @Override
    public String encoding() {
        return packed() ? "listpack" : "skiplist";
    }

    @Override
    public boolean isEmpty() {
        return size() == 0;
    }

    public int size() {
        return packed() ? ZPack.count(pack()) : sl().size();
    }

    @Override
    public ZSet copy() {
        ZSet z = new ZSet();
        if (packed()) {
            z.enc = pack().clone();
        } else {
            SkipList s = new SkipList();
            for (SkipList.Node x = sl().first(); x != null; x = x.next0) {
                s.insert(x.member(), x.score);
            }
            z.enc = s;
        }
        return z;
    }

    // ---- lookups

    /** The member's score, or null when absent. */
    public Double score(byte[] member) {
        if (packed()) {
            byte[] p = pack();
            int pos = ZPack.find(p, member);
            return pos < 0 ? null : ZPack.score(p, ZPack.scorePos(p, pos));
        }
        SkipList.Node x = sl().find(member);
        return x == null ? null : x.score;
    }

    public boolean contains(byte[] member) {
        return packed() ? ZPack.find(pack(), member) >= 0 : sl().find(member) != null;
    }

    /** 0-based rank (ascending, or descending when reverse), or -1 when absent. */
    public int rank(byte[] member, boolean reverse) {
        int r = -1;
        if (packed()) {
            byte[] p = pack();
            int i = 0;
            for (int pos = ZPack.first(p); pos < p.length; pos = ZPack.next(p, pos), i++) {
                if (ZPack.memberEquals(p, pos, member)) {
                    r = i;
                    break;
                }
            }
        } else {
            SkipList.Node x = sl().find(member);
            r = x == null ? -1 : sl().rank(x);
        }
        return r < 0 ? -1 : reverse ? size() - 1 - r : r;
    }

    // ---- updates

    /**
     * Sets member's score, inserting it when absent. Returns true when the member was added,
     * false when an existing member's score was set (possibly to the same value).
     */
    public boolean put(byte[] member, double score, Limits limits) {
        return add(member, score, 0, limits, null) == ADDED;
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
        double cur = Double.NaN;
        SkipList.Node x = null;
        int pos = -1;
        if (packed()) {
            byte[] p = pack();
            pos = ZPack.find(p, member);
            if (pos >= 0) {
                cur = ZPack.score(p, ZPack.scorePos(p, pos));
            }
        } else {
            x = sl().find(member);
            if (x != null) {
                cur = x.score;
            }
        }
        if (pos < 0 && x == null) {
            if ((flags & XX) != 0) {
                return SKIPPED;
            }
            if (newScore != null) {
                newScore[0] = score;
            }
            insert(member, score, limits);
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
            sl().updateScore(x, score);
        } else {
            enc = ZPack.rescore(pack(), pos, member, listpackScore(score));
        }
        return UPDATED;
    }

    /** Adds an absent member, converting to skiplist first when it would break a limit (as Redis 7.0). */
    private void insert(byte[] member, double score, Limits limits) {
        if (packed()) {
            byte[] p = pack();
            int n = ZPack.count(p);
            if (n + 1 <= limits.maxListpackEntries() && member.length <= limits.maxListpackValue()) {
                double s = listpackScore(score);
                int q = ZPack.insertPos(p, s, member, -1);
                enc = ZPack.splice(p, q, q, member, s, n + 1);
                return;
            }
            convertToSkiplist();
        }
        sl().insert(member, score);
    }

    /** Removes member; true if it was present. */
    public boolean remove(byte[] member) {
        if (!packed()) {
            return sl().delete(member);
        }
        byte[] p = pack();
        int pos = ZPack.find(p, member);
        if (pos < 0) {
            return false;
        }
        enc = ZPack.splice(p, pos, ZPack.next(p, pos), null, 0, ZPack.count(p) - 1);
        return true;
    }

    /** Removes the members at ascending ranks [start, start+count), which must be in range. */
    public void removeRanks(int start, int count) {
        if (count <= 0) {
            return;
        }
        if (!packed()) {
            sl().deleteRanks(start, count);
            return;
        }
        byte[] p = pack();
        int from = ZPack.seek(p, start);
        int to = from;
        for (int i = 0; i < count; i++) {
            to = ZPack.next(p, to);
        }
        enc = ZPack.splice(p, from, to, null, 0, ZPack.count(p) - count);
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
        if (packed()) {
            convertToSkiplist();
        }
    }

    private void convertToSkiplist() {
        SkipList s = new SkipList();
        byte[] p = pack();
        for (int pos = ZPack.first(p); pos < p.length; pos = ZPack.next(p, pos)) {
            int off = ZPack.memberOff(p, pos);
            int sp = ZPack.scorePos(p, pos);
            s.insert(Arrays.copyOfRange(p, off, sp), ZPack.score(p, sp));
        }
        enc = s;
    }

    /**
     * Converts a skiplist-encoded set back to listpack when it is within the limits (used for the
     * results of ZUNIONSTORE and friends, as Redis 7.0's zsetConvertToListpackIfNeeded).
     */
    public void fitToLimits(Limits limits) {
        SkipList sl = sl();
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
        enc = ZPack.build(m, s, size);
    }

    // ---- ranges (ranks are ascending and 0-based)

    /** Number of members with score below v (at most v when orEqual): the rank where v would start. */
    public int countBelow(double v, boolean orEqual) {
        if (!packed()) {
            return sl().countBelow(v, orEqual);
        }
        byte[] p = pack();
        int r = 0;
        for (int pos = ZPack.first(p); pos < p.length; pos = ZPack.next(p, pos), r++) {
            double s = ZPack.score(p, ZPack.scorePos(p, pos));
            if (!(s < v || (orEqual && s == v))) {
                break;
            }
        }
        return r;
    }

    private int countBelowLex(byte[] v, boolean orEqual) {
        if (!packed()) {
            return sl().countBelowLex(v, orEqual);
        }
        byte[] p = pack();
        int r = 0;
        for (int pos = ZPack.first(p); pos < p.length; pos = ZPack.next(p, pos), r++) {
            int off = ZPack.memberOff(p, pos);
            int c = Arrays.compareUnsigned(p, off, off + ZPack.memberLen(p, pos), v, 0, v.length);
            if (!(c < 0 || (orEqual && c == 0))) {
                break;
            }
        }
        return r;
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
        if (!packed()) {
            int first = firstRank(r);
            int count = Math.max(0, endRank(r) - first);
            return new int[] {reverse ? first + count - 1 : first, count};
        }
        byte[] p = pack();
        int head = ZPack.first(p);
        if (head == p.length || lexEmpty(r)) {
            return new int[] {0, 0};
        }
        int tail = head;
        for (int pos = head; pos < p.length; pos = ZPack.next(p, pos)) {
            tail = pos;
        }
        // Redis's listpack check first: the last member at or above min, the first at or below max
        if (!r.aboveMin(p, ZPack.memberOff(p, tail), ZPack.memberLen(p, tail))
                || !r.belowMax(p, ZPack.memberOff(p, head), ZPack.memberLen(p, head))) {
            return new int[] {0, 0};
        }
        if (!reverse) {
            // the first member at or above min, then on while at or below max
            int i = 0;
            int run = 0;
            boolean started = false;
            for (int pos = ZPack.first(p); pos < p.length; pos = ZPack.next(p, pos)) {
                int off = ZPack.memberOff(p, pos);
                int len = ZPack.memberLen(p, pos);
                if (!started) {
                    if (!r.aboveMin(p, off, len)) {
                        i++;
                        continue;
                    }
                    started = true;
                }
                if (!r.belowMax(p, off, len)) {
                    break;
                }
                run++;
            }
            return new int[] {i, run};
        }
        // the last member at or below max, then down while at or above min: the run of members
        // above min ending at that last one
        int last = -1;
        int lastRun = 0;
        int run = 0;
        int i = 0;
        for (int pos = ZPack.first(p); pos < p.length; pos = ZPack.next(p, pos), i++) {
            int off = ZPack.memberOff(p, pos);
            int len = ZPack.memberLen(p, pos);
            run = r.aboveMin(p, off, len) ? run + 1 : 0;
            if (r.belowMax(p, off, len)) {
                last = i;
                lastRun = run;
            }
        }
        return last < 0 ? new int[] {0, 0} : new int[] {last, lastRun};
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
        if (packed()) {
            walkSlices(start, count, reverse,
                (buf, off, len, s) -> v.visit(Arrays.copyOfRange(buf, off, off + len), s));
            return;
        }
        SkipList.Node x = sl().byRank(start);
        for (int k = 0; k < count && x != null; k++) {
            if (!v.visit(x.member(), x.score)) {
                return;
            }
            x = reverse ? x.backward : x.next0;
        }
    }

    /**
     * As {@link #walk}, handing out members as slices of an array the visitor must not keep:
     * nothing is copied (the reply path of ZRANGE and friends).
     */
    public void walkSlices(int start, int count, boolean reverse, SliceVisitor v) {
        if (count <= 0 || start < 0 || start >= size()) {
            return;
        }
        if (!packed()) {
            walk(start, count, reverse, (m, s) -> v.visit(m, 0, m.length, s));
            return;
        }
        byte[] p = pack();
        if (!reverse) {
            int pos = ZPack.seek(p, start);
            for (int k = 0; k < count && pos < p.length; k++, pos = ZPack.next(p, pos)) {
                if (!visitPair(p, pos, v)) {
                    return;
                }
            }
            return;
        }
        // a pack is walked forwards only: collect the positions of ranks [lo, start] first
        int lo = Math.max(0, start - count + 1);
        int[] at = new int[start - lo + 1];
        int pos = ZPack.seek(p, lo);
        for (int k = 0; k < at.length; k++, pos = ZPack.next(p, pos)) {
            at[k] = pos;
        }
        for (int k = at.length - 1; k >= 0; k--) {
            if (!visitPair(p, at[k], v)) {
                return;
            }
        }
    }

    private static boolean visitPair(byte[] p, int pos, SliceVisitor v) {
        int off = ZPack.memberOff(p, pos);
        int sp = ZPack.scorePos(p, pos);
        return v.visit(p, off, sp - off, ZPack.score(p, sp));
    }

    /** Visits every member in ascending order. */
    public void forEach(Visitor v) {
        walk(0, size(), false, v);
    }

    /** The member at an ascending rank (in range). */
    public byte[] memberAt(int rank) {
        if (!packed()) {
            return sl().byRank(rank).member();
        }
        byte[] p = pack();
        int pos = ZPack.seek(p, rank);
        int off = ZPack.memberOff(p, pos);
        return Arrays.copyOfRange(p, off, ZPack.scorePos(p, pos));
    }

    /** The score at an ascending rank (in range). */
    public double scoreAt(int rank) {
        if (!packed()) {
            return sl().byRank(rank).score;
        }
        byte[] p = pack();
        return ZPack.score(p, ZPack.scorePos(p, ZPack.seek(p, rank)));
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
        if (packed()) {
            forEach(v);
            return 0;
        }
        return sl().index.scan(cursor, x -> v.visit(x.member(), x.score));
    }

    /** True when the set uses the small encoding (scans complete in one call). */
    public boolean isCompact() {
        return packed();
    }

    /** Length of the small encoding's array (memory accounting); 0 in the skiplist form. */
    public int packLength() {
        return packed() ? pack().length : 0;
    }
}
