package dev.cinnabar.tests.unit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.testkit.CinnabarExtension;
import dev.cinnabar.testkit.PropagationRecorder;
import dev.cinnabar.testkit.Resp;
import dev.cinnabar.testkit.RespClient;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * maxmemory and its policies against real Redis 7.0 (Redis's tests/unit/maxmemory.tcl and the OOM
 * tests of multi.tcl, scripting.tcl, functions.tcl, pubsub.tcl): the OOM error texts for plain
 * commands, MULTI (EXECABORT), scripts by their flags and functions; what each policy may evict
 * (volatile-* only keys with a TTL, noeviction nothing); the evicted keyspace event; the DEL
 * propagated for an evicted key; and used memory held near maxmemory while evicting.
 */
class MaxmemoryTest {
    @RegisterExtension
    static CinnabarExtension server = new CinnabarExtension();

    @RegisterExtension
    static DifferentialPair d = new DifferentialPair(server);

    @AfterEach
    void unlimited() {
        for (RespClient c : List.of(d.ours, d.real)) {
            c.call("CONFIG", "SET", "maxmemory", "0");
            c.call("CONFIG", "SET", "maxmemory-policy", "noeviction");
            c.call("CONFIG", "SET", "notify-keyspace-events", "");
            c.call("FUNCTION", "FLUSH");
        }
    }

    private void both(String line) {
        d.both(line.split(" "));
    }

    @Test
    void deniesMemoryCommandsWithRedisErrorsWhenOverTheLimit() {
        both("SET foo bar");
        both("CONFIG SET maxmemory 1");
        both("SET x 1");
        both("LPUSH l a");
        both("GET foo");
        both("DEL foo");
        both("MULTI");
        both("SET y 1");
        both("GET y");
        both("EXEC");
        both("MULTI");
        both("DISCARD");
        both("PING");
    }

    @Test
    void execWithQueuedMemoryCommandIsRefusedOnceOverTheLimit() {
        both("MULTI");
        both("SET x 1");
        both("GET x");
        for (int port : new int[] {d.redisPort(), server.port()}) {
            try (RespClient other = new RespClient(port)) {
                other.call("CONFIG", "SET", "maxmemory", "1");
            }
        }
        both("EXEC");
        both("MULTI");
        both("CONFIG SET maxmemory 0");
        both("EXEC");
    }

    @Test
    void scriptsFollowTheirFlags() {
        both("SET x 123");
        both("CONFIG SET maxmemory 1");
        d.both("EVAL", "redis.call('set','x',1) return 1", "1", "x");
        d.both("EVAL", "return redis.pcall('set','x',1)", "1", "x");
        d.both("EVAL", "return redis.call('get','x')", "1", "x");
        d.both("EVAL", "#!lua flags=\nreturn 1", "0");
        d.both("EVAL", "#!lua flags=allow-oom\nredis.call('set','x',1) return 1", "1", "x");
        d.both("EVAL", "#!lua flags=no-writes\nreturn redis.call('get','x')", "0");
        d.both("EVAL_RO", "#!lua flags=no-writes\nreturn redis.call('get','x')", "1", "x");
        both("CONFIG SET maxmemory 0");
        d.both("FUNCTION", "LOAD", "#!lua name=lib\n"
                + "redis.register_function('w', function() return redis.call('set', 'x', '1') end)\n"
                + "redis.register_function{function_name='ro', callback=function() return 'hi' end, flags={'no-writes'}}\n"
                + "redis.register_function{function_name='oom', callback=function() return redis.call('set', 'x', '2') end,"
                + " flags={'allow-oom'}}");
        both("CONFIG SET maxmemory 1");
        both("FCALL w 1 x");
        both("FCALL ro 0");
        both("FCALL_RO ro 0");
        both("FCALL oom 1 x");
        both("GET x");
        d.both("FUNCTION", "LOAD", "REPLACE", "#!lua name=lib\nredis.register_function('f', function() return 1 end)");
    }

