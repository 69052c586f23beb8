package dev.cinnabar.tests.replication;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.server.CinnabarServer;
import dev.cinnabar.testkit.RealRedis;
import dev.cinnabar.testkit.RespClient;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Scripts and functions on a stale replica (replica-serve-stale-data no, link down), against real
 * Redis: a declaration without allow-stale and an EVAL without a shebang get MASTERDOWN, an
 * allow-stale one runs, and inside it only commands flagged stale may be called.
 */
class StaleScriptTest {
    private static final String LIBRARY = "#!lua name=stale\n"
            + "redis.register_function{function_name='plain', callback=function() return 'ran' end, flags={'no-writes'}}\n"
            + "redis.register_function{function_name='stale', callback=function() return 'ran' end,"
            + " flags={'allow-stale', 'no-writes'}}\n"
            + "redis.register_function{function_name='reads', callback=function() return redis.call('get', 'k') end,"
            + " flags={'allow-stale', 'no-writes'}}\n"
            + "redis.register_function{function_name='info', callback=function() return #redis.call('info', 'server') > 0 end,"
            + " flags={'allow-stale', 'no-writes'}}\n";

    @Test
    void sameAsRedis() {
        List<String> redis;
        try (RealRedis r = RealRedis.start(); RespClient c = r.client()) {
            redis = run(c);
        }
        List<String> ours;
        try (CinnabarServer s = CinnabarServer.builder().start(); RespClient c = new RespClient(s.port())) {
            ours = run(c);
        }
        assertThat(ours).containsExactlyElementsOf(redis);
    }

    private static List<String> run(RespClient c) {
        List<String> out = new ArrayList<>();
        out.add(c.call("FUNCTION", "LOAD", "REPLACE", LIBRARY).toString());
        c.call("CONFIG", "SET", "replica-serve-stale-data", "no");
        c.call("REPLICAOF", "127.0.0.1", "1");
        for (String f : List.of("plain", "stale", "reads", "info")) {
            out.add(f + ": " + c.call("FCALL", f, "0"));
            out.add(f + " ro: " + c.call("FCALL_RO", f, "0"));
        }
        out.add("eval stale: " + c.call("EVAL", "#!lua flags=allow-stale,no-writes\nreturn 1", "0"));
        out.add("eval declared: " + c.call("EVAL", "#!lua flags=no-writes\nreturn 1", "0"));
        out.add("eval plain: " + c.call("EVAL", "return 1", "0"));
        out.add("eval stale get: " + c.call("EVAL", "#!lua flags=allow-stale,no-writes\nreturn redis.call('get','k')", "0"));
        out.add("evalsha unknown: " + c.call("EVALSHA", "0123456789012345678901234567890123456789", "0"));
        c.call("REPLICAOF", "NO", "ONE");
        out.add("after: " + c.call("FCALL", "plain", "0"));
        return out;
    }
}
