package dev.cinnabar.tests.integration;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.testkit.RespClient;
import dev.cinnabar.testkit.stress.ServerProcess;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Once SHUTDOWN has closed its client's connection, the server accepts no connection: Redis has
 * exited by then, so a connect is refused, and tools (the suite, supervisors, clients that
 * reconnect) rely on it. Checked from inside a busy script (SHUTDOWN NOSAVE) and from an idle
 * server, on the launcher and on redis-server 7.0. Before, our listeners closed a moment after the
 * client's connection, and a connect in between was accepted.
 */
class ShutdownRefusesConnectsTest {
    @Test
    void aConnectAfterShutdownIsRefused() throws Exception {
        List<List<String>> out = new ArrayList<>();
        for (boolean ours : new boolean[] {true, false}) {
            for (boolean busy : new boolean[] {true, false}) {
                try (ServerProcess s = ours ? ServerProcess.cinnabar("--save", "") : ServerProcess.redis("--save", "")) {
                    out.add(scenario(s, busy));
                    s.awaitExit(20_000);
                }
            }
        }
        assertThat(out.get(0)).containsExactlyElementsOf(out.get(2));
        assertThat(out.get(1)).containsExactlyElementsOf(out.get(3));
    }

    private static List<String> scenario(ServerProcess s, boolean busy) throws Exception {
        List<String> t = new ArrayList<>();
        RespClient script = null;
        if (busy) {
            script = s.client();
            t.add("threshold: " + script.call("CONFIG", "SET", "busy-reply-threshold", "10"));
            script.send("EVAL", "while true do end", "0");
            try (RespClient c = s.client()) {
                long deadline = System.currentTimeMillis() + 10_000;
                while (!c.call("PING").toString().startsWith("-BUSY") && System.currentTimeMillis() < deadline) {
                    Thread.sleep(20);
                }
            }
        }
        try (Socket c = new Socket("127.0.0.1", s.port())) {
            OutputStream o = c.getOutputStream();
            o.write("SHUTDOWN NOSAVE\r\n".getBytes(StandardCharsets.US_ASCII));
            o.flush();
            InputStream in = c.getInputStream();
            t.add("reply: " + (in.read() == -1 ? "<closed>" : "data"));
        }
        try (Socket again = new Socket("127.0.0.1", s.port())) {
            t.add("connect after: accepted");
        } catch (ConnectException e) {
            t.add("connect after: refused");
        }
        if (script != null) {
            try {
                script.close();
            } catch (RuntimeException ignored) {
                // the server is gone
            }
        }
        return t;
    }
}
