package dev.cinnabar.server.store.zset;

import dev.cinnabar.server.store.list.Listpack;
import java.util.Arrays;

/**
 * The "listpack" encoding of a small sorted set: every member and score in one exactly sized
 * {@code byte[]}, pairs ordered by (score, member bytes). Static helpers over the array; the
 * {@link ZSet} holds the array itself, so a small set costs its {@code ZSet} object (16 bytes)
 * plus this array.
 *
 * <p>Layout: {@code count} (the number of pairs, unsigned LEB128 varint), then per pair
 * {@code len member-bytes score}, where {@code len} is an unsigned LEB128 varint and
 * {@code score} one tag byte and its payload:
 * <ul>
 *   <li>tag {@code 0x00..0xEF}: the integer {@code tag - 16} (-16..223), no payload;
 *   <li>tag {@code 0xF0 + k}, k = 1..7: an integer in the next k bytes, little-endian two's
 *       complement (any integer of magnitude below 2^55);
 *   <li>tag {@code 0xF8}: any other double, its 8 IEEE bytes little-endian.
 * </ul>
 * Integers are exact doubles here, so every score reads back exactly as written; negative zero is
 * stored as 0, as Redis's listpack (which keeps scores as text) does. NaN is never stored.
 *
 * <p>Unlike {@link Listpack} entries there is no back-length: walks go forward only (a reverse
 * walk collects positions first), which saves a byte per member and per score. Writes that change
 * the size build a new array (the listpack is small, Redis reallocates it the same way); a score
 * change that keeps the encoded size moves bytes in place.
 */
final class ZPack {
    static final byte[] EMPTY = {0};

    private static final int SMALL_BIAS = 16;
    private static final int SMALL_MAX = 0xEF - SMALL_BIAS;
    private static final int INT_TAG = 0xF0;
    private static final int DOUBLE_TAG = 0xF8;
    private static final double INT_LIMIT = 0x1p55;

    private ZPack() {
    }

    static int readVarint(byte[] p, int pos) {
        int v = 0;
        int shift = 0;
        while (true) {
            int x = p[pos++];
            v |= (x & 0x7f) << shift;
            if ((x & 0x80) == 0) {
                return v;
            }
            shift += 7;
        }
    }

    private static int writeVarint(byte[] p, int pos, int v) {
        while (v >= 0x80) {
            p[pos++] = (byte) ((v & 0x7f) | 0x80);
            v >>>= 7;
        }
        p[pos++] = (byte) v;
        return pos;
    }

    /** Number of pairs. */
    static int count(byte[] p) {
        return readVarint(p, 0);
    }

    /** Position of the first pair (== p.length when empty). */
    static int first(byte[] p) {
        return Listpack.varLen(count(p));
    }

    /** Length of the member of the pair at pos. */
    static int memberLen(byte[] p, int pos) {
        return readVarint(p, pos);
    }

    /** Offset of the member bytes of the pair at pos. */
    static int memberOff(byte[] p, int pos) {
        return pos + Listpack.varLen(readVarint(p, pos));
    }

    /** Position of the score of the pair at pos. */
    static int scorePos(byte[] p, int pos) {
        int len = readVarint(p, pos);
        return pos + Listpack.varLen(len) + len;
    }

    private static int scoreSize(byte[] p, int sp) {
        int tag = p[sp] & 0xff;
        return tag < INT_TAG ? 1 : 1 + tag - INT_TAG;
    }

    /** Position of the pair after the one at pos (p.length after the last). */
    static int next(byte[] p, int pos) {
        int sp = scorePos(p, pos);
        return sp + scoreSize(p, sp);
    }

    /** The score stored at sp (a position from {@link #scorePos}). */
    static double score(byte[] p, int sp) {
        int tag = p[sp] & 0xff;
        if (tag < INT_TAG) {
            return tag - SMALL_BIAS;
        }
        int k = tag - INT_TAG;
        long v = 0;
        for (int i = k; i >= 1; i--) {
            v = (v << 8) | (p[sp + i] & 0xff);
        }
        if (k == 8) {
            return Double.longBitsToDouble(v);
        }
        int unused = 64 - 8 * k;
        return (v << unused) >> unused;
    }

    /** Bytes the score takes (tag included). */
    static int scoreSize(double v) {
        if (v >= -INT_LIMIT && v < INT_LIMIT) {
            long l = (long) v;
            if (l == v) {
                if (l >= -SMALL_BIAS && l <= SMALL_MAX) {
                    return 1;
                }
                int k = 1;
                while (l < -(1L << (8 * k - 1)) || l >= 1L << (8 * k - 1)) {
                    k++;
                }
                return 1 + k;
            }
        }
        return 9;
    }

    private static int writeScore(byte[] p, int pos, double v) {
        int size = scoreSize(v);
        long bits;
        if (size == 1) {
            p[pos] = (byte) ((long) v + SMALL_BIAS);
            return pos + 1;
        }
        if (size == 9) {
            p[pos] = (byte) DOUBLE_TAG;
            bits = Double.doubleToRawLongBits(v);
        } else {
            p[pos] = (byte) (INT_TAG + size - 1);
            bits = (long) v;
        }
        for (int i = 1; i < size; i++) {
            p[pos + i] = (byte) bits;
            bits >>= 8;
        }
        return pos + size;
    }

