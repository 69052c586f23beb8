package dev.cinnabar.tests.replication;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.server.CinnabarServer;
import dev.cinnabar.testkit.RespClient;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A Cinnabar replica facing a bad master (a fake one on a socket): garbage instead of a PSYNC
 * reply, an RDB transfer cut short, a corrupt RDB, garbage in the stream, a master that dies. Each
 * time the log says what happened, the server keeps answering, and nothing of a transfer that was
 * not complete and valid reaches the dataset.
 */
class ReplicaFaultsTest {
    private static final String MARK = "0123456789abcdef0123456789abcdef01234567";
    private Path dir;
    private Path log;
    private CinnabarServer server;
    private RespClient client;
    private FakeMaster fake;

    @BeforeEach
    void start() throws IOException {
        dir = Files.createTempDirectory("repl-faults");
        log = dir.resolve("server.log");
        server = CinnabarServer.builder().setting("dir", dir.toString()).setting("save", "")
                .setting("logfile", log.toString()).setting("loglevel", "notice").start();
        client = new RespClient(server.port());
        client.call("SET", "old", "data");
    }

    @AfterEach
    void stop() {
        if (fake != null) {
            fake.close();
        }
        client.close();
        server.close();
    }

    /** A master that answers the handshake, then does what the scenario says with the socket. */
    private static final class FakeMaster implements AutoCloseable {
        final ServerSocket socket;
        final Thread thread;

