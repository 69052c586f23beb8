package dev.cinnabar.tests.unit.type;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.testkit.CinnabarExtension;
import dev.cinnabar.testkit.Resp;
import dev.cinnabar.testkit.RespClient;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Set behaviour through the network (Redis's tests/unit/type/set.tcl covers the same ground):
 * encodings at the thresholds, random members and popping, scanning, keyspace events and the
 * deletion of emptied sets. Exact replies against Redis are in {@link SetDifferentialTest}.
 */
class SetTest {
    @RegisterExtension
    static CinnabarExtension server = new CinnabarExtension();

    RespClient c;
    Events events;

    @BeforeEach
    void connect() {
        c = server.client();
        c.call("CONFIG", "SET", "set-max-intset-entries", "512");
        events = Events.attach(server.server().context());
    }

    @AfterEach
    void close() {
        c.close();
    }

    static List<String> texts(Resp r) {
        List<String> out = new ArrayList<>();
        for (Resp x : ((Resp.Agg) r).items()) {
            out.add(x.asText());
        }
        return out;
    }

    void sadd(String key, int from, int to) {
        List<String> args = new ArrayList<>(List.of("SADD", key));
        for (int i = from; i < to; i++) {
            args.add(Integer.toString(i));
        }
        c.call(args);
    }

    @Test
    void intsetBecomesHashtablePastSetMaxIntsetEntries() {
        sadd("s", 0, 512);
        assertThat(c.call("OBJECT", "ENCODING", "s").asText()).isEqualTo("intset");
        c.call("SADD", "s", "512");
        assertThat(c.call("OBJECT", "ENCODING", "s").asText()).isEqualTo("hashtable");
        assertThat(c.call("SCARD", "s").asText()).isEqualTo("513");
        c.call("CONFIG", "SET", "set-max-intset-entries", "4");
        sadd("t", 0, 4);
        assertThat(c.call("OBJECT", "ENCODING", "t").asText()).isEqualTo("intset");
        c.call("SADD", "t", "4");
        assertThat(c.call("OBJECT", "ENCODING", "t").asText()).isEqualTo("hashtable");
        c.call("SADD", "u", "1", "x");
        assertThat(c.call("OBJECT", "ENCODING", "u").asText()).isEqualTo("hashtable");
    }

    @Test
    void srandmemberWithPositiveCountIsDistinctAndNegativeMayRepeat() {
        for (String enc : new String[] {"intset", "hashtable"}) {
            c.call("DEL", "s");
            sadd("s", 0, 50);
            if (enc.equals("hashtable")) {
                c.call("SADD", "s", "x");
                c.call("SREM", "s", "x");
            }
            assertThat(c.call("OBJECT", "ENCODING", "s").asText()).isEqualTo(enc);
            for (int count : new int[] {1, 5, 20, 40, 49}) {
                List<String> got = texts(c.call("SRANDMEMBER", "s", Integer.toString(count)));
                assertThat(got).hasSize(count);
                assertThat(new HashSet<>(got)).as("distinct").hasSize(count);
            }
            assertThat(new HashSet<>(texts(c.call("SRANDMEMBER", "s", "100")))).hasSize(50);
            List<String> rep = texts(c.call("SRANDMEMBER", "s", "-500"));
            assertThat(rep).hasSize(500);
            assertThat(new HashSet<>(rep).size()).as("repeats").isLessThan(500);
            // every member turns up eventually
            Set<String> seen = new HashSet<>();
            for (int i = 0; i < 5000 && seen.size() < 50; i++) {
                seen.add(c.call("SRANDMEMBER", "s").asText());
            }
            assertThat(seen).hasSize(50);
        }
    }

    @Test
    void spopRemovesWhatItReturnsAndDeletesTheEmptiedKey() {
        sadd("s", 0, 30);
        c.call("SADD", "s", "a", "b");
        events.take();
        List<String> popped = texts(c.call("SPOP", "s", "10"));
        assertThat(new HashSet<>(popped)).hasSize(10);
        for (String m : popped) {
            assertThat(c.call("SISMEMBER", "s", m).asText()).isEqualTo("0");
        }
        assertThat(c.call("SCARD", "s").asText()).isEqualTo("22");
        assertThat(events.take()).containsExactly("spop:s");
        String one = c.call("SPOP", "s").asText();
        assertThat(c.call("SISMEMBER", "s", one).asText()).isEqualTo("0");
        List<String> rest = texts(c.call("SPOP", "s", "100"));
        assertThat(rest).hasSize(21);
        assertThat(c.call("EXISTS", "s").asText()).isEqualTo("0");
        assertThat(events.take()).containsExactly("spop:s", "spop:s", "del:s");
        assertThat(c.call("SPOP", "s")).isEqualTo(new Resp.Null('$'));
    }

    @Test
    void sscanReturnsEveryMemberOfALargeSet() {
        for (int n : new int[] {10, 1000}) {
            c.call("DEL", "s");
            List<String> args = new ArrayList<>(List.of("SADD", "s"));
            for (int i = 0; i < n; i++) {
                args.add("m" + i);
            }
            c.call(args);
            Set<String> seen = new HashSet<>();
            String cursor = "0";
            int calls = 0;
            do {
                List<Resp> r = ((Resp.Agg) c.call("SSCAN", "s", cursor, "COUNT", "7")).items();
                cursor = r.get(0).asText();
                seen.addAll(texts(r.get(1)));
                calls++;
            } while (!cursor.equals("0"));
            assertThat(seen).hasSize(n);
            assertThat(calls).isGreaterThan(n > 100 ? 10 : 0);
            List<String> matched = texts(((Resp.Agg) c.call("SSCAN", "s", "0", "MATCH", "m1?", "COUNT", "100000"))
                    .items().get(1));
            if (n == 10) {
                assertThat(matched).isEmpty();
            } else {
                assertThat(matched).containsExactlyInAnyOrder("m10", "m11", "m12", "m13", "m14", "m15", "m16",
                        "m17", "m18", "m19");
            }
        }
    }

    @Test
    void eventsUseRedisNames() {
        c.call("SADD", "a", "1", "2");
        c.call("SADD", "a", "1");
        c.call("SREM", "a", "nope");
        c.call("SMOVE", "a", "b", "1");
        c.call("SINTERSTORE", "d", "a", "b"); // empty result, d absent: no event
        c.call("SUNIONSTORE", "d", "a", "b");
        c.call("SDIFFSTORE", "d", "a", "b");
        c.call("SREM", "a", "2");
        c.call("SMOVE", "b", "a", "1");
        assertThat(events.take()).containsExactly("sadd:a", "srem:a", "sadd:b", "sunionstore:d",
                "sdiffstore:d", "srem:a", "del:a", "srem:b", "del:b", "sadd:a");
    }
}