    /** Encoded size of a pair. */
    static int pairSize(int memberLen, double score) {
        return Listpack.varLen(memberLen) + memberLen + scoreSize(score);
    }

    private static int writePair(byte[] p, int pos, byte[] m, int off, int len, double score) {
        pos = writeVarint(p, pos, len);
        System.arraycopy(m, off, p, pos, len);
        return writeScore(p, pos + len, score);
    }

    static boolean memberEquals(byte[] p, int pos, byte[] m) {
        int len = readVarint(p, pos);
        if (len != m.length) {
            return false;
        }
        int off = pos + Listpack.varLen(len);
        return Arrays.equals(p, off, off + len, m, 0, len);
    }

    /** Position of the pair holding member m, or -1. */
    static int find(byte[] p, byte[] m) {
        for (int pos = first(p); pos < p.length; pos = next(p, pos)) {
            if (memberEquals(p, pos, m)) {
                return pos;
            }
        }
        return -1;
    }

    /** Position of the pair at rank (p.length when rank == count). */
    static int seek(byte[] p, int rank) {
        int pos = first(p);
        for (int i = 0; i < rank; i++) {
            pos = next(p, pos);
        }
        return pos;
    }

    /** True when the pair at pos sorts before (score, m). */
    private static boolean before(byte[] p, int pos, double score, byte[] m) {
        double s = score(p, scorePos(p, pos));
        if (s != score) {
            return s < score;
        }
        int len = readVarint(p, pos);
        int off = pos + Listpack.varLen(len);
        return Arrays.compareUnsigned(p, off, off + len, m, 0, m.length) < 0;
    }

    /**
     * Where a pair (score, m) goes: the position of the first pair that does not sort before it,
     * ignoring the pair at skip (pass -1 to ignore none).
     */
    static int insertPos(byte[] p, double score, byte[] m, int skip) {
        int pos = first(p);
        while (pos < p.length && (pos == skip || before(p, pos, score, m))) {
            pos = next(p, pos);
        }
        return pos;
    }

    /**
     * A new array: p with the bytes [from, to) (whole pairs) removed and, when m is not null, the
     * pair (m, score) written in their place; the count becomes newCount.
     */
    static byte[] splice(byte[] p, int from, int to, byte[] m, double score, int newCount) {
        int oldHeader = first(p);
        int shift = Listpack.varLen(newCount) - oldHeader;
        int pair = m == null ? 0 : pairSize(m.length, score);
        byte[] r = new byte[p.length + shift - (to - from) + pair];
        writeVarint(r, 0, newCount);
        System.arraycopy(p, oldHeader, r, oldHeader + shift, from - oldHeader);
        int at = from + shift;
        if (m != null) {
            at = writePair(r, at, m, 0, m.length, score);
        }
        System.arraycopy(p, to, r, at, p.length - to);
        return r;
    }

    /**
     * Sets the score of the pair at pos (holding m), keeping the order. In place when the encoded
     * size is unchanged (bytes between the old and new places shift), else into one new array.
     */
    static byte[] rescore(byte[] p, int pos, byte[] m, double score) {
        int end = next(p, pos);
        int size = end - pos;
        int q = insertPos(p, score, m, pos);
        int newSize = pairSize(m.length, score);
        if (newSize != size) {
            // one new array: the bytes around the old and the new places, and the pair
            byte[] r = new byte[p.length - size + newSize];
            if (q >= end) {
                System.arraycopy(p, 0, r, 0, pos);
                System.arraycopy(p, end, r, pos, q - end);
                writePair(r, q - size, m, 0, m.length, score);
                System.arraycopy(p, q, r, q - size + newSize, p.length - q);
            } else {
                System.arraycopy(p, 0, r, 0, q);
                writePair(r, q, m, 0, m.length, score);
                System.arraycopy(p, q, r, q + newSize, pos - q);
                System.arraycopy(p, end, r, pos + newSize, p.length - end);
            }
            return r;
        }
        if (q >= end) {
            System.arraycopy(p, end, p, pos, q - end);
            writePair(p, q - size, m, 0, m.length, score);
        } else {
            System.arraycopy(p, q, p, q + size, pos - q);
            writePair(p, q, m, 0, m.length, score);
        }
        return p;
    }

    /** Builds a pack from members and scores already in order. */
    static byte[] build(byte[][] members, double[] scores, int n) {
        int size = Listpack.varLen(n);
        for (int i = 0; i < n; i++) {
            size += pairSize(members[i].length, scores[i]);
        }
        byte[] p = new byte[size];
        int pos = writeVarint(p, 0, n);
        for (int i = 0; i < n; i++) {
            pos = writePair(p, pos, members[i], 0, members[i].length, scores[i]);
        }
        return p;
    }
}
