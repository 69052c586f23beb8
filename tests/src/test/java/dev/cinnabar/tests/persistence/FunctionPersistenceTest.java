package dev.cinnabar.tests.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.server.CinnabarServer;
import dev.cinnabar.testkit.RespClient;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Function libraries live beside the keys in every copy of the dataset Redis 7.0 makes: RDB files
 * (FUNCTION2 records), AOF bases (the RDB preamble's records, or FUNCTION LOAD commands), and the
 * RDB of a full sync. A restart, an AOF rewrite or a new replica must not lose them, and loading
 * a copy replaces the libraries there were (Redis's emptyData), except DEBUG RELOAD NOFLUSH.
 */
class FunctionPersistenceTest {
    private static final String LIB = "#!lua name=mylib\n"
            + "redis.register_function{function_name='hello', callback=function(keys, args) return 'hello' end, "
            + "flags={'no-writes'}}";
    private static final String OTHER = "#!lua name=otherlib\n"
            + "redis.register_function('other', function(keys, args) return 'other' end)";

    private final Path dir = Servers.tempDir();
    private final Path dir2 = Servers.tempDir();

    @AfterEach
    void clean() {
        Servers.delete(dir);
        Servers.delete(dir2);
    }

    @ParameterizedTest
    @ValueSource(strings = {"yes", "no"})
    void anAofRewriteKeepsTheLibrariesAcrossARestart(String preamble) throws Exception {
        try (CinnabarServer s = Servers.start(dir, "appendonly", "yes", "aof-use-rdb-preamble", preamble);
             RespClient c = Servers.client(s)) {
            assertThat(c.call("FUNCTION", "LOAD", LIB).asText()).isEqualTo("mylib");
            c.call("SET", "k", "v");
            assertThat(c.call("BGREWRITEAOF").toString()).doesNotStartWith("-");
            Servers.awaitRewrite(c);
            assertThat(c.call("FUNCTION", "LOAD", OTHER).asText()).isEqualTo("otherlib"); // into the incr file
        }
        try (CinnabarServer s = Servers.start(dir, "appendonly", "yes", "aof-use-rdb-preamble", preamble);
             RespClient c = Servers.client(s)) {
            assertThat(c.call("FCALL", "hello", "0").asText()).isEqualTo("hello");
            assertThat(c.call("FCALL", "other", "0").asText()).isEqualTo("other");
            assertThat(c.call("GET", "k").asText()).isEqualTo("v");
            // DEBUG LOADAOF empties the libraries with the keys, then the files bring both back
            assertThat(c.call("DEBUG", "LOADAOF").asText()).isEqualTo("OK");
            assertThat(c.call("FCALL", "hello", "0").asText()).isEqualTo("hello");
        }
    }

    @Test
    void aSavedFileKeepsTheLibrariesAndReloadWithoutFlushRefusesTheSameLibrary() {
        try (CinnabarServer s = Servers.start(dir); RespClient c = Servers.client(s)) {
            c.call("FUNCTION", "LOAD", LIB);
            assertThat(c.call("SAVE").asText()).isEqualTo("OK");
        }
        try (CinnabarServer s = Servers.start(dir); RespClient c = Servers.client(s)) {
            assertThat(c.call("FCALL", "hello", "0").asText()).isEqualTo("hello");
            assertThat(c.call("DEBUG", "RELOAD", "NOFLUSH").toString())
                    .isEqualTo("-ERR Error trying to load the RDB dump");
            assertThat(c.call("DEBUG", "RELOAD", "NOFLUSH", "MERGE").asText()).isEqualTo("OK");
            c.call("FUNCTION", "LOAD", OTHER);
            c.call("SAVE");
            c.call("FUNCTION", "DELETE", "otherlib");
            c.call("FUNCTION", "LOAD", "REPLACE", LIB.replace("'hello' end", "'changed' end"));
            // DEBUG RELOAD NOSAVE: the file's libraries replace the ones there are
            assertThat(c.call("DEBUG", "RELOAD", "NOSAVE").asText()).isEqualTo("OK");
            assertThat(c.call("FCALL", "hello", "0").asText()).isEqualTo("hello");
            assertThat(c.call("FCALL", "other", "0").asText()).isEqualTo("other");
        }
    }

    @Test
    void aFullSyncBringsTheMastersLibrariesInPlaceOfTheReplicas() throws Exception {
        try (CinnabarServer master = Servers.start(dir); CinnabarServer replica = Servers.start(dir2);
             RespClient m = Servers.client(master); RespClient r = Servers.client(replica)) {
            m.call("FUNCTION", "LOAD", LIB);
            m.call("SET", "k", "v");
            r.call("FUNCTION", "LOAD", OTHER);
            assertThat(r.call("REPLICAOF", "127.0.0.1", Integer.toString(master.port())).asText()).isEqualTo("OK");
            long deadline = System.currentTimeMillis() + 20_000;
            while (!r.call("INFO", "replication").asText().contains("master_link_status:up")) {
                assertThat(System.currentTimeMillis()).as("replica link up").isLessThan(deadline);
                Thread.sleep(20);
            }
            assertThat(r.call("FCALL_RO", "hello", "0").asText()).isEqualTo("hello");
            assertThat(r.call("FUNCTION", "LIST").toString()).doesNotContain("otherlib");
            assertThat(r.call("GET", "k").asText()).isEqualTo("v");
        }
    }

    @Test
    void redisCliDumpsTheLibrariesAloneWithFunctionsRdb() throws Exception {
        String cli = dev.cinnabar.testkit.Tools.require("redis-cli");
        Path functionsOnly = dir2.resolve("dump.rdb");
        try (CinnabarServer s = Servers.start(dir); RespClient c = Servers.client(s)) {
            c.call("FUNCTION", "LOAD", LIB);
            c.call("SET", "k", "v");
            // REPLCONF rdb-filter-only as Redis 7.0 takes it: "functions", or "" for no data at all
            assertThat(c.call("REPLCONF", "rdb-filter-only", "keys").toString())
                    .isEqualTo("-ERR Unsupported rdb-filter-only option: keys");
            assertThat(c.call("REPLCONF", "rdb-filter-only", "\"").toString())
                    .isEqualTo("-ERR Missing rdb-filter-only values");
            dev.cinnabar.testkit.Tools.Run r = dev.cinnabar.testkit.Tools.run(java.util.List.of(cli, "-p",
                    Integer.toString(s.port()), "--functions-rdb", functionsOnly.toString()), (String) null, 60);
            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(r.stderr() + r.stdout()).contains("Transfer finished with success");
            assertThat(c.call("PING").asText()).isEqualTo("PONG");
        }
        // the file holds the library and no key
        try (CinnabarServer s = Servers.start(dir2); RespClient c = Servers.client(s)) {
            assertThat(c.call("DBSIZE").asText()).isEqualTo("0");
            assertThat(c.call("FCALL", "hello", "0").asText()).isEqualTo("hello");
        }
    }

}
