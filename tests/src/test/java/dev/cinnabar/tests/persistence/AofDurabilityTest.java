package dev.cinnabar.tests.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.testkit.Ports;
import dev.cinnabar.testkit.RespClient;
import dev.cinnabar.testkit.stress.ServerProcess;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The promise users pick the AOF for, checked with SIGKILL: writers send SET (a new key each time)
 * and INCR and record every acknowledged reply; the server process is killed at a random moment
 * (sometimes while a BGREWRITEAOF runs) and restarted on the same directory, which is the next
 * trial's server. With appendfsync always no acknowledged write may be missing, in every trial;
 * with everysec at most about the last 2 seconds may be. (SIGKILL keeps what the OS has already
 * received, so this proves a write reaches the file before its reply; fsync itself would need a
 * power cut.) Each trial is one server start and a few hundred milliseconds of writes.
 */
class AofDurabilityTest {
    private static final int WRITERS = 4;
    private final Path dir = Servers.tempDir();
    private Process process;
    private int port;

    /** The launcher builds the server jar when it is missing or older than the sources; this test then runs the jar. */
    @org.junit.jupiter.api.BeforeAll
    static void buildIfStale() throws Exception {
        Path root = ServerProcess.repositoryRoot();
        Process p = new ProcessBuilder(root.resolve("bin/cinnabar-server").toString(), "--version")
                .directory(root.toFile()).redirectErrorStream(true).start();
        p.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
        assertThat(p.waitFor(600, TimeUnit.SECONDS)).isTrue();
    }

    @AfterEach
    void clean() {
        if (process != null) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        Servers.delete(dir);
    }

