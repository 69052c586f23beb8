package dev.cinnabar.tests.unit.type;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.testkit.Resp;
import dev.cinnabar.testkit.RespClient;
import dev.cinnabar.testkit.diff.Sequence;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Hash commands (Redis's tests/unit/type/hash.tcl), compared with real Redis 7.0: edge cases and
 * errors per command, encoding conversions at the configured limits, seeded random sequences, and
 * the random commands checked by their properties.
 */
class HashTest extends TypeDiff.Base {
    @Test
    void setGetAndDelete() {
        same("HSET h f1 v1 f2 v2", "HSET h f1 new f3 v3", "HGET h f1", "HGET h nope", "HGET nope f", "HMGET h f1 nope f3",
                "HMGET nope a b", "HMSET h f4 v4 f5 v5", "HLEN h", "HLEN nope", "HSET h f1", "HMSET h f1", "HSET h",
                "HSETNX h f1 x", "HSETNX h f9 x", "HSETNX new f x", "HGET h f9", "HDEL h f1 f1 nope f2", "HDEL nope a",
                "HDEL h f3 f4 f5 f9", "EXISTS h", "HSETNX h2 \"\" \"\"", "HGET h2 \"\"", "HSTRLEN h2 \"\"",
                "HKEYS h2", "TYPE h2", "OBJECT ENCODING h2");
    }

    @Test
    void wrongType() {
        same("SET s v", "HSET s f v", "HMSET s f v", "HSETNX s f v", "HGET s f", "HMGET s f", "HDEL s f", "HLEN s",
                "HSTRLEN s f", "HEXISTS s f", "HKEYS s", "HVALS s", "HGETALL s", "HINCRBY s f 1", "HINCRBYFLOAT s f 1",
                "HRANDFIELD s", "HRANDFIELD s 2", "HSCAN s 0", "HSET h f v", "LPUSH h x", "GET h");
    }

    @Test
    void lengthsExistsAndAggregates() {
        same("HSET h a 1 b 22 c 333", "HSTRLEN h a", "HSTRLEN h c", "HSTRLEN h nope", "HSTRLEN nope a", "HEXISTS h a",
                "HEXISTS h z", "HEXISTS nope a", "HKEYS h", "HVALS h", "HGETALL h", "HKEYS nope", "HVALS nope",
                "HGETALL nope", "HINCRBY h n -5", "HSTRLEN h n");
    }

    @Test
    void hincrby() {
        same("HINCRBY h f 5", "HINCRBY h f -7", "HINCRBY h f x", "HINCRBY h f 1.5", "HINCRBY h f \"\"",
                "HSET h s hello", "HINCRBY h s 1", "HSET h big 9223372036854775806", "HINCRBY h big 1", "HINCRBY h big 1",
                "HSET h small -9223372036854775807", "HINCRBY h small -1", "HINCRBY h small -1",
                "HINCRBY h small 9223372036854775807", "HSET h sp \" 1\"", "HINCRBY h sp 1", "HSET h lead 01",
                "HINCRBY h lead 1", "HINCRBY h f 99999999999999999999", "HGETALL h", "HINCRBY nope2 f x", "EXISTS nope2");
    }

    @Test
    void hincrbyfloat() {
        same("HINCRBYFLOAT h f 1.5", "HINCRBYFLOAT h f -0.25", "HINCRBYFLOAT h f 3e2", "HINCRBYFLOAT h f 0.1",
                "HINCRBYFLOAT h f abc", "HINCRBYFLOAT h f inf", "HINCRBYFLOAT h f -inf", "HINCRBYFLOAT h f nan",
                "HSET h s hello", "HINCRBYFLOAT h s 1", "HSET h i 10", "HINCRBYFLOAT h i 0.5", "HINCRBYFLOAT h i 5.0e3",
                "HINCRBYFLOAT h g 1.1", "HINCRBYFLOAT h g 2.2", "HINCRBYFLOAT h h 10.50", "HINCRBYFLOAT h z 1e-20",
                "HINCRBYFLOAT h z 1", "HSET h inf inf", "HINCRBYFLOAT h inf 1", "HINCRBYFLOAT h x \" 1\"",
                "HINCRBYFLOAT h y 1e4932", "HINCRBYFLOAT h y 1e4932", "HGETALL h", "HINCRBYFLOAT h f \"\"");
    }

    @Test
    void encodingConvertsAtTheLimitsAndNeverBack() {
        same("HSET h f v", "OBJECT ENCODING h", "HSET h long " + "x".repeat(64), "OBJECT ENCODING h",
                "HSET h2 f " + "x".repeat(65), "OBJECT ENCODING h2", "HDEL h2 f", "EXISTS h2",
                "HSET h3 " + "y".repeat(65) + " v", "OBJECT ENCODING h3", "HSETNX h4 f " + "z".repeat(65),
                "OBJECT ENCODING h4", "HINCRBY h5 " + "k".repeat(70) + " 1", "OBJECT ENCODING h5",
                "HINCRBYFLOAT h6 " + "k".repeat(70) + " 1.5", "OBJECT ENCODING h6",
                "HSET h7 f " + "x".repeat(65), "HDEL h7 f", "HSET h7 a b", "OBJECT ENCODING h7");
        StringBuilder many = new StringBuilder("HSET big");
        for (int i = 0; i < 512; i++) {
            many.append(" f").append(i).append(" v").append(i);
        }
        same(many.toString(), "OBJECT ENCODING big", "HSET big one more", "OBJECT ENCODING big", "HDEL big one f1 f2",
                "OBJECT ENCODING big", "HLEN big", "HGET big f300");
        same("CONFIG SET hash-max-listpack-entries 2", "HSET h a 1 b 2", "OBJECT ENCODING h", "HSET h c 3",
                "OBJECT ENCODING h", "CONFIG SET hash-max-listpack-entries 0", "HSET z a 1", "OBJECT ENCODING z",
                "CONFIG SET hash-max-listpack-value 0", "HSETNX e \"\" \"\"", "OBJECT ENCODING e", "HSET e2 a \"\"",
                "OBJECT ENCODING e2");
    }

    @Test
    void hscanOfSmallHashesReturnsEverythingAtOnce() {
        same("HSET h a 1 b 2 c 3 ab 4", "HSCAN h 0", "HSCAN h 0 COUNT 1", "HSCAN h 0 MATCH a*", "HSCAN h 0 MATCH x*",
                "HSCAN h 12345", "HSCAN nope 0", "HSCAN h x", "HSCAN h -1", "HSCAN h 0 COUNT 0", "HSCAN h 0 COUNT x",
                "HSCAN h 0 MATCH", "HSCAN h 0 FOO bar", "HSCAN h 0 MATCH * COUNT 100");
    }

    @Test
    void hrandfieldDeterministicCasesAndErrors() {
        same("HRANDFIELD nope", "HRANDFIELD nope 5", "HRANDFIELD nope -5 WITHVALUES", "HSET h a 1 b 2 c 3",
                "HRANDFIELD h 0", "HRANDFIELD h 3", "HRANDFIELD h 10 WITHVALUES", "HRANDFIELD h x", "HRANDFIELD h 1 foo",
                "HRANDFIELD h 1 WITHVALUES x", "HRANDFIELD h -9223372036854775808",
                "HRANDFIELD h 9223372036854775807 WITHVALUES", "HRANDFIELD h -4611686018427387904 WITHVALUES",
                "HRANDFIELD h 1.5", "HSET one f v", "HRANDFIELD one", "HRANDFIELD one -3 WITHVALUES",
                "HRANDFIELD one 1 WITHVALUES");
    }

    @Test
    void resp3MapsPairsAndNulls() {
        same("HELLO 3", "HGETALL nope", "HGET nope f", "HMGET nope a b", "HRANDFIELD nope", "HRANDFIELD nope 3",
                "HSET h a 1 b 2", "HGETALL h", "HRANDFIELD h 5 WITHVALUES", "HRANDFIELD h 2", "HSCAN h 0",
                "HINCRBYFLOAT h f 1.5", "HKEYS h", "HVALS h", "HSET one f v", "HRANDFIELD one -2 WITHVALUES",
                "HRANDFIELD one 1 WITHVALUES");
    }

    @Test
    void hrandfieldPicksFromTheHash() {
        try (RespClient c = new RespClient(servers.cinnabar().port())) {
            c.call("DEL", "h");
            for (int i = 0; i < 30; i++) {
                c.call("HSET", "h", "f" + i, "v" + i);
            }
            for (String big : new String[] {"no", "yes"}) {
                if (big.equals("yes")) {
                    c.call("HSET", "h", "long", "x".repeat(100));
                    assertThat(c.call("OBJECT", "ENCODING", "h").asText()).isEqualTo("hashtable");
                }
                Resp distinct = c.call("HRANDFIELD", "h", "20");
                List<Resp> items = ((Resp.Agg) distinct).items();
                assertThat(items).hasSize(20);
                assertThat(new HashSet<>(items)).hasSize(20);
                Resp repeated = c.call("HRANDFIELD", "h", "-100", "WITHVALUES");
                List<Resp> pairs = ((Resp.Agg) repeated).items();
                assertThat(pairs).hasSize(200);
                Set<String> seen = new HashSet<>();
                for (int i = 0; i < pairs.size(); i += 2) {
                    String f = pairs.get(i).asText();
                    String v = pairs.get(i + 1).asText();
                    assertThat(f.equals("long") ? "x".repeat(100) : "v" + f.substring(1)).isEqualTo(v);
                    seen.add(f);
                }
                assertThat(seen.size()).isGreaterThan(10);
                assertThat(c.call("HGET", "h", c.call("HRANDFIELD", "h").asText())).isInstanceOf(Resp.Bulk.class);
            }
        }
    }

    @Test
    void hscanOfLargeHashesVisitsEveryField() {
        try (RespClient c = new RespClient(servers.cinnabar().port())) {
            c.call("DEL", "h");
            for (int i = 0; i < 1000; i++) {
                c.call("HSET", "h", "f" + i, "v" + i);
            }
            assertThat(c.call("OBJECT", "ENCODING", "h").asText()).isEqualTo("hashtable");
            Set<String> seen = new HashSet<>();
            String cursor = "0";
            int calls = 0;
            do {
                List<Resp> r = ((Resp.Agg) c.call("HSCAN", "h", cursor, "COUNT", "50")).items();
                cursor = r.get(0).asText();
                List<Resp> kv = ((Resp.Agg) r.get(1)).items();
                for (int i = 0; i < kv.size(); i += 2) {
                    assertThat(kv.get(i + 1).asText()).isEqualTo("v" + kv.get(i).asText().substring(1));
                    seen.add(kv.get(i).asText());
                }
                calls++;
            } while (!cursor.equals("0"));
            assertThat(seen).hasSize(1000);
            assertThat(calls).isGreaterThan(5);
        }
    }

    @Test
    void randomSequencesAgreeWithRedis() {
        for (int seed = 0; seed < 250; seed++) {
            Random r = new Random(seed);
            List<String> lines = new ArrayList<>();
            if (r.nextInt(4) == 0) {
                lines.add("HELLO 3"); // RESP3 null, map and pair forms
            }
            if (r.nextInt(3) == 0) {
                lines.add("CONFIG SET hash-max-listpack-entries " + pick(r, "1", "2", "4", "128"));
            }
            if (r.nextInt(4) == 0) {
                lines.add("CONFIG SET hash-max-listpack-value " + pick(r, "0", "1", "3", "64"));
            }
            boolean defaults = lines.stream().noneMatch(l -> l.startsWith("CONFIG"));
            for (int i = 0; i < 20; i++) {
                String cmd = randomCommand(r);
                if (defaults || !(cmd.startsWith("HSCAN") || cmd.startsWith("HRANDFIELD"))) {
                    lines.add(cmd); // their order for a hashtable is the table's, not comparable
                }
            }
            TypeDiff.same(servers, Sequence.of(lines.toArray(new String[0])), "seed " + seed);
        }
    }

    private static String pick(Random r, String... xs) {
        return xs[r.nextInt(xs.length)];
    }

    private static String key(Random r) {
        return r.nextInt(10) == 0 ? "s" : pick(r, "h1", "h2");
    }

    private static String field(Random r) {
        return pick(r, "a", "b", "c", "n", "x", "longfield");
    }

    private static String value(Random r) {
        return pick(r, "1", "-2", "v", "3.5", "\"\"", "10", "9223372036854775807", "abc");
    }

    private static String randomCommand(Random r) {
        switch (r.nextInt(16)) {
            case 0, 1, 2: {
                StringBuilder b = new StringBuilder(pick(r, "HSET", "HMSET") + " " + key(r));
                int n = 1 + r.nextInt(3);
                for (int i = 0; i < n; i++) {
                    b.append(' ').append(field(r)).append(' ').append(value(r));
                }
                return b.toString();
            }
            case 3:
                return "HSETNX " + key(r) + " " + field(r) + " " + value(r);
            case 4:
                return "HGET " + key(r) + " " + field(r);
            case 5:
                return "HMGET " + key(r) + " " + field(r) + " " + field(r);
            case 6:
                return "HDEL " + key(r) + " " + field(r) + " " + field(r);
            case 7:
                return pick(r, "HLEN ", "HKEYS ", "HVALS ", "HGETALL ", "OBJECT ENCODING ") + key(r);
            case 8:
                return "HSTRLEN " + key(r) + " " + field(r);
            case 9:
                return "HEXISTS " + key(r) + " " + field(r);
            case 10:
                return "HINCRBY " + key(r) + " " + field(r) + " " + pick(r, "1", "-3", "100", "x", "9223372036854775807");
            case 11:
                return "HINCRBYFLOAT " + key(r) + " " + field(r) + " " + pick(r, "1.5", "-0.1", "2e3", "x", "inf");
            case 12:
                return "HSCAN " + key(r) + " 0" + (r.nextBoolean() ? " MATCH " + pick(r, "a*", "*n*", "?") : "");
            case 13:
                return pick(r, "SET s v", "DEL " + key(r), "TYPE " + key(r), "EXISTS h1 h2");
            case 14:
                return "HRANDFIELD " + key(r) + " " + pick(r, "0", "10", "50 WITHVALUES");
            default:
                return "HGETALL " + key(r);
        }
    }
}