    /** Keys that survive {@code maxmemory 1} under a policy, checked on both servers. */
    private void survivors(String policy) {
        both("FLUSHALL");
        both("CONFIG SET maxmemory-policy " + policy);
        for (int i = 0; i < 20; i++) {
            both("SET plain:" + i + " v");
            both("SET ttl:" + i + " v EX 1000");
        }
        both("CONFIG SET maxmemory 1");
        both("SET more v"); // OOM once nothing evictable is left
        both("DBSIZE");
        both("EXISTS plain:0 plain:7 plain:19");
        both("EXISTS ttl:0 ttl:7 ttl:19");
        both("CONFIG SET maxmemory 0");
    }

    @Test
    void everyPolicyEvictsOnlyWhatItMay() {
        for (String p : List.of("noeviction", "volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl",
                "allkeys-lru", "allkeys-lfu", "allkeys-random")) {
            survivors(p);
        }
    }

    @Test
    void evictedKeyIsNotifiedAndPropagatedAsDel() {
        both("CONFIG SET notify-keyspace-events Ee");
        both("CONFIG SET maxmemory-policy allkeys-lru");
        List<Resp> events = new ArrayList<>();
        for (RespClient c : List.of(d.real, d.ours)) {
            int port = c == d.real ? d.redisPort() : server.port();
            try (RespClient sub = new RespClient(port)) {
                sub.call("PSUBSCRIBE", "*");
                c.call("SET", "foo", "bar");
                c.call("CONFIG", "SET", "maxmemory", "1");
                events.add(sub.read());
                c.call("CONFIG", "SET", "maxmemory", "0");
            }
        }
        assertThat(events.get(1)).isEqualTo(events.get(0));
        try (PropagationRecorder rec = PropagationRecorder.attach(server.server())) {
            d.ours.call("SET", "k", "v");
            d.ours.call("CONFIG", "SET", "maxmemory", "1");
            d.ours.call("CONFIG", "SET", "maxmemory", "0");
            d.ours.call("CONFIG", "SET", "lazyfree-lazy-eviction", "yes");
            d.ours.call("SET", "k2", "v");
            d.ours.call("CONFIG", "SET", "maxmemory", "1");
            d.ours.call("CONFIG", "SET", "maxmemory", "0");
            d.ours.call("CONFIG", "SET", "lazyfree-lazy-eviction", "no");
            assertThat(rec.take()).containsExactly(List.of("SELECT", "0"), List.of("SET", "k", "v"), List.of("DEL", "k"),
                    List.of("SET", "k2", "v"), List.of("UNLINK", "k2"));
        }
    }

    @Test
    void configSetInsideMultiEvictsOnlyAfterTheTransaction() throws Exception {
        both("CONFIG SET maxmemory-policy allkeys-lru");
        both("MULTI");
        both("INCR x");
        both("CONFIG SET maxmemory 1");
        both("INCR x");
        both("EXEC"); // 1 OK 2: the key is evicted after EXEC, not under its second INCR
        for (RespClient c : List.of(d.real, d.ours)) {
            long deadline = System.currentTimeMillis() + 5000;
            while (!c.call("DBSIZE").equals(new Resp.Int(0)) && System.currentTimeMillis() < deadline) {
                Thread.sleep(10);
            }
            assertThat(c.call("DBSIZE")).isEqualTo(new Resp.Int(0));
        }
    }

    @Test
    void aClosedClientsOutputNoLongerCountsForEviction() throws Exception {
        RespClient c = d.ours;
        c.call("DEBUG", "PAUSE-CRON", "1"); // no refresh of the client figures but the ones a command does
        try {
            String value = "v".repeat(10_000);
            for (int i = 0; i < 100; i++) {
                c.call("SET", "k" + i, value);
            }
            long before = info(c, "used_memory");
            try (java.net.Socket sub = new java.net.Socket("127.0.0.1", server.port())) {
                sub.setReceiveBufferSize(4096);
                sub.getOutputStream().write("SUBSCRIBE ch\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                while (((Resp.Int) ((Resp.Agg) c.call("PUBSUB", "NUMSUB", "ch")).items().get(1)).value() == 0) {
                    Thread.sleep(5);
                }
                String big = "m".repeat(100_000);
                for (int i = 0; i < 60; i++) {
                    c.call("PUBLISH", "ch", big);
                }
                // the subscriber holds megabytes of unread messages: used memory counts them
                assertThat(info(c, "mem_clients_normal")).isGreaterThan(1_000_000);
            }
            while (((Resp.Bulk) c.call("CLIENT", "LIST")).text().contains("cmd=subscribe")) {
                Thread.sleep(5);
            }
            // no INFO since the subscriber left: eviction must not act on its departed output
            c.call("CONFIG", "RESETSTAT");
            c.call("CONFIG", "SET", "maxmemory-policy", "allkeys-lru");
            c.call("CONFIG", "SET", "maxmemory", Long.toString(before + 512 * 1024));
            c.call("SET", "one-more", "x");
            assertThat(info(c, "evicted_keys")).isZero();
            assertThat(c.call("DBSIZE")).isEqualTo(new Resp.Int(101));
        } finally {
            c.call("DEBUG", "PAUSE-CRON", "0");
        }
    }

