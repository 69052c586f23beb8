package dev.cinnabar.server.replication;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ReplicationBufferTest {
    @Test
    void backlogKeepsAtLeastItsSizeAndEveryOffsetReadsBack() {
        Random rnd = new Random(3);
        ReplicationBuffer b = new ReplicationBuffer(40_000, 1000);
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        assertThat(b.firstByteOffset()).isEqualTo(1001);
        assertThat(b.covers(1001)).isTrue();
        assertThat(b.from(1001)).isEmpty();
        for (int i = 0; i < 300; i++) {
            byte[] chunk = new byte[rnd.nextInt(i % 50 == 49 ? 30_000 : 3_000)];
            rnd.nextBytes(chunk);
            b.append(chunk);
            all.writeBytes(chunk);
            b.trim(Long.MAX_VALUE);
            byte[] stream = all.toByteArray();
            long end = 1000 + stream.length;
            assertThat(b.end()).isEqualTo(end);
            assertThat(b.histlen()).isGreaterThanOrEqualTo(Math.min(stream.length, 40_000));
            // never more than the size plus one block (a block holds at most max(size/16, 16k) unless one write is bigger)
            assertThat(b.histlen()).isLessThanOrEqualTo(40_000 + 30_000 + ReplicationBuffer.CHUNK);
            assertThat(b.firstByteOffset()).isEqualTo(end - b.histlen() + 1);
            long from = b.firstByteOffset() + rnd.nextInt((int) b.histlen() + 1);
            assertThat(b.covers(from)).isTrue();
            assertThat(b.covers(b.firstByteOffset() - 1)).isFalse();
            assertThat(b.covers(end + 2)).isFalse();
            assertThat(b.from(from)).isEqualTo(Arrays.copyOfRange(stream, (int) (from - 1001), stream.length));
        }
    }

    @Test
    void aReplicaReferenceKeepsItsBlocksAndTheBacklogGrowsPastItsSize() {
        ReplicationBuffer b = new ReplicationBuffer(16_384, 0);
        byte[] kb = new byte[1024];
        long replicaRef = 1; // a replica waiting for its snapshot needs the stream from the start
        for (int i = 0; i < 1024; i++) {
            b.append(kb);
            b.trim(replicaRef);
        }
        assertThat(b.histlen()).isEqualTo(1024 * 1024);
        assertThat(b.firstByteOffset()).isEqualTo(1);
        long held = b.memory();
        assertThat(held).isGreaterThanOrEqualTo(1024 * 1024);
        assertThat(b.referenced(replicaRef)).isGreaterThanOrEqualTo(1024 * 1024);
        // it went away: the backlog shrinks back to its size (plus at most a block)
        b.trim(Long.MAX_VALUE);
        assertThat(b.histlen()).isBetween(16_384L, 16_384L + ReplicationBuffer.CHUNK);
        assertThat(b.memory()).isLessThanOrEqualTo(3 * (ReplicationBuffer.CHUNK + ReplicationBuffer.BLOCK_OVERHEAD));
        // a replica that has everything holds the last block only
        assertThat(b.referenced(b.end() + 1)).isLessThanOrEqualTo(ReplicationBuffer.CHUNK + ReplicationBuffer.BLOCK_OVERHEAD);
    }

    @Test
    void bigWritesAreCutIntoBlocksOfASixteenthOfTheBacklog() {
        ReplicationBuffer b = new ReplicationBuffer(1 << 20, 0);
        assertThat(b.append(new byte[256 * 1024])).isTrue();
        // 64k blocks: a replica that sent all but the last byte holds one block
        assertThat(b.referenced(b.end())).isLessThanOrEqualTo((1 << 20) / 16 + ReplicationBuffer.BLOCK_OVERHEAD);
        assertThat(b.append(new byte[10])).isTrue(); // the blocks are full
        assertThat(b.append(new byte[10])).isFalse();
    }
}
