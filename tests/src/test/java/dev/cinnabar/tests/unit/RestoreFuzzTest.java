package dev.cinnabar.tests.unit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.server.persistence.rdb.Crc64;
import dev.cinnabar.testkit.CinnabarExtension;
import dev.cinnabar.testkit.Resp;
import dev.cinnabar.testkit.RespClient;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Corrupt RESTORE payloads (as Redis's corrupt-dump-fuzzer, with our own mutations): valid DUMP
 * payloads of every type and encoding get random byte changes, bit flips, truncations and
 * duplicated slices, and are signed again with a correct CRC so that only the value parser can
 * refuse them. RESTORE must either refuse with "Bad data format" or store a value that then answers
 * every read command of its type (and DUMP / RESTORE again) without an error; the server never
 * hangs (each reply within the client's timeout) nor stores a value half-way.
 */
class RestoreFuzzTest {
    @RegisterExtension
    static CinnabarExtension server = new CinnabarExtension().setting("enable-debug-command", "yes")
            .setting("sanitize-dump-payload", "yes").setting("stream-node-max-entries", "4");

    private static final long SEED = Long.getLong("seed", 20261207L);
    private static final int ROUNDS = Integer.getInteger("rounds", 160);

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static void setup(RespClient c) {
        List<String> lines = new ArrayList<>(List.of("SET int 12345", "SET str hello", "SET raw " + "r".repeat(60),
                "SET lzf " + "abcd".repeat(40), "RPUSH lp a b 3 -7 " + "x".repeat(70), "SADD si 1 2 3 -100000 70000",
                "SADD sh a b c", "ZADD zl 1 a 2.5 b -3 c", "HSET hl f v g 12"));
        StringBuilder ql = new StringBuilder("RPUSH ql");
        StringBuilder zs = new StringBuilder("ZADD zs");
        StringBuilder ht = new StringBuilder("HSET ht");
        for (int i = 0; i < 160; i++) {
            ql.append(' ').append(i % 5 == 0 ? Integer.toString(i * 1000) : ("q" + i).repeat(12));
            zs.append(' ').append(i * 1.25 - 40).append(" m").append(i);
            ht.append(" f").append(i).append(" v").append(i);
        }
        lines.addAll(List.of(ql.toString(), zs.toString(), ht.toString()));
        for (int i = 1; i <= 14; i++) {
            lines.add("XADD st " + i + "-" + (i % 3) + (i % 2 == 0 ? " a " + i + " b x" : " c " + i));
        }
        lines.addAll(List.of("XDEL st 3-0 6-0", "XGROUP CREATE st g1 0", "XGROUP CREATE st g2 $",
                "XREADGROUP GROUP g1 alice COUNT 3 STREAMS st >", "XREADGROUP GROUP g1 bob COUNT 2 STREAMS st >",
                "XGROUP CREATECONSUMER st g2 carol", "XACK st g1 1-1"));
        for (String l : lines) {
            Resp r = c.call(l.split(" "));
            assertThat(r).as(l).isNotInstanceOf(Resp.Err.class);
        }
    }

    private static final List<String> KEYS = List.of("int", "str", "raw", "lzf", "lp", "ql", "si", "sh", "zl", "zs",
            "hl", "ht", "st");

    /** A payload body (value + version) signed with a fresh CRC. */
    private static byte[] sign(byte[] body) {
        byte[] p = Arrays.copyOf(body, body.length + 8);
        long crc = Crc64.of(body, 0, body.length);
        for (int i = 0; i < 8; i++) {
            p[body.length + i] = (byte) (crc >>> (8 * i));
        }
        return p;
    }

    /** One random corruption of the value part (the 2 version bytes at the end are kept). */
    private static byte[] mutate(byte[] body, Random r) {
        int valueLen = body.length - 2;
        byte[] v = Arrays.copyOf(body, valueLen);
        switch (r.nextInt(4)) {
            case 0 -> {
                for (int k = 1 + r.nextInt(3); k > 0; k--) {
                    v[r.nextInt(valueLen)] ^= (byte) (1 << r.nextInt(8));
                }
            }
            case 1 -> {
                for (int k = 1 + r.nextInt(3); k > 0; k--) {
                    v[r.nextInt(valueLen)] = (byte) r.nextInt(256);
                }
            }
            case 2 -> v = Arrays.copyOf(v, r.nextInt(valueLen));
            default -> {
                int from = r.nextInt(valueLen);
                int len = Math.min(valueLen - from, 1 + r.nextInt(16));
                byte[] w = new byte[valueLen + len];
                int at = r.nextInt(valueLen + 1);
                System.arraycopy(v, 0, w, 0, at);
                System.arraycopy(v, from, w, at, len);
                System.arraycopy(v, at, w, at + len, valueLen - at);
                v = w;
            }
        }
        byte[] out = Arrays.copyOf(v, v.length + 2);
        out[v.length] = body[valueLen];
        out[v.length + 1] = body[valueLen + 1];
        return out;
    }

    /** Every read of the key's type; each must answer without an error. */
    private static List<String[]> reads(String type) {
        List<String[]> l = new ArrayList<>();
        switch (type) {
            case "string" -> {
                l.add(new String[] {"GET", "fz"});
                l.add(new String[] {"STRLEN", "fz"});
                l.add(new String[] {"GETRANGE", "fz", "0", "-1"});
            }
            case "list" -> {
                l.add(new String[] {"LLEN", "fz"});
                l.add(new String[] {"LRANGE", "fz", "0", "-1"});
                l.add(new String[] {"LRANGE", "fz", "-3", "-1"});
                l.add(new String[] {"LINDEX", "fz", "-1"});
                l.add(new String[] {"LPOS", "fz", "a", "COUNT", "0"});
            }
            case "set" -> {
                l.add(new String[] {"SCARD", "fz"});
                l.add(new String[] {"SMEMBERS", "fz"});
                l.add(new String[] {"SISMEMBER", "fz", "1"});
                l.add(new String[] {"SRANDMEMBER", "fz", "-5"});
                l.add(new String[] {"SINTERCARD", "1", "fz"});
            }
            case "zset" -> {
                l.add(new String[] {"ZCARD", "fz"});
                l.add(new String[] {"ZRANGE", "fz", "0", "-1", "WITHSCORES"});
                l.add(new String[] {"ZREVRANGE", "fz", "0", "-1", "WITHSCORES"});
                l.add(new String[] {"ZRANGEBYSCORE", "fz", "-inf", "+inf"});
                l.add(new String[] {"ZRANGEBYLEX", "fz", "-", "+"});
                l.add(new String[] {"ZSCORE", "fz", "a"});
                l.add(new String[] {"ZRANK", "fz", "m5"});
                l.add(new String[] {"ZRANDMEMBER", "fz", "-5", "WITHSCORES"});
            }
            case "hash" -> {
                l.add(new String[] {"HLEN", "fz"});
                l.add(new String[] {"HGETALL", "fz"});
                l.add(new String[] {"HGET", "fz", "f"});
                l.add(new String[] {"HSTRLEN", "fz", "f1"});
                l.add(new String[] {"HRANDFIELD", "fz", "-5", "WITHVALUES"});
            }
            case "stream" -> {
                l.add(new String[] {"XLEN", "fz"});
                l.add(new String[] {"XRANGE", "fz", "-", "+"});
                l.add(new String[] {"XREVRANGE", "fz", "+", "-"});
                l.add(new String[] {"XINFO", "STREAM", "fz"});
                l.add(new String[] {"XINFO", "STREAM", "fz", "FULL"});
                l.add(new String[] {"XINFO", "GROUPS", "fz"});
                l.add(new String[] {"XREAD", "COUNT", "100", "STREAMS", "fz", "0"});
            }
            default -> throw new AssertionError("unexpected type " + type);
        }
        for (String[] common : new String[][] {{"OBJECT", "ENCODING", "fz"}, {"DEBUG", "DIGEST-VALUE", "fz"},
            {"MEMORY", "USAGE", "fz"}, {"TYPE", "fz"}, {"TTL", "fz"}}) {
            l.add(common);
        }
        return l;
    }

    @Test
    void corruptPayloadsAreRefusedOrLoadAValueThatAnswersEveryRead() {
        Random r = new Random(SEED);
        int refused = 0;
        int accepted = 0;
        try (RespClient c = new RespClient("127.0.0.1", server.port(), 10_000)) {
            setup(c);
            for (String key : KEYS) {
                byte[] payload = ((Resp.Bulk) c.call("DUMP", key)).value();
                byte[] body = Arrays.copyOf(payload, payload.length - 8);
                String type = c.call("TYPE", key).toString().substring(1);
                for (int round = 0; round < ROUNDS; round++) {
                    byte[] bad = sign(mutate(body, r));
                    String what = "seed " + SEED + " key " + key + " round " + round;
                    Resp reply = c.call(b("RESTORE"), b("fz"), b("0"), bad, b("REPLACE"));
                    if (reply instanceof Resp.Err e) {
                        assertThat(e.message()).as(what).isEqualTo("ERR Bad data format");
                        assertThat(c.call("EXISTS", "fz")).as(what + ": nothing stored").isEqualTo(new Resp.Int(0));
                        refused++;
                        continue;
                    }
                    assertThat(reply).as(what).isEqualTo(new Resp.Simple("OK"));
                    accepted++;
                    String storedType = c.call("TYPE", "fz").toString().substring(1);
                    for (String[] read : reads(storedType)) {
                        Resp answer = c.call(read);
                        assertThat(answer).as(what + ": " + String.join(" ", read)).isNotInstanceOf(Resp.Err.class);
                    }
                    // what was accepted must serialize and load again, as itself
                    Resp again = c.call("DUMP", "fz");
                    assertThat(c.call(b("RESTORE"), b("fz2"), b("0"), ((Resp.Bulk) again).value(), b("REPLACE")))
                            .as(what + ": restore of its DUMP").isEqualTo(new Resp.Simple("OK"));
                    assertThat(c.call("DEBUG", "DIGEST-VALUE", "fz2")).as(what)
                            .isEqualTo(c.call("DEBUG", "DIGEST-VALUE", "fz"));
                    c.call("DEL", "fz", "fz2");
                }
                assertThat(type).isNotEmpty();
            }
            assertThat(c.call("PING")).isEqualTo(new Resp.Simple("PONG"));
        }
        assertThat(refused).as("refused").isPositive();
        assertThat(accepted).as("accepted").isPositive();
    }
}
