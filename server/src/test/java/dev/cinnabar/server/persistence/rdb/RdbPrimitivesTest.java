package dev.cinnabar.server.persistence.rdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RdbPrimitivesTest {
    @Test
    void crc64MatchesRedisCheckValue() {
        byte[] b = "123456789".getBytes(StandardCharsets.US_ASCII);
        assertThat(Crc64.of(b, 0, b.length)).isEqualTo(0xe9c6d914c4b8d9caL);
        assertThat(Crc64.update(Crc64.of(b, 0, 4), b, 4, 5)).isEqualTo(0xe9c6d914c4b8d9caL);
    }

    @Test
    void lengthsRoundTripInEveryEncoding() {
        long[] lens = {0, 63, 64, 16383, 16384, 0xffffffffL, 0x100000000L};
        for (long len : lens) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            RdbStrings.writeLength(out, len);
            byte[] b = out.toByteArray();
            assertThat(new RdbStrings.Reader(b, 0, b.length).length()).isEqualTo(len);
        }
    }

    @Test
    void lzfDecompressesLiteralsAndBackReferences() {
        // "abcabcabc": literal run "abc" then a back-reference of length 6 at distance 3
        byte[] in = {2, 'a', 'b', 'c', (byte) ((4 << 5) | 0), 2};
        assertThat(new String(Lzf.decompress(in, 0, in.length, 9), StandardCharsets.US_ASCII)).isEqualTo("abcabcabc");
        assertThatThrownBy(() -> Lzf.decompress(in, 0, in.length, 5)).isInstanceOf(IllegalArgumentException.class);
        byte[] bad = {(byte) 0xe0, (byte) 0xff, 0x10};
        assertThatThrownBy(() -> Lzf.decompress(bad, 0, bad.length, 100)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void integerEncodedStringsDecode() {
        byte[] b = {(byte) 0xc0, (byte) 0xfe, (byte) 0xc1, 0x34, 0x12, (byte) 0xc2, 0x78, 0x56, 0x34, 0x12};
        RdbStrings.Reader r = new RdbStrings.Reader(b, 0, b.length);
        assertThat(new String(r.string(), StandardCharsets.US_ASCII)).isEqualTo("-2");
        assertThat(new String(r.string(), StandardCharsets.US_ASCII)).isEqualTo("4660");
        assertThat(new String(r.string(), StandardCharsets.US_ASCII)).isEqualTo("305419896");
        assertThat(r.hasMore()).isFalse();
    }
}
