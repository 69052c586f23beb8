package dev.cinnabar.server.store.geo;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CrMathTest {
    private static final MathContext MC = new MathContext(60);

    /** sin or cos of x by its Taylor series at 60 digits (reference; x is small). */
    private static BigDecimal series(double x, boolean sin) {
        return series(new BigDecimal(x), sin);
    }

    private static BigDecimal series(BigDecimal bx, boolean sin) {
        BigDecimal x2 = bx.multiply(bx, MC);
        BigDecimal term = sin ? bx : BigDecimal.ONE;
        BigDecimal sum = term;
        for (int k = sin ? 1 : 0; k < 120; k += 2) {
            term = term.multiply(x2, MC).divide(BigDecimal.valueOf((long) (k + 1) * (k + 2)), MC).negate();
            sum = sum.add(term, MC);
        }
        return sum;
    }

    @Test
    void sinAndCosAreCorrectlyRounded() {
        Random rnd = new Random(9);
        for (int i = 0; i < 300; i++) {
            double x = (rnd.nextDouble() * 2 - 1) * Math.PI;
            assertThat(CrMath.sin(x)).as("sin %s", x).isEqualTo(series(x, true).doubleValue());
            assertThat(CrMath.cos(x)).as("cos %s", x).isEqualTo(series(x, false).doubleValue());
        }
    }

    @Test
    void asinIsCorrectlyRounded() {
        Random rnd = new Random(10);
        for (int i = 0; i < 200; i++) {
            double x = rnd.nextDouble();
            double y = CrMath.asin(x);
            // y is the correctly rounded asin(x) iff sin of the midpoints around y brackets x.
            BigDecimal lo = new BigDecimal(y).add(new BigDecimal(Math.nextDown(y))).divide(BigDecimal.valueOf(2));
            BigDecimal hi = new BigDecimal(y).add(new BigDecimal(Math.nextUp(y))).divide(BigDecimal.valueOf(2));
            BigDecimal bx = new BigDecimal(x);
            assertThat(series(lo, true).compareTo(bx)).as("asin %s", x).isLessThanOrEqualTo(0);
            assertThat(series(hi, true).compareTo(bx)).as("asin %s", x).isGreaterThanOrEqualTo(0);
        }
        assertThat(CrMath.asin(1)).isEqualTo(Math.PI / 2);
        assertThat(CrMath.asin(1.0000000000000002)).isNaN();
    }
}
