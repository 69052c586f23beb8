package dev.cinnabar.tests.stress;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Command fuzzing (issue 8): every command the table binds (plus blocking, pub/sub and connection
 * commands) with arguments from its COMMAND DOCS tree, numbers often replaced by extremes (2^31,
 * 2^63, -2^63-1, 1e309, nan, huge counts, negative LIMIT/COUNT...), several per connection, and
 * scripts building or parsing deeply nested structures (table constructors, cjson, cmsgpack,
 * nested replies, deep recursion). No crash, no hang, no internal error, no Java text in replies,
 * bounded resident memory: see {@link FuzzRunner} (properties {@code -Dfuzz.seed},
 * {@code -Dfuzz.batches}, {@code -Dfuzz.seconds}).
 */
@Timeout(4 * 3600)
class CommandFuzzTest {
    @Test
    void extremeArgumentsAndDeepNestingNeitherCrashNorHangNorLeak() throws Exception {
        FuzzRunner.run("command fuzz", 80_004L, FuzzInputs::nextCommand, true);
    }
}
