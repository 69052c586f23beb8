package dev.cinnabar.tests.unit;

import dev.cinnabar.testkit.CinnabarExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The order in which HELLO and SELECT check their arguments, against real Redis (found by RandomDifferentialTest). */
class HelloSelectOrderTest {
    @RegisterExtension
    static CinnabarExtension server = new CinnabarExtension();
    @RegisterExtension
    static DifferentialPair d = new DifferentialPair(server);

    @Test
    void helloChecksOptionsAsItParsesThem() {
        d.both("HELLO", "3", "AUTH", "u", "p", "junk");
        d.both("HELLO", "3", "junk", "AUTH", "u", "p");
        d.both("HELLO", "3", "SETNAME", "a b", "AUTH", "u", "p");
        d.both("HELLO", "3", "AUTH", "u", "p", "SETNAME", "a b");
        d.both("HELLO", "3", "SETNAME", "ok", "AUTH", "u", "p", "junk");
        d.both("HELLO", "3", "AUTH", "u");
        d.both("HELLO", "3", "SETNAME", "a b", "junk");
        d.both("HELLO", "4");
        d.both("HELLO", "x");
    }

    @Test
    void selectRangeErrors() {
        for (String idx : new String[] {"9223372036854775807", "-1", "2147483648", "-2147483649", "abc", "16", " 1", "1.5"}) {
            d.both("SELECT", idx);
        }
    }
}
