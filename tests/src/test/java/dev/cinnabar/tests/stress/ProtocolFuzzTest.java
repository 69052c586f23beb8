package dev.cinnabar.tests.stress;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Protocol fuzzing (issue 8): valid RESP frames damaged (truncated, wrong or huge lengths such as
 * $2147483647 and *999999999, negative counts, garbage inserted, CR/LF damaged, bits flipped,
 * nested arrays), inline commands with odd quoting, over-long inline lines, headers announcing
 * huge arguments, very many arguments, raw garbage, written in one piece, in pieces or byte by
 * byte. No crash, no hang, no internal error, no Java text in replies, bounded resident memory:
 * see {@link FuzzRunner} (properties {@code -Dfuzz.seed}, {@code -Dfuzz.batches},
 * {@code -Dfuzz.seconds}).
 */
@Timeout(4 * 3600)
class ProtocolFuzzTest {
    @Test
    void framingMutationsNeitherCrashNorHangNorLeak() throws Exception {
        FuzzRunner.run("protocol fuzz", 80_003L, FuzzInputs::nextProtocol, false);
    }
}
