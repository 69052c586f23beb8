package dev.cinnabar.tests.unit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.testkit.CinnabarExtension;
import dev.cinnabar.testkit.Resp;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Bitmap commands (SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD, BITFIELD_RO), compared reply
 * by reply with real Redis 7.0 (tests/unit/bitops.tcl and bitfield.tcl cover the same ground).
 * Both servers run with proto-max-bulk-len 1mb so the offset bound is cheap to reach.
 */
class BitopsTest {
    @RegisterExtension
    static CinnabarExtension server = new CinnabarExtension().setting("proto-max-bulk-len", "1mb");

    @RegisterExtension
    static DifferentialPair d = new DifferentialPair(server, "--proto-max-bulk-len", "1mb");

    @Test
    void setbitAndGetbitEdgeCasesAndErrors() {
        String[][] cmds = {
            {"SETBIT", "sb", "7", "1"}, {"GET", "sb"}, {"SETBIT", "sb", "7", "0"}, {"SETBIT", "sb", "7", "0"},
            {"GETBIT", "sb", "7"}, {"GETBIT", "sb", "100000"}, {"GETBIT", "sb-missing", "3"},
            {"SETBIT", "sb", "-1", "1"}, {"SETBIT", "sb", "x", "1"}, {"SETBIT", "sb", "1", "2"},
            {"SETBIT", "sb", "1", "-1"}, {"SETBIT", "sb", "1", "x"}, {"SETBIT", "sb", "08", "1"},
            {"SETBIT", "sb", "8388608", "1"}, {"SETBIT", "sb", "8388607", "1"}, {"GETBIT", "sb", "8388607"},
            {"GETBIT", "sb", "8388608"}, {"STRLEN", "sb"}, {"GETBIT", "sb", "-1"},
            {"SET", "sbint", "12"}, {"GETBIT", "sbint", "2"}, {"GETBIT", "sbint", "3"}, {"SETBIT", "sbint", "6", "1"},
            {"GET", "sbint"}, {"SET", "sbs", "hello"}, {"SETBIT", "sbs", "3", "1"}, {"GET", "sbs"},
            {"RPUSH", "sbl", "a"}, {"SETBIT", "sbl", "1", "1"}, {"GETBIT", "sbl", "1"},
            {"SETBIT", "sbl", "x", "1"}, {"GETBIT", "sbl", "-5"},
        };
        for (String[] c : cmds) {
            if (c[0].equals("STRLEN") || c[0].equals("RPUSH")) {
                d.bothIfKnown(c);
            } else {
                d.both(c);
            }
        }
    }

    @Test
    void bitcountAndBitposRangesMatchRedis() {
        d.both("SET", "bc", "\u00ff\u00f0\u0000\u000f\u0001foobar");
        d.both("SET", "bcint", "-1234567");
        d.both("SET", "bcones", "\u00ff\u00ff\u00ff");
        d.both("SET", "bcempty", "");
        d.bothIfKnown("RPUSH", "bclist", "x");
        String[] ranges = {"0", "1", "-1", "-2", "-3", "2", "5", "-100", "100", "7", "8", "9", "15", "16", "-8",
            "-9", "23", "24"};
        for (String key : new String[] {"bc", "bcint", "bcones", "bcempty", "bc-missing", "bclist"}) {
            d.both("BITCOUNT", key);
            d.both("BITPOS", key, "0");
            d.both("BITPOS", key, "1");
            for (String s : ranges) {
                d.both("BITPOS", key, "0", s);
                d.both("BITPOS", key, "1", s);
                for (String e : ranges) {
                    d.both("BITCOUNT", key, s, e);
                    d.both("BITCOUNT", key, s, e, "BIT");
                    d.both("BITCOUNT", key, s, e, "byte");
                    d.both("BITPOS", key, "0", s, e);
                    d.both("BITPOS", key, "1", s, e);
                    d.both("BITPOS", key, "0", s, e, "bit");
                    d.both("BITPOS", key, "1", s, e, "BIT");
                }
            }
        }
    }

