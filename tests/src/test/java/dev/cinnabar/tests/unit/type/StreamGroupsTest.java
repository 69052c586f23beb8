package dev.cinnabar.tests.unit.type;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.testkit.RespClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Stream consumer groups (Redis's tests/unit/type/stream-cgroups.tcl) compared reply by reply with
 * real Redis 7.0: XGROUP, XREADGROUP, XACK, XPENDING, XCLAIM, XAUTOCLAIM and XINFO with their
 * errors, RESP3 shapes, keyspace events, COPY/RENAME/MOVE, blocking readers with several clients,
 * and random workloads. Times (delivery times, seen-time, idle) are compared with a tolerance by
 * the testkit's streamTimes normaliser, since each server stamps them with its own clock.
 */
class StreamGroupsTest extends TypeDiff.Base {

    private static void dialog(String... steps) {
        ListBlockingDifferentialTest.dialog(steps);
    }

    @Test
    void xgroupCreateAndErrors() {
        same("XGROUP CREATE s g $", "XGROUP CREATE s g $ MKSTREAM", "EXISTS s", "XGROUP CREATE s g $",
                "XGROUP CREATE s g2 0", "XGROUP CREATE s g3 x", "XGROUP CREATE s g3 -", "XGROUP CREATE s g3 +",
                "XGROUP CREATE s g3 5 FOO", "XGROUP CREATE s g3 5 ENTRIESREAD", "XGROUP CREATE s g3 5 ENTRIESREAD x",
                "XGROUP CREATE s g3 5 ENTRIESREAD -2", "XGROUP CREATE s g3 5 ENTRIESREAD -1", "XGROUP CREATE s g4 5 ENTRIESREAD 7",
                "XGROUP CREATE s g5 5 MKSTREAM ENTRIESREAD 3 MKSTREAM", "XGROUP CREATE s g6 5 MKSTREAM FOO BAR",
                "XGROUP CREATE s g7 5 MKSTREAM ENTRIESREAD 3 MKSTREAM X", "XGROUP CREATE nokey g 0 ENTRIESREAD x MKSTREAM",
                "XGROUP CREATE nokey2 g x MKSTREAM", "EXISTS nokey2", "XGROUP CREATE s g8 0 mkstream entriesread 0",
                "XINFO GROUPS s", "SET str x", "XGROUP CREATE str g $", "XGROUP CREATE str g $ MKSTREAM",
                "XGROUP FOO s g", "XGROUP CREATE s", "XGROUP HELP x", "XGROUP", "XADD s2 5-1 a 1",
                "XGROUP CREATE s2 g $", "XGROUP CREATE s2 h 3", "XINFO GROUPS s2", "XINFO STREAM s2");
    }

    @Test
    void xgroupSetidDestroyConsumers() {
        same("XGROUP SETID nokey g 0", "XGROUP DESTROY nokey g", "XGROUP CREATECONSUMER nokey g c",
                "XGROUP DELCONSUMER nokey g c", "XADD s 1 a 1", "XADD s 2 b 2", "XADD s 3 c 3",
                "XGROUP SETID s g 0", "XGROUP CREATECONSUMER s g c", "XGROUP DELCONSUMER s g c", "XGROUP DESTROY s g",
                "XGROUP CREATE s g 0", "XGROUP SETID s g 2", "XGROUP SETID s g $", "XGROUP SETID s g -",
                "XGROUP SETID s g +", "XGROUP SETID s g x", "XGROUP SETID s g 1 ENTRIESREAD 1", "XINFO GROUPS s",
                "XGROUP SETID s g 1 ENTRIESREAD -3", "XGROUP SETID s g 1 ENTRIESREAD", "XGROUP SETID s g 1 MKSTREAM",
                "XGROUP SETID s g 1 FOO 1", "XGROUP SETID s g 0 ENTRIESREAD -1", "XINFO GROUPS s",
                "XGROUP CREATECONSUMER s g c1", "XGROUP CREATECONSUMER s g c1", "XGROUP CREATECONSUMER s g c0",
                "XREADGROUP GROUP g c2 COUNT 2 STREAMS s >", "XINFO CONSUMERS s g", "XGROUP DELCONSUMER s g c2",
                "XGROUP DELCONSUMER s g nope", "XPENDING s g", "XINFO CONSUMERS s g", "XGROUP DESTROY s g",
                "XGROUP DESTROY s g", "XINFO GROUPS s", "XGROUP CREATECONSUMER s g x", "XGROUP SETID s g 0 x",
                "XGROUP DESTROY s g x", "SET str x", "XGROUP SETID str g 0", "XGROUP DESTROY str g");
    }

    @Test
    void xreadgroupNewEntriesHistoryAndErrors() {
        same("XADD s 1 a 1", "XADD s 2 b 2", "XADD s 3 c 3", "XADD t 1 x y", "XGROUP CREATE s g 0",
                "XGROUP CREATE t g $", "XREADGROUP GROUP g c COUNT 1 STREAMS s >", "XREADGROUP GROUP g c STREAMS s t > >",
                "XREADGROUP GROUP g c STREAMS s >", "XREADGROUP GROUP g c STREAMS s 0", "XREADGROUP GROUP g c COUNT 2 STREAMS s 0",
                "XREADGROUP GROUP g c STREAMS s 1", "XREADGROUP GROUP g c2 STREAMS s 0", "XDEL s 2",
                "XREADGROUP GROUP g c STREAMS s 0", "XREADGROUP GROUP g c STREAMS s t 0 0", "XPENDING s g - + 10",
                "XREADGROUP GROUP g c STREAMS s $", "XREADGROUP GROUP g c STREAMS s x", "XREADGROUP GROUP g c STREAMS s",
                "XREADGROUP GROUP g c STREAMS s nokey > >", "XREADGROUP GROUP nog c STREAMS s >",
                "XREADGROUP COUNT 1 STREAMS s >", "XREADGROUP GROUP g STREAMS s >", "XREADGROUP GROUP g c FOO STREAMS s >",
                "XREADGROUP GROUP g c COUNT x STREAMS s >", "XREADGROUP GROUP g c BLOCK x STREAMS s >",
                "XREADGROUP GROUP g c BLOCK -1 STREAMS s >", "XREAD GROUP g c STREAMS s >", "XREAD NOACK STREAMS s 0",
                "XREADGROUP GROUP g c BLOCK 10 STREAMS s >", "XREADGROUP GROUP g c COUNT -1 STREAMS s 0",
                "XREADGROUP GROUP g c STREAMS s 18446744073709551615-18446744073709551615", "SET str x",
                "XREADGROUP GROUP g c STREAMS str >", "XREADGROUP GROUP g c STREAMS s str > >", "XADD s 4 d 4",
                "XREADGROUP GROUP g c3 NOACK STREAMS s >", "XPENDING s g", "XINFO GROUPS s", "XGROUP SETID s g 0",
                "XREADGROUP GROUP g c3 COUNT 2 STREAMS s >", "XPENDING s g - + 10", "XINFO CONSUMERS s g",
                "MULTI", "XREADGROUP GROUP g c BLOCK 0 STREAMS s >", "EXEC");
    }

    @Test
    void xackAndXpending() {
        same("XACK nokey g 1", "XACK nokey g x", "XADD s 1 a 1", "XACK s g 1", "XGROUP CREATE s g 0",
                "XACK s g x", "XPENDING s g", "XPENDING s g - + 10", "XPENDING s nog", "XPENDING nokey g",
                "XREADGROUP GROUP g c STREAMS s >", "XADD s 2 a 1", "XADD s 3 a 1", "XREADGROUP GROUP g d STREAMS s >",
                "XPENDING s g", "XPENDING s g - + 10", "XPENDING s g - + 1", "XPENDING s g - + 0", "XPENDING s g - + -1",
                "XPENDING s g (1 + 10", "XPENDING s g - (3 10", "XPENDING s g 3 1 10", "XPENDING s g - + 10 d",
                "XPENDING s g - + 10 nope", "XPENDING s g IDLE 0 - + 10", "XPENDING s g IDLE 100000 - + 10",
                "XPENDING s g IDLE x - + 10", "XPENDING s g IDLE 0 - + 10 c", "XPENDING s g IDLE 0 - +",
                "XPENDING s g - + x", "XPENDING s g x + 10", "XPENDING s g - x 10", "XPENDING s g - + 10 c d",
                "XPENDING s g -", "XPENDING s g - +", "XPENDING s g (18446744073709551615-18446744073709551615 + 1",
                "XPENDING s g - (0 1", "XACK s g 1 2 x", "XACK s g 1 2 9", "XACK s g 1", "XPENDING s g",
                "XINFO CONSUMERS s g", "SET str x", "XACK str g 1", "XPENDING str g");
    }

    @Test
    void xclaim() {
        same("XCLAIM nokey g c 0 1", "XADD s 1 a 1", "XADD s 2 b 2", "XADD s 3 c 3", "XADD s 4 d 4",
                "XCLAIM s g c 0 1", "XGROUP CREATE s g 0", "XREADGROUP GROUP g c STREAMS s >", "XCLAIM s g d 0 1",
                "XPENDING s g - + 10", "XCLAIM s g d 0 2 JUSTID", "XCLAIM s g d 100000 3", "XCLAIM s g d x 3",
                "XCLAIM s g d -5 3 RETRYCOUNT 7", "XPENDING s g - + 10", "XCLAIM s g e 0 4 IDLE 5000 JUSTID",
                "XPENDING s g IDLE 4000 - + 10", "XCLAIM s g e 0 4 TIME 1", "XCLAIM s g e 0 4 IDLE x",
                "XCLAIM s g e 0 4 TIME x", "XCLAIM s g e 0 4 RETRYCOUNT x", "XCLAIM s g e 0 4 FOO",
                "XCLAIM s g e 0 4 IDLE", "XCLAIM s g e 0 x 4", "XCLAIM s g e 0 4 LASTID x", "XCLAIM s g e 0 4 LASTID 9",
                "XINFO GROUPS s", "XCLAIM s g e 0 4 LASTID 2", "XDEL s 3", "XCLAIM s g e 0 3 4", "XPENDING s g",
                "XCLAIM s g f 0 9 FORCE", "XADD s 5 e 5", "XCLAIM s g f 0 5", "XCLAIM s g f 0 5 FORCE",
                "XCLAIM s g f 0 5 FORCE", "XCLAIM s g f2 0 1 2 FORCE JUSTID RETRYCOUNT 0", "XPENDING s g - + 10",
                "XINFO CONSUMERS s g", "XCLAIM s nog c 0 1", "SET str x", "XCLAIM str g c 0 1");
    }

    @Test
    void xautoclaim() {
        List<String> lines = new ArrayList<>(List.of("XAUTOCLAIM nokey g c 0 0", "XGROUP CREATE s g $ MKSTREAM"));
        for (int i = 1; i <= 12; i++) {
            lines.add("XADD s " + i + " f v" + i);
        }
        lines.addAll(List.of("XREADGROUP GROUP g c STREAMS s >", "XAUTOCLAIM s g d 0 0 COUNT 3",
                "XAUTOCLAIM s g d 0 4-0 COUNT 3 JUSTID", "XAUTOCLAIM s g d 0 (7", "XAUTOCLAIM s g d 0 -",
                "XAUTOCLAIM s g d 0 + COUNT 1", "XAUTOCLAIM s g d 100000 0", "XAUTOCLAIM s g d 100000 0 COUNT 1",
                "XDEL s 2 3 5", "XAUTOCLAIM s g e 0 0 COUNT 2", "XAUTOCLAIM s g e 0 0 COUNT 2", "XPENDING s g",
                "XAUTOCLAIM s g e 0 0 COUNT 0", "XAUTOCLAIM s g e 0 0 COUNT -1", "XAUTOCLAIM s g e 0 0 COUNT x",
                "XAUTOCLAIM s g e 0 0 COUNT 576460752303423487", "XAUTOCLAIM s g e 0 0 COUNT 576460752303423488",
                "XAUTOCLAIM s g e 0 0 FOO", "XAUTOCLAIM s g e 0 0 COUNT", "XAUTOCLAIM s g e x 0", "XAUTOCLAIM s g e 0 x",
                "XAUTOCLAIM s g e 0 (18446744073709551615-18446744073709551615", "XAUTOCLAIM s nog e 0 0",
                "XPENDING s g - + 20", "XINFO CONSUMERS s g", "SET str x", "XAUTOCLAIM str g c 0 0"));
        same(lines.toArray(new String[0]));
    }

    @Test
    void xinfo() {
        same("XINFO STREAM nokey", "XINFO GROUPS nokey", "XINFO CONSUMERS nokey g", "XGROUP CREATE s g $ MKSTREAM",
                "XINFO STREAM s", "XINFO STREAM s FULL", "XINFO GROUPS s", "XINFO CONSUMERS s g", "XINFO CONSUMERS s nog",
                "XADD s 1-1 a 1", "XADD s 2-1 b 2", "XADD s 3-1 c 3", "XGROUP CREATE s h 0", "XINFO GROUPS s",
                "XREADGROUP GROUP h c1 COUNT 1 STREAMS s >", "XREADGROUP GROUP g c2 STREAMS s >", "XINFO STREAM s",
                "XINFO STREAM s FULL", "XINFO STREAM s FULL COUNT 1", "XINFO STREAM s FULL COUNT 0",
                "XINFO STREAM s FULL COUNT -1", "XINFO STREAM s FULL COUNT x", "XINFO STREAM s FULL COUNT",
                "XINFO STREAM s FOO", "XINFO STREAM s FULL FOO 1", "XINFO STREAM s FULL COUNT 1 X", "XINFO GROUPS s",
                "XINFO CONSUMERS s h", "XDEL s 2-1", "XINFO GROUPS s", "XINFO STREAM s", "XDEL s 1-1", "XINFO GROUPS s",
                "XREADGROUP GROUP h c1 STREAMS s >", "XINFO GROUPS s", "XDEL s 3-1", "XINFO STREAM s", "XINFO GROUPS s",
                "XADD s 9 z 9", "XTRIM s MAXLEN 0", "XINFO STREAM s", "XINFO GROUPS s", "XSETID s 20 ENTRIESADDED 50",
                "XINFO GROUPS s", "XINFO HELP x", "SET str x", "XINFO STREAM str", "XINFO GROUPS str",
                "XINFO CONSUMERS str g");
    }

    @Test
    void lagAndEntriesReadFollowRedis() {
        same("XADD s 1 a 1", "XADD s 2 a 1", "XADD s 3 a 1", "XADD s 4 a 1", "XADD s 5 a 1", "XGROUP CREATE s g 0",
                "XGROUP CREATE s h 2", "XGROUP CREATE s k 3 ENTRIESREAD 3", "XINFO GROUPS s", "XDEL s 4",
                "XINFO GROUPS s", "XREADGROUP GROUP g c COUNT 2 STREAMS s >", "XREADGROUP GROUP h c COUNT 1 STREAMS s >",
                "XREADGROUP GROUP k c STREAMS s >", "XINFO GROUPS s", "XDEL s 1", "XINFO GROUPS s", "XTRIM s MAXLEN 1",
                "XINFO GROUPS s", "XADD s 6 a 1", "XINFO GROUPS s", "XREADGROUP GROUP g c STREAMS s >", "XINFO GROUPS s",
                "XGROUP SETID s h 99", "XINFO GROUPS s", "XGROUP SETID s h 6 ENTRIESREAD 1", "XINFO GROUPS s");
    }

    @Test
    void radixTreeFigures() {
        List<String> lines = new ArrayList<>(List.of("CONFIG SET stream-node-max-entries 2"));
        long[] ids = {1, 2, 3, 300, 301, 70000, 70001, 1L << 40, (1L << 40) + 1, (1L << 40) + 5};
        for (long id : ids) {
            lines.add("XADD s " + id + "-0 f v");
            lines.add("XADD s " + id + "-7 f v");
            lines.add("XINFO STREAM s");
        }
        lines.addAll(List.of("XDEL s 1-0 1-7", "XINFO STREAM s", "XTRIM s MAXLEN 5", "XINFO STREAM s", "XDEL s 300-7",
                "XINFO STREAM s", "XTRIM s MAXLEN 0", "XINFO STREAM s"));
        same(lines.toArray(new String[0]));
    }

    @Test
    void resp3Shapes() {
        same("HELLO 3", "XADD s 1 a 1", "XADD s 2 b 2", "XGROUP CREATE s g 0", "XREADGROUP GROUP g c STREAMS s >",
                "XREADGROUP GROUP g c STREAMS s >", "XDEL s 1", "XREADGROUP GROUP g c STREAMS s 0", "XPENDING s g",
                "XPENDING s g - + 10", "XPENDING s nog", "XCLAIM s g d 0 1 2", "XAUTOCLAIM s g d 0 0", "XINFO STREAM s",
                "XINFO STREAM s FULL", "XINFO GROUPS s", "XINFO CONSUMERS s g", "XACK s g 2", "XPENDING s g",
                "XGROUP CREATE e g $ MKSTREAM", "XINFO STREAM e", "XINFO GROUPS e", "XREADGROUP GROUP g c STREAMS e >");
    }

    @Test
    void copyRenameMoveAndDelKeepOrDropGroups() {
        same("XADD s 1 a 1", "XADD s 2 b 2", "XGROUP CREATE s g 0", "XREADGROUP GROUP g c COUNT 1 STREAMS s >",
                "COPY s s2", "XREADGROUP GROUP g c STREAMS s >", "XINFO STREAM s2 FULL", "XPENDING s2 g",
                "XACK s2 g 1", "XPENDING s g", "XPENDING s2 g", "XINFO GROUPS s2", "RENAME s r", "XPENDING r g",
                "XINFO CONSUMERS r g", "MOVE r 1", "SELECT 1", "XPENDING r g - + 10", "XREADGROUP GROUP g c STREAMS r 0",
                "SELECT 0", "DEL s2", "XADD s2 1 a 1", "XINFO GROUPS s2", "XPENDING s2 g");
    }

    @Test
    void keyspaceEvents() {
        same("CONFIG SET notify-keyspace-events KEA", "c1 PSUBSCRIBE __keyevent@0__:*", "XGROUP CREATE s g $ MKSTREAM",
                "XADD s 1 a 1", "XADD s 2 a 2", "XGROUP CREATECONSUMER s g c", "XGROUP CREATECONSUMER s g c",
                "XREADGROUP GROUP g c STREAMS s >", "XREADGROUP GROUP g d STREAMS s 0", "XCLAIM s g e 0 1",
                "XAUTOCLAIM s g f 0 0", "XDEL s 2", "XAUTOCLAIM s g f 0 0", "XACK s g 1", "XGROUP SETID s g 0",
                "XGROUP DELCONSUMER s g c", "XGROUP DELCONSUMER s g nope", "XGROUP DESTROY s g",
                "XGROUP DESTROY s g", "XGROUP CREATE s g $ MKSTREAM", "c1 PING");
    }

    @Test
    void helpHasRedisShape() {
        try (RespClient ours = new RespClient(servers.cinnabar().port())) {
            // HELP: the same shape as Redis's (status lines), in our own words
            assertThat(ours.call("XGROUP", "HELP").toString()).startsWith("*[+XGROUP <subcommand>");
            assertThat(ours.call("XINFO", "HELP").toString()).startsWith("*[+XINFO <subcommand>");
            assertThat(ours.call("HELLO", "3").toString()).contains("proto");
            assertThat(ours.call("XGROUP", "HELP").toString()).startsWith("*[+XGROUP <subcommand>");
        }
    }

    @Test
    void blockedReadersWokenByXadd() {
        dialog("c0 XGROUP CREATE s g $ MKSTREAM", "c1! XREADGROUP GROUP g a BLOCK 0 STREAMS s >", "blocked 1",
                "c2! XREADGROUP GROUP g b BLOCK 0 STREAMS s >", "blocked 2", "c3! XREAD BLOCK 0 STREAMS s $", "blocked 3",
                "c0 XADD s 1 f v", "c1< 1", "c3< 1", "blocked 1", "c0 XADD s 2 f v", "c2< 1", "blocked 0",
                "c0 XPENDING s g", "c0 XINFO GROUPS s");
        dialog("c0 XGROUP CREATE s g $ MKSTREAM", "c0 XGROUP CREATE t g $ MKSTREAM",
                "c1! XREADGROUP GROUP g a COUNT 1 NOACK BLOCK 0 STREAMS s t > >", "blocked 1", "c0 MULTI",
                "c0 XADD t 1 f v", "c0 XADD t 2 f v", "c0 EXEC", "c1< 1", "c0 XPENDING t g", "c0 XINFO GROUPS t");
        dialog("c0 XGROUP CREATE s g $ MKSTREAM", "c1! XREADGROUP GROUP g a BLOCK 0 STREAMS s >", "blocked 1",
                "c0 XGROUP CREATECONSUMER s g z", "c0 XGROUP SETID s g 0", "blocked 1", "c0 XADD s 5 f v", "c1< 1");
    }

    @Test
    void blockedReadersFailWhenGroupOrKeyGoes() {
        dialog("c0 XGROUP CREATE s g $ MKSTREAM", "c1! XREADGROUP GROUP g a BLOCK 0 STREAMS s >", "blocked 1",
                "c2! XREAD BLOCK 0 STREAMS s $", "blocked 2", "c0 XGROUP DESTROY s g", "c1< 1", "blocked 1",
                "c0 XADD s 1 f v", "c2< 1");
        dialog("c0 XGROUP CREATE s g $ MKSTREAM", "c1! XREADGROUP GROUP g a BLOCK 0 STREAMS s >", "blocked 1",
                "c2! XREAD BLOCK 0 STREAMS s $", "blocked 2", "c0 DEL s", "c1< 1", "blocked 1", "c0 XADD s 1 f v",
                "c2< 1");
        dialog("c0 XGROUP CREATE s g $ MKSTREAM", "c1! XREADGROUP GROUP g a BLOCK 0 STREAMS s >", "blocked 1",
                "c0 SET s x", "c1< 1");
        dialog("c0 XGROUP CREATE s g $ MKSTREAM", "c1! XREADGROUP GROUP g a BLOCK 0 STREAMS s >", "blocked 1",
                "c0 FLUSHALL", "c1< 1");
        dialog("c0 XGROUP CREATE s g $ MKSTREAM", "c1! XREADGROUP GROUP g a BLOCK 0 STREAMS s >", "blocked 1",
                "c0 MULTI", "c0 DEL s", "c0 XADD s 1 f v", "c0 EXEC", "c1< 1");
        dialog("c0 XGROUP CREATE s g $ MKSTREAM", "c1! XREADGROUP GROUP g a BLOCK 0 STREAMS s >", "blocked 1",
                "c0 MULTI", "c0 DEL s", "c0 XADD s 1 f v", "c0 XGROUP CREATE s g 0", "c0 EXEC", "c1< 1");
        dialog("c0 XGROUP CREATE s g $ MKSTREAM", "c1! XREADGROUP GROUP g a BLOCK 0 STREAMS s >", "blocked 1",
                "c0 RENAME s r", "c1< 1", "c0 XINFO GROUPS r");
    }

    @Test
    void blockedReaderTimesOut() {
        dialog("c0 XGROUP CREATE s g $ MKSTREAM", "c1 XREADGROUP GROUP g a BLOCK 30 STREAMS s >",
                "c1 XREADGROUP GROUP g a COUNT 1 BLOCK 20 STREAMS s >", "c0 XINFO CONSUMERS s g", "c1 PING");
    }

    @Test
    void randomGroupWorkloadsMatch() {
        Random r = new Random(23);
        for (int round = 0; round < 12; round++) {
            List<String> lines = new ArrayList<>(List.of("CONFIG SET stream-node-max-entries " + (1 + r.nextInt(5)),
                    "XGROUP CREATE s g $ MKSTREAM", "XGROUP CREATE s h 0"));
            long ms = 1;
            for (int i = 0; i < 70; i++) {
                String g = r.nextBoolean() ? "g" : "h";
                String c = "c" + r.nextInt(3);
                String id = (1 + r.nextInt((int) ms + 1)) + "-" + r.nextInt(2);
                switch (r.nextInt(14)) {
                    case 0, 1, 2 -> {
                        ms += r.nextInt(2);
                        lines.add("XADD s " + ms + "-* f " + r.nextInt(100));
                    }
                    case 3 -> lines.add("XDEL s " + id);
                    case 4 -> lines.add("XREADGROUP GROUP " + g + " " + c + " COUNT " + r.nextInt(4)
                            + (r.nextInt(4) == 0 ? " NOACK" : "") + " STREAMS s >");
                    case 5 -> lines.add("XREADGROUP GROUP " + g + " " + c + " COUNT " + r.nextInt(3) + " STREAMS s "
                            + r.nextInt((int) ms + 1));
                    case 6 -> lines.add("XACK s " + g + " " + id + " " + (1 + r.nextInt((int) ms + 1)));
                    case 7 -> lines.add("XPENDING s " + g + (r.nextBoolean() ? "" : " - + " + r.nextInt(5)
                            + (r.nextBoolean() ? " " + c : "")));
                    case 8 -> lines.add("XCLAIM s " + g + " " + c + " 0 " + id + " " + (1 + r.nextInt((int) ms + 1))
                            + (r.nextBoolean() ? " JUSTID" : "") + (r.nextInt(3) == 0 ? " FORCE" : ""));
                    case 9 -> lines.add("XAUTOCLAIM s " + g + " " + c + " 0 " + r.nextInt((int) ms + 1) + " COUNT "
                            + (1 + r.nextInt(3)) + (r.nextBoolean() ? " JUSTID" : ""));
                    case 10 -> lines.add("XTRIM s MAXLEN " + (r.nextBoolean() ? "~ " : "") + r.nextInt(8));
                    case 11 -> lines.add(r.nextInt(3) == 0 ? "XGROUP SETID s " + g + " " + r.nextInt((int) ms + 1)
                            : "XGROUP DELCONSUMER s " + g + " " + c);
                    case 12 -> lines.add("XINFO GROUPS s");
                    default -> lines.add("XINFO STREAM s FULL");
                }
            }
            lines.add("XINFO STREAM s FULL COUNT 0");
            same(lines.toArray(new String[0]));
        }
    }
}
