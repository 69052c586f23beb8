package dev.cinnabar.tests.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.server.persistence.rdb.Crc64;
import dev.cinnabar.testkit.Resp;
import dev.cinnabar.testkit.RespClient;
import dev.cinnabar.testkit.stress.ServerProcess;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Corrupt values against real Redis: what RESTORE answers and logs for a damaged listpack (with and
 * without DEBUG SET-SKIP-CHECKSUM-VALIDATION), and how a file holding empty keys loads (skipped,
 * named in the log, counted in the "Done loading RDB" line).
 */
class CorruptPayloadTest {
    @Test
    void restoreOfADamagedListpackIsRefusedAndLoggedAsRedisDoes() {
        List<String> redis;
        List<String> ours;
        try (ServerProcess r = ServerProcess.redis("--loglevel", "verbose", "--enable-debug-command", "yes")) {
            redis = restoreRun(r);
        }
        try (ServerProcess c = ServerProcess.cinnabar("--loglevel", "verbose", "--enable-debug-command", "yes")) {
            ours = restoreRun(c);
        }
        assertThat(ours).containsExactlyElementsOf(redis);
        assertThat(redis).anySatisfy(l -> assertThat(l).contains("Hash listpack integrity check failed."));
    }

    /** Replies and the reason each refused RESTORE logged. */
    private static List<String> restoreRun(ServerProcess s) {
        List<String> out = new ArrayList<>();
        try (RespClient c = s.client()) {
            c.call("CONFIG", "SET", "sanitize-dump-payload", "yes");
            c.call("HSET", "h", "field", "value", "other", "1");
            byte[] good = ((Resp.Bulk) c.call("DUMP", "h")).value();
            // type 16 (hash listpack), a one-byte string length, then the listpack's total-bytes field
            byte[] header = good.clone();
            header[2]++;
            byte[] badCrc = header.clone();
            resign(header);
            byte[] entry = good.clone();
            entry[2 + 6] = (byte) 0xf5; // the first entry's encoding byte: an encoding that does not exist
            resign(entry);
            Function<byte[], String> restore = p -> c.call("RESTORE".getBytes(), "k".getBytes(), "0".getBytes(), p,
                    "REPLACE".getBytes()).toString();
            out.add("good: " + restore.apply(good));
            out.add("bad crc: " + restore.apply(badCrc));
            ServerProcess.Mark m = s.mark();
            out.add("header: " + restore.apply(header) + " " + reasons(s, m));
            m = s.mark();
            out.add("entry: " + restore.apply(entry) + " " + reasons(s, m));
            out.add("skip: " + c.call("DEBUG", "SET-SKIP-CHECKSUM-VALIDATION", "1"));
            m = s.mark();
            out.add("bad crc, skipped: " + restore.apply(badCrc) + " " + reasons(s, m));
            out.add("unskip: " + c.call("DEBUG", "SET-SKIP-CHECKSUM-VALIDATION", "0"));
            out.add("bad crc again: " + restore.apply(badCrc));
            out.add("value: " + c.call("HGETALL", "k"));
        }
        return out;
    }

    /** A payload's footer recomputed: RDB version 10 and the CRC-64 of everything before it. */
    private static void resign(byte[] p) {
        int footer = p.length - 10;
        long crc = Crc64.of(p, 0, footer + 2);
        for (int i = 0; i < 8; i++) {
            p[footer + 2 + i] = (byte) (crc >>> (8 * i));
        }
    }

    /** The reasons of the "Internal error in RDB reading" lines logged since the mark. */
    private static List<String> reasons(ServerProcess s, ServerProcess.Mark m) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < 50 && out.isEmpty(); i++) {
            for (String line : s.output().split("\n")) {
                int at = line.indexOf("Internal error in RDB reading");
                if (at >= 0) {
                    out.add(line.substring(line.indexOf("-> ") + 3));
                }
            }
            // only the lines after the mark count: drop the ones seen before
            out = out.subList(Math.min(out.size(), countBefore(s, m)), out.size());
            if (out.isEmpty()) {
                sleep();
            }
        }
        return out;
    }

    private static int countBefore(ServerProcess s, ServerProcess.Mark m) {
        String log = s.output();
        int n = 0;
        for (String line : log.substring(0, (int) Math.min(log.length(), m.log())).split("\n")) {
            n += line.contains("Internal error in RDB reading") ? 1 : 0;
        }
        return n;
    }

    private static void sleep() {
        try {
            Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void emptyKeysInAFileAreSkippedAndNamed(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("empty.rdb");
        Files.write(file, rdbWithEmptyKeys());
        List<String> redis;
        List<String> ours;
        try (ServerProcess r = ServerProcess.redis("--dir", dir.toString(), "--dbfilename", "empty.rdb")) {
            redis = loadRun(r);
        }
        try (ServerProcess c = ServerProcess.cinnabar("--dir", dir.toString(), "--dbfilename", "empty.rdb")) {
            ours = loadRun(c);
        }
        assertThat(ours).containsExactlyElementsOf(redis);
        assertThat(redis).contains("rdbLoadObject skipping empty key: empty-set", "keys: 1");
    }

    private static List<String> loadRun(ServerProcess s) {
        List<String> out = new ArrayList<>();
        for (String line : s.output().split("\n")) {
            int at = line.indexOf("rdbLoadObject");
            if (at >= 0) {
                out.add(line.substring(at));
            }
            at = line.indexOf("Done loading RDB");
            if (at >= 0) {
                out.add(line.substring(at));
            }
        }
        try (RespClient c = s.client()) {
            out.add("keys: " + c.call("DBSIZE").asText());
            out.add("kept: " + c.call("GET", "kept"));
        }
        return out;
    }

    /** An RDB file (version 10, no checksum) with an empty set, an empty hash, and one string. */
    private static byte[] rdbWithEmptyKeys() {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes("REDIS0010".getBytes(StandardCharsets.US_ASCII));
        b.write(0xfe); // SELECTDB 0
        b.write(0);
        b.write(2); // a set of 0 members
        string(b, "empty-set");
        b.write(0);
        b.write(4); // a hash of 0 fields
        string(b, "empty-hash");
        b.write(0);
        b.write(0); // a string
        string(b, "kept");
        string(b, "value");
        b.write(0xff);
        b.writeBytes(new byte[8]); // checksum 0: not checked
        return b.toByteArray();
    }

    private static void string(ByteArrayOutputStream b, String s) {
        byte[] v = s.getBytes(StandardCharsets.US_ASCII);
        b.write(v.length);
        b.writeBytes(v);
        assertThat(Arrays.asList(v.length < 64)).containsExactly(true);
    }
}
