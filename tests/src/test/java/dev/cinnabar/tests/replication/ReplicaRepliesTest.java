package dev.cinnabar.tests.replication;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.server.CinnabarServer;
import dev.cinnabar.testkit.RealRedis;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A replica (after SYNC or PSYNC) that sends a command which answers: the reply would be read as
 * part of the replication stream, so the master drops the replica and logs why; a command that
 * reads or writes keys is first refused ("Replica can't interact with the keyspace", an error to
 * a replica, logged as critical). Real Redis and ours, the same socket dialogue: whether the
 * connection was closed and which of Redis's lines the log holds.
 */
class ReplicaRepliesTest {
    private static final String[] WATCHED = {
        "Replica generated a reply to command 'ping', disconnecting it: ",
        "Replica generated a reply to command 'xinfo|help', disconnecting it: ",
        "Replica generated a reply to command 'get', disconnecting it: ",
        "== CRITICAL == This master is sending an error to its replica: 'Replica can't interact with the keyspace' after processing the command 'get'",
    };

    @Test
    void aReplicaThatMakesTheMasterReplyIsDropped() throws Exception {
        List<String> redis = new ArrayList<>();
        try (RealRedis m = RealRedis.start()) {
            run(m.port(), redis, () -> Files.readString(m.dir().resolve("redis.log")));
        }
        List<String> ours = new ArrayList<>();
        Path log = Files.createTempFile("replica-replies", ".log");
        try (CinnabarServer m = CinnabarServer.builder().setting("logfile", log.toString()).setting("loglevel", "notice").start()) {
            run(m.port(), ours, () -> Files.readString(log));
        } finally {
            Files.deleteIfExists(log);
        }
        assertThat(ours).containsExactlyElementsOf(redis);
        assertThat(redis.get(0)).endsWith("closed true");
    }

    private interface LogText {
        String read() throws Exception;
    }

    private static void run(int port, List<String> out, LogText log) throws Exception {
        for (String[] dialogue : new String[][] {{"SYNC", "PING"}, {"SYNC", "XINFO HELP"}, {"PSYNC ? -1", "GET foo"}}) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                s.setSoTimeout(5_000);
                s.getOutputStream().write((dialogue[0] + "\r\n").getBytes(StandardCharsets.US_ASCII));
                Thread.sleep(500); // the transfer starts (a small RDB)
                s.getOutputStream().write((dialogue[1] + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.add(String.join(" then ", dialogue) + ": closed " + drainedToEof(s.getInputStream()));
            }
        }
        Thread.sleep(300);
        String text = log.read();
        for (String w : WATCHED) {
            out.add(w + ": " + text.contains(w));
        }
    }

    /** Reads until the master closes the connection (true) or 5 s of silence (false). */
    private static boolean drainedToEof(InputStream in) throws Exception {
        byte[] buf = new byte[8192];
        try {
            while (in.read(buf) >= 0) {
                // the RDB and keep-alives
            }
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (java.net.SocketException e) {
            return true; // reset by the close
        }
    }
}
