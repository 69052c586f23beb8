package dev.cinnabar.tests.unit.type;

import dev.cinnabar.testkit.diff.Sequence;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * List commands (Redis's tests/unit/type/list.tcl), every reply compared with real Redis 7.0:
 * hand-written sequences for each command's edge cases and errors, then seeded random sequences
 * over a few keys with varied node sizes.
 */
class ListTest extends TypeDiff.Base {
    @Test
    void pushAndLength() {
        same("LPUSH l a b c", "RPUSH l d e", "LLEN l", "LRANGE l 0 -1", "LPUSHX nope x", "RPUSHX nope x", "EXISTS nope",
                "LPUSHX l x", "RPUSHX l y z", "LRANGE l 0 -1", "LLEN nope", "TYPE l", "OBJECT ENCODING l",
                "SET s str", "LPUSH s x", "RPUSHX s x", "LLEN s", "LPUSH", "LPUSH l", "RPUSH l \"\"", "LINDEX l -1");
    }

    @Test
    void popWithAndWithoutCount() {
        same("RPUSH l a b c d e", "LPOP l", "RPOP l", "LPOP l 2", "RPOP l 0", "LPOP l 10", "EXISTS l",
                "LPOP l", "LPOP l 1", "RPOP l 0", "LPOP l -1", "LPOP l x", "LPOP l 1 2", "RPUSH l a", "RPOP l 1",
                "SET s v", "LPOP s", "RPOP s 1", "LPOP s -1", "RPOP s x");
    }

    @Test
    void indexAndSet() {
        same("RPUSH l a b c", "LINDEX l 0", "LINDEX l -1", "LINDEX l 3", "LINDEX l -4", "LINDEX l x",
                "LINDEX nope x", "LINDEX nope 0", "LSET l 1 B", "LSET l -1 C", "LRANGE l 0 -1", "LSET l 3 x",
                "LSET l -4 x", "LSET l x y", "LSET nope 0 x", "LSET nope x y", "SET s v", "LSET s 0 x", "LINDEX s 0",
                "LSET l 0 \"a much longer element than before, to grow the node\"", "LRANGE l 0 -1");
    }

    @Test
    void rangeAndTrim() {
        same("RPUSH l 0 1 2 3 4 5 6 7 8 9", "LRANGE l 0 3", "LRANGE l -3 -1", "LRANGE l 5 2", "LRANGE l -100 100",
                "LRANGE l 10 20", "LRANGE l -1 -2", "LRANGE l x 1", "LRANGE l 0 y", "LRANGE nope 0 -1",
                "LTRIM l 1 -2", "LRANGE l 0 -1", "LTRIM l -3 100", "LRANGE l 0 -1", "LTRIM l 5 1", "EXISTS l",
                "LTRIM nope 0 1", "LTRIM nope a b", "RPUSH l a b", "LTRIM l a 1", "SET s v", "LTRIM s 0 1",
                "LRANGE s 0 1");
    }

    @Test
    void removeAndInsert() {
        same("RPUSH l a b a c a d a", "LREM l 2 a", "LRANGE l 0 -1", "LREM l -1 a", "LRANGE l 0 -1", "LREM l 0 a",
                "LRANGE l 0 -1", "LREM l 0 zz", "LREM l x a", "LREM nope 1 a", "LREM nope x a", "LINSERT l BEFORE c X",
                "LINSERT l after d Y", "LINSERT l AFTER nothere Z", "LINSERT l middle c Z", "LINSERT nope before a b",
                "LRANGE l 0 -1", "LREM l 0 b", "LREM l 0 X", "LREM l 0 c", "LREM l 0 d", "LREM l 0 Y", "EXISTS l",
                "SET s v", "LREM s 0 v", "LINSERT s before a b", "LINSERT s foo a b");
    }

    @Test
    void lpos() {
        same("RPUSH l a b c 1 2 3 c c", "LPOS l c", "LPOS l c RANK 2", "LPOS l c RANK -1", "LPOS l c RANK -3",
                "LPOS l c RANK 4", "LPOS l c COUNT 0", "LPOS l c COUNT 2", "LPOS l c COUNT 2 RANK -1",
                "LPOS l c COUNT 0 MAXLEN 3", "LPOS l c MAXLEN 1", "LPOS l c RANK 0", "LPOS l c RANK x",
                "LPOS l c RANK -9223372036854775808", "LPOS l c COUNT -1", "LPOS l c COUNT x", "LPOS l c MAXLEN -1",
                "LPOS l c MAXLEN x", "LPOS l c FOO", "LPOS l c RANK", "LPOS l z", "LPOS l z COUNT 1", "LPOS nope a",
                "LPOS nope a COUNT 0", "LPOS nope a RANK 0", "SET s v", "LPOS s v", "LPOS l c rank 1 count 1 maxlen 0");
    }

    @Test
    void moveAndRotate() {
        same("RPUSH a 1 2 3", "LMOVE a b LEFT RIGHT", "LMOVE a b RIGHT LEFT", "LRANGE a 0 -1", "LRANGE b 0 -1",
                "RPOPLPUSH a a", "LRANGE a 0 -1", "LMOVE a a LEFT RIGHT", "LRANGE a 0 -1", "RPOPLPUSH a b",
                "EXISTS a", "LMOVE nope b LEFT LEFT", "RPOPLPUSH nope b", "LMOVE b c middle LEFT", "LMOVE b c LEFT up",
                "SET s v", "LMOVE b s LEFT LEFT", "LMOVE s b LEFT LEFT", "RPOPLPUSH b s", "RPOPLPUSH nope s",
                "LRANGE b 0 -1");
    }

    @Test
    void lmpop() {
        same("RPUSH b 1 2 3 4", "LMPOP 2 a b LEFT", "LMPOP 2 a b RIGHT COUNT 2", "LMPOP 1 b LEFT COUNT 10",
                "EXISTS b", "LMPOP 1 b LEFT", "LMPOP 0 b LEFT", "LMPOP -1 b LEFT", "LMPOP x b LEFT",
                "LMPOP 3 a b LEFT", "LMPOP 1 a MIDDLE", "LMPOP 1 a LEFT COUNT 0", "LMPOP 1 a LEFT COUNT -1",
                "LMPOP 1 a LEFT COUNT x", "LMPOP 1 a LEFT COUNT 1 COUNT 2", "LMPOP 1 a LEFT COUNT",
                "LMPOP 1 a LEFT foo", "SET s v", "LMPOP 2 a s LEFT", "RPUSH a x", "LMPOP 2 a s LEFT",
                "LMPOP 99999999999999999999 a LEFT", "LMPOP 9223372036854775807 a LEFT");
    }

    @Test
    void blockingCommandsWithDataOrErrorsDoNotBlock() {
        same("RPUSH a 1 2 3 4 5", "BLPOP nope a 0", "BRPOP a nope 0", "BLMOVE a b LEFT RIGHT 0", "BRPOPLPUSH a b 0",
                "LRANGE b 0 -1", "BLMPOP 0 2 nope b RIGHT COUNT 5", "EXISTS a b", "BLPOP a x", "BLPOP a -1",
                "BLPOP a 1e30", "BLPOP a \"\"", "BLMOVE a b middle left 0", "BLMOVE a b left left x",
                "BLMPOP x 1 a LEFT", "BLMPOP 0 0 a LEFT", "BLMPOP 0 1 a LEFT COUNT 0", "SET s v", "BLPOP s 0",
                "BLMOVE s a LEFT LEFT 0", "RPUSH a 1", "BLMOVE a s LEFT LEFT 0", "BLMPOP 0 1 s LEFT",
                "BLPOP nope 0.01", "BRPOPLPUSH nope a 0.01", "BLMPOP 0.01 1 nope LEFT", "BLPOP nope 0.0001");
    }

    @Test
    void emptiedListsAreDeleted() {
        same("RPUSH l a", "LPOP l", "EXISTS l", "RPUSH l a b", "LTRIM l 2 3", "EXISTS l", "RPUSH l a", "LREM l 1 a",
                "EXISTS l", "RPUSH l a", "LMPOP 1 l LEFT", "TYPE l", "RPUSH l a", "RPOPLPUSH l m", "TYPE l", "TYPE m");
    }

    @Test
    void nodeSizesFromConfig() {
        for (String fill : new String[] {"1", "2", "3", "-1", "-5", "128"}) {
            List<String> lines = new ArrayList<>(List.of("CONFIG SET list-max-listpack-size " + fill));
            StringBuilder push = new StringBuilder("RPUSH l");
            for (int i = 0; i < 40; i++) {
                push.append(' ').append(i % 3 == 0 ? "x".repeat(300 + i) : Integer.toString(i));
            }
            lines.add(push.toString());
            lines.addAll(List.of("LINSERT l BEFORE 10 ins", "LSET l 5 \"" + "y".repeat(5000) + "\"", "LREM l 0 ins",
                    "LRANGE l 0 -1", "LINDEX l 20", "LINDEX l -7", "LTRIM l 3 -3", "LRANGE l 10 30", "OBJECT ENCODING l",
                    "LPOS l 7", "LPOS l 8 RANK -1", "LLEN l"));
            TypeDiff.same(servers, Sequence.of(lines.toArray(new String[0])), "fill " + fill);
        }
    }

    @Test
    void resp3NullsAndAggregates() {
        same("HELLO 3", "LPOP nope", "LPOP nope 2", "RPOP nope 0", "RPUSH l a b", "LPOP l 0", "LPOP l 5", "LINDEX l 9",
                "LMPOP 1 nope LEFT", "BLPOP nope 0.01", "BLMOVE nope d LEFT LEFT 0.01", "BLMPOP 0.01 1 nope LEFT",
                "LPOS nope x", "LPOS nope x COUNT 0", "RPUSH l a", "LPOS l a COUNT 0", "LMOVE nope d LEFT LEFT",
                "MULTI", "BLPOP nope 0", "BRPOPLPUSH nope d 0", "EXEC");
    }

    /** Seeded random scripts over three keys; a failure names the seed. */
    @Test
    void randomSequencesAgreeWithRedis() {
        for (int seed = 0; seed < 250; seed++) {
            Random r = new Random(seed);
            List<String> lines = new ArrayList<>();
            if (r.nextInt(4) == 0) {
                lines.add("HELLO 3"); // RESP3 null, map and pair forms
            }
            if (r.nextInt(3) == 0) {
                lines.add("CONFIG SET list-max-listpack-size " + pick(r, "1", "2", "3", "-1", "-2"));
            }
            for (int i = 0; i < 20; i++) {
                lines.add(randomCommand(r));
            }
            TypeDiff.same(servers, Sequence.of(lines.toArray(new String[0])), "seed " + seed);
        }
    }

    private static final String[] KEYS = {"l1", "l2", "s"};
    private static final String[] ELEMS = {"a", "b", "c", "1", "-2", "", "long-element-" + "z".repeat(70)};

    private static String pick(Random r, String... xs) {
        return xs[r.nextInt(xs.length)];
    }

    private static String key(Random r) {
        return r.nextInt(10) == 0 ? "s" : pick(r, "l1", "l2");
    }

    private static String el(Random r) {
        String e = pick(r, ELEMS);
        return e.isEmpty() ? "\"\"" : e;
    }

    private static String idx(Random r) {
        return Integer.toString(r.nextInt(13) - 6);
    }

    private static String side(Random r) {
        return pick(r, "LEFT", "RIGHT", "left");
    }

    private static String randomCommand(Random r) {
        if (r.nextInt(25) == 0) {
            // blocking commands that may time out: rare, since Redis serves timeouts at hz (up to 100 ms)
            switch (r.nextInt(3)) {
                case 0:
                    return pick(r, "BLPOP", "BRPOP") + " " + key(r) + " " + key(r) + " 0.001";
                case 1:
                    return "BLMOVE " + key(r) + " " + key(r) + " " + side(r) + " " + side(r) + " 0.001";
                default:
                    return "BLMPOP 0.001 1 " + key(r) + " " + side(r) + (r.nextBoolean() ? " COUNT 3" : "");
            }
        }
        switch (r.nextInt(19)) {
            case 0, 1, 2: {
                StringBuilder b = new StringBuilder(pick(r, "LPUSH", "RPUSH", "LPUSHX", "RPUSHX") + " " + key(r));
                int n = 1 + r.nextInt(5);
                for (int i = 0; i < n; i++) {
                    b.append(' ').append(el(r));
                }
                return b.toString();
            }
            case 3:
                return pick(r, "LPOP", "RPOP") + " " + key(r) + (r.nextBoolean() ? " " + (r.nextInt(5) - 1) : "");
            case 4:
                return "LLEN " + key(r);
            case 5:
                return "LINDEX " + key(r) + " " + idx(r);
            case 6:
                return "LSET " + key(r) + " " + idx(r) + " " + el(r);
            case 7:
                return "LRANGE " + key(r) + " " + idx(r) + " " + idx(r);
            case 8:
                return "LTRIM " + key(r) + " " + idx(r) + " " + idx(r);
            case 9:
                return "LREM " + key(r) + " " + (r.nextInt(5) - 2) + " " + el(r);
            case 10:
                return "LINSERT " + key(r) + " " + pick(r, "BEFORE", "AFTER") + " " + el(r) + " " + el(r);
            case 11: {
                StringBuilder b = new StringBuilder("LPOS " + key(r) + " " + el(r));
                if (r.nextBoolean()) {
                    b.append(" RANK ").append(r.nextInt(7) - 3);
                }
                if (r.nextBoolean()) {
                    b.append(" COUNT ").append(r.nextInt(4));
                }
                if (r.nextBoolean()) {
                    b.append(" MAXLEN ").append(r.nextInt(5));
                }
                return b.toString();
            }
            case 12:
                return "LMOVE " + key(r) + " " + key(r) + " " + side(r) + " " + side(r);
            case 13:
                return "RPOPLPUSH " + key(r) + " " + key(r);
            case 14:
                return "LMPOP 2 " + key(r) + " " + key(r) + " " + side(r) + (r.nextBoolean() ? " COUNT " + (1 + r.nextInt(4)) : "");
            case 15:
                return pick(r, "SET s v", "DEL " + key(r), "TYPE " + key(r), "EXISTS l1 l2");
            case 16:
                return "RENAME " + key(r) + " " + key(r);
            default:
                return "LRANGE " + key(r) + " 0 -1";
        }
    }
}
