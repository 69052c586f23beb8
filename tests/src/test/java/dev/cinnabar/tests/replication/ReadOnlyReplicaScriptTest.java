package dev.cinnabar.tests.replication;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.server.CinnabarServer;
import dev.cinnabar.testkit.RealRedis;
import dev.cinnabar.testkit.RespClient;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Scripts and functions on a read-only replica, alone and queued in MULTI, against real Redis: a
 * script that declared writes (a shebang without no-writes, a function without flags) is a write
 * command and gets READONLY, so a transaction queuing one is aborted; a script without a shebang is
 * not (EVAL's own flags) and runs inside EXEC, its redis.call of a write refused there.
 */
class ReadOnlyReplicaScriptTest {
    private static final String LIBRARY = "#!lua name=ro\n"
            + "redis.register_function{function_name='reader', callback=function(keys) return redis.call('get', keys[1]) end,"
            + " flags={'no-writes'}}\n"
            + "redis.register_function('writer', function(keys) return redis.call('get', keys[1]) end)\n";

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
        c.call("SET", "x", "some value");
        c.call("FUNCTION", "LOAD", "REPLACE", LIBRARY);
        c.call("REPLICAOF", "127.0.0.1", "1"); // a master that never answers: the data stays, the role is replica
        String noWrites = "#!lua flags=no-writes\nreturn redis.call('get', KEYS[1])";
        String declaredWrites = "#!lua\nreturn redis.call('get', KEYS[1])";
        String plain = "return redis.call('get', KEYS[1])";
        String plainWrite = "return redis.call('set', KEYS[1], 'other')";
        out.add("no-writes: " + c.call("EVAL", noWrites, "1", "x"));
        out.add("declared: " + c.call("EVAL", declaredWrites, "1", "x"));
        out.add("plain: " + c.call("EVAL", plain, "1", "x"));
        out.add("plain write: " + c.call("EVAL", plainWrite, "1", "x"));
        out.add("fcall reader: " + c.call("FCALL", "reader", "1", "x"));
        out.add("fcall writer: " + c.call("FCALL", "writer", "1", "x"));
        for (List<String> queued : List.of(
                List.of("EVAL", noWrites, "1", "x"),
                List.of("EVAL", plain, "1", "x"),
                List.of("EVAL", plainWrite, "1", "x"),
                List.of("EVAL", declaredWrites, "1", "x"),
                List.of("FCALL", "reader", "1", "x"),
                List.of("FCALL", "writer", "1", "x"),
                List.of("GET", "x"),
                List.of("SET", "x", "1"))) {
            c.call("MULTI");
            String q = c.call(queued.toArray(String[]::new)).toString();
            out.add("multi " + queued.get(0) + " " + queued.get(1).replace('\n', ' ') + ": " + q + " -> " + c.call("EXEC"));
        }
        c.call("REPLICAOF", "NO", "ONE");
        out.add("after: " + c.call("GET", "x"));
        return out;
    }
}
