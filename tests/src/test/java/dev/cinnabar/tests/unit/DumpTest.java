package dev.cinnabar.tests.unit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.testkit.CinnabarExtension;
import dev.cinnabar.testkit.Resp;
import dev.cinnabar.testkit.RespClient;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * DUMP and RESTORE against real Redis 7.0 (Redis's tests/unit/dump.tcl covers the same ground):
 * payloads of values whose layout does not depend on Redis's hash-table order are byte for byte
 * Redis's (LZF compression included); payloads cross both ways (Redis's restored here, ours restored by Redis) and the
 * values are then equal by DEBUG DIGEST-VALUE; errors and options reply as Redis's.
 */
class DumpTest {
    @RegisterExtension
    static CinnabarExtension server = new CinnabarExtension().setting("enable-debug-command", "yes");

    @RegisterExtension
    static DifferentialPair d = new DifferentialPair(server, "--enable-debug-command", "yes");

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private void setup(List<String> script) {
        for (String line : script) {
            d.real.call(line.split(" "));
            d.ours.call(line.split(" "));
        }
    }

    private static byte[] dump(RespClient c, String key) {
        Resp r = c.call("DUMP", key);
        assertThat(r).as("DUMP %s", key).isInstanceOf(Resp.Bulk.class);
        return ((Resp.Bulk) r).value();
    }

    private static Resp digest(RespClient c, String key) {
        return c.call("DEBUG", "DIGEST-VALUE", key);
    }

    /** Restores each server's payload of key on the other one and compares the values by digest. */
    private void crossRestore(String key) {
        byte[] fromRedis = dump(d.real, key);
        byte[] fromUs = dump(d.ours, key);
        assertThat(d.ours.call(b("RESTORE"), b(key + ":r"), b("0"), fromRedis)).isEqualTo(new Resp.Simple("OK"));
        assertThat(d.real.call(b("RESTORE"), b(key + ":c"), b("0"), fromUs)).as("Redis restores our payload of " + key)
                .isEqualTo(new Resp.Simple("OK"));
        Resp expected = digest(d.real, key);
        assertThat(digest(d.ours, key + ":r")).as("Redis's %s restored here", key).isEqualTo(expected);
        assertThat(digest(d.real, key + ":c")).as("our %s restored by Redis", key).isEqualTo(expected);
        assertThat(d.ours.call("TYPE", key + ":r")).isEqualTo(d.real.call("TYPE", key));
        assertThat(d.ours.call("OBJECT", "ENCODING", key + ":r")).isEqualTo(d.real.call("OBJECT", "ENCODING", key));
    }

    @Test
    void payloadsAreRedisBytesForUncompressedValues() {
        setup(List.of("SET s hello", "SET i 12345", "SET big -100000000000", "SET neg -7",
                "RPUSH l a b c 1 2 300 -5 70000 9223372036854775807 -4097", "SADD ints 1 2 3 -5 100000",
                "ZADD z 1 a 2.5 b -3 c", "HSET h f1 v1 f2 2", "XADD x 1-1 a 1 b 2", "XADD x 1-2 a 3 b 4",
                "XADD x 2-1 c 5", "XDEL x 1-2", "XGROUP CREATE x g 0", "XADD empty 5-5 a b", "XDEL empty 5-5"));
        // over 20 bytes: LZF-compressed as Redis compresses (or left plain when it would not shrink)
        setup(List.of("SET lzf " + "abc".repeat(50), "SET lzf2 " + "hello world, hello redis, hello world! ".repeat(9),
                "SET nolzf 0123456789abcdefghijklmnopqrstuvwxyz", "RPUSH lzl " + "x".repeat(100) + " a " + "y".repeat(40),
                "HSET lzh field " + "v".repeat(64), "XADD lzx 1-1 field " + "z".repeat(70)));
        for (String k : List.of("s", "i", "big", "neg", "l", "ints", "z", "h", "empty", "lzf", "lzf2", "nolzf", "lzl",
                "lzh", "lzx")) {
            d.both(b("DUMP"), b(k));
        }
        d.both("DUMP", "nokey");
        // DUMP follows rdbcompression, as Redis's: with it off, long strings go out plain
        d.both("CONFIG", "SET", "rdbcompression", "no");
        for (String k : List.of("lzf", "lzf2", "lzl", "lzh", "lzx")) {
            d.both(b("DUMP"), b(k));
        }
        d.both("CONFIG", "SET", "rdbcompression", "yes");
    }

