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
 * CLIENT PAUSE WRITE (Redis's tests/unit/pause.tcl), with several clients, differential against
 * real Redis: what it postpones (writes, and the may-replicate commands PUBLISH, SPUBLISH, PFCOUNT,
 * EVAL, EVALSHA, FCALL, judged for scripts and functions by the flags they declare; EXEC when its
 * queue holds one) and what it lets through.
 */
class PauseTest {
    @RegisterExtension
    static CinnabarExtension server = new CinnabarExtension();

    static RealRedis redis;

    private static final String LIBRARY = "#!lua name=pauselib\n"
            + "redis.register_function('fw', function() return 1 end)\n"
            + "redis.register_function{function_name='fr', callback=function() return 2 end, flags={'no-writes'}}";

    @BeforeAll
    static void startRedis() {
        redis = RealRedis.start();
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
    void millisecondTimeoutsAreCheckedAlikeByPauseWaitAndXread() {
        List<String> t = same(d -> {
            for (String bad : new String[] {"abc", "-1", "1.5", "99999999999999999999", ""}) {
                d.call(0, "CLIENT", "PAUSE", bad);
                d.call(0, "WAIT", "0", bad);
                d.call(0, "XREAD", "BLOCK", bad, "STREAMS", "s", "0");
            }
            d.call(0, "WAIT", "0", "0");
            d.call(0, "XREAD", "BLOCK", "1", "STREAMS", "s", "0");
        });
        assertThat(t).anyMatch(line -> line.contains("timeout is negative"))
                .anyMatch(line -> line.contains("timeout is not an integer or out of range"));
    }

    @Test
    void readsAndReadOnlyScriptsAreNotPostponed() {
        List<String> t = same(d -> {
            d.call(0, "FUNCTION", "LOAD", "REPLACE", LIBRARY);
            d.call(0, "SET", "k", "v");
            d.call(1, "CLIENT", "PAUSE", "100000", "WRITE");
            d.call(0, "GET", "k");
            d.call(0, "PING");
            d.call(0, "EVAL_RO", "return redis.call('get', KEYS[1])", "1", "k");
            d.call(0, "EVAL", "#!lua flags=no-writes\nreturn 'declared'", "0");
            d.call(0, "EVAL", "#!lua flags=no-writes\nreturn 'declared'", "0"); // now cached
            d.call(0, "FCALL", "fr", "0");
            d.call(0, "FCALL_RO", "fr", "0");
            d.call(1, "CLIENT", "UNPAUSE");
        });
        assertThat(t).noneMatch(line -> line.contains("early"));
    }

    @Test
    void mayReplicateCommandsArePostponedUntilUnpause() {
        List<String> t = same(d -> {
            d.call(0, "FUNCTION", "LOAD", "REPLACE", LIBRARY);
            d.call(0, "PFADD", "hll", "a");
            d.call(0, "CLIENT", "PAUSE", "100000", "WRITE");
            d.send(1, "PFCOUNT", "hll");
            d.send(2, "PUBLISH", "ch", "m");
            d.send(3, "SPUBLISH", "ch", "m");
            d.send(4, "EVAL", "return 1", "0");
            d.send(5, "EVAL", "#!lua\nreturn 2", "0");
            d.send(6, "EVALSHA", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "0");
            d.send(7, "FCALL", "fw", "0");
            d.send(8, "FCALL_RO", "fw", "0"); // a function without no-writes, even read-only
            d.send(9, "SET", "k", "v");
            d.awaitBlocked(9);
            d.noReplyWithin(1, 100);
            d.call(0, "CLIENT", "UNPAUSE");
            for (int i = 1; i <= 9; i++) {
                d.read(i);
            }
        });
        assertThat(t).contains("blocked_clients 9");
    }

    @Test
    void execIsPostponedWhenItsQueueMayReplicate() {
        same(d -> {
            d.call(1, "MULTI");
            d.call(1, "PUBLISH", "ch", "m");
            d.call(2, "MULTI");
            d.call(2, "GET", "k");
            d.call(2, "EVAL", "#!lua flags=no-writes\nreturn 12", "0");
            d.call(3, "MULTI");
            d.call(3, "EVAL", "#!lua\nreturn 13", "0");
            d.call(0, "CLIENT", "PAUSE", "100000", "WRITE");
            d.send(1, "EXEC");
            d.send(3, "EXEC");
            d.call(2, "EXEC");
            d.awaitBlocked(2);
            d.noReplyWithin(1, 100);
            d.call(0, "CLIENT", "UNPAUSE");
            d.read(1);
            d.read(3);
        });
    }

    @Test
    void readOnlyScriptsMayNotCallMayReplicateCommands() {
        same(d -> {
            d.call(0, "EVAL_RO", "return redis.call('publish', 'ch', 'msg')", "0");
            d.call(0, "EVAL", "#!lua flags=no-writes\nreturn redis.call('publish', 'ch', 'msg')", "0");
            d.call(0, "EVAL", "return redis.call('publish', 'ch', 'msg')", "0");
            d.call(0, "EVAL_RO", "return redis.call('pfcount', KEYS[1])", "1", "hll");
        });
    }

    @Test
    void commandInfoDoesNotShowMayReplicate() {
        same(d -> {
            d.call(0, "COMMAND", "INFO", "publish", "spublish", "eval", "evalsha", "fcall", "pfcount");
        });
    }
}
