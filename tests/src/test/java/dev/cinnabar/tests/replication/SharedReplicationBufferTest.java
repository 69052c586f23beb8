package dev.cinnabar.tests.replication;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.server.CinnabarServer;
import dev.cinnabar.testkit.RespClient;
import org.junit.jupiter.api.Test;

/**
 * Redis 7.0's shared replication buffer seen from outside: replicas waiting for their snapshot hold
 * the stream in the blocks the backlog shares (one copy, whatever their number), the backlog grows
 * past repl-backlog-size while they hold it, a replica's omem is its held part, and
 * client-output-buffer-limit replica closes a replica holding too much, after which the backlog
 * shrinks back. Also DEBUG REPLICATE and replica-lazy-flush.
 */
class SharedReplicationBufferTest {

    private static long infoLong(RespClient c, String section, String field) {
        return Long.parseLong(Replicas.info(c, section, field));
    }

    /** A connection that asks for a full sync and never reads: it waits for the (slow) snapshot. */
    private static RespClient fakeReplica(int port) {
        RespClient r = new RespClient(port);
        r.call("REPLCONF", "capa", "eof", "capa", "psync2");
        assertThat(r.call("PSYNC", "?", "-1").asText()).startsWith("FULLRESYNC");
        return r;
    }

    private static long omemOfReplicas(RespClient c) {
        long total = 0;
        for (String line : c.call("CLIENT", "LIST", "TYPE", "replica").asText().split("\n")) {
            int i = line.indexOf(" omem=");
            if (i >= 0) {
                total = Math.max(total, Long.parseLong(line.substring(i + 6, line.indexOf(' ', i + 6))));
            }
        }
        return total;
    }

    @Test
    void replicasWaitingForTheirSnapshotShareOneBufferUntilTheirLimitClosesThem() throws Exception {
        try (CinnabarServer m = CinnabarServer.builder().setting("repl-diskless-sync", "no")
                .setting("repl-backlog-size", "16384").start();
             RespClient mc = new RespClient(m.port())) {
            for (int i = 0; i < 20; i++) {
                mc.call("SET", "k" + i, "v");
            }
            mc.call("CONFIG", "SET", "rdb-key-save-delay", "1000000"); // the snapshot takes 20 s
            try (RespClient r1 = fakeReplica(m.port()); RespClient r2 = fakeReplica(m.port())) {
                assertThat(infoLong(mc, "persistence", "rdb_bgsave_in_progress")).isEqualTo(1);
                String value = "x".repeat(1024);
                for (int i = 0; i < 1024; i++) {
                    mc.call("SET", "big" + i, value);
                }
                long buffers = infoLong(mc, "memory", "mem_total_replication_buffers");
                long histlen = infoLong(mc, "replication", "repl_backlog_histlen");
                // one copy of the ~1.1 MB stream, not one per replica
                assertThat(histlen).as(() -> mc.call("CLIENT", "LIST").asText() + mc.call("INFO", "all").asText()).isGreaterThan(1024 * 1024);
                assertThat(buffers).isBetween(histlen, histlen + 100_000);
                assertThat(omemOfReplicas(mc)).isBetween(histlen, buffers);
                // what exceeds the backlog's size is the replicas', not the backlog's
                assertThat(infoLong(mc, "memory", "mem_replication_backlog")).isEqualTo(16384);

                mc.call("CONFIG", "SET", "client-output-buffer-limit", "replica 128k 0 0");
                mc.call("SET", "trigger", "x".repeat(64 * 1024)); // a new block: the limits are checked
                long deadline = System.currentTimeMillis() + 10_000;
                while (infoLong(mc, "replication", "connected_slaves") != 0) {
                    assertThat(System.currentTimeMillis()).as("replicas closed").isLessThan(deadline);
                    Thread.sleep(20);
                }
                // nobody holds the old blocks: the backlog is back to its size (plus the last blocks)
                assertThat(infoLong(mc, "replication", "repl_backlog_histlen")).isLessThan(16384 + 64 * 1024 + 16384);
                assertThat(infoLong(mc, "memory", "mem_total_replication_buffers")).isLessThan(buffers / 4);
            }
        }
    }

    @Test
    void debugReplicateSendsACommandToTheReplicasOnly() throws Exception {
        try (CinnabarServer m = CinnabarServer.builder().setting("enable-debug-command", "yes").start();
             CinnabarServer r = CinnabarServer.builder().start();
             RespClient mc = new RespClient(m.port()); RespClient rc = new RespClient(r.port())) {
            rc.call("REPLICAOF", "127.0.0.1", Integer.toString(m.port()));
            mc.call("SET", "warm", "up");
            Replicas.awaitInSync(mc, rc);
            long before = infoLong(mc, "replication", "master_repl_offset");
            mc.call("SELECT", "0"); // the stream has db 0 selected: no SELECT is fed before it
            assertThat(mc.call("DEBUG", "REPLICATE", "SET", "foo", "bar").asText()).isEqualTo("OK");
            assertThat(infoLong(mc, "replication", "master_repl_offset") - before)
                    .isEqualTo("*3\r\n$3\r\nSET\r\n$3\r\nfoo\r\n$3\r\nbar\r\n".length());
            Replicas.awaitInSync(mc, rc);
            assertThat(rc.call("GET", "foo").asText()).isEqualTo("bar");
            assertThat(mc.call("EXISTS", "foo").asText()).isEqualTo("0");
            assertThat(mc.call("DEBUG", "REPLICATE").asText())
                    .isEqualTo("-ERR unknown subcommand or wrong number of arguments for 'REPLICATE'. Try DEBUG HELP.");
        }
    }

    @Test
    void replicaLazyFlushCountsTheFlushedKeysAsLazilyFreed() throws Exception {
        try (CinnabarServer m = CinnabarServer.builder().start();
             CinnabarServer r = CinnabarServer.builder().setting("replica-lazy-flush", "yes").start();
             RespClient mc = new RespClient(m.port()); RespClient rc = new RespClient(r.port())) {
            rc.call("MSET", "a", "1", "b", "2", "c", "3");
            rc.call("SELECT", "2");
            rc.call("SET", "d", "4");
            rc.call("REPLICAOF", "127.0.0.1", Integer.toString(m.port()));
            mc.call("SET", "warm", "up");
            Replicas.awaitInSync(mc, rc);
            assertThat(infoLong(rc, "memory", "lazyfreed_objects")).isEqualTo(4);
        }
    }
}
