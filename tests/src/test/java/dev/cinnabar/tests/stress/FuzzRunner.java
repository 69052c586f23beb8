package dev.cinnabar.tests.stress;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.server.command.CommandTable;
import dev.cinnabar.server.command.Families;
import dev.cinnabar.testkit.Resp;
import dev.cinnabar.testkit.stress.Seeds;
import dev.cinnabar.testkit.stress.ServerProcess;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BiFunction;

/**
 * Runs a fuzzer (issue 8): batches of connections, each sending one input from {@link FuzzInputs}
 * and then closing its side. The same inputs go to a spawned bin/cinnabar-server and to a real
 * redis-server, batch by batch. After every batch, on each server: the process is alive, a fresh
 * connection's PING gets PONG within a few seconds, and resident memory (VmRSS) is sampled;
 * Cinnabar's output must never report an internal error (a connection closed "after an internal
 * error", an exception) and no reply may carry Java exception text (those are recorded and the
 * run goes on, to find more; a crash or a hang ends it). At the end Cinnabar's peak resident
 * memory (VmHWM) must stay within {@link #RSS_GROWTH_BOUND_MB} of its resident memory at start-up,
 * a generous bound chosen from measurements of both servers (docs/benchmarks.md, "Fuzzer memory").
 *
 * <p>Properties (for each fuzz test class): {@code -Dfuzz.seed} (fixed in CI, random otherwise;
 * printed on failure), {@code -Dfuzz.batches} (default 40) of {@code -Dfuzz.sessions} connections
 * (default 100), {@code -Dfuzz.seconds} (default 60: no batch starts after that); for a longer run
 * before a release e.g. {@code -Dfuzz.batches=5000 -Dfuzz.seconds=3600}. The inputs of a batch
 * with a problem are saved under tests/target/stress-reports with the server's output.
 */
final class FuzzRunner {
    private static final String SEED = "fuzz.seed";
    /**
     * How far Cinnabar's peak resident memory may rise above its resident memory right after
     * start-up (which includes the heap the launcher's JVM options pre-touch, so it scales with
     * the machine's RAM). See docs/benchmarks.md for the measurements behind it.
     */
    static final long RSS_GROWTH_BOUND_MB = 1024;
    private static final int PING_MS = 5000;

    private FuzzRunner() {
    }

    /**
     * What happened to one connection: bytes the server sent, how the connection ended, and the
     * start of a reply that shows Java exception text (null if none did).
     */
    record Outcome(long bytesIn, boolean closedByServer, boolean silent, String leak, String protocolErrors) {
    }

    /**
     * Text that must never reach a client: errors are Redis's or our own sentences. (INFO's
     * atomicvar_api names java.util.concurrent on purpose, so packages are listed one by one.)
     */
    private static final String[] JAVA_TEXT = {"Exception", "java.lang.", "java.io.", "java.nio.", "dev.cinnabar.",
        "io.netty.", "org.luaj.", "StackOverflowError", "OutOfMemoryError"};

