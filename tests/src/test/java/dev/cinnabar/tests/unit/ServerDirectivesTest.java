package dev.cinnabar.tests.unit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.server.CinnabarServer;
import dev.cinnabar.testkit.CinnabarExtension;
import dev.cinnabar.testkit.Resp;
import dev.cinnabar.testkit.RespClient;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Directives about the process, the allocator and the kernel (issue 9: none may be accepted and
 * ignored), against real Redis 7.0: CONFIG SET replies and error texts, CONFIG GET afterwards,
 * and the effects that show in INFO (dynamic-hz).
 */
class ServerDirectivesTest {
    @RegisterExtension
    static CinnabarExtension server = new CinnabarExtension().keepDataBetweenTests();
    @RegisterExtension
    static DifferentialPair d = new DifferentialPair(server);

    /** CONFIG SET each value then CONFIG GET on both servers; restores the value both had. */
    private void setAndGet(String directive, String... values) {
        Resp.Agg before = (Resp.Agg) d.both("CONFIG", "GET", directive);
        for (String v : values) {
            d.both("CONFIG", "SET", directive, v);
            d.both("CONFIG", "GET", directive);
        }
        d.both("CONFIG", "SET", directive, before.items().get(1).asText());
    }

    @Test
    void activeDefragIsRefusedAsByARedisWithoutItsJemalloc() {
        setAndGet("activedefrag", "yes", "no", "maybe");
        setAndGet("active-defrag-cycle-max", "50", "0", "101", "x");
        setAndGet("active-defrag-cycle-min", "5", "200");
        setAndGet("active-defrag-ignore-bytes", "200mb", "-1");
        setAndGet("active-defrag-max-scan-fields", "100", "-1");
        setAndGet("active-defrag-threshold-lower", "20", "1000");
        setAndGet("active-defrag-threshold-upper", "80");
    }

    @Test
    void processAndKernelDirectives() {
        setAndGet("jemalloc-bg-thread", "no", "yes", "on");
        setAndGet("ignore-warnings", "ARM64-COW-BUG", "");
        setAndGet("crash-memcheck-enabled", "no", "yes", "1");
        setAndGet("activerehashing", "no", "yes", "x");
        setAndGet("dynamic-hz", "no", "yes", "x");
        for (String immutable : List.of("disable-thp", "server_cpulist", "bio_cpulist", "aof_rewrite_cpulist",
                "bgsave_cpulist", "socket-mark-id", "io-threads-do-reads")) {
            d.both("CONFIG", "GET", immutable);
            d.both("CONFIG", "SET", immutable, "1");
        }
    }

    @Test
    void shutdownOnSignalTakesSeveralFlags() {
        for (String sig : List.of("shutdown-on-sigterm", "shutdown-on-sigint")) {
            setAndGet(sig, "nosave", "save now", "force now nosave", "default save", "now default", "NOW",
                    "nosave save", "", "foo", "save foo", "default");
        }
        setAndGet("shutdown-timeout", "0", "3", "-1", "x", "10");
    }

