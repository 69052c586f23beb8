package dev.cinnabar.tests.unit.type;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.testkit.Resp;
import dev.cinnabar.testkit.RespClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Streams without consumer groups (Redis's tests/unit/type/stream.tcl): XADD, XLEN, XRANGE,
 * XREVRANGE, XDEL, XTRIM and XSETID compared reply by reply with real Redis 7.0, with explicit
 * IDs so every reply is deterministic; auto IDs are checked for their shape and monotonicity.
 */
class StreamTest extends TypeDiff.Base {

    @Test
    void xaddWithExplicitIdsAndErrors() {
        same("XADD s 1-1 a 1 b 2", "XADD s 1-1 a 1", "XADD s 1-0 a 1", "XADD s 0-5 a 1", "XADD s 1-2 a 1",
                "XADD s 1 a 1", "XADD s 2 a 1", "XADD s 2-* a 1", "XADD s 2-* a 1", "XADD s 1-* a 1",
                "XADD s 5-* a 1", "XADD t 0-0 a 1", "XADD t 0-* a 1", "XADD t 0-* a 1", "EXISTS t",
                "XADD u 0-0 a 1", "EXISTS u", "XADD s 9 a", "XADD s 9", "XADD s", "XADD s foo a 1",
                "XADD s 1-x a 1", "XADD s -1 a 1", "XADD s - a 1", "XADD s + a 1", "XADD s ' 77' a 1",
                "XADD s '+78' a 1", "XADD s 18446744073709551615-18446744073709551614 a 1",
                "XADD s 18446744073709551615-* a 1", "XADD s 18446744073709551615-* a 1", "XADD s * a 1",
                "XADD s 18446744073709551616 a 1", "XLEN s", "XRANGE s - +", "TYPE s", "OBJECT ENCODING s");
    }

    @Test
    void xaddOptions() {
        same("XADD s NOMKSTREAM 1-1 a 1", "EXISTS s", "XADD s 1-1 a 1", "XADD s NOMKSTREAM 2-1 a 1",
                "XADD s MAXLEN -1 3 a 1", "XADD s MAXLEN x 3 a 1", "XADD s MAXLEN ~ 3 a 1", "XADD s MAXLEN ~",
                "XADD s LIMIT 5 3 a 1", "XADD s MAXLEN 5 LIMIT 5 3 a 1", "XADD s MAXLEN 1 MINID 5 3 a 1",
                "XADD s MAXLEN = 1 LIMIT -1 3 a 1", "XADD s MAXLEN ~ 1 LIMIT -1 3 a 1", "XADD s MINID 1-x 3 a 1",
                "XADD s MINID - 3 a 1", "XADD s LIMIT 0 3 a 1", "XADD s MAXLEN = 2 4 a 1", "XADD s MAXLEN = 2 5 a 1",
                "XRANGE s - +", "XADD s MINID = 5 6 a 1", "XRANGE s - +", "XADD s MINID 7 7 a 1", "XLEN s",
                "XADD s maxlen 0 8 a 1", "XLEN s", "EXISTS s", "XRANGE s - +", "SET str x",
                "XADD str 1 a 1", "XADD str NOMKSTREAM 1 a 1", "XADD s NOMKSTREAM 9 a 1 b");
    }

    @Test
    void approximateTrimmingRemovesWholeNodes() {
        List<String> lines = new ArrayList<>(List.of("CONFIG SET stream-node-max-entries 10"));
        for (int i = 1; i <= 95; i++) {
            lines.add("XADD s " + i + " f v");
        }
        lines.addAll(List.of("XLEN s", "XTRIM s MAXLEN ~ 50", "XLEN s", "XTRIM s MAXLEN ~ 50", "XTRIM s MINID ~ 58",
                "XLEN s", "XRANGE s - + COUNT 2", "XTRIM s MAXLEN ~ 10 LIMIT 10", "XLEN s", "XTRIM s MAXLEN ~ 0 LIMIT 0",
                "XLEN s", "XADD s MAXLEN ~ 3 96 f v", "XLEN s", "XTRIM s MAXLEN = 3", "XRANGE s - +", "XTRIM s MINID 96",
                "XRANGE s - +"));
        same(lines.toArray(new String[0]));
    }

    @Test
    void xtrimErrors() {
        same("XTRIM nokey MAXLEN 1", "XTRIM nokey FOO", "XADD s 1 a 1", "XTRIM s FOO", "XTRIM s LIMIT 1 MAXLEN 1",
                "XTRIM s MAXLEN 1 LIMIT 1", "XTRIM s MAXLEN ~ 1 LIMIT 1 NOMKSTREAM", "XTRIM s MAXLEN ~ 1 LIMIT 1",
                "XTRIM s MINID 1 MAXLEN 1", "XTRIM s MAXLEN 1 LIMIT", "XTRIM s MAXLEN 0", "SET str x",
                "XTRIM str MAXLEN 0");
    }

    @Test
    void xrangeAndXrevrange() {
        List<String> lines = new ArrayList<>(List.of("CONFIG SET stream-node-max-entries 3"));
        for (int i = 1; i <= 10; i++) {
            lines.add("XADD s " + i + "-" + (i % 3) + " f" + i + " v" + i + " g x");
        }
        for (String r : new String[] {"- +", "3 7", "3-1 7-1", "(3-0 (7-1", "- (5", "(5 +", "+ -", "7 3", "5-0 5",
            "5 5-0", "(0-0 +", "- (18446744073709551615-18446744073709551615", "(- +", "- (+",
            "(18446744073709551615-18446744073709551615 +", "- (0-0", "(0 (1", "x +", "- x", "0-x +", "( +", "- (",
            "3 8 COUNT 2", "3 8 COUNT 0", "3 8 COUNT -1", "- + COUNT x", "- + FOO 1", "- + COUNT", "- + COUNT 1 COUNT 3"}) {
            lines.add("XRANGE s " + r);
            String[] p = r.split(" ", 3);
            lines.add("XREVRANGE s " + p[1] + " " + p[0] + (p.length > 2 ? " " + p[2] : ""));
            lines.add("XRANGE nokey " + r);
        }
        lines.add("SET str x");
        lines.add("XRANGE str - +");
        same(lines.toArray(new String[0]));
    }

    @Test
    void xdelAndXlen() {
        same("CONFIG SET stream-node-max-entries 2", "XADD s 1 a 1", "XADD s 2 b 2", "XADD s 3 c 3", "XADD s 4 d 4",
                "XDEL s 2 3 9", "XLEN s", "XRANGE s - +", "XREVRANGE s + -", "XDEL s 2", "XDEL s 1 x",
                "XDEL s 1 4", "XLEN s", "EXISTS s", "XRANGE s - +", "XADD s 3 a 1", "XADD s 5 a 1", "XRANGE s - +",
                "XDEL nokey 1", "XDEL nokey x", "SET str x", "XDEL str 1", "XLEN str", "XLEN nokey");
    }

    @Test
    void xsetid() {
        same("XSETID nokey 1-1", "XSETID s x", "XADD s 5-5 a 1", "XSETID s 5-4", "XSETID s 5-5", "XSETID s 6",
                "XADD s 6 a 1", "XADD s 6-1 a 1", "XDEL s 6-1", "XSETID s 6-0", "XSETID s 6-1 ENTRIESADDED 1",
                "XSETID s 6-1 ENTRIESADDED -1", "XSETID s 6-1 ENTRIESADDED x", "XSETID s 6-1 ENTRIESADDED 10",
                "XSETID s 6-1 MAXDELETEDID 7", "XSETID s 6-1 MAXDELETEDID x", "XSETID s 6-1 FOO", "XSETID s 6-1 ENTRIESADDED",
                "XSETID s 9 ENTRIESADDED 10 MAXDELETEDID 8", "XSETID s 7 ", "XADD s 9 a 1", "XADD s 9-* a 1",
                "XDEL s 5-5 6 9-1", "XSETID s 1", "XSETID s 9-1", "SET str x", "XSETID str 1");
    }

    @Test
    void streamEvents() {
        same("CONFIG SET notify-keyspace-events KEA", "c1 PSUBSCRIBE __keyevent@0__:x*", "XADD s 1 a 1",
                "XADD s MAXLEN 1 2 a 1", "XDEL s 2", "XTRIM s MAXLEN 0", "XSETID s 5", "c1 PING");
    }

    @Test
    void autoIdsAreMonotonicAndTimeBased() {
        try (RespClient c = new RespClient(servers.cinnabar().port())) {
            String prev = "0-0";
            for (int i = 0; i < 50; i++) {
                String id = c.call("XADD", "auto", "*", "f", Integer.toString(i)).asText();
                assertThat(id).matches("\\d+-\\d+");
                assertThat(compare(id, prev)).isPositive();
                prev = id;
            }
            long ms = Long.parseLong(prev.split("-")[0]);
            assertThat(ms).isCloseTo(System.currentTimeMillis(), org.assertj.core.data.Offset.offset(60_000L));
            Resp r = c.call("XADD", "auto", "99999999999999-*", "f", "v");
            assertThat(r.asText()).isEqualTo("99999999999999-0");
            assertThat(c.call("XADD", "auto", "*", "f", "v").asText()).isEqualTo("99999999999999-1");
            assertThat(c.call("XLEN", "auto").toString()).contains("52");
            c.call("DEL", "auto");
        }
    }

    private static int compare(String a, String b) {
        String[] x = a.split("-");
        String[] y = b.split("-");
        int ms = Long.compareUnsigned(Long.parseUnsignedLong(x[0]), Long.parseUnsignedLong(y[0]));
        return ms != 0 ? ms : Long.compareUnsigned(Long.parseUnsignedLong(x[1]), Long.parseUnsignedLong(y[1]));
    }

    @Test
    void randomWorkloadsMatch() {
        Random r = new Random(11);
        for (int round = 0; round < 15; round++) {
            List<String> lines = new ArrayList<>(List.of("CONFIG SET stream-node-max-entries " + (1 + r.nextInt(6))));
            long ms = 1;
            for (int i = 0; i < 60; i++) {
                switch (r.nextInt(8)) {
                    case 0, 1, 2 -> {
                        ms += r.nextInt(3);
                        lines.add("XADD s " + ms + "-* f" + r.nextInt(3) + " " + r.nextInt(100));
                    }
                    case 3 -> lines.add("XDEL s " + (1 + r.nextInt((int) ms)) + "-" + r.nextInt(3));
                    case 4 -> lines.add("XTRIM s " + (r.nextBoolean() ? "MAXLEN " : "MINID ")
                            + (r.nextBoolean() ? "~ " : "") + r.nextInt(20));
                    case 5 -> lines.add("XRANGE s " + r.nextInt((int) ms + 1) + " + COUNT " + r.nextInt(5));
                    case 6 -> lines.add("XREVRANGE s + (" + r.nextInt((int) ms + 1) + " COUNT " + r.nextInt(5));
                    default -> lines.add("XLEN s");
                }
            }
            lines.add("XRANGE s - +");
            same(lines.toArray(new String[0]));
        }
    }

    /** A scripted multi-client dialog run on both servers (the list blocking tests' helper). */
    private static void dialog(String... steps) {
        ListBlockingDifferentialTest.dialog(steps);
    }

    @Test
    void xreadServesAtOnce() {
        same("XADD s 1-1 a 1", "XADD s 2-1 b 2", "XADD s 3-1 c 3", "XADD t 5 x y", "XREAD STREAMS s 0",
                "XREAD COUNT 1 STREAMS s t 1-1 0", "XREAD COUNT 0 STREAMS s t 0 0", "XREAD COUNT -3 STREAMS s 2",
                "XREAD STREAMS s t $ $", "XREAD STREAMS nokey s 0 3-1", "XREAD STREAMS s 3-0 s 0", "XREAD STREAMS s",
                "XREAD STREAMS s t 0", "XREAD FOO STREAMS s 0", "XREAD COUNT x STREAMS s 0", "XREAD BLOCK x STREAMS s 0",
                "XREAD BLOCK -1 STREAMS s 0", "XREAD STREAMS s >", "XREAD STREAMS s x", "XREAD COUNT 1 BLOCK 10",
                "SET str x", "XREAD STREAMS str s 0 0", "XREAD STREAMS s str 0 x", "XREAD STREAMS s str x 0",
                "XDEL s 3-1", "XREAD STREAMS s 2-1", "XREAD BLOCK 10 STREAMS s 2-1",
                "XREAD STREAMS s 18446744073709551615-18446744073709551615", "MULTI", "XREAD BLOCK 0 STREAMS s $",
                "EXEC");
    }

    @Test
    void xreadBlocksUntilXadd() {
        dialog("c0 XADD s 1 a 1", "c1! XREAD BLOCK 0 STREAMS s $", "blocked 1", "c0 XADD other 1 a 1", "blocked 1",
                "c0 XADD s 2 b 2", "c1< 1", "blocked 0");
        dialog("c1! XREAD COUNT 2 BLOCK 0 STREAMS a b 0 0", "blocked 1", "c2! XREAD BLOCK 0 STREAMS b $",
                "blocked 2", "c0 XADD b 5 f v", "c1< 1", "c2< 1", "blocked 0");
        dialog("c1! XREAD BLOCK 0 STREAMS s 5", "blocked 1", "c0 XADD s 3 a 1", "blocked 1", "c0 XADD s 6 a 1",
                "c1< 1");
        dialog("c1! XREAD BLOCK 0 STREAMS s $", "blocked 1", "c0 SET s x", "blocked 1", "c0 DEL s",
                "c0 XADD s 1 f v", "c1< 1");
    }

    @Test
    void xreadBlockTimesOut() {
        dialog("c1 XREAD BLOCK 30 STREAMS s $", "c1 XREAD BLOCK 20 STREAMS s t 0 0", "c1 PING");
    }
}
