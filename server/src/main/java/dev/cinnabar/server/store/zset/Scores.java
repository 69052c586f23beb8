package dev.cinnabar.server.store.zset;

/**
 * Score parsing with the acceptance rules of C's {@code strtod}, which Redis uses: optional
 * leading sign, decimal or hexadecimal ({@code 0x1.8p3}) mantissas, exponents, {@code inf},
 * {@code infinity} and {@code nan} in any case. Errors are reported as NaN (never a valid score).
 */
public final class Scores {
    private Scores() {
    }

    /**
     * A score argument (ZADD, ZINCRBY, WEIGHTS): the whole argument must be a number, no leading
     * space, no overflow to infinity or underflow to zero, not NaN. Returns NaN when invalid.
     */
    public static double parse(byte[] b) {
        if (b.length == 0 || isSpace(b[0])) {
            return Double.NaN;
        }
        long small = smallInteger(b);
        if (small != NOT_SMALL) {
            return small;
        }
        long r = scan(b, 0);
        if (end(r) != b.length) {
            return Double.NaN;
        }
        double v = value(b, 0, b.length);
        if (Double.isNaN(v) || (rangeError(r) && (Double.isInfinite(v) || v == 0))) {
            return Double.NaN;
        }
        return v;
    }

    /**
     * A range bound (ZRANGEBYSCORE's min and max, after an optional '('): leading spaces allowed,
     * overflow gives infinity, an empty string is 0, trailing garbage and NaN are invalid.
     */
    public static double parseBound(byte[] b, int off) {
        long r = scan(b, off);
        if (end(r) != b.length) {
            return Double.NaN;
        }
        if (start(r) < 0) {
            return 0; // nothing converted (empty input): strtod returns 0
        }
        return value(b, off, b.length);
    }

    private static final long NOT_SMALL = Long.MIN_VALUE;

    /**
     * The common case without allocating: an optional sign and 1 to 15 decimal digits (so the value
     * is below 2^53 and exact as a double), which strtod reads as that integer. Otherwise
     * {@link #NOT_SMALL}. A negative zero is left to the general path, which keeps its sign.
     */
    private static long smallInteger(byte[] b) {
        int n = b.length;
        int i = b[0] == '-' || b[0] == '+' ? 1 : 0;
        if (n == i || n - i > 15) {
            return NOT_SMALL;
        }
        long v = 0;
        for (int k = i; k < n; k++) {
            int d = b[k] - '0';
            if (d < 0 || d > 9) {
                return NOT_SMALL;
            }
            v = v * 10 + d;
        }
        if (b[0] == '-') {
            return v == 0 ? NOT_SMALL : -v;
        }
        return v;
    }

    // scan() packs: bit 63 range-check-needed flag (non-zero digit seen and not inf/nan),
    // bits 32..62 start of the number (-1 if nothing converted), bits 0..31 end offset.
    private static long pack(int start, int end, boolean nonZeroDigits) {
        return (nonZeroDigits ? Long.MIN_VALUE : 0) | ((long) (start + 1) << 32) | (end & 0xffffffffL);
    }

    private static int end(long r) {
        return (int) r;
    }

    private static int start(long r) {
        return (int) ((r >>> 32) & 0x7fffffff) - 1;
    }

    private static boolean rangeError(long r) {
        return r < 0;
    }

    /** Finds the longest prefix of b[off..] that strtod would convert. */
    private static long scan(byte[] b, int off) {
        int n = b.length;
        int i = off;
        while (i < n && isSpace(b[i])) {
            i++;
        }
        int numStart = i;
        if (i < n && (b[i] == '+' || b[i] == '-')) {
            i++;
        }
        if (matches(b, i, "infinity")) {
            return pack(numStart, i + 8, false);
        }
        if (matches(b, i, "inf")) {
            return pack(numStart, i + 3, false);
        }
        if (matches(b, i, "nan")) {
            int j = i + 3;
            if (j < n && b[j] == '(') {
                int k = j + 1;
                while (k < n && (isAlnum(b[k]) || b[k] == '_')) {
                    k++;
                }
                if (k < n && b[k] == ')') {
                    j = k + 1;
                }
            }
            return pack(numStart, j, false);
        }
        boolean nonZero = false;
        if (i + 1 < n && b[i] == '0' && (b[i + 1] == 'x' || b[i + 1] == 'X')) {
            int j = i + 2;
            int digits = 0;
            while (j < n && hex(b[j]) >= 0) {
                nonZero |= b[j] != '0';
                j++;
                digits++;
            }
            if (j < n && b[j] == '.') {
                j++;
                while (j < n && hex(b[j]) >= 0) {
                    nonZero |= b[j] != '0';
                    j++;
                    digits++;
                }
            }
            if (digits > 0) {
                return pack(numStart, exponent(b, j, 'p'), nonZero);
            }
            // "0x" with no hex digits: strtod converts the "0" only
            return pack(numStart, i + 1, false);
        }
        int j = i;
        int digits = 0;
        while (j < n && isDigit(b[j])) {
            nonZero |= b[j] != '0';
            j++;
            digits++;
        }
        if (j < n && b[j] == '.') {
            j++;
            while (j < n && isDigit(b[j])) {
                nonZero |= b[j] != '0';
                j++;
                digits++;
            }
        }
        if (digits == 0) {
            return pack(-1, off, false); // no conversion: end stays at the input's start
        }
        return pack(numStart, exponent(b, j, 'e'), nonZero);
    }

    /** Consumes an optional exponent part starting at j ("e-12", "p+3"); returns the new end. */
    private static int exponent(byte[] b, int j, char letter) {
        int n = b.length;
        if (j < n && (b[j] | 0x20) == letter) {
            int k = j + 1;
            if (k < n && (b[k] == '+' || b[k] == '-')) {
                k++;
            }
            if (k < n && isDigit(b[k])) {
                while (k < n && isDigit(b[k])) {
                    k++;
                }
                return k;
            }
        }
        return j;
    }

    /** Converts b[from..to) (already validated by scan, maybe with leading spaces). */
    private static double value(byte[] b, int from, int to) {
        String s = new String(b, from, to - from, java.nio.charset.StandardCharsets.ISO_8859_1).strip();
        if (s.isEmpty()) {
            return 0;
        }
        boolean neg = s.charAt(0) == '-';
        String body = s.charAt(0) == '-' || s.charAt(0) == '+' ? s.substring(1) : s;
        String lower = body.toLowerCase(java.util.Locale.ROOT);
        double v;
        if (lower.startsWith("inf")) {
            v = Double.POSITIVE_INFINITY;
        } else if (lower.startsWith("nan")) {
            v = Double.NaN;
        } else if (lower.startsWith("0x")) {
            v = Double.parseDouble(lower.indexOf('p') >= 0 ? lower : lower + "p0");
        } else {
            v = Double.parseDouble(body);
        }
        return neg ? -v : v;
    }

    private static boolean matches(byte[] b, int i, String word) {
        if (i + word.length() > b.length) {
            return false;
        }
        for (int k = 0; k < word.length(); k++) {
            if ((b[i + k] | 0x20) != word.charAt(k)) {
                return false;
            }
        }
        return true;
    }

    private static boolean isSpace(byte c) {
        return c == ' ' || (c >= '\t' && c <= '\r');
    }

    private static boolean isDigit(byte c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isAlnum(byte c) {
        return isDigit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
    }

    private static int hex(byte c) {
        if (isDigit(c)) {
            return c - '0';
        }
        int l = c | 0x20;
        return l >= 'a' && l <= 'f' ? l - 'a' + 10 : -1;
    }
}
