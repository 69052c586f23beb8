package dev.cinnabar.tests.unit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.testkit.CinnabarExtension;
import dev.cinnabar.testkit.RealRedis;
import dev.cinnabar.tests.Dialogs;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The order of the gate's checks, seen by several clients, against real Redis: which refusal a
 * command gets when more than one applies (Redis's processCommand checks the RESP2 pub/sub context
 * before a busy script, a busy script before CLIENT PAUSE, CLIENT PAUSE before MULTI queueing).
 */
class GateOrderTest {
    @RegisterExtension
    static CinnabarExtension server = new CinnabarExtension().setting("busy-reply-threshold", "50");

    static RealRedis redis;

    @BeforeAll
    static void startRedis() {
        redis = RealRedis.start("--busy-reply-threshold", "50");
    }

    @AfterAll
    static void stopRedis() {
        if (redis != null) {
            redis.close();
        }
    }

    private static List<String> same(Dialogs.Scenario s) {
        return Dialogs.same(redis.port(), server.port(), s);
    }

    @Test
    void resp2SubscriberIsRefusedAtOnceUnderClientPauseWrite() {
        List<String> t = same(d -> {
            d.call(2, "PSUBSCRIBE", "c*");
            d.call(1, "CLIENT", "PAUSE", "100000", "WRITE");
            d.call(2, "SET", "k", "v2");
            d.call(2, "RESET");
            d.call(1, "CLIENT", "UNPAUSE");
        });
        assertThat(t.get(2)).contains("Can't execute 'set'");
    }

    @Test
    void resp2SubscriberGetsThePubsubContextErrorWhileAScriptIsBusy() {
        List<String> t = same(d -> {
            d.call(1, "SUBSCRIBE", "ch");
            d.send(0, "EVAL", "while true do end", "0");
            d.awaitBusy();
            d.call(1, "INCR", "n");
            d.call(1, "SSUBSCRIBE", "s");
            d.call(1, "GET", "k");
            d.call(2, "SCRIPT", "KILL");
            d.read(0);
        });
        assertThat(t.get(3)).contains("Can't execute 'incr'");
    }

    @Test
    void aBusyScriptRefusesBeforeClientPausePostpones() {
        List<String> t = same(d -> {
            d.call(1, "CLIENT", "PAUSE", "100000", "WRITE");
            // EVAL_RO is not postponed by a WRITE pause, so the script runs and becomes busy
            d.send(0, "EVAL_RO", "while true do end", "0");
            d.awaitBusy();
            d.call(2, "SET", "k", "v");
            d.call(2, "MULTI");
            d.call(2, "SET", "k", "v");
            d.call(3, "SCRIPT", "KILL");
            d.read(0);
            d.call(2, "EXEC"); // nothing was queued: not postponed, aborted for the refused SET
            d.call(1, "CLIENT", "UNPAUSE");
        });
        assertThat(t.get(3)).contains("BUSY");
    }

    @Test
    void clientPausePostponesBeforeMultiQueues() {
        same(d -> {
            d.call(0, "MULTI");
            d.call(1, "CLIENT", "PAUSE", "100000", "WRITE");
            d.send(0, "SET", "k", "v");
            d.awaitBlocked(1);
            d.noReplyWithin(0, 200);
            d.call(1, "CLIENT", "UNPAUSE");
            d.read(0);
            d.call(0, "EXEC");
        });
    }
}
