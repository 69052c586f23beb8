package dev.cinnabar.tests.propagate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.testkit.CinnabarExtension;
import dev.cinnabar.testkit.PropagationRecorder;
import dev.cinnabar.testkit.RealRedis;
import dev.cinnabar.testkit.ReplicationStream;
import dev.cinnabar.testkit.Resp;
import dev.cinnabar.testkit.RespClient;
import dev.cinnabar.testkit.diff.Invocation;
import dev.cinnabar.testkit.diff.Sequence;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The propagated stream is Redis 7.0's: the same command sequences run on a real Redis, observed
 * as a replica sees it (SYNC, then the stream), and on Cinnabar, observed through a recorder on
 * its propagation path, give the same commands (SELECT, MULTI/EXEC wrapping, rewrites). Absolute
 * times (PXAT, PEXPIREAT, XCLAIM TIME, generated stream IDs) are the only thing normalised: both
 * servers compute them from their own clock.
 *
 * <p>Lines are redis-cli syntax; {@code c1 } sends on a second connection (a blocking command
 * there is sent without waiting, and its reply read at the end); {@code sleep N} waits N ms.
 */
class PropagationDifferentialTest {
    @RegisterExtension
    static CinnabarExtension ours = new CinnabarExtension().setting("enable-debug-command", "yes");

    static RealRedis redis;

    @BeforeAll
    static void startRedis() {
        redis = RealRedis.start("--enable-debug-command", "yes");
        try (RespClient c = redis.client()) {
            c.call("CONFIG", "SET", "repl-ping-replica-period", "3600");
        }
    }

    @AfterAll
    static void stopRedis() {
        if (redis != null) {
            redis.close();
        }
    }

    private static final List<String> MARKER = List.of("set", "__marker__", "1");

    /** Runs the lines on one server; returns the replies of the blocked commands sent on c1. */
    private static List<Resp> run(int port, List<String> lines) {
        Sequence seq = Sequence.of(lines.toArray(new String[0]));
        List<RespClient> clients = new ArrayList<>();
        List<Resp> late = new ArrayList<>();
        try {
            for (int i = 0; i < 2; i++) {
                clients.add(new RespClient("127.0.0.1", port, 5000));
            }
            int blocked = 0;
            for (Invocation step : seq.steps()) {
                if (step.command().equals("sleep")) {
                    Thread.sleep(Long.parseLong(step.args().get(1)));
                    continue;
                }
                RespClient c = clients.get(step.client());
                if (step.client() == 1 && isBlocking(step)) {
                    c.send(step.args().toArray(new String[0]));
                    blocked++;
                    awaitBlocked(clients.get(0), blocked);
                    continue;
                }
                c.call(step.args());
            }
            if (blocked > 0) {
                late.add(clients.get(1).read());
            }
            clients.get(0).call(MARKER);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } finally {
            clients.forEach(RespClient::close);
        }
        return late;
    }

    private static boolean isBlocking(Invocation step) {
        String c = step.command();
        return c.startsWith("b") && !c.startsWith("bit") || c.startsWith("xread");
    }

    private static void awaitBlocked(RespClient c, int n) throws InterruptedException {
        for (int i = 0; i < 500; i++) {
            String info = ((Resp.Bulk) c.call("INFO", "clients")).text();
            if (info.contains("blocked_clients:" + n + "\r\n")) {
                return;
            }
            Thread.sleep(2);
        }
        throw new AssertionError("the command did not block");
    }

    /** Both streams for the lines, normalised, and asserted equal. */
    private static List<List<String>> assertSameStream(String... lines) {
        return assertSameStream(false, lines);
    }

    /**
     * As above; with {@code randomMembers}, the member of an SREM (which SPOP drew at random, on
     * each server its own draw) is not compared.
     */
    private static List<List<String>> assertSameStream(boolean randomMembers, String... lines) {
        return assertSameStream(randomMembers, false, lines);
    }

