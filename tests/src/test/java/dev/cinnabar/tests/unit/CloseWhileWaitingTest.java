package dev.cinnabar.tests.unit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.server.ExecutionLock;
import dev.cinnabar.server.session.Client;
import dev.cinnabar.server.session.ClientFlags;
import dev.cinnabar.testkit.CinnabarExtension;
import dev.cinnabar.testkit.RealRedis;
import dev.cinnabar.testkit.RespClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 9, exactly once: a client that sends requests and closes its connection at once has every
 * complete request the server read executed once, in order, as Redis does (it runs its whole query
 * buffer before its next read finds the EOF), also when the requests were still waiting for the
 * execution lock (another client's slow command, a transaction, a script) or were on the script
 * thread when the close arrived. The exceptions are Redis's too: nothing more runs for a client
 * blocked (BLPOP) or postponed (CLIENT PAUSE) when it closes, after QUIT, for a client the server
 * killed, nor for an incomplete last request or a MULTI whose EXEC never came.
 *
 * <p>A client that only half-closes (shuts its sending side down and keeps reading) also gets
 * every reply, then the server closes the connection, as Redis answers what it read before its
 * next read finds the EOF.
 *
 * <p>Deterministic: the tests that need the close to arrive while the batch waits hold the
 * execution lock themselves (as {@link CinnabarExtension#flushAll} does), half-close the
 * connection and wait until the server has read the EOF ({@code Connection.inputClosed}) before
 * the lock is released. The differential tests run the same dialog against real Redis (with DEBUG
 * SLEEP as the slow command where another client must hold the server) and compare the replies
 * and the data left.
 */
class CloseWhileWaitingTest {
    @RegisterExtension
    static CinnabarExtension server = new CinnabarExtension().setting("enable-debug-command", "yes");

    private static RealRedis redis;

    @AfterAll
    static void stopRedis() {
        if (redis != null) {
            redis.close();
        }
    }

    private static int redisPort() {
        if (redis == null) {
            redis = RealRedis.start("--enable-debug-command", "yes");
        }
        return redis.port();
    }

    // ---- deterministic: the test holds the execution lock while the peer closes

    @Test
    void aPipelineWaitingForTheLockRunsOnceInOrderAndIsAnsweredAfterThePeerHalfCloses() {
        int n = 3000;
        ByteArrayOutputStream req = new ByteArrayOutputStream();
        for (int i = 0; i < n; i++) {
            req.writeBytes(RespClient.encode(b("INCR"), b("counter")));
            req.writeBytes(RespClient.encode(b("RPUSH"), b("list"), b(Integer.toString(i))));
        }
        req.writeBytes("*2\r\n$4\r\nINCR\r\n$7\r\nunfin".getBytes(StandardCharsets.US_ASCII)); // incomplete
        Raw raw = Raw.open(server.port());
        whileLocked(() -> {
            raw.send(req.toByteArray());
            raw.halfCloseAndAwaitEofSeen();
        });
        StringBuilder replies = new StringBuilder();
        for (int i = 1; i <= n; i++) {
            replies.append(':').append(i).append("\r\n:").append(i).append("\r\n");
        }
        assertThat(raw.readToEof()).as("every reply, then the close").isEqualTo(replies.toString());
        awaitGone(server.port(), raw.id);
        try (RespClient c = new RespClient(server.port())) {
            assertThat(c.call("GET", "counter").asText()).isEqualTo(Integer.toString(n));
            assertThat(c.call("LRANGE", "list", "0", "-1").toString()).isEqualTo(sequence(n));
            assertThat(c.call("EXISTS", "unfinished").asText()).isEqualTo("0");
        }
    }

    @Test
    void aPipelineWaitingForTheLockRunsAfterAFullClose() {
        int n = 500;
        ByteArrayOutputStream req = new ByteArrayOutputStream();
        for (int i = 0; i < n; i++) {
            req.writeBytes(RespClient.encode(b("RPUSH"), b("list"), b(Integer.toString(i))));
        }
        Raw raw = Raw.open(server.port());
        whileLocked(() -> {
            raw.send(req.toByteArray());
            raw.close();
            pause(300); // the EOF is seen meanwhile (if not, the normal path runs: the same outcome)
        });
        awaitGone(server.port(), raw.id);
        try (RespClient c = new RespClient(server.port())) {
            assertThat(c.call("LRANGE", "list", "0", "-1").toString()).isEqualTo(sequence(n));
        }
    }

    @Test
    void aBatchOnTheScriptThreadAndTheInputBehindItRunOnceAfterThePeerCloses() {
        String script = "redis.call('RPUSH', KEYS[1], ARGV[1]) return redis.call('INCR', KEYS[2])";
        int n = 300;
        // the first request is a script: the batch goes to the script thread, which waits for the lock
        IntFunction<byte[]> eval = i -> RespClient.encode(b("EVAL"), b(script), b("2"), b("list"), b("counter"),
                b(Integer.toString(i)));
        ByteArrayOutputStream rest = new ByteArrayOutputStream();
        for (int i = 1; i < n; i++) {
            rest.writeBytes(i % 3 == 0 ? eval.apply(i)
                    : RespClient.encode(b("EVAL"), b("return redis.call('INCR', KEYS[1])"), b("1"), b("counter")));
            rest.writeBytes(RespClient.encode(b("RPUSH"), b("list"), b(Integer.toString(i))));
        }
        Raw raw = Raw.open(server.port());
        whileLocked(() -> {
            raw.send(eval.apply(0));
            pause(100); // parsed and handed over alone: the rest stays unparsed input
            raw.send(rest.toByteArray());
            raw.halfCloseAndAwaitEofSeen();
        });
        assertThat(raw.readToEof().split("\r\n")).as("one reply per request").hasSize(2 * n - 1);
        awaitGone(server.port(), raw.id);
        try (RespClient c = new RespClient(server.port())) {
            assertThat(c.call("GET", "counter").asText()).isEqualTo(Integer.toString(n));
            List<String> expected = new ArrayList<>();
            expected.add("0");
            for (int i = 1; i < n; i++) {
                if (i % 3 == 0) {
                    expected.add(Integer.toString(i));
                }
                expected.add(Integer.toString(i));
            }
            assertThat(c.call("LRANGE", "list", "0", "-1").toString()).isEqualTo(quoted(expected));
        }
    }

    @Test
    void aWaitingBatchThatReachesAScriptGoesToTheScriptThreadAfterThePeerCloses() {
        Raw raw = Raw.open(server.port());
        whileLocked(() -> {
            raw.send(RespClient.encode(b("RPUSH"), b("list"), b("a")),
                    RespClient.encode(b("EVAL"), b("return redis.call('RPUSH', KEYS[1], 'b')"), b("1"), b("list")),
                    RespClient.encode(b("RPUSH"), b("list"), b("c")));
            raw.halfCloseAndAwaitEofSeen();
        });
        assertThat(raw.readToEof()).isEqualTo(":1\r\n:2\r\n:3\r\n");
        awaitGone(server.port(), raw.id);
        try (RespClient c = new RespClient(server.port())) {
            assertThat(c.call("LRANGE", "list", "0", "-1").toString()).isEqualTo("*[\"a\", \"b\", \"c\"]");
        }
    }

    @Test
    void aTransactionWhoseExecWasReadIsAppliedOneWithoutExecIsNot() {
        Raw raw = Raw.open(server.port());
        whileLocked(() -> {
            raw.send(RespClient.encode(b("SELECT"), b("3")),
                    RespClient.encode(b("MULTI")), RespClient.encode(b("INCR"), b("tx")),
                    RespClient.encode(b("RPUSH"), b("list"), b("in-tx")), RespClient.encode(b("EXEC")),
                    RespClient.encode(b("INCR"), b("after")),
                    RespClient.encode(b("MULTI")), RespClient.encode(b("INCR"), b("never")));
            raw.halfCloseAndAwaitEofSeen();
        });
        assertThat(raw.readToEof()).isEqualTo("+OK\r\n+OK\r\n+QUEUED\r\n+QUEUED\r\n*2\r\n:1\r\n:1\r\n:1\r\n+OK\r\n+QUEUED\r\n");
        awaitGone(server.port(), raw.id);
        try (RespClient c = new RespClient(server.port())) {
            c.call("SELECT", "3"); // the session's own db: it ran with the live session
            assertThat(c.call("MGET", "tx", "after", "never").toString()).isEqualTo("*[\"1\", \"1\", (nil$)]");
            assertThat(c.call("LRANGE", "list", "0", "-1").toString()).isEqualTo("*[\"in-tx\"]");
        }
    }

    @Test
    void quitStopsWhatFollowsIt() {
        Raw raw = Raw.open(server.port());
        whileLocked(() -> {
            raw.send(RespClient.encode(b("INCR"), b("q")), RespClient.encode(b("QUIT")),
                    RespClient.encode(b("INCR"), b("q")));
            raw.halfCloseAndAwaitEofSeen();
        });
        assertThat(raw.readToEof()).isEqualTo(":1\r\n+OK\r\n");
        awaitGone(server.port(), raw.id);
        try (RespClient c = new RespClient(server.port())) {
            assertThat(c.call("GET", "q").asText()).isEqualTo("1");
        }
    }

    @Test
    void aClientKilledWhileItsBatchWaitsRunsNothingWhicheverCloseComesFirst() {
        for (boolean peerFirst : new boolean[] {true, false}) {
            server.flushAll();
            Raw raw = Raw.open(server.port());
            whileLocked(() -> {
                raw.send(RespClient.encode(b("INCR"), b("killed")), RespClient.encode(b("INCR"), b("killed")));
                if (peerFirst) {
                    raw.halfCloseAndAwaitEofSeen();
                }
                // what CLIENT KILL does (under the lock, which this thread holds)
                Client victim = server.server().context().clients().get(raw.id);
                victim.flags |= ClientFlags.CLOSE_ASAP;
                victim.connection().close();
                if (!peerFirst) {
                    assertThat(raw.halfCloseAndAwaitEof()).isEmpty();
                }
            });
            if (peerFirst) {
                assertThat(raw.readToEof()).as("killed: nothing is answered").isEmpty();
            }
            awaitGone(server.port(), raw.id);
            try (RespClient c = new RespClient(server.port())) {
                assertThat(c.call("EXISTS", "killed").asText()).as("peer first: " + peerFirst).isEqualTo("0");
            }
        }
    }

    // ---- differential against real Redis

    @Test
    void aHalfClosedClientWhoseBatchWaitedForTheLockGetsEveryReplyAsInRedis() {
        String real = halfClosedWhileLocked(false);
        assertThat(real).startsWith("+OK\r\n$1\r\nb\r\n").endsWith("*2\r\n$1\r\nb\r\n:42\r\n");
    }

    @Test
    void aHalfClosedClientWhoseBatchWentToTheScriptThreadGetsEveryReplyAsInRedis() {
        String real = halfClosedWhileLocked(true);
        assertThat(real).startsWith(":1\r\n+OK\r\n");
    }

    /**
     * Sends the dialog and half-closes, against real Redis and against ours while the test holds
     * the lock until the EOF was read (the batch waits for the lock, or for the script thread that
     * waits for it); the replies must be the same. Returns Redis's.
     */
    private static String halfClosedWhileLocked(boolean scriptFirst) {
        byte[] dialog = halfCloseDialog(scriptFirst);
        String real = halfCloseAgainstRedis(dialog);
        server.flushAll();
        Raw raw = Raw.open(server.port());
        whileLocked(() -> {
            raw.send(dialog);
            raw.halfCloseAndAwaitEofSeen();
        });
        assertThat(raw.readToEof()).isEqualTo(real);
        awaitGone(server.port(), raw.id);
        return real;
    }

    @Test
    void aHalfClosedClientIsAnsweredWhenNothingWaitsAsInRedis() {
        byte[] dialog = halfCloseDialog(false);
        String real = halfCloseAgainstRedis(dialog);
        server.flushAll();
        Raw raw = Raw.open(server.port());
        raw.send(dialog);
        raw.halfClose();
        assertThat(raw.readToEof()).isEqualTo(real);
        awaitGone(server.port(), raw.id);
    }

    /** A pipeline of replies of every kind; it starts with a script when scriptFirst. */
    private static byte[] halfCloseDialog(boolean scriptFirst) {
        ByteArrayOutputStream req = new ByteArrayOutputStream();
        if (scriptFirst) {
            req.writeBytes(RespClient.encode(b("EVAL"), b("return redis.call('INCR', KEYS[1])"), b("1"), b("n")));
        }
        req.writeBytes(RespClient.encode(b("SET"), b("a"), b("b")));
        req.writeBytes(RespClient.encode(b("GET"), b("a")));
        req.writeBytes("PING\r\n".getBytes(StandardCharsets.US_ASCII)); // inline
        req.writeBytes(RespClient.encode(b("NOSUCHCOMMAND"), b("x")));
        req.writeBytes(RespClient.encode(b("LPUSH"), b("a"), b("x"))); // WRONGTYPE
        for (int i = 0; i < 500; i++) {
            req.writeBytes(RespClient.encode(b("RPUSH"), b("list"), b(Integer.toString(i))));
        }
        req.writeBytes(RespClient.encode(b("LRANGE"), b("list"), b("0"), b("-1")));
        req.writeBytes(RespClient.encode(b("EVAL"), b("return {KEYS[1], redis.call('GET', KEYS[1])}"), b("1"), b("a")));
        req.writeBytes(RespClient.encode(b("MULTI")));
        req.writeBytes(RespClient.encode(b("GET"), b("a")));
        req.writeBytes(RespClient.encode(b("SET"), b("n"), b("42")));
        req.writeBytes(RespClient.encode(b("EXEC")));
        req.writeBytes(RespClient.encode(b("MULTI")));
        req.writeBytes(RespClient.encode(b("GET"), b("a")));
        req.writeBytes(RespClient.encode(b("INCRBY"), b("n"), b("0")));
        req.writeBytes(RespClient.encode(b("EXEC")));
        return req.toByteArray();
    }

    /** Real Redis's replies to the dialog from a client that half-closes after sending it. */
    private static String halfCloseAgainstRedis(byte[] dialog) {
        int port = redisPort();
        try (RespClient control = new RespClient(port)) {
            control.call("FLUSHALL");
        }
        Raw raw = Raw.open(port);
        raw.send(dialog);
        raw.halfClose();
        String got = raw.readToEof();
        raw.close();
        return got;
    }

    @Test
    void aPipelineSentDuringAnotherClientsSlowCommandRunsAsInRedis() {
        List<String> cinnabar = slowCommandDialog(server.port());
        List<String> real = slowCommandDialog(redisPort());
        assertThat(cinnabar).isEqualTo(real);
        assertThat(cinnabar).containsExactly(":200", quoted(range(200)), "*[\"1\", \"1\", (nil$)]");
    }

    /** Another client runs DEBUG SLEEP while a raw client sends a pipeline and closes. */
    private static List<String> slowCommandDialog(int port) {
        try (RespClient control = new RespClient(port); RespClient slow = new RespClient(port)) {
            control.call("FLUSHALL");
            ByteArrayOutputStream req = new ByteArrayOutputStream();
            for (int i = 0; i < 200; i++) {
                req.writeBytes(RespClient.encode(b("RPUSH"), b("list"), b(Integer.toString(i))));
            }
            req.writeBytes(RespClient.encode(b("MULTI")));
            req.writeBytes(RespClient.encode(b("INCR"), b("tx")));
            req.writeBytes(RespClient.encode(b("EXEC")));
            req.writeBytes(RespClient.encode(b("INCR"), b("after")));
            req.writeBytes(RespClient.encode(b("MULTI")));
            req.writeBytes(RespClient.encode(b("INCR"), b("never")));
            Raw raw = Raw.open(port);
            slow.send("DEBUG", "SLEEP", "0.5");
            pause(50);
            raw.send(req.toByteArray());
            raw.close();
            assertThat(slow.read().asText()).isEqualTo("OK");
            awaitGone(port, raw.id);
            return List.of(control.call("LLEN", "list").toString(), control.call("LRANGE", "list", "0", "-1").toString(),
                    control.call("MGET", "tx", "after", "never").toString());
        }
    }

    @Test
    void aBlockedClientThatClosesRunsNothingMoreAsInRedis() {
        List<String> cinnabar = blockedDialog(server.port());
        List<String> real = blockedDialog(redisPort());
        assertThat(cinnabar).isEqualTo(real);
        // INCR behind the BLPOP never ran, and the cancelled BLPOP took nothing
        assertThat(cinnabar).containsExactly("(nil$)", ":1", ":1");
    }

    private static List<String> blockedDialog(int port) {
        try (RespClient control = new RespClient(port)) {
            control.call("FLUSHALL");
            Raw raw = Raw.open(port);
            raw.send(RespClient.encode(b("BLPOP"), b("q"), b("0")), RespClient.encode(b("INCR"), b("x")));
            awaitBlocked(control, raw.id);
            raw.halfCloseAndAwaitEof();
            awaitGone(port, raw.id);
            return List.of(control.call("GET", "x").toString(), control.call("LPUSH", "q", "a").toString(),
                    control.call("LLEN", "q").toString());
        }
    }

    @Test
    void aClientPostponedByClientPauseThatClosesRunsNothingMoreAsInRedis() {
        List<String> cinnabar = pausedDialog(server.port());
        List<String> real = pausedDialog(redisPort());
        assertThat(cinnabar).isEqualTo(real);
        assertThat(cinnabar).containsExactly("*[(nil$), (nil$)]");
    }

    private static List<String> pausedDialog(int port) {
        try (RespClient control = new RespClient(port)) {
            control.call("FLUSHALL");
            assertThat(control.call("CLIENT", "PAUSE", "10000", "WRITE").asText()).isEqualTo("OK");
            try {
                Raw raw = Raw.open(port);
                raw.send(RespClient.encode(b("SET"), b("k"), b("v")), RespClient.encode(b("INCR"), b("x")));
                awaitPostponed(control);
                raw.halfCloseAndAwaitEof();
                awaitGone(port, raw.id);
            } finally {
                control.call("CLIENT", "UNPAUSE");
            }
            return List.of(control.call("MGET", "k", "x").toString());
        }
    }

    // ---- helpers

    /** A raw connection: its client id, pipelined bytes, a half or full close. */
    private static final class Raw {
        final Socket socket;
        final long id;

        private Raw(Socket socket, long id) {
            this.socket = socket;
            this.id = id;
        }

        static Raw open(int port) {
            try {
                Socket s = new Socket();
                s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
                s.setSoTimeout(10_000);
                s.getOutputStream().write(RespClient.encode(b("CLIENT"), b("ID")));
                InputStream in = s.getInputStream();
                StringBuilder line = new StringBuilder();
                int ch;
                while ((ch = in.read()) != '\n') {
                    if (ch < 0) {
                        throw new IllegalStateException("closed before CLIENT ID's reply");
                    }
                    line.append((char) ch);
                }
                return new Raw(s, Long.parseLong(line.substring(1).trim()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        void send(byte[]... requests) {
            try {
                ByteArrayOutputStream all = new ByteArrayOutputStream();
                for (byte[] r : requests) {
                    all.writeBytes(r);
                }
                socket.getOutputStream().write(all.toByteArray());
                socket.getOutputStream().flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /**
         * Shuts down our sending side (the server reads an EOF, as from a close) and reads until the
         * server closes its side, which it does once it has seen the EOF and answered what it read;
         * returns what it sent. Then waits a little: Netty closes the socket first and tells the
         * handler just after.
         */
        String halfCloseAndAwaitEof() {
            halfClose();
            String got = readToEof();
            close();
            pause(100);
            return got;
        }

        /**
         * Half-closes and waits until our server has read the EOF; called holding the execution
         * lock, so the requests sent before cannot have run yet.
         */
        void halfCloseAndAwaitEofSeen() {
            halfClose();
            Client c = server.server().context().clients().get(id);
            assertThat(c).as("client " + id).isNotNull();
            await(() -> c.connection().inputClosed(), "the server read the EOF of client " + id);
        }

        void halfClose() {
            try {
                socket.shutdownOutput();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** Reads until the server closes its side; returns what it sent. */
        String readToEof() {
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            try {
                byte[] buf = new byte[8192];
                int n;
                while ((n = socket.getInputStream().read(buf)) >= 0) {
                    got.write(buf, 0, n);
                }
            } catch (java.net.SocketException e) {
                // reset: the server closed with our input unread (a client it killed)
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return got.toString(StandardCharsets.UTF_8);
        }

        void close() {
            try {
                socket.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** Runs body holding the server's execution lock: no request of any client runs meanwhile. */
    private static void whileLocked(Runnable body) {
        ExecutionLock lock = server.server().context().lock();
        lock.lock();
        try {
            body.run();
        } finally {
            lock.unlock();
        }
    }

    /** Waits until the client is gone from CLIENT LIST: its session was cleaned up, after its last request. */
    private static void awaitGone(int port, long id) {
        try (RespClient c = new RespClient(port)) {
            await(() -> c.call("CLIENT", "LIST", "ID", Long.toString(id)).asText().isEmpty(), "client " + id + " gone");
        }
    }

    /** Waits until the client shows the blocked flag (BLPOP). */
    private static void awaitBlocked(RespClient c, long id) {
        await(() -> c.call("CLIENT", "LIST", "ID", Long.toString(id)).asText().contains("flags=b"),
                "client " + id + " blocked");
    }

    /** Waits until INFO counts one blocked client (Redis counts the clients CLIENT PAUSE postponed). */
    private static void awaitPostponed(RespClient c) {
        await(() -> c.call("INFO", "clients").asText().contains("blocked_clients:1\r\n"), "a client postponed");
    }

    private static void await(BooleanSupplier done, String what) {
        long deadline = System.currentTimeMillis() + 10_000;
        while (!done.getAsBoolean()) {
            assertThat(System.currentTimeMillis()).as("waiting for: " + what).isLessThan(deadline);
            pause(5);
        }
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static List<String> range(int n) {
        List<String> l = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            l.add(Integer.toString(i));
        }
        return l;
    }

    private static String sequence(int n) {
        return quoted(range(n));
    }

    private static String quoted(List<String> items) {
        StringBuilder sb = new StringBuilder("*[");
        for (int i = 0; i < items.size(); i++) {
            sb.append(i == 0 ? "" : ", ").append('"').append(items.get(i)).append('"');
        }
        return sb.append(']').toString();
    }
}
