package dev.cinnabar.tests.unit.type;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.testkit.Resp;
import dev.cinnabar.testkit.RespClient;
import dev.cinnabar.testkit.diff.Differ;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.BiFunction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Keyspace events of the set and sorted-set commands, compared with real Redis 7.0: random
 * scripts run on both servers while a subscriber on each receives every __keyevent@0__ message;
 * the two streams of (event, key) must be identical, in order.
 */
class SetZsetEventsDifferentialTest {
    static Differ d;

    @BeforeAll
    static void start() {
        d = Differ.start();
    }

    @AfterAll
    static void stop() {
        if (d != null) {
            d.close();
        }
    }

    /** Runs a script on one server and returns the keyevent messages it produced. */
    static List<String> events(int port, List<String[]> script) {
        try (RespClient c = new RespClient("127.0.0.1", port, 5000);
             RespClient sub = new RespClient("127.0.0.1", port, 5000)) {
            c.call("FLUSHALL");
            c.call("CONFIG", "SET", "notify-keyspace-events", "KEA");
            sub.call("PSUBSCRIBE", "__keyevent@0__:*");
            sub.call("SUBSCRIBE", "end-of-script");
            for (String[] cmd : script) {
                c.call(cmd);
            }
            c.call("PUBLISH", "end-of-script", "x");
            List<String> out = new ArrayList<>();
            while (true) {
                List<Resp> m = ((Resp.Agg) sub.read()).items();
                if (m.get(0).asText().equals("message")) {
                    break;
                }
                out.add(m.get(2).asText().substring("__keyevent@0__:".length()) + " " + m.get(3).asText());
            }
            c.call("CONFIG", "SET", "notify-keyspace-events", "");
            return out;
        }
    }

    static List<String[]> script(long seed, int length, BiFunction<SplittableRandom, Integer, String> gen) {
        SplittableRandom r = new SplittableRandom(seed);
        List<String[]> out = new ArrayList<>();
        for (int i = 0; i < length; i++) {
            String line = gen.apply(r, i);
            if (line.startsWith("B")) {
                continue; // blocking pops are exercised elsewhere; keep the scripts fast
            }
            out.add(dev.cinnabar.testkit.diff.Sequence.of(line).steps().get(0).args().toArray(new String[0]));
        }
        return out;
    }

    @Test
    void setAndSortedSetCommandsFireTheSameEventsAsRedis() {
        int total = 0;
        for (int i = 0; i < Integer.getInteger("events.scripts", 60); i++) {
            List<String[]> s = script(7000 + i, 40, i % 2 == 0 ? SetDifferentialTest::command
                    : ZsetDifferentialTest::command);
            List<String> expected = events(d.redisPort(), s);
            List<String> actual = events(d.cinnabarPort(), s);
            List<String> lines = new ArrayList<>();
            s.forEach(a -> lines.add(String.join(" ", a)));
            assertThat(actual).as("events of script %s:\n%s", 7000 + i, String.join("\n", lines))
                    .isEqualTo(expected);
            total += expected.size();
        }
        assertThat(total).as("the scripts must fire events at all").isGreaterThan(200);
    }
}
