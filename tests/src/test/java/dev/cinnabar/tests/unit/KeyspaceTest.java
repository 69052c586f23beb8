package dev.cinnabar.tests.unit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.testkit.CinnabarExtension;
import dev.cinnabar.testkit.Resp;
import dev.cinnabar.testkit.RespClient;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Generic keyspace behaviour (tests/unit/keyspace.tcl and scan.tcl): KEYS and SCAN against real
 * Redis 7.0 (same key sets for the same patterns, options and errors), SCAN's guarantee while
 * the table grows and shrinks between calls, OBJECT, SWAPDB, MOVE and COPY across types.
 */
class KeyspaceTest {
    @RegisterExtension
    static CinnabarExtension server = new CinnabarExtension();

    @RegisterExtension
    static DifferentialPair d = new DifferentialPair(server);

    private static Set<String> texts(Resp r) {
        Set<String> out = new TreeSet<>();
        for (Resp x : ((Resp.Agg) r).items()) {
            out.add(x.asText());
        }
        return out;
    }

    /** Every key a full SCAN returns (duplicates removed), on one server. */
    private static Set<String> fullScan(RespClient c, String... options) {
        Set<String> out = new TreeSet<>();
        String cursor = "0";
        int calls = 0;
        do {
            List<String> args = new ArrayList<>(List.of("SCAN", cursor));
            args.addAll(List.of(options));
            Resp.Agg r = (Resp.Agg) c.call(args);
            cursor = r.items().get(0).asText();
            out.addAll(texts(r.items().get(1)));
            assertThat(++calls).isLessThan(100_000);
        } while (!cursor.equals("0"));
        return out;
    }

    private void load(String... kv) {
        for (int i = 0; i < kv.length; i += 2) {
            d.both("SET", kv[i], kv[i + 1]);
        }
    }

    @Test
    void keysMatchesTheSameKeysAsRedisForManyPatterns() {
        String[] keys = {"", "a", "b", "ab", "abc", "hello", "hallo", "hxllo", "hllo", "heeeello", "h[a]llo",
            "user:1:name", "user:22:email", "x*y", "x?y", "a\\b", "]", "-", "^", "UPPER", "MiXeD", "caf\u00e9",
            "a-b", "aXbYc", "notes.txt", "notes.txt.bak"};
        for (String k : keys) {
            d.both("SET", k, "1");
        }
        String[] patterns = {"*", "**", "?", "??", "h?llo", "h*llo", "h[ae]llo", "h[^e]llo", "h[a-b]llo",
            "h[b-a]llo", "h\\[a\\]llo", "user:*:name", "*:*", "x\\*y", "x\\?y", "x*y", "a\\\\b", "a\\", "[]]",
            "[\\]]", "[a-]", "[^a-z]*", "[A-Z]*", "*[", "[abc", "[", "\\", "", "*.txt", "*e*l*o", "*?*?*?*",
            "[!a]*", "[-]", "[\\-]", "?*", "*?", "caf*", "*\u00e9", "[a-c]?"};
        for (String p : patterns) {
            Resp redis = d.real.call("KEYS", p);
            Resp ours = d.ours.call("KEYS", p);
            assertThat(texts(ours)).as("KEYS %s", p).isEqualTo(texts(redis));
            assertThat(fullScan(d.ours, "MATCH", p)).as("SCAN MATCH %s", p).isEqualTo(fullScan(d.real, "MATCH", p));
        }
    }

    /** Random glob patterns over random keys: KEYS must select exactly what Redis selects. */
    @Test
    void randomGlobPatternsSelectTheSameKeysAsRedis() {
        Random r = new Random(Long.getLong("seed", 11));
        for (int i = 0; i < 60; i++) {
            String key = random(r, "ab-]^\\[*?", 1 + r.nextInt(6));
            d.real.call("SET", key, "1");
            d.ours.call("SET", key, "1");
        }
        for (int i = 0; i < 400; i++) {
            String p = random(r, "ab*?[]^-\\", r.nextInt(8));
            assertThat(texts(d.ours.call("KEYS", p))).as("KEYS %s", p).isEqualTo(texts(d.real.call("KEYS", p)));
        }
    }

