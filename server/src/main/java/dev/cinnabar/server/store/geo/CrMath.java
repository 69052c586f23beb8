package dev.cinnabar.server.store.geo;

import java.math.BigDecimal;
import java.math.MathContext;

/**
 * Correctly rounded sin, cos and asin for the ranges geo distances use, so our distances equal
 * those of Redis built on glibc (whose libm is correctly rounded in all but about 0.1% of cases)
 * almost always to the last bit. Java's Math and StrictMath asin differ from glibc in about 8% of
 * inputs, which shows in STOREDIST scores (17 significant digits).
 *
 * <p>Method: sin and cos are their Taylor polynomials (to x^48, enough for |x| up to pi, the
 * largest argument a distance produces) evaluated by Horner's rule in double-double arithmetic
 * (about 106 bits, error-free products by fma), then rounded once. asin refines Math.asin (within
 * an ulp) by one Newton step on a double-double sine. A result can only be wrong when the exact
 * value lies within about 2^-100 (relative) of the midpoint between two doubles. The number of terms
 * follows |x|. Costs a few times Math.sin.
 */
final class CrMath {
    private static final int TERMS = 24;
    /** (-1)^k / (2k+1)! as double-double (hi, lo), for sin. */
    private static final double[] SIN_HI = new double[TERMS];
    private static final double[] SIN_LO = new double[TERMS];
    /** (-1)^k / (2k)! as double-double, for cos. */
    private static final double[] COS_HI = new double[TERMS];
    private static final double[] COS_LO = new double[TERMS];

    static {
        MathContext mc = new MathContext(50);
        BigDecimal fact = BigDecimal.ONE; // n!
        for (int n = 0; n < 2 * TERMS; n++) {
            if (n > 0) {
                fact = fact.multiply(BigDecimal.valueOf(n));
            }
            BigDecimal c = BigDecimal.ONE.divide(fact, mc);
            if ((n / 2) % 2 == 1) {
                c = c.negate();
            }
            double hi = c.doubleValue();
            double lo = c.subtract(new BigDecimal(hi), mc).doubleValue();
            if (n % 2 == 0) {
                COS_HI[n / 2] = hi;
                COS_LO[n / 2] = lo;
            } else {
                SIN_HI[n / 2] = hi;
                SIN_LO[n / 2] = lo;
            }
        }
    }

    private CrMath() {
    }

    /**
     * Horner evaluation of sum c[k] * x2^k in double-double, x2 = x*x exactly (hi, lo); returns the
     * result's hi and stores its lo in out[0].
     */
    private static double horner(double[] chi, double[] clo, double x2h, double x2l, double[] out) {
        int n = terms(x2h);
        double ph = chi[n - 1];
        double pl = clo[n - 1];
        for (int k = n - 2; k >= 0; k--) {
            // p = p * x2 (double-double product)
            double m = ph * x2h;
            double me = Math.fma(ph, x2h, -m) + (ph * x2l + pl * x2h);
            ph = m + me;
            pl = me - (ph - m);
            // p = p + c[k] (double-double sum)
            double s = ph + chi[k];
            double bb = s - ph;
            double e = (ph - (s - bb)) + (chi[k] - bb) + pl + clo[k];
            ph = s + e;
            pl = e - (ph - s);
        }
        out[0] = pl;
        return ph;
    }

    /**
     * Terms needed for a truncation error below 2^-106 of the result, from x^2: the tail after
     * term K is about x^(2K) / (2K)!.
     */
    private static int terms(double x2) {
        if (x2 <= 0.0625) {
            return 12; // |x| <= 0.25
        }
        if (x2 <= 1) {
            return 16;
        }
        if (x2 <= 4) {
            return 19;
        }
        return TERMS;
    }

    /** sin(x) as double-double: returns hi, lo in out[0]. */
    private static double sinDD(double x, double[] out) {
        double x2h = x * x;
        double x2l = Math.fma(x, x, -x2h);
        double ph = horner(SIN_HI, SIN_LO, x2h, x2l, out);
        double pl = out[0];
        // times x
        double m = ph * x;
        double me = Math.fma(ph, x, -m) + pl * x;
        double hi = m + me;
        out[0] = me - (hi - m);
        return hi;
    }

    static double sin(double x) {
        if (x == 0 || Double.isNaN(x) || Math.abs(x) > 4) {
            return Math.sin(x);
        }
        double[] out = new double[1];
        double hi = sinDD(x, out);
        return hi + out[0];
    }

    static double cos(double x) {
        if (Double.isNaN(x) || Math.abs(x) > 4) {
            return Math.cos(x);
        }
        double[] out = new double[1];
        double x2h = x * x;
        double x2l = Math.fma(x, x, -x2h);
        double hi = horner(COS_HI, COS_LO, x2h, x2l, out);
        return hi + out[0];
    }

    /** asin for x in [-1, 1]; NaN outside. */
    static double asin(double x) {
        if (!(Math.abs(x) <= 1)) {
            return Double.NaN;
        }
        if (x == 0 || Math.abs(x) == 1) {
            return Math.asin(x);
        }
        double y = Math.asin(x);
        double[] out = new double[1];
        double sh = sinDD(y, out);
        // f = sin(y) - x, exactly enough: sh - x is exact (Sterbenz), then add the low part.
        double f = (sh - x) + out[0];
        double corr = -f / Math.cos(y);
        // y + corr rounded once: corr is far below an ulp of y, so this is the rounding of the
        // refined value.
        return y + corr;
    }
}
