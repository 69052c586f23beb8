package dev.cinnabar.tests;

import dev.cinnabar.testkit.Resp;
import dev.cinnabar.testkit.RespClient;
import java.util.ArrayList;
import java.util.List;

/** Helpers for differential tests: the same script on real Redis and on Cinnabar. */
public final class Differential {
    private Differential() {
    }

    /** Runs each command (space-separated words) on one connection and collects the replies. */
    public static List<Resp> run(RespClient c, String... commands) {
        List<Resp> out = new ArrayList<>();
        for (String cmd : commands) {
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
}
