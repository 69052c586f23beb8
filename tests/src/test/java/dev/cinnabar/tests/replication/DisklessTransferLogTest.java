package dev.cinnabar.tests.replication;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.server.CinnabarServer;
import dev.cinnabar.testkit.RealRedis;
import dev.cinnabar.testkit.RespClient;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * A diskless full sync's course in the master's log, against real Redis 7.0 as the master: the
 * transfer's start, the RDB fully produced with the replicas still up, its end, a replica whose
 * socket takes nothing for repl-timeout dropped so the others go on, and the transfer stopped when
 * its last replica leaves. Redis's lines name its fork child and the pipe it reads the child's RDB
 * from; ours stand for the same events of the forkless snapshot (its thread produces the RDB and
 * hands it to the replicas' connections, docs/compatibility.md). Replicas here are raw sockets
 * that ask for a diskless sync (capa eof) and read nothing, and a real Redis replica. Each side's
 * replication lines are compared as (first position, count) after the addresses and pids are
 * blanked.
 */
class DisklessTransferLogTest {
    private static final String[] WATCHED = {"BGSAVE for SYNC", "RDB transfer", "Diskless rdb transfer",
        "Background transfer", "Synchronization with replica", "timedout replica"};

    @Test
    void aStuckReplicaIsDroppedAfterReplTimeoutAndTheOtherGetsItsRdb() throws Exception {
        Map<String, Integer> redis = redis(this::stuckAndReal);
        Map<String, Integer> ours = ours(this::stuckAndReal);
        assertThat(ours).containsExactlyEntriesOf(redis);
        assertThat(redis).containsKeys("Disconnecting timedout replica (full sync): ADDR",
                "Diskless rdb transfer, done reading from pipe, 1 replicas still up.");
    }

    @Test
    void theTransferStopsWhenItsLastReplicaLeaves() throws Exception {
        Map<String, Integer> redis = redis(this::allLeave);
        Map<String, Integer> ours = ours(this::allLeave);
        assertThat(ours).containsExactlyEntriesOf(redis);
        assertThat(redis).containsKey("Diskless rdb transfer, last replica dropped, killing fork child.");
    }

    private interface Scenario {
        void run(RespClient master, int masterPort) throws Exception;
    }

    private static Map<String, Integer> redis(Scenario s) throws Exception {
        try (RealRedis m = RealRedis.start(masterArgs()); RespClient mc = m.client()) {
            s.run(mc, m.port());
            mc.call("CONFIG", "SET", "rdb-key-save-delay", "0");
            return lines(m.dir().resolve("redis.log"));
        }
    }

    private static Map<String, Integer> ours(Scenario s) throws Exception {
        Path log = Files.createTempFile("cinnabar-diskless", ".log");
        try {
            CinnabarServer.Builder b = CinnabarServer.builder().setting("logfile", log.toString())
                    .setting("loglevel", "notice");
            String[] args = masterArgs();
            for (int i = 0; i < args.length; i += 2) {
                b.setting(args[i].substring(2), args[i + 1]);
            }
            try (CinnabarServer m = b.start(); RespClient mc = new RespClient(m.port())) {
                s.run(mc, m.port());
                mc.call("CONFIG", "SET", "rdb-key-save-delay", "0");
            }
            return lines(log);
        } finally {
            Files.deleteIfExists(log);
        }
    }

    private static String[] masterArgs() {
        return new String[] {"--enable-debug-command", "yes", "--repl-diskless-sync", "yes",
            "--repl-diskless-sync-delay", "5", "--repl-diskless-sync-max-replicas", "2", "--rdbcompression", "no"};
    }

    private static final byte[] REPLCONF = "*5\r\n$8\r\nREPLCONF\r\n$4\r\ncapa\r\n$3\r\neof\r\n$4\r\ncapa\r\n$6\r\npsync2\r\n"
            .getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PSYNC = "*3\r\n$5\r\nPSYNC\r\n$1\r\n?\r\n$2\r\n-1\r\n".getBytes(StandardCharsets.US_ASCII);

    /** A socket that asks for a diskless full sync and then reads nothing. */
    private static Socket silentReplica(int masterPort) throws IOException {
        Socket s = new Socket("127.0.0.1", masterPort);
        s.setReceiveBufferSize(64 << 10);
        s.setSoTimeout(10_000);
        OutputStream out = s.getOutputStream();
        out.write(REPLCONF);
        out.flush();
        byte[] ok = s.getInputStream().readNBytes(5);
        assertThat(new String(ok, StandardCharsets.US_ASCII)).isEqualTo("+OK\r\n");
        out.write(PSYNC);
        out.flush();
        return s;
    }

    @Test
    void aPsyncPipelinedBehindAnotherCommandIsRefused() throws Exception {
        String redis;
        try (RealRedis m = RealRedis.start()) {
            redis = pipelined(m.port());
        }
        String ours;
        try (CinnabarServer m = CinnabarServer.builder().start()) {
            ours = pipelined(m.port());
        }
        assertThat(ours).isEqualTo(redis).isEqualTo("+OK\r\n-ERR SYNC and PSYNC are invalid with pending output\r\n");
    }

    private static String pipelined(int port) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            byte[] both = new byte[REPLCONF.length + PSYNC.length];
            System.arraycopy(REPLCONF, 0, both, 0, REPLCONF.length);
            System.arraycopy(PSYNC, 0, both, REPLCONF.length, PSYNC.length);
            s.getOutputStream().write(both);
            s.getOutputStream().flush();
            String expected = "+OK\r\n-ERR SYNC and PSYNC are invalid with pending output\r\n";
            return new String(s.getInputStream().readNBytes(expected.length()), StandardCharsets.US_ASCII);
        }
    }

    /** 40 MB of RDB, more than a stuck socket's buffers and the master's queue hold. */
    private void stuckAndReal(RespClient mc, int masterPort) throws Exception {
        mc.call("DEBUG", "POPULATE", "4000", "key", "10000");
        mc.call("CONFIG", "SET", "repl-timeout", "2");
        try (RealRedis r = RealRedis.start(); RespClient rc = r.client(); Socket stuck = silentReplica(masterPort)) {
            rc.call("REPLICAOF", "127.0.0.1", Integer.toString(masterPort));
            awaitLink(rc, 60_000);
            assertThat(rc.call("DBSIZE").asText()).isEqualTo("4000");
        }
    }

    /** Both replicas go while the (slowed) snapshot runs. */
    private void allLeave(RespClient mc, int masterPort) throws Exception {
        mc.call("DEBUG", "POPULATE", "20", "key", "10");
        mc.call("CONFIG", "SET", "rdb-key-save-delay", "100000"); // 0.1 s a key
        try (Socket a = silentReplica(masterPort); Socket b = silentReplica(masterPort)) {
            awaitField(mc, "persistence", "rdb_bgsave_in_progress", "1");
            Thread.sleep(300);
        }
        awaitField(mc, "persistence", "rdb_bgsave_in_progress", "0");
        Thread.sleep(200); // the lines of the end
    }

    private static void awaitLink(RespClient rc, long ms) throws InterruptedException {
        long deadline = System.currentTimeMillis() + ms;
        while (!"up".equals(Replicas.info(rc, "replication", "master_link_status"))) {
            assertThat(System.currentTimeMillis()).as("replica in sync").isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    private static void awaitField(RespClient c, String section, String field, String value) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 30_000;
        while (!value.equals(Replicas.info(c, section, field))) {
            assertThat(System.currentTimeMillis()).as(field + " " + value).isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    /** The watched lines, text after the level mark, addresses and pids blanked: first position and count. */
    private static Map<String, Integer> lines(Path log) throws IOException {
        Function<String, String> norm = l -> l.replaceAll("\\d+\\.\\d+\\.\\d+\\.\\d+:(\\d+|<unknown-replica-port>)", "ADDR")
                .replaceAll("pid \\d+", "pid N");
        List<String> seen = new ArrayList<>();
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (String line : Files.readAllLines(log)) {
            int mark = line.indexOf(" * ") >= 0 ? line.indexOf(" * ") : line.indexOf(" # ");
            if (mark < 0 || line.contains(":C ") || line.contains("terminated by signal")) {
                continue; // not a server line, or of the fork child (its own lines, the signal that ended it): Cinnabar has none
            }
            String text = line.substring(mark + 3);
            for (String w : WATCHED) {
                if (text.contains(w)) {
                    String n = norm.apply(text);
                    if (!seen.contains(n)) {
                        seen.add(n);
                    }
                    counts.merge(n, 1, Integer::sum);
                    break;
                }
            }
        }
        Map<String, Integer> out = new LinkedHashMap<>();
        for (String n : seen) {
            out.put(n, counts.get(n));
        }
        return out;
    }
}
