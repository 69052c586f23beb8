package dev.cinnabar.tests.stress;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.testkit.stress.Seeds;
import dev.cinnabar.testkit.stress.ServerProcess;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 8's concurrency stress test ("Exactly once, never stuck"): many raw RESP clients at once
 * against a spawned bin/cinnabar-server, mixing scripts and functions with pipelined follow-ups,
 * disconnects mid-script and mid-pipeline, SCRIPT KILL / FUNCTION KILL of busy scripts, MULTI/EXEC
 * (also held open across busy scripts), blocking pops served by other clients' pushes, and pub/sub.
 * Each side effect must have happened exactly once (at most once for requests whose connection
 * the test closed), each request must get exactly one reply, in order, and the server must never
 * stop answering or log an internal error. See {@link StressRun} for the workload and
 * {@link Ledger} for the checks.
 *
 * <p>The same run against real Redis (shorter) keeps the checks honest: they must hold there.
 *
 * <p>Properties: {@code -Dstress.seconds} (default 60), {@code -Dstress.redisSeconds} (10),
 * {@code -Dstress.seed} (fixed in CI, random otherwise; printed on failure), {@code
 * -Dstress.workers} (pipeline workers, 8), {@code -Dstress.replyTimeoutMs} (20000: a reply later
 * than this is a hang), {@code -Dstress.ioThreads} (the server's io-threads; its default when
 * unset). Reports of a failed run (server output, thread dump on a hang) are saved under
 * tests/target/stress-reports.
 */
@Timeout(1800)
class ConcurrencyStressTest {
    private static final long CI_SEED = 80_001L;
    private static final String SEED = "stress.seed";

    private static void run(ServerProcess server, long seconds) throws Exception {
        long seed = Seeds.choose(SEED, CI_SEED);
        int timeout = (int) Seeds.budget("stress.replyTimeoutMs", 20_000);
        int workers = (int) Seeds.budget("stress.workers", 8);
        StressRun run = new StressRun(server, seed, seconds * 1000, timeout, workers);
        long started = System.nanoTime();
        run.run();
        long took = (System.nanoTime() - started) / 1_000_000;
        List<String> problems = new ArrayList<>(run.ledger.violations());
        List<String> internal = server.name().equals("cinnabar") ? server.internalErrors() : List.of();
        String report = server + ", " + Seeds.rerun(SEED, seed) + ", " + seconds + " s of load, " + took + " ms in all\n"
                + run.ledger.summary() + "\n" + run.stats();
        System.out.println("stress: " + report);
        if (!problems.isEmpty() || !internal.isEmpty() || run.hang() != null) {
            String saved = server.saveReport("stress", run.hang() != null).toString();
            StringBuilder m = new StringBuilder(report).append("\n").append(run.ledger.violationCount())
                    .append(" violations (first ").append(problems.size()).append("):\n");
            problems.forEach(p -> m.append("  ").append(p).append('\n'));
            m.append("internal errors logged: ").append(internal.size()).append('\n');
            internal.stream().limit(20).forEach(l -> m.append("  ").append(l).append('\n'));
            m.append("server output and thread dump saved in ").append(saved).append("\n--- output tail\n")
                    .append(server.outputTail(30));
            throw new AssertionError(m.toString());
        }
        assertThat(server.answersPing(5000, false)).as("a fresh connection gets PONG after the run").isTrue();
    }

    @Test
    void everyRequestRunsExactlyOnceAndIsAnsweredInOrderOnCinnabar() throws Exception {
        String io = System.getProperty("stress.ioThreads");
        String[] args = io == null || io.isBlank() ? new String[0] : new String[] {"--io-threads", io.trim()};
        try (ServerProcess server = ServerProcess.cinnabar(args)) {
            run(server, Seeds.budget("stress.seconds", 60));
        }
    }

    @Test
    void theChecksHoldOnRealRedis() throws Exception {
        try (ServerProcess server = ServerProcess.redis()) {
            run(server, Seeds.budget("stress.redisSeconds", 10));
        }
    }
}
