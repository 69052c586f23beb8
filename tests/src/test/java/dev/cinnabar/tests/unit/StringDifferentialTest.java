package dev.cinnabar.tests.unit;

import dev.cinnabar.testkit.diff.Differ;
import dev.cinnabar.testkit.diff.Result;
import dev.cinnabar.testkit.diff.Sequence;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * String, generic-key and expiry commands on real Redis 7.0 and on Cinnabar, compared reply by
 * reply (wire types, digits, error texts): hand-written sequences for every option and error,
 * then randomized sequences over a small keyspace. Times are far in the future or in the past so
 * only TTL countdowns can differ (the harness tolerates one second there).
 */
class StringDifferentialTest {
    private static Differ d;

    @BeforeAll
    static void start() {
        d = Differ.start();
    }

    @AfterAll
    static void stop() {
        if (d != null) {
            d.close();
        }
    }

    @Test
    void setOptionsAndTheirConflicts() {
        d.assertSame(Sequence.of("SET k v", "GET k", "SET k v NX", "SET k v2 XX", "GET k", "SET n v XX", "GET n",
                "SET k v NX XX", "SET k v XX NX", "SET k v EX 10 PX 100", "SET k v KEEPTTL EX 10", "SET k v EX 10 KEEPTTL",
                "SET k v PX 100 EXAT 5", "SET k v EX", "SET k v FOO", "SET k v EX 10 EX 20", "TTL k", "SET k v NX NX",
                "SET k v EX 0", "SET k v EX -5", "SET k v PX 0", "SET k v EXAT 0", "SET k v PXAT -1", "SET k v EX 1.5",
                "SET k v EX abc", "SET k v EX 9223372036854775807", "SET k v EX 9223372036854775",
                "SET k v PX 9223372036854775807", "SET k v EXAT 9223372036854775", "SET k v EXAT 9223372036854776",
                "SET k v PXAT 9223372036854775807", "PEXPIRETIME k", "SET k v EX 100", "SET k w KEEPTTL", "TTL k",
                "SET k w", "TTL k", "SET k v GET", "SET k v2 GET NX", "GET k", "SET k v3 GET XX", "SET missing v GET XX",
                "EXISTS missing", "SET missing v GET NX", "GET missing", "LPUSH list a", "SET list v GET", "GET list",
                "SET list v", "TYPE list", "set K v ex 100 nx", "get K", "SET k v PXAT 1", "EXISTS k", "SET k v EXAT 1",
                "GET k", "SET k v EXAT 4102444800", "EXPIRETIME k"));
    }

    @Test
    void encodingsAfterEachCommand() {
        d.assertSame(Sequence.of("SET k 123", "OBJECT ENCODING k", "SET k -9223372036854775808", "OBJECT ENCODING k",
                "SET k 9223372036854775808", "OBJECT ENCODING k", "SET k 0123", "OBJECT ENCODING k", "SET k -0",
                "OBJECT ENCODING k", "SET k \"\"", "OBJECT ENCODING k", "SET k \" 1\"", "OBJECT ENCODING k",
                "SET k 12345678901234567890123456789012345678901234", "OBJECT ENCODING k",
                "SET k 123456789012345678901234567890123456789012345", "OBJECT ENCODING k", "APPEND k x",
                "OBJECT ENCODING k", "SET k 5", "APPEND k \"\"", "OBJECT ENCODING k", "GET k", "INCR k",
                "OBJECT ENCODING k", "OBJECT REFCOUNT k", "INCRBY k 100000", "OBJECT ENCODING k", "OBJECT REFCOUNT k",
                "INCRBYFLOAT k 1", "OBJECT ENCODING k", "GET k", "INCRBYFLOAT k 0.5", "OBJECT ENCODING k",
                "SETRANGE k 0 9", "OBJECT ENCODING k", "GET k", "INCR k", "OBJECT ENCODING k", "APPEND new 42",
                "OBJECT ENCODING new", "APPEND new2 hello", "OBJECT ENCODING new2", "SETRANGE r 3 abc",
                "OBJECT ENCODING r", "GET r", "GETSET r 77", "OBJECT ENCODING r", "MSET a 1 b bb c 123456789012345678901234567890123456789012345",
                "OBJECT ENCODING a", "OBJECT ENCODING b", "OBJECT ENCODING c", "SETEX e 100 42", "OBJECT ENCODING e",
                "COPY e e2", "OBJECT ENCODING e2", "OBJECT ENCODING missing", "OBJECT REFCOUNT missing",
                "OBJECT IDLETIME e", "OBJECT FREQ e", "OBJECT FREQ missing", "OBJECT", "OBJECT foo k",
                "OBJECT ENCODING"));
    }

