package dev.cinnabar.tests.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.ops.Cli;
import dev.cinnabar.server.CinnabarServer;
import dev.cinnabar.testkit.RealRedis;
import dev.cinnabar.testkit.RespClient;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cinnabar replication check} against real Redis pairs and Cinnabar (master and replica,
 * mixed): consistent pairs exit 0, a replica written behind its master's back exits 2 with the
 * keys that differ, a replica whose link is not up yet exits 2 as lagging, an address that is not
 * a replica of the master exits 1.
 */
class ReplicationCheckTest {
    record Result(int code, String out) {
    }

    static Result cinnabar(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Cli.run(new PrintWriter(out), new PrintWriter(err), args);
        return new Result(code, out + err.toString());
    }

    static String addr(int port) {
        return "127.0.0.1:" + port;
    }

    /** Waits until the replica's link is up and it has the master's offset (20 s at most). */
    static void awaitLinked(int master, int replica) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 20_000;
        try (RespClient m = new RespClient(master); RespClient r = new RespClient(replica)) {
            while (true) {
                String mi = m.call("INFO", "replication").asText();
                String ri = r.call("INFO", "replication").asText();
                String offset = field(mi, "master_repl_offset");
                if (ri.contains("master_link_status:up") && offset != null
                        && offset.equals(field(ri, "slave_repl_offset"))) {
                    return;
                }
                assertThat(System.currentTimeMillis()).as("replica linked:\n" + ri).isLessThan(deadline);
                Thread.sleep(20);
            }
        }
    }

    static String field(String info, String name) {
        for (String line : info.split("\r\n")) {
            if (line.startsWith(name + ":")) {
                return line.substring(name.length() + 1);
            }
        }
        return null;
    }

    /** A key of each type, some with a TTL, in two databases. */
    static void data(int port) {
        try (RespClient c = new RespClient(port)) {
            for (int i = 0; i < 150; i++) {
                c.call("SET", "str:" + i, "v" + i);
            }
            c.call("SET", "ttl", "x", "EX", "1000");
            c.call("RPUSH", "list", "a", "b", "c");
            c.call("SADD", "set", "a", "b", "3");
            c.call("ZADD", "zset", "1.5", "a", "2", "b");
            c.call("HSET", "hash", "f", "1", "g", "2");
            c.call("XADD", "stream", "1-1", "f", "v");
            for (int i = 0; i < 300; i++) { // a set past its listpack size, shrunk again: encodings may differ
                c.call("SADD", "big", "m" + i);
            }
            for (int i = 3; i < 300; i++) {
                c.call("SREM", "big", "m" + i);
            }
            c.call("SELECT", "3");
            c.call("SET", "other", "db", "PX", "900000");
        }
    }

    @Test
    void realRedisPair() throws Exception {
        try (RealRedis master = RealRedis.start("--repl-diskless-sync-delay", "0");
             RealRedis replica = RealRedis.start("--replicaof", "127.0.0.1", Integer.toString(master.port()))) {
            data(master.port());
            awaitLinked(master.port(), replica.port());
            Result sampled = cinnabar("replication", "check", "--master", addr(master.port()), "--replica",
                    addr(replica.port()), "--sample", "20");
            assertThat(sampled.code()).as(sampled.out()).isZero();
            // a PING of the master's (every 10 s) may fall between the two INFO reads: a few bytes, under the threshold
            assertThat(sampled.out()).contains("link up", "Compared 21 key(s) in 2 database(s)", "0 differ",
                    "Result: CONSISTENT").containsPattern("Replication lag: \\d+ bytes \\(threshold 1000\\): OK");
            Result full = cinnabar("replication", "check", "--master", addr(master.port()), "--replica",
                    addr(replica.port()), "--full", "--json");
            assertThat(full.code()).as(full.out()).isZero();
            assertThat(full.out()).contains("\"link\":\"up\"", "\"lagging\":false", "\"keys_compared\":158",
                    "\"result\":\"consistent\"");

            // written behind the master's back: a value, a TTL, a key only the replica has
            try (RespClient r = new RespClient(replica.port())) {
                r.call("CONFIG", "SET", "replica-read-only", "no");
                r.call("SET", "str:7", "changed");
                r.call("EXPIRE", "str:8", "500");
                r.call("SADD", "set", "extra");
                r.call("SET", "stray", "1");
            }
            Result differ = cinnabar("replication", "check", "--master", addr(master.port()), "--replica",
                    addr(replica.port()), "--full", "--settle", "1");
            assertThat(differ.code()).as(differ.out()).isEqualTo(2);
            assertThat(differ.out()).contains("4 differ", "db0 str:7: value differs (string)",
                    "db0 set: value differs (set)", "db0 str:8: TTL none on the master, ",
                    "db0 stray: only on the replica (string)", "Key count differs in db0: 157 on master, 158 on replica",
                    "Result: KEYS DIFFER");
            Result json = cinnabar("replication", "check", "--master", addr(master.port()), "--replica",
                    addr(replica.port()), "--full", "--settle", "0", "--json", "--show", "1");
            assertThat(json.code()).isEqualTo(2);
            assertThat(json.out()).contains("\"keys_differing\":4", "\"result\":\"keys differ\"")
                    .containsOnlyOnce("\"difference\":");

            // the roles the wrong way round, and nobody there: errors, exit 1
            Result swapped = cinnabar("replication", "check", "--master", addr(replica.port()), "--replica",
                    addr(master.port()));
            assertThat(swapped.code()).isEqualTo(1);
            assertThat(swapped.out()).contains(addr(master.port()) + " is not a replica (role:master)");
        }
        Result gone = cinnabar("replication", "check", "--master", "127.0.0.1:1", "--replica", "127.0.0.1:2");
        assertThat(gone.code()).isEqualTo(1);
        assertThat(gone.out()).contains("cannot reach the master 127.0.0.1:1", "Connection refused");
    }

    @Test
    void aReplicaNotLinkedYetIsLagging() throws Exception {
        // the master waits 30 s for more replicas before its diskless sync: the link stays down meanwhile
        try (RealRedis master = RealRedis.start("--repl-diskless-sync-delay", "30");
             RealRedis replica = RealRedis.start()) {
            data(master.port());
            try (RespClient r = new RespClient(replica.port())) {
                r.call("REPLICAOF", "127.0.0.1", Integer.toString(master.port()));
            }
            Result r = cinnabar("replication", "check", "--master", addr(master.port()), "--replica",
                    addr(replica.port()), "--settle", "0", "--json");
            assertThat(r.code()).as(r.out()).isEqualTo(2);
            assertThat(r.out()).contains("\"link\":\"down\"", "\"lagging\":true", "\"result\":\"lagging, keys differ\"");
        }
    }

    @Test
    void cinnabarMasterWithRedisAndCinnabarReplicas(@TempDir Path tmp) throws Exception {
        java.nio.file.Files.createDirectories(tmp.resolve("m"));
        java.nio.file.Files.createDirectories(tmp.resolve("r"));
        try (CinnabarServer master = CinnabarServer.builder().setting("dir", tmp.resolve("m").toString())
                .setting("save", "").setting("repl-diskless-sync-delay", "0").start()) {
            data(master.port());
            try (RealRedis redis = RealRedis.start("--replicaof", "127.0.0.1", Integer.toString(master.port()));
                 CinnabarServer ours = CinnabarServer.builder().setting("dir", tmp.resolve("r").toString())
                         .setting("save", "").setting("replicaof", "127.0.0.1", Integer.toString(master.port()))
                         .start()) {
                awaitLinked(master.port(), redis.port());
                awaitLinked(master.port(), ours.port());
                for (int replica : new int[] {redis.port(), ours.port()}) {
                    Result r = cinnabar("replication", "check", "--master", addr(master.port()), "--replica",
                            addr(replica), "--full");
                    assertThat(r.code()).as(r.out()).isZero();
                    assertThat(r.out()).contains("Compared 158 key(s) in 2 database(s)", "Result: CONSISTENT");
                }
                try (RespClient r = new RespClient(ours.port())) {
                    r.call("CONFIG", "SET", "replica-read-only", "no");
                    r.call("RPUSH", "list", "d");
                }
                Result differ = cinnabar("replication", "check", "--master", addr(master.port()), "--replica",
                        addr(ours.port()), "--sample", "500", "--settle", "1");
                assertThat(differ.code()).as(differ.out()).isEqualTo(2);
                assertThat(differ.out()).contains("db0 list: value differs (list)", "Result: KEYS DIFFER");
            }
        }
    }
}
