package dev.cinnabar.tests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.testkit.Resp;
import dev.cinnabar.testkit.RespClient;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Differential dialogs of several connections: the same scenario runs against real Redis and
 * against Cinnabar, each on fresh connections, and the transcripts (replies, and what the
 * scenario observed about the server: "no reply yet", blocked client counts, BUSY) must be equal.
 */
public final class Dialogs {
    private Dialogs() {
    }

    /** A scenario over any number of connections to one server. */
    @FunctionalInterface
    public interface Scenario {
        void run(Dialog d);
    }

    /** Runs the scenario on both servers and asserts equal transcripts; returns Cinnabar's. */
    public static List<String> same(int redisPort, int cinnabarPort, Scenario s) {
        List<String> expected = run(redisPort, s);
        List<String> actual = run(cinnabarPort, s);
        assertThat(actual).as("transcript (expected: real Redis)").isEqualTo(expected);
        return actual;
    }

    private static List<String> run(int port, Scenario s) {
        try (Dialog d = new Dialog(port)) {
            s.run(d);
            return d.transcript;
        }
    }

    /** The connections of one run, created on first use, and the transcript they write. */
    public static final class Dialog implements AutoCloseable {
        private final int port;
        private final Map<Integer, RespClient> conns = new HashMap<>();
        final List<String> transcript = new ArrayList<>();

        Dialog(int port) {
            this.port = port;
        }

        /** Connection number i (opened on first use, read timeout 5 s). */
        public RespClient c(int i) {
            return conns.computeIfAbsent(i, k -> {
                RespClient c = new RespClient("127.0.0.1", port, 5000);
                return c;
            });
        }

        /** Sends on connection i and records the reply. */
        public Resp call(int i, String... cmd) {
            Resp r = c(i).call(cmd);
            transcript.add("c" + i + " " + String.join(" ", cmd) + " -> " + r);
            return r;
        }

        /** Adds a line of the scenario's own to the transcript (something it read off the server). */
        public void note(String line) {
            transcript.add(line);
        }

        /** Sends on connection i without reading. */
        public void send(int i, String... cmd) {
            c(i).send(cmd);
            transcript.add("c" + i + " " + String.join(" ", cmd) + " (sent)");
        }

        /** Sends the commands on connection i in one write (the server reads them as one batch). */
        public void pipeline(int i, String[]... cmds) {
            java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
            StringBuilder line = new StringBuilder("c" + i + " pipeline");
            for (String[] cmd : cmds) {
                byte[][] args = new byte[cmd.length][];
                for (int j = 0; j < cmd.length; j++) {
                    args[j] = cmd[j].getBytes(java.nio.charset.StandardCharsets.UTF_8);
                }
                b.writeBytes(RespClient.encode(args));
                line.append(" | ").append(String.join(" ", cmd));
            }
            c(i).writeRaw(b.toByteArray());
            transcript.add(line.toString());
        }

                /** Reads the next reply of connection i and records it. */
        public Resp read(int i) {
            Resp r = c(i).read();
            transcript.add("c" + i + " <- " + r);
            return r;
        }

        /**
         * Records whether connection i got a reply within the given time (a postponed or blocked
         * command has none); a reply that came is recorded too.
         */
        public void noReplyWithin(int i, int millis) {
            RespClient c = c(i);
            c.timeout(millis);
            try {
                transcript.add("c" + i + " replied early: " + c.read());
            } catch (UncheckedIOException e) {
                transcript.add("c" + i + " no reply yet");
            } finally {
                c.timeout(5000);
            }
        }

        /** Waits (on a connection of its own) until INFO shows n blocked clients; records the outcome. */
        public void awaitBlocked(int n) {
            long deadline = System.currentTimeMillis() + 5000;
            String seen = "?";
            try (RespClient ctl = new RespClient("127.0.0.1", port, 5000)) {
                while (System.currentTimeMillis() < deadline) {
                    for (String line : ctl.call("INFO", "clients").asText().split("\r\n")) {
                        if (line.startsWith("blocked_clients:")) {
                            seen = line.substring("blocked_clients:".length());
                        }
                    }
                    if (seen.equals(Integer.toString(n))) {
                        break;
                    }
                    sleep(5);
                }
            }
            transcript.add("blocked_clients " + seen);
        }

        /** Waits (on a connection of its own) until the server answers BUSY, i.e. a script is busy. */
        public void awaitBusy() {
            long deadline = System.currentTimeMillis() + 5000;
            String last = "";
            try (RespClient ctl = new RespClient("127.0.0.1", port, 5000)) {
                while (System.currentTimeMillis() < deadline) {
                    last = ctl.call("PING").toString();
                    if (last.contains("BUSY")) {
                        break;
                    }
                    sleep(5);
                }
            }
            transcript.add("busy: " + last.contains("BUSY"));
        }

        private static void sleep(long ms) {
            try {
                Thread.sleep(ms);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void close() {
            for (RespClient c : conns.values()) {
                c.close();
            }
        }
    }
}