    /**
     * As above; with {@code deletionsInAnyOrder}, a run of DELs (keys a SCAN or RANDOMKEY found
     * expired, in each server's own table order) is compared as a set.
     */
    private static List<List<String>> assertSameStream(boolean randomMembers, boolean deletionsInAnyOrder,
                                                       String... lines) {
        List<String> script = List.of(lines);
        List<List<String>> theirs;
        try (RespClient c = redis.client()) {
            c.call("FLUSHALL");
            c.call("SCRIPT", "FLUSH");
            c.call("FUNCTION", "FLUSH");
        }
        try (ReplicationStream stream = ReplicationStream.attach(redis.port())) {
            run(redis.port(), script);
            theirs = stream.until(MARKER);
        }
        List<List<String>> mine;
        try (RespClient c = ours.client()) {
            c.call("FLUSHALL");
            c.call("SCRIPT", "FLUSH");
            c.call("FUNCTION", "FLUSH");
        }
        try (PropagationRecorder rec = PropagationRecorder.attach(ours.server())) {
            run(ours.port(), script);
            mine = rec.take();
        }
        mine.remove(mine.size() - 1); // the marker
        if (randomMembers) {
            mine = drawsHidden(mine);
            theirs = drawsHidden(theirs);
        }
        if (deletionsInAnyOrder) {
            mine = deletionRunsSorted(mine);
            theirs = deletionRunsSorted(theirs);
        }
        assertThat(normalise(mine)).as("propagated by Cinnabar vs Redis for %s", script)
                .isEqualTo(normalise(theirs));
        return theirs;
    }

    private static List<List<String>> deletionRunsSorted(List<List<String>> stream) {
        List<List<String>> out = new ArrayList<>(stream);
        for (int i = 0; i < out.size(); ) {
            int j = i;
            while (j < out.size() && out.get(j).get(0).equals("DEL")) {
                j++;
            }
            out.subList(i, j).sort(java.util.Comparator.comparing(c -> c.get(1)));
            i = Math.max(j, i + 1);
        }
        return out;
    }

    private static List<List<String>> drawsHidden(List<List<String>> stream) {
        List<List<String>> out = new ArrayList<>();
        for (List<String> c : stream) {
            out.add(c.get(0).equals("SREM") ? List.of("SREM", c.get(1), "<drawn>") : c);
        }
        return out;
    }

    /** Absolute times near now (ms, or a generated stream ID's ms part) become "<time>". */
    static List<List<String>> normalise(List<List<String>> stream) {
        long now = System.currentTimeMillis();
        List<List<String>> out = new ArrayList<>();
        for (List<String> cmd : stream) {
            List<String> c = new ArrayList<>();
            for (String a : cmd) {
                String ms = a.matches("\\d{12,14}(-\\d+)?") ? a.split("-")[0] : null;
                if (ms != null && Math.abs(Long.parseLong(ms) - now) < 3 * 86_400_000L) {
                    a = a.contains("-") ? "<time>-" + a.split("-")[1] : "<time>";
                }
                c.add(a);
            }
            out.add(c);
        }
        return out;
    }

    @Test
    void stringsReplicateAbsoluteExpiriesAndResults() {
        assertSameStream("set a 1", "set b 2 ex 100", "set c 3 px 100000 get", "set d 4 exat 4000000000",
                "set e 5 pxat 4000000000000 get", "set f 6 keepttl get", "set g 7 get xx get", "setex h 100 v",
                "psetex i 100000 v", "setnx j v", "setnx j v", "getex b ex 50", "getex b persist", "getex b persist",
                "getex c pxat 1", "getdel a", "getdel nosuch", "incrbyfloat x 1.5", "incrbyfloat x 2e3",
                "setrange sr 5 abc", "append sr xyz", "incr n", "decrby n 4", "mset m1 1 m2 2", "msetnx m1 1 m3 2",
                "getset m2 3", "set k v nx", "set k v xx");
    }

    @Test
    void expiriesBecomePexpireatOrDel() {
        assertSameStream("set k 1", "expire k 100", "expire k 200 nx", "expire k 300 xx", "pexpire k 100000 gt",
                "expireat k 4000000000 lt", "pexpireat k 4000000000000", "persist k", "persist k", "expire nokey 10",
                "set k2 1", "expire k2 0", "set k3 1", "pexpire k3 -1", "set k4 1", "expireat k4 1",
                "config set lazyfree-lazy-expire yes", "set k5 1", "expire k5 0", "set k6 v", "getex k6 exat 1",
                "config set lazyfree-lazy-expire no", "config set lazyfree-lazy-user-del yes", "set k7 v",
                "getdel k7", "config set lazyfree-lazy-user-del no");
    }

    @Test
    void listPopsAndBlockingCommandsReplicateNonBlockingForms() {
        assertSameStream("rpush l a b c d e f g", "blpop l 0", "brpop l 0", "blmove l l2 left right 0",
                "brpoplpush l l2 0", "lmpop 1 l left count 2", "blmpop 0 1 l2 right count 1", "blmpop 0 2 no l2 left",
                "lpop nolist", "lpop l 10", "rpoplpush l l3", "lmove l2 l3 right left", "linsert l3 before a z",
                "lset l3 0 y", "lrem l3 0 y", "ltrim l3 0 -1", "lpushx nolist a", "rpushx l3 b");
    }

