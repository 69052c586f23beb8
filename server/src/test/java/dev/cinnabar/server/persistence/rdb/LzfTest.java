package dev.cinnabar.server.persistence.rdb;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** LZF compression round trips through our decompressor, and respects the output bound. */
class LzfTest {
    @Test
    void randomInputsRoundTrip() {
        Random r = new Random(7);
        for (int i = 0; i < 2000; i++) {
            int len = 3 + r.nextInt(i < 1000 ? 100 : 20000);
            byte[] in = new byte[len];
            int alphabet = 1 + r.nextInt(i % 3 == 0 ? 256 : 4);
            for (int k = 0; k < len; k++) {
                in[k] = (byte) r.nextInt(alphabet);
            }
            byte[] c = Lzf.compress(in, len, len + len / 32 + 64); // incompressible input grows by a byte per 32
            assertThat(c).isNotNull();
            assertThat(Lzf.decompress(c, 0, c.length, len)).isEqualTo(in);
            byte[] bounded = Lzf.compress(in, len, len - 4);
            if (bounded != null) {
                assertThat(bounded.length).isLessThanOrEqualTo(len - 4);
                assertThat(Lzf.decompress(bounded, 0, bounded.length, len)).isEqualTo(in);
            }
        }
    }

    @Test
    void repetitiveInputShrinksAndNoiseDoesNot() {
        byte[] rep = "abcabcabcabcabcabcabcabcabcabcabcabcabcabcabc".getBytes();
        assertThat(Lzf.compress(rep, rep.length, rep.length - 4)).isNotNull();
        byte[] noise = new byte[64];
        new Random(1).nextBytes(noise);
        assertThat(Lzf.compress(noise, noise.length, noise.length - 4)).isNull();
    }

    @Test
    void theReusedTableGivesTheOutputOfAFreshOne() throws Exception {
        Random r = new Random(3);
        byte[][] inputs = new byte[200][];
        for (int i = 0; i < inputs.length; i++) {
            inputs[i] = new byte[3 + r.nextInt(3000)];
            for (int k = 0; k < inputs[i].length; k++) {
                inputs[i][k] = (byte) r.nextInt(1 + i % 5);
            }
        }
        for (byte[] in : inputs) {
            byte[] afterOthers = Lzf.compress(in, in.length, in.length + 64);
            byte[][] fresh = new byte[1][];
            Thread t = new Thread(() -> fresh[0] = Lzf.compress(in, in.length, in.length + 64)); // a new thread's table
            t.start();
            t.join();
            assertThat(afterOthers).isEqualTo(fresh[0]);
        }
    }
}