    static Outcome runSession(int port, FuzzInputs.Session s, ExecutorService readers) {
        try (Socket sock = new Socket()) {
            sock.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            sock.setSoTimeout(2000);
            sock.setTcpNoDelay(true);
            InputStream in = sock.getInputStream();
            java.io.ByteArrayOutputStream received = new java.io.ByteArrayOutputStream();
            Future<long[]> reader = readers.submit(() -> drain(in, received));
            OutputStream out = sock.getOutputStream();
            try {
                for (byte[] c : s.chunks()) {
                    out.write(c);
                    out.flush();
                    if (s.chunks().size() > 1) {
                        LockSupport.parkNanos(20_000);
                    }
                }
                if (s.lingerMillis() > 0) {
                    Thread.sleep(s.lingerMillis());
                }
                sock.shutdownOutput();
            } catch (IOException e) {
                // the server closed the connection (protocol error, limit): its reply was read
            }
            long[] r = reader.get(30, TimeUnit.SECONDS);
            String text = received.toString(StandardCharsets.ISO_8859_1);
            return new Outcome(r[0], r[1] == 1, r[1] == 0, leak(text), protocolErrors(text));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot connect to port " + port, e);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The protocol error replies among the replies, in order. */
    private static String protocolErrors(String replies) {
        StringBuilder sb = new StringBuilder();
        for (int at = replies.indexOf("-ERR Protocol error"); at >= 0; at = replies.indexOf("-ERR Protocol error", at + 1)) {
            int end = replies.indexOf('\r', at);
            sb.append(replies, at, end < 0 ? replies.length() : end).append(" | ");
        }
        return sb.toString();
    }

    private static String leak(String replies) {
        for (String t : JAVA_TEXT) {
            int at = replies.indexOf(t);
            if (at >= 0) {
                int from = Math.max(0, replies.lastIndexOf('\n', at) + 1);
                return replies.substring(from, Math.min(replies.length(), Math.max(at + 80, from + 160)));
            }
        }
        return null;
    }

    /** Reads until EOF ({n, 1}), reset ({n, 2}) or 2 s of silence ({n, 0}), keeping the first 4 MB. */
    private static long[] drain(InputStream in, java.io.ByteArrayOutputStream keep) {
        long n = 0;
        byte[] buf = new byte[65536];
        try {
            int k;
            while ((k = in.read(buf)) >= 0) {
                n += k;
                if (keep.size() < (4 << 20)) {
                    keep.write(buf, 0, k);
                }
            }
            return new long[] {n, 1};
        } catch (SocketTimeoutException e) {
            return new long[] {n, 0};
        } catch (IOException e) {
            return new long[] {n, 2};
        }
    }

    /** Per-server figures over the run. */
    static final class Tally {
        final ServerProcess server;
        final long startRssKb;
        final List<String> protocolErrors = new ArrayList<>();
        long maxRssKb;
        long sessions;
        long closedByServer;
        long silent;
        long bytesIn;
        long nanos;

        Tally(ServerProcess server) {
            this.server = server;
            this.startRssKb = server.rssKb();
        }

        @Override
        public String toString() {
            return server.name() + ": " + sessions + " connections in " + nanos / 1_000_000 + " ms, " + closedByServer
                    + " closed by the server before our close, " + silent + " left open 2 s after our close, " + bytesIn
                    + " bytes received; VmRSS at start " + startRssKb / 1024 + " MB, max sampled " + maxRssKb / 1024
                    + " MB, peak (VmHWM) " + server.peakRssKb() / 1024 + " MB";
        }
    }

    /**
     * Runs the fuzzer with inputs drawn by {@code next}; fails on a crash, a hang, an internal
     * error, Java text in a reply, or resident memory past the bound.
     */
    static void run(String label, long ciSeed, BiFunction<FuzzInputs, SplittableRandom, FuzzInputs.Session> next,
            boolean scripts) throws Exception {
        long seed = Seeds.choose(SEED, ciSeed);
        long batches = Seeds.budget("fuzz.batches", 40);
        int perBatch = (int) Seeds.budget("fuzz.sessions", 100);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Seeds.budget("fuzz.seconds", 60));
        FuzzInputs inputs = new FuzzInputs(CommandTable.create(Families.all()), scripts);
        ExecutorService readers = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "fuzz-reader");
            t.setDaemon(true);
            return t;
        });
        try (ServerProcess ours = ServerProcess.cinnabar(); ServerProcess redis = ServerProcess.redis()) {
            List<Tally> tallies = List.of(new Tally(ours), new Tally(redis));
            List<String> problems = new ArrayList<>();
            List<String> divergences = new ArrayList<>();
            long b = 0;
            for (; b < batches && System.nanoTime() < deadline; b++) {
                SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + b);
                List<FuzzInputs.Session> sessions = new ArrayList<>();
                for (int i = 0; i < perBatch; i++) {
                    sessions.add(next.apply(inputs, r));
                }
                for (Tally t : tallies) {
                    t.protocolErrors.clear();
                    String stop = runBatch(t, b, sessions, readers, problems);
                    if (stop != null) { // a crash or a hang ends the run
                        throw new AssertionError(t.server + " after batch " + b + ": " + stop + "\n"
                                + Seeds.rerun(SEED, seed) + " -Dfuzz.batches=" + (b + 1) + "; the batch's inputs and the "
                                + "server output are in " + REPORTS + "\n" + list(problems)
                                + "--- output tail\n" + t.server.outputTail(20));
                    }
                }
                for (int i = 0; i < sessions.size(); i++) {
                    String a = tallies.get(0).protocolErrors.get(i);
                    String c = tallies.get(1).protocolErrors.get(i);
                    if (!a.equals(c)) {
                        divergences.add("batch " + b + " input #" + i + " (" + sessions.get(i).kind() + "): cinnabar [" + a
                                + "] redis [" + c + "] input: " + Resp.escape(java.util.Arrays.copyOf(sessions.get(i).chunks().get(0),
                                Math.min(300, sessions.get(i).chunks().get(0).length))));
                    }
                }
            }
            String summary = label + ": " + Seeds.rerun(SEED, seed) + ", " + b + " batches of " + perBatch + "\n  "
                    + tallies.get(0) + "\n  " + tallies.get(1);
            System.out.println(summary);
            // Reported, not asserted: Redis never finds the end of an inline line holding a NUL byte
            // (it searches with strchr), so such inputs differ without a defect on either side.
            System.out.println(divergences.size() + " inputs whose protocol error replies differ from Redis's (first 10):\n  "
                    + String.join("\n  ", divergences.subList(0, Math.min(10, divergences.size()))));
            assertThat(problems).as(summary + "\n" + list(problems) + "inputs of those batches saved in " + REPORTS)
                    .isEmpty();
            assertThat((ours.peakRssKb() - tallies.get(0).startRssKb) / 1024).as(summary)
                    .isLessThan(RSS_GROWTH_BOUND_MB);
            try (var c = ours.client()) {
                assertThat(c.call("PING")).isEqualTo(new Resp.Simple("PONG"));
            }
        } finally {
            readers.shutdownNow();
        }
    }

    private static final String REPORTS = "tests/target/stress-reports";

    /**
     * Sends a batch's inputs to one server, then checks it. Internal errors (Cinnabar's output) and
     * replies with Java text are added to {@code problems} and the run goes on, to find more;
     * returns why the run must stop (crash, hang), or null.
     */
    private static String runBatch(Tally t, long b, List<FuzzInputs.Session> sessions, ExecutorService readers,
            List<String> problems) throws IOException {
        ServerProcess.Mark mark = t.server.mark();
        List<String> found = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int i = 0; i < sessions.size(); i++) {
            FuzzInputs.Session s = sessions.get(i);
            Outcome o = runSession(t.server.port(), s, readers);
            t.protocolErrors.add(o.protocolErrors());
            if (o.leak() != null) {
                found.add("input #" + i + " (" + s.kind() + ") got a reply with Java text: "
                        + Resp.escape(o.leak().getBytes(StandardCharsets.ISO_8859_1)));
            }
            t.sessions++;
            t.bytesIn += o.bytesIn();
            t.closedByServer += o.closedByServer() ? 1 : 0;
            t.silent += o.silent() ? 1 : 0;
        }
        t.nanos += System.nanoTime() - t0;
        t.maxRssKb = Math.max(t.maxRssKb, t.server.rssKb());
        String stop = !t.server.isAlive() ? "the process exited"
                : !t.server.answersPing(PING_MS, false) ? "a fresh connection got no PONG within " + PING_MS + " ms" : null;
        if (t.server.name().equals("cinnabar")) {
            found.addAll(0, t.server.internalErrorsSince(mark));
        }
        if (stop != null || !found.isEmpty()) {
            save(t.server, b, sessions, stop == null ? String.join("\n", found) : stop);
        }
        if (!found.isEmpty()) {
            problems.add(t.server.name() + ", batch " + b + ": " + String.join("\n    ", found.subList(0, Math.min(found.size(), 8))));
        }
        return stop;
    }

    private static String list(List<String> problems) {
        if (problems.isEmpty()) {
            return "";
        }
        return "internal errors or Java text in replies after " + problems.size() + " batches (first lines):\n  "
                + String.join("\n  ", problems.subList(0, Math.min(10, problems.size()))) + "\n";
    }

    /** Saves the failing batch's inputs (escaped, long ones cut) with the server output. */
    private static Path save(ServerProcess server, long batch, List<FuzzInputs.Session> sessions, String problem)
            throws IOException {
        Path dir = server.saveReport("fuzz-batch-" + batch, !server.answersPing(1000, true));
        StringBuilder sb = new StringBuilder(problem).append("\n");
        for (int i = 0; i < sessions.size(); i++) {
            FuzzInputs.Session s = sessions.get(i);
            byte[] all = new byte[Math.min(s.size(), 600)];
            int at = 0;
            for (byte[] c : s.chunks()) {
                int n = Math.min(c.length, all.length - at);
                System.arraycopy(c, 0, all, at, n);
                at += n;
            }
            sb.append("#").append(i).append(" ").append(s.kind()).append(", ").append(s.size()).append(" bytes in ")
                    .append(s.chunks().size()).append(" writes: ").append(Resp.escape(all))
                    .append(s.size() > all.length ? "..." : "").append("\n");
        }
        Files.writeString(dir.resolve("fuzz-batch-" + batch + "-" + server.name() + "-inputs.txt"), sb.toString(),
                StandardCharsets.UTF_8);
        return dir;
    }
}
