package dev.cinnabar.server.store;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;

/**
 * Number parsing and formatting with Redis's strictness: integers as its string2ll, and C's
 * {@code long double} arithmetic as INCRBYFLOAT and HINCRBYFLOAT do it.
 *
 * <p>Redis does INCRBYFLOAT in x87 extended precision (a 64-bit mantissa, exponents down to
 * 2^-16445 with subnormals, overflow at 2^16384), parsing with strtold and printing with
 * {@code %.17Lf} minus trailing zeros. Doubles would give different digits (10.5 + 0.1 prints
 * 10.6 in Redis, 10.599999999999999645 with a double), so we keep exact values in
 * {@link BigDecimal}s rounded to that format after every step: parsing rounds the decimal (or
 * hexadecimal) input once, like strtold; an addition rounds the exact sum once, like the FPU.
 */
public final class Numbers {
    private Numbers() {
    }

    /** strtold input Redis accepts is shorter than this (MAX_LONG_DOUBLE_CHARS). */
    public static final int MAX_LONG_DOUBLE_CHARS = 5 * 1024;
    private static final int LD_MANTISSA_BITS = 64;
    /** Exponent of the least significant mantissa bit of the smallest subnormal. */
    private static final int LD_MIN_EXP = -16445;
    /** Values at or above 2^LD_MAX_EXP overflow to infinity. */
    private static final int LD_MAX_EXP = 16384;
    private static final BigInteger TWO_64 = BigInteger.ONE.shiftLeft(LD_MANTISSA_BITS);

    /**
     * A long double value: exactly {@code value} (already rounded to the 64-bit-mantissa format),
     * or an infinity of the given sign when {@code infinity != 0}.
     */
    public record LongDouble(BigDecimal value, int infinity) {
        public boolean isInfinite() {
            return infinity != 0;
        }

        public static LongDouble of(BigDecimal exact) {
            return new LongDouble(exact, 0);
        }
    }

    /**
     * Parses a long double as Redis's string2ld: strtold over the whole string, no leading
     * space, no trailing bytes, NaN rejected, overflow and underflow to zero rejected. Returns
     * null when invalid.
     */
    public static LongDouble parseLongDouble(byte[] b) {
        int len = b.length;
        if (len == 0 || len >= MAX_LONG_DOUBLE_CHARS) {
            return null;
        }
        int i = 0;
        int sign = 1;
        if (b[i] == '+' || b[i] == '-') {
            sign = b[i] == '-' ? -1 : 1;
            i++;
        }
        if (i == len) {
            return null;
        }
        if (isWord(b, i, "infinity") || isWord(b, i, "inf")) {
            return new LongDouble(null, sign);
        }
        BigDecimal exact;
        if (len - i > 2 && b[i] == '0' && (b[i + 1] == 'x' || b[i + 1] == 'X')) {
            exact = parseHex(b, i + 2);
            if (exact == null) {
                return null;
            }
        } else {
            exact = parseDecimal(b, i);
            if (exact == null) {
                return null;
            }
        }
        if (exact.signum() == 0) {
            return LongDouble.of(BigDecimal.ZERO);
        }
        BigDecimal r = roundLongDouble(sign < 0 ? exact.negate() : exact);
        if (r == null) {
            return null; // overflow: strtold returns HUGE_VAL with ERANGE
        }
        if (r.signum() == 0) {
            return null; // underflow to zero: ERANGE
        }
        return LongDouble.of(r);
    }

    private static boolean isWord(byte[] b, int i, String w) {
        if (b.length - i != w.length()) {
            return false;
        }
        for (int k = 0; k < w.length(); k++) {
            int c = b[i + k];
            if (c >= 'A' && c <= 'Z') {
                c += 32;
            }
            if (c != w.charAt(k)) {
                return false;
            }
        }
        return true;
    }

    private static final long BAD_EXPONENT = Long.MIN_VALUE;

    /**
     * The exponent written from b[i] to the end: nothing (0), or the marker letter (either case),
     * an optional sign and decimal digits (clamped far beyond any usable range). BAD_EXPONENT
     * when anything else is there.
     */
    private static long exponentSuffix(byte[] b, int i, char marker) {
        int len = b.length;
        if (i == len) {
            return 0;
        }
        if (Character.toLowerCase((char) b[i]) != marker) {
            return BAD_EXPONENT;
        }
        i++;
        int sign = 1;
        if (i < len && (b[i] == '+' || b[i] == '-')) {
            sign = b[i] == '-' ? -1 : 1;
            i++;
        }
        if (i == len) {
            return BAD_EXPONENT;
        }
        long exp = 0;
        for (; i < len; i++) {
            if (b[i] < '0' || b[i] > '9') {
                return BAD_EXPONENT;
            }
            if (exp < 1_000_000_000L) {
                exp = exp * 10 + (b[i] - '0');
            }
        }
        return exp * sign;
    }

