package dev.cinnabar.tests.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.server.CinnabarServer;
import dev.cinnabar.testkit.RealRedis;
import dev.cinnabar.testkit.RespClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The change counter (rdb_changes_since_last_save) around FLUSHALL and FLUSHDB, against real
 * Redis 7.0: a flush counts the keys it removed and nothing more (an empty flush counts 0), and
 * with save points FLUSHALL saves the empty dataset, which leaves the counter at 0 (so no save
 * point fires at once for the flush).
 */
class FlushDirtyTest {
    @Test
    void sameAsRedis() throws Exception {
        List<String> redis;
        try (RealRedis r = RealRedis.start(); RespClient c = r.client()) {
            redis = run(c);
        }
        Path dir = Files.createTempDirectory("flush-dirty");
        List<String> ours;
        try (CinnabarServer s = Servers.start(dir, "save", ""); RespClient c = Servers.client(s)) {
            ours = run(c);
        } finally {
            Servers.delete(dir);
        }
        assertThat(ours).containsExactlyElementsOf(redis);
    }

    private static List<String> run(RespClient c) {
        List<String> out = new ArrayList<>();
        c.call("SET", "a", "1");
        c.call("SET", "b", "1");
        out.add("writes: " + Servers.info(c, "rdb_changes_since_last_save"));
        c.call("FLUSHALL");
        out.add("flushall of 2: " + Servers.info(c, "rdb_changes_since_last_save"));
        c.call("FLUSHALL");
        out.add("empty flushall: " + Servers.info(c, "rdb_changes_since_last_save"));
        c.call("SET", "a", "1");
        c.call("FLUSHDB");
        out.add("flushdb of 1: " + Servers.info(c, "rdb_changes_since_last_save"));
        c.call("FLUSHDB");
        out.add("empty flushdb: " + Servers.info(c, "rdb_changes_since_last_save"));
        c.call("CONFIG", "SET", "save", "3600 1 300 100 60 10000");
        c.call("SET", "key", "value");
        c.call("FLUSHALL");
        out.add("flushall with save points: " + Servers.info(c, "rdb_changes_since_last_save")
                + " saves " + Servers.info(c, "rdb_saves"));
        c.call("SET", "key", "value");
        c.call("FLUSHALL", "ASYNC");
        out.add("flushall async with save points: " + Servers.info(c, "rdb_changes_since_last_save"));
        c.call("CONFIG", "SET", "save", "");
        return out;
    }
}
