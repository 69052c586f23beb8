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
 * Sorted-set behaviour through the network (Redis's tests/unit/type/zset.tcl covers the same
 * ground): encodings at the thresholds, random members, scanning, keyspace events, and the
 * blocking pops with several clients. Exact replies against Redis are in {@link ZsetDifferentialTest}.
 */
class ZsetTest {
    @RegisterExtension
    static CinnabarExtension server = new CinnabarExtension();

    RespClient c;
    Events events;
    final List<RespClient> others = new ArrayList<>();

    @BeforeEach
    void connect() {
        c = server.client();
        c.call("CONFIG", "SET", "zset-max-listpack-entries", "128");
        c.call("CONFIG", "SET", "zset-max-listpack-value", "64");
        events = Events.attach(server.server().context());
    }

    @AfterEach
    void close() {
        c.close();
        others.forEach(RespClient::close);
    }

    RespClient other() {
        RespClient o = server.client();
        others.add(o);
        return o;
    }

    static List<String> texts(Resp r) {
        List<String> out = new ArrayList<>();
        for (Resp x : ((Resp.Agg) r).items()) {
            out.add(x.asText());
        }
        return out;
    }

    void zadd(String key, int n) {
        List<String> args = new ArrayList<>(List.of("ZADD", key));
        for (int i = 0; i < n; i++) {
            args.add(Integer.toString(i));
            args.add("m" + i);
        }
        c.call(args);
    }

    String enc(String key) {
        return c.call("OBJECT", "ENCODING", key).asText();
    }

    @Test
    void listpackBecomesSkiplistPastEntriesOrValueLimits() {
        zadd("z", 128);
        assertThat(enc("z")).isEqualTo("listpack");
        c.call("ZADD", "z", "1000", "m128");
        assertThat(enc("z")).isEqualTo("skiplist");
        c.call("ZREMRANGEBYRANK", "z", "1", "-1");
        assertThat(enc("z")).as("no conversion back").isEqualTo("skiplist");
        c.call("ZADD", "v", "1", "x".repeat(64));
        assertThat(enc("v")).isEqualTo("listpack");
        c.call("ZADD", "v", "1", "y".repeat(65));
        assertThat(enc("v")).isEqualTo("skiplist");
        c.call("CONFIG", "SET", "zset-max-listpack-entries", "0");
        c.call("ZADD", "w", "1", "a");
        assertThat(enc("w")).isEqualTo("skiplist");
        c.call("CONFIG", "SET", "zset-max-listpack-entries", "128");
        c.call("ZUNIONSTORE", "u", "1", "w");
        assertThat(enc("u")).as("store results fit back into a listpack").isEqualTo("listpack");
    }

    @Test
    void zrandmemberPositiveCountIsDistinctNegativeMayRepeat() {
        for (int n : new int[] {20, 300}) {
            c.call("DEL", "z");
            zadd("z", n);
            for (int count : new int[] {1, 7, n / 2, n - 1}) {
                List<String> got = texts(c.call("ZRANDMEMBER", "z", Integer.toString(count)));
                assertThat(new HashSet<>(got)).hasSize(count);
            }
            List<String> all = texts(c.call("ZRANDMEMBER", "z", Integer.toString(n + 5)));
            assertThat(all).hasSize(n);
            assertThat(all.get(0)).as("whole set, highest first").isEqualTo("m" + (n - 1));
            List<String> rep = texts(c.call("ZRANDMEMBER", "z", "-1000"));
            assertThat(rep).hasSize(1000);
            assertThat(new HashSet<>(rep).size()).isLessThan(1000);
            List<String> ws = texts(c.call("ZRANDMEMBER", "z", "-5", "WITHSCORES"));
            assertThat(ws).hasSize(10);
            for (int i = 0; i < 10; i += 2) {
                assertThat(ws.get(i)).isEqualTo("m" + ws.get(i + 1));
            }
        }
    }

    @Test
    void zscanReturnsEveryMemberWithItsScore() {
        for (int n : new int[] {10, 1000}) {
            c.call("DEL", "z");
            zadd("z", n);
            Set<String> seen = new HashSet<>();
            String cursor = "0";
            do {
                List<Resp> r = ((Resp.Agg) c.call("ZSCAN", "z", cursor, "COUNT", "5")).items();
                cursor = r.get(0).asText();
                List<String> kv = texts(r.get(1));
                for (int i = 0; i < kv.size(); i += 2) {
                    assertThat(kv.get(i)).isEqualTo("m" + kv.get(i + 1));
                    seen.add(kv.get(i));
                }
            } while (!cursor.equals("0"));
            assertThat(seen).hasSize(n);
        }
    }

