package dev.cinnabar.tests.unit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.server.CinnabarServer;
import dev.cinnabar.testkit.RealRedis;
import dev.cinnabar.testkit.RespClient;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

/**
 * INFO memory's mem_not_counted_for_evict against real Redis 7.0 (freeMemoryGetNotCountedMemory):
 * with the shared replication buffer, only what the buffer holds beyond repl-backlog-size (less
 * the blocks' estimated overhead for that size) is left out of eviction's count, plus the AOF
 * buffer; a replica's own client memory is counted. Scenario, on both servers: no replica (0), a
 * replica attached and waiting for its snapshot (still 0: the buffer is within the backlog's
 * size), then about 1.1 MB written while that replica lags (the figure follows the buffer beyond
 * the backlog's size, within the blocks' overhead).
 */
class MemNotCountedForEvictTest {
    private static final long BACKLOG = 16384;

    private static long info(RespClient c, String field) {
        for (String line : c.call("INFO", "memory").asText().split("\r\n")) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.substring(field.length() + 1));
            }
        }
        throw new AssertionError("no " + field + " in INFO memory");
    }

    /** A connection that asks for a full sync and then never reads: a replica waiting for its (slow) snapshot. */
    private static RespClient laggingReplica(int port) {
        RespClient r = new RespClient(port);
        r.call("REPLCONF", "capa", "eof", "capa", "psync2");
        assertThat(r.call("PSYNC", "?", "-1").asText()).startsWith("FULLRESYNC");
        return r;
    }

    /** {no replica, replica attached, buffers after the writes, not counted after the writes}. */
    private static long[] scenario(int port) {
        try (RespClient c = new RespClient(port)) {
            for (int i = 0; i < 20; i++) {
                c.call("SET", "k" + i, "v");
            }
            c.call("CONFIG", "SET", "rdb-key-save-delay", "1000000"); // the replica's snapshot takes 20 s
            long none = info(c, "mem_not_counted_for_evict");
            try (RespClient r = laggingReplica(port)) {
                long attached = info(c, "mem_not_counted_for_evict");
                String value = "x".repeat(1024);
                for (int i = 0; i < 1024; i++) {
                    c.call("SET", "big" + i, value);
                }
                return new long[] {none, attached, info(c, "mem_total_replication_buffers"),
                    info(c, "mem_not_counted_for_evict")};
            }
        }
    }

    private static void check(String who, long[] r) {
        assertThat(r[0]).as(who + ": no replica").isZero();
        assertThat(r[1]).as(who + ": a replica attached, the buffer within the backlog's size").isZero();
        assertThat(r[2]).as(who + ": the lagging replica holds the whole stream").isGreaterThan(1024 * 1024);
        // the buffer beyond repl-backlog-size, less at most a few blocks' overhead
        assertThat(r[2] - BACKLOG - r[3]).as(who + ": buffers %d, not counted %d", r[2], r[3]).isBetween(0L, 256L);
    }

    private static void both(IntFunction<long[]> s) throws Exception {
        try (RealRedis redis = RealRedis.start("--repl-diskless-sync", "no", "--repl-backlog-size",
                Long.toString(BACKLOG));
             CinnabarServer ours = CinnabarServer.builder().setting("repl-diskless-sync", "no")
                     .setting("repl-backlog-size", Long.toString(BACKLOG)).start()) {
            check("redis", s.apply(redis.port()));
            check("cinnabar", s.apply(ours.port()));
        }
    }

    @Test
    void onlyTheReplicationBufferBeyondTheBacklogIsLeftOutOfEviction() throws Exception {
        both(MemNotCountedForEvictTest::scenario);
    }
}
