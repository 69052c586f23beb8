package dev.cinnabar.tests.unit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.testkit.CinnabarExtension;
import dev.cinnabar.testkit.RespClient;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** DEBUG subcommands we support, and the enable-debug-command gate, compared with real Redis 7.0. */
class DebugTest {
    @RegisterExtension
    static CinnabarExtension server = new CinnabarExtension().setting("enable-debug-command", "yes");
    @RegisterExtension
    static DifferentialPair d = new DifferentialPair(server, "--enable-debug-command", "yes");
    @RegisterExtension
    static CinnabarExtension locked = new CinnabarExtension();
    @RegisterExtension
    static DifferentialPair dLocked = new DifferentialPair(locked);

    @Test
    void debugObjectSeesAKeyThatExpiredButWasNotDeletedYet() throws InterruptedException {
        d.both("DEBUG", "SET-ACTIVE-EXPIRE", "0");
        try {
            d.both("SET", "key", "value", "PX", "1");
            Thread.sleep(5); // Redis's own clock must pass the expiry
            assertThat(d.real.call("DEBUG", "OBJECT", "key").toString()).contains("encoding:embstr");
            assertThat(d.ours.call("DEBUG", "OBJECT", "key").toString()).contains("encoding:embstr");
            d.both("EVAL", "return redis.call('EXISTS', 'key')", "0");
            d.both("EXISTS", "key");
        } finally {
            d.both("DEBUG", "SET-ACTIVE-EXPIRE", "1");
        }
    }

    @Test
    void disabledByDefault() {
        dLocked.both("DEBUG", "SLEEP", "0");
    }

    @Test
    void populateSleepErrors() {
        {
            for (List<String> cmd : List.of(
                    List.of("DEBUG", "POPULATE", "5"),
                    List.of("DEBUG", "POPULATE", "3", "p", "12"),
                    List.of("DEBUG", "POPULATE", "2", "key"),
                    List.of("GET", "key:1"),
                    List.of("GET", "p:2"),
                    List.of("STRLEN", "p:0"),
                    List.of("EXISTS", "key:4", "key:5", "p:2", "p:3"),
                    List.of("DEBUG", "POPULATE", "-1"),
                    List.of("DEBUG", "POPULATE", "x"),
                    List.of("DEBUG", "POPULATE", "1", "a", "-5"),
                    List.of("DEBUG", "SLEEP", "0"),
                    List.of("DEBUG", "SLEEP", "abc"),
                    List.of("DEBUG", "SLEEP"),
                    List.of("DEBUG", "LOG", "hello"),
                    List.of("DEBUG", "ERROR", "MYERR something failed"),
                    List.of("DEBUG", "CHANGE-REPL-ID"),
                    List.of("DEBUG", "NOSUCH"),
                    List.of("DEBUG"))) {
                d.both(cmd.toArray(new String[0]));
            }
        }
    }

    @Test
    void changeReplIdChangesInfo() {
        try (RespClient c = server.client()) {
            String before = c.call("INFO", "replication").asText();
            c.call("DEBUG", "CHANGE-REPL-ID");
            String after = c.call("INFO", "replication").asText();
            assertThat(after).isNotEqualTo(before).contains("master_replid:");
        }
    }

