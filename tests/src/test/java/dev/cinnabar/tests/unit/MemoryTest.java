package dev.cinnabar.tests.unit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.testkit.CinnabarExtension;
import dev.cinnabar.testkit.Resp;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * MEMORY USAGE / STATS / DOCTOR / MALLOC-STATS / PURGE / HELP against real Redis 7.0
 * (tests/unit/memefficiency.tcl, introspection). Byte counts are ours (JVM layouts), so they are
 * compared for the same order of magnitude and for growing with the value; replies, errors, field
 * names and shapes must be Redis's.
 */
class MemoryTest {
    @RegisterExtension
    static CinnabarExtension server = new CinnabarExtension();
    @RegisterExtension
    static DifferentialPair d = new DifferentialPair(server);

    private static long usage(Resp r) {
        return ((Resp.Int) r).value();
    }

    private void fill() {
        d.both("SET", "s", "hello");
        d.both("SET", "n", "12345678");
        d.both("SET", "big", "x".repeat(1000));
        d.both("RPUSH", "l", "a", "b", "c", "d");
        d.both("HSET", "h", "f1", "v1", "f2", "v2");
        d.both("SADD", "si", "1", "2", "3");
        d.both("SADD", "ss", "a", "b", "c");
        d.both("ZADD", "z", "1", "a", "2", "b");
        d.both("XADD", "x", "1-1", "f", "v");
    }

    @Test
    void usageRepliesAndErrorsAsRedis() {
        fill();
        for (String[] args : new String[][] {{"MEMORY", "USAGE", "nokey"}, {"MEMORY", "USAGE", "nokey", "SAMPLES"},
                {"MEMORY", "USAGE", "nokey", "SAMPLES", "x"}, {"MEMORY", "USAGE", "nokey", "SAMPLES", "-1"},
                {"MEMORY", "USAGE", "s", "SAMPLES", "-1"}, {"MEMORY", "USAGE", "s", "foo", "1"},
                {"MEMORY", "USAGE", "nokey", "SAMPLES", "0", "SAMPLES", "3"}, {"MEMORY", "USAGE"}, {"MEMORY"},
                {"MEMORY", "STATS", "x"}, {"MEMORY", "DOCTOR", "x"}, {"MEMORY", "PURGE", "x"},
                {"MEMORY", "MALLOC-STATS", "x"}, {"MEMORY", "NOSUCH"}}) {
            d.both(args);
        }
        for (String k : List.of("s", "n", "big", "l", "h", "si", "ss", "z")) {
            long ours = usage(d.ours.call("MEMORY", "USAGE", k));
            long redis = usage(d.real.call("MEMORY", "USAGE", k));
            assertThat((double) ours / redis).as("%s: ours %d, Redis %d", k, ours, redis).isBetween(0.5, 3.0);
        }
        // Redis preallocates 4 KB per stream node; ours is smaller but must count the entry
        assertThat(usage(d.ours.call("MEMORY", "USAGE", "x"))).isBetween(100L, 8000L);
        assertThat(usage(d.ours.call("MEMORY", "USAGE", "big"))).isGreaterThan(1000);
    }

    @Test
    void usageGrowsWithTheValueAndSamplesLikeRedis() {
        List<String> h = new ArrayList<>(List.of("HSET", "bh"));
        List<String> s = new ArrayList<>(List.of("SADD", "bs"));
        List<String> z = new ArrayList<>(List.of("ZADD", "bz"));
        List<String> l = new ArrayList<>(List.of("RPUSH", "bl"));
        for (int i = 0; i < 1000; i++) {
            h.addAll(List.of("field:" + i, "value:" + i));
            s.add("member:" + i);
            z.addAll(List.of(Integer.toString(i), "member:" + i));
            l.add("element:" + i);
        }
        for (List<String> cmd : List.of(h, s, z, l)) {
            d.both(cmd.toArray(new String[0]));
        }
        for (int i = 0; i < 300; i++) {
            d.both("XADD", "bx", (i + 1) + "-1", "field", "value:" + i);
        }
        d.both("XGROUP", "CREATE", "bx", "g", "0");
        long streamBefore = usage(d.ours.call("MEMORY", "USAGE", "bx"));
        d.ours.call("XREADGROUP", "GROUP", "g", "c", "COUNT", "200", "STREAMS", "bx", ">");
        assertThat(usage(d.ours.call("MEMORY", "USAGE", "bx"))).as("pending entries count").isGreaterThan(streamBefore);
        for (String k : List.of("bh", "bs", "bz", "bl")) {
            long ours = usage(d.ours.call("MEMORY", "USAGE", k));
            long all = usage(d.ours.call("MEMORY", "USAGE", k, "SAMPLES", "0"));
            long redis = usage(d.real.call("MEMORY", "USAGE", k));
            assertThat((double) ours / redis).as("%s: ours %d, Redis %d", k, ours, redis).isBetween(0.5, 4.0);
            assertThat((double) all / ours).as("%s: sampled vs whole", k).isBetween(0.8, 1.25);
            assertThat(ours).as("%s: 1000 elements", k).isGreaterThan(10_000);
        }
        d.both("HSET", "bh", "long", "v".repeat(100_000));
        assertThat(usage(d.ours.call("MEMORY", "USAGE", "bh", "SAMPLES", "0"))).isGreaterThan(100_000);
    }

