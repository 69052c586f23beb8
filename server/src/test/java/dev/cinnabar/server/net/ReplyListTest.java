package dev.cinnabar.server.net;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The reply list model behind omem and oll, checked against how Redis 7.0 fills and sends its list. */
class ReplyListTest {
    private static final long BUF = 16 * 1024;

    @Test
    void smallRepliesStayInTheReplyBufferUntilItIsFull() {
        ReplyList l = new ReplyList();
        l.append(10, BUF);
        assertThat(l.buffered()).isEqualTo(10);
        assertThat(l.blocks()).isZero();
        assertThat(l.bytes()).isZero();
        l.sent(10);
        assertThat(l.buffered()).isZero();
    }

    @Test
    void largeRepliesTakeABlockEachCountedWholeUntilSentEntirely() {
        ReplyList l = new ReplyList();
        for (int i = 0; i < 200; i++) {
            l.append(100_011, BUF);
        }
        // the first reply fills the reply buffer, its rest opens the first block
        assertThat(l.buffered()).isEqualTo(BUF);
        assertThat(l.blocks()).isEqualTo(200);
        assertThat(l.bytes()).isEqualTo((100_011 - BUF) + 199L * 100_011);
        l.sent(BUF + (100_011 - BUF) + 100); // the buffer, the first block, a little of the second
        assertThat(l.blocks()).isEqualTo(199);
        assertThat(l.bytes()).as("a block partly sent counts whole").isEqualTo(199L * 100_011);
        l.sent(199L * 100_011 - 100);
        assertThat(l.blocks()).isZero();
        assertThat(l.bytes()).isZero();
    }

    @Test
    void smallRepliesAfterABlockFillItsRoomThenOpenSixteenKilobyteBlocks() {
        ReplyList l = new ReplyList();
        l.append(BUF + 100, BUF); // a block of 16 KiB holding 100 bytes
        for (int i = 0; i < 200; i++) {
            l.append(100, BUF); // 20,000 bytes: the rest of the first block, then one more
        }
        assertThat(l.blocks()).isEqualTo(2);
        assertThat(l.bytes()).isEqualTo(2 * BUF);
        assertThat(l.blocksWith(new int[] {20_000, 40_000}, 2, 0, 40_000, BUF)).as("with a batch's replies")
                .isEqualTo(4);
        assertThat(l.blocks()).as("unchanged").isEqualTo(2);
    }
}
