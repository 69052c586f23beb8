package dev.cinnabar.tests.replication;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.server.CinnabarServer;
import dev.cinnabar.testkit.RealRedis;
import dev.cinnabar.testkit.RespClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A master (a fake one here) that sends a broken RDB to a replica loading from disk
 * (repl-diskless-load disabled), against real Redis 7.0: a truncated or corrupt file makes the
 * replica flush, log the loader's error and the check of the file, and exit (status 1), as Redis
 * runs redis-check-rdb and exits; a file that is not an RDB at all (wrong signature) is refused and
 * the sync retried, the process lives on.
 */
class CorruptSyncFileTest {
    private static final byte[] TRUNCATED = concat("REDIS0010".getBytes(StandardCharsets.US_ASCII),
            new byte[] {(byte) 0xfa, 9}, "redis-ver".getBytes(StandardCharsets.US_ASCII), new byte[] {6},
            "7.0.15".getBytes(StandardCharsets.US_ASCII), new byte[] {0, 3}, "key".getBytes(StandardCharsets.US_ASCII),
            new byte[] {0x3f, 1, 2, 3});
    private static final byte[] NOT_AN_RDB = "XXXXX0010 and then some bytes".getBytes(StandardCharsets.US_ASCII);

    private static final List<String> WATCHED = List.of(
            "MASTER <-> REPLICA sync: Flushing old data",
            "Short read or OOM loading DB. Unrecoverable error, aborting now.",
            "--- RDB ERROR DETECTED ---",
            "[additional info] While doing: read-object-value",
            "[additional info] Reading key 'key'",
            "[additional info] Reading type 0 (string)",
            "Wrong signature trying to load DB from file",
            "Failed trying to load the MASTER synchronization DB from disk: Invalid argument",
            "Reconnecting to MASTER");

    @Test
    void aTruncatedSyncFileEndsTheReplicaAfterItsCheck() throws Exception {
        compare(TRUNCATED);
    }

    @Test
    void aSyncFileThatIsNoRdbIsRefusedAndTheSyncRetried() throws Exception {
        compare(NOT_AN_RDB);
    }

    private static void compare(byte[] payload) throws Exception {
        List<String> redis;
        try (FakeMaster m = new FakeMaster(payload); RealRedis r = RealRedis.start("--repl-diskless-load", "disabled")) {
            redis = run(r.port(), m, () -> Files.readString(r.dir().resolve("redis.log"))
                    + Files.readString(r.dir().resolve("stdout.log")));
        }
        List<String> ours;
        Path log = Files.createTempFile("corrupt-sync", ".log");
        Path dir = Files.createTempDirectory("corrupt-sync");
        try (FakeMaster m = new FakeMaster(payload);
             CinnabarServer s = CinnabarServer.builder().setting("repl-diskless-load", "disabled")
                     .setting("logfile", log.toString()).setting("loglevel", "notice").setting("dir", dir.toString())
                     .start()) {
            ours = run(s.port(), m, () -> Files.readString(log));
        } finally {
            Files.deleteIfExists(log);
        }
        assertThat(ours).containsExactlyElementsOf(redis);
    }

    private interface LogText {
        String read() throws IOException;
    }

    private static List<String> run(int port, FakeMaster m, LogText log) throws Exception {
        try (RespClient c = new RespClient(port)) {
            c.call("SET", "old", "1");
            c.call("REPLICAOF", "127.0.0.1", Integer.toString(m.port()));
        }
        // the replica ends, or has tried the sync twice
        long deadline = System.currentTimeMillis() + 20_000;
        boolean ended = false;
        while (System.currentTimeMillis() < deadline && m.syncs() < 3) {
            if (!accepts(port)) {
                ended = true;
                break;
            }
            Thread.sleep(50);
        }
        Thread.sleep(200); // the last lines
        List<String> out = new ArrayList<>();
        out.add("process ended: " + ended);
        String text = log.read();
        for (String w : WATCHED) {
            out.add(w + ": " + text.contains(w));
        }
        return out;
    }

    private static boolean accepts(int port) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            b.writeBytes(p);
        }
        return b.toByteArray();
    }

    /** Answers a replica's handshake and sends payload as the RDB of a full resync. */
    private static final class FakeMaster implements AutoCloseable {
        private final ServerSocket server;
        private final byte[] payload;
        private volatile int syncs;
        private final List<Socket> sockets = new java.util.concurrent.CopyOnWriteArrayList<>();

        FakeMaster(byte[] payload) throws IOException {
            this.payload = payload;
            server = new ServerSocket(0, 10, java.net.InetAddress.getLoopbackAddress());
            Thread t = new Thread(this::accept, "fake-master");
            t.setDaemon(true);
            t.start();
        }

        int port() {
            return server.getLocalPort();
        }

        int syncs() {
            return syncs;
        }

        private void accept() {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    sockets.add(s);
                    Thread t = new Thread(() -> serve(s), "fake-master-conn");
                    t.setDaemon(true);
                    t.start();
                } catch (IOException e) {
                    return;
                }
            }
        }

        private void serve(Socket s) {
            try (s) {
                InputStream in = s.getInputStream();
                OutputStream out = s.getOutputStream();
                while (true) {
                    List<String> cmd = readCommand(in);
                    if (cmd == null) {
                        return;
                    }
                    switch (cmd.get(0).toUpperCase()) {
                        case "PING" -> out.write("+PONG\r\n".getBytes(StandardCharsets.US_ASCII));
                        case "PSYNC" -> {
                            syncs++;
                            out.write(("+FULLRESYNC " + "a".repeat(40) + " 0\r\n$" + payload.length + "\r\n")
                                    .getBytes(StandardCharsets.US_ASCII));
                            out.write(payload);
                        }
                        default -> out.write("+OK\r\n".getBytes(StandardCharsets.US_ASCII));
                    }
                    out.flush();
                }
            } catch (IOException e) {
                // the replica went away
            }
        }

        private static List<String> readCommand(InputStream in) throws IOException {
            String head = line(in);
            if (head == null) {
                return null;
            }
            List<String> args = new ArrayList<>();
            if (!head.startsWith("*")) {
                args.addAll(List.of(head.trim().split(" ")));
                return args;
            }
            int n = Integer.parseInt(head.substring(1));
            for (int i = 0; i < n; i++) {
                int len = Integer.parseInt(line(in).substring(1));
                byte[] b = in.readNBytes(len + 2);
                args.add(new String(b, 0, len, StandardCharsets.UTF_8));
            }
            return args;
        }

        private static String line(InputStream in) throws IOException {
            StringBuilder b = new StringBuilder();
            int c;
            while ((c = in.read()) != '\n') {
                if (c < 0) {
                    return null;
                }
                if (c != '\r') {
                    b.append((char) c);
                }
            }
            return b.toString();
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (Socket s : sockets) {
                s.close();
            }
        }
    }
}
