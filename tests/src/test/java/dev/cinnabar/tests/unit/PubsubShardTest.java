package dev.cinnabar.tests.unit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.testkit.CinnabarExtension;
import dev.cinnabar.testkit.Resp;
import dev.cinnabar.testkit.RespClient;
import dev.cinnabar.tests.Differential;
import dev.cinnabar.tests.RealRedisPair;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Shard channels (Redis's tests/unit/pubsubshard.tcl), differential against real Redis. */
class PubsubShardTest {
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
    void spublishReachesShardSubscribersOnly() {
        List<Resp> r = same((a, b) -> {
            List<Resp> out = new ArrayList<>(call(a, 2, "SSUBSCRIBE", "s1", "s2"));
            out.addAll(call(a, 1, "PSUBSCRIBE", "s*"));
            out.add(b.call("SPUBLISH", "s1", "hello"));
            out.add(a.read());
            out.add(b.call("PUBLISH", "s1", "plain"));
            out.add(a.read());
            out.add(b.call("SPUBLISH", "nobody", "x"));
            return out;
        });
        assertThat(r.get(4).toString()).isEqualTo("*[\"smessage\", \"s1\", \"hello\"]");
    }

    @Test
    void shardCountsAreSeparateFromChannelCounts() {
        same((a, b) -> {
            List<Resp> out = new ArrayList<>(call(a, 2, "PSUBSCRIBE", "a*", "b*"));
            out.addAll(call(a, 2, "SSUBSCRIBE", "x1", "x2"));
            out.addAll(call(a, 1, "SUBSCRIBE", "c"));
            out.addAll(call(a, 1, "UNSUBSCRIBE", "c"));
            out.addAll(call(a, 2, "PUNSUBSCRIBE"));
            // Still in the subscribed context while shard subscriptions remain.
            out.add(a.call("GET", "k"));
            out.addAll(call(a, 1, "SUNSUBSCRIBE", "x1"));
            out.addAll(call(a, 1, "SUNSUBSCRIBE"));
            out.addAll(call(a, 1, "SUNSUBSCRIBE"));
            out.add(a.call("GET", "k"));
            return out;
        });
    }

    @Test
    void shardIntrospection() {
        same((a, b) -> {
            List<Resp> out = new ArrayList<>(call(a, 2, "SSUBSCRIBE", "sh1", "sh2"));
            out.add(b.call("PUBSUB", "SHARDNUMSUB", "sh1", "nope"));
            out.add(b.call("PUBSUB", "SHARDCHANNELS", "sh1"));
            out.add(b.call("PUBSUB", "SHARDCHANNELS", "zz*"));
            out.add(b.call("PUBSUB", "CHANNELS"));
            return out;
        });
    }
}