    @Test
    void bitcountAndBitposArgumentErrors() {
        d.both("SET", "be", "foobar");
        String[][] cmds = {
            {"BITCOUNT", "be", "0"}, {"BITCOUNT", "be", "a", "b"}, {"BITCOUNT", "be-missing", "a", "b"},
            {"BITCOUNT", "be", "0", "1", "bits"}, {"BITCOUNT", "be", "-1", "-3", "foo"}, {"BITCOUNT", "be", "0", "1", "bit", "x"},
            {"BITCOUNT", "be", "1", "x"}, {"BITCOUNT", "be", "0", "9223372036854775807", "bit"},
            {"BITCOUNT", "be", "-9223372036854775808", "-1", "bit"},
            {"BITPOS", "be", "2"}, {"BITPOS", "be", "x"}, {"BITPOS", "be-missing", "1", "a"}, {"BITPOS", "be-missing", "0", "a"},
            {"BITPOS", "be", "1", "a"}, {"BITPOS", "be", "1", "0", "x", "foo"}, {"BITPOS", "be", "1", "0", "1", "2", "3"},
            {"BITPOS", "be", "1", "0", "1", "bits"}, {"BITPOS", "be", "0", "-9223372036854775808", "9223372036854775807", "bit"},
        };
        for (String[] c : cmds) {
            d.both(c);
        }
    }

    @Test
    void randomBitmapsCountAndSearchLikeRedis() {
        Random rnd = new Random(0xB175);
        for (int round = 0; round < 6; round++) {
            String key = "rb" + round;
            int span = 8 + rnd.nextInt(round < 3 ? 64 : 4000);
            int sets = 1 + rnd.nextInt(60);
            boolean dense = round % 2 == 1;
            for (int i = 0; i < sets; i++) {
                d.both("SETBIT", key, Integer.toString(rnd.nextInt(span)), dense && rnd.nextInt(4) > 0 ? "1"
                        : Integer.toString(rnd.nextInt(2)));
            }
            if (dense) {
                // Runs of ones make BITPOS 0 interesting.
                d.both("BITFIELD", key, "SET", "i64", "0", "-1", "SET", "u32", "#3", "4294967295");
            }
            d.both("GET", key);
            int len = span / 8 + 9;
            for (int q = 0; q < 120; q++) {
                String s = Integer.toString(rnd.nextInt(2 * len) - len);
                String e = Integer.toString(rnd.nextInt(2 * len) - len);
                String bs = Integer.toString(rnd.nextInt(16 * len) - 8 * len);
                String be = Integer.toString(rnd.nextInt(16 * len) - 8 * len);
                String bit = Integer.toString(rnd.nextInt(2));
                d.both("BITCOUNT", key, s, e);
                d.both("BITCOUNT", key, bs, be, "BIT");
                d.both("BITPOS", key, bit, s);
                d.both("BITPOS", key, bit, s, e);
                d.both("BITPOS", key, bit, bs, be, "BIT");
                d.both("GETBIT", key, Integer.toString(rnd.nextInt(span + 16)));
            }
        }
    }

    @Test
    void bitopMatchesRedis() {
        Random rnd = new Random(0xB170);
        d.both("BITOP", "AND", "bo-dest");
        d.both("BITOP", "NOT", "bo-dest", "a", "b");
        d.both("BITOP", "NAND", "bo-dest", "a");
        d.both("SET", "bo-int", "-987");
        d.bothIfKnown("RPUSH", "bo-list", "x");
        d.both("BITOP", "OR", "bo-dest", "bo-int", "bo-list");
        for (int round = 0; round < 30; round++) {
            List<String> srcs = new ArrayList<>();
            int n = 1 + rnd.nextInt(4);
            for (int i = 0; i < n; i++) {
                String k = "bo" + round + "-" + i;
                int choice = rnd.nextInt(6);
                if (choice == 0) {
                    srcs.add("bo-missing");
                    continue;
                }
                if (choice == 1) {
                    srcs.add("bo-int");
                    continue;
                }
                int bytes = rnd.nextInt(40);
                for (int b = 0; b < bytes; b++) {
                    d.both("SETBIT", k, Integer.toString(rnd.nextInt(bytes * 8)), "1");
                }
                srcs.add(k);
            }
            String[] ops = {"AND", "or", "Xor", "NOT"};
            String op = ops[rnd.nextInt(4)];
            if (op.equals("NOT")) {
                srcs = srcs.subList(0, 1);
            }
            List<String> cmd = new ArrayList<>(List.of("BITOP", op, "bo-dest"));
            cmd.addAll(srcs);
            d.both(cmd.toArray(new String[0]));
            d.both("GET", "bo-dest");
            d.both("EXISTS", "bo-dest");
        }
        // An empty result deletes the destination.
        d.both("SET", "bo-dest", "x");
        d.both("BITOP", "AND", "bo-dest", "bo-missing", "bo-missing2");
        d.both("EXISTS", "bo-dest");
    }

