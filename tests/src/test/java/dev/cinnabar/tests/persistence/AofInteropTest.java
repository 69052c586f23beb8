package dev.cinnabar.tests.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.server.CinnabarServer;
import dev.cinnabar.testkit.RealRedis;
import dev.cinnabar.testkit.RespClient;
import dev.cinnabar.testkit.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * AOF directories interchange with real Redis 7.0 both ways: Redis starts from the directory we
 * wrote (base, rewritten base, incremental files) and reports the same DEBUG DIGEST, and we start
 * from Redis's; redis-check-aof accepts ours. With an RDB preamble base and with a command base.
 */
class AofInteropTest {
    private final Path dir = Servers.tempDir();

    @AfterEach
    void clean() {
        Servers.delete(dir);
    }

    /** Writes of every type, a rewrite in the middle, writes after it. */
    private static void workload(RespClient c, long awaitRewrite) throws InterruptedException {
        AofTest.populate(c);
        for (int i = 0; i < 200; i++) {
            c.call("INCR", "counter");
            c.call("ZADD", "bigz", Integer.toString(i), "m" + i);
            c.call("HSET", "bighash", "f" + i, "v".repeat(i % 70));
        }
        c.call("BGREWRITEAOF");
        Thread.sleep(awaitRewrite);
        long deadline = System.currentTimeMillis() + 30_000;
        while (!Servers.info(c, "aof_rewrite_in_progress").equals("0")) {
            assertThat(System.currentTimeMillis()).isLessThan(deadline);
            Thread.sleep(20);
        }
        for (String cmd : List.of("INCR counter", "LPUSH l after", "SELECT 9", "SET nine 9", "PEXPIRE nine 900000",
                "SELECT 0", "XADD x 3-1 f after", "XACK x grp 1-1", "DEL s", "SPOP i")) {
            c.call(cmd.split(" "));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"yes", "no"})
    void redisStartsFromOurDirectoryWithTheSameDigestAndRedisCheckAofAcceptsIt(String preamble) throws Exception {
        String digest;
        try (CinnabarServer s = Servers.start(dir, "appendonly", "yes", "aof-use-rdb-preamble", preamble);
             RespClient c = Servers.client(s)) {
            workload(c, 0);
            digest = c.call("DEBUG", "DIGEST").asText();
        }
        String tool = Tools.require("redis-check-aof");
        Tools.Run check = Tools.run(List.of(tool, dir.resolve("appendonlydir/appendonly.aof.manifest").toString()),
                (String) null, 60);
        assertThat(check.exitCode()).as(check.toString()).isZero();
        assertThat(check.stdout()).contains("All AOF files and manifest are valid");
        try (RealRedis r = RealRedis.start("--appendonly", "yes", "--dir", dir.toString(), "--enable-debug-command",
                "yes"); RespClient c = r.client()) {
            assertThat(c.call("DEBUG", "DIGEST").asText()).isEqualTo(digest);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"yes", "no"})
    void weStartFromRedisDirectoryWithTheSameDigest(String preamble) throws Exception {
        String digest;
        try (RealRedis r = RealRedis.start("--appendonly", "yes", "--dir", dir.toString(), "--enable-debug-command",
                "yes", "--aof-use-rdb-preamble", preamble); RespClient c = r.client()) {
            workload(c, 200);
            digest = c.call("DEBUG", "DIGEST").asText();
        }
        assertThat(Files.readString(dir.resolve("appendonlydir/appendonly.aof.manifest")))
                .contains("appendonly.aof.2.base." + (preamble.equals("yes") ? "rdb" : "aof"));
        try (CinnabarServer s = Servers.start(dir, "appendonly", "yes"); RespClient c = Servers.client(s)) {
            assertThat(c.call("DEBUG", "DIGEST").asText()).isEqualTo(digest);
        }
    }
}