    @Test
    void getVariants() {
        d.assertSame(Sequence.of("SET k v", "GETEX k", "GETEX k EX 100", "TTL k", "GETEX k PX 200000", "PTTL k",
                "GETEX k PERSIST", "TTL k", "GETEX k EXAT 4102444800", "EXPIRETIME k", "GETEX k PXAT 4102444800000",
                "PEXPIRETIME k", "GETEX k EX 0", "GETEX k EX -1", "GETEX k EX abc", "GETEX k EX 10 PX 10",
                "GETEX k PERSIST EX 10", "GETEX k EX 10 PERSIST", "GETEX k KEEPTTL", "GETEX k NX", "GETEX k GET",
                "GETEX k EX", "GETEX k EX 9223372036854775807", "GETEX missing EX -1", "GETEX missing FOO",
                "LPUSH l a", "GETEX l", "GETEX l EX -1", "GETEX k PXAT 1", "EXISTS k", "SET k v", "GETEX k EXAT 1",
                "GET k", "SET k v", "GETDEL k", "GETDEL k", "GETDEL l", "GETSET k a", "GETSET k b", "GETSET l x",
                "MGET k l missing k", "SET k v EX 100", "GETSET k c", "TTL k", "GET"));
    }

    @Test
    void multiKeyAndCounters() {
        d.assertSame(Sequence.of("MSET a 1", "MSET a", "MSET a 1 b 2 c 3", "MGET a b c d", "MSETNX a 1 x 2",
                "MSETNX x 1 y 2", "MSETNX x 1", "MGET x y", "MSET a 1 a 2", "GET a", "SETNX a 5", "SETNX z 5",
                "SETEX s 100 v", "TTL s", "SETEX s 0 v", "SETEX s -1 v", "SETEX s abc v", "PSETEX s 100000 v", "PTTL s",
                "PSETEX s 0 v", "SETEX s 9223372036854775 v", "INCR n", "INCR n", "DECR n", "INCRBY n 10",
                "INCRBY n -20", "DECRBY n 5", "DECRBY n -5", "INCRBY n abc", "INCRBY n 1.5", "DECRBY n \"\"",
                "SET n 9223372036854775807", "INCR n", "INCRBY n -1", "SET n -9223372036854775808", "DECR n",
                "DECRBY n 1", "DECRBY n -9223372036854775808", "INCRBY n 9223372036854775807", "SET n abc", "INCR n",
                "SET n \" 1\"", "INCR n", "SET n 1.0", "INCR n", "SET n 01", "INCR n", "LPUSH l x", "INCR l", "DECR l",
                "INCRBYFLOAT l 1", "SET n 5", "EXPIRE n 100", "INCR n", "TTL n", "INCRBYFLOAT n 1.5", "TTL n"));
    }

    @Test
    void incrbyfloatDigitsAsLongDouble() {
        List<String> cmds = new ArrayList<>();
        String[][] cases = {{"10.5", "0.1"}, {"0", "0.1"}, {"0.1", "0.2"}, {"1", "1e-17"}, {"3.0e3", "1.5"},
            {"5", "-5.0000001"}, {"1e308", "1e308"}, {"123456789012345678", "1"}, {"9223372036854775807", "1"},
            {"0", "1e-20"}, {"-0", "0"}, {"0", "1.23456789e-10"}, {"0x1p-3", "0"}, {"0", "0x10"}, {"0", "0xA.8p1"},
            {"1", "0.3333333333333333333333"}, {"100", "-99.99"}, {"12345.6789", "-0.0009"}, {"7", "inf"},
            {"0", "-INFINITY"}, {"0", "+.5"}, {"0", "5."}, {"0", "1e+2"}, {"0", " 1"}, {"0", "1 "}, {"0", "1e"},
            {"0", "nan"}, {"0", "1e4933"}, {"0", "1e-4951"}, {"0", "1e-4950"}, {"1e4932", "1e4932"}, {"abc", "1"},
            {"1", ""}, {"3.14159265358979323846", "2.71828182845904523536"}, {"-1.5", "-2.25"}, {"1e20", "1"},
            {"1e-300", "1e-300"}, {"0.1", "-0.1"}, {"99999999999999999", "0.5"}, {"1.1", "2.2"}};
        for (String[] c : cases) {
            cmds.add("SET f \"" + c[0] + "\"");
            cmds.add("INCRBYFLOAT f \"" + c[1] + "\"");
            cmds.add("GET f");
        }
        cmds.add("DEL f");
        for (int i = 0; i < 40; i++) {
            cmds.add("INCRBYFLOAT f 0.1");
        }
        cmds.add("INCRBYFLOAT missing 2.5");
        cmds.add("OBJECT ENCODING missing");
        d.assertSame(Sequence.of(cmds.toArray(new String[0])));
    }

