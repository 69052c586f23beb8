package dev.cinnabar.tests.differential;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.testkit.Resp;
import dev.cinnabar.testkit.diff.Differ;
import dev.cinnabar.testkit.diff.Invocation;
import dev.cinnabar.testkit.diff.Result;
import dev.cinnabar.testkit.diff.SequenceGenerator;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * Random command sequences, generated from the command table, run on real Redis 7.0 and on
 * Cinnabar; every reply must be identical (wire types included).
 *
 * <p>System properties: {@code -Dseed=N} (default: random, printed; fixed in CI), {@code -Dsequences=N}
 * (default 6000, about 30 s), {@code -Dlength=N} commands per sequence (default 20). Sequence {@code i} uses
 * seed {@code seed + i}, so a failing sequence is rerun alone with {@code -Dseed=<its seed>
 * -Dsequences=1}. A failure reports up to {@code -Dreports=N} (default 5) sequences with different
 * failing commands, each shrunk to the fewest commands that still differ.
 */
class RandomDifferentialTest {

    static final String LUA_COMPILE_ERRORS = "Lua compile errors differ from Lua 5.1's: EVAL k1 0 gives"
            + " 'user_script:1: syntax error' instead of \"'=' expected near '<eof>'\", and a number is"
            + " misnamed: EVAL_RO 9223372036854775807 0 reports 'unexpected symbol 287 (ğ)' instead of"
            + " \"unexpected symbol near '9223372036854775807'\"";

    /** A known, reported bug: the invocations that trigger it are not generated. */
    record KnownBug(String command, Predicate<Invocation> when, String bug) {
        boolean matches(Invocation inv) {
            return command.equals(inv.command()) && when.test(inv);
        }
    }

    /**
     * Invocations left out because of known, reported bugs, so the test stays a useful gate for
     * everything else. Remove an entry once its bug is fixed.
     */
    static final List<KnownBug> KNOWN_BUGS = List.of(
            new KnownBug("eval", inv -> true, LUA_COMPILE_ERRORS),
            new KnownBug("eval_ro", inv -> true, LUA_COMPILE_ERRORS),
            new KnownBug("script|load", inv -> true, LUA_COMPILE_ERRORS));

    /**
     * Invocations whose result Redis leaves unspecified, which random sequences hit all the time:
     * lex ranges over members with different scores (random ZADDs mix scores); SORT, whose ties
     * under BY are ordered by Redis's partial quicksort and whose numeric parse in Redis 7.0 reads a
     * stale errno (after an overflowing strtod such as 1e400 earlier on the connection, 'SORT k'
     * of {1, 2} fails with 'One or more scores can't be converted into double').
     */
    static final List<KnownBug> UNSPECIFIED = List.of(
            new KnownBug("sort", inv -> true, "ties and a stale errno in Redis"),
            new KnownBug("sort_ro", inv -> true, "ties and a stale errno in Redis"),
            lexRange("zrangebylex"), lexRange("zrevrangebylex"), lexRange("zlexcount"), lexRange("zremrangebylex"),
            new KnownBug("zrange", inv -> inv.args().stream().anyMatch(a -> a.equalsIgnoreCase("bylex")),
                    "ZRANGE BYLEX with different scores: unspecified"),
            new KnownBug("zrangestore", inv -> inv.args().stream().anyMatch(a -> a.equalsIgnoreCase("bylex")),
                    "ZRANGESTORE BYLEX with different scores: unspecified"));

    static KnownBug lexRange(String command) {
        return new KnownBug(command, inv -> true, command.toUpperCase() + " with different scores: unspecified");
    }

    static boolean longOutsideInt(String s) {
        try {
            long v = Long.parseLong(s);
            return v != (int) v;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    @Test
    void randomSequencesGetTheSameRepliesAsRedis() {
        // CI runs a fixed seed so a submission's verdict does not depend on luck; developers get a
        // fresh seed every run, which keeps finding new differences (fix them, or add a KnownBug).
        long seed = Long.getLong("seed", dev.cinnabar.testkit.RealRedis.inCi() ? 20261121L
                : System.nanoTime() ^ System.currentTimeMillis());
        int sequences = Integer.getInteger("sequences", 6000);
        int length = Integer.getInteger("length", 20);
        int maxReports = Integer.getInteger("reports", 5);
        String rerun = "mvn -o -B test -pl tests -am -Dsurefire.failIfNoSpecifiedTests=false"
                + " -Dtest=RandomDifferentialTest";
        System.out.println("RandomDifferentialTest seed=" + seed + " sequences=" + sequences + " length=" + length
                + " (rerun: " + rerun + " -Dseed=" + seed + ")");
        try (Differ d = Differ.start()) {
            SequenceGenerator gen = new SequenceGenerator(d.table(), length,
                    inv -> KNOWN_BUGS.stream().anyMatch(b -> b.matches(inv))
                            || UNSPECIFIED.stream().anyMatch(b -> b.matches(inv)));
            assertThat(gen.commands()).as("commands to draw from").isNotEmpty();
            System.out.println("commands: " + gen.commands() + "\nleft out for known bugs: " + KNOWN_BUGS);
            List<String> reports = new ArrayList<>();
            Set<String> failingCommands = new LinkedHashSet<>();
            int failed = 0;
            int ran = 0;
            // per command: [calls, error replies], to spot commands the generator rarely gets right
            Map<String, long[]> stats = new TreeMap<>();
            for (int i = 0; i < sequences && reports.size() < maxReports; i++, ran++) {
                Result r = d.run(gen.generate(seed + i));
                for (Result.Step st : r.steps()) {
                    long[] c = stats.computeIfAbsent(String.valueOf(st.call().command()), k -> new long[2]);
                    c[0]++;
                    c[1] += st.redis().reply() instanceof Resp.Err ? 1 : 0;
                }
                if (!r.failed()) {
                    continue;
                }
                failed++;
                String cmd = String.valueOf(r.steps().get(r.mismatchAt()).call().command());
                if (!failingCommands.add(cmd)) {
                    continue;
                }
                Result small = d.minimise(r, 200);
                reports.add("Sequence seed " + r.sequence().seed() + " (rerun: " + rerun + " -Dseed="
                        + r.sequence().seed() + " -Dsequences=1)\n" + small.report()
                        + (small.steps().size() < r.steps().size() ? "shrunk from:\n" + r.report() : ""));
            }
            long calls = stats.values().stream().mapToLong(c -> c[0]).sum();
            long errors = stats.values().stream().mapToLong(c -> c[1]).sum();
            System.out.printf("ran %d sequences, %d commands (%d%% error replies)%n", ran, calls,
                    calls == 0 ? 0 : errors * 100 / calls);
            stats.forEach((k, c) -> System.out.printf("  %-24s %6d calls %3d%% errors%n", k, c[0], c[1] * 100 / c[0]));
            if (!reports.isEmpty()) {
                throw new AssertionError(failed + " differing sequence(s) (seed=" + seed + "), first failing"
                        + " commands " + failingCommands + ":\n\n" + String.join("\n", reports));
            }
        }
    }
}
