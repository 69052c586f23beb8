package dev.cinnabar.tests.persistence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cinnabar.server.CinnabarServer;
import dev.cinnabar.testkit.Resp;
import dev.cinnabar.testkit.RespClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The append-only file (Redis's tests/integration/aof.tcl and aof-multi-part.tcl cover Redis's
 * side): the multi-part layout and manifest, restarts, BGREWRITEAOF and its automatic trigger,
 * CONFIG SET appendonly, DEBUG LOADAOF, MULTI cut at the end, truncated and corrupt files,
 * aof-load-truncated, the upgrade of an old single-file AOF, timestamps, history files, and a
 * write error's MISCONF.
 */
class AofTest {
    private final Path dir = Servers.tempDir();
    private final Path aofDir = dir.resolve("appendonlydir");

    @AfterEach
    void clean() {
        Servers.delete(dir);
    }

    private CinnabarServer start(String... settings) {
        String[] all = new String[settings.length + 6];
        all[0] = "appendonly";
        all[1] = "yes";
        all[2] = "loglevel";
        all[3] = "notice";
        all[4] = "logfile";
        all[5] = dir.resolve("server.log").toString();
        System.arraycopy(settings, 0, all, 6, settings.length);
        return Servers.start(dir, all);
    }

    private String log() throws Exception {
        Path f = dir.resolve("server.log");
        return Files.exists(f) ? Files.readString(f, StandardCharsets.ISO_8859_1) : "";
    }

    private String manifest() throws Exception {
        return Files.readString(aofDir.resolve("appendonly.aof.manifest"));
    }

