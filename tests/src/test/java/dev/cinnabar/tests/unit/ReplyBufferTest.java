package dev.cinnabar.tests.unit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.testkit.CinnabarExtension;
import dev.cinnabar.testkit.Resp;
import dev.cinnabar.testkit.RespClient;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.LongPredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The per-client reply buffer as Redis 7.0 shows it (CLIENT LIST rbs and rbp), compared with a
 * real Redis: DEBUG REPLYBUFFER's replies, a new client's 16 KiB and its early shrink, the shrink
 * of an idle client to 1 KiB once its peak is reset, the doubling back to 16 KiB under large replies, RESIZING 0
 * keeping the size, and tot-mem following rbs. Each scenario runs on each server and yields the
 * sizes it saw; the cron runs on its own clock on each side, so the scenarios wait for each step.
 */
class ReplyBufferTest {
    @RegisterExtension
    static CinnabarExtension server = new CinnabarExtension().setting("enable-debug-command", "yes");
    @RegisterExtension
    static DifferentialPair d = new DifferentialPair(server, "--enable-debug-command", "yes");

    private static final long WAIT_MS = 5000;

    @AfterEach
    void restoreDefaults() {
        for (RespClient c : List.of(d.real, d.ours)) {
            c.call("DEBUG", "REPLYBUFFER", "PEAK-RESET-TIME", "RESET");
            c.call("DEBUG", "REPLYBUFFER", "RESIZING", "1");
        }
    }

    @Test
    void debugReplyBufferRepliesAsRedis() {
        d.both("DEBUG", "REPLYBUFFER", "PEAK-RESET-TIME", "100");
        d.both("DEBUG", "REPLYBUFFER", "peak-reset-time", "NEVER");
        d.both("DEBUG", "REPLYBUFFER", "PEAK-RESET-TIME", "reset");
        d.both("DEBUG", "REPLYBUFFER", "PEAK-RESET-TIME", "-5");
        d.both("DEBUG", "REPLYBUFFER", "PEAK-RESET-TIME", "abc");
        d.both("DEBUG", "REPLYBUFFER", "PEAK-RESET-TIME", "1.5");
        d.both("DEBUG", "REPLYBUFFER", "RESIZING", "0");
        d.both("DEBUG", "REPLYBUFFER", "resizing", "yes");
        d.both("DEBUG", "REPLYBUFFER", "RESIZING", "1");
        d.both("DEBUG", "REPLYBUFFER", "SIZE", "1");
        d.both("DEBUG", "REPLYBUFFER", "RESIZING");
        d.both("DEBUG", "REPLYBUFFER");
        d.both("DEBUG", "REPLYBUFFER", "RESIZING", "1", "2");
    }

    /**
     * A new client starts with 16 KiB as size and peak; the cron's first pass resets the peak (Redis
     * stamps the last reset in seconds), so the next shrinks the buffer of a client that sent
     * little, long before the 5 s reset time.
     */
    @Test
    void newClientShrinksAtTheCronsSecondPass() throws InterruptedException {
        List<List<Long>> seen = new ArrayList<>();
        for (Side s : sides()) {
            try (RespClient tc = new RespClient(s.port)) {
                tc.call("CLIENT", "SETNAME", "rb_new");
                String first = s.line("rb_new");
                assertThat(num(first, "rbs")).isIn(16384L, 1024L);
                assertThat(num(first, "obl")).isZero();
                assertThat(num(first, "tot-mem")).isGreaterThan(num(first, "rbs"));
                Thread.sleep(300);
                long rbs = s.await("rb_new", "rbs", v -> v == 1024);
                tc.call("PING");
                seen.add(List.of(rbs, num(s.line("rb_new"), "rbp")));
            }
        }
        assertThat(seen.get(1)).isEqualTo(seen.get(0)).isEqualTo(List.of(1024L, 7L));
    }

