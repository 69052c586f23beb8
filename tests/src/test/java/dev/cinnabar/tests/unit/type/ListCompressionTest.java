package dev.cinnabar.tests.unit.type;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.server.CinnabarServer;
import dev.cinnabar.testkit.RealRedis;
import dev.cinnabar.testkit.Resp;
import dev.cinnabar.testkit.RespClient;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * list-compress-depth against real Redis 7.0: lists made while it is set report ql_compressed:1
 * in DEBUG OBJECT (lists made before keep 0), their MEMORY USAGE drops as Redis's does (interior
 * nodes held LZF compressed), and every list command answers the same over compressed nodes.
 */
class ListCompressionTest {
    private static void same(RespClient real, RespClient ours, String... cmd) {
        Resp expected = real.call(cmd);
        assertThat(ours.call(cmd)).as(String.join(" ", cmd)).isEqualTo(expected);
    }

    private static String field(RespClient c, String key, String name) {
        for (String f : c.call("DEBUG", "OBJECT", key).asText().split(" ")) {
            if (f.startsWith(name + ":")) {
                return f.substring(name.length() + 1);
            }
        }
        throw new AssertionError("no " + name);
    }

    private static long memory(RespClient c, String key) {
        return Long.parseLong(c.call("MEMORY", "USAGE", key, "SAMPLES", "0").asText());
    }

    private static String[] rpush(String key, int from, int n) {
        List<String> a = new ArrayList<>(List.of("RPUSH", key));
        for (int i = from; i < from + n; i++) {
            a.add("element-number-" + i);
        }
        return a.toArray(String[]::new);
    }

    @Test
    void interiorNodesAreCompressedAsRedisCompressesThem() {
        try (RealRedis redis = RealRedis.start("--enable-debug-command", "yes");
             CinnabarServer server = CinnabarServer.builder().setting("enable-debug-command", "yes").start();
             RespClient real = redis.client();
             RespClient ours = new RespClient(server.port())) {
            same(real, ours, rpush("before", 0, 3000));
            for (String depth : new String[] {"1", "2"}) {
                String key = "l" + depth;
                same(real, ours, "CONFIG", "SET", "list-compress-depth", depth);
                same(real, ours, rpush(key, 0, 3000));
                assertThat(field(ours, key, "ql_compressed")).isEqualTo(field(real, key, "ql_compressed"))
                        .isEqualTo("1");
                assertThat(field(ours, key, "ql_nodes")).isEqualTo(field(real, key, "ql_nodes"));
                // compressed: well under the same list uncompressed, within 15% of Redis's figure
                long realBytes = memory(real, key);
                long ourBytes = memory(ours, key);
                assertThat(ourBytes).isLessThan(memory(ours, "before") * 3 / 4);
                assertThat((double) ourBytes).isBetween(realBytes * 0.85, realBytes * 1.15);
                // commands over compressed nodes
                same(real, ours, "LINDEX", key, "1500");
                same(real, ours, "LSET", key, "1500", "x");
                same(real, ours, "LINSERT", key, "BEFORE", "x", "y");
                same(real, ours, "LREM", key, "0", "element-number-2000");
                same(real, ours, "LPOS", key, "element-number-2500");
                same(real, ours, "LRANGE", key, "1490", "1510");
                same(real, ours, "LPOP", key, "700");
                same(real, ours, "RPOP", key, "700");
                same(real, ours, "LTRIM", key, "100", "-100");
                same(real, ours, rpush(key, 5000, 500));
                same(real, ours, "LRANGE", key, "0", "-1");
                same(real, ours, "DEBUG", "DIGEST-VALUE", key);
                same(real, ours, "LLEN", key);
                assertThat(field(ours, key, "ql_nodes")).isEqualTo(field(real, key, "ql_nodes"));
                assertThat((double) memory(ours, key)).isBetween(memory(real, key) * 0.85, memory(real, key) * 1.15);
                same(real, ours, "SORT", key, "ALPHA", "LIMIT", "0", "5");
                // DUMP / RESTORE and the copy-on-write of COPY keep the contents
                same(real, ours, "COPY", key, key + "copy");
                same(real, ours, "DEBUG", "DIGEST-VALUE", key + "copy");
                same(real, ours, "RESTORE", key + "restored", "0", ours.call("DUMP", key).asText());
                same(real, ours, "DEBUG", "DIGEST-VALUE", key + "restored");
            }
            // a list made at depth 0 stays as it was
            assertThat(field(ours, "before", "ql_compressed")).isEqualTo(field(real, "before", "ql_compressed"))
                    .isEqualTo("0");
            same(real, ours, "CONFIG", "SET", "list-compress-depth", "0");
            same(real, ours, "CONFIG", "GET", "list-compress-depth");
            same(real, ours, "CONFIG", "SET", "list-compress-depth", "-1");
        }
    }
}
