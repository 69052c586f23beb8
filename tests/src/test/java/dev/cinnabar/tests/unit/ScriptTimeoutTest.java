package dev.cinnabar.tests.unit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.server.CinnabarServer;
import dev.cinnabar.testkit.Resp;
import dev.cinnabar.testkit.RespClient;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Long scripts: BUSY replies, SCRIPT KILL / FUNCTION KILL, UNKILLABLE, SHUTDOWN NOSAVE (scripting.tcl's timeout tests). */
@Timeout(60)
class ScriptTimeoutTest {
    private static void awaitBusy(RespClient c) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 5000;
        while (System.currentTimeMillis() < deadline) {
            Resp r = c.call("PING");
            if (r instanceof Resp.Err e && e.message().startsWith("BUSY")) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("server never became BUSY");
    }

    @Test
    void busyScriptIsKilledAndTheServerServesAgain() throws Exception {
        try (CinnabarServer s = CinnabarServer.builder().setting("busy-reply-threshold", "100").start();
             RespClient runner = new RespClient(s.port());
             RespClient other = new RespClient(s.port())) {
            CompletableFuture<Resp> eval = CompletableFuture.supplyAsync(() -> runner.call("EVAL", "while true do end", "0"));
            awaitBusy(other);
            assertThat(other.call("GET", "x")).isEqualTo(new Resp.Err(
                    "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE."));
            assertThat(other.call("FUNCTION", "KILL")).isEqualTo(new Resp.Err(
                    "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE."));
            assertThat(other.call("SCRIPT", "KILL")).isEqualTo(new Resp.Simple("OK"));
            Resp r = eval.get(5, TimeUnit.SECONDS);
            assertThat(r).isInstanceOf(Resp.Err.class);
            assertThat(((Resp.Err) r).message()).startsWith("ERR Script killed by user with SCRIPT KILL... script: ")
                    .endsWith(", on @user_script:1.");
            assertThat(other.call("PING")).isEqualTo(new Resp.Simple("PONG"));
            assertThat(other.call("SCRIPT", "KILL")).isEqualTo(new Resp.Err("NOTBUSY No scripts in execution right now."));
        }
    }

    /**
     * With io-threads 1 every connection shares the event loop: scripts run off it, so each other
     * client (also one pipelining behind the script on the same connection's loop) still gets BUSY
     * and can kill it; replies of the script's own connection stay in order around it.
     */
    @Test
    void everyClientOfTheScriptsEventLoopIsAnsweredWhileItIsBusy() throws Exception {
        try (CinnabarServer s = CinnabarServer.builder().setting("busy-reply-threshold", "100")
                .setting("io-threads", "1").start();
             RespClient runner = new RespClient(s.port());
             RespClient a = new RespClient(s.port());
             RespClient b = new RespClient(s.port())) {
            runner.send("SET", "before", "1");
            runner.send("EVAL", "while true do end", "0");
            runner.send("GET", "before");
            awaitBusy(a);
            awaitBusy(b);
            assertThat(b.call("SCRIPT", "KILL")).isEqualTo(new Resp.Simple("OK"));
            assertThat(runner.read()).isEqualTo(new Resp.Simple("OK"));
            assertThat(((Resp.Err) runner.read()).message()).startsWith("ERR Script killed by user");
            assertThat(runner.read().asText()).isEqualTo("1");
            assertThat(runner.call("EVAL", "return 7", "0")).isEqualTo(new Resp.Int(7));
            assertThat(a.call("PING")).isEqualTo(new Resp.Simple("PONG"));
        }
    }

    @Test
    void busyFunctionIsKilledWithFunctionKill() throws Exception {
        try (CinnabarServer s = CinnabarServer.builder().setting("busy-reply-threshold", "100").start();
             RespClient runner = new RespClient(s.port());
             RespClient other = new RespClient(s.port())) {
            runner.call("FUNCTION", "LOAD", "#!lua name=spin\nredis.register_function('spin', function() while true do end end)");
            CompletableFuture<Resp> call = CompletableFuture.supplyAsync(() -> runner.call("FCALL", "SPIN", "0", "k"));
            awaitBusy(other);
            // FUNCTION STATS names the running function, its caller's command and its run time
            Resp.Agg stats = (Resp.Agg) other.call("FUNCTION", "STATS");
            assertThat(stats.items().get(0).asText()).isEqualTo("running_script");
            Resp.Agg running = (Resp.Agg) stats.items().get(1);
            assertThat(running.items().subList(0, 4).toString()).isEqualTo(
                    "[\"name\", \"spin\", \"command\", *[\"FCALL\", \"SPIN\", \"0\", \"k\"]]");
            assertThat(running.items().get(4).asText()).isEqualTo("duration_ms");
            assertThat(((Resp.Int) running.items().get(5)).value()).isGreaterThanOrEqualTo(100);
            assertThat(other.call("SCRIPT", "KILL")).isEqualTo(new Resp.Err(
                    "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE."));
            assertThat(other.call("FUNCTION", "KILL")).isEqualTo(new Resp.Simple("OK"));
            assertThat(((Resp.Err) call.get(5, TimeUnit.SECONDS)).message())
                    .isEqualTo("ERR Script killed by user with SCRIPT KILL... script: spin, on @user_function:2.");
            assertThat(((Resp.Agg) other.call("FUNCTION", "STATS")).items().get(1)).isInstanceOf(Resp.Null.class);
            // the kill ended with the function: loading and calling work again
            assertThat(other.call("FUNCTION", "LOAD", "REPLACE",
                    "#!lua name=spin\nredis.register_function('spin', function() return 1 end)").asText()).isEqualTo("spin");
            assertThat(other.call("FCALL", "spin", "0")).isEqualTo(new Resp.Int(1));
        }
    }

    @Test
    void aScriptThatWroteIsUnkillableAndShutdownNosaveStopsTheServer() throws Exception {
        CinnabarServer s = CinnabarServer.builder().setting("busy-reply-threshold", "100").start();
        try (RespClient runner = new RespClient(s.port());
             RespClient other = new RespClient(s.port())) {
            CompletableFuture.runAsync(() -> {
                try {
                    runner.call("EVAL", "redis.call('set','x','y') while true do end", "0");
                } catch (RuntimeException closed) {
                    // the server goes away under it
                }
            });
            awaitBusy(other);
            assertThat(((Resp.Err) other.call("SCRIPT", "KILL")).message()).startsWith("UNKILLABLE Sorry the script");
            other.send("SHUTDOWN", "NOSAVE");
            long deadline = System.currentTimeMillis() + 5000;
            while (!s.isClosed() && System.currentTimeMillis() < deadline) {
                Thread.sleep(20);
            }
            assertThat(s.isClosed()).isTrue();
        } finally {
            s.close();
        }
    }

    /**
     * A client that disconnects while a script is busy must not block its event loop (the close
     * needs the execution lock): everyone keeps getting BUSY, SCRIPT KILL works, and with one
     * event loop the server answers again afterwards.
     */
    @Test
    void aDisconnectDuringABusyScriptBlocksNothing() throws Exception {
        try (CinnabarServer s = CinnabarServer.builder().setting("busy-reply-threshold", "100")
                .setting("io-threads", "1").start();
             RespClient runner = new RespClient(s.port());
             RespClient other = new RespClient(s.port())) {
            runner.send("EVAL", "while true do end", "0");
            awaitBusy(other);
            for (int i = 0; i < 5; i++) {
                try (RespClient gone = new RespClient(s.port())) {
                    gone.send("SUBSCRIBE", "ch"); // closes with a subscription to clean up
                }
            }
            try (RespClient late = new RespClient(s.port())) {
                assertThat(((Resp.Err) late.call("PING")).message()).startsWith("BUSY");
                assertThat(late.call("SCRIPT", "KILL")).isEqualTo(new Resp.Simple("OK"));
            }
            assertThat(((Resp.Err) runner.read()).message()).startsWith("ERR Script killed by user");
            assertThat(other.call("PING")).isEqualTo(new Resp.Simple("PONG"));
            assertThat(((Resp.Agg) other.call("PUBSUB", "NUMSUB", "ch")).items().get(1)).isEqualTo(new Resp.Int(0));
        }
    }

    /**
     * The script's own caller disconnecting mid-script: the script still ends, nothing hangs, and
     * what the caller sent after the script still runs once, as in Redis (its client is protected
     * while the script runs; it reads the EOF only after the rest of its input has run).
     */
    @Test
    void theCallerDisconnectingMidScriptLeavesTheServerWorking() throws Exception {
        try (CinnabarServer s = CinnabarServer.builder().setting("busy-reply-threshold", "100")
                .setting("io-threads", "1").start();
             RespClient other = new RespClient(s.port())) {
            RespClient runner = new RespClient(s.port());
            runner.send("EVAL", "while true do end", "0");
            runner.send("INCR", "after"); // runs once the script is killed, although its client is gone
            awaitBusy(other);
            runner.close();
            assertThat(other.call("SCRIPT", "KILL")).isEqualTo(new Resp.Simple("OK"));
            long deadline = System.currentTimeMillis() + 10_000;
            while (!other.call("INFO", "clients").asText().contains("connected_clients:1\r\n")) {
                assertThat(System.currentTimeMillis()).as("the caller's session ends").isLessThan(deadline);
                Thread.sleep(5);
            }
            assertThat(other.call("GET", "after")).isEqualTo(new Resp.Bulk("1".getBytes(StandardCharsets.UTF_8)));
            assertThat(other.call("PING")).isEqualTo(new Resp.Simple("PONG"));
        }
    }

    /**
     * Commands queued by a transaction while a script is busy get BUSY, and the EXEC sent then
     * answers EXECABORT with the reason, discarding the transaction (as Redis 7.0).
     */
    @Test
    void aTransactionOpenDuringABusyScriptIsAborted() throws Exception {
        try (CinnabarServer s = CinnabarServer.builder().setting("busy-reply-threshold", "100").start();
             RespClient runner = new RespClient(s.port());
             RespClient multi = new RespClient(s.port());
             RespClient other = new RespClient(s.port())) {
            assertThat(multi.call("MULTI")).isEqualTo(new Resp.Simple("OK"));
            assertThat(multi.call("SET", "a", "1")).isEqualTo(new Resp.Simple("QUEUED"));
            runner.send("EVAL", "while true do end", "0");
            awaitBusy(other);
            String busy = "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.";
            assertThat(multi.call("SET", "b", "2")).isEqualTo(new Resp.Err(busy));
            assertThat(multi.call("EXEC")).isEqualTo(new Resp.Err("EXECABORT Transaction discarded because of: " + busy));
            assertThat(other.call("SCRIPT", "KILL")).isEqualTo(new Resp.Simple("OK"));
            assertThat(((Resp.Err) runner.read()).message()).startsWith("ERR Script killed by user");
            assertThat(multi.call("EXEC")).isEqualTo(new Resp.Err("ERR EXEC without MULTI"));
            assertThat(other.call("EXISTS", "a", "b")).isEqualTo(new Resp.Int(0));
        }
    }

    /** SCRIPT KILL cannot be caught by pcall: the error comes back at the next instruction. */
    @Test
    void aKillCaughtByPcallStillEndsTheScript() throws Exception {
        try (CinnabarServer s = CinnabarServer.builder().setting("busy-reply-threshold", "100").start();
             RespClient runner = new RespClient(s.port());
             RespClient other = new RespClient(s.port())) {
            runner.send("EVAL", "while true do pcall(function() while true do end end) end", "0");
            awaitBusy(other);
            assertThat(other.call("SCRIPT", "KILL")).isEqualTo(new Resp.Simple("OK"));
            assertThat(((Resp.Err) runner.read()).message()).startsWith("ERR Script killed by user");
            assertThat(runner.call("PING")).isEqualTo(new Resp.Simple("PONG"));
        }
    }

    /**
     * A client sending EVAL while another script is busy gets BUSY at once, instead of queueing
     * silently behind it for the script thread.
     */
    @Test
    void anEvalWhileAnotherScriptIsBusyGetsBusy() throws Exception {
        try (CinnabarServer s = CinnabarServer.builder().setting("busy-reply-threshold", "100").start();
             RespClient runner = new RespClient(s.port());
             RespClient other = new RespClient(s.port())) {
            runner.send("EVAL", "while true do end", "0");
            awaitBusy(other);
            assertThat(((Resp.Err) other.call("EVAL", "return 1", "0")).message()).startsWith("BUSY");
            assertThat(((Resp.Err) other.call("FCALL", "nosuch", "0")).message()).startsWith("BUSY");
            assertThat(other.call("SCRIPT", "KILL")).isEqualTo(new Resp.Simple("OK"));
            assertThat(((Resp.Err) runner.read()).message()).startsWith("ERR Script killed by user");
            assertThat(other.call("EVAL", "return 1", "0")).isEqualTo(new Resp.Int(1));
        }
    }

    /**
     * More input arriving on a connection while its script runs on the script thread is run once,
     * after it, in order: pipelined EVALs that each INCR once, written in separate packets, leave
     * the counter at exactly their number and every reply comes back in order.
     */
    @Test
    void pipelinedScriptsRunExactlyOnceAndAnswerInOrder() throws Exception {
        try (CinnabarServer s = CinnabarServer.builder().start();
             RespClient c = new RespClient(s.port())) {
            int rounds = 200;
            int perRound = 10;
            for (int r = 0; r < rounds; r++) {
                for (int i = 0; i < perRound; i++) {
                    c.send("EVAL", "return redis.call('incr', KEYS[1])", "1", "n");
                    if (i % 3 == 0) {
                        c.send("ECHO", "e" + i);
                    }
                }
                for (int i = 0; i < perRound; i++) {
                    assertThat(c.read()).isEqualTo(new Resp.Int((long) r * perRound + i + 1));
                    if (i % 3 == 0) {
                        assertThat(c.read().asText()).isEqualTo("e" + i);
                    }
                }
            }
            assertThat(c.call("GET", "n").asText()).isEqualTo(String.valueOf(rounds * perRound));
        }
    }
}
