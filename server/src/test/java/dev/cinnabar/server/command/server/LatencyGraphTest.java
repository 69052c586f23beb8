package dev.cinnabar.server.command.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * LATENCY GRAPH's text for fixed samples. The expected texts of the first two tests are what
 * Redis 7.0.15 replied for the same samples (read back with LATENCY HISTORY, times shifted to start
 * at T0) at the same ages; the others follow the same rules at their edges.
 */
class LatencyGraphTest {
    private static final long T0 = 1_795_250_627L;

    private static LatencyMonitor.Series series(long[] offsets, long[] millis) {
        LatencyMonitor.Series s = new LatencyMonitor.Series();
        for (int i = 0; i < offsets.length; i++) {
            s.add(T0 + offsets[i], millis[i]);
        }
        return s;
    }

    @Test
    void threeSamplesOneSecondApart() {
        // Redis: DEBUG SLEEP 0.01, 0.05, 0.02 at t, t+1, t+3; LATENCY GRAPH at t+3.
        LatencyMonitor.Series s = series(new long[] {0, 1, 3}, new long[] {10, 50, 20});
        assertThat(LatencyMonitor.graph("command", s, T0 + 3)).isEqualTo("""
                command - high 50 ms, low 10 ms (all time high 50 ms)
                --------------------------------------------------------------------------------
                 #\s
                 |\s
                 |_
                _||
                \s\s\s
                320
                sss
                """);
        // The same samples a few seconds later: only the labels move.
        assertThat(LatencyMonitor.graph("command", s, T0 + 7)).endsWith("\n   \n764\nsss\n");
    }

    @Test
    void ninetySamplesWrapAfterEightyColumnsWithMinuteLabels() throws IOException {
        long[] offsets = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24,
            25, 26, 27, 28, 29, 30, 31, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51,
            52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78,
            79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91};
        long[] millis = {3, 7, 12, 5, 9, 30, 2, 18, 4, 25, 11, 6, 14, 8, 21, 3, 16, 27, 10, 5, 5, 9, 14, 7, 11, 32, 4,
            20, 6, 27, 13, 8, 16, 10, 23, 5, 18, 29, 12, 7, 7, 11, 16, 9, 13, 34, 6, 22, 8, 29, 15, 10, 18, 12, 25,
            7, 20, 31, 14, 11, 9, 13, 18, 11, 15, 36, 8, 24, 10, 31, 17, 12, 20, 14, 27, 9, 22, 33, 16, 11, 11, 15,
            20, 13, 17, 38, 10, 26, 12, 33};
        String expected;
        try (InputStream in = getClass().getResourceAsStream("latency-graph-90.txt")) {
            expected = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
        assertThat(LatencyMonitor.graph("command", series(offsets, millis), T0 + 93)).isEqualTo(expected);
    }

    @Test
    void equalValuesSitOnTheBaseline() {
        LatencyMonitor.Series s = series(new long[] {0, 1}, new long[] {7, 7});
        assertThat(LatencyMonitor.graph("fork", s, T0 + 1)).isEqualTo("""
                fork - high 7 ms, low 7 ms (all time high 7 ms)
                --------------------------------------------------------------------------------
                \s\s
                \s\s
                \s\s
                __
                \s\s
                10
                ss
                """);
    }

    @Test
    void agesInMinutesHoursAndDays() {
        assertThat(LatencyMonitor.age(0)).isEqualTo("0s");
        assertThat(LatencyMonitor.age(59)).isEqualTo("59s");
        assertThat(LatencyMonitor.age(60)).isEqualTo("1m");
        assertThat(LatencyMonitor.age(3599)).isEqualTo("59m");
        assertThat(LatencyMonitor.age(3600)).isEqualTo("1h");
        assertThat(LatencyMonitor.age(86399)).isEqualTo("23h");
        assertThat(LatencyMonitor.age(86400 * 3 + 5)).isEqualTo("3d");
    }

    @Test
    void allTimeHighOutlivesTheSamplesItCameFrom() {
        LatencyMonitor.Series s = new LatencyMonitor.Series();
        s.add(T0, 900);
        for (int i = 1; i <= LatencyMonitor.HISTORY; i++) {
            s.add(T0 + i, 5 + i % 3);
        }
        String g = LatencyMonitor.graph("command", s, T0 + LatencyMonitor.HISTORY);
        assertThat(g).startsWith("command - high 7 ms, low 5 ms (all time high 900 ms)\n" + "-".repeat(80) + "\n");
        // 160 columns: two blocks of 80 separated by an empty line; the first block's labels
        // ("2m", "1m") take two lines, the second's ("1m", then "59s" ... "10s", then "9s" ... "0s") three.
        String[] lines = g.split("\n", -1);
        assertThat(lines).hasSize(2 + (4 + 1 + 2) + 1 + (4 + 1 + 3) + 1);
        assertThat(lines[9]).isEmpty();
        assertThat(lines[7]).isEqualTo("2".repeat(40) + "1".repeat(40));
        assertThat(lines[17]).isEqualTo(" ".repeat(20) + "s".repeat(50) + " ".repeat(10));
    }
}
