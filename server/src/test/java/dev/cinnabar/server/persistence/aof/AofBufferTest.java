package dev.cinnabar.server.persistence.aof;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The AOF buffer writes commands exactly as Redis's catAppendOnlyGenericCommand does. */
class AofBufferTest {
    private static String text(AofBuffer b) {
        return new String(b.array(), 0, b.length(), StandardCharsets.ISO_8859_1);
    }

    @Test
    void commandsAreRespArraysOfBulkStringsWhateverTheLengthsDigits() {
        AofBuffer b = new AofBuffer(16); // small: the buffer grows through every step
        StringBuilder expected = new StringBuilder();
        for (int n : new int[] {0, 1, 9, 10, 11, 99, 100, 101, 999, 1000, 65_536, 1_234_567}) {
            byte[] value = new byte[n];
            Arrays.fill(value, (byte) 'v');
            b.command(new byte[][] {"SET".getBytes(StandardCharsets.US_ASCII), "k".getBytes(StandardCharsets.US_ASCII),
                value});
            expected.append("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$").append(n).append("\r\n").append("v".repeat(n))
                    .append("\r\n");
        }
        byte[][] wide = new byte[12][];
        Arrays.fill(wide, new byte[] {'x'});
        b.command(wide);
        expected.append("*12\r\n").append("$1\r\nx\r\n".repeat(12));
        b.timestamp(1_700_000_000L);
        expected.append("#TS:1700000000\r\n");
        assertThat(text(b)).isEqualTo(expected.toString());
    }
}