    /** Decimal digits [. digits] [e [sign] digits], nothing else; exact value or null. */
    private static BigDecimal parseDecimal(byte[] b, int i) {
        int len = b.length;
        StringBuilder digits = new StringBuilder();
        int fracDigits = 0;
        boolean any = false;
        while (i < len && b[i] >= '0' && b[i] <= '9') {
            digits.append((char) b[i++]);
            any = true;
        }
        if (i < len && b[i] == '.') {
            i++;
            while (i < len && b[i] >= '0' && b[i] <= '9') {
                digits.append((char) b[i++]);
                fracDigits++;
                any = true;
            }
        }
        if (!any) {
            return null;
        }
        long exp = exponentSuffix(b, i, 'e');
        if (exp == BAD_EXPONENT) {
            return null;
        }
        BigInteger unscaled = new BigInteger(digits.toString());
        if (unscaled.signum() == 0) {
            return BigDecimal.ZERO;
        }
        long scale = fracDigits - exp;
        // Far outside the format's range: decide without building a huge number.
        long magnitude = unscaled.toString().length() - scale;
        if (magnitude > 5000) {
            return new BigDecimal(BigInteger.ONE, -6000); // overflows when rounded
        }
        if (magnitude < -5500) {
            return new BigDecimal(BigInteger.ONE, 6000); // underflows to zero when rounded
        }
        return new BigDecimal(unscaled, (int) scale);
    }

    /** Hex digits [. hex digits] [p [sign] digits] after "0x"; exact value or null. */
    private static BigDecimal parseHex(byte[] b, int i) {
        int len = b.length;
        BigInteger m = BigInteger.ZERO;
        int fracDigits = 0;
        boolean any = false;
        boolean dot = false;
        while (i < len) {
            int d = Character.digit(b[i], 16);
            if (d >= 0) {
                m = m.shiftLeft(4).or(BigInteger.valueOf(d));
                if (dot) {
                    fracDigits++;
                }
                any = true;
            } else if (b[i] == '.' && !dot) {
                dot = true;
            } else {
                break;
            }
            i++;
        }
        if (!any) {
            return null;
        }
        long exp = exponentSuffix(b, i, 'p');
        if (exp == BAD_EXPONENT) {
            return null;
        }
        if (m.signum() == 0) {
            return BigDecimal.ZERO;
        }
        long e2 = exp - 4L * fracDigits;
        long top = m.bitLength() + e2;
        if (top > LD_MAX_EXP + 10) {
            return new BigDecimal(BigInteger.ONE, -6000);
        }
        if (top < LD_MIN_EXP - 10) {
            return new BigDecimal(BigInteger.ONE, 6000);
        }
        return times2(new BigDecimal(m), (int) e2);
    }

    private static BigDecimal times2(BigDecimal v, int e) {
        if (e >= 0) {
            return v.multiply(new BigDecimal(BigInteger.ONE.shiftLeft(e)));
        }
        // 2^-k = 5^k / 10^k, exact
        return v.multiply(new BigDecimal(BigInteger.valueOf(5).pow(-e), -e));
    }

    /**
     * Rounds an exact value to the nearest long double (64-bit mantissa, round half to even,
     * subnormals). Returns null on overflow (the result would be infinite).
     */
    public static BigDecimal roundLongDouble(BigDecimal x) {
        int sign = x.signum();
        if (sign == 0) {
            return BigDecimal.ZERO;
        }
        BigDecimal a = x.abs();
        BigInteger num;
        BigInteger den;
        if (a.scale() >= 0) {
            num = a.unscaledValue();
            den = BigInteger.TEN.pow(a.scale());
        } else {
            num = a.unscaledValue().multiply(BigInteger.TEN.pow(-a.scale()));
            den = BigInteger.ONE;
        }
        // e = exponent of the mantissa's last bit: 2^63 <= a / 2^e < 2^64
        int e = Math.max(LD_MIN_EXP, num.bitLength() - den.bitLength() - LD_MANTISSA_BITS);
        BigInteger[] qr;
        while (true) {
            qr = divide(num, den, e);
            int bits = qr[0].bitLength();
            if (bits > LD_MANTISSA_BITS) {
                e += bits - LD_MANTISSA_BITS;
            } else if (bits < LD_MANTISSA_BITS && e > LD_MIN_EXP) {
                e = Math.max(LD_MIN_EXP, e - (LD_MANTISSA_BITS - bits));
            } else {
                break;
            }
        }
        BigInteger q = qr[0];
        BigInteger divisor = qr[2];
        int cmp = qr[1].shiftLeft(1).compareTo(divisor);
        if (cmp > 0 || (cmp == 0 && q.testBit(0))) {
            q = q.add(BigInteger.ONE);
            if (q.equals(TWO_64)) {
                q = q.shiftRight(1);
                e++;
            }
        }
        if ((long) q.bitLength() + e > LD_MAX_EXP) {
            return null;
        }
        BigDecimal r = times2(new BigDecimal(q), e);
        return sign < 0 ? r.negate() : r;
    }

    /** floor(num / den / 2^e) with remainder and the effective divisor. */
    private static BigInteger[] divide(BigInteger num, BigInteger den, int e) {
        BigInteger n = num;
        BigInteger d = den;
        if (e >= 0) {
            d = d.shiftLeft(e);
        } else {
            n = n.shiftLeft(-e);
        }
        BigInteger[] qr = n.divideAndRemainder(d);
        return new BigInteger[] {qr[0], qr[1], d};
    }

    /**
     * Formats a long double as Redis's humanfriendly ld2string: {@code %.17Lf}, trailing zeros
     * and a trailing point removed, "-0" printed as "0".
     */
    public static String formatLongDouble(BigDecimal v) {
        String s = v.setScale(17, RoundingMode.HALF_EVEN).toPlainString();
        int end = s.length();
        while (s.charAt(end - 1) == '0') {
            end--;
        }
        if (s.charAt(end - 1) == '.') {
            end--;
        }
        s = s.substring(0, end);
        return s.equals("-0") ? "0" : s;
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
