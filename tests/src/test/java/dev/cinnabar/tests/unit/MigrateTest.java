package dev.cinnabar.tests.unit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.server.CinnabarServer;
import dev.cinnabar.server.store.ManualClock;
import dev.cinnabar.testkit.CinnabarExtension;
import dev.cinnabar.testkit.Ports;
import dev.cinnabar.testkit.PropagationRecorder;
import dev.cinnabar.testkit.RealRedis;
import dev.cinnabar.testkit.ReplicationStream;
import dev.cinnabar.testkit.Resp;
import dev.cinnabar.testkit.RespClient;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * MIGRATE against real Redis 7.0 in both directions (Redis's tests/unit/dump.tcl covers the same
 * ground). Each scenario runs three times on fresh data: Redis to Redis (the reference), Cinnabar
 * to Redis and Redis to Cinnabar; the replies, what each side holds afterwards (keys, types,
 * DEBUG DIGEST-VALUE, TTL) and what the target receives (MONITOR) must be the same. Timeouts,
 * dead targets and the connection cache are checked against a target that never answers and with
 * a manual clock.
 */
class MigrateTest {
    @RegisterExtension
    static CinnabarExtension server = new CinnabarExtension().setting("enable-debug-command", "yes");

    static RealRedis src;
    static RealRedis dst;

    @BeforeAll
    static void startRedis() {
        src = RealRedis.start("--enable-debug-command", "yes");
        dst = RealRedis.start("--enable-debug-command", "yes");
    }

    @AfterAll
    static void stopRedis() {
        if (src != null) {
            src.close();
        }
        if (dst != null) {
            dst.close();
        }
    }

    @BeforeEach
    void flushRedis() {
        for (RealRedis r : List.of(src, dst)) {
            try (RespClient c = r.client()) {
                c.call("FLUSHALL");
            }
        }
    }

    /** One run of a scenario: the replies in order, then each side's contents. */
    private record Run(List<String> replies, List<String> source, List<String> target) {
    }

    private static String[] words(String line, int targetPort) {
        String[] w = line.replace("{port}", Integer.toString(targetPort)).split(" ");
        for (int i = 0; i < w.length; i++) {
            if (w[i].equals("\"\"")) {
                w[i] = "";
            }
        }
        return w;
    }

    /** Runs "src ..." / "dst ..." lines on a source and target pair, flushed first. */
    private static Run run(int sourcePort, int targetPort, List<String> setup, List<String> lines) {
        try (RespClient s = new RespClient(sourcePort); RespClient t = new RespClient(targetPort)) {
            s.call("FLUSHALL");
            t.call("FLUSHALL");
            for (String line : setup) {
                s.call(words(line, targetPort));
            }
            List<String> replies = new ArrayList<>();
            for (String line : lines) {
                RespClient c = line.startsWith("dst ") ? t : s;
                String[] w = words(line.substring(4), targetPort);
                replies.add(line + " -> " + c.call(w));
            }
            return new Run(replies, contents(s), contents(t));
        }
    }

    /** Keys of databases 0 and 9 with type, DEBUG DIGEST-VALUE and whether a TTL is set. */
    private static List<String> contents(RespClient c) {
        List<String> out = new ArrayList<>();
        for (String db : List.of("0", "9")) {
            c.call("SELECT", db);
            List<String> keys = new ArrayList<>();
            for (Resp k : ((Resp.Agg) c.call("KEYS", "*")).items()) {
                keys.add(((Resp.Bulk) k).text());
            }
            keys.sort(null);
            for (String k : keys) {
                long ttl = ((Resp.Int) c.call("PTTL", k)).value();
                out.add(db + ":" + k + " " + c.call("TYPE", k) + " " + c.call("DEBUG", "DIGEST-VALUE", k) + " "
                        + (ttl > 0 ? "ttl" : Long.toString(ttl)));
            }
        }
        c.call("SELECT", "0");
        return out;
    }