    @Test
    void servedBlockedClientsPropagateTheirPop() {
        assertSameStream("c1 blpop bl 0", "rpush bl a b c");
        assertSameStream("c1 blmove bl bl2 right left 0", "rpush bl a b");
        assertSameStream("c1 brpoplpush bl bl3 0", "lpush bl a");
        assertSameStream("c1 blmpop 0 1 bl right count 5", "rpush bl a b c");
        assertSameStream("c1 bzpopmin bz 0", "zadd bz 1 a 2 b");
        assertSameStream("c1 bzmpop 0 1 bz max count 3", "zadd bz 1 a 2 b");
        assertSameStream("xadd s 1-1 f v", "xgroup create s g $", "c1 xreadgroup group g alice block 0 streams s >",
                "xadd s 2-1 f v");
        assertSameStream("xadd s 1-1 f v", "xgroup create s g $",
                "c1 xreadgroup group g bob noack block 0 streams s >", "xadd s 2-1 f v");
        assertSameStream("c1 blpop bl 0", "multi", "rpush bl a", "set x 1", "exec");
    }

    @Test
    void setsReplicateTheMembersActuallyPopped() {
        assertSameStream(true, "sadd s a b c d e f g", "spop s", "spop s 2", "spop s 0", "spop s 100", "sadd s2 1 2 3",
                "spop s2 3", "sadd s3 x y", "srandmember s3 5", "smove s3 s4 x", "smove s3 s4 nope", "srem s3 y",
                "sadd a 1 2", "sadd b 2 3", "sinterstore c a b", "sunionstore d a b", "sdiffstore e a b",
                "config set lazyfree-lazy-server-del yes", "sadd s5 a b", "spop s5 9",
                "config set lazyfree-lazy-server-del no");
    }

    @Test
    void sortedSetPopsAndFloats() {
        assertSameStream("zadd z 1 a 2 b 3 c 4 d 5 e 6 f", "bzpopmin z 0", "bzpopmax z 0", "zmpop 1 z min count 2",
                "bzmpop 0 1 z max", "zpopmin z 10", "zpopmax nozs", "zincrby z2 1.5 m", "zadd z2 incr 2 m",
                "zadd z2 nx 1 m", "zadd z3 1 a 2 b", "zrem z3 a", "zremrangebyscore z3 0 10", "zadd z4 1 a",
                "zunionstore z5 2 z2 z4", "zrangestore z6 z5 0 -1");
    }

    @Test
    void hashesAndOthers() {
        assertSameStream("hset h f 1 g 2", "hincrbyfloat h f 2.5", "hincrby h g 3", "hsetnx h f 0", "hdel h g",
                "hdel h nope", "pfadd hll a b c", "pfcount hll", "pfcount hll", "pfadd hll a", "pfadd hll2",
                "pfadd hll2", "pfcount hll hll2", "pfmerge hll3 hll hll2", "setbit bm 7 1", "bitfield bm set u8 0 255",
                "bitfield bm get u8 0", "bitop not bm2 bm", "geoadd g 13.36 38.11 pa 15.08 37.50 ca",
                "geosearchstore g2 g frommember pa byradius 200 km", "publish ch hi", "spublish sch hi");
    }

    @Test
    void keysAndDatabases() {
        assertSameStream("flushall", "flushall", "select 4", "flushdb", "set a 1", "flushdb async", "swapdb 7 8",
                "select 0", "set f 1", "move f 3", "set x 5", "copy x y", "copy x y db 2 replace", "rename x xx",
                "renamenx xx y", "rename xx xx", "del y nokey", "unlink xx", "set t 1", "touch t", "sort nolist store out",
                "rpush sl 3 1 2", "sort sl store out", "sort sl limit 0 1 store out");
    }

    @Test
    void restoreWithRelativeTtlBecomesAbsolute() {
        byte[] payload;
        try (RespClient c = redis.client()) {
            c.call("SET", "src", "value");
            payload = ((Resp.Bulk) c.call("DUMP", "src")).value();
        }
        String p = "\"" + escape(payload) + "\"";
        assertSameStream("restore r 100000 " + p, "restore r 0 " + p + " replace", "restore r2 4000000000000 " + p
                + " absttl", "restore r3 1 " + p + " absttl", "set r4 v", "restore r4 1 " + p + " absttl replace",
                "restore r5 0 " + p + " idletime 10");
    }