    /** Idle: shrinks to 1 KiB; then each large reply fills the buffer and the cron doubles it, up to 16 KiB. */
    @Test
    void idleClientShrinksAndLargeRepliesGrowItBack() throws InterruptedException {
        List<List<Long>> traces = new ArrayList<>();
        for (Side s : sides()) {
            List<Long> trace = new ArrayList<>();
            s.control.call("DEBUG", "REPLYBUFFER", "PEAK-RESET-TIME", "100");
            s.control.call("SET", "bigval", "x".repeat(32768));
            try (RespClient tc = new RespClient(s.port)) {
                tc.call("CLIENT", "SETNAME", "rb_busy");
                trace.add(s.await("rb_busy", "rbs", v -> v == 1024));
                s.control.call("DEBUG", "REPLYBUFFER", "PEAK-RESET-TIME", "NEVER");
                long rbs = 1024;
                while (rbs < 16384) {
                    assertThat(((Resp.Bulk) tc.call("GET", "bigval")).value()).hasSize(32768);
                    long before = rbs;
                    rbs = s.await("rb_busy", "rbs", v -> v != before);
                    trace.add(rbs);
                }
                tc.call("GET", "bigval");
                Thread.sleep(400); // several cron runs: 16 KiB is the largest size
                String line = s.line("rb_busy");
                trace.add(num(line, "rbs"));
                trace.add(num(line, "rbp"));
            }
            traces.add(trace);
        }
        assertThat(traces.get(1)).isEqualTo(traces.get(0))
                .isEqualTo(List.of(1024L, 2048L, 4096L, 8192L, 16384L, 16384L, 16384L));
    }

    @Test
    void resizingOffKeepsTheSizeAndOnShrinksIt() throws InterruptedException {
        List<List<Long>> traces = new ArrayList<>();
        for (Side s : sides()) {
            List<Long> trace = new ArrayList<>();
            s.control.call("DEBUG", "REPLYBUFFER", "RESIZING", "0");
            s.control.call("DEBUG", "REPLYBUFFER", "PEAK-RESET-TIME", "100");
            try (RespClient tc = new RespClient(s.port)) {
                tc.call("CLIENT", "SETNAME", "rb_fixed");
                Thread.sleep(600);
                String line = s.line("rb_fixed");
                trace.add(num(line, "rbs"));
                trace.add(num(line, "rbp")); // RESIZING 0 stops the peak resets too
                s.control.call("DEBUG", "REPLYBUFFER", "RESIZING", "1");
                trace.add(s.await("rb_fixed", "rbs", v -> v == 1024));
            }
            traces.add(trace);
        }
        assertThat(traces.get(1)).isEqualTo(traces.get(0)).isEqualTo(List.of(16384L, 16384L, 1024L));
    }

    /** tot-mem counts the reply buffer's whole size, as Redis's client memory does. */
    @Test
    void totalMemoryFollowsTheBufferSize() {
        Side s = sides().get(1);
        s.control.call("DEBUG", "REPLYBUFFER", "RESIZING", "0");
        s.control.call("DEBUG", "REPLYBUFFER", "PEAK-RESET-TIME", "100");
        try (RespClient tc = new RespClient(s.port)) {
            tc.call("CLIENT", "SETNAME", "rb_mem");
            String before = s.line("rb_mem");
            s.control.call("DEBUG", "REPLYBUFFER", "RESIZING", "1");
            s.await("rb_mem", "rbs", v -> v == 1024);
            String after = s.line("rb_mem");
            assertThat(num(before, "rbs")).isEqualTo(16384);
            assertThat(num(before, "tot-mem") - num(after, "tot-mem")).isEqualTo(16384 - 1024);
        }
    }

    /** One server: its port and the test's connection to it (which reads CLIENT LIST). */
    private record Side(int port, RespClient control) {
        String line(String name) {
            Resp list = control.call("CLIENT", "LIST");
            String text = list instanceof Resp.Bulk b ? b.text() : list.toString();
            return Arrays.stream(text.split("\n")).filter(l -> l.contains(" name=" + name + " ")).findFirst()
                    .orElseThrow(() -> new AssertionError("no client " + name + " in " + text));
        }

        /** Waits until the client's field satisfies cond and returns its value. */
        long await(String name, String field, LongPredicate cond) {
            long end = System.nanoTime() + WAIT_MS * 1_000_000;
            long v;
            while (!cond.test(v = num(line(name), field))) {
                assertThat(System.nanoTime()).as("%s of %s on port %d within %d ms (now %d)", field, name, port, WAIT_MS, v)
                        .isLessThan(end);
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError(e);
                }
            }
            return v;
        }
    }

    /** Real Redis first, then ours. */
    private static List<Side> sides() {
        return List.of(new Side(d.redisPort(), d.real), new Side(server.port(), d.ours));
    }

    private static long num(String line, String name) {
        Matcher m = Pattern.compile("(?:^| )" + Pattern.quote(name) + "=(\\S*)").matcher(line.trim());
        assertThat(m.find()).as("%s in %s", name, line).isTrue();
        return Long.parseLong(m.group(1));
    }
}