    /** Runs the scenario Redis→Redis, Cinnabar→Redis and Redis→Cinnabar and compares everything. */
    private static void same(List<String> setup, List<String> lines) {
        Run ref = run(src.port(), dst.port(), setup, lines);
        Run fromUs = run(server.port(), dst.port(), setup, lines);
        Run toUs = run(src.port(), server.port(), setup, lines);
        assertThat(fromUs.replies()).as("Cinnabar as the source: replies").isEqualTo(ref.replies());
        assertThat(fromUs.source()).as("Cinnabar as the source: source keys").isEqualTo(ref.source());
        assertThat(fromUs.target()).as("Cinnabar as the source: target keys").isEqualTo(ref.target());
        assertThat(toUs.replies()).as("Cinnabar as the target: replies").isEqualTo(ref.replies());
        assertThat(toUs.source()).as("Cinnabar as the target: source keys").isEqualTo(ref.source());
        assertThat(toUs.target()).as("Cinnabar as the target: target keys").isEqualTo(ref.target());
    }

    /** Values of every type and encoding (quicklist, hashtable and skiplist forms included). */
    private static List<String> everyType() {
        List<String> s = new ArrayList<>(List.of("SET str hello", "SET int 12345", "SET raw " + "r".repeat(60),
                "SET lzf " + "abc".repeat(40), "RPUSH lp a b 3", "SADD si 1 2 3", "SADD sh a b c", "ZADD zl 1 a 2.5 b",
                "HSET hl f v g w", "XADD st 1-1 a 1", "XADD st 2-1 b 2", "XGROUP CREATE st g 0",
                "XGROUP CREATECONSUMER st g alice", "SET ttl v PX 100000"));
        StringBuilder ql = new StringBuilder("RPUSH ql");
        StringBuilder zs = new StringBuilder("ZADD zs");
        StringBuilder ht = new StringBuilder("HSET ht");
        for (int i = 0; i < 200; i++) {
            ql.append(' ').append(("q" + i).repeat(15));
            zs.append(' ').append(i * 1.5).append(" m").append(i);
            ht.append(" f").append(i).append(" v").append(i);
        }
        s.addAll(List.of(ql.toString(), zs.toString(), ht.toString()));
        return s;
    }

    private static final List<String> ALL_KEYS = List.of("str", "int", "raw", "lzf", "lp", "ql", "si", "sh", "zl", "zs",
            "hl", "ht", "st", "ttl");