    @Test
    void bitfieldErrorsAndEdgeCases() {
        String[][] cmds = {
            {"BITFIELD", "bf"}, {"BITFIELD_RO", "bf"}, {"BITFIELD", "bf", "GET"}, {"BITFIELD", "bf", "GET", "u8"},
            {"BITFIELD", "bf", "SET", "u8", "0"}, {"BITFIELD", "bf", "FOO", "u8", "0"},
            {"BITFIELD", "bf", "OVERFLOW"}, {"BITFIELD", "bf", "OVERFLOW", "nope", "GET", "u8", "0"},
            {"BITFIELD", "bf", "GET", "u64", "0"}, {"BITFIELD", "bf", "GET", "i65", "0"}, {"BITFIELD", "bf", "GET", "u0", "0"},
            {"BITFIELD", "bf", "GET", "x8", "0"}, {"BITFIELD", "bf", "GET", "i08", "0"}, {"BITFIELD", "bf", "GET", "", "0"},
            {"BITFIELD", "bf", "GET", "i", "0"}, {"BITFIELD", "bf", "GET", "u8", "-1"}, {"BITFIELD", "bf", "GET", "u8", "#-1"},
            {"BITFIELD", "bf", "GET", "u8", "#x"}, {"BITFIELD", "bf", "GET", "u8", "#"}, {"BITFIELD", "bf", "GET", "u8", ""},
            {"BITFIELD", "bf", "GET", "u8", "8388608"}, {"BITFIELD", "bf", "GET", "u8", "#1048576"},
            {"BITFIELD", "bf", "GET", "u8", "#1048575"}, {"BITFIELD", "bf", "GET", "i64", "#9223372036854775807"},
            {"BITFIELD", "bf", "SET", "u8", "0", "x"}, {"BITFIELD", "bf", "INCRBY", "u8", "0", "1.5"},
            {"BITFIELD_RO", "bf", "GET", "u8", "0", "SET", "u8", "0", "1"}, {"BITFIELD_RO", "bf", "GET", "u8", "0"},
            {"EXISTS", "bf"},
            {"BITFIELD", "bf", "SET", "u8", "0", "255", "GET", "u8", "0", "INCRBY", "u8", "0", "1"},
            {"BITFIELD", "bf", "OVERFLOW", "FAIL", "INCRBY", "u8", "0", "256", "GET", "u8", "0"},
            {"BITFIELD", "bf", "OVERFLOW", "SAT", "SET", "u8", "0", "-1", "SET", "i8", "0", "1000", "GET", "i8", "0"},
            {"BITFIELD", "bf", "SET", "i64", "0", "-9223372036854775808", "INCRBY", "i64", "0", "-1"},
            {"BITFIELD", "bf", "OVERFLOW", "SAT", "INCRBY", "i64", "0", "-9223372036854775808"},
            {"BITFIELD", "bf", "OVERFLOW", "FAIL", "INCRBY", "i64", "0", "9223372036854775807", "INCRBY", "i64", "0", "1"},
            {"BITFIELD", "bf", "SET", "u63", "1", "9223372036854775807", "INCRBY", "u63", "1", "1"},
            {"BITFIELD", "bf", "OVERFLOW", "SAT", "INCRBY", "u63", "1", "-9223372036854775808"},
            {"BITFIELD", "bf", "SET", "u8", "8388600", "1"}, {"GET", "bf-x"},
            {"BITFIELD", "bf-new", "OVERFLOW", "FAIL", "INCRBY", "u2", "10", "5"}, {"GET", "bf-new"},
            {"SET", "bf-int", "123"}, {"BITFIELD", "bf-int", "GET", "u8", "0", "SET", "u8", "#1", "65"}, {"GET", "bf-int"},
            {"RPUSH", "bf-list", "x"}, {"BITFIELD", "bf-list", "GET", "u8", "0"}, {"BITFIELD", "bf-list", "SET", "u8", "0", "1"},
            {"BITFIELD_RO", "bf-list", "GET", "u8", "0"}, {"BITFIELD", "bf-list", "GET", "u8", "x"},
        };
        for (String[] c : cmds) {
            if (c[0].equals("RPUSH")) {
                d.bothIfKnown(c);
            } else {
                d.both(c);
            }
        }
    }

