package dev.cinnabar.tests.unit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.testkit.CinnabarExtension;
import dev.cinnabar.testkit.Resp;
import dev.cinnabar.testkit.RespClient;
import dev.cinnabar.tests.RealRedisPair;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Keyspace notifications (the notification part of Redis's tests/unit/pubsub.tcl): the event
 * stream seen by a PSUBSCRIBE __key*__:* subscriber, differential against real Redis, so each
 * command's event names and order are Redis's.
 */
class KeyspaceEventsTest {
    @RegisterExtension
    static CinnabarExtension server = new CinnabarExtension();

    @RegisterExtension
    static RealRedisPair pair = new RealRedisPair(server);

    /** Runs the commands with the given notify-keyspace-events and returns the messages seen. */
    private static List<Resp> events(int port, String flags, String... script) {
        try (RespClient sub = new RespClient(port); RespClient c = new RespClient(port)) {
            c.call("FLUSHALL");
            assertThat(c.call("CONFIG", "SET", "notify-keyspace-events", flags).asText()).isEqualTo("OK");
            sub.call("PSUBSCRIBE", "__key*__:*");
            sub.call("SUBSCRIBE", "end-of-script");
            for (String cmd : script) {
                c.call(cmd.split(" "));
            }
            c.call("PUBLISH", "end-of-script", "done");
            List<Resp> out = new ArrayList<>();
            while (true) {
                Resp m = sub.read();
                if (m.toString().contains("end-of-script")) {
                    break;
                }
                out.add(m);
            }
            c.call("CONFIG", "SET", "notify-keyspace-events", "");
            return out;
        }
    }

    private static List<Resp> same(String flags, String... script) {
        List<Resp> expected = events(pair.redis().port(), flags, script);
        List<Resp> actual = events(server.port(), flags, script);
        assertThat(actual).as(String.join(" | ", script)).isEqualTo(expected);
        return actual;
    }

    @Test
    void stringAndGenericEvents() {
        List<Resp> r = same("KEA", "SET k1 v", "APPEND k1 x", "SETRANGE k1 0 ab", "INCR n", "INCRBY n 2", "DECR n",
                "INCRBYFLOAT f 1.5", "GETDEL k1", "MSET a 1 b 2", "SETEX e 100 v", "EXPIRE a 100", "PERSIST a",
                "RENAME a a2", "DEL a2 b", "EXPIRE e -1", "SET k2 v", "COPY k2 k3", "MOVE k3 1");
        assertThat(r.get(0).toString()).isEqualTo("*[\"pmessage\", \"__key*__:*\", \"__keyspace@0__:k1\", \"set\"]");
        assertThat(r.get(1).toString()).isEqualTo("*[\"pmessage\", \"__key*__:*\", \"__keyevent@0__:set\", \"k1\"]");
    }

    @Test
    void listSetAndZsetEvents() {
        same("KEA", "LPUSH l 1 2", "RPUSH l 3", "LPOP l", "RPOP l", "LSET l 0 z", "LINSERT l BEFORE z y", "LREM l 0 z",
                "LTRIM l 0 0", "RPOPLPUSH l l2", "SADD s 1 2 3", "SREM s 1", "SMOVE s s2 2", "SPOP s",
                "ZADD z 1 a 2 b", "ZINCRBY z 1 a", "ZREM z a", "ZPOPMIN z");
    }

    @Test
    void classFiltersAndChannelKinds() {
        String[] script = {"SET k v", "LPUSH l a", "DEL k l", "SADD s x"};
        same("E$", script);
        same("Kl", script);
        same("Eg", script);
        same("KA", script);
        same("", script);
    }

    @Test
    void keyMissAndNewKeyEventsAreOptIn() {
        List<Resp> r = same("Emn", "GET missing", "SET fresh 1", "SET fresh 2", "GET fresh");
        assertThat(r).hasSize(2);
    }

    @Test
    void eventsInOtherDatabasesCarryTheirIndex() {
        same("KEA", "SELECT 3", "SET k v", "DEL k", "SELECT 0");
    }
}