        FakeMaster(Consumer<OutputStream> afterPsync) throws IOException {
            socket = new ServerSocket(0, 10, java.net.InetAddress.getLoopbackAddress());
            thread = new Thread(() -> {
                while (!socket.isClosed()) {
                    try (Socket s = socket.accept()) {
                        BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(),
                                StandardCharsets.ISO_8859_1));
                        OutputStream out = s.getOutputStream();
                        while (true) {
                            String line = in.readLine();
                            if (line == null) {
                                break;
                            }
                            if (!line.startsWith("*")) {
                                continue;
                            }
                            int n = Integer.parseInt(line.substring(1));
                            String[] argv = new String[n];
                            for (int i = 0; i < n; i++) {
                                in.readLine();
                                argv[i] = in.readLine();
                            }
                            String cmd = argv[0].toUpperCase();
                            if (cmd.equals("PING")) {
                                out.write("+PONG\r\n".getBytes(StandardCharsets.US_ASCII));
                            } else if (cmd.equals("REPLCONF")) {
                                out.write("+OK\r\n".getBytes(StandardCharsets.US_ASCII));
                            } else if (cmd.equals("PSYNC")) {
                                afterPsync.accept(out);
                                out.flush();
                                Thread.sleep(200);
                                break;
                            }
                            out.flush();
                        }
                    } catch (IOException | RuntimeException | InterruptedException e) {
                        // the next connection gets the same treatment
                    }
                }
            }, "fake-master");
            thread.setDaemon(true);
            thread.start();
        }

        int port() {
            return socket.getLocalPort();
        }

        @Override
        public void close() {
            try {
                socket.close();
            } catch (IOException e) {
                // closed anyway
            }
        }
    }

    private static void write(OutputStream out, byte[]... parts) {
        try {
            for (byte[] p : parts) {
                out.write(p);
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** A valid RDB holding new=data (written by another Cinnabar's SAVE). */
    private static byte[] validRdb() throws IOException {
        Path d = Files.createTempDirectory("repl-faults-rdb");
        try (CinnabarServer other = CinnabarServer.builder().setting("dir", d.toString()).setting("save", "").start();
             RespClient c = new RespClient(other.port())) {
            c.call("SET", "new", "data");
            c.call("SAVE");
        }
        return Files.readAllBytes(d.resolve("dump.rdb"));
    }

    private void replicate(FakeMaster m, String expectedLogLine) throws Exception {
        fake = m;
        assertThat(client.call("REPLICAOF", "127.0.0.1", Integer.toString(m.port())).asText()).isEqualTo("OK");
        long deadline = System.currentTimeMillis() + 10_000;
        while (System.currentTimeMillis() < deadline) {
            if (Files.exists(log) && Files.readString(log).contains(expectedLogLine)) {
                break;
            }
            Thread.sleep(20);
        }
        assertThat(Files.readString(log)).contains(expectedLogLine);
        assertThat(client.call("PING").asText()).isEqualTo("PONG");
    }

    /** A transfer to disk that broke leaves no temp-*.rdb in dir, as Redis. */
    private void assertNoTempFile() throws IOException {
        try (java.util.stream.Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("temp-"));
        }
    }

    private void assertOldDataIntact() {
        assertThat(client.call("GET", "old").asText()).isEqualTo("data");
        assertThat(client.call("DBSIZE").asText()).isEqualTo("1");
        assertThat(Replicas.info(client, "replication", "master_link_status")).isEqualTo("down");
    }

    @Test
    void garbageInsteadOfPsyncReply() throws Exception {
        replicate(new FakeMaster(out -> write(out, ascii("hello garbage\r\n"))),
                "Unexpected reply to PSYNC from master: hello garbage");
        assertOldDataIntact();
    }

    @Test
    void transferCutShortLoadsNothing() throws Exception {
        byte[] rdb = validRdb();
        replicate(new FakeMaster(out -> write(out, ascii("+FULLRESYNC " + MARK + " 0\r\n"),
                ascii("$" + rdb.length + "\r\n"), Arrays.copyOf(rdb, rdb.length / 2))),
                "I/O error trying to sync with MASTER: connection lost");
        assertOldDataIntact();
        assertNoTempFile();
    }

    @Test
    void eofMarkedTransferCutShortLoadsNothing() throws Exception {
        byte[] rdb = validRdb();
        replicate(new FakeMaster(out -> write(out, ascii("+FULLRESYNC " + MARK + " 0\r\n"), ascii("$EOF:" + MARK + "\r\n"),
                Arrays.copyOf(rdb, rdb.length - 3))),
                "I/O error trying to sync with MASTER: connection lost");
        assertOldDataIntact();
        assertNoTempFile();
    }

    @Test
    void corruptRdbLoadsNothing() throws Exception {
        byte[] rdb = validRdb();
        rdb[rdb.length - 12] ^= 0x55; // inside the data: the checksum no longer matches
        client.call("CONFIG", "SET", "repl-diskless-load", "swapdb"); // loaded from the socket, the old data kept
        replicate(new FakeMaster(out -> write(out, ascii("+FULLRESYNC " + MARK + " 0\r\n"), ascii("$EOF:" + MARK + "\r\n"),
                rdb, ascii(MARK))),
                "Failed trying to load the MASTER synchronization DB from socket");
        assertOldDataIntact();
    }

    @Test
    void garbageInTheStreamClosesTheLinkAndKeepsTheSyncedData() throws Exception {
        byte[] rdb = validRdb();
        replicate(new FakeMaster(out -> write(out, ascii("+FULLRESYNC " + MARK + " 0\r\n"), ascii("$" + rdb.length + "\r\n"),
                rdb, ascii("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n"), ascii("?garbage\r\n"))),
                "Protocol error from master");
        assertThat(client.call("GET", "new").asText()).isEqualTo("data");
        assertThat(client.call("GET", "k").asText()).isEqualTo("v");
        assertThat(client.call("GET", "old").toString()).doesNotContain("data");
    }

    @Test
    void masterThatDiesIsRetried() throws Exception {
        byte[] rdb = validRdb();
        replicate(new FakeMaster(out -> write(out, ascii("+FULLRESYNC " + MARK + " 0\r\n"), ascii("$" + rdb.length + "\r\n"),
                rdb)), "Connection with master lost.");
        long deadline = System.currentTimeMillis() + 10_000;
        while (!Files.readString(log).contains("Trying a partial resynchronization (request " + MARK + ":")
                && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        assertThat(Files.readString(log)).contains("Trying a partial resynchronization (request " + MARK + ":1)");
        assertThat(client.call("GET", "new").asText()).isEqualTo("data");
        assertThat(client.call("SET", "x", "1").toString()).contains("READONLY");
    }
}