    @Test
    void listNodesSplitWhereRedisSplitsThem() {
        // node limits are checked on Redis's listpack bytes, so multi-node payloads are Redis's
        for (String fill : List.of("-1", "-2", "5")) {
            List<String> script = new ArrayList<>(List.of("DEL l", "CONFIG SET list-max-listpack-size " + fill));
            for (int i = 0; i < 400; i++) {
                script.add((i % 3 == 0 ? "LPUSH l " : "RPUSH l ") + (i % 4 == 0 ? Integer.toString(i * 37 - 5000)
                        : ("e" + i).repeat(1 + i % 30)));
            }
            script.addAll(List.of("LPOP l 7", "RPOP l 3"));
            setup(script);
            d.both("DUMP", "l");
        }
        setup(List.of("CONFIG SET list-max-listpack-size -2"));
    }

    @Test
    void payloadsCrossBothWaysForEveryEncoding() {
        List<String> script = new ArrayList<>();
        script.add("SET long " + "x".repeat(100));
        script.add("SET compressible " + "abc".repeat(50));
        script.add("CONFIG SET stream-node-max-entries 5");
        for (int i = 1; i < 40; i++) {
            script.add("XADD x " + i + "-" + (i % 3) + " f" + (i % 2) + " v " + i + " w");
        }
        script.addAll(List.of("XDEL x 3-0", "XDEL x 7-1", "XGROUP CREATE x g1 0", "XGROUP CREATE x g2 $",
                "XREADGROUP GROUP g1 alice COUNT 3 STREAMS x >", "XREADGROUP GROUP g1 bob COUNT 2 STREAMS x >",
                "XGROUP CREATECONSUMER x g2 carol"));
        for (int i = 0; i < 300; i++) {
            script.add("RPUSH quick " + ("e" + i).repeat(20));
            script.add("ZADD sk " + (i * 1.37 - 50) + " m" + i);
            script.add("HSET ht f" + i + " v" + i);
            script.add("SADD hs " + (i % 2 == 0 ? "s" : "") + i);
        }
        script.addAll(List.of("SADD wide 1 70000 5000000000", "ZADD zinf inf a -inf b 0 c", "RPUSH small x y z"));
        setup(script);
        for (String k : List.of("long", "compressible", "x", "quick", "sk", "ht", "hs", "wide", "zinf", "small")) {
            crossRestore(k);
        }
        assertThat(d.ours.call("XINFO", "STREAM", "x:r")).isEqualTo(d.real.call("XINFO", "STREAM", "x"));
    }

