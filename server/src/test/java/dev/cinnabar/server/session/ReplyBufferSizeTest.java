package dev.cinnabar.server.session;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The reply buffer's resize rule without a network (Redis's clientsCronResizeOutputBuffer): shrink
 * to the peak plus one when the peak is under half the size, never under 1 KiB; double when the
 * peak reached the size, never over 16 KiB; the peak reset after the decision, every reset time.
 */
class ReplyBufferSizeTest {
    private static final long T0 = 1_700_000_000_000L;

    @Test
    void newBufferIsTheChunkAndTheFirstPassResetsThePeak() {
        ReplyBuffer rb = new ReplyBuffer(T0);
        assertThat(rb.size()).isEqualTo(16384);
        assertThat(rb.peak()).isEqualTo(16384);
        // the decision uses the peak before the reset: no change at the first pass
        assertThat(rb.resize(T0, 5000, 0)).isZero();
        assertThat(rb.peak()).isZero();
        assertThat(rb.resize(T0 + 100, 5000, 0)).isEqualTo(-1);
        assertThat(rb.size()).isEqualTo(1024);
    }

    @Test
    void shrinksToThePeakPlusOneAndNeverUnder1KiB() {
        ReplyBuffer rb = new ReplyBuffer(T0);
        rb.resize(T0, 5000, 0);
        rb.filled(5000);
        assertThat(rb.resize(T0 + 100, 5000, 0)).isEqualTo(-1);
        assertThat(rb.size()).isEqualTo(5001);
        // 5000 is not under half of 5001: stays
        assertThat(rb.resize(T0 + 200, 5000, 0)).isZero();
        assertThat(rb.size()).isEqualTo(5001);
        // the reset 5 s after the first brings the peak to what is held, then it shrinks to 1 KiB
        assertThat(rb.resize(T0 + 5000, 5000, 10)).isZero();
        assertThat(rb.peak()).isEqualTo(10);
        assertThat(rb.resize(T0 + 5100, 5000, 0)).isEqualTo(-1);
        assertThat(rb.size()).isEqualTo(1024);
        // half of 1 KiB is under the minimum: no further shrink
        assertThat(rb.resize(T0 + 5200, 5000, 0)).isZero();
        assertThat(rb.size()).isEqualTo(1024);
    }

    @Test
    void aFullBufferDoublesUpTo16KiB() {
        ReplyBuffer rb = new ReplyBuffer(T0);
        rb.resize(T0, 100, 0);
        rb.resize(T0 + 100, 100, 0);
        assertThat(rb.size()).isEqualTo(1024);
        long now = T0 + 100;
        for (int expected : new int[] {2048, 4096, 8192, 16384}) {
            rb.filled(1 << 20); // a large reply fills the whole buffer
            assertThat(rb.peak()).isEqualTo(rb.size());
            assertThat(rb.resize(now += 100, -1, 0)).isEqualTo(1);
            assertThat(rb.size()).isEqualTo(expected);
        }
        rb.filled(1 << 20);
        assertThat(rb.resize(now + 100, -1, 0)).isZero();
        assertThat(rb.size()).isEqualTo(16384);
        assertThat(rb.peak()).isEqualTo(16384);
    }

    @Test
    void negativeResetTimeNeverResetsThePeak() {
        ReplyBuffer rb = new ReplyBuffer(T0);
        assertThat(rb.resize(T0 + 1_000_000, -1, 0)).isZero();
        assertThat(rb.peak()).isEqualTo(16384);
        assertThat(rb.size()).isEqualTo(16384);
    }
}