    private static long info(RespClient c, String field) {
        return field(((Resp.Bulk) c.call("INFO", "all")).text(), field);
    }

    private static long field(String info, String field) {
        for (String line : info.split("\r\n")) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.substring(field.length() + 1));
            }
        }
        throw new AssertionError("no " + field);
    }

    @Test
    void usedMemoryStaysNearTheLimitWhileEvicting() {
        RespClient c = d.ours;
        c.call("CONFIG", "RESETSTAT");
        long limit = info(c, "used_memory") + 300 * 1024;
        c.call("CONFIG", "SET", "maxmemory", Long.toString(limit));
        c.call("CONFIG", "SET", "maxmemory-policy", "allkeys-lru");
        String value = "x".repeat(1000);
        for (int i = 0; i < 3000; i++) {
            c.call("SET", "key:" + i, value);
            assertThat(info(c, "used_memory")).as("after %d keys", i).isLessThanOrEqualTo(limit + limit / 10);
        }
        assertThat(info(c, "evicted_keys")).isPositive();
        assertThat(((Resp.Int) c.call("DBSIZE")).value()).isBetween(100L, 2999L);
        assertThat(info(c, "maxmemory")).isEqualTo(limit);
        assertThat(info(c, "used_memory_dataset") + info(c, "used_memory_overhead")).isEqualTo(info(c, "used_memory"));
    }

    @Test
    void usedMemoryFollowsWritesAndDeletes() {
        RespClient c = d.ours;
        // one INFO reply: the client figures move between two calls (query buffer room)
        String report = ((Resp.Bulk) c.call("INFO", "memory")).text();
        long empty = field(report, "used_memory");
        assertThat(empty).isEqualTo(field(report, "used_memory_startup") + field(report, "mem_clients_normal"));
        c.call("SET", "s", "x".repeat(100_000));
        c.call("RPUSH", "l", "a", "b", "c");
        for (int i = 0; i < 300; i++) {
            c.call("HSET", "h", "f" + i, "v" + i);
            c.call("SADD", "set", "m" + i);
            c.call("ZADD", "z", Integer.toString(i), "m" + i);
        }
        c.call("XADD", "st", "*", "f", "v");
        // the data's growth, clients aside (their query and reply buffers resize from call to call)
        long emptyData = empty - field(report, "mem_clients_normal");
        long full = dataOnly(c);
        assertThat(full - emptyData).isBetween(100_000L + 3 * 300 * 40, 100_000L + 3 * 300 * 300);
        c.call("SETRANGE", "s", "200000", "y");
        assertThat(dataOnly(c) - full).isBetween(99_000L, 120_000L);
        c.call("MULTI");
        c.call("DEL", "s", "l");
        c.call("UNLINK", "h", "set");
        c.call("EXEC");
        c.call("EVAL", "redis.call('del', KEYS[1]) return 1", "1", "z");
        c.call("SWAPDB", "0", "1");
        c.call("SELECT", "1");
        c.call("FLUSHDB");
        c.call("SELECT", "0");
        // all that is left is db 0's bucket array, until the cron shrinks it
        assertThat(dataOnly(c)).isBetween(emptyData, emptyData + 256);
    }

    /** used_memory without the clients' memory, from one INFO reply. */
    private static long dataOnly(RespClient c) {
        String report = ((Resp.Bulk) c.call("INFO", "memory")).text();
        return field(report, "used_memory") - field(report, "mem_clients_normal");
    }
}
