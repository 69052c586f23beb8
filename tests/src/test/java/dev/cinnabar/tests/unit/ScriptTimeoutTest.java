package dev.cinnabar.tests.unit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.server.CinnabarServer;
import dev.cinnabar.testkit.Resp;
import dev.cinnabar.testkit.RespClient;
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
            CompletableFuture<Resp> call = CompletableFuture.supplyAsync(() -> runner.call("FCALL", "spin", "0"));
            awaitBusy(other);
            assertThat(other.call("SCRIPT", "KILL")).isEqualTo(new Resp.Err(
                    "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE."));
            assertThat(other.call("FUNCTION", "KILL")).isEqualTo(new Resp.Simple("OK"));
            assertThat(((Resp.Err) call.get(5, TimeUnit.SECONDS)).message())
                    .isEqualTo("ERR Script killed by user with SCRIPT KILL... script: spin, on @user_function:2.");
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
}