    @Test
    void appendRangesAndLcs() {
        d.assertSame(Sequence.of("APPEND k hello", "APPEND k \" world\"", "GET k", "STRLEN k", "STRLEN missing",
                "GETRANGE k 0 4", "GETRANGE k -5 -1", "GETRANGE k -1 -5", "GETRANGE k 0 -100", "GETRANGE k -100 -50",
                "GETRANGE k 5 2", "GETRANGE k 100 200", "GETRANGE k 0 9223372036854775807",
                "GETRANGE k -9223372036854775808 -1", "GETRANGE k a 1", "GETRANGE k 1 b", "GETRANGE missing 0 -1",
                "SUBSTR k 0 3", "SET n 12345", "GETRANGE n 1 2", "STRLEN n", "SET e \"\"", "GETRANGE e 0 -1",
                "GETRANGE e -1 0", "SETRANGE k 6 W", "GET k", "SETRANGE k 20 X", "GET k", "STRLEN k",
                "SETRANGE k 0 \"\"", "SETRANGE missing 5 \"\"", "EXISTS missing", "SETRANGE missing 3 ab", "GET missing",
                "SETRANGE k -1 x", "SETRANGE k abc x", "SETRANGE k 536870911 \"\"", "SETRANGE k 536870912 x",
                "SETRANGE k 9223372036854775807 x", "SETRANGE n 0 9", "GET n", "LPUSH l a", "APPEND l x",
                "STRLEN l", "GETRANGE l 0 1", "SETRANGE l 0 x", "SETRANGE l 0 \"\"", "SET a ohmytext",
                "SET b mynewtext", "LCS a b", "LCS a b LEN", "LCS a b IDX", "LCS a b IDX MINMATCHLEN 4",
                "LCS a b IDX WITHMATCHLEN", "LCS a b IDX MINMATCHLEN 4 WITHMATCHLEN", "LCS a b LEN IDX",
                "LCS a b IDX LEN", "LCS a b MINMATCHLEN", "LCS a b MINMATCHLEN x", "LCS a b MINMATCHLEN -3 IDX",
                "LCS a b FOO", "LCS a missing", "LCS missing missing2 IDX", "LCS a l", "LCS l a LEN",
                "SET x AAAAAAAAAA", "SET y AAAXAAAXAAA", "LCS x y IDX WITHMATCHLEN", "LCS y x IDX", "LCS x y",
                "SET p 1234", "LCS p p IDX", "LCS a b len withmatchlen"));
    }

    @Test
    void genericKeyCommands() {
        d.assertSame(Sequence.of("SET a 1", "SET b 2", "LPUSH l x", "EXISTS a b l missing a", "TYPE a", "TYPE l",
                "TYPE missing", "DEL a missing", "UNLINK b l", "DBSIZE", "SET s v", "RENAME missing x",
                "RENAME s s", "RENAMENX s s", "RENAMENX missing x", "RENAME s t", "GET t", "EXISTS s", "SET u 1",
                "RENAMENX t u", "RENAME t u", "GET u", "EXPIRE u 100", "RENAME u w", "TTL w", "SET v 1",
                "RENAME w v", "TTL v", "TOUCH v missing v", "DBSIZE", "FLUSHDB foo", "FLUSHDB SYNC ASYNC",
                "FLUSHDB ASYNC", "DBSIZE", "RANDOMKEY", "SET k v", "RANDOMKEY", "FLUSHALL SYNC", "DBSIZE",
                "FLUSHALL ASYNC", "FLUSHALL foo", "SET k v", "SWAPDB a 1", "SWAPDB 1 a", "SWAPDB 1 100",
                "SWAPDB -1 0", "SWAPDB 99999999999 0", "SWAPDB 0 0", "GET k", "SWAPDB 0 1", "GET k", "SELECT 1",
                "GET k", "SWAPDB 1 0", "GET k", "SELECT 0", "MOVE k a", "MOVE k 100", "MOVE k 99999999999",
                "MOVE k 0", "MOVE k -1", "MOVE k 1", "MOVE k 1", "MOVE missing 1", "SET k v2", "MOVE k 1",
                "SELECT 1", "GET k", "SELECT 0", "GET k", "SET c 1", "EXPIRE c 1000", "COPY c c", "COPY c c DB 0",
                "COPY c c DB 1", "COPY c d DB 100", "COPY c d DB a", "COPY c d DB 99999999999", "COPY c d FOO",
                "COPY c d DB", "COPY c d", "TTL d", "COPY c d", "COPY c d REPLACE", "COPY missing d", "COPY c d REPLACE DB 2",
                "SELECT 2", "TTL d", "GET d", "SELECT 0", "LPUSH l2 a b", "COPY l2 l3", "LRANGE l3 0 -1",
                "TYPE l3", "KEYS *", "KEYS l*", "KEYS ?", "KEYS [cd]", "KEYS \\*", "KEYS \"\"", "SET \"\" empty",
                "KEYS *", "KEYS **", "EXISTS \"\""));
    }