    @Test
    void everyTypeMovesAndCopiesBothWays() {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < ALL_KEYS.size(); i++) {
            String k = ALL_KEYS.get(i);
            lines.add("src MIGRATE 127.0.0.1 {port} " + k + " " + (i % 2 == 0 ? "0" : "9") + " 5000"
                    + (i % 3 == 0 ? " COPY" : ""));
        }
        lines.add("src EXISTS " + String.join(" ", ALL_KEYS));
        lines.add("dst DBSIZE");
        same(everyType(), lines);
    }

    @Test
    void keysFormMigratesTheKeysThatExist() {
        same(everyType(), List.of("src MIGRATE 127.0.0.1 {port} \"\" 0 5000 KEYS nokey str lp nokey2 zs ht st ttl",
                "src MIGRATE 127.0.0.1 {port} \"\" 9 5000 COPY KEYS si sh raw",
                "src MIGRATE 127.0.0.1 {port} \"\" 9 5000 KEYS nokey nokey2",
                "src MIGRATE 127.0.0.1 {port} \"\" 9 5000 REPLACE KEYS si sh hl"));
    }

    @Test
    void busyKeysAreRefusedUnlessReplaceAndOnlyAcknowledgedKeysGo() {
        same(List.of("MSET a 1 b 2 c 3 d 4"), List.of("dst SET b old", "dst SELECT 0",
                "src MIGRATE 127.0.0.1 {port} b 0 5000",
                "src MIGRATE 127.0.0.1 {port} \"\" 0 5000 KEYS a b c",
                "src EXISTS a b c d",
                "src MIGRATE 127.0.0.1 {port} \"\" 0 5000 REPLACE KEYS b d",
                "dst MGET a b c d"));
    }

    @Test
    void ttlIsCarriedAsRelativeMilliseconds() {
        same(List.of("SET k v PX 100000", "SET p v"), List.of("src MIGRATE 127.0.0.1 {port} \"\" 0 5000 KEYS k p"));
        try (RespClient s = new RespClient(server.port()); RespClient t = dst.client()) {
            t.call("FLUSHALL");
            s.call("SET", "k", "v", "PX", "100000");
            assertThat(s.call("MIGRATE", "127.0.0.1", Integer.toString(dst.port()), "k", "0", "5000"))
                    .isEqualTo(new Resp.Simple("OK"));
            assertThat(((Resp.Int) t.call("PTTL", "k")).value()).isBetween(95_000L, 100_000L);
        }
    }

    @Test
    void errorsReplyAsRedis() {
        int nobody = Ports.free();
        same(List.of("SET k v", "SET k2 v"), List.of(
                "src MIGRATE 127.0.0.1 {port} k 0 5000 FOO",
                "src MIGRATE 127.0.0.1 {port} k 0 5000 AUTH",
                "src MIGRATE 127.0.0.1 {port} k 0 5000 AUTH2 u",
                "src MIGRATE 127.0.0.1 {port} k 0 5000 KEYS k2",
                "src MIGRATE 127.0.0.1 {port} k 0 x",
                "src MIGRATE 127.0.0.1 {port} k x 5000",
                "src MIGRATE 127.0.0.1 {port} nokey 0 5000",
                "src MIGRATE 127.0.0.1 {port} \"\" 0 5000 KEYS",
                "src MIGRATE 127.0.0.1 " + nobody + " k 0 1000",
                "src MIGRATE 127.0.0.1 0 k 0 1000",
                "src MIGRATE 127.0.0.1 abc k 0 1000",
                "src MIGRATE 127.0.0.1 -1 k 0 1000",
                "src MIGRATE no-such-host.invalid 1 k 0 1000",
                "src MIGRATE \"\" {port} k 0 1000",
                "src MIGRATE 127.0.0.1 {port} k 0 5000 AUTH nopass",
                "src MIGRATE 127.0.0.1 {port} k 0 5000 AUTH2 nouser nopass",
                "src MIGRATE 127.0.0.1 {port} k 99 5000",
                "src MIGRATE 127.0.0.1 {port} k 0 -5",
                "src EXISTS k k2"));
    }

    @Test
    void authAndAuth2AgainstAProtectedTarget() {
        try {
            same(List.of("MSET a 1 b 2 c 3 d 4"), List.of("dst CONFIG SET requirepass secret",
                    "src MIGRATE 127.0.0.1 {port} a 0 5000 AUTH2 default secret",
                    "src MIGRATE 127.0.0.1 {port} b 0 5000 AUTH2 default wrong",
                    "src MIGRATE 127.0.0.1 {port} b 0 5000 AUTH2 nouser secret",
                    "src MIGRATE 127.0.0.1 {port} b 0 5000 AUTH wrong",
                    "src MIGRATE 127.0.0.1 {port} b 0 5000 AUTH secret",
                    "src MIGRATE 127.0.0.1 {port} \"\" 9 5000 COPY AUTH secret KEYS c d",
                    "src EXISTS a b c d",
                    "dst CONFIG SET requirepass \"\""));
        } finally {
            for (int port : new int[] {dst.port(), server.port()}) {
                try (RespClient t = new RespClient(port)) {
                    t.call("AUTH", "secret");
                    t.call("CONFIG", "SET", "requirepass", "");
                }
            }
        }
    }

    /** The lines a target's MONITOR shows for a scenario, without timestamps and addresses. */
    private static List<String> monitored(int sourcePort, int targetPort, List<String> lines) {
        try (RespClient s = new RespClient(sourcePort); RespClient t = new RespClient(targetPort);
                RespClient m = new RespClient(targetPort)) {
            s.call("FLUSHALL");
            t.call("FLUSHALL");
            s.call("MSET", "a", "1", "b", "hello", "c", "x".repeat(100));
            m.call("MONITOR");
            for (String line : lines) {
                s.call(words(line, targetPort));
            }
            t.call("ECHO", "end");
            List<String> seen = new ArrayList<>();
            while (true) {
                String l = m.read().toString();
                String body = l.substring(l.indexOf(']') + 2);
                if (body.startsWith("\"ECHO\"")) {
                    return seen;
                }
                seen.add(body);
            }
        }
    }

    @Test
    void targetReceivesWhatRedisSends() {
        // AUTH, SELECT only when the database changes, one RESTORE per key with REPLACE when asked
        List<String> lines = List.of("MIGRATE 127.0.0.1 {port} a 9 5000 COPY", "MIGRATE 127.0.0.1 {port} b 9 5000 COPY",
                "MIGRATE 127.0.0.1 {port} \"\" 0 5000 COPY REPLACE KEYS a b c",
                "MIGRATE 127.0.0.1 {port} \"\" 0 5000 COPY AUTH nopass KEYS a",
                "MIGRATE 127.0.0.1 {port} c 0 5000 REPLACE");
        List<String> ref = monitored(src.port(), dst.port(), lines);
        assertThat(ref).isNotEmpty();
        assertThat(monitored(server.port(), dst.port(), lines)).as("sent by Cinnabar").isEqualTo(ref);
        assertThat(monitored(src.port(), server.port(), lines)).as("Cinnabar's MONITOR as the target").isEqualTo(ref);
    }

    @Test
    void staleCachedConnectionIsReplacedTransparently() {
        for (int sourcePort : new int[] {src.port(), server.port()}) {
            try (RespClient s = new RespClient(sourcePort); RespClient t = dst.client()) {
                s.call("MSET", "a", "1", "b", "2");
                assertThat(s.call("MIGRATE", "127.0.0.1", Integer.toString(dst.port()), "a", "0", "5000"))
                        .isEqualTo(new Resp.Simple("OK"));
                // the target drops every connection but ours to it: the cached one is stale now
                assertThat(((Resp.Int) t.call("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes")).value())
                        .isPositive();
                assertThat(s.call("MIGRATE", "127.0.0.1", Integer.toString(dst.port()), "b", "0", "5000"))
                        .as("source on port %d", sourcePort).isEqualTo(new Resp.Simple("OK"));
                assertThat(t.call("MGET", "a", "b").toString()).isEqualTo("*[\"1\", \"2\"]");
                t.call("FLUSHALL");
            }
        }
    }

    private static String info(RespClient c, String field) {
        String text = ((Resp.Bulk) c.call("INFO", "stats")).text();
        for (String l : text.split("\r\n")) {
            if (l.startsWith(field + ":")) {
                return l.substring(field.length() + 1);
            }
        }
        throw new AssertionError(field + " not in INFO");
    }

    @Test
    void cachedConnectionsAreCountedAndClosedAfterTenIdleSeconds() throws Exception {
        ManualClock clock = new ManualClock(1_700_000_000_000L);
        try (CinnabarServer s = CinnabarServer.builder().port(0).clock(clock).start();
                RespClient c = new RespClient(s.port()); RespClient t = dst.client()) {
            assertThat(info(c, "migrate_cached_sockets")).isEqualTo("0");
            c.call("MSET", "a", "1", "b", "2");
            assertThat(c.call("MIGRATE", "127.0.0.1", Integer.toString(dst.port()), "a", "0", "5000"))
                    .isEqualTo(new Resp.Simple("OK"));
            assertThat(info(c, "migrate_cached_sockets")).isEqualTo("1");
            long before = clientsOf(t).value();
            clock.advance(10_000);
            s.cron().tick();
            assertThat(info(c, "migrate_cached_sockets")).as("idle for 10 s: kept").isEqualTo("1");
            clock.advance(1_000);
            s.cron().tick();
            assertThat(info(c, "migrate_cached_sockets")).as("idle for 11 s: closed").isEqualTo("0");
            long deadline = System.currentTimeMillis() + 5000;
            while (clientsOf(t).value() != before - 1 && System.currentTimeMillis() < deadline) {
                Thread.sleep(10);
            }
            assertThat(clientsOf(t).value()).as("the target saw the connection close").isEqualTo(before - 1);
            // a new MIGRATE connects again
            assertThat(c.call("MIGRATE", "127.0.0.1", Integer.toString(dst.port()), "b", "0", "5000"))
                    .isEqualTo(new Resp.Simple("OK"));
            assertThat(info(c, "migrate_cached_sockets")).isEqualTo("1");
        }
    }

    private static Resp.Int clientsOf(RespClient t) {
        String text = ((Resp.Bulk) t.call("INFO", "clients")).text();
        for (String l : text.split("\r\n")) {
            if (l.startsWith("connected_clients:")) {
                return new Resp.Int(Long.parseLong(l.substring("connected_clients:".length())));
            }
        }
        throw new AssertionError("no connected_clients");
    }

    /** A target that accepts connections and then neither reads nor answers. */
    private static final class DeadTarget implements AutoCloseable {
        final ServerSocket listener;
        final List<Socket> accepted = new CopyOnWriteArrayList<>();
        final Thread acceptor;

        DeadTarget(boolean readsNothing) throws IOException {
            listener = new ServerSocket();
            if (readsNothing) {
                listener.setReceiveBufferSize(4096);
            }
            listener.bind(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            acceptor = new Thread(() -> {
                try {
                    while (true) {
                        Socket sock = listener.accept();
                        accepted.add(sock);
                        if (!readsNothing) {
                            Thread drain = new Thread(() -> drain(sock));
                            drain.setDaemon(true);
                            drain.start();
                        }
                    }
                } catch (IOException e) {
                    // closed
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
        }

        private static void drain(Socket s) {
            try (InputStream in = s.getInputStream()) {
                byte[] b = new byte[65536];
                while (in.read(b) >= 0) {
                    // swallow what MIGRATE sends, answer nothing
                }
            } catch (IOException e) {
                // closed
            }
        }

        int port() {
            return listener.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            listener.close();
            for (Socket s : accepted) {
                s.close();
            }
        }
    }

    /** MIGRATE of key to the dead target from the given source: the reply and how long it took. */
    private static Object[] migrateToDead(int sourcePort, DeadTarget dead, String timeout) {
        try (RespClient s = new RespClient("127.0.0.1", sourcePort, 30_000)) {
            long t0 = System.nanoTime();
            Resp r = s.call("MIGRATE", "127.0.0.1", Integer.toString(dead.port()), "key", "0", timeout);
            return new Object[] {r, (System.nanoTime() - t0) / 1_000_000};
        }
    }

    @Test
    void silentTargetGivesIoerrWithinTheTimeout() throws Exception {
        try (DeadTarget dead = new DeadTarget(false); RespClient s = new RespClient(server.port());
                RespClient r = src.client()) {
            s.call("SET", "key", "v");
            r.call("SET", "key", "v");
            Object[] ref = migrateToDead(src.port(), dead, "300");
            // another client of ours waits for the lock meanwhile, as Redis's clients wait for its main thread
            RespClient other = new RespClient("127.0.0.1", server.port(), 10_000);
            Thread t = new Thread(() -> other.call("PING"));
            Object[] ours = migrateToDead(server.port(), dead, "300");
            t.start();
            t.join(5000);
            other.close();
            assertThat(ours[0]).isEqualTo(ref[0]).isEqualTo(new Resp.Err("IOERR error or timeout reading to target instance"));
            assertThat((Long) ours[1]).isBetween(250L, 3000L);
            assertThat(s.call("GET", "key")).as("the key stays").isEqualTo(new Resp.Bulk("v".getBytes(StandardCharsets.UTF_8)));
            assertThat(s.call("PING")).isEqualTo(new Resp.Simple("PONG"));
        }
    }

    @Test
    void targetThatStopsReadingGivesIoerrWriting() throws Exception {
        byte[] big = new byte[8 << 20];
        new Random(7).nextBytes(big);
        try (DeadTarget dead = new DeadTarget(true); RespClient s = new RespClient(server.port());
                RespClient r = src.client()) {
            s.call("SET".getBytes(), "key".getBytes(), big);
            r.call("SET".getBytes(), "key".getBytes(), big);
            Object[] ref = migrateToDead(src.port(), dead, "500");
            Object[] ours = migrateToDead(server.port(), dead, "500");
            assertThat(ours[0]).isEqualTo(ref[0]).isEqualTo(new Resp.Err("IOERR error or timeout writing to target instance"));
            assertThat((Long) ours[1]).isBetween(400L, 5000L);
            assertThat(s.call("EXISTS", "key")).isEqualTo(new Resp.Int(1));
        }
    }

    /** SLOWLOG and MONITOR show MIGRATE's passwords as "(redacted)", as Redis's. */
    @Test
    void authArgumentsAreRedacted() {
        List<List<String>> seen = new ArrayList<>();
        for (int port : new int[] {src.port(), server.port()}) {
            try (RespClient c = new RespClient(port); RespClient m = new RespClient(port)) {
                c.call("CONFIG", "SET", "slowlog-log-slower-than", "0");
                c.call("SLOWLOG", "RESET");
                m.call("MONITOR");
                c.call("MIGRATE", "127.0.0.1", "1", "key", "9", "5000", "AUTH", "secret");
                c.call("MIGRATE", "127.0.0.1", "1", "key", "9", "5000", "COPY", "AUTH2", "user", "secret", "REPLACE");
                c.call("MIGRATE", "127.0.0.1", "1", "", "9", "5000", "AUTH", "KEYS", "KEYS", "a", "AUTH", "b");
                c.call("MIGRATE", "127.0.0.1", "1", "key", "9", "5000", "AUTH");
                List<String> lines = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    String l = m.read().toString();
                    lines.add(l.substring(l.indexOf(']') + 2));
                }
                Resp log = c.call("SLOWLOG", "GET", "5");
                c.call("CONFIG", "SET", "slowlog-log-slower-than", "10000");
                for (Resp e : ((Resp.Agg) log).items()) {
                    lines.add(((Resp.Agg) e).items().get(3).toString());
                }
                seen.add(lines);
            }
        }
        assertThat(seen.get(1)).isEqualTo(seen.get(0));
        assertThat(String.join("\n", seen.get(1))).doesNotContain("secret").contains("(redacted)");
    }

    @Test
    void getkeysFindsTheKeysOfEveryForm() {
        String[][] calls = {
            {"k", "0", "1"}, {"", "0", "1", "KEYS", "a", "b"}, {"k", "0", "1", "KEYS", "a"}, {"", "0", "1"},
            {"", "0", "1", "COPY", "KEYS"}, {"", "0", "1", "AUTH", "keys", "KEYS", "b"},
            {"", "0", "1", "AUTH2", "keys", "keys", "KEYS", "b"}, {"", "0", "1", "foo", "KEYS", "b"},
            {"", "0", "1", "KEYS", "KEYS"}, {"k", "0", "1", "AUTH"},
        };
        try (RespClient real = src.client(); RespClient ours = new RespClient(server.port())) {
            for (String[] call : calls) {
                for (String sub : List.of("GETKEYS", "GETKEYSANDFLAGS")) {
                    List<String> args = new ArrayList<>(List.of("COMMAND", sub, "MIGRATE", "h", "1"));
                    args.addAll(List.of(call));
                    assertThat(ours.call(args)).as("%s", args).isEqualTo(real.call(args));
                }
            }
        }
    }
    private static final List<String> MARKER = List.of("SET", "__marker__", "1");

    /** Migrations from the source to dst, with one key busy on dst; ends with the marker. */
    private static void replicatedScenario(RespClient s) {
        try (RespClient t = dst.client()) {
            t.call("FLUSHALL");
            t.call("SET", "c", "busy");
        }
        String port = Integer.toString(dst.port());
        s.call("MSET", "a", "1", "b", "2", "c", "3", "d", "4");
        s.call("MIGRATE", "127.0.0.1", port, "a", "0", "5000");
        s.call("MIGRATE", "127.0.0.1", port, "", "0", "5000", "COPY", "KEYS", "b", "d");
        s.call("MIGRATE", "127.0.0.1", port, "", "0", "5000", "KEYS", "b", "c", "nokey", "d");
        s.call("MIGRATE", "127.0.0.1", port, "nokey", "0", "5000");
        s.call("MIGRATE", "127.0.0.1", Integer.toString(Ports.free()), "c", "0", "1000");
        s.call("MSET", "e", "5", "f", "6");
        s.call("MIGRATE", "127.0.0.1", port, "", "9", "5000", "KEYS", "e", "f");
        s.call(MARKER);
    }

    /** What MIGRATE propagates is Redis's: DEL of the keys the target acknowledged, nothing else. */
    @Test
    void migrationReplicatesAsDelOfTheAcknowledgedKeys() {
        List<List<String>> theirs;
        try (RespClient s = src.client()) {
            s.call("CONFIG", "SET", "repl-ping-replica-period", "3600");
        }
        try (ReplicationStream stream = ReplicationStream.attach(src.port()); RespClient s = src.client()) {
            replicatedScenario(s);
            theirs = stream.until(MARKER);
        }
        List<List<String>> mine;
        try (PropagationRecorder rec = PropagationRecorder.attach(server.server());
                RespClient s = new RespClient(server.port())) {
            replicatedScenario(s);
            mine = rec.take();
        }
        mine.remove(mine.size() - 1);
        assertThat(theirs).anyMatch(c -> c.get(0).equalsIgnoreCase("DEL"));
        assertThat(mine).isEqualTo(theirs);
    }
}
