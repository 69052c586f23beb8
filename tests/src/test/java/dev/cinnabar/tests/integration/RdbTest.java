package dev.cinnabar.tests.integration;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.server.ServerContext;
import dev.cinnabar.server.persistence.rdb.RdbFile;
import dev.cinnabar.server.persistence.rdb.RdbValues;
import dev.cinnabar.testkit.CinnabarExtension;
import dev.cinnabar.testkit.RealRedis;
import dev.cinnabar.testkit.Resp;
import dev.cinnabar.testkit.RespClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * RDB files interchange with real Redis 7.0 (Redis's tests/integration/rdb.tcl covers its own
 * side): a file Redis writes with SAVE loads here ({@link RdbFile#load}) and a file written here
 * ({@link RdbFile#save}) loads in a Redis started on it; either way DEBUG DIGEST (every database,
 * key, value and TTL) is the same on both servers.
 */
class RdbTest {
    @RegisterExtension
    static CinnabarExtension server = new CinnabarExtension().setting("enable-debug-command", "yes");

    static List<String> dataset() {
        List<String> s = new ArrayList<>(List.of("SET str hello", "SET int 12345", "SET big " + "x".repeat(300),
                "SET ttl v PX 900000", "RPUSH list a b 1 2 -300", "SADD ints 1 2 3", "SADD strs a b c",
                "ZADD z 1 a 2.5 b", "HSET h f v", "XADD x 1-1 a b", "XADD x 2-1 a c", "XGROUP CREATE x g 0",
                "XREADGROUP GROUP g alice COUNT 1 STREAMS x >", "SELECT 3", "SET other db3", "HSET h3 k v", "SELECT 0"));
        for (int i = 0; i < 300; i++) {
            s.add("RPUSH biglist " + ("item" + i).repeat(10));
            s.add("ZADD bigz " + (i * 0.25) + " m" + i);
            s.add("HSET bigh f" + i + " " + "v".repeat(i % 80));
            s.add("SADD bigs s" + i);
        }
        return s;
    }

    private static void load(RespClient c, List<String> script) {
        for (String line : script) {
            c.call(line.split(" "));
        }
    }

    private static Resp digest(RespClient c) {
        return c.call("DEBUG", "DIGEST");
    }

    @Test
    void redisFilesLoadHere() throws Exception {
        try (RealRedis r = RealRedis.start("--enable-debug-command", "yes"); RespClient rc = r.client();
                RespClient ours = server.client()) {
            load(rc, dataset());
            assertThat(rc.call("SAVE")).isEqualTo(new Resp.Simple("OK"));
            byte[] file = Files.readAllBytes(r.dir().resolve("dump.rdb"));
            ServerContext ctx = server.server().context();
            ctx.lock().lock();
            try {
                RdbFile.load(file, ctx.keyspace(), RdbValues.Limits.of(ctx.config()), ctx.now(), false);
            } finally {
                ctx.lock().unlock();
            }
            assertThat(digest(ours)).isEqualTo(digest(rc));
            assertThat(ours.call("PTTL", "ttl")).isInstanceOf(Resp.Int.class);
            assertThat(((Resp.Int) ours.call("PTTL", "ttl")).value()).isBetween(800_000L, 900_000L);
        }
    }

    @Test
    void filesWrittenHereLoadInRedis() throws Exception {
        try (RespClient ours = server.client()) {
            load(ours, dataset());
            ServerContext ctx = server.server().context();
            byte[] file;
            ctx.lock().lock();
            try {
                file = RdbFile.save(ctx.keyspace(), ctx.now(), 0, false);
            } finally {
                ctx.lock().unlock();
            }
            Path dir = Files.createTempDirectory("cinnabar-rdb");
            Files.write(dir.resolve("ours.rdb"), file);
            try (RealRedis r = RealRedis.start("--enable-debug-command", "yes", "--dir", dir.toString(),
                    "--dbfilename", "ours.rdb"); RespClient rc = r.client()) {
                assertThat(rc.call("DBSIZE")).isEqualTo(ours.call("DBSIZE"));
                assertThat(digest(rc)).isEqualTo(digest(ours));
            }
        }
    }
}
