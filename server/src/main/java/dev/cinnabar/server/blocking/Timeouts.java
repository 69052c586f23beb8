package dev.cinnabar.server.blocking;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * Blocking-command timeouts in seconds, parsed as Redis 7.0 parses them: the argument is read as a
 * long double (strtold rules: optional sign, decimal or exponent forms, "inf", no spaces), then
 * multiplied by 1000 and rounded up to whole milliseconds. Values whose milliseconds do not fit a
 * 64-bit integer (including infinities) come out negative in Redis, so they are "negative" here.
 */
public final class Timeouts {
    /** Not a float (or out of the long double range). */
    public static final long NOT_FLOAT = Long.MIN_VALUE;
    /** Negative, or too large to represent. */
    public static final long NEGATIVE = Long.MIN_VALUE + 1;
    private static final int MAX_CHARS = 5 * 1024;
    private static final BigDecimal THOUSAND = BigDecimal.valueOf(1000);
    private static final BigDecimal LONG_MAX = BigDecimal.valueOf(Long.MAX_VALUE);

    private Timeouts() {
    }

    /**
     * A timeout given in whole milliseconds (WAIT, CLIENT PAUSE, XREAD BLOCK), read as Redis's
     * millisecond timeouts: an integer that is not negative. Returns it, or -1 after replying the
     * error to c.
     */
    public static long millisOrReply(dev.cinnabar.server.session.Client c, byte[] arg) {
        Long v = dev.cinnabar.server.store.Numbers.parseLong(arg);
        if (v == null) {
            c.error(dev.cinnabar.server.protocol.Errors.TIMEOUT_NOT_INTEGER);
            return -1;
        }
        if (v < 0) {
            c.error(dev.cinnabar.server.protocol.Errors.TIMEOUT_NEGATIVE);
            return -1;
        }
        return v;
    }

    /** Milliseconds (0 = block forever), or {@link #NOT_FLOAT} / {@link #NEGATIVE}. */
    public static long parseSeconds(byte[] arg) {
        if (arg.length == 0 || arg.length > MAX_CHARS) {
            return NOT_FLOAT;
        }
        String s = new String(arg, java.nio.charset.StandardCharsets.ISO_8859_1);
        int i = 0;
        boolean neg = false;
        if (s.charAt(0) == '+' || s.charAt(0) == '-') {
            neg = s.charAt(0) == '-';
            i = 1;
        }
        String body = s.substring(i);
        String lower = body.toLowerCase(java.util.Locale.ROOT);
        if (lower.equals("inf") || lower.equals("infinity")) {
            return NEGATIVE; // (long long) of an infinite product overflows to a negative value
        }
        BigDecimal v;
        if (lower.startsWith("0x")) {
            v = parseHex(lower.substring(2));
        } else {
            v = parseDecimal(body);
        }
        if (v == null) {
            return NOT_FLOAT;
        }
        if (v.signum() == 0) {
            return 0;
        }
        int magnitude = v.precision() - v.scale(); // decimal digits before the point
        if (magnitude > 4933 || magnitude < -4950) {
            return NOT_FLOAT; // outside the long double range: strtold reports ERANGE
        }
        if (magnitude > 20) {
            return NEGATIVE;
        }
        if (neg) {
            v = v.negate();
        }
        BigDecimal ms = v.multiply(THOUSAND);
        // Positive values round up to the next ms (0.0001 waits 1ms, not forever); negative
        // fractions above -1ms truncate to 0, which means "forever" as in Redis.
        BigDecimal rounded = ms.signum() > 0 ? ms.setScale(0, RoundingMode.CEILING) : ms.setScale(0, RoundingMode.DOWN);
        if (rounded.compareTo(LONG_MAX) > 0) {
            return NEGATIVE;
        }
        long r = rounded.longValueExact();
        if (r < 0) {
            return NEGATIVE;
        }
        return r;
    }

    private static BigDecimal parseDecimal(String b) {
        int n = b.length();
        int i = 0;
        int digits = 0;
        while (i < n && isDigit(b.charAt(i))) {
            i++;
            digits++;
        }
        if (i < n && b.charAt(i) == '.') {
            i++;
            while (i < n && isDigit(b.charAt(i))) {
                i++;
                digits++;
            }
        }
        if (digits == 0) {
            return null;
        }
        if (i < n && (b.charAt(i) == 'e' || b.charAt(i) == 'E')) {
            int j = i + 1;
            if (j < n && (b.charAt(j) == '+' || b.charAt(j) == '-')) {
                j++;
            }
            int expDigits = 0;
            while (j < n && isDigit(b.charAt(j))) {
                j++;
                expDigits++;
            }
            if (expDigits == 0 || expDigits > 9) {
                return null; // no exponent digits, or far outside the long double range
            }
            i = j;
        }
        if (i != n) {
            return null;
        }
        try {
            return new BigDecimal(b.startsWith(".") ? "0" + b : b);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static BigDecimal parseHex(String h) {
        if (h.isEmpty() || h.length() > 64) {
            return null;
        }
        BigDecimal v = BigDecimal.ZERO;
        BigDecimal sixteen = BigDecimal.valueOf(16);
        int i = 0;
        int digits = 0;
        for (; i < h.length() && Character.digit(h.charAt(i), 16) >= 0; i++) {
            v = v.multiply(sixteen).add(BigDecimal.valueOf(Character.digit(h.charAt(i), 16)));
            digits++;
        }
        if (i < h.length() && h.charAt(i) == '.') {
            i++;
            BigDecimal scale = BigDecimal.ONE;
            for (; i < h.length() && Character.digit(h.charAt(i), 16) >= 0; i++) {
                scale = scale.divide(sixteen);
                v = v.add(scale.multiply(BigDecimal.valueOf(Character.digit(h.charAt(i), 16))));
                digits++;
            }
        }
        if (digits == 0 || i != h.length()) {
            return null;
        }
        return v;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }
}
