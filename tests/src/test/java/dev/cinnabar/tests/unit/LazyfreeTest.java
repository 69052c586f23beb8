package dev.cinnabar.tests.unit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.testkit.CinnabarExtension;
import dev.cinnabar.testkit.Resp;
import dev.cinnabar.testkit.RespClient;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * INFO's lazyfreed_objects against real Redis 7.0 (Redis's tests/unit/lazyfree.tcl): UNLINK
 * counts values whose freeing Redis defers (more than 64 allocations), FLUSHDB/FLUSHALL ASYNC
 * count the keys, DEL and synchronous flushes count nothing, CONFIG RESETSTAT clears it.
 */
class LazyfreeTest {
    @RegisterExtension
    static CinnabarExtension server = new CinnabarExtension();

    @RegisterExtension
    static DifferentialPair d = new DifferentialPair(server);

    private static long lazyfreed(RespClient c) {
        String info = ((Resp.Bulk) c.call("INFO", "memory")).text();
        for (String line : info.split("\r\n")) {
            if (line.startsWith("lazyfreed_objects:")) {
                return Long.parseLong(line.substring("lazyfreed_objects:".length()));
            }
        }
        throw new AssertionError("no lazyfreed_objects");
    }

    private void run(String... lines) {
        for (String line : lines) {
            d.both(line.split(" "));
        }
        long ours = lazyfreed(d.ours);
        long real = lazyfreed(d.real);
        // Redis counts an object when its background thread has freed it: give that thread time
        for (long deadline = System.nanoTime() + 2_000_000_000L; real < ours && System.nanoTime() < deadline; ) {
            Thread.onSpinWait();
            real = lazyfreed(d.real);
        }
        assertThat(ours).as("after %s", String.join(" | ", lines)).isEqualTo(real);
    }

    private static String many(String cmd, String key, int n, boolean pairs) {
        List<String> parts = new ArrayList<>(List.of(cmd, key));
        for (int i = 0; i < n; i++) {
            if (pairs) {
                parts.add(Integer.toString(i));
            }
            parts.add("m" + i);
        }
        return String.join(" ", parts);
    }

    @Test
    void unlinkAndAsyncFlushesCountAsRedisCounts() {
        run("CONFIG RESETSTAT");
        run(many("SADD", "small", 64, false), many("SADD", "big", 65, false), many("SADD", "bigdel", 100, false));
        run("UNLINK small", "UNLINK big", "DEL bigdel");
        run(many("ZADD", "z", 200, true), many("HSET", "h", 300, true), "UNLINK z h");
        run("CONFIG SET stream-node-max-entries 5");
        for (int i = 1; i <= 400; i++) {
            d.both("XADD", "s", i + "-1", "f", "v");
        }
        run("XGROUP CREATE s g 0", "XREADGROUP GROUP g c COUNT 3 STREAMS s >", "UNLINK s");
        run("CONFIG SET stream-node-max-entries 100");
        run("SET a 1", "SET b 2", "FLUSHDB ASYNC", "SET c 3", "FLUSHDB", "SET d 4", "FLUSHALL ASYNC");
        run("CONFIG RESETSTAT");
    }

    /**
     * The lazyfree-lazy-* directives: DEL under user-del and flushes without ASYNC under
     * user-flush count as UNLINK and ASYNC do; under server-del a big value replaced by SET or
     * deleted by a command (an emptying store) or replaced by RENAME or COPY REPLACE counts; under
     * expire a big value expiring counts.
     */
    @Test
    void lazyfreeDirectivesMoveFreeingToTheBackgroundAsRedisDoes() throws Exception {
        try {
            run("CONFIG RESETSTAT");
            run("CONFIG SET lazyfree-lazy-user-del yes", many("SADD", "big", 100, false), "DEL big");
            run("CONFIG SET lazyfree-lazy-user-del no", many("SADD", "big", 100, false), "DEL big");
            run("CONFIG SET lazyfree-lazy-user-flush yes", "SET a 1", "SET b 2", "FLUSHDB", "SET c 3", "FLUSHALL",
                    "SET d 4", "FLUSHALL SYNC");
            run("CONFIG SET lazyfree-lazy-user-flush no", "SET e 5", "FLUSHDB");
            run("CONFIG SET lazyfree-lazy-server-del yes", many("SADD", "big", 100, false), "SET big x",
                    many("SADD", "big2", 100, false), "SINTERSTORE big2 nokey1 nokey2",
                    many("SADD", "small", 10, false), "SET small x");
            // a value RENAME or COPY REPLACE replaces is a server-side delete too
            run(many("SADD", "big", 100, false), "SET s x", "RENAME s big", many("SADD", "big", 100, false),
                    many("SADD", "big3", 100, false), "RENAME big big3", "SET s x",
                    many("SADD", "big4", 100, false), "COPY s big4 REPLACE", many("SADD", "big5", 100, false),
                    "RENAMENX s big5", "RENAME big5 big5");
            run("CONFIG SET lazyfree-lazy-server-del no", many("SADD", "big", 100, false), "SET big x",
                    many("SADD", "big6", 100, false), "RENAME big big6");
            run("CONFIG SET lazyfree-lazy-expire yes", many("SADD", "exp", 100, false), "PEXPIRE exp 1");
            Thread.sleep(20);
            run("EXISTS exp");
            run("CONFIG SET lazyfree-lazy-expire no", many("SADD", "exp", 100, false), "PEXPIRE exp 1");
            Thread.sleep(20);
            run("EXISTS exp");
        } finally {
            for (String dir : new String[] {"user-del", "user-flush", "server-del", "expire"}) {
                d.both("CONFIG", "SET", "lazyfree-lazy-" + dir, "no");
            }
        }
    }
}
