package dev.cinnabar.tests.stress;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.testkit.stress.ServerProcess;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 8, item 1: a busy script must never stop the server from answering. Each scenario runs
 * against a spawned bin/cinnabar-server and a real redis-server 7.0 and the two transcripts must be
 * equal (so the expected replies are Redis's, not ours); a hang reads as "no reply in time" in the
 * transcript instead of blocking the test, and the server process is killed afterwards whatever
 * its state.
 *
 * <p>The defects these catch: a client that disconnects while a script runs made the event loop
 * block on the execution lock, after which nobody got BUSY and neither SCRIPT KILL, SHUTDOWN
 * NOSAVE nor SIGTERM got through; a long script while another client had a MULTI open left the
 * server BUSY after SCRIPT KILL.
 */
@Timeout(180)
class BusyScriptHangTest {
    static final String SPIN = "while true do end";
    private static final int REPLY_MS = 5000;

    /** Runs the scenario on both servers, returns {ours, redis}. */
    private static List<List<String>> onBoth(Function<ServerProcess, List<String>> scenario) {
        List<List<String>> out = new ArrayList<>();
        try (ServerProcess ours = ServerProcess.cinnabar()) {
            List<String> t = scenario.apply(ours);
            t.add("internal errors: " + ours.internalErrors());
            out.add(t);
        }
        try (ServerProcess redis = ServerProcess.redis()) {
            List<String> t = scenario.apply(redis);
            t.add("internal errors: []");
            out.add(t);
        }
        return out;
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Polls PING on the connection until the reply starts with {@code expected} (true), or 5 s
     * pass, or the connection stops answering (false).
     */
    static boolean awaitPing(TranscriptClient c, String expected) {
        long deadline = System.currentTimeMillis() + 5000;
        while (System.currentTimeMillis() < deadline) {
            String r = c.call("PING");
            if (r.startsWith(expected)) {
                return true;
            }
            if (r.startsWith("<")) {
                return false;
            }
            sleep(20);
        }
        return false;
    }

    /** Until the script has run past busy-reply-threshold. */
    static boolean awaitBusy(TranscriptClient c) {
        return awaitPing(c, "-BUSY");
    }

    /**
     * Until the server serves again: SCRIPT KILL answers OK before the script has stopped (Redis
     * too may still answer BUSY right after it).
     */
    static boolean awaitPong(TranscriptClient c) {
        return awaitPing(c, "+PONG");
    }

    /** A fresh connection's reply to PING (the server must keep accepting and answering). */
    static String freshPing(ServerProcess s) {
        try (TranscriptClient c = new TranscriptClient(s.port(), REPLY_MS)) {
            return c.call("PING");
        } catch (RuntimeException e) {
            return "<cannot connect: " + e.getMessage() + ">";
        }
    }

    /**
     * The script's own client and an idle bystander disconnect while the script spins: fresh
     * connections must still get BUSY, SCRIPT KILL must stop it and the server serve again.
     */
    static List<String> disconnectsThenScriptKill(ServerProcess s) {
        List<String> t = new ArrayList<>();
        try (TranscriptClient admin = new TranscriptClient(s.port(), REPLY_MS);
             TranscriptClient runner = new TranscriptClient(s.port(), REPLY_MS);
             TranscriptClient bystander = new TranscriptClient(s.port(), REPLY_MS)) {
            t.add(admin.call("CONFIG", "SET", "busy-reply-threshold", "100"));
            t.add(bystander.call("PING"));
            runner.send("EVAL", SPIN, "0");
            t.add("busy: " + awaitBusy(admin));
            runner.close();
            bystander.close();
            sleep(300);
            t.add("fresh PING: " + freshPing(s));
            t.add("PING: " + admin.call("PING"));
            t.add("SCRIPT KILL: " + admin.call("SCRIPT", "KILL"));
            t.add("serving again: " + awaitPong(admin));
            t.add("fresh PING: " + freshPing(s));
            t.add("EVAL: " + admin.call("EVAL", "return 'still scripting'", "0"));
        }
        return t;
    }

    @Test
    void clientsDisconnectingDuringABusyScriptDoNotStopScriptKill() {
        List<List<String>> both = onBoth(BusyScriptHangTest::disconnectsThenScriptKill);
        assertThat(both.get(0)).as("cinnabar vs redis").isEqualTo(both.get(1));
        assertThat(both.get(0)).contains("busy: true", "SCRIPT KILL: +OK", "serving again: true");
    }

    /**
     * A disconnect during a busy script, then another client stops the server: with SHUTDOWN
     * NOSAVE (which Redis performs at once), or with SIGTERM followed by SCRIPT KILL (Redis 7.0
     * schedules the shutdown and performs it once the script is killed): the server must have
     * exited by then at the latest.
     */
    static List<String> disconnectThenStop(ServerProcess s, boolean sigterm) {
        List<String> t = new ArrayList<>();
        try (TranscriptClient admin = new TranscriptClient(s.port(), REPLY_MS);
             TranscriptClient runner = new TranscriptClient(s.port(), REPLY_MS)) {
            t.add(admin.call("CONFIG", "SET", "busy-reply-threshold", "100"));
            runner.send("EVAL", SPIN, "0");
            t.add("busy: " + awaitBusy(admin));
            runner.close();
            sleep(300);
            if (sigterm) {
                s.terminate();
                sleep(500);
                admin.call("SCRIPT", "KILL"); // OK, or the connection is gone if SIGTERM stopped it at once
            } else {
                t.add("fresh PING: " + freshPing(s));
                t.add("SHUTDOWN NOSAVE: " + admin.call("SHUTDOWN", "NOSAVE"));
            }
            t.add("exited: " + s.awaitExit(10_000));
        }
        return t;
    }

    @Test
    void shutdownNosaveStopsTheServerAfterADisconnectDuringABusyScript() {
        List<List<String>> both = onBoth(s -> disconnectThenStop(s, false));
        assertThat(both.get(0)).as("cinnabar vs redis").isEqualTo(both.get(1));
        assertThat(both.get(0)).contains("exited: true");
    }

    @Test
    void sigtermDuringABusyScriptStopsTheServerOnceTheScriptIsKilled() {
        List<List<String>> both = onBoth(s -> disconnectThenStop(s, true));
        assertThat(both.get(0)).as("cinnabar vs redis").isEqualTo(both.get(1));
        assertThat(both.get(0)).contains("exited: true");
    }

    /**
     * Another client has a MULTI open while a script runs past the threshold, in three ways: it
     * queues a command during BUSY (EXEC then gets EXECABORT), it queues nothing during BUSY (EXEC
     * runs the queue), it sends EXEC during BUSY (EXECABORT naming BUSY, the transaction is over).
     * After each SCRIPT KILL the server must serve everyone again.
     */
    static List<String> multiOpenDuringBusyScript(ServerProcess s) {
        List<String> t = new ArrayList<>();
        try (TranscriptClient admin = new TranscriptClient(s.port(), REPLY_MS);
             TranscriptClient runner = new TranscriptClient(s.port(), REPLY_MS);
             TranscriptClient tx = new TranscriptClient(s.port(), REPLY_MS)) {
            t.add(admin.call("CONFIG", "SET", "busy-reply-threshold", "100"));
            // queued during BUSY -> EXECABORT, nothing applied
            t.add(tx.call("MULTI"));
            t.add(tx.call("INCR", "a"));
            runner.send("EVAL", SPIN, "0");
            t.add("busy: " + awaitBusy(admin));
            t.add("queue during busy: " + tx.call("INCR", "a"));
            t.add("SCRIPT KILL: " + admin.call("SCRIPT", "KILL"));
            t.add("script: " + runner.read());
            t.add("EXEC: " + tx.call("EXEC"));
            t.add("GET a: " + tx.call("GET", "a"));
            t.add("fresh PING: " + freshPing(s));
            // nothing sent during BUSY -> EXEC runs the queue
            t.add(tx.call("MULTI"));
            t.add(tx.call("INCR", "b"));
            runner.send("EVAL", SPIN, "0");
            t.add("busy: " + awaitBusy(admin));
            t.add("SCRIPT KILL: " + admin.call("SCRIPT", "KILL"));
            t.add("script: " + runner.read());
            t.add("EXEC: " + tx.call("EXEC"));
            t.add("GET b: " + tx.call("GET", "b"));
            // EXEC during BUSY -> EXECABORT because of BUSY, no transaction left
            t.add(tx.call("MULTI"));
            t.add(tx.call("INCR", "c"));
            runner.send("EVAL", SPIN, "0");
            t.add("busy: " + awaitBusy(admin));
            t.add("EXEC during busy: " + tx.call("EXEC"));
            t.add("DISCARD during busy: " + tx.call("DISCARD"));
            t.add("SCRIPT KILL: " + admin.call("SCRIPT", "KILL"));
            t.add("script: " + runner.read());
            t.add("EXEC: " + tx.call("EXEC"));
            t.add("GET c: " + tx.call("GET", "c"));
            // MULTI opened during BUSY
            runner.send("EVAL", SPIN, "0");
            t.add("busy: " + awaitBusy(admin));
            t.add("MULTI during busy: " + tx.call("MULTI"));
            t.add("queue during busy: " + tx.call("INCR", "d"));
            t.add("SCRIPT KILL: " + admin.call("SCRIPT", "KILL"));
            t.add("script: " + runner.read());
            t.add("EXEC: " + tx.call("EXEC"));
            t.add("GET d: " + tx.call("GET", "d"));
            t.add("fresh PING: " + freshPing(s));
            t.add("EVAL: " + runner.call("EVAL", "return redis.call('INCR', KEYS[1])", "1", "e"));
        }
        return t;
    }

    @Test
    void aMultiOpenDuringABusyScriptRecoversAfterScriptKillAsInRedis() {
        List<List<String>> both = onBoth(BusyScriptHangTest::multiOpenDuringBusyScript);
        assertThat(both.get(0)).as("cinnabar vs redis").isEqualTo(both.get(1));
        assertThat(both.get(0)).contains("EXEC: -EXECABORT Transaction discarded because of previous errors.",
                "GET b: \"1\"", "fresh PING: +PONG", "EVAL: :1");
    }
}