    private static long info(RespClient c, String field) {
        for (String line : c.call("INFO", "server").asText().split("\r\n")) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.substring(field.length() + 1));
            }
        }
        throw new AssertionError("no " + field);
    }

    /** dynamic-hz: Redis doubles hz while connected clients / hz exceeds 200, visible in INFO's hz. */
    @Test
    void dynamicHzFollowsTheNumberOfClients() throws Exception {
        d.both("CONFIG", "SET", "hz", "1");
        List<RespClient> extra = new ArrayList<>();
        try {
            for (int i = 0; i < 450; i++) {
                extra.add(new RespClient(server.port()));
                extra.add(new RespClient("127.0.0.1", d.redisPort(), 10_000));
            }
            for (RespClient c : extra) {
                c.call("PING");
            }
            // 451 clients (the test's own included): 451 / 1 > 200, 451 / 2 > 200, 451 / 4 <= 200
            long deadline = System.currentTimeMillis() + 5_000;
            while (System.currentTimeMillis() < deadline && (info(d.ours, "hz") != 4 || info(d.real, "hz") != 4)) {
                Thread.sleep(50);
            }
            assertThat(info(d.ours, "hz")).isEqualTo(info(d.real, "hz")).isEqualTo(4);
            assertThat(info(d.ours, "configured_hz")).isEqualTo(info(d.real, "configured_hz")).isEqualTo(1);
            d.both("CONFIG", "SET", "dynamic-hz", "no");
            deadline = System.currentTimeMillis() + 5_000;
            while (System.currentTimeMillis() < deadline && (info(d.ours, "hz") != 1 || info(d.real, "hz") != 1)) {
                Thread.sleep(50);
            }
            assertThat(info(d.ours, "hz")).isEqualTo(info(d.real, "hz")).isEqualTo(1);
        } finally {
            for (RespClient c : extra) {
                c.close();
            }
            d.both("CONFIG", "SET", "dynamic-hz", "yes");
            d.both("CONFIG", "SET", "hz", "10");
        }
    }

    /** bind-source-addr: the replica's link to its master leaves from that address (the master lists it). */
    @Test
    void bindSourceAddrIsTheReplicationLinksLocalAddress() throws Exception {
        d.real.call("CONFIG", "SET", "protected-mode", "no"); // Redis's protected mode admits 127.0.0.1 only
        try (CinnabarServer replica = CinnabarServer.builder().setting("bind-source-addr", "127.0.0.2")
                .setting("replicaof", "127.0.0.1", Integer.toString(d.redisPort())).start()) {
            String info = "";
            for (long end = System.currentTimeMillis() + 20_000; System.currentTimeMillis() < end; Thread.sleep(50)) {
                info = d.real.call("INFO", "replication").asText();
                if (info.contains("slave0:")) {
                    break;
                }
            }
            assertThat(info).contains("slave0:ip=127.0.0.2,");
        } finally {
            d.real.call("CLIENT", "KILL", "TYPE", "replica");
            d.real.call("CONFIG", "SET", "protected-mode", "yes");
        }
    }

    /**
     * replica-ignore-disk-write-errors: a replica whose last BGSAVE failed (stop-writes-on-bgsave-error)
     * applies its master's writes with yes; with no (the default) a master's write is a panic and
     * the replica stops, as Redis's "Replica was unable to write command to disk.".
     */
    @Test
    void replicaIgnoreDiskWriteErrors(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws Exception {
        for (String ignore : new String[] {"yes", "no"}) {
            java.nio.file.Path dir = java.nio.file.Files.createDirectories(tmp.resolve(ignore));
            try (CinnabarServer master = CinnabarServer.builder().start();
                 CinnabarServer replica = CinnabarServer.builder().setting("dir", dir.toString())
                         .setting("save", "3600", "1").setting("replica-ignore-disk-write-errors", ignore)
                         .setting("replicaof", "127.0.0.1", Integer.toString(master.port())).start();
                 RespClient m = new RespClient(master.port());
                 RespClient r = new RespClient(replica.port())) {
                await(() -> r.call("INFO", "replication").asText().contains("master_link_status:up"));
                // the full sync left the master's RDB there (repl-diskless-load disabled, as Redis):
                // a directory in its place makes every save fail
                java.nio.file.Files.deleteIfExists(dir.resolve("dump.rdb"));
                java.nio.file.Files.createDirectories(dir.resolve("dump.rdb"));
                r.call("BGSAVE");
                await(() -> r.call("INFO", "persistence").asText().contains("rdb_last_bgsave_status:err"));
                m.call("SET", "k", "v");
                if (ignore.equals("yes")) {
                    await(() -> "v".equals(r.call("GET", "k").asText()));
                } else {
                    await(replica::isClosed);
                }
            }
        }
    }

    private static void await(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long end = System.currentTimeMillis() + 20_000;
        while (!condition.getAsBoolean()) {
            assertThat(System.currentTimeMillis()).as("condition within 20 s").isLessThan(end);
            Thread.sleep(20);
        }
    }
}
