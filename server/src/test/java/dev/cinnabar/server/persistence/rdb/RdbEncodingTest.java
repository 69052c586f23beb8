package dev.cinnabar.server.persistence.rdb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.server.store.hash.RHash;
import dev.cinnabar.server.store.zset.ZSet;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The fast paths of the RDB writer and reader agree with their plain definitions: the CRC-64 eight
 * bytes at a time with the bit-by-bit polynomial division, LZF over a slice with LZF over a copy,
 * and hashes and sorted sets encoded straight from their own arrays with listpacks built element
 * by element (and back).
 */
class RdbEncodingTest {
    private static final Random RND = new Random(10);

    /** CRC-64/Jones by its definition: reflected, one bit at a time. */
    private static long crcBitwise(byte[] b, int off, int len) {
        long poly = Long.reverse(0xad93d23594c935a9L);
        long crc = 0;
        for (int i = off; i < off + len; i++) {
            crc ^= b[i] & 0xff;
            for (int k = 0; k < 8; k++) {
                crc = (crc & 1) != 0 ? (crc >>> 1) ^ poly : crc >>> 1;
            }
        }
        return crc;
    }

    @Test
    void crc64EightAtATimeEqualsTheBitwiseDefinition() {
        for (int n = 0; n < 300; n++) {
            byte[] b = new byte[RND.nextInt(100)];
            RND.nextBytes(b);
            int off = b.length == 0 ? 0 : RND.nextInt(b.length);
            int len = RND.nextInt(b.length - off + 1);
            assertThat(Crc64.of(b, off, len)).isEqualTo(crcBitwise(b, off, len));
            // split anywhere: the running CRC continues
            int cut = RND.nextInt(len + 1);
            assertThat(Crc64.update(Crc64.of(b, off, cut), b, off + cut, len - cut)).isEqualTo(crcBitwise(b, off, len));
        }
    }

    @Test
    void lzfOverASliceEqualsLzfOverACopy() {
        for (int n = 0; n < 200; n++) {
            byte[] s = new byte[30 + RND.nextInt(500)];
            for (int i = 0; i < s.length; i++) {
                s[i] = (byte) ('a' + RND.nextInt(1 + n % 5)); // from very to barely compressible
            }
            int off = RND.nextInt(10);
            int len = s.length - off - RND.nextInt(10);
            byte[] copy = Arrays.copyOfRange(s, off, off + len);
            byte[] expected = Lzf.compress(copy, len, len - 4);
            byte[] out = new byte[len + 4];
            int clen = Lzf.compress(s, off, len, out, len - 4);
            if (expected == null) {
                assertThat(clen).isEqualTo(-1);
            } else {
                assertThat(Arrays.copyOf(out, clen)).isEqualTo(expected);
                assertThat(Lzf.decompress(out, 0, clen, len)).isEqualTo(copy);
            }
        }
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** The value part of a listpack-encoded hash or zset: the type byte, then the blob as an RDB string. */
    private static byte[] expectedPayload(int type, List<byte[]> elements) {
        RdbBuffer out = new RdbBuffer(true);
        out.write(type);
        RdbStrings.writeRawString(out, Listpacks.encode(elements));
        return out.toByteArray();
    }

    @Test
    void smallHashesAndSortedSetsEncodeAsTheirListpacks() {
        String[] samples = {"f", "0", "-1", "127", "128", "-4096", "4095", "70000", "-70000", "2147483648",
            "9223372036854775807", "-9223372036854775808", "9223372036854775808", "007", "-0", "1.5", "x".repeat(63),
            "y".repeat(64), ""};
        for (int n = 0; n < 100; n++) {
            RHash h = new RHash();
            ZSet z = new ZSet();
            List<byte[]> hashElements = new ArrayList<>();
            int fields = 1 + RND.nextInt(20);
            for (int i = 0; i < fields; i++) {
                byte[] f = b(samples[RND.nextInt(samples.length)] + "#" + i);
                byte[] v = b(samples[RND.nextInt(samples.length)]);
                h.set(f, v, 128, 200);
                hashElements.add(f);
                hashElements.add(v);
                z.put(b(samples[RND.nextInt(samples.length)] + i), RND.nextInt(5) == 0 ? RND.nextDouble() * 1e6
                        : RND.nextInt(20000) - 10000, new ZSet.Limits(128, 200));
            }
            List<byte[]> zsetElements = new ArrayList<>();
            z.forEach((m, score) -> {
                zsetElements.add(m);
                zsetElements.add(RdbValues.formatScore(score));
                return true;
            });
            assertThat(h.isListpack()).isTrue();
            assertThat(z.encoding()).isEqualTo("listpack");
            RdbBuffer out = new RdbBuffer(true);
            RdbValues.write(out, h);
            assertThat(out.toByteArray()).isEqualTo(expectedPayload(RdbValues.HASH_LISTPACK, hashElements));
            out.reset();
            RdbValues.write(out, z); // the same buffer again: its scratch space is reused
            assertThat(out.toByteArray()).isEqualTo(expectedPayload(RdbValues.ZSET_LISTPACK, zsetElements));
            byte[] dumped = DumpPayload.dump(h);
            RHash back = (RHash) DumpPayload.restore(dumped, new RdbValues.Limits(-2, 512, 128, 200, new ZSet.Limits(128, 200)));
            assertThat(back.pairs()).isDeepEqualTo(h.pairs());
        }
    }
}