    @Test
    void restoreOptionsAndErrorsReplyAsRedis() {
        setup(List.of("SET k v", "RPUSH l a"));
        byte[] payload = dump(d.real, "k");
        byte[] list = dump(d.real, "l");
        d.both(b("RESTORE"), b("k"), b("0"), payload);
        d.both(b("RESTORE"), b("k"), b("0"), payload, b("REPLACE"));
        d.both(b("RESTORE"), b("k2"), b("-1"), payload);
        d.both(b("RESTORE"), b("k2"), b("x"), payload);
        d.both(b("RESTORE"), b("k2"), b("0"), payload, b("FOO"));
        d.both(b("RESTORE"), b("k2"), b("0"), payload, b("IDLETIME"), b("-1"));
        d.both(b("RESTORE"), b("k2"), b("0"), payload, b("FREQ"), b("256"));
        d.both(b("RESTORE"), b("k2"), b("0"), payload, b("FREQ"), b("2"), b("IDLETIME"), b("3"));
        d.both(b("RESTORE"), b("k2"), b("0"), b("garbage"));
        byte[] flipped = payload.clone();
        flipped[1] ^= 1;
        d.both(b("RESTORE"), b("k2"), b("0"), flipped);
        d.both("EXISTS", "k2");
        // absolute TTL in the past: OK, no key; with REPLACE the old key goes
        d.both(b("RESTORE"), b("k3"), b("1000"), payload, b("ABSTTL"));
        d.both("EXISTS", "k3");
        d.both(b("RESTORE"), b("l"), b("1000"), payload, b("ABSTTL"), b("REPLACE"));
        d.both("EXISTS", "l");
        d.both(b("RESTORE"), b("l"), b("0"), list);
        d.both("LRANGE", "l", "0", "-1");
        d.both(b("RESTORE"), b("t"), b("100000"), payload);
        assertThat(((Resp.Int) d.ours.call("PTTL", "t")).value()).isBetween(90_000L, 100_000L);
        d.both(b("RESTORE"), b("idle"), b("0"), payload, b("IDLETIME"), b("1000"));
        d.both("OBJECT", "IDLETIME", "idle");
    }
    private static long sanitizations(RespClient c) {
        for (String l : ((Resp.Bulk) c.call("INFO", "stats")).text().split("\r\n")) {
            if (l.startsWith("dump_payload_sanitizations:")) {
                return Long.parseLong(l.substring(l.indexOf(':') + 1));
            }
        }
        throw new AssertionError("no dump_payload_sanitizations in INFO");
    }

    /**
     * sanitize-dump-payload: the same values and errors as Redis's, and INFO's
     * dump_payload_sanitizations counts what Redis counts (each listpack, ziplist or intset of the
     * payload under yes or clients, nothing under no) for Redis's own payloads of every type.
     */
    @Test
    void sanitizeDumpPayloadCountsAsRedis() {
        List<String> script = new ArrayList<>(List.of("CONFIG SET list-max-listpack-size 4",
                "CONFIG SET stream-node-max-entries 2", "SET s hello", "RPUSH lp a b", "SADD si 1 2", "SADD sh a b",
                "ZADD zl 1 a", "HSET hl f v"));
        for (int i = 1; i < 12; i++) {
            script.add("RPUSH ql e" + i);
            script.add("XADD x " + i + "-1 f " + i);
            script.add("ZADD zs " + i + " " + "m".repeat(70) + i);
            script.add("HSET hs f" + i + " " + "v".repeat(70));
        }
        script.addAll(List.of("XGROUP CREATE x g 0", "XREADGROUP GROUP g c COUNT 2 STREAMS x >"));
        setup(script);
        try {
            for (String mode : List.of("no", "yes", "clients")) {
                d.both("CONFIG", "SET", "sanitize-dump-payload", mode);
                d.both("CONFIG", "GET", "sanitize-dump-payload");
                for (String k : List.of("s", "lp", "ql", "si", "sh", "zl", "zs", "hl", "hs", "x")) {
                    byte[] payload = dump(d.real, k);
                    long real0 = sanitizations(d.real);
                    long ours0 = sanitizations(d.ours);
                    d.both(b("RESTORE"), b(k + ":c"), b("0"), payload, b("REPLACE"));
                    assertThat(sanitizations(d.ours) - ours0).as("%s under %s", k, mode)
                            .isEqualTo(sanitizations(d.real) - real0);
                }
            }
            d.both("CONFIG", "SET", "sanitize-dump-payload", "maybe");
        } finally {
            setup(List.of("CONFIG SET sanitize-dump-payload no", "CONFIG SET list-max-listpack-size -2",
                    "CONFIG SET stream-node-max-entries 100"));
        }
    }
}
