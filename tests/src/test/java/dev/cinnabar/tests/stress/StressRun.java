package dev.cinnabar.tests.stress;

import dev.cinnabar.tests.stress.Ledger.Kind;
import dev.cinnabar.tests.stress.Ledger.Op;
import dev.cinnabar.tests.stress.Ledger.Outcome;
import dev.cinnabar.testkit.Resp;
import dev.cinnabar.testkit.RespClient;
import dev.cinnabar.testkit.stress.ServerProcess;
import java.io.ByteArrayOutputStream;
import java.io.UncheckedIOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;

/**
 * One concurrency stress run against a server process: many raw RESP connections at once, each a
 * thread with its own seeded generator, for a fixed time.
 *
 * <ul>
 *   <li>Pipeline workers send random pipelines (one write, one write per request, tiny pauses
 *       between requests, or split mid-frame) mixing EVAL/EVALSHA/FCALL that record their id,
 *       plain RPUSH, ECHO, read-only scripts, pushes onto queues and publishes (plain and from
 *       scripts), MULTI/EXEC blocks (also holding a script); now and then they close the
 *       connection before reading the replies.</li>
 *   <li>Spinners run scripts and functions longer than busy-reply-threshold (100 ms) that
 *       record their id at the end, with follow-up requests pipelined behind them, and often
 *       disconnect while the script runs.</li>
 *   <li>A killer sends SCRIPT KILL / FUNCTION KILL (one long script in five never ends by
 *       itself); a prober checks that PING is always answered promptly (PONG or BUSY); a
 *       transaction holder keeps a MULTI open
 *       across busy scripts; consumers wait in BLPOP/BRPOP for the queues; subscribers (RESP2
 *       and RESP3) listen on the channels.</li>
 * </ul>
 *
 * Every reply is matched to its request (ids come back from ECHO and from scripts, so a lost,
 * extra or misordered reply shows) and every side effect is checked exactly once against the
 * outcomes in the {@link Ledger}. A reply that does not come within the reply timeout is a hang:
 * the run stops and the server's threads are dumped (jcmd) into target/stress-reports.
 */
final class StressRun {
    static final String REC = "redis.call('RPUSH', KEYS[1], ARGV[1]) redis.call('INCR', KEYS[2]) return ARGV[1]";
    static final String SPIN = "local ms = tonumber(ARGV[2]) "
            + "local function now() local t = redis.call('TIME') return t[1] * 1000 + math.floor(t[2] / 1000) end "
            + "local start = now() while now() - start < ms do end " + REC;
    static final String PUSH = "return redis.call('RPUSH', KEYS[1], ARGV[1])";
    static final String PUB = "return redis.call('PUBLISH', KEYS[1], ARGV[1])";
    static final String LIB = "#!lua name=stress\n"
            + "redis.register_function('rec', function(KEYS, ARGV) " + REC + " end)\n"
            + "redis.register_function('spin', function(KEYS, ARGV) " + SPIN + " end)\n"
            + "redis.register_function{function_name='echo_ro', callback=function(KEYS, ARGV) return ARGV[1] end, "
            + "flags={'no-writes'}}\n";
    private static final String KILLED = "ERR Script killed by user with";
    static final int QUEUES = 2;
    static final int CHANNELS = 2;
    static final int SUBSCRIBERS = 2;
    /** A PING must be answered within this even during long scripts (BUSY), on a loaded machine. */
    static final long PING_LIMIT_MS = 5000;

    private final ServerProcess server;
    private final long seed;
    private final long millis;
    private final int replyTimeoutMillis;
    final Ledger ledger = new Ledger();
    private final int pipelineWorkers;
    private final int spinners;
    private final int holders;
    private final int consumers;
    private volatile boolean stop;
    private volatile String hang;
    private String recSha;
    /** Pops by consumers: {consumer, id, queue index}. */
    private final List<String[]> popped = Collections.synchronizedList(new ArrayList<>());
    private final Map<String, List<String>> received = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> stats = new ConcurrentHashMap<>();
    private final List<Thread> threads = new ArrayList<>();
    private final List<Thread> listeners = new ArrayList<>();

