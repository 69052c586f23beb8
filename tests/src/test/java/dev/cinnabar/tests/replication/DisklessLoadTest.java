package dev.cinnabar.tests.replication;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.server.CinnabarServer;
import dev.cinnabar.testkit.RealRedis;
import dev.cinnabar.testkit.RespClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * repl-diskless-load, differential: a real Redis 7.0 master serves a full sync to a real Redis
 * replica, then (a new master, the same data) to ours, with the same mode and the same data
 * beforehand; the two replicas must show the same log lines of the sync, the same INFO figures
 * while the RDB comes (loading, async_loading, master_sync_*), the same answer to a read then,
 * the same files in their dir (temp-*.rdb while it comes, dump.rdb after a disk load, none after
 * a failure) and the same data after, when the transfer completes and when the master dies in the
 * middle of it. The async case (swapdb, a full resync of the master's own history) is arranged by
 * sending the replica to a master that is not there while its master's backlog overflows.
 */
class DisklessLoadTest {
    private static final int KEYS = 20000;

    /** A replica under test: real Redis or ours, its client, dir and log. */
    private interface Replica extends AutoCloseable {
        RespClient client();

        int port();

        Path dir();

        Path log();

        @Override
        void close();
    }

    private static Replica redisReplica(String mode) {
        RealRedis r = RealRedis.start("--repl-diskless-load", mode, "--enable-debug-command", "yes");
        RespClient c = new RespClient("127.0.0.1", r.port(), 30_000);
        return new Replica() {
            public RespClient client() {
                return c;
            }

            public int port() {
                return r.port();
            }

            public Path dir() {
                return r.dir();
            }

            public Path log() {
                return r.dir().resolve("redis.log");
            }

            public void close() {
                c.close();
                r.close();
            }
        };
    }

    private static Replica ourReplica(String mode) throws IOException {
        Path dir = Files.createTempDirectory("diskless-load");
        Path log = Files.createTempDirectory("diskless-load-log").resolve("server.log");
        CinnabarServer s = CinnabarServer.builder().setting("dir", dir.toString()).setting("save", "")
                .setting("logfile", log.toString()).setting("loglevel", "notice")
                .setting("enable-debug-command", "yes").setting("repl-diskless-load", mode).start();
        RespClient c = new RespClient("127.0.0.1", s.port(), 30_000);
        return new Replica() {
            public RespClient client() {
                return c;
            }

            public int port() {
                return s.port();
            }

            public Path dir() {
                return dir;
            }

            public Path log() {
                return log;
            }

            public void close() {
                c.close();
                s.close();
            }
        };
    }

    /** A master with KEYS keys of 1000 bytes, uncompressed (a transfer of ~20 MB). */
    private static RealRedis master() {
        RealRedis m = RealRedis.start("--enable-debug-command", "yes", "--repl-diskless-sync", "yes",
                "--repl-diskless-sync-delay", "0", "--rdbcompression", "no", "--repl-backlog-size", "16384");
        try (RespClient c = m.client()) {
            c.call("DEBUG", "POPULATE", Integer.toString(KEYS), "key", "1000");
        }
        return m;
    }

    /** What one run shows: the lines, figures and files compared between the two replicas. */
    private record Run(List<String> log, Map<String, String> during, List<String> filesDuring, Map<String, String> after,
                       List<String> filesAfter) {
    }

    @ParameterizedTest(name = "{0}, replica with data: {1}, master dies: {2}")
    @CsvSource({"disabled, true, false", "disabled, true, true", "on-empty-db, false, false",
                "on-empty-db, false, true", "on-empty-db, true, true", "swapdb, true, false", "swapdb, true, true"})
    void sameAsRedis(String mode, boolean withData, boolean masterDies) throws Exception {
        RealRedis.assumeAvailable();
        Run redis;
        try (Replica r = redisReplica(mode)) {
            redis = run(r, withData, masterDies);
        }
        Run ours;
        try (Replica r = ourReplica(mode)) {
            ours = run(r, withData, masterDies);
        }
        assertThat(ours.log()).isEqualTo(redis.log());
        assertThat(ours.during()).isEqualTo(redis.during());
        assertThat(ours.filesDuring()).isEqualTo(redis.filesDuring());
        assertThat(ours.after()).isEqualTo(redis.after());
        assertThat(ours.filesAfter()).isEqualTo(redis.filesAfter());
    }

    @ParameterizedTest(name = "swapdb, a full resync of the same history, master dies: {0}")
    @CsvSource({"false", "true"})
    void asyncLoadingAsRedis(boolean masterDies) throws Exception {
        RealRedis.assumeAvailable();
        Run redis;
        try (Replica r = redisReplica("swapdb")) {
            redis = runAsync(r, masterDies);
        }
        Run ours;
        try (Replica r = ourReplica("swapdb")) {
            ours = runAsync(r, masterDies);
        }
        assertThat(redis.during().get("async_loading")).isEqualTo("1");
        assertThat(ours.log()).isEqualTo(redis.log());
        assertThat(ours.during()).isEqualTo(redis.during());
        assertThat(ours.filesDuring()).isEqualTo(redis.filesDuring());
        assertThat(ours.after()).isEqualTo(redis.after());
        assertThat(ours.filesAfter()).isEqualTo(redis.filesAfter());
    }

    /**
     * The replica syncs, then follows a master that is not there while its master's 16 kB backlog
     * overflows; back, its PSYNC of the master's own history gets a full resync: Redis's async load.
     */
    private static Run runAsync(Replica r, boolean masterDies) throws Exception {
        RespClient c = r.client();
        RealRedis m = master();
        try (RespClient mc = m.client()) {
            mc.call("SET", "old", "1");
            c.call("REPLICAOF", "127.0.0.1", Integer.toString(m.port()));
            awaitLog(r.log(), "MASTER <-> REPLICA sync: Finished with success");
            Replicas.awaitInSync(mc, c);
            // away (a master that is not there), keeping its history, while the backlog overflows
            c.call("REPLICAOF", "127.0.0.1", Integer.toString(dev.cinnabar.testkit.Ports.free()));
            String big = "x".repeat(10_000);
            for (int i = 0; i < 200; i++) {
                mc.call("SET", "big" + i, big);
            }
            mc.call("CONFIG", "SET", "rdb-key-save-delay", masterDies ? "1000" : "100");
            long logFrom = Files.size(r.log()); // the second sync's lines only
            c.call("REPLICAOF", "127.0.0.1", Integer.toString(m.port()));
            Map<String, String> during = new LinkedHashMap<>();
            awaitTransferUnderWay(c);
            snapshot(r.port(), during);
            List<String> filesDuring = files(r.dir());
            if (masterDies) {
                m.close();
                awaitLog(r.log(), "after failure", logFrom);
                awaitSyncOver(c);
            } else {
                awaitLog(r.log(), "MASTER <-> REPLICA sync: Finished with success", logFrom);
            }
            Map<String, String> after = new LinkedHashMap<>();
            after.put("dbsize", c.call("DBSIZE").toString());
            after.put("big0", c.call("STRLEN", "big0").toString());
            after.put("async_loading", Replicas.info(c, "persistence", "async_loading"));
            List<String> filesAfter = files(r.dir());
            List<String> lines = syncLines(r.log(), logFrom);
            c.call("REPLICAOF", "NO", "ONE");
            return new Run(lines, during, filesDuring, after, filesAfter);
        } finally {
            m.close();
        }
    }

    private static Run run(Replica r, boolean withData, boolean masterDies) throws Exception {
        RespClient c = r.client();
        if (withData) {
            c.call("SET", "old", "1");
        }
        RealRedis m = master();
        try (RespClient mc = m.client()) {
            mc.call("CONFIG", "SET", "rdb-key-save-delay", masterDies ? "1000" : "100");
            c.call("REPLICAOF", "127.0.0.1", Integer.toString(m.port()));
            Map<String, String> during = new LinkedHashMap<>();
            List<String> filesDuring = new ArrayList<>();
            awaitTransferUnderWay(c);
            snapshot(r.port(), during);
            filesDuring.addAll(files(r.dir()));
            if (masterDies) {
                // a socket load (no bytes read to disk) parses the RDB as it arrives: its aux fields
                // are logged long before the end of this 20 s transfer
                during.put("aux fields logged while the master sends", "0".equals(during.get("master_sync_read_bytes"))
                        ? Boolean.toString(logShowsWithin(r.log(), "RDB memory usage when created", 15_000)) : "disk load");
                m.close();
                awaitLog(r.log(), "after failure");
                awaitSyncOver(c);
            } else {
                awaitLog(r.log(), "MASTER <-> REPLICA sync: Finished with success");
            }
            Map<String, String> after = new LinkedHashMap<>();
            after.put("dbsize", c.call("DBSIZE").toString());
            after.put("old", c.call("GET", "old").toString());
            if (!masterDies) {
                after.put("digest", c.call("DEBUG", "DIGEST").toString().equals(mc.call("DEBUG", "DIGEST").toString())
                        ? "same as master" : "differs");
            }
            after.put("loading", Replicas.info(c, "persistence", "loading"));
            after.put("async_loading", Replicas.info(c, "persistence", "async_loading"));
            List<String> filesAfter = files(r.dir());
            List<String> lines = syncLines(r.log(), 0);
            c.call("REPLICAOF", "NO", "ONE");
            return new Run(lines, during, filesDuring, after, filesAfter);
        } finally {
            m.close();
        }
    }

    /** Waits until the RDB is coming: bytes on disk, or the load from the socket under way. */
    private static void awaitTransferUnderWay(RespClient c) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 30_000;
        while (System.currentTimeMillis() < deadline) {
            Map<String, String> info = parseInfo(c.call("INFO").asText());
            String read = info.get("master_sync_read_bytes");
            if ((read != null && !read.equals("0")) || "1".equals(info.get("loading"))
                    || "1".equals(info.get("async_loading"))) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("the transfer did not start");
    }

    private static void awaitSyncOver(RespClient c) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 30_000;
        while (System.currentTimeMillis() < deadline) {
            Map<String, String> info = parseInfo(c.call("INFO").asText());
            if ("0".equals(info.get("master_sync_in_progress")) && "0".equals(info.get("loading"))) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("the sync did not end");
    }

    private static Map<String, String> parseInfo(String text) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String line : text.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && !line.startsWith("#")) {
                m.put(line.substring(0, colon), line.substring(colon + 1));
            }
        }
        return m;
    }

    /**
     * The figures that do not depend on timing (how many bytes came so far does), and a read.
     * INFO and GET go in one write: a Redis replica loading from the socket answers only between
     * chunks of its load, so both get the answers of one moment.
     */
    private static void snapshot(int port, Map<String, String> out) throws IOException {
        String info;
        String read;
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
            s.setSoTimeout(30_000);
            // and a CONFIG SET of a directive refused while loading (appendonly, to its value: no)
            s.getOutputStream().write(("*1\r\n$4\r\nINFO\r\n*2\r\n$3\r\nGET\r\n$3\r\nold\r\n"
                    + "*4\r\n$6\r\nCONFIG\r\n$3\r\nSET\r\n$10\r\nappendonly\r\n$2\r\nno\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            java.io.DataInputStream in = new java.io.DataInputStream(new java.io.BufferedInputStream(s.getInputStream()));
            info = readReply(in);
            read = readReply(in);
            out.put("config set appendonly", readReply(in));
        }
        Map<String, String> i = parseInfo(info);
        out.put("loading", i.get("loading"));
        out.put("async_loading", i.get("async_loading"));
        out.put("master_sync_in_progress", i.get("master_sync_in_progress"));
        out.put("master_sync_total_bytes", i.get("master_sync_total_bytes"));
        String bytes = i.get("master_sync_read_bytes");
        out.put("master_sync_read_bytes", bytes == null ? null : bytes.equals("0") ? "0" : "some");
        String left = i.get("master_sync_left_bytes");
        out.put("master_sync_left_bytes", left == null ? null : left.equals("0") ? "0" : left.startsWith("-") ? "negative"
                : "positive");
        out.put("master_sync_perc", i.get("master_sync_perc"));
        out.put("loading_total_bytes", i.get("loading_total_bytes"));
        out.put("loading_rdb_used_mem", i.get("loading_rdb_used_mem") == null ? null : "set");
        String perc = i.get("loading_loaded_perc");
        out.put("loading_loaded_perc", perc == null ? null : Double.parseDouble(perc) > 0 ? "some" : "0");
        out.put("read", read);
    }

    /** One RESP2 reply: a bulk string's text, or the line of any other reply. */
    private static String readReply(java.io.DataInputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        int b;
        while ((b = in.read()) != '\n') {
            if (b < 0) {
                throw new IOException("connection closed");
            }
            if (b != '\r') {
                line.append((char) b);
            }
        }
        if (line.charAt(0) != '$' || line.toString().equals("$-1")) {
            return line.toString();
        }
        byte[] data = new byte[Integer.parseInt(line.substring(1)) + 2];
        in.readFully(data);
        return new String(data, 0, data.length - 2, java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    /** The files in dir, temp files named by their shape (temp-<unixtime>.<pid>.rdb). */
    private static List<String> files(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString())
                    .filter(n -> !n.endsWith(".log"))
                    .map(n -> n.matches("temp-\\d+\\.\\d+\\.rdb") ? "temp-<unixtime>.<pid>.rdb" : n)
                    .sorted().toList();
        }
    }

    /** True when text shows in the log within timeoutMillis. */
    private static boolean logShowsWithin(Path log, String text, long timeoutMillis) throws Exception {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (System.currentTimeMillis() < deadline) {
            if (Files.exists(log) && Files.readString(log).contains(text)) {
                return true;
            }
            Thread.sleep(50);
        }
        return false;
    }

    private static void awaitLog(Path log, String text) throws Exception {
        awaitLog(log, text, 0);
    }

    /** Waits for text in the log, past its first {@code from} bytes. */
    private static void awaitLog(Path log, String text, long from) throws Exception {
        long deadline = System.currentTimeMillis() + 60_000;
        while (System.currentTimeMillis() < deadline) {
            if (Files.exists(log) && Files.readString(log).substring((int) from).contains(text)) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no '" + text + "' in " + log + ":\n" + Files.readString(log));
    }

    /**
     * The log lines of the full sync, from the transfer's start, without the parts that depend on
     * the run (ports, offsets, the RDB's age, the master's memory figures).
     */
    private static List<String> syncLines(Path log, long from) throws IOException {
        List<String> out = new ArrayList<>();
        boolean started = false;
        byte[] all = Files.readAllBytes(log);
        String text0 = new String(all, (int) from, all.length - (int) from, java.nio.charset.StandardCharsets.UTF_8);
        for (String line : text0.split("\n")) {
            int at = line.indexOf(" * ") >= 0 ? line.indexOf(" * ") : line.indexOf(" # ");
            if (at < 0) {
                continue;
            }
            String text = line.substring(at + 3);
            if (text.startsWith("MASTER <-> REPLICA sync: receiving")) {
                started = true;
            }
            if (!started || text.startsWith("Connecting to MASTER") || text.startsWith("Error condition on socket")
                    || text.startsWith("MASTER <-> REPLICA sync started") || text.contains("shutdown")
                    || text.startsWith("Connection with master lost") || text.startsWith("Caching the disconnected")
                    || text.startsWith("Setting secondary replication ID") || text.startsWith("MASTER MODE enabled")
                    || text.startsWith("Master replied to PING") || text.startsWith("Trying a partial")
                    || text.startsWith("Partial resynchronization not possible") || text.startsWith("Full resync")
                    || text.startsWith("Unable to connect") || text.startsWith("Master did not respond")
                    || text.startsWith("Failed to read response")) {
                continue;
            }
            // Redis names its source line and appends an errno its lost connection left at any value
            text = text.replace(", function at rdb.c:", " rdb.c:").replaceAll(" rdb\\.c:\\d+", "")
                    .replaceAll("from socket: .*", "from socket: <errno>");
            out.add(text.replaceAll("\\d+", "N"));
        }
        return out;
    }
}