    @Test
    void expireCommands() {
        d.assertSame(Sequence.of("SET a 1", "EXPIRE a 100 foo", "EXPIRE a abc foo", "EXPIRE a abc nx",
                "EXPIRE a 100 nx xx", "EXPIRE a 100 nx gt", "EXPIRE a 100 gt lt", "EXPIRE a 100 xx", "EXPIRE a 100 gt",
                "EXPIRE a 100 lt", "TTL a", "EXPIRE a 100 nx", "EXPIRE a 100 nx", "EXPIRE a 200 gt", "EXPIRE a 100 gt",
                "EXPIRE a 300 gt", "EXPIRE a 50 lt", "EXPIRE a 60 lt", "EXPIRE a 60 xx lt", "EXPIRE a 70 xx gt",
                "TTL a", "PEXPIRE a 100000", "PTTL a", "EXPIREAT a 4102444800", "EXPIRETIME a", "PEXPIRETIME a",
                "PEXPIREAT a 4102444800123", "PEXPIRETIME a", "EXPIRETIME a", "PERSIST a", "PERSIST a",
                "PERSIST missing", "TTL a", "PTTL a", "EXPIRETIME a", "TTL missing", "PTTL missing",
                "EXPIRETIME missing", "EXPIRE missing 100", "EXPIRE a 9223372036854775807",
                "EXPIRE a 9223372036854775", "EXPIRE a -9223372036854775808", "PEXPIRE a 9223372036854775807",
                "EXPIREAT a 9223372036854775807", "PEXPIREAT a 9223372036854775807", "PEXPIRETIME a", "EXPIRE a 1.5",
                "EXPIRE a \"\"", "EXISTS a", "EXPIRE a 0", "EXISTS a", "SET a 1", "EXPIRE a -1", "EXISTS a", "SET a 1",
                "PEXPIRE a -9223372036854775808", "EXISTS a", "SET a 1", "EXPIREAT a 1", "GET a", "SET a 1",
                "PEXPIREAT a 0", "TYPE a", "SET a 1", "EXPIRE a -1 nx", "EXISTS a", "SET a 1", "EXPIRE a 100",
                "EXPIRE a -1 gt", "EXPIRE a -1 lt", "EXISTS a", "SET a 1 EX 100", "EXPIRE a 100 gt nx", "EXPIRE",
                "TTL", "PERSIST"));
    }

    /** Random sequences of the commands above over five keys; every reply must match. */
    @Test
    void randomSequences() {
        long seed = Long.getLong("seed", System.nanoTime());
        int sequences = Integer.getInteger("sequences", 250);
        Random r = new Random(seed);
        for (int i = 0; i < sequences; i++) {
            List<String> cmds = new ArrayList<>();
            int n = 10 + r.nextInt(30);
            for (int j = 0; j < n; j++) {
                cmds.add(randomCommand(r));
            }
            Result res = d.run(Sequence.of(cmds.toArray(new String[0])));
            if (res.failed()) {
                Result small = d.minimise(res, 100);
                throw new AssertionError("seed=" + seed + " sequence " + i + "\n" + small.report());
            }
        }
    }

    private static final String[] KEYS = {"k1", "k2", "k3", "k4", "list"};
    private static final String[] VALUES = {"0", "1", "-1", "42", "9999", "10000", "12345678901234567890",
        "9223372036854775807", "-9223372036854775808", "3.5", "-0.25", "1e3", "abc", "\"\"", "hello world",
        "0123", "x".repeat(44), "y".repeat(45), "\" 7\"", "0x10"};

    private static String key(Random r) {
        return KEYS[r.nextInt(KEYS.length)];
    }

    private static String value(Random r) {
        return VALUES[r.nextInt(VALUES.length)];
    }