    @Test
    void setActiveExpireStopsTheCycleButNotLazyExpiry() throws Exception {
        d.both("DEBUG", "SET-ACTIVE-EXPIRE", "0");
        d.both("SET", "k", "v", "PX", "50");
        Thread.sleep(400);
        // not removed by the cycle: still counted by DBSIZE, gone when read
        d.both("DBSIZE");
        d.both("GET", "k");
        d.both("DBSIZE");
        d.both("DEBUG", "SET-ACTIVE-EXPIRE", "1");
        d.both("SET", "k2", "v", "PX", "50");
        long deadline = System.currentTimeMillis() + 5000;
        while (((dev.cinnabar.testkit.Resp.Int) d.ours.call("DBSIZE")).value() != 0
                && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        assertThat(d.ours.call("DBSIZE").asText()).isEqualTo("0");
        d.both("DEBUG", "SET-ACTIVE-EXPIRE", "x");
        d.both("DEBUG", "SET-ACTIVE-EXPIRE", "1");
    }

    @Test
    void digestsMatchRedisForEveryType() {
        d.both("DEBUG", "DIGEST");
        d.both("DEBUG", "DIGEST-VALUE");
        for (String cmd : List.of("SET str hello", "SET num 12345", "SET neg -7", "APPEND raw abc",
                "RPUSH list a b 1 a", "SADD intset 3 1 2", "SADD set x 1 y", "HSET hash f v g 1",
                "ZADD zset 0.1 a 2 b -3.5e10 c", "XADD stream 1-1 a b", "XADD stream 2-5 c d e f",
                "SET ttl v EX 100", "SELECT 3", "SET other v", "SELECT 0")) {
            d.both(cmd.split(" "));
        }
        d.both("DEBUG", "DIGEST");
        d.both("DEBUG", "DIGEST-VALUE", "str", "num", "neg", "raw", "list", "intset", "set", "hash", "zset",
                "stream", "ttl", "missing");
        // order matters for lists, not for sets and hashes; a TTL changes the value's digest
        d.both("RPUSH", "list2", "1", "a", "a", "b");
        d.both("SADD", "set2", "y", "1", "x");
        d.both("PERSIST", "ttl");
        assertThat(d.both("DEBUG", "DIGEST-VALUE", "list", "list2", "set", "set2", "ttl").toString())
                .isNotEqualTo(d.both("DEBUG", "DIGEST-VALUE", "list", "list", "set", "set", "ttl").toString());
        d.both("DEBUG", "DIGEST");
    }

    @Test
    void protocolSamplesInResp2AndResp3() {
        for (String proto : List.of("2", "3")) {
            d.real.call("HELLO", proto);
            d.ours.call("HELLO", proto);
            for (String type : List.of("string", "integer", "double", "bignum", "null", "array", "set", "map",
                    "attrib", "push", "true", "false", "verbatim", "nosuch", "BIGNUM")) {
                d.both("DEBUG", "PROTOCOL", type);
            }
            d.both("PING");
        }
        d.both("DEBUG", "PROTOCOL");
    }

    /** The attribute itself (the client parser skips it): the same bytes as Redis, before the reply. */
    @Test
    void protocolAttributeOnTheWire() throws Exception {
        assertThat(attribBytes(server.port())).isEqualTo(attribBytes(d.redisPort()))
                .startsWith("|1\r\n$14\r\nkey-popularity\r\n*2\r\n");
    }

    private static String attribBytes(int port) throws Exception {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
            s.setSoTimeout(5000);
            s.getOutputStream().write(RespClient.encode("HELLO".getBytes(), "3".getBytes()));
            s.getOutputStream().write(RespClient.encode("DEBUG".getBytes(), "PROTOCOL".getBytes(), "attrib".getBytes()));
            s.getOutputStream().write(RespClient.encode("PING".getBytes()));
            java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
            byte[] buf = new byte[4096];
            while (!got.toString(java.nio.charset.StandardCharsets.ISO_8859_1).endsWith("+PONG\r\n")) {
                int n = s.getInputStream().read(buf);
                if (n < 0) {
                    break;
                }
                got.write(buf, 0, n);
            }
            String all = got.toString(java.nio.charset.StandardCharsets.ISO_8859_1);
            return all.substring(all.indexOf("|1\r\n"));
        }
    }

    @Test
    void listpackAndQuicklistErrors() {
        d.both("DEBUG", "LISTPACK", "nokey");
        d.both("DEBUG", "QUICKLIST", "nokey");
        d.both("SET", "s", "v");
        d.both("DEBUG", "LISTPACK", "s");
        d.both("DEBUG", "QUICKLIST", "s");
        d.both("HSET", "h", "f", "v");
        d.both("DEBUG", "LISTPACK", "h");
        d.both("DEBUG", "QUICKLIST", "h");
        d.both("RPUSH", "l", "a");
        d.both("DEBUG", "QUICKLIST", "l");
        d.both("DEBUG", "QUICKLIST", "l", "1");
        d.both("DEBUG", "LISTPACK", "l");
    }

    /** Lists behave the same whatever the packed threshold (list.tcl's plain-node tests). */
    @Test
    void quicklistPackedThreshold() {
        for (String bad : List.of("5gb", "x", "-1", "1.5mb")) {
            d.both("DEBUG", "QUICKLIST-PACKED-THRESHOLD", bad);
        }
        d.both("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "1b");
        try {
            for (String cmd : List.of("RPUSH l a bb ccc dddd", "LPUSH l 9", "LINSERT l AFTER bb xx",
                    "LINSERT l BEFORE 9 yy", "LSET l 2 zz", "LSET l 0 w", "LRANGE l 0 -1", "LREM l 1 zz",
                    "LPOS l ccc", "LTRIM l 1 -2", "LRANGE l 0 -1", "LMOVE l m LEFT RIGHT", "LINDEX m 0",
                    "RPOP l", "LLEN l")) {
                d.both(cmd.split(" "));
            }
        } finally {
            d.both("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "0");
        }
    }

    /** PAUSE-CRON stops the periodic work (here: the active expiry), and resumes it. */
    @Test
    void pauseCronStopsTheCycle() throws Exception {
        d.both("DEBUG", "PAUSE-CRON", "1");
        try {
            d.ours.call("SET", "k", "v", "PX", "30");
            Thread.sleep(400);
            assertThat(d.ours.call("DBSIZE").asText()).isEqualTo("1"); // no cycle removed it
        } finally {
            d.both("DEBUG", "PAUSE-CRON", "0");
        }
        long deadline = System.currentTimeMillis() + 5000;
        while (!d.ours.call("DBSIZE").asText().equals("0") && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        assertThat(d.ours.call("DBSIZE").asText()).isEqualTo("0");
        d.both("DEBUG", "PAUSE-CRON");
    }
}