    /** COUNT is members, not reply elements: Redis doubles it for member/score pairs (as HSCAN for fields). */
    @Test
    void zscanCountCountsMembers() {
        zadd("z", 1000);
        for (String[] cmd : new String[][] {{"ZSCAN", "z", "0", "COUNT", "10"}, {"HSCAN", "h", "0", "COUNT", "10"},
                {"SSCAN", "s", "0", "COUNT", "10"}}) {
            if (cmd[0].equals("HSCAN")) {
                for (int i = 0; i < 1000; i++) {
                    c.call("HSET", "h", "f" + i, "v");
                    c.call("SADD", "s", "m" + i);
                }
            }
            int stride = cmd[0].equals("SSCAN") ? 1 : 2;
            List<Resp> r = ((Resp.Agg) c.call(cmd)).items();
            assertThat(texts(r.get(1)).size() / stride).as(String.join(" ", cmd)).isBetween(10, 20);
        }
    }

    @Test
    void eventsUseRedisNames() {
        c.call("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d");
        c.call("ZADD", "z", "NX", "5", "a");
        c.call("ZINCRBY", "z", "1", "a");
        c.call("ZREM", "z", "nope", "a");
        c.call("ZREMRANGEBYSCORE", "z", "2", "2");
        c.call("ZREMRANGEBYRANK", "z", "5", "6");
        c.call("ZADD", "lex", "0", "x", "0", "y");
        c.call("ZREMRANGEBYLEX", "lex", "[x", "[x");
        c.call("ZUNIONSTORE", "d", "1", "z");
        c.call("ZINTERSTORE", "d", "2", "z", "nokey");
        c.call("ZRANGESTORE", "d", "z", "0", "0");
        c.call("ZDIFFSTORE", "d", "1", "z");
        c.call("ZPOPMIN", "z");
        c.call("ZPOPMAX", "z");
        assertThat(events.take()).containsExactly("zadd:z", "zincr:z", "zrem:z", "zremrangebyscore:z", "zadd:lex",
                "zremrangebylex:lex", "zunionstore:d", "del:d", "zrangestore:d", "zdiffstore:d", "zpopmin:z",
                "zpopmax:z", "del:z");
    }

    @Test
    void blockedClientsAreServedFirstComeFirstServed() {
        RespClient a = other();
        RespClient b = other();
        a.send("BZPOPMIN", "bz", "5");
        await(1);
        b.send("BZPOPMAX", "bz", "other", "5");
        await(2);
        c.call("ZADD", "bz", "1", "x", "2", "y", "3", "z");
        assertThat(texts(a.read())).containsExactly("bz", "x", "1");
        assertThat(texts(b.read())).containsExactly("bz", "z", "3");
        assertThat(texts(c.call("ZRANGE", "bz", "0", "-1"))).containsExactly("y");
    }

    @Test
    void bzmpopServesWithCountAndDeletesTheEmptiedKey() {
        RespClient a = other();
        a.send("BZMPOP", "5", "2", "k1", "k2", "MAX", "COUNT", "5");
        await(1);
        c.call("ZADD", "k2", "1", "x", "2", "y");
        Resp r = a.read();
        assertThat(r.toString()).isEqualTo("*[\"k2\", *[*[\"y\", \"2\"], *[\"x\", \"1\"]]]");
        assertThat(c.call("EXISTS", "k2").asText()).isEqualTo("0");
    }

    @Test
    void timeoutRepliesNullArrayAndMultiNeverBlocks() {
        RespClient a = other();
        long t0 = System.nanoTime();
        assertThat(a.call("BZPOPMIN", "none", "0.2")).isEqualTo(new Resp.Null('*'));
        assertThat((System.nanoTime() - t0) / 1_000_000).isGreaterThanOrEqualTo(150);
        assertThat(a.call("BZMPOP", "0.1", "1", "none", "MIN")).isEqualTo(new Resp.Null('*'));
        a.call("MULTI");
        a.call("BZPOPMAX", "none", "0");
        Resp exec = a.call("EXEC");
        assertThat(exec.toString()).isEqualTo("*[(nil*)]");
        assertThat(c.call("BZPOPMIN", "none", "-1").asText()).isEqualTo("-ERR timeout is negative");
        c.call("SET", "str", "v");
        assertThat(c.call("BZPOPMIN", "none", "str", "0").asText())
                .startsWith("-WRONGTYPE");
    }

    @Test
    void aKeyOfAnotherTypeDoesNotServeAndAStoreCanCreateTheSet() {
        RespClient a = other();
        a.send("BZPOPMIN", "k", "5");
        await(1);
        c.call("SET", "k", "str");
        c.call("DEL", "k");
        c.call("ZADD", "src", "7", "m");
        c.call("ZUNIONSTORE", "k", "1", "src");
        assertThat(texts(a.read())).containsExactly("k", "m", "7");
    }

    /** Waits until n clients are blocked (the server counts them). */
    private void await(int n) {
        long deadline = System.currentTimeMillis() + 5000;
        while (System.currentTimeMillis() < deadline) {
            String info = c.call("INFO", "clients").asText();
            if (info.contains("blocked_clients:" + n + "\r\n")) {
                return;
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        throw new AssertionError("clients did not block");
    }
}
