package dev.cinnabar.tests.unit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.testkit.CinnabarExtension;
import dev.cinnabar.testkit.Resp;
import dev.cinnabar.testkit.RespClient;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** MONITOR, compared with real Redis 7.0 (tests/unit/introspection.tcl). */
class MonitorTest {
    @RegisterExtension
    static CinnabarExtension server = new CinnabarExtension();
    @RegisterExtension
    static DifferentialPair d = new DifferentialPair(server);


    /** Runs the same traffic against a server while a monitor watches; returns the monitor's lines, normalised. */
    private static List<String> watch(int port, List<List<String>> traffic, int expectedLines) {
        List<String> lines = new ArrayList<>();
        try (RespClient monitor = new RespClient(port); RespClient c = new RespClient(port)) {
            assertThat(monitor.call("MONITOR").asText()).isEqualTo("OK");
            for (List<String> cmd : traffic) {
                c.call(cmd);
            }
            c.call("SET", "last", "line");
            for (int i = 0; i <= expectedLines; i++) {
                Resp r = monitor.read();
                assertThat(r).isInstanceOf(Resp.Simple.class);
                String s = r.asText();
                assertThat(s).matches("\\d+\\.\\d{6} \\[\\d+ 127\\.0\\.0\\.1:\\d+\\] .*");
                lines.add(s.replaceFirst("^\\d+\\.\\d{6} \\[(\\d+) 127\\.0\\.0\\.1:\\d+\\]", "[$1 addr]"));
            }
        }
        return lines;
    }

    private static boolean bound(String command) {
        try (RespClient c = server.client()) {
            return !c.call(command).toString().startsWith("-ERR unknown command");
        }
    }

    /** A script's commands appear in MONITOR after the EVAL, as "[db lua]". */
    private static List<String> watchScript(int port) {
        List<String> lines = new ArrayList<>();
        try (RespClient monitor = new RespClient(port); RespClient c = new RespClient(port)) {
            assertThat(monitor.call("MONITOR").asText()).isEqualTo("OK");
            c.call("EVAL", "redis.call('set', KEYS[1], ARGV[1]) return redis.call('get', KEYS[1])", "1", "k", "v");
            for (int i = 0; i < 3; i++) {
                lines.add(monitor.read().asText().replaceFirst("^\\d+\\.\\d{6} ", "")
                        .replaceFirst("127\\.0\\.0\\.1:\\d+", "addr"));
            }
        }
        return lines;
    }

    @Test
    void scriptCommandsAreShownAsLua() {
        List<String> ours = watchScript(server.port());
        assertThat(ours).containsExactly("[0 addr] \"EVAL\" \"redis.call('set', KEYS[1], ARGV[1]) return redis.call('get',"
                + " KEYS[1])\" \"1\" \"k\" \"v\"", "[0 lua] \"set\" \"k\" \"v\"", "[0 lua] \"get\" \"k\"");
        assertThat(ours).isEqualTo(watchScript(d.redisPort()));
    }

    @Test
    void linesMatchRedis() {
        List<List<String>> traffic = new ArrayList<>(List.of(
                List.of("SET", "a b", "x\"y"),
                List.of("GET", "a b"),
                List.of("CONFIG", "GET", "hz"),
                List.of("NOSUCHCOMMAND", "x"),
                List.of("GET"),
                List.of("SELECT", "2"),
                List.of("SET", "k", "\u0001\n\t\\"),
                List.of("SELECT", "0"),
                List.of("MULTI"),
                List.of("INCR", "n"),
                List.of("EXEC"),
                List.of("PING")));
        int expected = 9;
        // Credentials are redacted (shown only once the connection commands that take them are bound)
        if (bound("AUTH")) {
            traffic.add(List.of("AUTH", "secret"));
            traffic.add(List.of("AUTH", "user", "secret"));
            expected += 2;
        }
        if (bound("HELLO")) {
            traffic.add(List.of("HELLO", "2", "AUTH", "default", "secret", "SETNAME", "x"));
            expected += 1;
        }
        List<String> ours = watch(server.port(), traffic, expected);
        List<String> theirs = watch(d.redisPort(), traffic, expected);
        assertThat(ours).isEqualTo(theirs);
        assertThat(ours.get(ours.size() - 1)).isEqualTo("[0 addr] \"SET\" \"last\" \"line\"");
    }

    @Test
    void secondMonitorIsSilentAndOwnCommandsAreFedAfterTheirReply() {
        {
            RespClient m = d.ours;
            RespClient theirs = d.real;
            for (RespClient c : List.of(m, theirs)) {
                c.send("MONITOR");
                c.send("MONITOR");
                c.send("PING");
                assertThat(c.read().asText()).isEqualTo("OK");
                assertThat(c.read().asText()).isEqualTo("PONG");
                assertThat(c.read().asText()).endsWith("\"PING\"");
            }
        }
    }

    @Test
    void monitorInsideExecIsRefused() {
        {
            RespClient ours = d.ours;
            RespClient theirs = d.real;
            for (RespClient c : List.of(ours, theirs)) {
                assertThat(c.call("MULTI").asText()).isEqualTo("OK");
                assertThat(c.call("MONITOR").asText()).isEqualTo("QUEUED");
            }
            assertThat(ours.call("EXEC")).isEqualTo(theirs.call("EXEC"));
        }
    }

    /** Secrets show as "(redacted)" and a command run as another (GEOADD as ZADD) shows as sent. */
    @Test
    void secretsAndRewrittenCommandsMatchRedis() {
        List<List<String>> traffic = List.of(
                List.of("GEOADD", "cities", "-122.33207", "47.60621", "Seattle"),
                List.of("AUTH", "not-real"),
                List.of("AUTH", "not-real", "not-a-password"),
                List.of("HELLO", "2", "AUTH", "not-real", "not-a-password"),
                List.of("HELLO", "2", "SETNAME", "auth", "AUTH", "default", "x"),
                List.of("GET", "auth"));
        List<String> ours = watch(server.port(), traffic, 6);
        assertThat(ours).isEqualTo(watch(d.redisPort(), traffic, 6));
        assertThat(ours.get(0)).startsWith("[0 addr] \"GEOADD\"");
        assertThat(ours.get(3)).isEqualTo("[0 addr] \"HELLO\" \"2\" \"AUTH\" \"(redacted)\" \"(redacted)\"");
    }
}
