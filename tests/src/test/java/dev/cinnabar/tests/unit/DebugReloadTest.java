package dev.cinnabar.tests.unit;

import dev.cinnabar.testkit.CinnabarExtension;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * DEBUG RELOAD against real Redis 7.0: every type and encoding comes back through RDB with the
 * same contents (DEBUG DIGEST), the encodings the configuration gives on load, TTLs kept, and
 * MERGE / NOFLUSH / bad options answered as Redis answers.
 */
class DebugReloadTest {
    @RegisterExtension
    static CinnabarExtension server = new CinnabarExtension().setting("enable-debug-command", "yes");

    @RegisterExtension
    static DifferentialPair d = new DifferentialPair(server, "--enable-debug-command", "yes");

    private void both(String line) {
        d.both(line.split(" "));
    }

    @Test
    void everyTypeSurvivesAReload() {
        List<String> script = new ArrayList<>(List.of("SET s hello", "SET n 42", "SET e ''", "SET long " + "y".repeat(300),
                "RPUSH l a 1 -2 70000", "SADD ints 3 1 2", "SADD strs a b", "ZADD z 1 a 2 b", "HSET h f v",
                "XADD x 1-1 a b", "XGROUP CREATE x g 0", "XREADGROUP GROUP g c STREAMS x >", "SET ttl v PX 500000",
                "SELECT 9", "SET other db9", "SELECT 0"));
        for (int i = 0; i < 200; i++) {
            script.add("RPUSH bigl " + "v".repeat(i));
            script.add("ZADD bigz " + i + " m" + i);
            script.add("HSET bigh f" + i + " v" + i);
            script.add("SADD bigs m" + i);
        }
        for (String line : script) {
            both(line);
        }
        both("DEBUG DIGEST");
        both("DEBUG RELOAD");
        both("DEBUG DIGEST");
        for (String k : List.of("s", "n", "l", "ints", "strs", "z", "h", "x", "bigl", "bigz", "bigh", "bigs")) {
            both("OBJECT ENCODING " + k);
        }
        both("XINFO GROUPS x");
        both("SELECT 9");
        both("GET other");
        both("SELECT 0");
        // the loaded values take the encodings the configuration gives now
        both("CONFIG SET hash-max-listpack-entries 0");
        both("CONFIG SET set-max-intset-entries 1");
        both("DEBUG RELOAD");
        both("OBJECT ENCODING h");
        both("OBJECT ENCODING ints");
        both("DEBUG DIGEST");
        both("CONFIG SET hash-max-listpack-entries 128");
        both("CONFIG SET set-max-intset-entries 512");
    }

    @Test
    void ttlsAndOptions() {
        both("SET k v PX 500000");
        both("DEBUG RELOAD MERGE");
        both("GET k");
        both("DEBUG RELOAD FOO");
        both("DEBUG RELOAD NOFLUSH MERGE");
        both("EXISTS k");
        d.both("TYPE", "k");
        long ttl = ((dev.cinnabar.testkit.Resp.Int) d.ours.call("PTTL", "k")).value();
        org.assertj.core.api.Assertions.assertThat(ttl).isBetween(400_000L, 500_000L);
    }

    private static long idle(dev.cinnabar.testkit.RespClient c) {
        return ((dev.cinnabar.testkit.Resp.Int) c.call("OBJECT", "IDLETIME", "k")).value();
    }

    /** Idle times are saved only under an LRU policy: checked on both servers (seconds tick apart). */
    @Test
    void idleTimesSurviveOnlyUnderAnLruPolicy() throws InterruptedException {
        both("SET k v");
        Thread.sleep(2100);
        both("DEBUG RELOAD");
        org.assertj.core.api.Assertions.assertThat(idle(d.real)).as("Redis, noeviction").isLessThanOrEqualTo(1);
        org.assertj.core.api.Assertions.assertThat(idle(d.ours)).as("noeviction: idle times restart").isLessThanOrEqualTo(1);
        both("CONFIG SET maxmemory-policy allkeys-lru");
        try {
            Thread.sleep(2100);
            both("DEBUG RELOAD");
            org.assertj.core.api.Assertions.assertThat(idle(d.real)).as("Redis, LRU policy").isGreaterThanOrEqualTo(2);
            org.assertj.core.api.Assertions.assertThat(idle(d.ours)).as("LRU policy").isGreaterThanOrEqualTo(2);
        } finally {
            both("CONFIG SET maxmemory-policy noeviction");
        }
    }
}
