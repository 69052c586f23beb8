package dev.cinnabar.tests.propagate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.server.CinnabarServer;
import dev.cinnabar.testkit.CinnabarExtension;
import dev.cinnabar.testkit.PropagationRecorder;
import dev.cinnabar.testkit.Resp;
import dev.cinnabar.testkit.RespClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The propagated stream reproduces the dataset: a random workload over every command family
 * (random pops, relative expiries, float increments, generated stream IDs, approximate trims,
 * consumer groups, scripts, transactions, several databases) runs on one server while a recorder
 * takes what it propagates; replayed on a fresh server, the stream gives the same DEBUG DIGEST
 * (every database, key, value and TTL), and no replayed command fails.
 */
class PropagationReplayTest {
    @RegisterExtension
    static CinnabarExtension source = new CinnabarExtension().setting("enable-debug-command", "yes");

    static CinnabarServer replica;

    @BeforeAll
    static void startReplica() {
        replica = CinnabarServer.builder().setting("enable-debug-command", "yes").start();
    }

    @AfterAll
    static void stopReplica() {
        if (replica != null) {
            replica.close();
        }
    }

    private static final String[] SCRIPTS = {
        "redis.call('spop', KEYS[1]); return redis.call('incrbyfloat', KEYS[2], '1.25')",
        "redis.call('set', KEYS[1], 'x', 'ex', 500); return redis.call('lpush', KEYS[2], 'y')",
        "return redis.call('get', KEYS[1])",
    };

    /** One random command (or a few, for MULTI) per family, over a small key space per type. */
    private static List<List<String>> draw(Random r) {
        Function<String, String> k = t -> t + r.nextInt(3);
        String n = Integer.toString(r.nextInt(20));
        String v = "v" + r.nextInt(50);
        List<String> c = switch (r.nextInt(40)) {
            case 0 -> List.of("SET", k.apply("s"), v);
            case 1 -> List.of("SET", k.apply("s"), v, "EX", Integer.toString(100 + r.nextInt(900)), "GET");
            case 2 -> List.of("SET", k.apply("s"), v, "PX", "500000", r.nextBoolean() ? "NX" : "XX");
            case 3 -> List.of("SETEX", k.apply("s"), "300", v);
            case 4 -> List.of("GETEX", k.apply("s"), r.nextBoolean() ? "PERSIST" : "EX", "700");
            case 5 -> List.of("GETEX", k.apply("s"), "PXAT", "1");
            case 6 -> List.of("GETDEL", k.apply("s"));
            case 7 -> List.of("INCRBYFLOAT", k.apply("f"), r.nextInt(100) / 7.0 + "");
            case 8 -> List.of("APPEND", k.apply("s"), v);
            case 9 -> List.of("EXPIRE", k.apply(r.nextBoolean() ? "s" : "l"), Integer.toString(r.nextInt(400) - 2));
            case 10 -> List.of("PEXPIRE", k.apply("z"), "800000", "NX");
            case 11 -> List.of("PERSIST", k.apply("s"));
            case 12 -> List.of("RPUSH", k.apply("l"), v, "a", "b");
            case 13 -> List.of("LPOP", k.apply("l"), n);
            case 14 -> List.of("BLPOP", k.apply("l"), k.apply("l"), "0.001");
            case 15 -> List.of("LMPOP", "2", k.apply("l"), k.apply("l"), "RIGHT", "COUNT", n);
            case 16 -> List.of("BLMOVE", k.apply("l"), k.apply("l"), "LEFT", "RIGHT", "0.001");
            case 17 -> List.of("SADD", k.apply("set"), v, "m" + n, "x");
            case 18 -> List.of("SPOP", k.apply("set"));
            case 19 -> List.of("SPOP", k.apply("set"), Integer.toString(r.nextInt(5)));
            case 20 -> List.of("SMOVE", k.apply("set"), k.apply("set"), "x");
            case 21 -> List.of("ZADD", k.apply("z"), n, v, "1.5", "m" + n);
            case 22 -> List.of("ZINCRBY", k.apply("z"), "0.1", v);
            case 23 -> List.of("ZPOPMIN", k.apply("z"), n);
            case 24 -> List.of("BZMPOP", "0.001", "1", k.apply("z"), "MAX", "COUNT", "2");
            case 25 -> List.of("BZPOPMAX", k.apply("z"), "0.001");
            case 26 -> List.of("HSET", k.apply("h"), "f" + n, v);
            case 27 -> List.of("HINCRBYFLOAT", k.apply("h"), "g", "2.5");
            case 28 -> List.of("XADD", k.apply("x"), "MAXLEN", "~", "5", "*", "f", v);
            case 29 -> List.of("XGROUP", "CREATE", k.apply("x"), "g", "0", "MKSTREAM");
            case 30 -> List.of("XREADGROUP", "GROUP", "g", "c" + r.nextInt(3), "COUNT", "2", "STREAMS", k.apply("x"), ">");
            case 31 -> List.of("XREADGROUP", "GROUP", "g", "n" + r.nextInt(3), "NOACK", "STREAMS", k.apply("x"), ">");
            case 32 -> List.of("XAUTOCLAIM", k.apply("x"), "g", "c" + r.nextInt(3), "0", "0", "COUNT", "3");
            case 33 -> List.of("XTRIM", k.apply("x"), "MAXLEN", "~", "2");
            case 34 -> List.of("PFADD", k.apply("hll"), v, n);
            case 35 -> List.of("BITFIELD", k.apply("b"), "INCRBY", "u8", n, "7");
            case 36 -> List.of("GEOADD", k.apply("geo"), "13.36", "38.11", v);
            case 37 -> List.of("EVAL", SCRIPTS[r.nextInt(SCRIPTS.length)], "2", k.apply("set"), k.apply("f"));
            case 38 -> List.of("SELECT", Integer.toString(r.nextInt(3)));
            default -> r.nextBoolean() ? List.of("RENAME", k.apply("s"), k.apply("s")) : List.of("COPY", k.apply("l"), k.apply("l"), "REPLACE");
        };
        if (r.nextInt(12) != 0) {
            return List.of(c);
        }
        List<List<String>> tx = new ArrayList<>();
        tx.add(List.of("MULTI"));
        tx.add(c);
        tx.addAll(draw(r));
        tx.add(List.of("EXEC"));
        return tx;
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3})
    void replayingTheStreamGivesTheSameDataset(long seed) {
        Random r = new Random(seed);
        List<List<String>> stream;
        try (RespClient c = source.client(); PropagationRecorder rec = PropagationRecorder.attach(source.server())) {
            for (int i = 0; i < 400; i++) {
                for (List<String> cmd : draw(r)) {
                    c.call(cmd);
                }
            }
            stream = rec.take();
        }
        try (RespClient c = source.client(); RespClient rc = new RespClient(replica.port())) {
            rc.call("FLUSHALL");
            List<String> failures = new ArrayList<>();
            for (List<String> cmd : stream) {
                Resp reply = rc.call(cmd);
                if (reply instanceof Resp.Err e) {
                    failures.add(cmd + " -> " + e.message());
                }
            }
            assertThat(failures).as("replayed commands that failed").isEmpty();
            assertThat(stream.size()).as("commands propagated").isGreaterThan(200);
            assertThat(rc.call("DEBUG", "DIGEST")).as("digest after replaying %s commands", stream.size())
                    .isEqualTo(c.call("DEBUG", "DIGEST"));
        }
    }
}
