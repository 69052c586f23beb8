package dev.cinnabar.server.store.zset;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ScoresTest {
    static double p(String s) {
        return Scores.parse(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    static double bound(String s) {
        return Scores.parseBound(s.getBytes(StandardCharsets.ISO_8859_1), 0);
    }

    @Test
    void scoresAcceptWhatStrtodAccepts() {
        assertThat(p("1")).isEqualTo(1);
        assertThat(p("-1.5")).isEqualTo(-1.5);
        assertThat(p("+.5")).isEqualTo(0.5);
        assertThat(p("1.")).isEqualTo(1);
        assertThat(p("1e3")).isEqualTo(1000);
        assertThat(p("0x10")).isEqualTo(16);
        assertThat(p("0x1.8p1")).isEqualTo(3);
        assertThat(p("inf")).isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(p("-Infinity")).isEqualTo(Double.NEGATIVE_INFINITY);
        assertThat(p("+INF")).isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(p("4e-320")).isGreaterThan(0);
        assertThat(p("0e-400")).isEqualTo(0);
    }

    @Test
    void scoresRejectWhatRedisRejects() {
        for (String s : new String[] {"", " 1", "1 ", "nan", "-nan", "1e400", "-1e400", "1e-400", "abc", "1x", "0x",
                "e5", ".", "+", "1e", "infinit"}) {
            assertThat(p(s)).as("'%s'", s).isNaN();
        }
    }

    @Test
    void boundsAreLaxerThanScores() {
        assertThat(bound("")).isEqualTo(0);
        assertThat(bound(" 1")).isEqualTo(1);
        assertThat(bound("1e400")).isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(bound("1 ")).isNaN();
        assertThat(bound(" ")).isNaN();
        assertThat(bound("nan")).isNaN();
        assertThat(ScoreRange.parse("(".getBytes(), "5".getBytes())).isEqualTo(new ScoreRange(0, true, 5, false));
        assertThat(ScoreRange.parse("(1".getBytes(), "(nan".getBytes())).isNull();
    }

    @Test
    void lexRangesNeedAPrefix() {
        assertThat(LexRange.parse("-".getBytes(), "+".getBytes())).isNotNull();
        assertThat(LexRange.parse("[a".getBytes(), "(b".getBytes())).isNotNull();
        assertThat(LexRange.parse("a".getBytes(), "+".getBytes())).isNull();
        assertThat(LexRange.parse("-x".getBytes(), "+".getBytes())).isNull();
        assertThat(LexRange.parse("".getBytes(), "+".getBytes())).isNull();
    }
}