    private void startServer(String fsync, String... extra) throws Exception {
        Path root = ServerProcess.repositoryRoot();
        port = Ports.free();
        // the JVM directly (not bin/cinnabar-server, which starts a JVM twice and pre-touches the
        // heap): a small heap and the client compiler make each of the 20+ starts quick
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = root.resolve("server/target/cinnabar-server-0.1.0-SNAPSHOT.jar") + File.pathSeparator
                + root.resolve("server/target/lib/*");
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-Xshare:auto", "-cp", cp, "dev.cinnabar.server.Main", "--port", Integer.toString(port),
                "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes", "--appendfsync", fsync,
                "--auto-aof-rewrite-percentage", "0", "--dir", dir.toString(),
                "--logfile", dir.resolve("server.log").toString()));
        cmd.addAll(List.of(extra));
        process = new ProcessBuilder(cmd).directory(root.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("stdout.log").toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        long deadline = System.currentTimeMillis() + 240_000;
        while (true) {
            assertThat(process.isAlive()).as("server exited at start-up: " + output()).isTrue();
            try (RespClient c = new RespClient("127.0.0.1", port, 2000)) {
                if (c.call("PING").asText().equals("PONG")) {
                    return;
                }
            } catch (RuntimeException e) {
                // not listening yet, or LOADING
            }
            assertThat(System.currentTimeMillis()).as("server did not start: " + output()).isLessThan(deadline);
            Thread.sleep(30);
        }
    }

    private String output() {
        try {
            return Files.readString(dir.resolve("server.log")) + Files.readString(dir.resolve("stdout.log"));
        } catch (IOException e) {
            return "(no output: " + e + ")";
        }
    }

    /** An acknowledged write: the key it created (null for INCR) and when the reply arrived. */
    private record Ack(String key, long atMillis) {
    }

    /** What the writers of all trials so far got acknowledged. */
    private final ConcurrentLinkedQueue<Ack> acked = new ConcurrentLinkedQueue<>();
    private final AtomicLong incrSent = new AtomicLong();
    private final AtomicLong incrAcked = new AtomicLong();

    /**
     * Runs trials: start (on the files of the previous trial), check, write for a random while,
     * SIGKILL. Returns the number of acknowledged writes found missing per trial.
     */
    private List<Long> trials(String fsync, int n, long allowedLossMillis, long seed) throws Exception {
        Random rnd = new Random(seed);
        List<Long> missingPerTrial = new ArrayList<>();
        long lastKill = 0;
        for (int t = 0; t <= n; t++) {
            startServer(fsync);
            if (t > 0) {
                missingPerTrial.add(check(lastKill - allowedLossMillis));
            }
            if (t == n) {
                break;
            }
            AtomicBoolean stop = new AtomicBoolean();
            List<Thread> writers = new ArrayList<>();
            for (int w = 0; w < WRITERS; w++) {
                int id = w;
                int trial = t;
                Thread th = new Thread(() -> write(trial, id, stop), "writer-" + w);
                th.start();
                writers.add(th);
            }
            Thread.sleep(150 + rnd.nextInt(450));
            if (t % 4 == 3) {
                try (RespClient c = new RespClient("127.0.0.1", port, 2000)) {
                    c.call("BGREWRITEAOF"); // killed while the rewrite may still run
                }
                Thread.sleep(rnd.nextInt(30));
            }
            lastKill = System.currentTimeMillis();
            process.destroyForcibly(); // SIGKILL
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
            stop.set(true);
            for (Thread th : writers) {
                th.join(10_000);
            }
        }
        return missingPerTrial;
    }

    private void write(int trial, int id, AtomicBoolean stop) {
        try (RespClient c = new RespClient("127.0.0.1", port, 5000)) {
            for (long i = 0; !stop.get(); i++) {
                String key = "k:" + trial + ":" + id + ":" + i;
                if (c.call("SET", key, Long.toString(i)).asText().equals("OK")) {
                    acked.add(new Ack(key, System.currentTimeMillis()));
                }
                incrSent.incrementAndGet();
                c.call("INCR", "counter");
                incrAcked.incrementAndGet();
                acked.add(new Ack(null, System.currentTimeMillis()));
            }
        } catch (RuntimeException e) {
            // the server was killed: this writer's last request got no reply
        }
    }

    /** Counts acknowledged writes older than {@code before} that the restarted server lacks. */
    private long check(long before) {
        long missing = 0;
        long incrsBefore = 0;
        try (RespClient c = new RespClient("127.0.0.1", port, 30_000)) {
            List<String> keys = new ArrayList<>();
            for (Ack a : acked) {
                if (a.atMillis() > before) {
                    continue;
                }
                if (a.key() == null) {
                    incrsBefore++;
                } else {
                    keys.add(a.key());
                }
            }
            for (int from = 0; from < keys.size(); from += 500) {
                List<String> slice = keys.subList(from, Math.min(keys.size(), from + 500));
                List<String> args = new ArrayList<>(slice);
                args.add(0, "EXISTS");
                missing += slice.size() - Long.parseLong(c.call(args.toArray(new String[0])).asText());
            }
            dev.cinnabar.testkit.Resp counter = c.call("GET", "counter");
            long value = counter instanceof dev.cinnabar.testkit.Resp.Null ? 0 : Long.parseLong(counter.asText());
            missing += Math.max(0, incrsBefore - value);
            assertThat(value).as("INCRs applied cannot exceed INCRs sent").isLessThanOrEqualTo(incrSent.get());
        }
        return missing;
    }

    @Test
    void appendfsyncAlwaysLosesNoAcknowledgedWriteInTwentyKills() throws Exception {
        List<Long> missing = trials("always", 20, 0, 11);
        assertThat(missing).hasSize(20).allMatch(m -> m == 0, "no acknowledged write missing");
        assertThat(acked.size()).as("writes acknowledged over all trials").isGreaterThan(200);
    }

    /**
     * The group commit under many clients: 24 connections INCR one counter and RPUSH to one list
     * with appendfsync always (so most groups hold commands of several clients, and commands run
     * while a group's fsync is in flight), and the server is killed at random moments. An INCR
     * acknowledged with the value v means the reloaded counter is at least v; an RPUSH
     * acknowledged with the length n means the reloaded list has at least n elements and holds
     * the pushed one.
     */
    @Test
    void manyClientsAcknowledgedIncrAndRpushSurviveKillsAtRandomMoments() throws Exception {
        Random rnd = new Random(13);
        int clients = 24;
        int trials = 8;
        AtomicLong maxIncr = new AtomicLong();
        AtomicLong maxLength = new AtomicLong();
        ConcurrentLinkedQueue<String> pushed = new ConcurrentLinkedQueue<>();
        for (int t = 0; t <= trials; t++) {
            startServer("always");
            if (t > 0) {
                try (RespClient c = new RespClient("127.0.0.1", port, 30_000)) {
                    dev.cinnabar.testkit.Resp counter = c.call("GET", "counter");
                    long value = counter instanceof dev.cinnabar.testkit.Resp.Null ? 0 : Long.parseLong(counter.asText());
                    assertThat(value).as("trial " + t + ": the counter holds every acknowledged INCR")
                            .isGreaterThanOrEqualTo(maxIncr.get());
                    List<String> list = ((dev.cinnabar.testkit.Resp.Agg) c.call("LRANGE", "list", "0", "-1")).items()
                            .stream().map(dev.cinnabar.testkit.Resp::asText).toList();
                    assertThat((long) list.size()).as("trial " + t + ": the list holds every acknowledged RPUSH")
                            .isGreaterThanOrEqualTo(maxLength.get());
                    assertThat(new java.util.HashSet<>(list)).as("acknowledged elements").containsAll(pushed);
                }
            }
            if (t == trials) {
                break;
            }
            AtomicBoolean stop = new AtomicBoolean();
            List<Thread> writers = new ArrayList<>();
            for (int w = 0; w < clients; w++) {
                String id = t + ":" + w;
                Thread th = new Thread(() -> {
                    try (RespClient c = new RespClient("127.0.0.1", port, 5000)) {
                        for (long i = 0; !stop.get(); i++) {
                            long v = Long.parseLong(c.call("INCR", "counter").asText());
                            maxIncr.accumulateAndGet(v, Math::max);
                            String element = id + ":" + i;
                            long n = Long.parseLong(c.call("RPUSH", "list", element).asText());
                            maxLength.accumulateAndGet(n, Math::max);
                            pushed.add(element);
                        }
                    } catch (RuntimeException e) {
                        // the server was killed: this client's last request got no reply
                    }
                }, "writer-" + w);
                th.start();
                writers.add(th);
            }
            Thread.sleep(200 + rnd.nextInt(400));
            process.destroyForcibly(); // SIGKILL
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
            stop.set(true);
            for (Thread th : writers) {
                th.join(10_000);
            }
        }
        assertThat(maxIncr.get()).as("INCRs acknowledged over all trials").isGreaterThan(100);
    }

    /**
     * The delivery path: a client served by another client's write (BLMOVE served by LPUSH, on
     * another event loop) hears of the move only once it is in the file. DEBUG AOF-FLUSH-SLEEP
     * holds the AOF write for 2 s; the server is killed the moment the reply arrives, so a reply
     * sent ahead of the write (as before the AofBarrier) loses the move it acknowledged.
     */
    @Test
    void aServedBlockedClientHearsOfTheMoveOnlyOnceItIsInTheFile() throws Exception {
        startServer("always", "--io-threads", "2", "--enable-debug-command", "yes");
        try (RespClient admin = new RespClient("127.0.0.1", port, 10_000);
             RespClient blocked = new RespClient("127.0.0.1", port, 10_000);
             RespClient pusher = new RespClient("127.0.0.1", port, 10_000)) {
            assertThat(admin.call("DEBUG", "AOF-FLUSH-SLEEP", "2000000").asText()).isEqualTo("OK");
            blocked.send("BLMOVE", "src", "dst", "LEFT", "RIGHT", "0");
            long deadline = System.currentTimeMillis() + 10_000;
            while (!admin.call("INFO", "clients").asText().contains("blocked_clients:1")) {
                assertThat(System.currentTimeMillis()).as("BLMOVE did not block").isLessThan(deadline);
                Thread.sleep(10);
            }
            long sent = System.currentTimeMillis();
            pusher.send("LPUSH", "src", "moved");
            assertThat(blocked.read().asText()).isEqualTo("moved");
            long heard = System.currentTimeMillis();
            process.destroyForcibly(); // SIGKILL, as soon as the move is acknowledged
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(heard - sent).as("the reply waited for the AOF write").isGreaterThanOrEqualTo(1900);
        }
        startServer("always");
        try (RespClient c = new RespClient("127.0.0.1", port, 10_000)) {
            assertThat(c.call("LRANGE", "dst", "0", "-1").toString()).contains("moved");
            assertThat(c.call("EXISTS", "src").asText()).isEqualTo("0");
        }
    }

    @Test
    void appendfsyncEverysecLosesAtMostTheLastTwoSeconds() throws Exception {
        List<Long> missing = trials("everysec", 5, 2500, 12);
        assertThat(missing).hasSize(5).allMatch(m -> m == 0, "nothing older than ~2 s missing");
        assertThat(acked.size()).isGreaterThan(50);
    }
}
