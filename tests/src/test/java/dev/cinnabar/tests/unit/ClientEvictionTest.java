package dev.cinnabar.tests.unit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.server.store.ManualClock;
import dev.cinnabar.testkit.CinnabarExtension;
import dev.cinnabar.testkit.Resp;
import dev.cinnabar.testkit.RespClient;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Client memory as Redis 7.0 handles it (tests/unit/client-eviction.tcl and obuf-limits.tcl areas):
 * CLIENT NO-EVICT, maxmemory-clients and client-output-buffer-limit compared with a real Redis
 * where the outcome is deterministic; client eviction of clients holding big query buffers or
 * unread replies, and the soft limit's seconds on the injected clock.
 */
class ClientEvictionTest {
    private static final ManualClock clock = new ManualClock(1_700_000_000_000L);
    @RegisterExtension
    static CinnabarExtension server = new CinnabarExtension().clock(clock);
    @RegisterExtension
    static DifferentialPair d = new DifferentialPair(server);

    @Test
    void noEvictRepliesAsRedis() {
        d.both("CLIENT", "NO-EVICT", "on");
        assertThat(field(d.ours.call("CLIENT", "INFO"), "flags")).isEqualTo(field(d.real.call("CLIENT", "INFO"), "flags"))
                .isEqualTo("e");
        d.both("CLIENT", "NO-EVICT", "OFF");
        assertThat(field(d.ours.call("CLIENT", "INFO"), "flags")).isEqualTo("N");
        d.both("CLIENT", "NO-EVICT", "maybe");
        d.both("CLIENT", "NO-EVICT");
        d.both("CLIENT", "NO-EVICT", "on", "off");
    }

    @Test
    void limitsConfigAsRedis() {
        for (String v : List.of("1mb", "10%", "0", "100%", "101%", "-1", "-5%", "abc", "3000000")) {
            d.both("CONFIG", "SET", "maxmemory-clients", v);
            d.both("CONFIG", "GET", "maxmemory-clients");
        }
        d.both("CONFIG", "SET", "maxmemory-clients", "0");
        for (String v : List.of("wrong number", "invalid_class 10mb 10mb 60", "master 10mb 10mb 60",
                "normal 10mbs 10mb 60", "replica 10mb 10mbs 60", "pubsub 10mb 10mb 60s",
                "normal 1mb 2mb 60 replica 3mb 4mb 70 pubsub 5mb 6mb 80", "slave 1 2 3",
                "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60")) {
            d.both("CONFIG", "SET", "client-output-buffer-limit", v);
            d.both("CONFIG", "GET", "client-output-buffer-limit");
        }
    }

    @Test
    void clientListHasRedisFieldsInRedisOrder() {
        d.both("CLIENT", "SETNAME", "shape");
        assertThat(names(d.ours.call("CLIENT", "LIST"))).isEqualTo(names(d.real.call("CLIENT", "LIST")));
        d.both("MULTI");
        d.both("SET", "k", "v".repeat(1000));
        // multi-mem counts the queued arguments
        try (RespClient other = server.client()) {
            String line = Arrays.stream(text(other.call("CLIENT", "LIST")).split("\n"))
                    .filter(l -> l.contains(" name=shape ")).findFirst().orElseThrow();
            assertThat(Long.parseLong(field(line, "multi-mem"))).isGreaterThanOrEqualTo(1000);
            assertThat(Long.parseLong(field(line, "tot-mem"))).isGreaterThanOrEqualTo(1000);
        }
        d.both("DISCARD");
    }

    /** A subscriber that never reads is disconnected at the pub/sub hard limit on both servers. */
    @Test
    void subscriberThatNeverReadsIsClosedAtTheHardLimit() throws Exception {
        assertThat(publishUntilGone(d.real, d.redisPort())).isTrue();
        assertThat(publishUntilGone(d.ours, server.port())).isTrue();
    }

