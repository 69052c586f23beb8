package dev.cinnabar.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class NumbersTest {
    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** INCRBYFLOAT's arithmetic: null for "not a valid float", "inf" for NaN/Infinity. */
    private static String incrbyfloat(String value, String incr) {
        Numbers.LongDouble v = Numbers.parseLongDouble(b(value));
        Numbers.LongDouble i = Numbers.parseLongDouble(b(incr));
        if (v == null || i == null) {
            return null;
        }
        if (v.isInfinite() || i.isInfinite()) {
            return "inf";
        }
        BigDecimal sum = Numbers.roundLongDouble(v.value().add(i.value()));
        return sum == null ? "inf" : Numbers.formatLongDouble(sum);
    }

    /** Expected results recorded from redis-server 7.0.15 (x86-64, 80-bit long double). */
    @ParameterizedTest(name = "{0} + {1} = {2}")
    @CsvSource(delimiter = '|', value = {
        "10.5|0.1|10.6",
        "0|0.1|0.1",
        "0.1|0.2|0.3",
        "1|1e-17|1.00000000000000001",
        "3.0e3|1.5|3001.5",
        "-5|5|0",
        "5|-5.0000001|-0.0000001",
        "123456789012345678|1|123456789012345679",
        "9223372036854775807|1|9223372036854775808",
        "0|1e-20|0",
        "-0|0|0",
        "0|-1e-18|0",
        "0|1.23456789e-10|0.00000000012345679",
        "0x1p-3|0|0.125",
        "0|0x10|16",
        "0|0xA.8p1|21",
        "2.5|2.5|5",
        "1|0.3333333333333333333333|1.33333333333333333",
        "100|-99.99|0.01",
        "1e-5|1e-5|0.00002",
        "0|5e-17|0.00000000000000005",
        "0|5e-18|0",
        "0|-5e-18|0",
        "0|1.99999999999999999|1.99999999999999999",
        "12345.6789|-0.0009|12345.67799999999999994",
        "7|INF|inf",
        "0|infinity|inf",
        "0|-Infinity|inf",
        "1e4932|1e4932|inf",
        "0|+.5|0.5",
        "0|5.|5",
        "0|1e+2|100",
        "0|1e-4950|0",
    })
    void incrbyfloatMatchesRedis(String value, String incr, String expected) {
        assertThat(incrbyfloat(value, incr)).isEqualTo(expected);
    }

    @Test
    void hugeResultsPrintAllTheirDigits() {
        assertThat(incrbyfloat("1e308", "1e308")).startsWith("199999999999999999993371759311").hasSize(309);
        assertThat(incrbyfloat("1.7976931348623157e308", "1e308")).startsWith("279769313486231570002352240441")
                .hasSize(309);
        assertThat(incrbyfloat("0", "1e4932")).startsWith("100000000000000000000601894938").hasSize(4933);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"' 1'", "'1 '", "1e", ".e1", "0x", "nan", "NaN", "1e4933", "1e-4951",
        "1_0", "''", "+", "-", "1.2.3", "0x1p", "--1", "1e+", "abc"})
    void invalidFloatsAreRejected(String s) {
        assertThat(Numbers.parseLongDouble(b(s))).isNull();
    }

    @Test
    void overlongInputIsRejected() {
        assertThat(Numbers.parseLongDouble(b("1".repeat(Numbers.MAX_LONG_DOUBLE_CHARS)))).isNull();
        assertThat(Numbers.parseLongDouble(b("0." + "0".repeat(4000) + "1"))).isNotNull();
    }

    @Test
    void roundingIsToSixtyFourBitMantissaHalfEven() {
        BigDecimal two64 = new BigDecimal(BigDecimal.valueOf(2).pow(64).toBigInteger());
        // 2^64 + 1 is not representable: ties round to the even mantissa (2^64)
        assertThat(Numbers.roundLongDouble(two64.add(BigDecimal.ONE))).isEqualByComparingTo(two64);
        // 2^64 + 3 rounds up to 2^64 + 4
        assertThat(Numbers.roundLongDouble(two64.add(BigDecimal.valueOf(3))))
                .isEqualByComparingTo(two64.add(BigDecimal.valueOf(4)));
        // 2^63 + 1 is exact
        BigDecimal two63 = new BigDecimal(BigDecimal.valueOf(2).pow(63).toBigInteger());
        assertThat(Numbers.roundLongDouble(two63.add(BigDecimal.ONE))).isEqualByComparingTo(two63.add(BigDecimal.ONE));
    }

    @ParameterizedTest
    @CsvSource({"0,true", "1,true", "-1,true", "9223372036854775807,true", "-9223372036854775808,true",
        "9223372036854775808,false", "-9223372036854775809,false", "01,false", "-0,false", "+1,false", "' 1',false",
        "'',false", "1a,false", "-,false"})
    void parseLongIsStrictAsString2ll(String s, boolean ok) {
        assertThat(Numbers.parseLong(b(s)) != null).isEqualTo(ok);
        if (ok) {
            assertThat(Numbers.parseLong(b(s))).isEqualTo(Long.parseLong(s));
        }
    }

    @Test
    void digitsCountsSignAndDigits() {
        assertThat(Numbers.digits(0)).isEqualTo(1);
        assertThat(Numbers.digits(-5)).isEqualTo(2);
        assertThat(Numbers.digits(Long.MAX_VALUE)).isEqualTo(19);
        assertThat(Numbers.digits(Long.MIN_VALUE)).isEqualTo(20);
    }
}
