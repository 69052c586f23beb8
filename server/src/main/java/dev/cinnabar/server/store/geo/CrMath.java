package dev.cinnabar.server.store.geo;

/**
 * Correctly rounded sin, cos and asin for the ranges geo distances use, so our distances equal
 * those of Redis built on glibc (whose libm returns the correctly rounded result in practice),
 * bit for bit. Java's Math and StrictMath are only within one ulp, which shows in STOREDIST
 * scores (17 significant digits).
 *
 * <p>Method: the function is evaluated in double-double arithmetic (about 106 bits) and rounded
 * once. sin and cos use their Taylor series (arguments here are at most pi in magnitude, where
 * the series converge in about 20 terms); asin refines Math.asin with two Newton steps on sin.
 * Results are wrong only if the exact value lies within about 2^-100 (relative) of a rounding
 * boundary between two doubles.
 */
final class CrMath {
    private CrMath() {
    }

    /** A double-double value hi + lo with |lo| at most half an ulp of hi. */
    private record DD(double hi, double lo) {
        static DD of(double x) {
            return new DD(x, 0);
        }

        double round() {
            return hi + lo;
        }
    }

    private static DD quickTwoSum(double a, double b) {
        double s = a + b;
        return new DD(s, b - (s - a));
    }

    private static DD add(DD a, DD b) {
        double s = a.hi + b.hi;
        double bb = s - a.hi;
        double e = (a.hi - (s - bb)) + (b.hi - bb);
        e += a.lo + b.lo;
        return quickTwoSum(s, e);
    }

    private static DD mul(DD a, DD b) {
        double p = a.hi * b.hi;
        double e = Math.fma(a.hi, b.hi, -p);
        e += a.hi * b.lo + a.lo * b.hi;
        return quickTwoSum(p, e);
    }

    private static DD divBy(DD a, double d) {
        double q1 = a.hi / d;
        double p = q1 * d;
        double pe = Math.fma(q1, d, -p);
        double r = ((a.hi - p) - pe) + a.lo;
        return quickTwoSum(q1, r / d);
    }

    private static DD negate(DD a) {
        return new DD(-a.hi, -a.lo);
    }

    /**
     * Sum of the series x^k0/k0! - x^(k0+2)/(k0+2)! + ... in double-double (k0 = 1 for sin, 0 for
     * cos, with first = x or 1).
     */
    private static DD series(DD x, DD first, int k0) {
        DD x2 = mul(x, x);
        DD term = first;
        DD sum = first;
        for (int k = k0; k < 80; k += 2) {
            term = negate(divBy(divBy(mul(term, x2), k + 1), k + 2));
            sum = add(sum, term);
            if (Math.abs(term.hi) < 1e-36 * Math.abs(sum.hi) || term.hi == 0) {
                break;
            }
        }
        return sum;
    }

    private static DD sinDD(DD x) {
        return series(x, x, 1);
    }

    private static DD cosDD(DD x) {
        return series(x, DD.of(1), 0);
    }

    static double sin(double x) {
        if (x == 0 || Double.isNaN(x) || Math.abs(x) > 4) {
            return Math.sin(x);
        }
        return sinDD(DD.of(x)).round();
    }

    static double cos(double x) {
        if (Double.isNaN(x) || Math.abs(x) > 4) {
            return Math.cos(x);
        }
        return cosDD(DD.of(x)).round();
    }

    /** asin for x in [-1, 1]; NaN outside. */
    static double asin(double x) {
        if (!(Math.abs(x) <= 1)) {
            return Double.NaN;
        }
        if (x == 0 || Math.abs(x) == 1) {
            return Math.asin(x);
        }
        DD y = DD.of(Math.asin(x));
        for (int i = 0; i < 2; i++) {
            DD f = add(sinDD(y), DD.of(-x));
            double c = cosDD(y).hi;
            y = add(y, DD.of(-f.hi / c));
        }
        return y.round();
    }
}