    private static boolean publishUntilGone(RespClient admin, int port) throws IOException, InterruptedException {
        admin.call("CONFIG", "SET", "client-output-buffer-limit", "pubsub 100000 0 0");
        try (Socket sub = new Socket()) {
            sub.setReceiveBufferSize(4096);
            sub.connect(new java.net.InetSocketAddress("127.0.0.1", port));
            sub.getOutputStream().write("SUBSCRIBE ch\r\n".getBytes(StandardCharsets.US_ASCII));
            waitFor(() -> admin.call("PUBSUB", "NUMSUB", "ch").toString().contains("1"));
            String msg = "m".repeat(1000);
            for (int i = 0; i < 100_000; i++) {
                if (admin.call("PUBLISH", "ch", msg).equals(new Resp.Int(0))) {
                    return true;
                }
            }
            return false;
        } finally {
            admin.call("CONFIG", "SET", "client-output-buffer-limit", "pubsub 32mb 8mb 60");
        }
    }

    /**
     * A large argument counts in full from its header on (Redis allocates its query buffer at
     * once): a client announcing 3 MB and sending a few bytes is evicted under 1 MB on both.
     */
    @Test
    void announcedLargeArgumentIsEvictedOnBoth() throws Exception {
        assertThat(announceUntilGone(d.real, d.redisPort())).isTrue();
        assertThat(announceUntilGone(d.ours, server.port())).isTrue();
    }

    private static boolean announceUntilGone(RespClient admin, int port) throws IOException, InterruptedException {
        admin.call("CLIENT", "NO-EVICT", "on");
        admin.call("CONFIG", "SET", "maxmemory-clients", "1mb");
        try (Socket s = new Socket("127.0.0.1", port)) {
            OutputStream out = s.getOutputStream();
            out.write("CLIENT SETNAME announcer\r\n".getBytes(StandardCharsets.US_ASCII));
            waitFor(() -> listed(admin, "announcer"));
            out.write(("*2\r\n$3000000\r\n" + "v".repeat(100)).getBytes(StandardCharsets.US_ASCII));
            out.flush();
            waitFor(() -> !listed(admin, "announcer"));
            return true;
        } finally {
            admin.call("CONFIG", "SET", "maxmemory-clients", "0");
            admin.call("CLIENT", "NO-EVICT", "off");
        }
    }

    /** The soft limit's seconds count on the server's clock, and the cron closes a silent client. */
    @Test
    void softLimitClosesAfterItsSecondsWithoutTraffic() throws Exception {
        try (RespClient admin = server.client()) {
            admin.call("CONFIG", "SET", "client-output-buffer-limit", "pubsub 0 100000 10");
            try (Socket sub = new Socket()) {
                sub.setReceiveBufferSize(4096);
                sub.connect(new java.net.InetSocketAddress("127.0.0.1", server.port()));
                sub.getOutputStream().write("CLIENT SETNAME soft\r\nSUBSCRIBE ch\r\n".getBytes(StandardCharsets.US_ASCII));
                waitFor(() -> listed(admin, "soft") && admin.call("PUBSUB", "NUMSUB", "ch").toString().contains("1"));
                String msg = "m".repeat(1000);
                for (int i = 0; i < 100_000 && omem(admin, "soft") <= 100_000; i++) {
                    admin.call("PUBLISH", "ch", msg);
                }
                assertThat(omem(admin, "soft")).isGreaterThan(100_000);
                clock.advance(10_000);
                server.server().cron().tick();
                assertThat(listed(admin, "soft")).as("not closed before its 10 seconds are over").isTrue();
                clock.advance(1_000);
                server.server().cron().tick();
                waitFor(() -> !listed(admin, "soft"));
            } finally {
                admin.call("CONFIG", "SET", "client-output-buffer-limit", "pubsub 32mb 8mb 60");
            }
        }
    }

