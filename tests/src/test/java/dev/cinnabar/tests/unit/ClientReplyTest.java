package dev.cinnabar.tests.unit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.server.CinnabarServer;
import dev.cinnabar.testkit.RealRedis;
import dev.cinnabar.testkit.Resp;
import dev.cinnabar.testkit.RespClient;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * CLIENT REPLY OFF/SKIP against real Redis, with several clients: replies are dropped, pushes
 * (pub/sub confirmations and messages, invalidations) are not, and a blocked command's reply
 * served later is dropped too. Every stream is read to the end (until quiet) and compared whole.
 */
@Timeout(60)
class ClientReplyTest {
    private static RealRedis redis;
    private static CinnabarServer ours;

    @BeforeAll
    static void start() {
        redis = RealRedis.start();
        ours = CinnabarServer.builder().start();
    }

    @AfterAll
    static void stop() {
        if (redis != null) {
            redis.close();
        }
        if (ours != null) {
            ours.close();
        }
    }

    /** A dialog of two clients; returns what each received, in order. */
    interface Dialog {
        void run(RespClient c0, RespClient c1) throws Exception;
    }

    private static List<List<Resp>> transcript(int port, Dialog d) throws Exception {
        try (RespClient c0 = new RespClient(port); RespClient c1 = new RespClient(port)) {
            c0.call("FLUSHALL");
            d.run(c0, c1);
            return List.of(drain(c0), drain(c1));
        }
    }

    /** Everything that arrives until the connection is quiet for 300 ms. */
    private static List<Resp> drain(RespClient c) {
        c.timeout(300);
        List<Resp> out = new ArrayList<>();
        while (true) {
            try {
                out.add(c.read());
            } catch (UncheckedIOException quiet) {
                return out;
            }
        }
    }

    private static void settle() throws InterruptedException {
        Thread.sleep(100);
    }

    private static void same(Dialog d) throws Exception {
        List<List<Resp>> want = transcript(redis.port(), d);
        List<List<Resp>> got = transcript(ours.port(), d);
        assertThat(got).isEqualTo(want);
    }

    @Test
    void subscribeConfirmationsAndMessagesArriveWhileRepliesAreOff() throws Exception {
        for (String proto : new String[] {"2", "3"}) {
            same((c0, c1) -> {
                c0.call("HELLO", proto);
                c0.send("CLIENT", "REPLY", "OFF");
                c0.send("SUBSCRIBE", "ch", "other");
                c0.send("PSUBSCRIBE", "c*");
                settle();
                c1.call("PUBLISH", "ch", "hi");
                settle();
                c0.send("PING");
                c0.send("UNSUBSCRIBE", "ch");
            });
        }
    }

    @Test
    void aServedBlockingPopIsSilentWhenItsReplyIsOffOrSkipped() throws Exception {
        same((c0, c1) -> {
            c0.send("CLIENT", "REPLY", "OFF");
            c0.send("BLPOP", "l", "0");
            settle();
            c1.call("LPUSH", "l", "a");
            settle();
            c0.send("CLIENT", "REPLY", "ON");
            c0.send("LLEN", "l");
        });
        same((c0, c1) -> {
            c0.send("CLIENT", "REPLY", "SKIP");
            c0.send("BLPOP", "l", "0");
            settle();
            c1.call("RPUSH", "l", "a", "b");
            settle();
            c0.send("LLEN", "l");
        });
        same((c0, c1) -> {
            c0.send("CLIENT", "REPLY", "SKIP");
            c0.send("BLPOP", "l", "0.2");
            Thread.sleep(400); // times out: its nil reply is skipped too
            c0.send("PING");
        });
    }

    @Test
    void invalidationsArriveWhileRepliesAreOff() throws Exception {
        same((c0, c1) -> {
            c0.call("HELLO", "3");
            c0.call("CLIENT", "TRACKING", "ON");
            c0.call("GET", "k");
            c0.send("CLIENT", "REPLY", "OFF");
            c0.send("GET", "j");
            settle();
            c1.call("SET", "k", "1");
            settle();
            c0.send("CLIENT", "REPLY", "ON");
        });
    }

    @Test
    void skipDropsOneReplyAndOffDropsUntilOn() throws Exception {
        same((c0, c1) -> {
            c0.send("CLIENT", "REPLY", "SKIP");
            c0.send("SET", "a", "1");
            c0.send("GET", "a");
            c0.send("CLIENT", "REPLY", "OFF");
            c0.send("INCR", "a");
            c0.send("CLIENT", "REPLY", "SKIP");
            c0.send("INCR", "a");
            c0.send("CLIENT", "REPLY", "ON");
            c0.send("GET", "a");
        });
    }

    @Test
    void onRightAfterSkipAnswersAndResetAfterSkipIsSilent() throws Exception {
        same((c0, c1) -> {
            c0.send("CLIENT", "REPLY", "SKIP");
            c0.send("CLIENT", "REPLY", "ON"); // clears the skip of itself: +OK
            c0.send("PING");
            c0.send("CLIENT", "REPLY", "SKIP");
            c0.send("RESET"); // RESET does not clear the skip of itself
            c0.send("PING");
            c0.send("CLIENT", "REPLY", "OFF");
            c0.send("RESET"); // but it ends OFF: +RESET
            c0.send("PING");
        });
    }

    @Test
    void aSkipStillAppliesToTheCommandHeldByAPause() throws Exception {
        same((c0, c1) -> {
            c1.call("CLIENT", "PAUSE", "100000", "WRITE");
            c0.send("CLIENT", "REPLY", "SKIP");
            c0.send("LPUSH", "l", "a"); // postponed; its reply is skipped when it runs
            settle();
            c1.call("CLIENT", "UNPAUSE");
            c0.send("LLEN", "l");
            settle();
            c1.call("CLIENT", "PAUSE", "300", "ALL"); // (CLIENT UNPAUSE would be held too)
            c0.send("CLIENT", "REPLY", "SKIP");
            c0.send("MGET", "k", "n");
            c0.send("LLEN", "l");
            Thread.sleep(500);
        });
    }

    @Test
    void clientsHeldByAPauseRunInArrivalOrder() throws Exception {
        for (int round = 0; round < 5; round++) {
            List<List<Resp>> want = held(redis.port());
            List<List<Resp>> got = held(ours.port());
            assertThat(got).isEqualTo(want);
        }
    }

    /** Eight clients postponed one after the other by CLIENT PAUSE ALL each APPEND to one key. */
    private static List<List<Resp>> held(int port) throws Exception {
        List<RespClient> cs = new ArrayList<>();
        try (RespClient admin = new RespClient(port)) {
            admin.call("DEL", "k");
            for (int i = 0; i < 8; i++) {
                cs.add(new RespClient(port));
            }
            admin.call("CLIENT", "PAUSE", "400", "ALL"); // (CLIENT UNPAUSE would be held too)
            for (RespClient c : cs) {
                c.send("APPEND", "k", "x");
                Thread.sleep(15);
            }
            Thread.sleep(400); // the pause is over
            List<List<Resp>> out = new ArrayList<>();
            for (RespClient c : cs) {
                out.add(drain(c));
            }
            return out;
        } finally {
            for (RespClient c : cs) {
                c.close();
            }
        }
    }
}