    private static String escape(byte[] b) {
        StringBuilder s = new StringBuilder();
        for (byte x : b) {
            s.append(String.format("\\x%02x", x & 0xff));
        }
        return s.toString();
    }

    @Test
    void streamsPropagateIdsTrimsAndGroupState() {
        assertSameStream("xadd s 1-1 a 1", "xadd s 2-1 a 1", "xadd s 3-1 a 1", "xadd s 4-1 a 1", "xgroup create s g 0",
                "xreadgroup group g c1 count 2 streams s >", "xreadgroup group g c1 streams s 0",
                "xreadgroup group g c2 noack count 1 streams s >", "xreadgroup group g c3 noack streams s >",
                "xclaim s g c4 0 1-1 2-1", "xclaim s g c4 0 2-1 justid lastid 9-9", "xclaim s g c5 0 1-5 lastid 10-0",
                "xautoclaim s g c6 0 0 count 1", "xdel s 2-1", "xautoclaim s g c7 0 0 justid", "xack s g 1-1",
                "xgroup createconsumer s g zed", "xgroup createconsumer s g zed", "xgroup delconsumer s g zed",
                "xgroup setid s g 0", "xadd s * f v", "xadd s 99-* f v", "xadd s maxlen ~ 2 100-1 a 1",
                "xadd s maxlen = 3 101-1 a 1", "xtrim s maxlen ~ 1", "xtrim s maxlen 1", "xtrim s minid ~ 999",
                "xadd s nomkstream minid 0 200-1 a 1", "xsetid s 300-0", "xgroup destroy s g",
                "xgroup create s2 g2 $ mkstream");
    }

    @Test
    void transactionsWrapOnlySeveralCommands() {
        assertSameStream("multi", "set q 1", "exec", "multi", "set q 1", "set r 2", "exec", "multi", "get q", "exec",
                "multi", "exec", "multi", "set m 1", "select 2", "set m 2", "exec", "select 0", "multi",
                "incr q", "discard", "multi", "spop nosuch 2", "lpush l a", "exec");
    }

    @Test
    void scriptsPropagateTheirEffects() {
        assertSameStream("eval \"redis.call('set','a','1')\" 0", "eval \"redis.call('set','a','1'); redis.call('incr','b')\" 0",
                "eval \"return redis.call('get','a')\" 0",
                "eval \"redis.call('select', 5); redis.call('set','a','1'); redis.call('select',0); redis.call('set','c',1)\" 0",
                "eval \"redis.call('set','e','1','ex','100')\" 0", "eval \"redis.call('sadd','s','x','y'); redis.call('spop','s', 2)\" 0",
                "eval \"redis.set_repl(redis.REPL_AOF); redis.call('set','hidden','1'); redis.set_repl(redis.REPL_ALL); redis.call('set','shown','1')\" 0",
                "multi", "set m3 1", "eval \"redis.call('set','m4',1)\" 0", "exec",
                "function load \"#!lua name=lib\\nredis.register_function('f', function(k) redis.call('set', k[1], 'x'); return redis.call('incr', 'n') end)\"",
                "fcall f 1 fk", "function delete lib", "function flush", "script flush", "script load \"return 1\"");
    }

    @Test
    void activeExpiryPropagatesEachKeyAlone() {
        assertThat(assertSameStream("set k 1 px 20", "sleep 400", "set other 1"))
                .contains(List.of("DEL", "k"));
    }

    @Test
    void lazyExpiryJoinsTheUnitThatFoundTheKey() {
        assertSameStream("debug set-active-expire 0", "set e1 1 px 20", "set e2 1 px 20", "set e3 1 px 20",
                "set e4 1 px 20", "set e5 1 px 20", "sleep 60", "get e1", "multi", "set m1 1", "get e2", "set m2 1",
                "exec", "eval \"redis.call('get','e3'); redis.call('set','m3',1)\" 0", "set e4 new",
                "config set lazyfree-lazy-expire yes", "mget e5 nokey", "config set lazyfree-lazy-expire no",
                "debug set-active-expire 1");
    }

    @Test
    void scanAndRandomkeyExpireKeysWithoutATransaction() {
        assertSameStream(false, true, "debug set-active-expire 0", "set s1 1 px 20", "set s2 1 px 20", "set s3 1 px 20",
                "sleep 60", "scan 0 count 100", "set r1 1 px 20", "set r2 1 px 20", "sleep 60", "randomkey",
                "set t1 1 px 20", "set t2 1 px 20", "sleep 60", "mget t1 t2", "debug set-active-expire 1");
    }
}