    private List<String> aofFiles() throws Exception {
        try (Stream<Path> s = Files.list(aofDir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /**
     * Every type, two databases, a TTL, a consumer group with a pending entry; written by commands
     * (DEBUG POPULATE is not propagated, in Redis as here).
     */
    static void populate(RespClient c) {
        for (String cmd : List.of("SET str hello", "SET n 42", "SET ttl v PX 900000", "RPUSH l a b 1 2",
                "SADD s x y", "SADD i 1 2 3", "ZADD z 1 a 2.5 b", "HSET h f v g w", "XADD x 1-1 f v",
                "XADD x 2-1 f w", "XGROUP CREATE x grp 0", "XREADGROUP GROUP grp alice COUNT 1 STREAMS x >",
                "SELECT 5", "SET in5 five", "SELECT 0")) {
            ok(c, cmd.split(" "));
        }
        for (int i = 0; i < 300; i++) {
            ok(c, "SET", "key:" + i, "value:" + i);
        }
    }

    static long num(Resp r) {
        return Long.parseLong(r.asText());
    }

    /** The items of an array reply as text, "nil" for a null. */
    static List<String> texts(Resp r) {
        return ((Resp.Agg) r).items().stream().map(x -> x instanceof Resp.Null ? "nil" : x.asText()).toList();
    }

    private static void ok(RespClient c, String... cmd) {
        Resp r = c.call(cmd);
        assertThat(r.toString()).as(String.join(" ", cmd)).doesNotStartWith("-");
    }


    @Test
    void aFreshServerCreatesTheManifestLayoutAndARestartReplaysIt() throws Exception {
        String digest;
        try (CinnabarServer s = start(); RespClient c = Servers.client(s)) {
            populate(c);
            ok(c, "SELECT", "3");
            ok(c, "INCR", "n");
            ok(c, "SELECT", "0");
            digest = c.call("DEBUG", "DIGEST").asText();
            assertThat(Servers.info(c, "aof_enabled")).isEqualTo("1");
            assertThat(Long.parseLong(Servers.info(c, "aof_current_size"))).isPositive();
        }
        assertThat(aofFiles()).containsExactly("appendonly.aof.1.base.rdb", "appendonly.aof.1.incr.aof",
                "appendonly.aof.manifest");
        assertThat(manifest()).isEqualTo("file appendonly.aof.1.base.rdb seq 1 type b\n"
                + "file appendonly.aof.1.incr.aof seq 1 type i\n");
        String incr = Files.readString(aofDir.resolve("appendonly.aof.1.incr.aof"), StandardCharsets.ISO_8859_1);
        assertThat(incr).startsWith("*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$3\r\nstr\r\n$5\r\nhello\r\n")
                .contains("*2\r\n$6\r\nSELECT\r\n$1\r\n3\r\n*2\r\n$4\r\nINCR\r\n$1\r\nn\r\n");
        try (CinnabarServer s = start(); RespClient c = Servers.client(s)) {
            assertThat(c.call("DEBUG", "DIGEST").asText()).isEqualTo(digest);
        }
        assertThat(log()).contains("Creating AOF base file appendonly.aof.1.base.rdb on server start")
                .contains("Creating AOF incr file appendonly.aof.1.incr.aof on server start")
                .contains("DB loaded from incr file appendonly.aof.1.incr.aof")
                .contains("Opening AOF incr file appendonly.aof.1.incr.aof on server start");
    }

    @Test
    void theAofWinsOverTheRdbFileWhenAppendonlyIsYes() throws Exception {
        try (CinnabarServer s = Servers.start(dir); RespClient c = Servers.client(s)) {
            ok(c, "SET", "from-rdb", "1");
            ok(c, "SAVE");
        }
        try (CinnabarServer s = start(); RespClient c = Servers.client(s)) {
            // as Redis 7.0: with appendonly yes and no AOF yet, the dataset starts empty
            assertThat(num(c.call("DBSIZE"))).isZero();
            ok(c, "SET", "from-aof", "1");
        }
        try (CinnabarServer s = start(); RespClient c = Servers.client(s)) {
            assertThat(c.call("KEYS", "*").toString()).contains("from-aof").doesNotContain("from-rdb");
        }
    }

    @Test
    void bgrewriteaofTurnsAThousandIncrsIntoABaseAndRemovesHistory() throws Exception {
        try (CinnabarServer s = start("aof-use-rdb-preamble", "no"); RespClient c = Servers.client(s)) {
            for (int i = 0; i < 1000; i++) {
                c.call("INCR", "counter");
            }
            long before = Long.parseLong(Servers.info(c, "aof_current_size"));
            assertThat(c.call("BGREWRITEAOF").asText()).isEqualTo("Background append only file rewriting started");
            Servers.awaitRewrite(c);
            assertThat(Servers.info(c, "aof_last_bgrewrite_status")).isEqualTo("ok");
            assertThat(Servers.info(c, "aof_rewrites")).isEqualTo("1");
            long after = Long.parseLong(Servers.info(c, "aof_current_size"));
            assertThat(after).isLessThan(before / 10);
            assertThat(Servers.info(c, "aof_base_size")).isEqualTo(Long.toString(after));
            ok(c, "INCR", "counter");
        }
        assertThat(aofFiles()).containsExactly("appendonly.aof.2.base.aof", "appendonly.aof.2.incr.aof",
                "appendonly.aof.manifest");
        assertThat(manifest()).isEqualTo("file appendonly.aof.2.base.aof seq 2 type b\n"
                + "file appendonly.aof.2.incr.aof seq 2 type i\n");
        assertThat(Files.readString(aofDir.resolve("appendonly.aof.2.base.aof")))
                .isEqualTo("*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$7\r\ncounter\r\n$4\r\n1000\r\n");
        try (CinnabarServer s = start(); RespClient c = Servers.client(s)) {
            assertThat(c.call("GET", "counter").asText()).isEqualTo("1001");
        }
        assertThat(log()).contains("Background append only file rewriting started")
                .contains("Background AOF rewrite terminated with success")
                .contains("Removing the history file appendonly.aof.1.incr.aof in the background")
                .contains("Background AOF rewrite finished successfully");
    }

    @Test
    void historyFilesStayWithAutoGcDisabledAndGoWhenItIsEnabledAgain() throws Exception {
        try (CinnabarServer s = start("aof-disable-auto-gc", "yes"); RespClient c = Servers.client(s)) {
            ok(c, "SET", "k", "v");
            ok(c, "BGREWRITEAOF");
            Servers.awaitRewrite(c);
            assertThat(manifest()).isEqualTo("file appendonly.aof.2.base.rdb seq 2 type b\n"
                    + "file appendonly.aof.1.incr.aof seq 1 type h\n"
                    + "file appendonly.aof.1.base.rdb seq 1 type h\n"
                    + "file appendonly.aof.2.incr.aof seq 2 type i\n");
            ok(c, "CONFIG", "SET", "aof-disable-auto-gc", "no");
            assertThat(manifest()).isEqualTo("file appendonly.aof.2.base.rdb seq 2 type b\n"
                    + "file appendonly.aof.2.incr.aof seq 2 type i\n");
        }
    }

    @Test
    void configSetAppendonlyYesStartsARewriteAndNoStopsWriting() throws Exception {
        try (CinnabarServer s = Servers.start(dir); RespClient c = Servers.client(s)) {
            ok(c, "SET", "before", "1");
            assertThat(Servers.info(c, "aof_enabled")).isEqualTo("0");
            assertThat(c.call("CONFIG", "SET", "appendonly", "yes").asText()).isEqualTo("OK");
            ok(c, "SET", "during", "2");
            Servers.awaitRewrite(c);
            assertThat(Servers.info(c, "aof_enabled")).isEqualTo("1");
            ok(c, "SET", "after", "3");
            assertThat(manifest()).isEqualTo("file appendonly.aof.1.base.rdb seq 1 type b\n"
                    + "file appendonly.aof.1.incr.aof seq 1 type i\n");
            ok(c, "CONFIG", "SET", "appendonly", "no");
            assertThat(Servers.info(c, "aof_enabled")).isEqualTo("0");
            ok(c, "SET", "not-logged", "4");
        }
        try (CinnabarServer s = start(); RespClient c = Servers.client(s)) {
            assertThat(texts(c.call("MGET", "before", "during", "after", "not-logged")))
                    .containsExactly("1", "2", "3", "nil");
        }
    }

    @Test
    void autoRewriteStartsWhenTheFileDoublesPastTheMinimumSize() throws Exception {
        try (CinnabarServer s = start("auto-aof-rewrite-min-size", "10000", "auto-aof-rewrite-percentage", "100");
             RespClient c = Servers.client(s)) {
            for (int i = 0; i < 400; i++) {
                c.call("SET", "key" + (i % 10), "x".repeat(40));
            }
            long deadline = System.currentTimeMillis() + 10_000;
            while (Servers.info(c, "aof_rewrites").equals("0")) {
                assertThat(System.currentTimeMillis()).isLessThan(deadline);
                Thread.sleep(20);
            }
            Servers.awaitRewrite(c);
            // the base holds the 10 keys, not the 400 SETs
            assertThat(Long.parseLong(Servers.info(c, "aof_base_size"))).isBetween(1L, 10000L);
        }
        assertThat(log()).contains("Starting automatic rewriting of AOF on");
    }

    @Test
    void debugLoadAofReplaysTheFilesIntoAnEmptiedDataset() throws Exception {
        try (CinnabarServer s = start(); RespClient c = Servers.client(s)) {
            populate(c);
            ok(c, "EXPIRE", "str", "1000");
            String digest = c.call("DEBUG", "DIGEST").asText();
            assertThat(c.call("DEBUG", "LOADAOF").asText()).isEqualTo("OK");
            assertThat(c.call("DEBUG", "DIGEST").asText()).isEqualTo(digest);
            assertThat(num(c.call("TTL", "str"))).isBetween(990L, 1000L);
        }
        assertThat(log()).contains("Append Only File loaded by DEBUG LOADAOF");
    }

    /** Writes an AOF directory of one incremental file holding the given bytes. */
    private void writeAof(String incr) throws Exception {
        Files.createDirectories(aofDir);
        Files.writeString(aofDir.resolve("appendonly.aof.manifest"), "file appendonly.aof.1.incr.aof seq 1 type i\n");
        Files.write(aofDir.resolve("appendonly.aof.1.incr.aof"), incr.getBytes(StandardCharsets.ISO_8859_1));
    }

    private static final String TWO_SETS = "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n"
            + "*3\r\n$3\r\nSET\r\n$3\r\nfoo\r\n$5\r\nhello\r\n*3\r\n$3\r\nSET\r\n$3\r\nbar\r\n$5\r\nworld\r\n";

    @Test
    void aTruncatedLastCommandIsCutWithAofLoadTruncated() throws Exception {
        writeAof(TWO_SETS + "*3\r\n$3\r\nSET\r\n$3\r\nbaz\r\n$5\r\nwor");
        try (CinnabarServer s = start(); RespClient c = Servers.client(s)) {
            assertThat(texts(c.call("MGET", "foo", "bar", "baz"))).containsExactly("hello", "world", "nil");
        }
        assertThat(log()).contains("!!! Warning: short read while loading the AOF file appendonly.aof.1.incr.aof!!!")
                .contains("!!! Truncating the AOF appendonly.aof.1.incr.aof at offset " + TWO_SETS.length() + " !!!")
                .contains("AOF appendonly.aof.1.incr.aof loaded anyway because aof-load-truncated is enabled");
        assertThat(Files.size(aofDir.resolve("appendonly.aof.1.incr.aof"))).isEqualTo(TWO_SETS.length());
    }

    @Test
    void aTruncatedFileRefusesToStartWithoutAofLoadTruncated() throws Exception {
        writeAof(TWO_SETS + "*3\r\n$3\r\nSET\r\n$3\r\nbaz\r\n$5\r\nwor");
        assertThatThrownBy(() -> start("aof-load-truncated", "no")).isInstanceOf(IllegalStateException.class);
        assertThat(log()).contains("Unexpected end of file reading the append only file appendonly.aof.1.incr.aof. "
                + "You can: 1) Make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. "
                + "2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the "
                + "server.");
    }

    @Test
    void aMultiWithoutExecAtTheEndIsDropped() throws Exception {
        writeAof(TWO_SETS + "*1\r\n$5\r\nMULTI\r\n*3\r\n$3\r\nSET\r\n$3\r\nbaz\r\n$1\r\n1\r\n");
        try (CinnabarServer s = start(); RespClient c = Servers.client(s)) {
            assertThat(num(c.call("EXISTS", "foo", "bar", "baz"))).isEqualTo(2);
        }
        assertThat(log()).contains("Revert incomplete MULTI/EXEC transaction in AOF file appendonly.aof.1.incr.aof");
        assertThat(Files.size(aofDir.resolve("appendonly.aof.1.incr.aof"))).isEqualTo(TWO_SETS.length());
    }

    @Test
    void aCompleteTransactionIsReplayed() throws Exception {
        writeAof(TWO_SETS + "*1\r\n$5\r\nMULTI\r\n*2\r\n$4\r\nINCR\r\n$1\r\nn\r\n*2\r\n$4\r\nINCR\r\n$1\r\nn\r\n"
                + "*1\r\n$4\r\nEXEC\r\n#TS:1700000000\r\n*2\r\n$4\r\nINCR\r\n$1\r\nn\r\n");
        try (CinnabarServer s = start(); RespClient c = Servers.client(s)) {
            assertThat(c.call("GET", "n").asText()).isEqualTo("3");
        }
    }

    /** RESP for a command, as the AOF holds it. */
    private static String resp(String... argv) {
        StringBuilder sb = new StringBuilder("*").append(argv.length).append("\r\n");
        for (String a : argv) {
            sb.append('$').append(a.length()).append("\r\n").append(a).append("\r\n");
        }
        return sb.toString();
    }

    @Test
    void noKeyExpiresWhileTheFileReplays() throws Exception {
        // the TTL in the past is set, not turned into a deletion, and RPUSH finds the list it
        // found when it first ran: the list of two then expires once loaded, as in Redis
        writeAof(resp("RPUSH", "list", "foo") + resp("PEXPIREAT", "list", "1000") + resp("RPUSH", "list", "bar")
                + resp("SET", "k", "v") + resp("PEXPIREAT", "k", "1000") + resp("APPEND", "k", "w"));
        try (CinnabarServer s = start(); RespClient c = Servers.client(s)) {
            assertThat(num(c.call("LLEN", "list"))).isZero();
            assertThat(num(c.call("EXISTS", "k"))).isZero();
            ok(c, "SET", "after", "1", "PXAT", "1000");
            assertThat(num(c.call("EXISTS", "after"))).as("a past expiry deletes again once loaded").isZero();
        }
    }

    @Test
    void aScriptInTheFileWritesOnAReadOnlyReplica() throws Exception {
        // an AOF of Redis before 7.0 holds EVALs; their writes are the file's, obeyed on a replica
        writeAof(resp("SELECT", "9") + resp("EVAL", "redis.call('set',KEYS[1],'100')", "1", "foo")
                + resp("EVAL", "redis.call('incr',KEYS[1])", "1", "foo")
                + resp("EVAL", "redis.call('incr',KEYS[1])", "1", "foo"));
        try (CinnabarServer s = start("replicaof", "127.0.0.1 1", "replica-read-only", "yes");
             RespClient c = Servers.client(s)) {
            ok(c, "SELECT", "9");
            assertThat(c.call("GET", "foo").asText()).isEqualTo("102");
            assertThat(c.call("SET", "foo", "1").toString()).contains("READONLY");
        }
    }

    @Test
    void aCorruptCommandInTheMiddleStopsStartUpNamingTheOffset() throws Exception {
        String bad = "*3\r\n$3\r\nSET\r\n$3\r\nfoo\r\n$5\r\nhello\r\nXX3\r\n$3\r\nSET\r\n";
        writeAof(bad + TWO_SETS);
        assertThatThrownBy(this::start).isInstanceOf(IllegalStateException.class);
        assertThat(log()).contains("Bad file format reading the append only file appendonly.aof.1.incr.aof: make a "
                + "backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>")
                .contains("starts at offset 33 of appendonly.aof.1.incr.aof");
    }

    @Test
    void anUnknownCommandStopsStartUp() throws Exception {
        writeAof("*2\r\n$7\r\nNOSUCHC\r\n$1\r\nx\r\n");
        assertThatThrownBy(this::start).isInstanceOf(IllegalStateException.class);
        assertThat(log()).contains("Unknown command 'NOSUCHC' reading the append only file appendonly.aof.1.incr.aof");
    }

    @Test
    void aBadManifestStopsStartUpWithRedisLines() throws Exception {
        Files.createDirectories(aofDir);
        Files.writeString(aofDir.resolve("appendonly.aof.manifest"), "file appendonly.aof.1.incr.aof seq 1 type q\n");
        assertThatThrownBy(this::start).isInstanceOf(IllegalStateException.class);
        assertThat(log()).contains("*** FATAL AOF MANIFEST FILE ERROR ***").contains("Reading the manifest file, at line 1")
                .contains(">>> 'file appendonly.aof.1.incr.aof seq 1 type q'").contains("Unknown AOF file type");
    }

    @Test
    void aFileTheManifestNamesButTheDiskLacksStopsStartUp() throws Exception {
        Files.createDirectories(aofDir);
        Files.writeString(aofDir.resolve("appendonly.aof.manifest"), "file appendonly.aof.1.base.rdb seq 1 type b\n");
        assertThatThrownBy(this::start).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void anOldSingleFileAofIsMovedIntoTheDirectoryAsItsBase() throws Exception {
        Files.writeString(dir.resolve("appendonly.aof"), TWO_SETS);
        try (CinnabarServer s = start(); RespClient c = Servers.client(s)) {
            assertThat(c.call("GET", "bar").asText()).isEqualTo("world");
            ok(c, "SET", "new", "1");
        }
        assertThat(dir.resolve("appendonly.aof")).doesNotExist();
        assertThat(manifest()).isEqualTo("file appendonly.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n");
        assertThat(log()).contains("Successfully migrated an old-style AOF file (appendonly.aof) into the AOF directory "
                + "(appendonlydir).");
        try (CinnabarServer s = start(); RespClient c = Servers.client(s)) {
            assertThat(texts(c.call("MGET", "foo", "new"))).containsExactly("hello", "1");
        }
    }

    @Test
    void anOldSingleFileWithAnRdbPreambleLoadsItsTail() throws Exception {
        try (CinnabarServer s = start(); RespClient c = Servers.client(s)) {
            ok(c, "SET", "in-preamble", "1");
            ok(c, "BGREWRITEAOF");
            Servers.awaitRewrite(c);
        }
        byte[] rdb = Files.readAllBytes(aofDir.resolve("appendonly.aof.2.base.rdb"));
        Servers.delete(aofDir);
        byte[] tail = TWO_SETS.getBytes(StandardCharsets.ISO_8859_1);
        byte[] old = java.util.Arrays.copyOf(rdb, rdb.length + tail.length);
        System.arraycopy(tail, 0, old, rdb.length, tail.length);
        Files.write(dir.resolve("appendonly.aof"), old);
        try (CinnabarServer s = start(); RespClient c = Servers.client(s)) {
            assertThat(texts(c.call("MGET", "in-preamble", "foo", "bar"))).containsExactly("1", "hello", "world");
        }
        assertThat(log()).contains("Reading RDB preamble from AOF file...").contains("Reading the remaining AOF tail...");
    }

    @Test
    void aofNamesMustNotBePathsAsInRedis() {
        assertThatThrownBy(() -> start("appendfilename", "a/b")).hasMessageContaining(
                "appendfilename can't be a path, just a filename");
        assertThatThrownBy(() -> start("appenddirname", "x/y")).hasMessageContaining(
                "appenddirname can't be a path, just a dirname");
        assertThatThrownBy(() -> start("appenddirname", "")).hasMessageContaining("appenddirname can't be empty");
    }

    @Test
    void timestampAnnotationsAreWrittenAndSkipped() throws Exception {
        try (CinnabarServer s = start("aof-timestamp-enabled", "yes"); RespClient c = Servers.client(s)) {
            ok(c, "SET", "a", "1");
        }
        String incr = Files.readString(aofDir.resolve("appendonly.aof.1.incr.aof"));
        assertThat(incr).matches("(?s)#TS:\\d+\r\n\\*2\r\n\\$6\r\nSELECT.*");
        try (CinnabarServer s = start(); RespClient c = Servers.client(s)) {
            assertThat(c.call("GET", "a").asText()).isEqualTo("1");
        }
    }

    @Test
    void aFailedWriteGivesMisconfToWritersAndErrInInfo() throws Exception {
        Files.createDirectories(aofDir);
        Files.writeString(aofDir.resolve("appendonly.aof.manifest"), "file appendonly.aof.1.incr.aof seq 1 type i\n");
        Files.createSymbolicLink(aofDir.resolve("appendonly.aof.1.incr.aof"), Path.of("/dev/full"));
        try (CinnabarServer s = start("appendfsync", "everysec"); RespClient c = Servers.client(s)) {
            ok(c, "SET", "a", "1"); // its write fails after the command ran, as in Redis
            assertThat(c.call("SET", "b", "2").toString())
                    .isEqualTo("-MISCONF Errors writing to the AOF file: No space left on device");
            assertThat(c.call("PING").toString()).startsWith("-MISCONF");
            assertThat(c.call("GET", "a").asText()).isEqualTo("1");
            assertThat(Servers.info(c, "aof_last_write_status")).isEqualTo("err");
            // turning the AOF off and on again (a new file) clears the error, as Redis
            ok(c, "CONFIG", "SET", "appendonly", "no");
            ok(c, "SET", "b", "2");
            ok(c, "CONFIG", "SET", "appendonly", "yes");
            Servers.awaitRewrite(c);
            ok(c, "SET", "c", "3");
            assertThat(Servers.info(c, "aof_last_write_status")).isEqualTo("ok");
        }
        assertThat(log()).contains("Error writing to the AOF file: No space left on device")
                .contains("AOF reopen, just ignore the last error.");
        assertThat(manifest()).doesNotContain("type q");
    }

    @Test
    void bgrewriteaofWhileOneRunsIsRefusedAndInsideExecIsScheduled() throws Exception {
        try (CinnabarServer s = start(); RespClient c = Servers.client(s)) {
            ok(c, "MULTI");
            ok(c, "BGREWRITEAOF");
            Resp r = c.call("EXEC");
            assertThat(r.toString()).contains("Background append only file rewriting scheduled");
            Servers.awaitRewrite(c);
            assertThat(Servers.info(c, "aof_rewrites")).isEqualTo("1");
        }
    }

    @Test
    void aRewriteRunsWhileClientsWriteAndBaseAndIncrementalHoldEveryWrite() throws Exception {
        for (String preamble : new String[] {"yes", "no"}) {
            String digest;
            try (CinnabarServer s = start("aof-use-rdb-preamble", preamble, "rdb-key-save-delay", "300");
                 RespClient c = Servers.client(s)) {
                ok(c, "FLUSHALL"); // the second round starts on the first round's files
                populate(c);
                for (int i = 0; i < 2000; i++) {
                    c.send("SET", "k" + i, "v" + i);
                }
                for (int i = 0; i < 2000; i++) {
                    c.read();
                }
                ok(c, "BGREWRITEAOF");
                // the snapshot writes one key per slice with a 300 us delay: writers keep being answered
                java.util.Random rnd = new java.util.Random(9);
                int during = 0;
                while (Servers.info(c, "aof_rewrite_in_progress").equals("1")) {
                    c.call("INCR", "k" + rnd.nextInt(2000) + ":n");
                    c.call("SET", "k" + rnd.nextInt(2000), "changed");
                    c.call("DEL", "k" + rnd.nextInt(2000));
                    during += 3;
                }
                assertThat(during).as("writes answered during the rewrite (" + preamble + ")").isGreaterThan(60);
                Servers.awaitRewrite(c);
                assertThat(Servers.info(c, "aof_last_bgrewrite_status")).isEqualTo("ok");
                digest = c.call("DEBUG", "DIGEST").asText();
            }
            try (CinnabarServer s = start(); RespClient c = Servers.client(s)) {
                assertThat(c.call("DEBUG", "DIGEST").asText()).as("restart with preamble " + preamble).isEqualTo(digest);
            }
        }
    }

    @Test
    void bgsaveDuringARewriteIsRefusedOrScheduledAsInRedis() throws Exception {
        try (CinnabarServer s = start("rdb-key-save-delay", "2000"); RespClient c = Servers.client(s)) {
            for (int i = 0; i < 300; i++) {
                c.call("SET", "k" + i, "v");
            }
            ok(c, "BGREWRITEAOF");
            assertThat(c.call("BGSAVE").toString()).isEqualTo("-ERR Another child process is active (AOF?): can't "
                    + "BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.");
            assertThat(c.call("BGSAVE", "SCHEDULE").asText()).isEqualTo("Background saving scheduled");
            assertThat(Servers.info(c, "rdb_bgsave_in_progress")).isEqualTo("0");
            assertThat(c.call("BGREWRITEAOF").toString())
                    .isEqualTo("-ERR Background append only file rewriting already in progress");
            ok(c, "CONFIG", "SET", "rdb-key-save-delay", "0");
            Servers.awaitRewrite(c);
            long deadline = System.currentTimeMillis() + 10_000;
            while (!Servers.info(c, "rdb_saves").equals("1")) {
                assertThat(System.currentTimeMillis()).as("the scheduled BGSAVE ran").isLessThan(deadline);
                Thread.sleep(20);
            }
        }
    }

    @Test
    void clientsGetLoadingWhileTheAofLoadsAndInfoShowsTheProgress() throws Exception {
        StringBuilder cmds = new StringBuilder();
        for (int i = 0; i < 300; i++) {
            cmds.append("*3\r\n$3\r\nSET\r\n$").append(("k" + i).length()).append("\r\nk").append(i)
                    .append("\r\n$1\r\nv\r\n");
        }
        writeAof(cmds.toString());
        int port = dev.cinnabar.testkit.Ports.free();
        java.util.concurrent.CompletableFuture<CinnabarServer> started = java.util.concurrent.CompletableFuture
                .supplyAsync(() -> start("port", Integer.toString(port), "key-load-delay", "5000"));
        CinnabarServer s = null;
        try {
            boolean sawLoading = false;
            long deadline = System.currentTimeMillis() + 30_000;
            while (!started.isDone() && System.currentTimeMillis() < deadline) {
                try (RespClient c = new RespClient("127.0.0.1", port, 2000)) {
                    Resp r = c.call("GET", "k1");
                    if (r.toString().startsWith("-LOADING")) {
                        assertThat(r.toString()).isEqualTo("-LOADING Redis is loading the dataset in memory");
                        assertThat(Servers.info(c, "loading")).isEqualTo("1");
                        assertThat(Long.parseLong(Servers.info(c, "loading_total_bytes")))
                                .isEqualTo(cmds.length());
                        sawLoading = true;
                        break;
                    }
                } catch (RuntimeException e) {
                    Thread.sleep(20); // not listening yet
                }
            }
            s = started.get(60, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(sawLoading).isTrue();
            try (RespClient c = Servers.client(s)) {
                assertThat(Servers.info(c, "loading")).isEqualTo("0");
                assertThat(num(c.call("DBSIZE"))).isEqualTo(300);
            }
        } finally {
            if (s == null) {
                s = started.get(60, java.util.concurrent.TimeUnit.SECONDS);
            }
            s.close();
        }
    }
}
