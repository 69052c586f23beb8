package dev.cinnabar.tests.unit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.server.ServerContext;
import dev.cinnabar.server.store.KeyspaceHooks;
import dev.cinnabar.server.store.ManualClock;
import dev.cinnabar.testkit.CinnabarExtension;
import dev.cinnabar.testkit.Resp;
import dev.cinnabar.testkit.RespClient;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Expiry as Redis 7.0 does it (tests/unit/expire.tcl), made deterministic with a ManualClock:
 * lazy deletion on access, the active cycle for keys never read again, "expired" vs "del"
 * events, TTL arithmetic and rounding, TTLs carried by RENAME/MOVE/COPY/KEEPTTL.
 */
class ExpireTest {
    private static final long T0 = 1_700_000_000_000L;
    static final ManualClock clock = new ManualClock(T0);

    @RegisterExtension
    static CinnabarExtension server = new CinnabarExtension().clock(clock);

    /** Keyspace events seen by the server (type, event, key). */
    static final List<String> events = Collections.synchronizedList(new ArrayList<>());
    static final AtomicBoolean listening = new AtomicBoolean();

    RespClient c;

    @BeforeEach
    void open() {
        if (listening.compareAndSet(false, true)) {
            ctx().addKeyspaceListener(new KeyspaceHooks() {
                @Override
                public long now() {
                    return clock.millis();
                }

                @Override
                public void notify(int type, String event, byte[] key, int dbId) {
                    if (event.equals("keymiss")) {
                        return;
                    }
                    events.add(event + " " + new String(key, StandardCharsets.UTF_8));
                }
            });
        }
        c = server.client();
        c.call("CONFIG", "SET", "hz", "10");
        ctx().keyspace().activeExpire().enabled(true);
        events.clear();
    }

    @AfterEach
    void close() {
        ctx().keyspace().activeExpire().enabled(true);
        c.close();
    }

    static ServerContext ctx() {
        return server.server().context();
    }

    private String call(String... args) {
        return c.call(args).asText();
    }

