package dev.cinnabar.tests.persistence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cinnabar.server.CinnabarServer;
import dev.cinnabar.testkit.RespClient;
import dev.cinnabar.testkit.Tools;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * SAVE, LASTSAVE, load at start-up, SHUTDOWN's and FLUSHALL's saves, DEBUG RELOAD through the
 * file, rdbcompression and rdbchecksum: what a restart keeps (Redis's tests/integration/rdb.tcl
 * covers Redis's side).
 */
class SaveLoadTest {
    private final Path dir = Servers.tempDir();

    @AfterEach
    void clean() {
        Servers.delete(dir);
    }

    static void populate(RespClient c) {
        for (String cmd : List.of("SET str hello", "SET n 42", "SET ttl v PX 900000", "RPUSH l a b 1 2",
                "SADD s x y", "SADD i 1 2 3", "ZADD z 1 a 2 b", "HSET h f v g w", "XADD x 1-1 f v",
                "XGROUP CREATE x grp 0", "SELECT 5", "SET in5 five", "SELECT 0")) {
            assertThat(c.call(cmd.split(" ")).toString()).doesNotStartWith("-");
        }
        c.call("DEBUG", "POPULATE", "2000", "key", "50");
    }

    @Test
    void saveWritesTheDumpFileAndARestartLoadsTheSameDataset() throws Exception {
        String digest;
        try (CinnabarServer s = Servers.start(dir); RespClient c = Servers.client(s)) {
            populate(c);
            digest = c.call("DEBUG", "DIGEST").asText();
            assertThat(Servers.info(c, "rdb_changes_since_last_save")).isNotEqualTo("0");
            long before = Long.parseLong(c.call("LASTSAVE").asText());
            Thread.sleep(1100);
            assertThat(c.call("SAVE").asText()).isEqualTo("OK");
            assertThat(Long.parseLong(c.call("LASTSAVE").asText())).isGreaterThan(before);
            assertThat(Servers.info(c, "rdb_changes_since_last_save")).isEqualTo("0");
            assertThat(Servers.info(c, "rdb_saves")).isEqualTo("1");
        }
        assertThat(dir.resolve("dump.rdb")).exists();
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("dump.rdb"); // no temp file left
        }
        try (CinnabarServer s = Servers.start(dir); RespClient c = Servers.client(s)) {
            assertThat(c.call("DEBUG", "DIGEST").asText()).isEqualTo(digest);
            assertThat(Servers.info(c, "rdb_last_load_keys_loaded")).isEqualTo("2010");
            assertThat(Servers.info(c, "loading")).isEqualTo("0");
        }
    }

    @Test
    void functionLibrariesAreInTheFileAsRedis7WritesThem() throws Exception {
        String lib = "#!lua name=mylib\nredis.register_function('myfunc', function(keys, args) return 42 end)";
        try (CinnabarServer s = Servers.start(dir); RespClient c = Servers.client(s)) {
            assertThat(c.call("FUNCTION", "LOAD", lib).asText()).isEqualTo("mylib");
            c.call("SET", "k", "v");
            assertThat(c.call("SAVE").asText()).isEqualTo("OK");
        }
        try (CinnabarServer s = Servers.start(dir); RespClient c = Servers.client(s)) {
            assertThat(c.call("FCALL", "myfunc", "0").toString()).isEqualTo(":42");
            assertThat(c.call("DEBUG", "RELOAD").asText()).isEqualTo("OK");
            assertThat(c.call("FCALL", "myfunc", "0").toString()).isEqualTo(":42");
            // DEBUG RELOAD NOSAVE: the libraries are the file's, as the keys are (redis-cli.tcl's check)
            c.call("FUNCTION", "LOAD", "#!lua name=extra\nredis.register_function('extra', function() return 1 end)");
            assertThat(c.call("DEBUG", "RELOAD", "NOSAVE").asText()).isEqualTo("OK");
            assertThat(c.call("FCALL", "extra", "0").toString()).startsWith("-");
            assertThat(c.call("FCALL", "myfunc", "0").toString()).isEqualTo(":42");
            // BGSAVE's file carries them too
            c.call("FUNCTION", "DELETE", "mylib");
            c.call("FUNCTION", "LOAD", lib.replace("42", "43"));
            assertThat(c.call("BGSAVE").asText()).isEqualTo("Background saving started");
            Servers.awaitBgsaveDone(c);
        }
        try (CinnabarServer s = Servers.start(dir); RespClient c = Servers.client(s)) {
            assertThat(c.call("FCALL", "myfunc", "0").toString()).isEqualTo(":43");
            assertThat(c.call("GET", "k").asText()).isEqualTo("v");
        }
    }

    @Test
    void expiredKeysAreCountedButNotLoaded() throws Exception {
        try (CinnabarServer s = Servers.start(dir); RespClient c = Servers.client(s)) {
            c.call("DEBUG", "SET-ACTIVE-EXPIRE", "0");
            c.call("SET", "gone", "v", "PX", "30");
            c.call("SET", "kept", "v");
            Thread.sleep(60);
            c.call("SAVE");
        }
        try (CinnabarServer s = Servers.start(dir); RespClient c = Servers.client(s)) {
            assertThat(c.call("DBSIZE").asText()).isEqualTo("1");
            assertThat(Servers.info(c, "rdb_last_load_keys_expired")).isEqualTo("1");
            assertThat(Servers.info(c, "rdb_last_load_keys_loaded")).isEqualTo("1");
        }
    }

    @Test
    void rdbcompressionAndRdbchecksumChangeTheFileAsRedis() throws Exception {
        String big = "ab".repeat(500);
        try (CinnabarServer s = Servers.start(dir, "rdbcompression", "no", "rdbchecksum", "no");
             RespClient c = Servers.client(s)) {
            c.call("SET", "big", big);
            c.call("SAVE");
        }
        byte[] plain = Files.readAllBytes(dir.resolve("dump.rdb"));
        assertThat(new String(plain, StandardCharsets.ISO_8859_1)).contains(big);
        assertThat(Arrays.copyOfRange(plain, plain.length - 8, plain.length)).containsOnly(0);
        try (CinnabarServer s = Servers.start(dir); RespClient c = Servers.client(s)) {
            assertThat(c.call("GET", "big").asText()).isEqualTo(big); // a zero checksum is not checked
            c.call("SAVE");
        }
        byte[] packed = Files.readAllBytes(dir.resolve("dump.rdb"));
        assertThat(packed.length).isLessThan(plain.length - 800);
        assertThat(Arrays.copyOfRange(packed, packed.length - 8, packed.length)).isNotEqualTo(new byte[8]);
    }

    @Test
    void debugReloadGoesThroughTheFileAndNosaveLoadsTheFileOnDisk() throws Exception {
        try (CinnabarServer s = Servers.start(dir); RespClient c = Servers.client(s)) {
            populate(c);
            String digest = c.call("DEBUG", "DIGEST").asText();
            assertThat(c.call("DEBUG", "RELOAD").asText()).isEqualTo("OK");
            assertThat(c.call("DEBUG", "DIGEST").asText()).isEqualTo(digest);
            assertThat(dir.resolve("dump.rdb")).exists();
            c.call("SET", "after", "the save");
            c.call("DEL", "str");
            assertThat(c.call("DEBUG", "RELOAD", "NOSAVE").asText()).isEqualTo("OK");
            assertThat(c.call("DEBUG", "DIGEST").asText()).isEqualTo(digest);
            assertThat(c.call("EXISTS", "after").asText()).isEqualTo("0");
        }
    }

    @Test
    void debugObjectSerializedLengthIsTheLengthOfTheRdbEncoding() throws Exception {
        try (CinnabarServer s = Servers.start(dir); RespClient c = Servers.client(s)) {
            c.call("SET", "k", "hello");
            c.call("SET", "n", "100");
            // a 5-byte string: length byte + 5; 100 fits the 8-bit RDB integer: tag + byte
            assertThat(c.call("DEBUG", "OBJECT", "k").asText()).contains("serializedlength:6 ");
            assertThat(c.call("DEBUG", "OBJECT", "n").asText()).contains("serializedlength:2 ");
            c.call("SET", "z", "a".repeat(1000)); // LZF-compressed as Redis does
            String line = c.call("DEBUG", "OBJECT", "z").asText();
            long len = Long.parseLong(line.replaceAll(".*serializedlength:(\\d+).*", "$1"));
            assertThat(len).isLessThan(100);
        }
    }

    @Test
    void flushallSavesTheEmptyDatasetWhenSavePointsExist() throws Exception {
        try (CinnabarServer s = Servers.start(dir, "save", "3600 1"); RespClient c = Servers.client(s)) {
            c.call("SET", "a", "1");
            c.call("SAVE");
            c.call("FLUSHALL");
            // the file is saved (the restart below finds it empty), but as in Redis 7.0 only SAVE
            // and BGSAVE count in rdb_saves
            assertThat(Servers.info(c, "rdb_saves")).isEqualTo("1");
            assertThat(Servers.info(c, "rdb_changes_since_last_save")).isEqualTo("0");
        }
        try (CinnabarServer s = Servers.start(dir); RespClient c = Servers.client(s)) {
            assertThat(c.call("DBSIZE").asText()).isEqualTo("0");
        }
    }

    @Test
    void shutdownSavesWithSavePointsOrSaveAndNotWithNosave() throws Exception {
        CinnabarServer s = Servers.start(dir, "save", "3600 1");
        try (RespClient c = Servers.client(s)) {
            c.call("SET", "a", "1");
            c.send("SHUTDOWN", "NOSAVE");
        }
        awaitClosed(s);
        assertThat(dir.resolve("dump.rdb")).doesNotExist();
        s = Servers.start(dir, "save", "3600 1");
        try (RespClient c = Servers.client(s)) {
            c.call("SET", "a", "1");
            c.send("SHUTDOWN");
        }
        awaitClosed(s);
        s = Servers.start(dir);
        try (RespClient c = Servers.client(s)) {
            assertThat(c.call("GET", "a").asText()).isEqualTo("1");
            c.call("SET", "b", "2");
            c.send("SHUTDOWN", "SAVE"); // no save points, but asked
        }
        awaitClosed(s);
        try (CinnabarServer s2 = Servers.start(dir); RespClient c = Servers.client(s2)) {
            assertThat(c.call("GET", "b").asText()).isEqualTo("2");
        }
    }

    @Test
    void shutdownRefusesToStopWhenTheSaveFailsUnlessForced() throws Exception {
        Path gone = Servers.tempDir();
        try (CinnabarServer s = Servers.start(dir, "save", "3600 1", "enable-protected-configs", "yes");
             RespClient c = Servers.client(s)) {
            c.call("CONFIG", "SET", "dir", gone.toString());
            Servers.delete(gone);
            c.call("SET", "a", "1");
            assertThat(c.call("SHUTDOWN").toString()).isEqualTo("-ERR Errors trying to SHUTDOWN. Check logs.");
            assertThat(c.call("PING").asText()).isEqualTo("PONG");
            c.send("SHUTDOWN", "FORCE");
            awaitClosed(s);
        }
    }

    @Test
    void dbfilenameIsAFileNameNotAPath() {
        try (CinnabarServer s = Servers.start(dir, "enable-protected-configs", "yes"); RespClient c = Servers.client(s)) {
            assertThat(c.call("CONFIG", "SET", "dbfilename", "a/b.rdb").toString())
                    .contains("dbfilename can't be a path, just a filename");
        }
    }

    @Test
    void redisCheckRdbAcceptsOurFiles() throws Exception {
        String tool = Tools.require("redis-check-rdb");
        try (CinnabarServer s = Servers.start(dir); RespClient c = Servers.client(s)) {
            populate(c);
            c.call("HSET", "bighash", "f", "v".repeat(200)); // a hashtable hash
            for (int i = 0; i < 200; i++) {
                c.call("ZADD", "bigz", Integer.toString(i), "m" + i);
                c.call("SADD", "bigs", "member" + i);
            }
            c.call("SAVE");
            c.call("BGSAVE");
            Servers.awaitBgsaveDone(c);
        }
        Tools.Run r = Tools.run(List.of(tool, dir.resolve("dump.rdb").toString()), (String) null, 60);
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).contains("RDB looks OK!");
    }

    @Test
    void aCorruptFileStopsAnEmbeddedStartWithRedisMessage() throws Exception {
        try (CinnabarServer s = Servers.start(dir); RespClient c = Servers.client(s)) {
            populate(c);
            c.call("SAVE");
        }
        byte[] good = Files.readAllBytes(dir.resolve("dump.rdb"));
        byte[] bad = good.clone();
        bad[bad.length - 3] ^= 1;
        Files.write(dir.resolve("dump.rdb"), bad);
        assertThatThrownBy(() -> Servers.start(dir)).hasMessageContaining("RDB CRC error");
        Files.write(dir.resolve("dump.rdb"), Arrays.copyOf(good, good.length / 2));
        assertThatThrownBy(() -> Servers.start(dir)).hasMessageContaining("Unexpected EOF reading RDB file");
    }

    private static void awaitClosed(CinnabarServer s) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 10_000;
        while (!s.isClosed()) {
            assertThat(System.currentTimeMillis()).isLessThan(deadline);
            Thread.sleep(10);
        }
    }
}