    /**
     * Many clients holding big query buffers (requests never completed) or unread replies (huge
     * pipelines): under maxmemory-clients the biggest are evicted until the rest fit, a NO-EVICT
     * client stays, evicted_clients counts them, and the server keeps answering.
     */
    @Test
    void clientsWithBigBuffersAreEvictedAndTheServerKeepsAnswering() throws Exception {
        List<Socket> socks = new ArrayList<>();
        try (RespClient admin = server.client()) {
            admin.call("CLIENT", "NO-EVICT", "on");
            admin.call("CONFIG", "RESETSTAT");
            admin.call("SET", "big", "v".repeat(200_000));
            admin.call("CONFIG", "SET", "maxmemory-clients", "4mb");
            byte[] partial = ("*2\r\n$1000000\r\n" + "v".repeat(600_000)).getBytes(StandardCharsets.US_ASCII);
            StringBuilder gets = new StringBuilder();
            for (int i = 0; i < 200; i++) {
                gets.append("GET big\r\n");
            }
            byte[] pipeline = gets.toString().getBytes(StandardCharsets.US_ASCII);
            for (int i = 0; i < 12; i++) {
                Socket s = new Socket();
                s.setReceiveBufferSize(4096);
                s.connect(new java.net.InetSocketAddress("127.0.0.1", server.port()));
                socks.add(s);
                OutputStream out = s.getOutputStream();
                try {
                    out.write(i % 2 == 0 ? partial : pipeline);
                    out.flush();
                } catch (IOException e) {
                    // already evicted: fine
                }
            }
            waitFor(() -> evicted(admin) > 0);
            long limit = 4L << 20;
            waitFor(() -> totMemSum(admin) < limit);
            assertThat(admin.call("PING")).isEqualTo(new Resp.Simple("PONG"));
            assertThat(admin.call("GET", "big")).isInstanceOf(Resp.Bulk.class);
            String info = text(admin.call("INFO", "memory"));
            assertThat(info).contains("mem_clients_normal:");
            admin.call("CONFIG", "SET", "maxmemory-clients", "0");
        } finally {
            for (Socket s : socks) {
                s.close();
            }
        }
    }

    private static long evicted(RespClient admin) {
        Matcher m = Pattern.compile("evicted_clients:(\\d+)").matcher(text(admin.call("INFO", "stats")));
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    private static long totMemSum(RespClient admin) {
        long sum = 0;
        for (String line : text(admin.call("CLIENT", "LIST")).split("\n")) {
            if (!line.isBlank()) {
                sum += Long.parseLong(field(line, "tot-mem"));
            }
        }
        return sum;
    }

    private static boolean listed(RespClient admin, String name) {
        return text(admin.call("CLIENT", "LIST")).contains(" name=" + name + " ");
    }

    private static long omem(RespClient admin, String name) {
        for (String line : text(admin.call("CLIENT", "LIST")).split("\n")) {
            if (line.contains(" name=" + name + " ")) {
                return Long.parseLong(field(line, "omem"));
            }
        }
        return -1;
    }

    private static String text(Resp r) {
        return r instanceof Resp.Bulk b ? b.text() : r instanceof Resp.Verbatim v ? v.text() : r.toString();
    }

    private static String field(Resp info, String name) {
        return field(text(info), name);
    }

    private static String field(String line, String name) {
        Matcher m = Pattern.compile("(?:^| )" + Pattern.quote(name) + "=(\\S*)").matcher(line.trim());
        return m.find() ? m.group(1) : null;
    }

    private static List<String> names(Resp list) {
        String first = text(list).split("\n")[0].trim();
        return Arrays.stream(first.split(" ")).map(f -> f.substring(0, f.indexOf('='))).toList();
    }

    private static void waitFor(java.util.function.BooleanSupplier cond) throws InterruptedException {
        long end = System.nanoTime() + 10_000_000_000L;
        while (!cond.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition within 10 s").isLessThan(end);
            Thread.sleep(10);
        }
    }
}