    private static String time(Random r, String unit) {
        return switch (r.nextInt(8)) {
            case 0 -> "0";
            case 1 -> "-5";
            case 2 -> "abc";
            case 3 -> unit.equals("abs-s") ? "4102444800" : unit.equals("abs-ms") ? "4102444800000" : "1000";
            case 4 -> unit.equals("abs-s") ? "1" : unit.equals("abs-ms") ? "1000" : "100000";
            case 5 -> "9223372036854775807";
            default -> unit.startsWith("abs") ? (unit.equals("abs-s") ? "4200000000" : "4200000000000") : "5000";
        };
    }

    private static String randomCommand(Random r) {
        String k = key(r);
        switch (r.nextInt(40)) {
            case 0: case 1: case 2: {
                StringBuilder sb = new StringBuilder("SET " + k + " " + value(r));
                String[] opts = {"NX", "XX", "GET", "KEEPTTL", "EX " + time(r, "s"), "PX " + time(r, "ms"),
                    "EXAT " + time(r, "abs-s"), "PXAT " + time(r, "abs-ms")};
                int m = r.nextInt(3);
                for (int i = 0; i < m; i++) {
                    sb.append(' ').append(opts[r.nextInt(opts.length)]);
                }
                return sb.toString();
            }
            case 3: return "GET " + k;
            case 4: {
                String[] opts = {"", " PERSIST", " EX " + time(r, "s"), " PX " + time(r, "ms"),
                    " EXAT " + time(r, "abs-s"), " PXAT " + time(r, "abs-ms"), " PERSIST EX 5"};
                return "GETEX " + k + opts[r.nextInt(opts.length)];
            }
            case 5: return "GETDEL " + k;
            case 6: return "GETSET " + k + " " + value(r);
            case 7: return "MGET " + k + " " + key(r) + " " + key(r);
            case 8: return "MSET " + k + " " + value(r) + " " + key(r) + " " + value(r);
            case 9: return "MSETNX " + k + " " + value(r) + " " + key(r) + " " + value(r);
            case 10: return "INCR " + k;
            case 11: return "DECR " + k;
            case 12: return "INCRBY " + k + " " + value(r);
            case 13: return "DECRBY " + k + " " + value(r);
            case 14: return "INCRBYFLOAT " + k + " " + value(r);
            case 15: return "APPEND " + k + " " + value(r);
            case 16: return "STRLEN " + k;
            case 17: return "GETRANGE " + k + " " + (r.nextInt(20) - 10) + " " + (r.nextInt(20) - 10);
            case 18: return "SETRANGE " + k + " " + (r.nextInt(12) - 1) + " " + value(r);
            case 19: return "SETNX " + k + " " + value(r);
            case 20: return "SETEX " + k + " " + time(r, "s") + " " + value(r);
            case 21: return "PSETEX " + k + " " + time(r, "ms") + " " + value(r);
            case 22: {
                String[] opts = {"", " LEN", " IDX", " IDX WITHMATCHLEN", " IDX MINMATCHLEN 2", " LEN IDX"};
                return "LCS " + k + " " + key(r) + opts[r.nextInt(opts.length)];
            }
            case 23: return "DEL " + k + " " + key(r);
            case 24: return "EXISTS " + k + " " + key(r);
            case 25: return "TYPE " + k;
            case 26: return (r.nextBoolean() ? "RENAME " : "RENAMENX ") + k + " " + key(r);
            case 27: return "OBJECT ENCODING " + k;
            case 28: return "COPY " + k + " " + key(r) + (r.nextBoolean() ? " REPLACE" : "");
            case 29: {
                String[] cmds = {"EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT"};
                int c = r.nextInt(4);
                String unit = c == 0 ? "s" : c == 1 ? "ms" : c == 2 ? "abs-s" : "abs-ms";
                String[] flags = {"", " NX", " XX", " GT", " LT", " NX XX", " GT LT", " XX GT", " FOO"};
                return cmds[c] + " " + k + " " + time(r, unit) + flags[r.nextInt(flags.length)];
            }
            case 30: return "TTL " + k;
            case 31: return "PTTL " + k;
            case 32: return (r.nextBoolean() ? "EXPIRETIME " : "PEXPIRETIME ") + k;
            case 33: return "PERSIST " + k;
            case 34: return "LPUSH " + k + " " + value(r);
            case 35: return "DBSIZE";
            case 36: return "KEYS " + new String[] {"*", "k*", "k[12]", "?", "*1*", "l?st"}[r.nextInt(6)];
            case 37: return "TOUCH " + k + " " + key(r);
            case 38: return "MOVE " + k + " " + r.nextInt(3);
            default: return "UNLINK " + k;
        }
    }
}
