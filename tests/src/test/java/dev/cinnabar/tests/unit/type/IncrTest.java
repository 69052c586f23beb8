package dev.cinnabar.tests.unit.type;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.testkit.CinnabarExtension;
import dev.cinnabar.testkit.RealRedis;
import dev.cinnabar.testkit.Resp;
import dev.cinnabar.testkit.RespClient;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * INCR family details beyond the replies (Redis's tests/unit/type/incr.tcl): an unshared integer
 * is changed in place, so DEBUG OBJECT's address stays the same across INCRs, on real Redis as
 * here; results in the shared range, COPY and APPEND behave as Redis's.
 */
class IncrTest {
    @RegisterExtension
    static CinnabarExtension server = new CinnabarExtension().setting("enable-debug-command", "yes");

    private static String address(RespClient c, String key) {
        String s = ((Resp.Simple) c.call("DEBUG", "OBJECT", key)).value();
        return s.split(" ")[1];
    }

    /** The in-place property, checked on one server. */
    private static void assertInPlace(RespClient c) {
        c.call("SET", "foo", "20000");
        c.call("INCR", "foo");
        assertThat(c.call("OBJECT", "REFCOUNT", "foo")).isEqualTo(new Resp.Int(1));
        String before = address(c, "foo");
        assertThat(c.call("INCRBY", "foo", "-3")).isEqualTo(new Resp.Int(19998));
        assertThat(address(c, "foo")).as("INCR keeps the object").isEqualTo(before);
        assertThat(c.call("OBJECT", "ENCODING", "foo")).isEqualTo(new Resp.Bulk("int".getBytes()));
        // a copy is a different object, untouched by INCRs of the original
        c.call("COPY", "foo", "bar");
        c.call("DECR", "foo");
        assertThat(c.call("GET", "bar")).isEqualTo(new Resp.Bulk("19998".getBytes()));
        assertThat(c.call("GET", "foo")).isEqualTo(new Resp.Bulk("19997".getBytes()));
        // down into the shared integers: refcount reports the shared object
        c.call("SET", "small", "20000");
        c.call("INCR", "small");
        c.call("INCRBY", "small", "-19990");
        assertThat(c.call("OBJECT", "REFCOUNT", "small")).isEqualTo(new Resp.Int(Integer.MAX_VALUE));
        assertThat(c.call("APPEND", "foo", "x")).isEqualTo(new Resp.Int(6));
        assertThat(c.call("OBJECT", "ENCODING", "foo")).isEqualTo(new Resp.Bulk("raw".getBytes()));
        for (String k : List.of("foo", "bar", "small")) {
            c.call("DEL", k);
        }
    }

    @Test
    void incrChangesAnUnsharedIntegerInPlace() {
        try (RespClient c = new RespClient(server.port())) {
            assertInPlace(c);
        }
    }

    @Test
    void realRedisHasTheSameProperty() {
        try (RealRedis r = RealRedis.start("--enable-debug-command", "yes"); RespClient c = r.client()) {
            assertInPlace(c);
        }
    }
}