    StressRun(ServerProcess server, long seed, long millis, int replyTimeoutMillis, int pipelineWorkers) {
        this.server = server;
        this.seed = seed;
        this.millis = millis;
        this.replyTimeoutMillis = replyTimeoutMillis;
        this.pipelineWorkers = pipelineWorkers;
        this.spinners = 2;
        this.holders = 1;
        this.consumers = 3;
    }

    static String log(int owner) {
        return "st:log:" + owner;
    }

    static String cnt(int owner) {
        return "st:cnt:" + owner;
    }

    static String queue(int q) {
        return "st:q:" + q;
    }

    static String channel(int c) {
        return "st:ch:" + c;
    }

    private void count(String what) {
        stats.computeIfAbsent(what, k -> new AtomicLong()).incrementAndGet();
    }

    String stats() {
        return new java.util.TreeMap<>(stats).toString();
    }

    String hang() {
        return hang;
    }

    // ---- requests and how their replies are judged

    /** Requests sent back to back whose replies decide one op's outcome. */
    private final class Unit {
        final Op op;
        final List<String[]> requests = new ArrayList<>();
        final java.util.function.Function<List<Resp>, Outcome> judge;

        Unit(Op op, java.util.function.Function<List<Resp>, Outcome> judge, String[]... requests) {
            this.op = op;
            this.judge = judge;
            this.requests.addAll(List.of(requests));
        }

        void decide(List<Resp> replies) {
            ledger.resolve(op, judge.apply(replies));
        }
    }

    static boolean busy(Resp r) {
        return r instanceof Resp.Err e && e.message().startsWith("BUSY ");
    }

    private Outcome bad(Op op, Object got, String expected) {
        ledger.violation(op + ": got " + got + ", expected " + expected);
        return Outcome.UNKNOWN;
    }

    /** One request: BUSY means it did not run, a reply passing {@code ok} that it ran. */
    private Unit single(Op op, Predicate<Resp> ok, String expected, String... argv) {
        return new Unit(op, replies -> {
            Resp r = replies.get(0);
            if (busy(r)) {
                return Outcome.REJECTED;
            }
            return ok.test(r) ? Outcome.ACKED : bad(op, r, expected);
        }, argv);
    }

    private static Predicate<Resp> isId(Op op) {
        return r -> r instanceof Resp.Bulk b && b.text().equals(op.id);
    }

    private static boolean isInt(Resp r) {
        return r instanceof Resp.Int;
    }

    /**
     * MULTI, the queued requests, EXEC. As in Redis: MULTI is answered OK even during BUSY; a
     * request refused while queueing (BUSY) makes EXEC fail with EXECABORT, as does EXEC sent during
     * BUSY; otherwise EXEC returns one reply per queued request.
     */
    private Unit multi(Op op, List<Predicate<Resp>> execItems, String... queued) {
        String[][] reqs = new String[queued.length + 2][];
        reqs[0] = new String[] {"MULTI"};
        for (int i = 0; i < queued.length; i++) {
            reqs[i + 1] = queued[i].split(" ");
        }
        reqs[reqs.length - 1] = new String[] {"EXEC"};
        return new Unit(op, replies -> judgeMulti(op, replies, execItems), reqs);
    }

    private Outcome judgeMulti(Op op, List<Resp> replies, List<Predicate<Resp>> execItems) {
        if (!replies.get(0).equals(new Resp.Simple("OK"))) {
            return bad(op, replies, "MULTI answered +OK (also during BUSY)");
        }
        boolean refused = false;
        for (int i = 1; i < replies.size() - 1; i++) {
            Resp r = replies.get(i);
            if (busy(r)) {
                refused = true;
            } else if (!r.equals(new Resp.Simple("QUEUED"))) {
                return bad(op, replies, "+QUEUED or BUSY for each queued request");
            }
        }
        Resp exec = replies.get(replies.size() - 1);
        if (exec instanceof Resp.Err e && e.message().startsWith("EXECABORT ")) {
            if (!refused && !e.message().contains("BUSY")) {
                return bad(op, replies, "EXECABORT only after a refused request or for EXEC during BUSY");
            }
            return Outcome.REJECTED;
        }
        if (refused) {
            return bad(op, replies, "EXECABORT after a request was refused with BUSY while queueing");
        }
        if (exec instanceof Resp.Agg a && a.items().size() == execItems.size()) {
            for (int i = 0; i < execItems.size(); i++) {
                if (!execItems.get(i).test(a.items().get(i))) {
                    return bad(op, replies, "EXEC replies matching the queued requests");
                }
            }
            return Outcome.ACKED;
        }
        return bad(op, replies, "EXEC returning one reply per queued request");
    }

