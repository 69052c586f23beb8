package dev.cinnabar.server.store;

/** Number parsing with Redis's strictness (string2ll, string2ld). */
public final class Numbers {
    private Numbers() {
    }

    /**
     * Parses the canonical decimal form of a long (no sign '+', no leading zeros, no spaces, "-0"
     * rejected, overflow rejected), as Redis's string2ll; the value goes to out[0].
     */
    public static boolean parseLongStrict(byte[] b, int off, int len, long[] out) {
        if (len == 0 || len > 20) {
            return false;
        }
        int i = off;
        int end = off + len;
        if (len == 1 && b[i] == '0') {
            out[0] = 0;
            return true;
        }
        boolean neg = false;
        if (b[i] == '-') {
            neg = true;
            i++;
            if (i == end) {
                return false;
            }
        }
        if (b[i] < '1' || b[i] > '9') {
            return false;
        }
        long v = 0; // accumulate negatively to reach Long.MIN_VALUE
        for (; i < end; i++) {
            int d = b[i] - '0';
            if (d < 0 || d > 9) {
                return false;
            }
            if (v < (Long.MIN_VALUE + d) / 10) {
                return false;
            }
            v = v * 10 - d;
        }
        if (!neg) {
            if (v == Long.MIN_VALUE) {
                return false;
            }
            v = -v;
        }
        out[0] = v;
        return true;
    }

    /** Parses a long argument; null if it is not a valid long (the caller replies NOT_INTEGER). */
    public static Long parseLong(byte[] b) {
        long[] out = new long[1];
        return parseLongStrict(b, 0, b.length, out) ? out[0] : null;
    }

    public static int digits(long v) {
        if (v == Long.MIN_VALUE) {
            return 20;
        }
        int n = v < 0 ? 2 : 1;
        long a = Math.abs(v);
        while (a >= 10) {
            a /= 10;
            n++;
        }
        return n;
    }
}
