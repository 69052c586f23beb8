package dev.cinnabar.tests.unit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.testkit.CinnabarExtension;
import dev.cinnabar.testkit.Resp;
import dev.cinnabar.testkit.RespClient;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Redis's tests/unit/obuf-limits.tcl area plus the connection lifecycle settings: a client that
 * does not read is closed by client-output-buffer-limit; idle clients by timeout (not
 * subscribers); maxclients refuses with Redis's error.
 */
class ObufLimitsTest {
    @RegisterExtension
    static CinnabarExtension server = new CinnabarExtension().keepDataBetweenTests();

    private static boolean closedWithin(RespClient c, int millis) {
        c.timeout(millis);
        try {
            while (true) {
                c.read();
            }
        } catch (RuntimeException e) {
            return !(e.getCause() instanceof java.net.SocketTimeoutException);
        }
    }

    @Test
    void normalClientOverTheHardLimitIsClosed() throws Exception {
        try (RespClient admin = server.client()) {
            admin.call("CONFIG", "SET", "client-output-buffer-limit", "normal 1mb 0 0");
            try (Socket s = new Socket("127.0.0.1", server.port())) {
                s.setReceiveBufferSize(4096);
                OutputStream out = s.getOutputStream();
                String big = "x".repeat(100_000);
                byte[] req = ("*2\r\n$4\r\nECHO\r\n$100000\r\n" + big + "\r\n").getBytes(StandardCharsets.US_ASCII);
                boolean closed = false;
                for (int i = 0; i < 2000 && !closed; i++) {
                    try {
                        out.write(req);
                    } catch (IOException e) {
                        closed = true;
                    }
                }
                assertThat(closed).as("the server closed the non-reading client").isTrue();
            } finally {
                admin.call("CONFIG", "SET", "client-output-buffer-limit", "normal 0 0 0");
            }
            assertThat(admin.call("PING")).isEqualTo(new Resp.Simple("PONG"));
        }
    }

    /**
     * A negative count repeats picks as often as asked: the reply stops mid-way and the client is
     * closed once its output passes the hard limit (Redis's obuf-limits "HRANDFIELD with huge count
     * stopped mid-run"), quickly, and the server goes on answering.
     */
    @Test
    void hugeRandomCountsAreStoppedByTheOutputLimit() throws Exception {
        try (RespClient admin = server.client()) {
            admin.call("HSET", "h", "a", "b");
            admin.call("SADD", "s", "a");
            admin.call("ZADD", "z", "1", "a");
            admin.call("CONFIG", "SET", "client-output-buffer-limit", "normal 1000000 0 0");
            try {
                for (String[] cmd : new String[][] {{"HRANDFIELD", "h", "-999999999"},
                        {"HRANDFIELD", "h", "-999999999", "WITHVALUES"}, {"SRANDMEMBER", "s", "-999999999"},
                        {"ZRANDMEMBER", "z", "-999999999", "WITHSCORES"}}) {
                    long start = System.nanoTime();
                    try (RespClient c = server.client()) {
                        c.send(cmd);
                        assertThat(closedWithin(c, 10_000)).as(String.join(" ", cmd)).isTrue();
                    }
                    assertThat(System.nanoTime() - start).as(cmd[0] + " stopped early").isLessThan(5_000_000_000L);
                    assertThat(admin.call("PING")).isEqualTo(new Resp.Simple("PONG"));
                }
            } finally {
                admin.call("CONFIG", "SET", "client-output-buffer-limit", "normal 0 0 0");
            }
            // without a limit, a count whose reply is bounded is answered whole
            try (RespClient c = server.client()) {
                assertThat(((Resp.Agg) c.call("HRANDFIELD", "h", "-5000")).items()).hasSize(5000);
            }
            admin.call("DEL", "h", "s", "z");
        }
    }

    @Test
    void idleClientsTimeOutButSubscribersDoNot() throws Exception {
        try (RespClient admin = server.client()) {
            admin.call("CONFIG", "SET", "timeout", "1");
        }
        try (RespClient idle = server.client(); RespClient sub = server.client()) {
            idle.call("PING");
            sub.call("SUBSCRIBE", "ch");
            assertThat(closedWithin(idle, 4000)).as("idle client closed").isTrue();
            try (RespClient pub = server.client()) {
                assertThat(pub.call("PUBLISH", "ch", "m")).isEqualTo(new Resp.Int(1));
            }
        } finally {
            try (RespClient admin = server.client()) {
                admin.call("CONFIG", "SET", "timeout", "0");
            }
        }
    }

    @Test
    void maxclientsRefusesWithRedisError() throws Exception {
        CinnabarExtension small = new CinnabarExtension().setting("maxclients", "2");
        small.start();
        try (RespClient a = small.client(); RespClient b = small.client()) {
            assertThat(a.call("PING")).isEqualTo(new Resp.Simple("PONG"));
            assertThat(b.call("PING")).isEqualTo(new Resp.Simple("PONG"));
            try (RespClient c = small.client()) {
                assertThat(c.read()).isEqualTo(new Resp.Err("ERR max number of clients reached"));
                assertThat(c.isClosedByServer()).isTrue();
            }
        } finally {
            small.server().close();
        }
    }
}