    /** A script/function that records its id after spinning: killed or refused means no effect. */
    private Unit spin(Op op, boolean function, int ms) {
        String[] argv = function
                ? new String[] {"FCALL", "spin", "2", log(op.owner), cnt(op.owner), op.id, Integer.toString(ms)}
                : new String[] {"EVAL", SPIN, "2", log(op.owner), cnt(op.owner), op.id, Integer.toString(ms)};
        return new Unit(op, replies -> {
            Resp r = replies.get(0);
            if (busy(r) || (r instanceof Resp.Err e && e.message().startsWith(KILLED))) {
                return Outcome.REJECTED;
            }
            return isId(op).test(r) ? Outcome.ACKED : bad(op, r, "its id, BUSY or killed");
        }, argv);
    }

    /** A random request with an id for worker {@code owner}. */
    private Unit randomUnit(int owner, long seq, Random rnd) {
        int roll = rnd.nextInt(100);
        String log = log(owner);
        String cnt = cnt(owner);
        if (roll < 14) {
            Op op = ledger.issue(owner, seq, Kind.LOG_INCR, 0, "EVAL rec");
            return single(op, isId(op), "its id", "EVAL", REC, "2", log, cnt, op.id);
        } else if (roll < 22) {
            Op op = ledger.issue(owner, seq, Kind.LOG_INCR, 0, "EVALSHA rec");
            return single(op, isId(op), "its id", "EVALSHA", recSha, "2", log, cnt, op.id);
        } else if (roll < 30) {
            Op op = ledger.issue(owner, seq, Kind.LOG_INCR, 0, "FCALL rec");
            return single(op, isId(op), "its id", "FCALL", "rec", "2", log, cnt, op.id);
        } else if (roll < 40) {
            Op op = ledger.issue(owner, seq, Kind.LOG, 0, "RPUSH");
            return single(op, StressRun::isInt, "an integer", "RPUSH", log, op.id);
        } else if (roll < 50) {
            Op op = ledger.issue(owner, seq, Kind.NONE, 0, "ECHO");
            return single(op, isId(op), "its id", "ECHO", op.id);
        } else if (roll < 53) {
            Op op = ledger.issue(owner, seq, Kind.NONE, 0, "EVAL_RO");
            return single(op, isId(op), "its id", "EVAL_RO", "return ARGV[1]", "0", op.id);
        } else if (roll < 56) {
            Op op = ledger.issue(owner, seq, Kind.NONE, 0, "FCALL_RO");
            return single(op, isId(op), "its id", "FCALL_RO", "echo_ro", "0", op.id);
        } else if (roll < 64) {
            int q = rnd.nextInt(QUEUES);
            Op op = ledger.issue(owner, seq, Kind.QUEUE, q, "RPUSH queue");
            return single(op, StressRun::isInt, "an integer", "RPUSH", queue(q), op.id);
        } else if (roll < 69) {
            int q = rnd.nextInt(QUEUES);
            Op op = ledger.issue(owner, seq, Kind.QUEUE, q, "EVAL push");
            return single(op, StressRun::isInt, "an integer", "EVAL", PUSH, "1", queue(q), op.id);
        } else if (roll < 74) {
            int c = rnd.nextInt(CHANNELS);
            Op op = ledger.issue(owner, seq, Kind.PUBLISH, c, "PUBLISH");
            return single(op, r -> r.equals(new Resp.Int(SUBSCRIBERS)), ":" + SUBSCRIBERS, "PUBLISH", channel(c), op.id);
        } else if (roll < 77) {
            int c = rnd.nextInt(CHANNELS);
            Op op = ledger.issue(owner, seq, Kind.PUBLISH, c, "EVAL publish");
            return single(op, r -> r.equals(new Resp.Int(SUBSCRIBERS)), ":" + SUBSCRIBERS, "EVAL", PUB, "1", channel(c), op.id);
        } else if (roll < 90) {
            Op op = ledger.issue(owner, seq, Kind.LOG_INCR, 0, "MULTI RPUSH INCR EXEC");
            return multi(op, List.of(StressRun::isInt, StressRun::isInt), "RPUSH " + log + " " + op.id, "INCR " + cnt);
        } else if (roll < 95) {
            Op op = ledger.issue(owner, seq, Kind.LOG_INCR, 0, "MULTI EVALSHA EXEC");
            return multi(op, List.of(isId(op)), "EVALSHA " + recSha + " 2 " + log + " " + cnt + " " + op.id);
        } else {
            Op op = ledger.issue(owner, seq, Kind.LOG_INCR, 0, "MULTI FCALL ECHO EXEC");
            return multi(op, List.of(isId(op), r -> r.asText().equals("x")), "FCALL rec 2 " + log + " " + cnt + " " + op.id,
                    "ECHO x");
        }
    }

