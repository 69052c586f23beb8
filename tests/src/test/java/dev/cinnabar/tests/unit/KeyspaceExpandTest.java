package dev.cinnabar.tests.unit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.testkit.CinnabarExtension;
import dev.cinnabar.testkit.Resp;
import dev.cinnabar.testkit.RespClient;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The keyspace table's growth under maxmemory against real Redis 7.0 (Redis's dictExpandAllowed,
 * tests/unit/maxmemory.tcl "Don't rehash if used memory exceeds maxmemory after rehash"), observed
 * with DEBUG HTSTATS: a full table of 4096 keys whose doubling would take used memory over
 * maxmemory keeps its size and evicts nothing; once the limit is lifted the next write grows it.
 */
class KeyspaceExpandTest {
    @RegisterExtension
    static CinnabarExtension server = new CinnabarExtension().setting("enable-debug-command", "yes");

    @RegisterExtension
    static DifferentialPair d = new DifferentialPair(server, "--enable-debug-command", "yes",
            "--latency-tracking", "no");

    @AfterEach
    void unlimited() {
        for (RespClient c : List.of(d.ours, d.real)) {
            c.call("CONFIG", "SET", "maxmemory", "0");
            c.call("CONFIG", "SET", "maxmemory-policy", "noeviction");
        }
    }

    private static long usedMemory(RespClient c) {
        for (String line : c.call("INFO", "memory").asText().split("\r\n")) {
            if (line.startsWith("used_memory:")) {
                return Long.parseLong(line.substring("used_memory:".length()));
            }
        }
        throw new AssertionError("no used_memory in INFO");
    }

    /** The table sizes DEBUG HTSTATS reports, in order (main dict's tables, then the expires dict's). */
    private static List<String> tableSizes(RespClient c) {
        List<String> sizes = new ArrayList<>();
        for (String line : c.call("DEBUG", "HTSTATS", "0").asText().split("\n")) {
            if (line.startsWith(" table size: ") || line.startsWith("[")) {
                sizes.add(line.trim());
            }
        }
        return sizes;
    }

    @Test
    void aFullTableDoesNotGrowWhenItsNewBucketsWouldPassMaxmemory() {
        List<List<String>> seen = new ArrayList<>();
        for (RespClient c : List.of(d.real, d.ours)) {
            c.call("CONFIG", "SET", "maxmemory-policy", "allkeys-random");
            c.call("DEBUG", "POPULATE", "4096", "", "1");
            c.call("CONFIG", "SET", "maxmemory", Long.toString(usedMemory(c) + 10 * 1024));
        }
        d.both("SET", "k1", "v1");
        d.both("SET", "k2", "v2");
        d.both("DBSIZE"); // 4098: nothing evicted
        for (RespClient c : List.of(d.real, d.ours)) {
            seen.add(tableSizes(c));
        }
        assertThat(seen.get(1)).isEqualTo(seen.get(0))
                .containsExactly("[Dictionary HT]", "table size: 4096", "[Expires HT]");
        d.both("CONFIG", "SET", "maxmemory", "0");
        d.both("SET", "k3", "v3");
        for (RespClient c : List.of(d.real, d.ours)) {
            assertThat(tableSizes(c)).as("the table grows once the limit is lifted").contains("table size: 8192");
        }
        d.both("DBSIZE");
    }

    @Test
    void htstatsReportsBothDictsInRedisShape() {
        List<List<String>> shapes = new ArrayList<>();
        for (RespClient c : List.of(d.real, d.ours)) {
            c.call("DEBUG", "POPULATE", "100");
            c.call("EXPIRE", "key:1", "100");
            List<String> shape = new ArrayList<>();
            for (String line : c.call("DEBUG", "HTSTATS", "0").asText().split("\n")) {
                // the chain figures depend on each server's hash function; the labels and sizes do not
                shape.add(line.startsWith("   ") ? "   chains" : line.replaceAll(
                        "^ (different slots|max chain length|avg chain length \\(\\w+\\)): .*", " $1: #"));
            }
            shapes.add(shape.stream().distinct().toList());
            assertThat(c.call("DEBUG", "HTSTATS", "1").asText()).isEqualTo("[Dictionary HT]\n"
                    + "Hash table 0 stats (main hash table):\nNo stats available for empty dictionaries\n"
                    + "[Expires HT]\nHash table 0 stats (main hash table):\nNo stats available for empty dictionaries\n");
        }
        assertThat(shapes.get(1)).isEqualTo(shapes.get(0)).contains(" table size: 128", " number of elements: 100",
                " table size: 4", " number of elements: 1");
        d.both("DEBUG", "HTSTATS", "16");
        d.both("DEBUG", "HTSTATS", "-1");
        d.both("DEBUG", "HTSTATS", "x");
        d.both("DEBUG", "HTSTATS");
        d.both("DEBUG", "HTSTATS", "0", "full");
    }
}
