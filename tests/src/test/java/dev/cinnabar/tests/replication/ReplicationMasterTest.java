package dev.cinnabar.tests.replication;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.server.CinnabarServer;
import dev.cinnabar.testkit.RealRedis;
import dev.cinnabar.testkit.ReplicationStream;
import dev.cinnabar.testkit.Resp;
import dev.cinnabar.testkit.RespClient;
import dev.cinnabar.testkit.diff.Differ;
import dev.cinnabar.testkit.diff.Sequence;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The master's commands as Redis 7.0 answers them (REPLCONF, PSYNC, WAIT, ROLE, min-replicas),
 * and the stream a SYNC connection receives, compared with a real Redis's.
 */
class ReplicationMasterTest {

    @Test
    void commandsAnswerAsRedis() {
        try (Differ d = Differ.start()) {
            d.assertSame(Sequence.of(
                    "ROLE",
                    "REPLCONF",
                    "REPLCONF foo",
                    "REPLCONF foo bar",
                    "REPLCONF listening-port abc",
                    "REPLCONF listening-port 5 capa foo capa eof",
                    "REPLCONF ip-address " + "a".repeat(300),
                    "REPLCONF rdb-only 5",
                    "REPLCONF rdb-only x",
                    "PSYNC a b",
                    "WAIT x 1",
                    "WAIT 1 x",
                    "WAIT 1 -1",
                    "WAIT 0 0",
                    "WAIT 1 10",
                    "MULTI",
                    "WAIT 1 0",
                    "EXEC"));
        }
    }

    @Test
    void minReplicasToWriteRefusesWritesAsRedis() {
        try (Differ d = Differ.start()) {
            d.assertSame(Sequence.of(
                    "SET a 1",
                    "CONFIG SET min-replicas-to-write 1",
                    "SET a 2",
                    "GET a",
                    "EVAL \"return 1\" 0",
                    "EVAL \"#!lua\nreturn redis.call('set','a','3')\" 0",
                    "MULTI",
                    "INCR a",
                    "EXEC",
                    "CONFIG SET min-replicas-max-lag 0",
                    "SET a 4",
                    "CONFIG SET min-replicas-max-lag 10",
                    "CONFIG SET min-replicas-to-write 0",
                    "SET a 5"));
        }
    }

    /** INFO replication's fields in Redis's order: min_slaves_good_slaves only while min-replicas is on. */
    @Test
    void infoReplicationFieldsAsRedis() {
        try (Differ d = Differ.start(); RespClient ours = new RespClient(d.cinnabarPort());
             RespClient real = new RespClient(d.redisPort())) {
            List<List<String>> settings = List.of(List.of("1", "10"), List.of("0", "10"), List.of("2", "0"),
                    List.of("3", "5"));
            for (List<String> s : settings) {
                for (RespClient c : List.of(ours, real)) {
                    c.call("CONFIG", "SET", "min-replicas-to-write", s.get(0), "min-replicas-max-lag", s.get(1));
                }
                assertThat(infoFields(ours)).as(s.toString()).isEqualTo(infoFields(real));
            }
            assertThat(ours.call("INFO", "replication").asText()).contains("min_slaves_good_slaves:0");
        }
    }

    private static List<String> infoFields(RespClient c) {
        return java.util.Arrays.stream(c.call("INFO", "replication").asText().split("\r\n"))
                .filter(l -> l.contains(":")).map(l -> l.substring(0, l.indexOf(':'))).toList();
    }

    @Test
    void replicaWithoutItsMasterAnswersAsRedis() {
        try (Differ d = Differ.start()) {
            d.assertSame(Sequence.of(
                    "SET a 1",
                    "REPLICAOF 127.0.0.1 x",
                    "REPLICAOF 127.0.0.1 1",
                    "REPLICAOF 127.0.0.1 1",
                    "GET a",
                    "SET a 2",
                    "EVAL \"return redis.call('set','a','3')\" 0",
                    "WAIT 1 1",
                    "FAILOVER",
                    "CONFIG SET replica-serve-stale-data no",
                    "GET a",
                    "SET a 2",
                    "PING",
                    "CONFIG SET replica-read-only no",
                    "SET a 4",
                    "CONFIG SET replica-read-only yes",
                    "CONFIG SET replica-serve-stale-data yes",
                    "REPLICAOF NO ONE",
                    "SET a 5",
                    "GET a"));
        }
    }