    // ---- connections

    /** A worker's connection: writes pipelines in several ways, reads replies unit by unit. */
    private final class Conn implements AutoCloseable {
        final RespClient client;
        final String who;

        Conn(String who) {
            this(who, replyTimeoutMillis);
        }

        Conn(String who, int timeoutMillis) {
            this.who = who;
            client = new RespClient("127.0.0.1", server.port(), timeoutMillis);
        }

        /** Writes every request of the units: at once, one write each, with pauses, or cut mid-frame. */
        void write(List<Unit> units, Random rnd) {
            List<byte[]> frames = new ArrayList<>();
            for (Unit u : units) {
                for (String[] argv : u.requests) {
                    byte[][] b = new byte[argv.length][];
                    for (int i = 0; i < argv.length; i++) {
                        b[i] = argv[i].getBytes(StandardCharsets.UTF_8);
                    }
                    frames.add(RespClient.encode(b));
                }
            }
            if (frames.isEmpty()) {
                return;
            }
            int mode = rnd.nextInt(4);
            if (mode == 0 || (mode == 3 && frames.size() == 1 && frames.get(0).length < 2)) {
                client.writeRaw(concat(frames));
            } else if (mode == 1 || mode == 2) {
                for (byte[] f : frames) {
                    client.writeRaw(f);
                    if (mode == 2) {
                        LockSupport.parkNanos(rnd.nextInt(300_000));
                    }
                }
            } else {
                byte[] all = concat(frames);
                int cut = 1 + rnd.nextInt(all.length - 1);
                client.writeRaw(java.util.Arrays.copyOfRange(all, 0, cut));
                LockSupport.parkNanos(rnd.nextInt(500_000));
                client.writeRaw(java.util.Arrays.copyOfRange(all, cut, all.length));
            }
        }

        /**
         * Reads the units' replies in order; the first {@code stopAfter} replies only (then the
         * caller closes the connection). Units not fully answered stay pending (unknown). Returns
         * false when the connection is unusable (hang, or closed by the server).
         */
        boolean read(List<Unit> units, int stopAfter) {
            int read = 0;
            for (Unit u : units) {
                List<Resp> replies = new ArrayList<>();
                for (int i = 0; i < u.requests.size(); i++) {
                    if (read++ >= stopAfter) {
                        return true;
                    }
                    try {
                        replies.add(client.read());
                    } catch (UncheckedIOException e) {
                        failed(e, "the reply to " + u.op + " (request " + (i + 1) + " of " + u.requests.size() + ")");
                        return false;
                    }
                }
                u.decide(replies);
            }
            return true;
        }

        void failed(UncheckedIOException e, String what) {
            if (e.getCause() instanceof SocketTimeoutException) {
                hangDetected(who + " got no reply within " + replyTimeoutMillis + " ms to " + what);
            } else if (hang == null) {
                ledger.violation(who + ": the server closed the connection (" + e.getMessage() + ") before " + what);
            }
        }

