package dev.cinnabar.tests.unit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.testkit.CinnabarExtension;
import dev.cinnabar.testkit.Resp;
import dev.cinnabar.testkit.RespClient;
import dev.cinnabar.tests.Differential;
import dev.cinnabar.tests.RealRedisPair;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Channels and patterns (Redis's tests/unit/pubsub.tcl), differential against real Redis. */
class PubsubTest {
    @RegisterExtension
    static CinnabarExtension server = new CinnabarExtension();

    @RegisterExtension
    static RealRedisPair pair = new RealRedisPair(server);

    private static List<Resp> same(Differential.TwoClients scenario) {
        return pair.same(scenario);
    }

    private static List<Resp> call(RespClient c, int n, String... cmd) {
        return RealRedisPair.call(c, n, cmd);
    }

    @Test
    void subscribeConfirmsEachChannelWithTheCount() {
        List<Resp> r = same((a, b) -> {
            List<Resp> out = new ArrayList<>(call(a, 2, "SUBSCRIBE", "chan1", "chan2"));
            out.addAll(call(a, 1, "SUBSCRIBE", "chan1"));
            out.addAll(call(a, 2, "UNSUBSCRIBE", "chan1", "nosuch"));
            out.addAll(call(a, 1, "UNSUBSCRIBE"));
            out.addAll(call(a, 1, "UNSUBSCRIBE"));
            return out;
        });
        assertThat(r.get(0).toString()).isEqualTo("*[\"subscribe\", \"chan1\", :1]");
        assertThat(r.get(6).toString()).isEqualTo("*[\"unsubscribe\", (nil$), :0]");
    }

    @Test
    void publishReachesSubscribersAndCountsReceivers() {
        List<Resp> r = same((a, b) -> {
            List<Resp> out = new ArrayList<>(call(a, 2, "SUBSCRIBE", "news", "sports"));
            out.add(b.call("PUBLISH", "news", "hello"));
            out.add(a.read());
            out.add(b.call("PUBLISH", "sports", "goal"));
            out.add(a.read());
            out.add(b.call("PUBLISH", "nobody", "x"));
            out.addAll(call(a, 1, "UNSUBSCRIBE", "news"));
            out.add(b.call("PUBLISH", "news", "lost"));
            out.addAll(call(a, 1, "PING"));
            return out;
        });
        assertThat(r.get(2)).isEqualTo(new Resp.Int(1));
        assertThat(r.get(3).toString()).isEqualTo("*[\"message\", \"news\", \"hello\"]");
    }

    @Test
    void patternSubscriptionsReceivePmessages() {
        same((a, b) -> {
            List<Resp> out = new ArrayList<>(call(a, 2, "PSUBSCRIBE", "foo.*", "b?r"));
            out.addAll(call(a, 1, "SUBSCRIBE", "foo.bar"));
            out.add(b.call("PUBLISH", "foo.bar", "m1"));
            out.add(a.read());
            out.add(a.read());
            out.add(b.call("PUBLISH", "bar", "m2"));
            out.add(a.read());
            out.add(b.call("PUBSUB", "NUMPAT"));
            out.addAll(call(a, 1, "PUNSUBSCRIBE", "foo.*"));
            out.add(b.call("PUBLISH", "foo.x", "m3"));
            out.addAll(call(a, 1, "PUNSUBSCRIBE"));
            out.addAll(call(a, 1, "PUNSUBSCRIBE"));
            return out;
        });
    }

    @Test
    void subscribedResp2ContextAllowsOnlyPubsubCommandsAndPing() {
        List<Resp> r = same((a, b) -> {
            List<Resp> out = new ArrayList<>(call(a, 1, "SUBSCRIBE", "c"));
            out.add(a.call("GET", "x"));
            out.add(a.call("PUBSUB", "NUMPAT"));
            out.add(a.call("PING"));
            out.add(a.call("PING", "hi"));
            out.addAll(call(a, 1, "UNSUBSCRIBE"));
            out.add(a.call("PING"));
            return out;
        });
        assertThat(r.get(1).asText()).isEqualTo(
                "-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context");
        assertThat(r.get(3).toString()).isEqualTo("*[\"pong\", \"\"]");
    }

    @Test
    void subscribeInsideMultiAndExecInSubscribedContext() {
        same((a, b) -> {
            List<Resp> out = new ArrayList<>();
            out.add(a.call("MULTI"));
            out.add(a.call("SUBSCRIBE", "t"));
            out.add(a.call("EXEC"));
            out.add(a.call("MULTI"));
            out.add(a.call("EXEC"));
            out.addAll(call(a, 1, "UNSUBSCRIBE"));
            out.add(a.call("MULTI"));
            out.add(a.call("PING"));
            out.add(a.call("EXEC"));
            // A queued PING run after a queued SUBSCRIBE answers as in the subscribed context.
            out.add(a.call("MULTI"));
            out.add(a.call("SUBSCRIBE", "t2"));
            out.add(a.call("PING", "in"));
            out.add(a.call("EXEC"));
            out.addAll(call(a, 1, "UNSUBSCRIBE"));
            return out;
        });
    }

    @Test
    void pubsubIntrospection() {
        same((a, b) -> {
            List<Resp> out = new ArrayList<>(call(a, 3, "SUBSCRIBE", "i1", "i2", "other"));
            out.add(b.call("PUBSUB", "NUMSUB", "i1", "i2", "none"));
            out.add(b.call("PUBSUB", "NUMSUB"));
            out.add(Differential.sorted(b.call("PUBSUB", "CHANNELS", "i*")));
            out.add(b.call("PUBSUB", "CHANNELS", "a", "b"));
            out.add(b.call("PUBSUB", "NUMPAT", "x"));
            out.add(b.call("PUBSUB", "NOSUCH"));
            return out;
        });
    }

    @Test
    void disconnectRemovesSubscriptions() throws Exception {
        try (RespClient b = server.client()) {
            try (RespClient a = server.client()) {
                call(a, 1, "SUBSCRIBE", "gone");
                call(a, 1, "PSUBSCRIBE", "gone*");
                assertThat(b.call("PUBLISH", "gone", "x")).isEqualTo(new Resp.Int(2));
            }
            long deadline = System.currentTimeMillis() + 5000;
            while (b.call("PUBLISH", "gone", "x").equals(new Resp.Int(2)) && System.currentTimeMillis() < deadline) {
                Thread.sleep(10);
            }
            assertThat(b.call("PUBLISH", "gone", "x")).isEqualTo(new Resp.Int(0));
            assertThat(b.call("PUBSUB", "NUMPAT")).isEqualTo(new Resp.Int(0));
        }
    }

    @Test
    void slowSubscriberIsDisconnectedInsteadOfBufferingWithoutBound() {
        try (RespClient slow = server.client(); RespClient pub = server.client()) {
            call(slow, 1, "SUBSCRIBE", "flood");
            byte[] big = new byte[1 << 20];
            java.util.Arrays.fill(big, (byte) 'x');
            long receivers = 1;
            for (int i = 0; i < 200 && receivers == 1; i++) {
                receivers = ((Resp.Int) pub.call("PUBLISH".getBytes(), "flood".getBytes(), big)).value();
            }
            assertThat(receivers).as("the subscriber was cut off").isEqualTo(0);
            slow.timeout(2000);
            boolean closed = false;
            try {
                while (true) {
                    slow.read();
                }
            } catch (UncheckedIOException e) {
                closed = true;
            }
            assertThat(closed).isTrue();
        }
    }

    @Test
    void resp3PushesInterleaveWithNormalReplies() {
        List<Resp> r = same((a, b) -> {
            List<Resp> out = new ArrayList<>();
            a.call("HELLO", "3");
            out.addAll(call(a, 2, "SUBSCRIBE", "r3", "r3b"));
            out.add(a.call("SET", "r3key", "v")); // any command is allowed in RESP3
            out.add(a.call("GET", "r3key"));
            out.add(b.call("PUBLISH", "r3", "from-b"));
            out.add(a.read());
            out.addAll(call(a, 2, "PUBLISH", "r3", "to-myself")); // the push precedes the reply
            out.add(a.call("PING"));
            out.addAll(call(a, 1, "PSUBSCRIBE", "r3*"));
            out.addAll(call(a, 3, "PUBLISH", "r3b", "both"));
            out.addAll(call(a, 2, "UNSUBSCRIBE", "r3", "r3b"));
            out.addAll(call(a, 1, "PUNSUBSCRIBE"));
            out.addAll(call(a, 1, "UNSUBSCRIBE"));
            out.add(a.call("DEL", "r3key"));
            return out;
        });
        assertThat(r.get(0).toString()).isEqualTo(">[\"subscribe\", \"r3\", :1]");
        assertThat(r.get(6).toString()).isEqualTo(">[\"message\", \"r3\", \"to-myself\"]");
    }

    @Test
    void resp3PublishToSelfInsideExecAndKeyspaceEventsInTransaction() {
        same((a, b) -> {
            List<Resp> out = new ArrayList<>();
            a.call("HELLO", "3");
            b.call("CONFIG", "SET", "notify-keyspace-events", "E$");
            out.addAll(call(a, 1, "SUBSCRIBE", "self"));
            out.addAll(call(a, 1, "SUBSCRIBE", "__keyevent@0__:set"));
            out.add(a.call("MULTI"));
            out.add(a.call("PUBLISH", "self", "in-exec"));
            out.add(a.call("SET", "txkey", "v"));
            a.send("EXEC");
            for (int i = 0; i < 3; i++) {
                out.add(a.read());
            }
            out.add(a.call("PING"));
            b.call("CONFIG", "SET", "notify-keyspace-events", "");
            b.call("DEL", "txkey");
            return out;
        });
    }
}