    @Test
    void execOfCommandsQueuedBeforeTheReplicaWentStaleAnswersAsRedis() {
        // Queued while a master, EXEC'd once another client made the server a replica with no link:
        // a queue holding a command not allowed on a stale replica aborts with MASTERDOWN.
        try (Differ d = Differ.start()) {
            d.assertSame(Sequence.of(
                    "CONFIG SET replica-serve-stale-data no",
                    "SET xx 1",
                    "MULTI",
                    "GET xx",
                    "c1 REPLICAOF 127.0.0.1 1",
                    "EXEC",
                    "c1 REPLICAOF NO ONE",
                    "MULTI",
                    "PING",
                    "c1 REPLICAOF 127.0.0.1 1",
                    "EXEC",
                    "MULTI",
                    "CONFIG GET replica-serve-stale-data",
                    "EXEC",
                    "MULTI",
                    "c1 REPLICAOF NO ONE",
                    "GET xx",
                    "EXEC",
                    "CONFIG SET replica-serve-stale-data yes"));
        }
    }

    private static final List<String> MARKER = List.of("set", "__marker__", "1");

    @Test
    void syncStreamIsRedisStream() throws Exception {
        String[][] commands = {
            {"SET", "a", "1"},
            {"SELECT", "2"},
            {"INCR", "n"},
            {"GETSET", "a", "2"},
            {"MULTI"}, {"LPUSH", "l", "x"}, {"SELECT", "0"}, {"RPUSH", "l", "y"}, {"EXEC"},
            {"EVAL", "redis.call('set', KEYS[1], 'v'); return redis.call('incr', KEYS[2])", "2", "k", "n"},
            {"PUBLISH", "ch", "hello"},
            {"DEL", "nothing"},
            {"FLUSHDB"},
            {"set", "__marker__", "1"},
        };
        Path dir = Files.createTempDirectory("repl-sync");
        try (RealRedis redis = RealRedis.start();
             CinnabarServer ours = CinnabarServer.builder().setting("dir", dir.toString()).setting("save", "").start()) {
            assertThat(stream(ours.port(), commands)).isEqualTo(stream(redis.port(), commands));
        }
    }

    @Test
    void aReplicaThatStopsReadingIsDroppedAtItsOutputLimit() throws Exception {
        Path dir = Files.createTempDirectory("repl-obuf");
        try (CinnabarServer ours = CinnabarServer.builder().setting("dir", dir.toString()).setting("save", "")
                .setting("client-output-buffer-limit", "replica", "1mb", "0", "0").start();
             RespClient c = new RespClient(ours.port());
             java.net.Socket lazy = new java.net.Socket()) {
            lazy.setReceiveBufferSize(4096);
            lazy.connect(new java.net.InetSocketAddress("127.0.0.1", ours.port()));
            lazy.getOutputStream().write("SYNC\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            long deadline = System.currentTimeMillis() + 5000;
            while (!"1".equals(Replicas.info(c, "replication", "connected_slaves")) && System.currentTimeMillis() < deadline) {
                Thread.sleep(10);
            }
            assertThat(Replicas.info(c, "replication", "connected_slaves")).isEqualTo("1");
            String big = "x".repeat(100_000);
            for (int i = 0; i < 300 && "1".equals(Replicas.info(c, "replication", "connected_slaves")); i++) {
                c.call("SET", "k" + i, big);
            }
            deadline = System.currentTimeMillis() + 5000;
            while (!"0".equals(Replicas.info(c, "replication", "connected_slaves")) && System.currentTimeMillis() < deadline) {
                Thread.sleep(10);
            }
            assertThat(Replicas.info(c, "replication", "connected_slaves")).isEqualTo("0");
            assertThat(c.call("PING").asText()).isEqualTo("PONG");
        }
    }

    private static List<List<String>> stream(int port, String[][] commands) {
        try (RespClient c = new RespClient(port)) {
            c.call("CONFIG", "SET", "repl-ping-replica-period", "3600");
            try (ReplicationStream s = ReplicationStream.attach(port)) {
                for (String[] cmd : commands) {
                    Resp r = c.call(cmd);
                    assertThat(r).isNotNull();
                }
                return s.until(MARKER);
            }
        }
    }
}
