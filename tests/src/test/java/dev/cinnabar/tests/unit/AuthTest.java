package dev.cinnabar.tests.unit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.testkit.CinnabarExtension;
import dev.cinnabar.testkit.RealRedis;
import dev.cinnabar.testkit.Resp;
import dev.cinnabar.testkit.RespClient;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Redis's tests/unit/auth.tcl area, differential against Redis 7.0: AUTH and HELLO AUTH with and
 * without requirepass, NOAUTH before authenticating, RESET dropping the authentication. Each
 * scenario runs on fresh connections to both servers; replies must be identical.
 */
class AuthTest {
    @RegisterExtension
    static CinnabarExtension server = new CinnabarExtension();

    private static RealRedis redis;

    @BeforeAll
    static void startRedis() {
        redis = RealRedis.start();
    }

    @AfterAll
    static void stopRedis() {
        if (redis != null) {
            redis.close();
        }
    }

    private static void setPassword(String old, String pw) {
        try (RespClient r = redis.client(); RespClient o = server.client()) {
            for (RespClient c : List.of(r, o)) {
                if (!old.isEmpty()) {
                    c.call("AUTH", old);
                }
                assertThat(c.call("CONFIG", "SET", "requirepass", pw)).isEqualTo(new Resp.Simple("OK"));
            }
        }
    }

    /** Runs the commands on a fresh connection to each server; replies must match (HELLO's id aside). */
    private static void scenario(String[]... commands) {
        try (RespClient r = redis.client(); RespClient o = server.client()) {
            List<Resp> expected = new ArrayList<>();
            List<Resp> actual = new ArrayList<>();
            for (String[] cmd : commands) {
                expected.add(withoutId(r.call(cmd)));
                actual.add(withoutId(o.call(cmd)));
            }
            assertThat(actual).as("replies to %s", describe(commands)).isEqualTo(expected);
        }
    }

    private static String describe(String[][] commands) {
        StringBuilder sb = new StringBuilder();
        for (String[] c : commands) {
            sb.append(String.join(" ", c)).append("; ");
        }
        return sb.toString();
    }

    private static Resp withoutId(Resp r) {
        if (r instanceof Resp.Agg a && a.items().contains(new Resp.Bulk("id".getBytes()))) {
            List<Resp> items = new ArrayList<>(a.items());
            items.set(items.indexOf(new Resp.Bulk("id".getBytes())) + 1, new Resp.Int(0));
            return new Resp.Agg(a.kind(), items);
        }
        return r;
    }

    private static String[] c(String... args) {
        return args;
    }

    @Test
    void withoutAPassword() {
        setPassword("", "");
        scenario(c("AUTH", "foo"));
        scenario(c("AUTH", "default", "anything"), c("PING"));
        scenario(c("AUTH", "someone", "foo"));
        scenario(c("AUTH", "a", "b", "c"));
        scenario(c("AUTH"));
        scenario(c("HELLO", "3", "AUTH", "default", "x"), c("PING"));
        scenario(c("HELLO", "2", "AUTH", "bob", "x"));
    }

    @Test
    void withRequirepass() {
        setPassword("", "s3cret");
        try {
            scenario(c("PING"), c("GET", "k"), c("ECHO", "x"));
            scenario(c("AUTH", "wrong"), c("PING"));
            scenario(c("AUTH", "default", "wrong"), c("AUTH", "bob", "s3cret"), c("PING"));
            scenario(c("AUTH", "s3cret"), c("PING"));
            scenario(c("AUTH", "default", "s3cret"), c("PING"), c("RESET"), c("PING"));
            scenario(c("HELLO", "3"), c("HELLO"), c("HELLO", "2", "SETNAME", "x"));
            scenario(c("HELLO", "3", "AUTH", "default", "wrong"), c("PING"));
            scenario(c("HELLO", "3", "AUTH", "default", "s3cret", "SETNAME", "me"), c("CLIENT", "GETNAME"), c("PING"));
            scenario(c("HELLO", "3", "AUTH", "default", "s3cret", "SETNAME", "bad name"), c("PING"));
            scenario(c("HELLO", "9", "AUTH", "default", "s3cret"), c("PING"));
            scenario(c("HELLO", "3", "SETNAME", "bad name"), c("PING"));
            scenario(c("HELLO", "3", "AUTH", "default", "wrong", "SETNAME", "bad name"), c("PING"));
            scenario(c("CLIENT", "ID", "extra"), c("NOSUCHCOMMAND"));
            scenario(c("QUIT"));
        } finally {
            setPassword("s3cret", "");
        }
    }
}