    @Test
    void randomBitfieldOperationsMatchRedis() {
        Random rnd = new Random(0xBF);
        String[] modes = {"WRAP", "SAT", "FAIL"};
        for (int round = 0; round < 300; round++) {
            List<String> cmd = new ArrayList<>(List.of("BITFIELD", "bfr" + (round % 3)));
            int nops = 1 + rnd.nextInt(4);
            for (int i = 0; i < nops; i++) {
                if (rnd.nextInt(4) == 0) {
                    cmd.add("OVERFLOW");
                    cmd.add(modes[rnd.nextInt(3)]);
                }
                boolean signed = rnd.nextBoolean();
                int bits = 1 + rnd.nextInt(signed ? 64 : 63);
                String type = (signed ? "i" : "u") + bits;
                String offset = rnd.nextInt(3) == 0 ? "#" + rnd.nextInt(12) : Integer.toString(rnd.nextInt(200));
                long value = switch (rnd.nextInt(4)) {
                    case 0 -> rnd.nextLong();
                    case 1 -> rnd.nextInt(1000) - 500;
                    case 2 -> (1L << Math.min(62, bits)) - rnd.nextInt(3);
                    default -> -(1L << Math.min(62, bits - 1)) + rnd.nextInt(3) - 1;
                };
                switch (rnd.nextInt(3)) {
                    case 0 -> cmd.addAll(List.of("GET", type, offset));
                    case 1 -> cmd.addAll(List.of("SET", type, offset, Long.toString(value)));
                    default -> cmd.addAll(List.of("INCRBY", type, offset, Long.toString(value)));
                }
            }
            d.both(cmd.toArray(new String[0]));
        }
        for (int k = 0; k < 3; k++) {
            assertThat(d.both("GET", "bfr" + k)).isInstanceOf(Resp.Bulk.class);
            d.both("BITFIELD_RO", "bfr" + k, "GET", "i64", "3", "GET", "u63", "#1", "GET", "i1", "100");
        }
    }

    @Test
    void keyspaceEventsMatchRedis() {
        d.assertSameEvents("SETBIT ev 3 1", "SETBIT ev 3 1", "BITFIELD ev SET u8 0 7 GET u8 0", "BITFIELD ev GET u8 0",
                "BITOP OR ev2 ev", "BITOP AND ev2 missing", "SET s 12", "SETBIT s 1 1", "SETBIT s 1 1", "SETBIT s 0 0",
                "SETBIT s 100 0", "BITFIELD s SET u8 0 49", "BITFIELD s INCRBY u8 0 0", "BITFIELD s OVERFLOW FAIL INCRBY u2 0 9",
                "BITFIELD new OVERFLOW FAIL INCRBY u2 0 9", "BITFIELD new2 SET u8 0 0", "BITFIELD s SET u8 800 0",
                "BITFIELD s SET u8 0 49", "BITFIELD s INCRBY u8 0 256", "BITFIELD s OVERFLOW SAT INCRBY u8 0 1000",
                "BITFIELD s OVERFLOW SAT INCRBY u8 0 1000", "SETBIT s 2000 0");
    }
}
