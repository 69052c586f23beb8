package dev.cinnabar.tests.unit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.testkit.CinnabarExtension;
import dev.cinnabar.testkit.RespClient;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * DEBUG HTSTATS-KEY against real Redis 7.0: a hash's or set's "hashtable" encoding and a sorted
 * set's member index report DEBUG HTSTATS's figures for that one table; any other value (a
 * listpack, an intset, a string, a list) gets Redis's error, a missing key "no such key". The chain
 * figures depend on each server's hash function (Redis's is seeded at random), so the labels, the
 * table size and the element count are compared, and our chain distribution is checked to add up.
 */
class DebugHtstatsKeyTest {
    @RegisterExtension
    static CinnabarExtension server = new CinnabarExtension().setting("enable-debug-command", "yes");

    @RegisterExtension
    static DifferentialPair d = new DifferentialPair(server, "--enable-debug-command", "yes");

    private static List<String> shape(String report) {
        List<String> shape = new ArrayList<>();
        for (String line : report.split("\n")) {
            shape.add(line.startsWith("   ") ? "   chains" : line.replaceAll(
                    "^ (different slots|max chain length|avg chain length \\(\\w+\\)): .*", " $1: #"));
        }
        return shape.stream().distinct().toList();
    }

    @Test
    void hashSetAndSortedSetTablesInRedisShape() {
        for (RespClient c : List.of(d.real, d.ours)) {
            c.call("CONFIG", "SET", "hash-max-listpack-entries", "128");
            c.call("CONFIG", "SET", "zset-max-listpack-entries", "128");
            for (int i = 0; i < 200; i++) {
                c.call("HSET", "h", "f" + i, "v");
                c.call("SADD", "s", "m" + i);
                c.call("ZADD", "z", Integer.toString(i), "m" + i);
            }
            for (int round = 0; round < 2; round++) {
                for (int i = 0; i < 200; i++) { // Redis finishes its incremental rehash a step per lookup
                    c.call("HGET", "h", "f" + i);
                    c.call("SISMEMBER", "s", "m" + i);
                    c.call("ZSCORE", "z", "m" + i);
                }
            }
        }
        for (String key : List.of("h", "s", "z")) {
            String real = d.real.call("DEBUG", "HTSTATS-KEY", key).asText();
            String ours = d.ours.call("DEBUG", "HTSTATS-KEY", key).asText();
            assertThat(shape(ours)).as(key + ":\n" + ours).isEqualTo(shape(real)).contains(
                    "Hash table 0 stats (main hash table):", " table size: 256", " number of elements: 200");
            long buckets = 0;
            long members = 0;
            for (String line : ours.split("\n")) {
                if (line.startsWith("   ")) {
                    String[] p = line.trim().split("[: ]+");
                    buckets += Long.parseLong(p[1]);
                    members += Long.parseLong(p[0]) * Long.parseLong(p[1]);
                }
            }
            assertThat(buckets).as("every bucket has one chain length").isEqualTo(256);
            assertThat(members).as("every member is in one chain").isEqualTo(200);
        }
    }

    @Test
    void valuesNotHeldInAHashTableGetRedisError() {
        d.both("HSET", "smallhash", "f", "v");
        d.both("SADD", "ints", "1", "2", "3");
        d.both("ZADD", "smallzset", "1", "a");
        d.both("SET", "str", "x");
        d.both("RPUSH", "list", "a");
        for (String key : List.of("smallhash", "ints", "smallzset", "str", "list", "missing")) {
            d.both("DEBUG", "HTSTATS-KEY", key);
        }
        assertThat(d.ours.call("DEBUG", "HTSTATS-KEY", "ints").asText())
                .isEqualTo("-ERR The value stored at the specified key is not represented using an hash table");
        d.both("DEBUG", "HTSTATS-KEY");
        d.both("DEBUG", "HTSTATS-KEY", "str", "extra");
        d.both("SADD", "strings", "a", "b");
        String small = d.ours.call("DEBUG", "HTSTATS-KEY", "strings").asText();
        assertThat(shape(small)).isEqualTo(shape(d.real.call("DEBUG", "HTSTATS-KEY", "strings").asText()))
                .contains(" table size: 4", " number of elements: 2");
    }
}
