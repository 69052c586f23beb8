package dev.cinnabar.server.store.hll;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.server.store.hll.HyperLogLog.Buf;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

class HyperLogLogUnitTest {
    @Test
    void newValueIsOneXzeroCoveringAllRegisters() {
        byte[] b = HyperLogLog.create();
        assertThat(b).hasSize(18);
        assertThat(new String(b, 0, 4, StandardCharsets.US_ASCII)).isEqualTo("HYLL");
        assertThat(b[4]).isEqualTo((byte) HyperLogLog.SPARSE);
        assertThat(b[16] & 0xff).isEqualTo(0x7f);
        assertThat(b[17] & 0xff).isEqualTo(0xff);
        assertThat(HyperLogLog.decodeSparse(b, b.length)).isEqualTo("Z:16384");
        assertThat(HyperLogLog.count(b, b.length)).isZero();
        assertThat(HyperLogLog.isValid(b, b.length)).isTrue();
        assertThat(HyperLogLog.cacheValid(b)).isTrue();
    }

    @Test
    void murmurHashIsStableAndUsesEveryTailByte() {
        byte[] data = "abcdefghijklmno".getBytes(StandardCharsets.US_ASCII);
        long full = MurmurHash64A.hash(data, 0, data.length, MurmurHash64A.HLL_SEED);
        for (int len = 0; len < data.length; len++) {
            assertThat(MurmurHash64A.hash(data, 0, len, MurmurHash64A.HLL_SEED)).isNotEqualTo(full);
        }
        byte[] shifted = new byte[data.length + 3];
        System.arraycopy(data, 0, shifted, 3, data.length);
        assertThat(MurmurHash64A.hash(shifted, 3, data.length, MurmurHash64A.HLL_SEED)).isEqualTo(full);
    }

    @Test
    void denseRegistersStraddlingBytesReadBack() {
        byte[] d = new byte[HyperLogLog.DENSE_SIZE];
        Random rnd = new Random(3);
        int[] mirror = new int[HyperLogLog.REGISTERS];
        for (int i = 0; i < HyperLogLog.REGISTERS; i++) {
            mirror[i] = rnd.nextInt(64);
            HyperLogLog.denseWrite(d, i, mirror[i]);
        }
        for (int i = 0; i < HyperLogLog.REGISTERS; i++) {
            assertThat(HyperLogLog.denseGet(d, i)).as("register %d", i).isEqualTo(mirror[i]);
        }
    }

    @Test
    void sparseUpdatesKeepTheSameRegistersAsADenseMirror() {
        Random rnd = new Random(5);
        byte[] fresh = HyperLogLog.create();
        Buf sparse = new Buf(fresh, fresh.length);
        byte[] dense = new byte[HyperLogLog.DENSE_SIZE];
        for (int i = 0; i < 3000; i++) {
            int index = rnd.nextInt(200) * (rnd.nextBoolean() ? 1 : 80);
            int value = 1 + rnd.nextInt(rnd.nextInt(10) == 0 ? 40 : 6);
            HyperLogLog.setRegister(sparse, index, value, 100_000);
            HyperLogLog.denseSet(dense, index, value);
        }
        byte[] max = new byte[HyperLogLog.REGISTERS];
        assertThat(HyperLogLog.merge(max, sparse.b, sparse.len)).isTrue();
        for (int i = 0; i < HyperLogLog.REGISTERS; i++) {
            assertThat(max[i]).as("register %d", i).isEqualTo((byte) HyperLogLog.denseGet(dense, i));
        }
        assertThat(HyperLogLog.sparseToDense(sparse)).isTrue();
        assertThat(sparse.len).isEqualTo(HyperLogLog.DENSE_SIZE);
        for (int i = 0; i < HyperLogLog.REGISTERS; i++) {
            assertThat(HyperLogLog.denseGet(sparse.b, i)).isEqualTo(HyperLogLog.denseGet(dense, i));
        }
    }

    @Test
    void sparseToDenseRejectsOpcodesNotCoveringAllRegisters() {
        byte[] b = HyperLogLog.create();
        b[17] = 0; // XZERO of 16129 registers only
        assertThat(HyperLogLog.sparseToDense(new Buf(b, b.length))).isFalse();
        assertThat(HyperLogLog.count(b, b.length)).isEqualTo(-1);
    }

    @Test
    void estimatesStayWithinTheStandardError() {
        byte[] d = new byte[HyperLogLog.DENSE_SIZE];
        byte[] ele = new byte[8];
        for (int n = 1; n <= 200_000; n++) {
            for (int k = 0; k < 8; k++) {
                ele[k] = (byte) (n >>> (8 * k));
            }
            HyperLogLog.denseAdd(d, ele);
            if (n == 10 || n == 1000 || n == 200_000) {
                long est = HyperLogLog.count(d, d.length);
                assertThat((double) Math.abs(est - n)).isLessThanOrEqualTo(Math.ceil(n * 6 * 1.04 / 128));
            }
        }
    }

    @Test
    void cachedCardinalityIsLittleEndianWithAStaleBit() {
        byte[] b = HyperLogLog.create();
        HyperLogLog.setCachedCard(b, 0x0102030405L);
        assertThat(b[8]).isEqualTo((byte) 5);
        assertThat(HyperLogLog.cachedCard(b)).isEqualTo(0x0102030405L);
        HyperLogLog.invalidateCache(b);
        assertThat(HyperLogLog.cacheValid(b)).isFalse();
        assertThat(b[8]).isEqualTo((byte) 5);
    }
}
