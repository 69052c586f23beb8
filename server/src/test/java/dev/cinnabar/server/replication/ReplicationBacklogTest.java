package dev.cinnabar.server.replication;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ReplicationBacklogTest {
    @Test
    void keepsTheLastBytesAcrossWrapsAndResizes() {
        Random rnd = new Random(3);
        ReplicationBacklog b = new ReplicationBacklog(100, 1000);
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        long retained = 0;
        assertThat(b.firstByteOffset()).isEqualTo(1001);
        assertThat(b.covers(1001)).isTrue();
        assertThat(b.from(1001)).isEmpty();
        for (int i = 0; i < 200; i++) {
            byte[] chunk = new byte[rnd.nextInt(i % 50 == 49 ? 250 : 30)];
            rnd.nextBytes(chunk);
            b.append(chunk);
            all.writeBytes(chunk);
            retained = Math.min(b.size(), retained + chunk.length);
            byte[] stream = all.toByteArray();
            long end = 1000 + stream.length;
            assertThat(b.histlen()).isEqualTo(retained);
            assertThat(b.firstByteOffset()).isEqualTo(end - b.histlen() + 1);
            long from = b.firstByteOffset() + rnd.nextInt((int) b.histlen() + 1);
            assertThat(b.covers(from)).isTrue();
            assertThat(b.covers(b.firstByteOffset() - 1)).isEqualTo(false);
            assertThat(b.covers(end + 2)).isFalse();
            assertThat(b.from(from)).isEqualTo(Arrays.copyOfRange(stream, (int) (from - 1001), stream.length));
            if (i == 120) {
                b.resize(64);
                retained = Math.min(retained, 64);
            } else if (i == 160) {
                b.resize(300);
            }
        }
    }
}