    private static String random(Random r, String alphabet, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
        }
        return sb.toString();
    }

    @Test
    void scanOptionsTypesAndErrorsAsRedis() {
        for (int i = 0; i < 300; i++) {
            d.both("SET", "str:" + i, Integer.toString(i));
        }
        for (int i = 0; i < 20; i++) {
            d.both("RPUSH", "list:" + i, "a");
            d.both("SADD", "set:" + i, "a");
            d.bothIfKnown("HSET", "hash:" + i, "f", "v");
            d.both("ZADD", "zset:" + i, "1", "a");
        }
        for (String type : new String[] {"string", "list", "set", "hash", "zset", "STRING", "none", "foo"}) {
            assertThat(fullScan(d.ours, "TYPE", type)).as("TYPE %s", type).isEqualTo(fullScan(d.real, "TYPE", type));
        }
        long size = ((Resp.Int) d.both("DBSIZE")).value();
        assertThat(fullScan(d.ours, "COUNT", "1")).isEqualTo(fullScan(d.real, "COUNT", "1")).hasSize((int) size);
        assertThat(fullScan(d.ours, "COUNT", "1000", "MATCH", "*:1?", "TYPE", "list"))
                .isEqualTo(fullScan(d.real, "COUNT", "1000", "MATCH", "*:1?", "TYPE", "list")).hasSize(10);
        // one call with a large COUNT walks a small table entirely
        Resp.Agg all = (Resp.Agg) d.ours.call("SCAN", "0", "COUNT", "100000");
        assertThat(all.items().get(0).asText()).isEqualTo("0");
        assertThat(texts(all.items().get(1))).hasSize((int) size);
        // a COUNT so large that count * 10 wraps: Redis then walks the whole table too
        Resp.Agg huge = (Resp.Agg) d.ours.call("SCAN", "0", "COUNT", "9223372036854775807");
        assertThat(huge.items().get(0).asText()).isEqualTo("0");
        assertThat(texts(huge.items().get(1))).isEqualTo(texts(((Resp.Agg) d.real.call("SCAN", "0", "COUNT",
                "9223372036854775807")).items().get(1)));
        for (String[] bad : new String[][] {{"SCAN", "0", "COUNT", "0"}, {"SCAN", "0", "COUNT", "-1"},
            {"SCAN", "0", "COUNT", "x"}, {"SCAN", "0", "MATCH"}, {"SCAN", "0", "FOO", "bar"}, {"SCAN", " 1"},
            {"SCAN", "1x"}, {"SCAN", "18446744073709551616"}, {"SCAN", "+"}, {"SCAN", "0x1"}, {"SCAN"},
            {"SCAN", "0", "COUNT", "9223372036854775808"}}) {
            d.both(bad);
        }
        // cursors strtoul accepts
        for (String cur : new String[] {"", "-1", "+0", "18446744073709551615", "-18446744073709551615"}) {
            Resp.Agg r = (Resp.Agg) d.ours.call("SCAN", cur, "COUNT", "5");
            assertThat(r.items()).hasSize(2);
        }
    }

    /** Keys present for a whole SCAN are returned even while another client grows and shrinks the db. */
    @Test
    void scanGuaranteeHoldsWhileTheTableResizes() {
        RespClient c = d.ours;
        Set<String> stable = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            c.send("SET", "stable:" + i, "x");
            stable.add("stable:" + i);
        }
        for (int i = 0; i < 1000; i++) {
            c.read();
        }
        Random r = new Random(3);
        try (RespClient other = server.client()) {
            Set<String> seen = new HashSet<>();
            String cursor = "0";
            int step = 0;
            int tmp = 0;
            do {
                Resp.Agg res = (Resp.Agg) c.call("SCAN", cursor, "COUNT", "7");
                cursor = res.items().get(0).asText();
                seen.addAll(texts(res.items().get(1)));
                if (step++ % 2 == 0) {
                    int n = r.nextInt(3000);
                    for (int i = 0; i < n; i++) {
                        other.send("SET", "tmp:" + (tmp++), "y");
                    }
                    for (int i = 0; i < n; i++) {
                        other.read();
                    }
                } else if (tmp > 0) {
                    List<String> del = new ArrayList<>(List.of("DEL"));
                    for (int i = 0; i < tmp; i++) {
                        del.add("tmp:" + i);
                    }
                    other.call(del);
                    tmp = 0;
                    server.server().cron().tick(); // lets the cron shrink and rehash
                }
            } while (!cursor.equals("0"));
            assertThat(seen).containsAll(stable);
        }
    }

    @Test
    void typeObjectAndCopyWorkForEveryType() {
        d.both("SET", "s", "hello");
        d.both("SET", "i", "12");
        d.both("RPUSH", "l", "a", "b");
        d.both("SADD", "st", "1", "2");
        d.both("SADD", "sm", "x");
        d.bothIfKnown("HSET", "h", "f", "v");
        d.both("ZADD", "z", "1", "m");
        for (String k : new String[] {"s", "i", "l", "st", "sm", "h", "z", "missing"}) {
            d.both("TYPE", k);
            d.both("OBJECT", "ENCODING", k);
            d.both("COPY", k, k + "-copy");
            d.both("TYPE", k + "-copy");
            d.both("OBJECT", "ENCODING", k + "-copy");
            d.both("OBJECT", "REFCOUNT", k);
        }
        // the copies are independent
        d.both("RPUSH", "l-copy", "c");
        d.both("LRANGE", "l", "0", "-1");
        d.both("SADD", "st-copy", "3");
        d.both("SCARD", "st");
        d.bothIfKnown("HSET", "h-copy", "g", "w");
        d.bothIfKnown("HLEN", "h");
        d.both("APPEND", "s-copy", "!");
        d.both("GET", "s");
        d.both("COPY", "l", "st", "REPLACE");
        d.both("TYPE", "st");
        d.both("RENAME", "z", "s");
        d.both("TYPE", "s");
        d.both("MOVE", "h", "3");
        d.both("SELECT", "3");
        d.bothIfKnown("HGETALL", "h");
        d.both("SWAPDB", "0", "3");
        d.both("DBSIZE");
        d.both("SELECT", "0");
        d.both("DBSIZE");
        d.bothIfKnown("HGETALL", "h");
    }

    @Test
    void objectIdletimeCountsSecondsSinceLastAccess() {
        d.ours.call("SET", "k", "v");
        assertThat(d.ours.call("OBJECT", "IDLETIME", "k").asText()).isIn("0", "1");
        assertThat(d.ours.call("OBJECT", "FREQ", "k").asText()).startsWith("-ERR An LFU maxmemory policy is not");
        d.ours.call("CONFIG", "SET", "maxmemory-policy", "allkeys-lfu");
        try {
            assertThat(d.ours.call("OBJECT", "IDLETIME", "k").asText()).startsWith("-ERR An LRU maxmemory policy is");
            assertThat(d.ours.call("OBJECT", "FREQ", "k")).isInstanceOf(Resp.Int.class);
        } finally {
            d.ours.call("CONFIG", "SET", "maxmemory-policy", "noeviction");
        }
    }

    @Test
    void flushallEmptiesEveryDatabase() {
        for (int db = 0; db < 4; db++) {
            d.both("SELECT", Integer.toString(db));
            d.both("SET", "k" + db, "v");
        }
        d.both("FLUSHDB");
        d.both("DBSIZE");
        d.both("SELECT", "0");
        d.both("DBSIZE");
        d.both("FLUSHALL", "ASYNC");
        for (int db = 0; db < 4; db++) {
            d.both("SELECT", Integer.toString(db));
            d.both("DBSIZE");
            d.both("RANDOMKEY");
        }
    }

    @Test
    void binaryKeysAndValuesRoundTrip() {
        byte[] key = {0, 1, (byte) 0xff, '\r', '\n', '*'};
        byte[] val = new byte[300];
        for (int i = 0; i < val.length; i++) {
            val[i] = (byte) i;
        }
        d.both("SET".getBytes(), key, val);
        d.both("GET".getBytes(), key);
        d.both("STRLEN".getBytes(), key);
        d.both("APPEND".getBytes(), key, key);
        d.both("GETRANGE".getBytes(), key, "250".getBytes(), "-1".getBytes());
        d.both("EXISTS".getBytes(), key);
        assertThat(texts(d.ours.call("KEYS", "*"))).hasSize(1);
        assertThat(((Resp.Bulk) ((Resp.Agg) d.ours.call("KEYS", "*")).items().get(0)).value()).isEqualTo(key);
        d.both("KEYS".getBytes(), new byte[] {0, '?', (byte) 0xff, '*'});
        d.both("DEL".getBytes(), key);
        assertThat(new String(key, StandardCharsets.ISO_8859_1)).hasSize(6);
    }
}
