package dev.cinnabar.tests;

import dev.cinnabar.testkit.Resp;
import dev.cinnabar.testkit.RespClient;
import java.util.ArrayList;
import java.util.List;

/** Helpers for differential tests: the same script on real Redis and on Cinnabar. */
public final class Differential {
    private Differential() {
    }

    /**
     * Runs each command (space-separated words) on one connection and collects the replies;
     * "#sleep ms" pauses instead.
     */
    public static List<Resp> run(RespClient c, String... commands) {
        List<Resp> out = new ArrayList<>();
        for (String cmd : commands) {
            if (cmd.startsWith("#sleep ")) {
                // A pause in the script (expiry), not sent to the server.
                try {
                    Thread.sleep(Long.parseLong(cmd.substring(7)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
                continue;
            }
            out.add(c.call(cmd.split(" ")));
        }
        return out;
    }

    /** Sends all commands at once (a pipeline), then reads n replies. */
    public static List<Resp> pipeline(RespClient c, int replies, String... commands) {
        for (String cmd : commands) {
            c.send(cmd.split(" "));
        }
        List<Resp> out = new ArrayList<>();
        for (int i = 0; i < replies; i++) {
            out.add(c.read());
        }
        return out;
    }

    /** A scenario over two connections to one server, producing the replies to compare. */
    @FunctionalInterface
    public interface TwoClients {
        List<Resp> run(RespClient a, RespClient b);
    }

    /** Runs the scenario on fresh connections to each port and returns both transcripts. */
    public static List<List<Resp>> both(int redisPort, int cinnabarPort, TwoClients scenario) {
        List<List<Resp>> out = new ArrayList<>();
        for (int port : new int[] {redisPort, cinnabarPort}) {
            try (RespClient a = new RespClient(port); RespClient b = new RespClient(port)) {
                out.add(scenario.run(a, b));
            }
        }
        return out;
    }

    /** An array reply with its elements sorted (for replies in hash-table order, e.g. PUBSUB CHANNELS). */
    public static Resp sorted(Resp r) {
        if (r instanceof Resp.Agg a) {
            List<Resp> items = new ArrayList<>(a.items());
            items.sort(java.util.Comparator.comparing(Resp::toString));
            return new Resp.Agg(a.kind(), items);
        }
        return r;
    }
}
