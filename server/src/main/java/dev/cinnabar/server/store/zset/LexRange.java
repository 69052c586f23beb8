package dev.cinnabar.server.store.zset;

import java.util.Arrays;

/**
 * A member interval for lexicographic range queries (ZRANGEBYLEX): each bound is {@code -}
 * (before everything), {@code +} (after everything), {@code [x} (inclusive) or {@code (x}
 * (exclusive). Members compare as unsigned bytes (memcmp).
 *
 * @param min the lower bound's bytes, or null when the bound is {@code -} or {@code +}
 * @param minKind one of {@link #NEG_INF}, {@link #POS_INF}, {@link #INCLUSIVE}, {@link #EXCLUSIVE}
 */
public record LexRange(byte[] min, int minKind, byte[] max, int maxKind) {
    public static final int INCLUSIVE = 0;
    public static final int EXCLUSIVE = 1;
    public static final int NEG_INF = 2;
    public static final int POS_INF = 3;

    /** Parses a pair of bounds; null when either is not a valid lex range item. */
    public static LexRange parse(byte[] min, byte[] max) {
        int a = kind(min);
        int b = kind(max);
        if (a < 0 || b < 0) {
            return null;
        }
        return new LexRange(a <= EXCLUSIVE ? Arrays.copyOfRange(min, 1, min.length) : null, a,
                b <= EXCLUSIVE ? Arrays.copyOfRange(max, 1, max.length) : null, b);
    }

    private static int kind(byte[] b) {
        if (b.length == 0) {
            return -1;
        }
        switch (b[0]) {
            case '+':
                return b.length == 1 ? POS_INF : -1;
            case '-':
                return b.length == 1 ? NEG_INF : -1;
            case '[':
                return INCLUSIVE;
            case '(':
                return EXCLUSIVE;
            default:
                return -1;
        }
    }

    /** True when member is at or after the lower bound. */
    public boolean aboveMin(byte[] member) {
        return aboveMin(member, 0, member.length);
    }

    /** True when the member in b[off, off+len) is at or after the lower bound. */
    public boolean aboveMin(byte[] b, int off, int len) {
        switch (minKind) {
            case NEG_INF:
                return true;
            case POS_INF:
                return false;
            case INCLUSIVE:
                return Arrays.compareUnsigned(b, off, off + len, min, 0, min.length) >= 0;
            default:
                return Arrays.compareUnsigned(b, off, off + len, min, 0, min.length) > 0;
        }
    }

    /** True when member is at or before the upper bound. */
    public boolean belowMax(byte[] member) {
        return belowMax(member, 0, member.length);
    }

    /** True when the member in b[off, off+len) is at or before the upper bound. */
    public boolean belowMax(byte[] b, int off, int len) {
        switch (maxKind) {
            case NEG_INF:
                return false;
            case POS_INF:
                return true;
            case INCLUSIVE:
                return Arrays.compareUnsigned(b, off, off + len, max, 0, max.length) <= 0;
            default:
                return Arrays.compareUnsigned(b, off, off + len, max, 0, max.length) < 0;
        }
    }
}
