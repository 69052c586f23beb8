package dev.cinnabar.tests.unit;

import dev.cinnabar.testkit.CinnabarExtension;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * WATCH of keys that are already expired but not yet deleted ("stale"), under FLUSHDB and SWAPDB,
 * against real Redis 7.0 (Redis's tests/unit/multi.tcl): only a logical change of the key fails
 * the EXEC; a stale key deleted, or replaced by another stale key, or a missing key replaced by a
 * stale one, is not a change.
 */
class WatchStaleKeysTest {
    @RegisterExtension
    static CinnabarExtension server = new CinnabarExtension().setting("enable-debug-command", "yes");

    @RegisterExtension
    static DifferentialPair d = new DifferentialPair(server, "--enable-debug-command", "yes");

    private void run(List<String> before, List<String> after) throws InterruptedException {
        d.both("FLUSHALL");
        d.both("DEBUG", "SET-ACTIVE-EXPIRE", "0");
        for (String line : before) {
            d.both(line.split(" "));
        }
        Thread.sleep(5);
        for (String line : after) {
            d.both(line.split(" "));
        }
        d.both("MULTI");
        d.both("PING");
        d.both("EXEC");
        d.both("SELECT", "0");
    }

    @AfterEach
    void activeExpireBackOn() {
        d.both("DEBUG", "SET-ACTIVE-EXPIRE", "1");
    }

    @Test
    void flushdbOfAStaleWatchedKeyIsNoChange() throws InterruptedException {
        run(List.of("SET x foo PX 1"), List.of("WATCH x", "FLUSHDB"));
        run(List.of("SET x foo PX 1", "SET y bar"), List.of("WATCH x y", "FLUSHDB"));
    }

    @Test
    void swapdbWithStaleKeys() throws InterruptedException {
        // stale key replaced by no key
        run(List.of("SELECT 1", "SET x foo PX 1"), List.of("WATCH x", "SWAPDB 0 1"));
        // no key replaced by a stale key
        run(List.of("SET x foo PX 1", "SELECT 1"), List.of("WATCH x", "SWAPDB 0 1"));
        // stale key replaced by another stale key
        run(List.of("SELECT 1", "SET x foo PX 1", "SELECT 0", "SET x bar PX 1", "SELECT 1"),
                List.of("WATCH x", "SWAPDB 0 1"));
        // stale key replaced by a live key: a change
        run(List.of("SELECT 1", "SET x foo PX 1", "SELECT 0", "SET x bar", "SELECT 1"), List.of("WATCH x", "SWAPDB 0 1"));
        // missing key replaced by a stale key, which is then deleted: no change
        run(List.of("SET x foo PX 1", "SELECT 1"), List.of("WATCH x", "SWAPDB 0 1", "EXISTS x"));
    }
}