        @Override
        public void close() {
            client.close();
        }
    }

    private static byte[] concat(List<byte[]> parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        parts.forEach(out::writeBytes);
        return out.toByteArray();
    }

    private void hangDetected(String what) {
        synchronized (this) {
            if (hang == null) {
                hang = what;
                ledger.violation("HANG: " + what);
            }
        }
        stop = true;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A pipeline, answered by a final ECHO so that an extra or missing reply shows at the end. */
    private boolean closeCleanly(Conn c, int owner, long seq) {
        Op op = ledger.issue(owner, seq, Kind.NONE, 0, "final ECHO");
        Unit u = single(op, isId(op), "its id", "ECHO", op.id);
        try {
            c.client.send(u.requests.get(0));
        } catch (UncheckedIOException e) {
            ledger.violation(c.who + ": cannot write the final ECHO: " + e.getMessage());
            return false;
        }
        return c.read(List.of(u), Integer.MAX_VALUE);
    }

    // ---- workers

    private void pipelineWorker(int owner, long deadline) {
        Random rnd = new Random(seed * 1_000_003L + owner);
        long seq = 0;
        Conn c = new Conn("worker " + owner);
        try {
            while (!stop && System.nanoTime() < deadline) {
                List<Unit> units = new ArrayList<>();
                int n = 1 + rnd.nextInt(8);
                for (int i = 0; i < n; i++) {
                    units.add(randomUnit(owner, ++seq, rnd));
                }
                c.write(units, rnd);
                count("pipelines");
                boolean disconnect = rnd.nextInt(100) < 3;
                int total = units.stream().mapToInt(u -> u.requests.size()).sum();
                int readUpTo = disconnect ? rnd.nextInt(total) : Integer.MAX_VALUE;
                int before = ledger.violationCount();
                boolean usable = c.read(units, readUpTo);
                // after a wrong reply the connection's state (MULTI...) is unknown: start afresh
                if (disconnect || !usable || ledger.violationCount() > before) {
                    count(disconnect ? "disconnects mid-pipeline" : "reconnects");
                    c.close();
                    if (stop) {
                        return;
                    }
                    c = new Conn("worker " + owner);
                }
            }
            if (hang == null) {
                closeCleanly(c, owner, ++seq);
            }
        } finally {
            c.close();
        }
    }

    /** Spinners not finished yet (the killer goes on until none is left). */
    private final java.util.concurrent.atomic.AtomicInteger spinnersRunning = new java.util.concurrent.atomic.AtomicInteger();

    private void spinner(int owner, long deadline) {
        Random rnd = new Random(seed * 1_000_003L + owner);
        long seq = 0;
        Conn c = new Conn("spinner " + owner);
        spinnersRunning.incrementAndGet();
        try {
            while (!stop && System.nanoTime() < deadline) {
                sleep(100 + rnd.nextInt(700));
                boolean function = rnd.nextBoolean();
                // one in five never ends by itself: only the killer can stop it
                boolean endless = rnd.nextInt(5) == 0;
                int ms = endless ? 1_000_000_000 : 120 + rnd.nextInt(300);
                Op op = ledger.issue(owner, ++seq, Kind.LOG_INCR, 0,
                        (function ? "FCALL" : "EVAL") + " spin " + (endless ? "endless" : ms + " ms"));
                List<Unit> units = new ArrayList<>();
                units.add(spin(op, function, ms));
                int followUps = rnd.nextInt(4);
                for (int i = 0; i < followUps; i++) {
                    units.add(randomUnit(owner, ++seq, rnd));
                }
                count((endless ? "endless " : "busy ") + (function ? "functions" : "scripts"));
                if (rnd.nextBoolean()) {
                    c.write(units, rnd);
                } else {
                    c.write(units.subList(0, 1), rnd);
                    sleep(rnd.nextInt(200));
                    c.write(units.subList(1, units.size()), rnd); // arrive while the script runs
                }
                if (rnd.nextInt(100) < 35) {
                    sleep(rnd.nextInt(400));
                    count("disconnects during a long script");
                    c.close();
                    c = new Conn("spinner " + owner);
                } else if (!c.read(units, Integer.MAX_VALUE)) {
                    c.close();
                    if (stop) {
                        return;
                    }
                    c = new Conn("spinner " + owner);
                }
            }
            if (hang == null) {
                closeCleanly(c, owner, ++seq);
            }
        } finally {
            spinnersRunning.decrementAndGet();
            c.close();
        }
    }

    /** Keeps a MULTI open for a while, queueing with pauses, across other clients' busy scripts. */
    private void holder(int owner, long deadline) {
        Random rnd = new Random(seed * 1_000_003L + owner);
        long seq = 0;
        Conn c = new Conn("transaction holder " + owner);
        try {
            while (!stop && System.nanoTime() < deadline) {
                sleep(rnd.nextInt(300));
                Op op = ledger.issue(owner, ++seq, Kind.LOG_INCR, 0, "held MULTI RPUSH INCR EXEC");
                Unit u = multi(op, List.of(StressRun::isInt, StressRun::isInt), "RPUSH " + log(owner) + " " + op.id,
                        "INCR " + cnt(owner));
                List<Resp> replies = new ArrayList<>();
                boolean ok = true;
                for (String[] argv : u.requests) {
                    try {
                        c.client.send(argv);
                        replies.add(c.client.read());
                    } catch (UncheckedIOException e) {
                        c.failed(e, "the reply to " + op + " " + argv[0]);
                        ok = false;
                        break;
                    }
                    sleep(rnd.nextInt(250));
                }
                count("held transactions");
                if (!ok) {
                    return;
                }
                int before = ledger.violationCount();
                u.decide(replies);
                if (ledger.violationCount() > before) {
                    c.close(); // its transaction state is unknown: start afresh
                    c = new Conn("transaction holder " + owner);
                }
            }
            if (hang == null) {
                closeCleanly(c, owner, ++seq);
            }
        } finally {
            c.close();
        }
    }

    private void killer(long deadline) {
        Random rnd = new Random(seed * 1_000_003L - 1);
        try (Conn c = new Conn("killer")) {
            // past the deadline too, while a spinner still waits: its last script may be endless
            while (!stop && (System.nanoTime() < deadline || spinnersRunning.get() > 0)) {
                sleep(50 + rnd.nextInt(350));
                boolean function = rnd.nextBoolean();
                Resp r;
                try {
                    r = c.client.call(function ? "FUNCTION" : "SCRIPT", "KILL");
                } catch (UncheckedIOException e) {
                    c.failed(e, (function ? "FUNCTION" : "SCRIPT") + " KILL");
                    return;
                }
                String m = r.toString();
                if (m.equals("+OK")) {
                    count("kills");
                } else if (!(m.startsWith("-NOTBUSY ") || m.startsWith("-UNKILLABLE ")
                        || m.startsWith("-BUSY Redis is busy running a script. You can only call "))) {
                    ledger.violation((function ? "FUNCTION" : "SCRIPT") + " KILL got " + m);
                }
            }
        }
    }

    /**
     * Pings every few hundred milliseconds, on its connection and on fresh ones: during a long
     * script the server must still answer at once (BUSY past the threshold), never stall.
     */
    private void prober(long deadline) {
        Random rnd = new Random(seed * 1_000_003L - 2);
        Conn c = new Conn("prober");
        try {
            while (!stop && System.nanoTime() < deadline) {
                sleep(100 + rnd.nextInt(200));
                boolean fresh = rnd.nextInt(4) == 0;
                Conn p = fresh ? new Conn("prober (fresh connection)") : c;
                long t0 = System.nanoTime();
                Resp r;
                try {
                    r = p.client.call("PING");
                } catch (UncheckedIOException e) {
                    p.failed(e, "PING");
                    return;
                } finally {
                    if (fresh) {
                        p.close();
                    }
                }
                long ms = (System.nanoTime() - t0) / 1_000_000;
                count("pings");
                if (ms > PING_LIMIT_MS) {
                    ledger.violation(p.who + ": PING took " + ms + " ms (limit " + PING_LIMIT_MS + " ms)");
                }
                if (!r.equals(new Resp.Simple("PONG")) && !busy(r)) {
                    ledger.violation(p.who + ": PING got " + r);
                }
            }
        } finally {
            c.close();
        }
    }

    private void consumer(int index) {
        String who = "consumer " + index;
        try (Conn c = new Conn(who)) {
            while (!stop) {
                String cmd = index % 2 == 0 ? "BLPOP" : "BRPOP";
                Resp r;
                try {
                    r = c.client.call(cmd, queue(0), queue(1), "1");
                } catch (UncheckedIOException e) {
                    c.failed(e, cmd);
                    return;
                }
                if (r instanceof Resp.Agg a && a.items().size() == 2) {
                    String key = a.items().get(0).asText();
                    int q = key.equals(queue(0)) ? 0 : key.equals(queue(1)) ? 1 : -1;
                    popped.add(new String[] {who, a.items().get(1).asText(), Integer.toString(q)});
                    count("pops");
                } else if (busy(r)) {
                    sleep(20);
                } else if (!(r instanceof Resp.Null)) {
                    ledger.violation(who + ": " + cmd + " got " + r);
                }
            }
        }
    }

    private void subscriber(int index, CountDownLatch subscribed) {
        String who = "subscriber " + index + (index == 1 ? " (RESP3)" : " (RESP2)");
        // quiet stretches are normal for a subscriber (long scripts, the settling at the end)
        try (Conn c = new Conn(who, 3 * replyTimeoutMillis + 40_000)) {
            if (index == 1) {
                c.client.call("HELLO", "3");
            }
            String[] argv = new String[CHANNELS + 1];
            argv[0] = "SUBSCRIBE";
            for (int ch = 0; ch < CHANNELS; ch++) {
                argv[ch + 1] = channel(ch);
                received.put(who + "|" + ch, Collections.synchronizedList(new ArrayList<>()));
            }
            c.client.send(argv);
            for (int ch = 0; ch < CHANNELS; ch++) {
                c.client.read();
            }
            subscribed.countDown();
            int ended = 0;
            while (ended < CHANNELS) {
                Resp r;
                try {
                    r = c.client.read();
                } catch (UncheckedIOException e) {
                    if (hang == null) {
                        c.failed(e, "the next message (" + ended + " of " + CHANNELS + " channels ended)");
                    }
                    return;
                }
                if (!(r instanceof Resp.Agg a) || a.items().size() != 3 || !a.items().get(0).asText().equals("message")) {
                    ledger.violation(who + " got " + r + ", expected a message");
                    continue;
                }
                String ch = a.items().get(1).asText();
                String payload = a.items().get(2).asText();
                if (payload.equals("END")) {
                    ended++;
                } else {
                    received.get(who + "|" + ch.substring(ch.lastIndexOf(':') + 1)).add(payload);
                }
            }
        }
    }

    private Thread thread(String name, Runnable r) {
        Thread t = new Thread(() -> {
            try {
                r.run();
            } catch (RuntimeException | Error e) {
                ledger.violation(name + " failed: " + e);
            }
        }, "stress-" + name);
        t.setDaemon(true);
        return t;
    }

    // ---- the run

    /** Runs the load, stops it, lets the server settle and checks everything. */
    void run() throws InterruptedException {
        try (RespClient admin = server.client()) {
            admin.call("CONFIG", "SET", "busy-reply-threshold", "100");
            recSha = admin.call("SCRIPT", "LOAD", REC).asText();
            admin.call("FUNCTION", "LOAD", "REPLACE", LIB);
        }
        CountDownLatch subscribed = new CountDownLatch(SUBSCRIBERS);
        for (int i = 0; i < SUBSCRIBERS; i++) {
            int index = i;
            listeners.add(thread("subscriber-" + i, () -> subscriber(index, subscribed)));
        }
        listeners.forEach(Thread::start);
        if (!subscribed.await(30, TimeUnit.SECONDS)) {
            ledger.violation("subscribers could not subscribe within 30 s");
            return;
        }
        for (int i = 0; i < consumers; i++) {
            int index = i;
            listeners.add(thread("consumer-" + i, () -> consumer(index)));
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        int owner = 0;
        for (int i = 0; i < pipelineWorkers; i++) {
            int o = owner++;
            threads.add(thread("worker-" + o, () -> pipelineWorker(o, deadline)));
        }
        for (int i = 0; i < spinners; i++) {
            int o = owner++;
            threads.add(thread("spinner-" + o, () -> spinner(o, deadline)));
        }
        for (int i = 0; i < holders; i++) {
            int o = owner++;
            threads.add(thread("holder-" + o, () -> holder(o, deadline)));
        }
        threads.add(thread("killer", () -> killer(deadline)));
        threads.add(thread("prober", () -> prober(deadline)));
        listeners.subList(SUBSCRIBERS, listeners.size()).forEach(Thread::start);
        threads.forEach(Thread::start);
        for (Thread t : threads) {
            t.join(millis + 3L * replyTimeoutMillis + 10_000);
            if (t.isAlive()) {
                hangDetected(t.getName() + " did not finish");
            }
        }
        stop = true;
        if (hang != null) {
            return;
        }
        settleServer();
        if (hang != null) {
            return;
        }
        try (RespClient admin = server.client(replyTimeoutMillis)) {
            for (int ch = 0; ch < CHANNELS; ch++) {
                Resp r = admin.call("PUBLISH", channel(ch), "END");
                if (!r.equals(new Resp.Int(SUBSCRIBERS))) {
                    ledger.violation("PUBLISH END on channel " + ch + " reached " + r + " subscribers");
                }
            }
            for (Thread t : listeners) {
                t.join(3L * replyTimeoutMillis);
                if (t.isAlive()) {
                    hangDetected(t.getName() + " did not finish");
                    return;
                }
            }
            checkDataset(admin, owner);
        } catch (UncheckedIOException e) {
            hangDetected("reading the final dataset: " + e.getMessage());
        }
    }

    /** Kills whatever script still runs and waits until a fresh connection gets PONG. */
    private void settleServer() {
        long deadline = System.currentTimeMillis() + 30_000;
        try (RespClient admin = server.client(replyTimeoutMillis)) {
            while (System.currentTimeMillis() < deadline) {
                Resp r = admin.call("PING");
                if (r.equals(new Resp.Simple("PONG"))) {
                    sleep(300); // connections closed by the test finish what they were running
                    if (server.answersPing(replyTimeoutMillis, false)) {
                        return;
                    }
                } else if (busy(r)) {
                    admin.call("SCRIPT", "KILL");
                    admin.call("FUNCTION", "KILL");
                }
                sleep(50);
            }
            hangDetected("the server did not settle (PING never answered PONG within 30 s after the load)");
        } catch (UncheckedIOException e) {
            hangDetected("settling after the load: " + e.getMessage());
        }
    }

    private void checkDataset(RespClient admin, int owners) {
        ledger.settle();
        for (int o = 0; o < owners; o++) {
            List<String> log = texts(admin.call("LRANGE", log(o), "0", "-1"));
            Resp c = admin.call("GET", cnt(o));
            long counter = c instanceof Resp.Null ? 0 : Long.parseLong(c.asText());
            ledger.checkLog(o, log, counter);
        }
        Map<Integer, List<String>> remaining = new HashMap<>();
        for (int q = 0; q < QUEUES; q++) {
            remaining.put(q, texts(admin.call("LRANGE", queue(q), "0", "-1")));
        }
        ledger.checkQueues(remaining, new ArrayList<>(popped));
        Map<String, Integer> timesSeen = new HashMap<>();
        for (Map.Entry<String, List<String>> e : received.entrySet()) {
            String[] k = e.getKey().split("\\|");
            ledger.checkSubscriber(k[0], Integer.parseInt(k[1]), new ArrayList<>(e.getValue()), timesSeen);
        }
        ledger.checkAllOrNone(timesSeen, SUBSCRIBERS);
    }

    private static List<String> texts(Resp r) {
        List<String> out = new ArrayList<>();
        if (r instanceof Resp.Agg a) {
            for (Resp x : a.items()) {
                out.add(x.asText());
            }
        }
        return out;
    }
}
