package dev.cinnabar.tests.unit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.testkit.CinnabarExtension;
import dev.cinnabar.testkit.Resp;
import dev.cinnabar.testkit.RespClient;
import dev.cinnabar.tests.RealRedisPair;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Client tracking with more than one connection, differential against real Redis 7.0: what a
 * script tracks, when BCAST invalidations go out (after the batch's replies, each key once), the
 * order of a served blocked client's reply and its invalidation, and the form of a flush's null.
 * Every connection's stream is read to a final PING, so an extra or a missing push shows.
 */
class TrackingOrderTest {
    @RegisterExtension
    static CinnabarExtension server = new CinnabarExtension();

    @RegisterExtension
    static RealRedisPair pair = new RealRedisPair(server);

    private static int portOf(RespClient c) {
        return Integer.parseInt(((Resp.Agg) c.call("CONFIG", "GET", "port")).items().get(1).asText());
    }

    /** Sends the commands in one write, so the server reads them as one batch. */
    private static void pipeline(RespClient c, String[]... cmds) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (String[] cmd : cmds) {
            byte[][] args = new byte[cmd.length][];
            for (int i = 0; i < cmd.length; i++) {
                args[i] = cmd[i].getBytes(java.nio.charset.StandardCharsets.UTF_8);
            }
            b.writeBytes(RespClient.encode(args));
        }
        c.writeRaw(b.toByteArray());
    }

    private static String[] cmd(String... a) {
        return a;
    }

    private static void read(RespClient c, int n, List<Resp> out) {
        for (int i = 0; i < n; i++) {
            out.add(c.read());
        }
    }

    private static void waitBlocked(RespClient observer, int n) {
        for (int i = 0; i < 500; i++) {
            if (observer.call("INFO", "clients").toString().contains("blocked_clients:" + n)) {
                return;
            }
            sleep(5);
        }
        throw new AssertionError("no client blocked");
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aScriptThatReadsTracksEveryKeyItDeclares() {
        List<Resp> r = pair.same((a, b) -> {
            List<Resp> out = new ArrayList<>();
            out.add(b.call("FLUSHALL"));
            a.call("HELLO", "3");
            out.add(a.call("CLIENT", "TRACKING", "on"));
            // no read in the script: nothing tracked
            out.add(a.call("EVAL", "redis.call('set', 'key3{t}', 'bar')", "2", "key1{t}", "key2{t}"));
            out.add(b.call("MSET", "key2{t}", "2", "key1{t}", "2"));
            // a read of an undeclared key: the declared keys are tracked, not the one read
            out.add(a.call("EVAL", "redis.call('get', 'key3{t}')", "2", "key1{t}", "key2{t}"));
            out.add(b.call("MSET", "key2{t}", "3", "key1{t}", "3", "key3{t}", "3"));
            read(a, 2, out);
            // EVAL_RO itself tracks nothing, only the reads it runs
            out.add(a.call("EVAL_RO", "redis.call('ping')", "2", "key1{t}", "key2{t}"));
            out.add(b.call("MSET", "key2{t}", "4", "key1{t}", "4"));
            out.add(a.call("EVAL_RO", "return redis.call('get', 'key1{t}')", "2", "key1{t}", "key2{t}"));
            out.add(b.call("MSET", "key2{t}", "5", "key1{t}", "5"));
            read(a, 2, out);
            // a script that reads, then writes a declared key: its own invalidation after its reply
            out.add(a.call("EVAL", "redis.call('get', 'x'); return redis.call('set', KEYS[1], 'v')", "1", "key1{t}"));
            out.add(a.read());
            // functions, inside a transaction
            out.add(b.call("FUNCTION", "LOAD", "REPLACE", "#!lua name=trk\n"
                    + "redis.register_function{function_name='rd', callback=function(keys, args) "
                    + "return redis.call('get', keys[1]) end, flags={'no-writes'}}"));
            out.add(a.call("MULTI"));
            out.add(a.call("FCALL_RO", "rd", "2", "f1", "f2"));
            out.add(a.call("EXEC"));
            out.add(b.call("DEL", "f2", "f1"));
            out.add(b.call("SET", "f2", "x"));
            read(a, 1, out);
            out.add(a.call("PING"));
            return out;
        });
        assertThat(r.get(6).toString()).isEqualTo(">[\"invalidate\", *[\"key2{t}\"]]");
        assertThat(r.get(7).toString()).isEqualTo(">[\"invalidate\", *[\"key1{t}\"]]");
        assertThat(r.get(r.size() - 1).toString()).isEqualTo("+PONG");
    }

    @Test
    void broadcastGoesOutOnceAfterTheBatchInKeyOrder() {
        pair.same((a, b) -> {
            List<Resp> out = new ArrayList<>();
            try (RespClient c = new RespClient(portOf(a))) {
                out.add(a.call("FLUSHALL"));
                b.call("HELLO", "3");
                out.add(b.call("CLIENT", "TRACKING", "on", "BCAST"));
                pipeline(a, cmd("APPEND", "k", "x"), cmd("APPEND", "k", "x"),
                        cmd("RPUSH", "l", "b"), cmd("SET", "b", "1"), cmd("SET", "a", "1"));
                read(a, 5, out);
                out.add(b.read()); // one push: [a, b, k, l]
                // the tracking connection's own batch: the replies first, then the push
                c.call("HELLO", "3");
                out.add(c.call("CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "k", "PREFIX", "a"));
                pipeline(c, cmd("SET", "k", "v2"), cmd("PUBLISH", "ch", "m1"), cmd("SET", "a1", "1"));
                read(c, 5, out); // +OK :0 +OK, then [a1] (prefix a) and [k] (prefix k)
                out.add(b.read());
                out.add(b.call("PING"));
                out.add(c.call("PING"));
            }
            return out;
        });
    }

    @Test
    void aServedBlockedClientGetsItsReplyBeforeItsInvalidation() {
        pair.same((a, b) -> {
            List<Resp> out = new ArrayList<>();
            out.add(b.call("DEL", "list1{t}", "list2{t}", "other{t}"));
            out.add(b.call("RPUSH", "list2{t}", "a"));
            a.call("HELLO", "3");
            out.add(a.call("CLIENT", "TRACKING", "on"));
            out.add(a.call("LRANGE", "list2{t}", "0", "-1"));
            out.add(a.call("GET", "other{t}"));
            a.send("BLMOVE", "list1{t}", "list2{t}", "LEFT", "LEFT", "0");
            waitBlocked(b, 1);
            // other{t} is invalidated at once; list2{t} after the served reply
            out.add(b.call("MULTI"));
            out.add(b.call("RPUSH", "list1{t}", "foo"));
            out.add(b.call("SET", "other{t}", "1"));
            out.add(b.call("EXEC"));
            read(a, 3, out);
            out.add(a.call("PING"));
            // NOLOOP: the served client's own move is not reported
            out.add(a.call("CLIENT", "TRACKING", "off"));
            out.add(a.call("CLIENT", "TRACKING", "on", "NOLOOP"));
            out.add(a.call("LRANGE", "list2{t}", "0", "-1"));
            a.send("BLMOVE", "list1{t}", "list2{t}", "LEFT", "LEFT", "0");
            waitBlocked(b, 1);
            out.add(b.call("RPUSH", "list1{t}", "bar"));
            out.add(a.read());
            out.add(a.call("PING"));
            return out;
        });
    }

    @Test
    void flushNullIsInTheTrackingClientsProtocol() {
        List<Resp> r = pair.same((a, b) -> {
            List<Resp> out = new ArrayList<>();
            try (RespClient resp3 = new RespClient(portOf(a)); RespClient sub = new RespClient(portOf(a))) {
                String target = resp3.call("CLIENT", "ID").asText();
                resp3.call("HELLO", "3");
                out.add(a.call("CLIENT", "TRACKING", "on", "REDIRECT", target)); // a speaks RESP2
                out.add(b.call("FLUSHALL"));
                out.add(resp3.read());
                out.add(a.call("CLIENT", "TRACKING", "off"));
                // a RESP3 tracker redirected to a RESP2 subscriber
                String subId = sub.call("CLIENT", "ID").asText();
                out.add(sub.call("SUBSCRIBE", "__redis__:invalidate"));
                b.call("HELLO", "3");
                out.add(b.call("CLIENT", "TRACKING", "on", "REDIRECT", subId));
                out.add(b.call("FLUSHDB"));
                out.add(sub.read());
                // FLUSHALL inside a transaction of the redirect target: the other tracker's null
                // goes out at once (inside the EXEC reply), the target's own after it
                out.add(b.call("CLIENT", "TRACKING", "off"));
                out.add(a.call("CLIENT", "TRACKING", "on", "REDIRECT", target));
                out.add(resp3.call("CLIENT", "TRACKING", "on"));
                out.add(resp3.call("MULTI"));
                out.add(resp3.call("FLUSHALL"));
                out.add(resp3.call("EXEC")); // *1 holding the other tracker's push, then its +OK
                read(resp3, 2, out);
                out.add(resp3.call("PING"));
                out.add(sub.call("PING"));
            }
            return out;
        });
        assertThat(r.get(2)).isEqualTo(new Resp.Agg('>', List.of(new Resp.Bulk("invalidate".getBytes()),
                new Resp.Null('$'))));
    }

    /**
     * LMOVE (and BLMOVE on a list that has elements) signals as Redis does around its reply: the
     * destination's invalidation and push event before the element, the source's pop event and
     * invalidation after it, as a client that receives them all itself (REDIRECT target and
     * RESP3 subscriber) sees.
     */
    @Test
    void aMoveRepliesBetweenItsDestinationAndSourceSignals() {
        pair.same((a, b) -> {
            List<Resp> out = new ArrayList<>();
            out.add(b.call("FLUSHALL"));
            a.call("HELLO", "3");
            String id = a.call("CLIENT", "ID").asText();
            out.add(b.call("CONFIG", "SET", "notify-keyspace-events", "Kl"));
            try {
                out.add(b.call("CLIENT", "TRACKING", "on", "REDIRECT", id));
                a.call("RPUSH", "src", "x", "y", "z");
                a.send("SUBSCRIBE", "__keyspace@0__:src", "__keyspace@0__:dst");
                read(a, 2, out);
                for (String[] move : new String[][] {cmd("LMOVE", "src", "dst", "LEFT", "RIGHT"),
                        cmd("BLMOVE", "src", "dst", "RIGHT", "LEFT", "0"), cmd("RPOPLPUSH", "src", "dst")}) {
                    b.call("LRANGE", "src", "0", "-1");
                    b.call("LRANGE", "dst", "0", "-1");
                    pipeline(a, move, cmd("PING"));
                    Resp frame;
                    do {
                        frame = a.read();
                        out.add(frame);
                    } while (!frame.asText().equals("PONG"));
                }
                a.send("UNSUBSCRIBE", "__keyspace@0__:src", "__keyspace@0__:dst"); // named: Redis's own order is its hash's
                read(a, 2, out);
                out.add(b.call("CLIENT", "TRACKING", "off"));
            } finally {
                b.call("CONFIG", "SET", "notify-keyspace-events", "");
            }
            return out;
        });
    }

    @Test
    void swapdbLeavesTrackingAlone() {
        List<Resp> r = pair.same((a, b) -> {
            List<Resp> out = new ArrayList<>();
            out.add(b.call("FLUSHALL"));
            a.call("HELLO", "3");
            out.add(a.call("CLIENT", "TRACKING", "on"));
            out.add(a.call("GET", "swapped"));
            out.add(b.call("SWAPDB", "0", "1"));
            out.add(b.call("SWAPDB", "0", "1"));
            out.add(b.call("SET", "swapped", "1")); // still tracked: no flush came before
            out.add(a.read());
            out.add(a.call("PING"));
            return out;
        });
        assertThat(r.get(6).toString()).isEqualTo(">[\"invalidate\", *[\"swapped\"]]");
    }

    @Test
    void infoCountsTrackedKeysItemsPrefixesAndChannels() {
        pair.same((a, b) -> {
            List<Resp> out = new ArrayList<>();
            try (RespClient c = new RespClient(portOf(a))) {
                out.add(b.call("FLUSHALL"));
                long prefixes = field(b, "tracking_total_prefixes");
                long channels = field(b, "pubsub_channels");
                long patterns = field(b, "pubsub_patterns");
                a.call("CLIENT", "TRACKING", "on");
                b.call("CLIENT", "TRACKING", "on");
                a.call("MGET", "i1", "i2");
                b.call("GET", "i1");
                c.call("CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "info-prefix:");
                out.add(new Resp.Int(field(b, "tracking_total_keys")));
                out.add(new Resp.Int(field(b, "tracking_total_items")));
                out.add(new Resp.Int(field(b, "tracking_total_prefixes") - prefixes));
                c.call("CLIENT", "TRACKING", "off");
                c.send("SUBSCRIBE", "info-ch1", "info-ch2");
                c.read();
                c.read();
                c.send("PSUBSCRIBE", "info-p*");
                c.read();
                out.add(new Resp.Int(field(b, "pubsub_channels") - channels));
                out.add(new Resp.Int(field(b, "pubsub_patterns") - patterns));
                out.add(new Resp.Int(field(b, "pubsubshard_channels")));
                a.call("CLIENT", "TRACKING", "off");
                b.call("CLIENT", "TRACKING", "off");
            }
            return out;
        });
    }

    private static long field(RespClient c, String name) {
        for (String line : ((Resp.Bulk) c.call("INFO", "everything")).text().split("\r\n")) {
            if (line.startsWith(name + ":")) {
                return Long.parseLong(line.substring(name.length() + 1));
            }
        }
        throw new AssertionError("no INFO field " + name);
    }
}
