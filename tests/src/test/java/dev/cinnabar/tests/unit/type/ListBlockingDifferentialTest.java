package dev.cinnabar.tests.unit.type;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.testkit.RespClient;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Blocking list commands and list/hash keyspace events compared with real Redis 7.0: scripts for
 * several connections with a fixed interleaving (each blocking command is known to be parked,
 * through INFO's blocked_clients, before the next step runs).
 */
class ListBlockingDifferentialTest extends TypeDiff.Base {
    static void dialog(String... steps) {
        try (RespClient a = servers.redis().client(); RespClient b = new RespClient(servers.cinnabar().port())) {
            a.call("FLUSHALL");
            b.call("FLUSHALL");
        }
        Dialog d = new Dialog(steps);
        List<String> expected = d.run(servers.redis().port());
        List<String> actual = d.run(servers.cinnabar().port());
        assertThat(actual).as(String.join(" | ", steps)).isEqualTo(expected);
        assertThat(expected).noneMatch(s -> s.startsWith("failure"));
    }

    @Test
    void fifoAcrossClientsAndDirections() {
        dialog("c1! BLPOP q 0", "blocked 1", "c2! BRPOP other q 0", "blocked 2", "c3! BLMPOP 0 1 q LEFT COUNT 2",
                "blocked 3", "c0 RPUSH q a b c d e", "c1< 1", "c2< 1", "c3< 1", "c0 LRANGE q 0 -1", "blocked 0");
        dialog("c1! BLPOP q 0", "blocked 1", "c2! BLPOP q 0", "blocked 2", "c0 LPUSH q x", "c1< 1", "blocked 1",
                "c0 LPUSH q y", "c2< 1", "c0 EXISTS q");
    }

    @Test
    void timeouts() {
        dialog("c1 BLPOP q 0.05", "c1 BRPOP q1 q2 0.02", "c1 BLMOVE q d LEFT RIGHT 0.02", "c1 BRPOPLPUSH q d 0.02",
                "c1 BLMPOP 0.02 2 q d RIGHT", "c1 PING");
    }

    @Test
    void keyChangesWhileWaiting() {
        dialog("c1! BLPOP q 0", "blocked 1", "c0 SET q str", "c0 HSET h f v", "c0 RENAME h q", "blocked 1",
                "c0 DEL q", "c0 RPUSH src v1 v2", "c0 RENAME src q", "c1< 1", "c0 LRANGE q 0 -1");
        dialog("c1! BRPOP q 0", "blocked 1", "c0 SELECT 1", "c0 RPUSH q from1", "c0 SWAPDB 0 1", "c1< 1",
                "c0 SELECT 0", "c0 EXISTS q");
    }

    @Test
    void moveChainsAndWrongTypeDestination() {
        dialog("c1! BLMOVE src mid RIGHT LEFT 0", "blocked 1", "c2! BRPOPLPUSH mid dst 0", "blocked 2",
                "c3! BLPOP dst 0", "blocked 3", "c0 RPUSH src v", "c1< 1", "c2< 1", "c3< 1", "c0 EXISTS src mid dst");
        dialog("c1! BLMOVE src dst LEFT LEFT 0", "blocked 1", "c2! BLPOP src 0", "blocked 2", "c0 SET dst x",
                "c0 LPUSH src v", "c1< 1", "c2< 1", "c1 PING");
    }

    @Test
    void transactionsAndScriptsNeverBlockAndServeAfterwards() {
        dialog("c1 MULTI", "c1 BLPOP q 0", "c1 BRPOP q 0", "c1 BLMOVE q d LEFT LEFT 0", "c1 BRPOPLPUSH q d 0",
                "c1 BLMPOP 0 1 q LEFT", "c1 EXEC", "c1 EVAL \"return redis.call('blpop', KEYS[1], 0)\" 1 q",
                "c1 EVAL \"return redis.call('blmove', KEYS[1], KEYS[2], 'left', 'left', 0)\" 2 q d");
        dialog("c1! BLPOP q 0", "blocked 1", "c0 MULTI", "c0 RPUSH q x", "c0 LPOP q", "c0 RPUSH q y z", "c0 EXEC",
                "c1< 1", "c0 LRANGE q 0 -1");
        dialog("c1! BLPOP q 0", "blocked 1", "c0 EVAL \"redis.call('rpush', KEYS[1], 'a'); "
                + "return redis.call('lpop', KEYS[1])\" 1 q", "c0 EVAL \"return redis.call('rpush', KEYS[1], 'b')\" 1 q",
                "c1< 1");
    }

    @Test
    void pipelinedCommandsWaitForTheBlockedOne() {
        dialog("c1! BLPOP q 0", "c1! RPUSH q after", "c1! PING", "blocked 1", "sleep 20", "c0 EXISTS q",
                "c0 RPUSH q x", "c1< 3", "c0 LRANGE q 0 -1");
    }

    @Test
    void listKeyspaceEvents() {
        dialog("c0 CONFIG SET notify-keyspace-events KEA", "c1 PSUBSCRIBE __key*@0__:*",
                "c0 RPUSH l a b c d", "c0 LPUSH l z", "c0 LPUSHX l y", "c0 RPUSHX nope y", "c0 LPOP l", "c0 RPOP l 2",
                "c0 LSET l 0 w", "c0 LINSERT l BEFORE w v", "c0 LINSERT l BEFORE nope v", "c0 LREM l 1 v",
                "c0 LREM l 1 nope", "c0 LTRIM l 0 -1", "c0 RPUSH l2 x", "c0 LMOVE l2 l3 LEFT RIGHT", "c0 RPOPLPUSH l l",
                "c0 LMPOP 1 l LEFT COUNT 10", "c0 RPUSH m 1", "c0 BLPOP m 0", "c0 RPUSH m 1 2", "c0 LTRIM m 5 6",
                "c1<< PUNSUBSCRIBE", "c0 CONFIG SET notify-keyspace-events \"\"");
    }

    @Test
    void blockedPopKeyspaceEvents() {
        dialog("c0 CONFIG SET notify-keyspace-events KEA", "c3 PSUBSCRIBE __keyevent@0__:*", "c1! BLPOP q 0",
                "blocked 1", "c2! BLMOVE s d LEFT LEFT 0", "blocked 2", "c0 RPUSH q only", "c1< 1", "c0 RPUSH s v",
                "c2< 1", "c3<< PUNSUBSCRIBE", "c0 CONFIG SET notify-keyspace-events \"\"");
    }

    @Test
    void hashKeyspaceEvents() {
        dialog("c0 CONFIG SET notify-keyspace-events KEA", "c1 PSUBSCRIBE __key*@0__:*", "c0 HSET h a 1 b 2",
                "c0 HMSET h c 3", "c0 HSETNX h a 9", "c0 HSETNX h d 4", "c0 HDEL h a nope", "c0 HDEL h nope",
                "c0 HINCRBY h n 5", "c0 HINCRBYFLOAT h f 1.5", "c0 HINCRBY h b x", "c0 HDEL h b c d n f",
                "c0 HSETNX g a 1", "c1<< PUNSUBSCRIBE", "c0 CONFIG SET notify-keyspace-events \"\"");
    }
}
