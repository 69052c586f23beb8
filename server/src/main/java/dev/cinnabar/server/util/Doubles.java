package dev.cinnabar.server.util;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * Number formatting exactly as Redis 7.0 prints doubles.
 *
 * <p>Redis 7.0 formats reply doubles with C's {@code %.17g}: 17 significant digits, exact
 * round-half-even on the binary value, trailing zeros removed, exponent form when the decimal
 * exponent is below -4 or at least 17. Infinities print as {@code inf}/{@code -inf}.
 */
public final class Doubles {
    private static final MathContext SIG17 = new MathContext(17, RoundingMode.HALF_EVEN);

    private Doubles() {
    }

    /** C's printf("%.17g", d), as used by Redis 7.0's double replies and score formatting. */
    public static String fmt17g(double d) {
        return fmtG(d, 17);
    }

    /** C's printf("%.<precision>g", d). */
    public static String fmtG(double d, int precision) {
        if (Double.isNaN(d)) {
            return "nan";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "inf" : "-inf";
        }
        if (d == 0) {
            return (1 / d < 0) ? "-0" : "0";
        }
        int p = precision == 0 ? 1 : precision;
        // Fast path: integral values with at most p digits print exactly.
        if (d == Math.rint(d) && Math.abs(d) < 1e15 && Math.abs(d) < Math.pow(10, p)) {
            return Long.toString((long) d);
        }
        BigDecimal bd = new BigDecimal(d).round(new MathContext(p, RoundingMode.HALF_EVEN));
        int exp = bd.precision() - bd.scale() - 1; // decimal exponent of the rounded value
        String digits = bd.unscaledValue().abs().toString();
        // pad digits to p significant digits
        StringBuilder sb = new StringBuilder();
        if (bd.signum() < 0) {
            sb.append('-');
        }
        if (exp < -4 || exp >= p) {
            String m = stripZeros(digits);
            sb.append(m.charAt(0));
            if (m.length() > 1) {
                sb.append('.').append(m, 1, m.length());
            }
            sb.append('e').append(exp < 0 ? '-' : '+');
            int ae = Math.abs(exp);
            if (ae < 10) {
                sb.append('0');
            }
            sb.append(ae);
        } else {
            String plain = bd.abs().toPlainString();
            if (plain.indexOf('.') >= 0) {
                plain = stripZeros(plain);
                if (plain.endsWith(".")) {
                    plain = plain.substring(0, plain.length() - 1);
                }
            }
            sb.append(plain);
        }
        return sb.toString();
    }

    private static String stripZeros(String s) {
        int end = s.length();
        while (end > 1 && s.charAt(end - 1) == '0') {
            end--;
        }
        return s.substring(0, end);
    }

    /** The RESP3 double body: %.17g, with inf/-inf/nan spelled as RESP3 wants. */
    public static String resp3(double d) {
        return fmt17g(d);
    }
}
