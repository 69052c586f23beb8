package dev.cinnabar.tests.unit.type;

import dev.cinnabar.testkit.Resp;
import dev.cinnabar.testkit.RespClient;
import dev.cinnabar.testkit.diff.Sequence;
import java.util.ArrayList;
import java.util.List;

/**
 * A script for several connections where replies may come later than their command (blocking
 * commands, pub/sub messages), run the same way on two servers so the transcripts can be compared.
 *
 * <p>Steps, one per line: {@code "cN CMD args"} sends and reads one reply; {@code "cN! CMD args"}
 * sends without reading; {@code "cN< k"} reads k replies; {@code "cN<< CMD"} sends
 * CMD and reads until its own reply (an array naming it, as (P)UNSUBSCRIBE's); {@code "blocked k"} waits until the server
 * reports k blocked clients (INFO clients); {@code "sleep ms"} pauses. Arguments use redis-cli
 * quoting.
 */
final class Dialog {
    private final String[] steps;

    Dialog(String... steps) {
        this.steps = steps;
    }

    /** Runs the script against the server on port and returns what every connection read, in order. */
    List<String> run(int port) {
        List<String> transcript = new ArrayList<>();
        RespClient[] conns = new RespClient[4];
        try {
            for (String step : steps) {
                String[] head = step.split(" ", 2);
                String who = head[0];
                if (who.equals("blocked")) {
                    awaitBlocked(port, Integer.parseInt(head[1]));
                    continue;
                }
                if (who.equals("sleep")) {
                    Thread.sleep(Long.parseLong(head[1]));
                    continue;
                }
                int n = who.charAt(1) - '0';
                if (conns[n] == null) {
                    conns[n] = new RespClient("127.0.0.1", port, 5000);
                }
                RespClient c = conns[n];
                if (who.endsWith("<<")) {
                    // send, then read until the reply to this command (messages may come first)
                    List<String> args = Sequence.of(head[1]).steps().get(0).args();
                    c.send(args.toArray(new String[0]));
                    for (int i = 0; i < 100; i++) {
                        Resp r = c.read();
                        transcript.add("c" + n + " " + r);
                        if (r instanceof Resp.Agg a && !a.items().isEmpty()
                                && a.items().get(0).asText().equalsIgnoreCase(args.get(0))) {
                            break;
                        }
                    }
                    continue;
                }
                if (who.endsWith("<")) {
                    for (int i = Integer.parseInt(head[1]); i > 0; i--) {
                        transcript.add("c" + n + " " + c.read());
                    }
                    continue;
                }
                List<String> args = Sequence.of(head[1]).steps().get(0).args();
                c.send(args.toArray(new String[0]));
                if (!who.endsWith("!")) {
                    transcript.add("c" + n + " " + c.read());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (RuntimeException e) {
            transcript.add("failure: " + e);
        } finally {
            for (RespClient c : conns) {
                if (c != null) {
                    c.close();
                }
            }
        }
        return transcript;
    }

    static void awaitBlocked(int port, int n) {
        long deadline = System.currentTimeMillis() + 5000;
        try (RespClient c = new RespClient("127.0.0.1", port, 5000)) {
            while (System.currentTimeMillis() < deadline) {
                Resp info = c.call("INFO", "clients");
                if (info.asText().contains("blocked_clients:" + n + "\r\n")) {
                    return;
                }
                Thread.sleep(2);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        throw new AssertionError("server on port " + port + " did not reach " + n + " blocked clients");
    }
}