    private long stat(String field) {
        String info = c.call("INFO", "stats").asText();
        for (String line : info.split("\r\n")) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.substring(field.length() + 1).trim());
            }
        }
        throw new AssertionError(field + " not in INFO stats");
    }

    @Test
    void keyExpiresExactlyAtItsTimeOnAccess() {
        ctx().keyspace().activeExpire().enabled(false);
        call("SET", "k", "v", "PX", "1000");
        clock.advance(999);
        assertThat(call("GET", "k")).isEqualTo("v");
        assertThat(call("PTTL", "k")).isEqualTo("1");
        long expiredBefore = stat("expired_keys");
        clock.advance(1);
        assertThat(c.call("GET", "k")).isEqualTo(new Resp.Null('$'));
        assertThat(stat("expired_keys")).isEqualTo(expiredBefore + 1);
        assertThat(events).contains("expired k");
        assertThat(call("DBSIZE")).isEqualTo("0");
    }

    @Test
    void expiredButUndeletedKeysAreInvisibleToReads() {
        ctx().keyspace().activeExpire().enabled(false);
        call("MSET", "a", "1", "b", "2", "c", "3");
        call("PEXPIRE", "a", "10");
        call("PEXPIRE", "b", "10");
        clock.advance(20);
        // DBSIZE counts stored keys, expired or not, as Redis does
        assertThat(call("DBSIZE")).isEqualTo("3");
        assertThat(c.call("KEYS", "*")).isEqualTo(new Resp.Agg('*', List.of(new Resp.Bulk("c".getBytes()))));
        Resp scan = c.call("SCAN", "0", "COUNT", "100");
        assertThat(((Resp.Agg) scan).items().get(1)).isEqualTo(new Resp.Agg('*', List.of(new Resp.Bulk("c".getBytes()))));
        assertThat(call("RANDOMKEY")).isEqualTo("c");
        assertThat(call("EXISTS", "a", "b", "c")).isEqualTo("1");
        assertThat(call("TTL", "a")).isEqualTo("-2");
        assertThat(call("DBSIZE")).isEqualTo("1");
    }

    @Test
    void activeCycleDeletesKeysNobodyReads() {
        ctx().keyspace().activeExpire().enabled(false);
        for (int i = 0; i < 500; i++) {
            call("SET", "key:" + i, "v", "PX", "100");
        }
        call("SET", "forever", "v");
        clock.advance(200);
        server.server().cron().tick();
        assertThat(call("DBSIZE")).as("switched off: nothing reclaimed").isEqualTo("501");
        ctx().keyspace().activeExpire().enabled(true);
        long before = stat("expired_keys");
        for (int i = 0; i < 50 && !call("DBSIZE").equals("1"); i++) {
            server.server().cron().tick();
        }
        assertThat(call("DBSIZE")).isEqualTo("1");
        assertThat(stat("expired_keys")).isEqualTo(before + 500);
        assertThat(events).contains("expired key:0", "expired key:499").doesNotContain("del key:0");
        String info = c.call("INFO", "stats").asText();
        assertThat(info).contains("expired_stale_perc:", "expired_time_cap_reached_count:",
                "expire_cycle_cpu_milliseconds:");
    }

    @Test
    void pastOrZeroExpireDeletesAtOnceWithDelEvent() {
        long before = stat("expired_keys");
        for (String[] cmd : new String[][] {{"EXPIRE", "k", "0"}, {"EXPIRE", "k", "-10"}, {"PEXPIRE", "k", "0"},
            {"EXPIREAT", "k", "1"}, {"PEXPIREAT", "k", Long.toString(T0 - 1)}}) {
            call("SET", "k", "v");
            events.clear();
            assertThat(call(cmd)).isEqualTo("1");
            assertThat(call("EXISTS", "k")).isEqualTo("0");
            assertThat(events).containsExactly("del k");
        }
        call("SET", "k", "v");
        events.clear();
        assertThat(call("GETEX", "k", "PXAT", Long.toString(clock.millis()))).isEqualTo("v");
        assertThat(call("EXISTS", "k")).isEqualTo("0");
        assertThat(events).containsExactly("del k");
        assertThat(stat("expired_keys")).isEqualTo(before);
    }

    @Test
    void expireEventsAndPersist() {
        call("SET", "k", "v", "EX", "10");
        assertThat(events).containsExactly("new k", "set k", "expire k");
        events.clear();
        call("EXPIRE", "k", "20");
        call("PERSIST", "k");
        call("PERSIST", "k");
        assertThat(events).containsExactly("expire k", "persist k");
    }

    @Test
    void ttlIsRoundedToTheNearestSecond() {
        long setAt = clock.millis();
        call("SET", "k", "v", "PX", "1500");
        assertThat(call("TTL", "k")).isEqualTo("2");
        clock.advance(600);
        assertThat(call("PTTL", "k")).isEqualTo("900");
        assertThat(call("TTL", "k")).isEqualTo("1");
        clock.advance(450);
        assertThat(call("TTL", "k")).isEqualTo("0");
        assertThat(call("PEXPIRETIME", "k")).isEqualTo(Long.toString(setAt + 1500));
        assertThat(call("EXPIRETIME", "k")).isEqualTo(Long.toString((setAt + 1500 + 500) / 1000));
    }

    @Test
    void ttlTravelsWithRenameMoveCopyAndKeepttl() {
        call("SET", "a", "v", "PX", "5000");
        call("RENAME", "a", "b");
        assertThat(call("PTTL", "b")).isEqualTo("5000");
        call("MOVE", "b", "1");
        c.call("SELECT", "1");
        assertThat(call("PTTL", "b")).isEqualTo("5000");
        call("COPY", "b", "c", "DB", "0");
        c.call("SELECT", "0");
        assertThat(call("PTTL", "c")).isEqualTo("5000");
        call("SET", "c", "w", "KEEPTTL");
        assertThat(call("PTTL", "c")).isEqualTo("5000");
        call("INCRBYFLOAT", "n", "1");
        call("PEXPIRE", "n", "300");
        call("INCRBYFLOAT", "n", "1");
        call("APPEND", "n", "0");
        call("SETRANGE", "n", "0", "3");
        assertThat(call("PTTL", "n")).isEqualTo("300");
        call("SET", "c", "w");
        assertThat(call("PTTL", "c")).isEqualTo("-1");
        call("GETSET", "n", "1");
        assertThat(call("TTL", "n")).isEqualTo("-1");
        c.call("SELECT", "1");
        c.call("FLUSHDB");
        c.call("SELECT", "0");
    }

    @Test
    void gtAndLtTreatNoTtlAsInfinite() {
        call("SET", "k", "v");
        assertThat(call("EXPIRE", "k", "100", "GT")).isEqualTo("0");
        assertThat(call("EXPIRE", "k", "100", "LT")).isEqualTo("1");
        assertThat(call("EXPIRE", "k", "200", "LT")).isEqualTo("0");
        assertThat(call("EXPIRE", "k", "200", "GT")).isEqualTo("1");
        assertThat(call("EXPIRE", "k", "200", "NX")).isEqualTo("0");
        assertThat(call("EXPIRE", "k", "300", "XX")).isEqualTo("1");
        assertThat(call("TTL", "k")).isEqualTo("300");
    }

    /**
     * A million keys with short TTLs, never read, are reclaimed by the active cycle within
     * seconds while another client keeps being served.
     */
    @Test
    void millionShortLivedKeysAreReclaimedWhileServingOthers() throws Exception {
        int total = 1_000_000;
        int batch = 20_000;
        long loadStart = System.nanoTime();
        try (RespClient loader = server.client()) {
            loader.timeout(60_000);
            for (int start = 0; start < total; start += batch) {
                java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream(batch * 48);
                for (int i = start; i < start + batch; i++) {
                    buf.writeBytes(RespClient.encode("SET".getBytes(), ("m:" + i).getBytes(), "v".getBytes(),
                            "PX".getBytes(), "100".getBytes()));
                }
                loader.writeRaw(buf.toByteArray());
                for (int i = 0; i < batch; i++) {
                    loader.read();
                }
            }
        }
        call("SET", "keep", "me");
        assertThat(Long.parseLong(call("DBSIZE"))).isEqualTo(total + 1);
        long loadMs = (System.nanoTime() - loadStart) / 1_000_000;
        long reclaimStart = System.nanoTime();
        clock.advance(1000);
        AtomicBoolean done = new AtomicBoolean();
        AtomicLong answers = new AtomicLong();
        AtomicLong worstMicros = new AtomicLong();
        Thread other = new Thread(() -> {
            try (RespClient o = server.client()) {
                while (!done.get()) {
                    long t = System.nanoTime();
                    if (o.call("GET", "keep").asText().equals("me")) {
                        answers.incrementAndGet();
                    }
                    worstMicros.accumulateAndGet((System.nanoTime() - t) / 1000, Math::max);
                    try {
                        Thread.sleep(1); // a steady client, not a second load generator
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }
        });
        other.start();
        // Seconds on an idle machine; the bound leaves room for a CI box shared with other builds.
        long deadline = System.currentTimeMillis() + 30_000;
        long size = Long.MAX_VALUE;
        while (System.currentTimeMillis() < deadline && (size = Long.parseLong(call("DBSIZE"))) > 1) {
            Thread.sleep(100);
        }
        done.set(true);
        other.join();
        assertThat(size).as("keys left after the active cycle had 30 s").isEqualTo(1);
        assertThat(answers.get()).as("answers to the other client meanwhile").isGreaterThan(10);
        assertThat(call("GET", "keep")).isEqualTo("me");
        System.out.println("loaded 1M keys in " + loadMs + " ms, reclaimed them in "
                + (System.nanoTime() - reclaimStart) / 1_000_000 + " ms; the other client got " + answers.get()
                + " answers, worst latency " + worstMicros.get() / 1000 + " ms");
    }
}