    @Test
    void statsHasRedisFieldsAndShape() {
        fill();
        d.both("SELECT", "3");
        d.both("SET", "k", "v", "EX", "100");
        for (boolean resp3 : new boolean[] {false, true}) {
            if (resp3) {
                d.ours.call("HELLO", "3");
                d.real.call("HELLO", "3");
            }
            Resp.Agg ours = (Resp.Agg) d.ours.call("MEMORY", "STATS");
            Resp.Agg redis = (Resp.Agg) d.real.call("MEMORY", "STATS");
            assertThat(ours.kind()).isEqualTo(redis.kind());
            assertThat(keys(ours)).isEqualTo(keys(redis)).contains("db.0", "db.3", "keys.count");
            for (int i = 0; i < ours.items().size(); i += 2) {
                Resp a = ours.items().get(i + 1);
                Resp b = redis.items().get(i + 1);
                assertThat(a.getClass()).as(ours.items().get(i).asText()).isEqualTo(b.getClass());
                if (a instanceof Resp.Agg m) {
                    assertThat(keys(m)).isEqualTo(keys((Resp.Agg) b));
                }
            }
            assertThat(value(ours, "keys.count")).isEqualTo(new Resp.Int(10)).isEqualTo(value(redis, "keys.count"));
        }
    }

    private static List<String> keys(Resp.Agg map) {
        List<String> k = new ArrayList<>();
        for (int i = 0; i < map.items().size(); i += 2) {
            k.add(map.items().get(i).asText());
        }
        return k;
    }

    private static Resp value(Resp.Agg map, String key) {
        for (int i = 0; i < map.items().size(); i += 2) {
            if (map.items().get(i).asText().equals(key)) {
                return map.items().get(i + 1);
            }
        }
        return null;
    }

    @Test
    void doctorMallocStatsPurgeAndHelp() {
        for (String sub : List.of("DOCTOR", "MALLOC-STATS")) {
            Resp ours = d.ours.call("MEMORY", sub);
            assertThat(ours.getClass()).isEqualTo(d.real.call("MEMORY", sub).getClass());
            assertThat(ours.asText()).isNotBlank();
        }
        assertThat(d.ours.call("MEMORY", "MALLOC-STATS").asText()).contains("heap", "used=");
        d.both("MEMORY", "PURGE");
        assertThat(d.ours.call("MEMORY", "HELP").toString()).startsWith("*[+MEMORY <subcommand>").contains("USAGE <key>");
    }

    @Test
    void infoCountsScriptsAndFunctions() {
        d.both("SCRIPT", "FLUSH");
        d.both("FUNCTION", "FLUSH");
        d.both("SCRIPT", "LOAD", "return 1");
        d.both("SCRIPT", "LOAD", "return 2");
        d.both("FUNCTION", "LOAD", "#!lua name=lib1\nredis.register_function('f1', function() return 1 end)\n"
                + "redis.register_function('f2', function() return 2 end)");
        for (String field : List.of("number_of_cached_scripts", "number_of_functions", "number_of_libraries")) {
            assertThat(field(d.ours.call("INFO", "memory"), field)).as(field)
                    .isEqualTo(field(d.real.call("INFO", "memory"), field));
        }
        assertThat(field(d.ours.call("INFO", "memory"), "number_of_cached_scripts")).isEqualTo("2");
        assertThat(Long.parseLong(field(d.ours.call("INFO", "memory"), "used_memory_scripts_eval"))).isPositive();
        assertThat(Long.parseLong(field(d.ours.call("INFO", "memory"), "used_memory_functions"))).isPositive();
        d.both("SCRIPT", "FLUSH");
        d.both("FUNCTION", "FLUSH");
    }

    private static String field(Resp info, String name) {
        for (String line : info.asText().split("\r\n")) {
            if (line.startsWith(name + ":")) {
                return line.substring(name.length() + 1);
            }
        }
        return null;
    }
}
