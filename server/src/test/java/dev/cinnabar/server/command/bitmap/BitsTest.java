package dev.cinnabar.server.command.bitmap;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

class BitsTest {
    private static int naiveBit(byte[] b, long i) {
        return (b[(int) (i >>> 3)] >>> (7 - (int) (i & 7))) & 1;
    }

    @Test
    void countAndPositionAgreeWithABitByBitScan() {
        Random rnd = new Random(42);
        for (int round = 0; round < 300; round++) {
            byte[] b = new byte[1 + rnd.nextInt(40)];
            int fill = rnd.nextInt(3);
            for (int i = 0; i < b.length; i++) {
                b[i] = (byte) (fill == 0 ? rnd.nextInt(256) : fill == 1 ? (rnd.nextInt(10) == 0 ? 1 : 0)
                        : (rnd.nextInt(10) == 0 ? 0xfe : 0xff));
            }
            long total = b.length * 8L;
            long from = rnd.nextInt((int) total);
            long to = from + rnd.nextInt((int) (total - from));
            long count = 0;
            long first0 = -1;
            long first1 = -1;
            for (long i = from; i <= to; i++) {
                int v = naiveBit(b, i);
                count += v;
                if (v == 0 && first0 < 0) {
                    first0 = i;
                }
                if (v == 1 && first1 < 0) {
                    first1 = i;
                }
            }
            assertThat(Bits.count(b, from, to)).isEqualTo(count);
            assertThat(Bits.position(b, from, to, 0)).isEqualTo(first0);
            assertThat(Bits.position(b, from, to, 1)).isEqualTo(first1);
        }
        assertThat(Bits.count(new byte[] {-1}, 3, 2)).isZero();
        assertThat(Bits.position(new byte[] {-1}, 3, 2, 1)).isEqualTo(-1);
    }

    @Test
    void fieldsAreBigEndianAndSignExtended() {
        byte[] b = new byte[9];
        Bits.set(b, 4, 8, 0xAB);
        assertThat(b[0] & 0xff).isEqualTo(0x0A);
        assertThat(b[1] & 0xff).isEqualTo(0xB0);
        assertThat(Bits.getUnsigned(b, b.length, 4, 8)).isEqualTo(0xAB);
        assertThat(Bits.getSigned(b, b.length, 4, 8)).isEqualTo((byte) 0xAB);
        Bits.set(b, 3, 64, Long.MIN_VALUE + 5);
        assertThat(Bits.getSigned(b, b.length, 3, 64)).isEqualTo(Long.MIN_VALUE + 5);
        // Reads past the end see zeros.
        assertThat(Bits.getUnsigned(new byte[] {(byte) 0xff}, 1, 4, 8)).isEqualTo(0xF0);
        assertThat(Bits.get(new byte[] {(byte) 0xff}, 1, 8)).isZero();
    }

    @Test
    void overflowRulesPerMode() {
        long[] lim = new long[1];
        assertThat(BitField.unsignedOverflow(255, 1, 8, BitField.WRAP, lim)).isEqualTo(1);
        assertThat(lim[0]).isZero();
        assertThat(BitField.unsignedOverflow(255, 1, 8, BitField.SAT, lim)).isEqualTo(1);
        assertThat(lim[0]).isEqualTo(255);
        assertThat(BitField.unsignedOverflow(3, -4, 8, BitField.SAT, lim)).isEqualTo(-1);
        assertThat(lim[0]).isZero();
        assertThat(BitField.unsignedOverflow(3, -4, 8, BitField.WRAP, lim)).isEqualTo(-1);
        assertThat(lim[0]).isEqualTo(255);
        assertThat(BitField.unsignedOverflow(-1, 0, 8, BitField.WRAP, lim)).isEqualTo(1);
        assertThat(lim[0]).isEqualTo(255);
        assertThat(BitField.unsignedOverflow(10, 5, 8, BitField.FAIL, lim)).isZero();
        assertThat(BitField.signedOverflow(127, 1, 8, BitField.WRAP, lim)).isEqualTo(1);
        assertThat(lim[0]).isEqualTo(-128);
        assertThat(BitField.signedOverflow(-128, -1, 8, BitField.SAT, lim)).isEqualTo(-1);
        assertThat(lim[0]).isEqualTo(-128);
        assertThat(BitField.signedOverflow(Long.MAX_VALUE, 1, 64, BitField.WRAP, lim)).isEqualTo(1);
        assertThat(lim[0]).isEqualTo(Long.MIN_VALUE);
        assertThat(BitField.signedOverflow(Long.MIN_VALUE, Long.MAX_VALUE, 64, BitField.SAT, lim)).isZero();
    }

    @Test
    void typeParsing() {
        assertThat(BitField.parseBits("i64".getBytes())).isEqualTo(64);
        assertThat(BitField.parseBits("u63".getBytes())).isEqualTo(63);
        assertThat(BitField.parseBits("u64".getBytes())).isEqualTo(-1);
        assertThat(BitField.parseBits("i0".getBytes())).isEqualTo(-1);
        assertThat(BitField.parseBits("i08".getBytes())).isEqualTo(-1);
        assertThat(BitField.parseBits("x8".getBytes())).isEqualTo(-1);
        assertThat(BitField.parseBits("i".getBytes())).isEqualTo(-1);
    }
}
