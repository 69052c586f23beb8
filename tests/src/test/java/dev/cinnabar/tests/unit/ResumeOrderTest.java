package dev.cinnabar.tests.unit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.testkit.CinnabarExtension;
import dev.cinnabar.testkit.Resp;
import dev.cinnabar.tests.Dialogs;
import dev.cinnabar.tests.RealRedisPair;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Clients released from a block or a pause run as Redis runs its unblocked clients, differential
 * against real Redis 7.0 (dialogs the multi-client model test found): one after the other in the
 * order they were released, each running everything its input holds before the next; a client a
 * released one serves comes after them; their replies are written once all have run (so one killed
 * meanwhile never gets them, though its command ran); and BCAST invalidations go out after all of
 * it, in one batch, as they do after a connection's whole pipeline. A served BLPOP/BLMOVE does
 * not signal the key it pops from again (BCAST NOLOOP sees the pusher's change).
 */
class ResumeOrderTest {
    @RegisterExtension
    static CinnabarExtension server = new CinnabarExtension();

    @RegisterExtension
    static RealRedisPair pair = new RealRedisPair(server);

    private static List<String> same(Dialogs.Scenario s) {
        return pair.dialog(s);
    }

    private static String[] cmd(String... a) {
        return a;
    }

    @Test
    void aPausedClientRunsWhatFollowedItsHeldCommandBeforeTheNextPausedClient() {
        same(d -> {
            d.call(3, "FLUSHALL");
            d.call(1, "CLIENT", "PAUSE", "100000", "WRITE");
            d.send(1, "EVAL", "redis.call('rpush',KEYS[1],'s') return 1", "1", "l");
            d.awaitBlocked(1);
            d.send(0, "APPEND", "k", "x");
            d.awaitBlocked(2);
            d.send(1, "MGET", "k", "n"); // a read, waiting behind the held EVAL
            d.noReplyWithin(1, 100);
            d.call(2, "CLIENT", "UNPAUSE");
            d.read(1);
            d.read(1); // MGET ran before c0's APPEND: [nil, nil]
            d.read(0);
        });
    }

    @Test
    void aClientServedByAReleasedClientRunsAfterTheClientsReleasedBeforeIt() {
        same(d -> {
            d.call(4, "FLUSHALL");
            d.send(0, "BLPOP", "l", "0");
            d.awaitBlocked(1);
            d.call(1, "CLIENT", "PAUSE", "100000", "WRITE");
            d.send(3, "LPUSH", "l", "b");
            d.awaitBlocked(2);
            d.send(1, "APPEND", "k", "x");
            d.awaitBlocked(3);
            d.send(0, "EXISTS", "k", "l");
            d.noReplyWithin(0, 100);
            d.call(4, "CLIENT", "UNPAUSE");
            d.read(0);
            d.read(0); // after c1's APPEND: 1
            d.read(3);
            d.read(1);
        });
    }

    @Test
    void aReleasedClientKilledBeforeTheOthersHaveRunLosesItsReplyButItsCommandRan() {
        List<String> t = same(d -> {
            d.call(2, "FLUSHALL");
            String addr = addr(d.c(1).call("CLIENT", "INFO")); // differs between servers: not recorded
            d.pipeline(1, cmd("CLIENT", "PAUSE", "200", "ALL"), cmd("APPEND", "k", "x"));
            d.read(1);
            d.c(0).send("CLIENT", "KILL", "ADDR", addr); // held by the pause too, released after c1
            d.note("c0 CLIENT KILL ADDR <c1> (sent)");
            d.read(0);
            d.note("c1 closed: " + d.c(1).isClosedByServer());
            d.call(0, "GET", "k");
        });
        assertThat(t).contains("c1 closed: true");
    }

    @Test
    void bcastInvalidationsWaitForTheServedClientsPipeline() {
        same(d -> {
            d.call(2, "FLUSHALL");
            hello3(d, 1);
            d.call(1, "CLIENT", "TRACKING", "ON", "BCAST");
            d.pipeline(0, cmd("BLPOP", "l", "0"), cmd("EVAL", "return redis.call('incr',KEYS[1])", "1", "n"));
            d.awaitBlocked(1);
            d.call(1, "EVAL", "redis.call('rpush',KEYS[1],'s') return 1", "1", "l");
            d.read(1); // one invalidation of l and n, after c0's INCR ran
            d.read(0);
            d.read(0);
            d.call(1, "PING"); // no other push before it
        });
    }

    @Test
    void bcastInvalidationsOfAPipelineFollowItsScriptsReply() {
        same(d -> {
            d.call(1, "FLUSHALL");
            hello3(d, 0);
            d.call(0, "CLIENT", "TRACKING", "ON", "BCAST");
            d.pipeline(0, cmd("INCR", "n"), cmd("EVAL", "return redis.call('get',KEYS[1])", "1", "k"));
            d.read(0);
            d.read(0); // the script's reply before the invalidation of n
            d.read(0);
            d.call(0, "PING");
        });
    }

    @Test
    void aServedPopLeavesTheKeysInvalidationToThePusherForNoloop() {
        // BLPOP and BLMOVE do not signal the key they are served from (the push did); BLMPOP does
        same(d -> {
            d.call(2, "FLUSHALL");
            hello3(d, 1);
            d.call(1, "CLIENT", "TRACKING", "ON", "BCAST", "NOLOOP");
            for (String[] pop : List.of(cmd("BLPOP", "l", "0"), cmd("BLMOVE", "l", "l2", "LEFT", "RIGHT", "0"),
                    cmd("BLMPOP", "0", "1", "l", "LEFT", "COUNT", "2"))) {
                d.send(1, pop);
                d.awaitBlocked(1);
                d.call(0, "RPUSH", "l", "a", "b", "c");
                d.read(1);
                d.call(1, "PING"); // the invalidation of l (not of l2) comes first, if at all
                d.call(0, "DEL", "l", "l2");
                d.call(1, "PING");
            }
        });
    }

    /** HELLO 3, recorded without its reply (the client id differs between the servers). */
    private static void hello3(Dialogs.Dialog d, int i) {
        d.c(i).call("HELLO", "3");
        d.note("c" + i + " HELLO 3");
    }

    private static String addr(Resp info) {
        for (String field : info.asText().strip().split(" ")) {
            if (field.startsWith("addr=")) {
                return field.substring("addr=".length());
            }
        }
        throw new AssertionError("no addr in " + info);
    }
}
