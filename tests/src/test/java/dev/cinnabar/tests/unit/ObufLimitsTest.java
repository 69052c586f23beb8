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
