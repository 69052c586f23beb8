package dev.cinnabar.tests.unit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.testkit.CinnabarExtension;
import dev.cinnabar.testkit.RealRedis;
import dev.cinnabar.testkit.Resp;
import dev.cinnabar.testkit.RespClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Expiry while writes are paused (Redis's tests/unit/pause.tcl): keys past their TTL read as
 * missing but are not deleted, by lookups or by the active cycle, so expired_keys does not move
 * until CLIENT UNPAUSE; then the next lookups delete them. Run on real Redis 7.0 and here.
 */
class PauseExpiryTest {
    @RegisterExtension
    static CinnabarExtension server = new CinnabarExtension();

    private static long expiredKeys(RespClient c) {
        String info = ((Resp.Bulk) c.call("INFO", "stats")).text();
        for (String line : info.split("\r\n")) {
            if (line.startsWith("expired_keys:")) {
                return Long.parseLong(line.substring(13));
            }
        }
        throw new AssertionError("no expired_keys in INFO");
    }

    private static void check(RespClient c) throws InterruptedException {
        long before = expiredKeys(c);
        c.call("MULTI");
        c.call("SET", "foo", "bar", "PX", "10");
        c.call("SET", "bar", "foo", "PX", "10");
        c.call("CLIENT", "PAUSE", "50000", "WRITE");
        c.call("EXEC");
        Thread.sleep(300); // several active expire cycles
        assertThat(c.call("GET", "foo")).isInstanceOf(Resp.Null.class);
        assertThat(c.call("EXISTS", "bar")).isEqualTo(new Resp.Int(0));
        assertThat(expiredKeys(c)).as("nothing deleted while paused").isEqualTo(before);
        assertThat(c.call("DBSIZE")).as("the keys are still stored").isEqualTo(new Resp.Int(2));
        c.call("CLIENT", "UNPAUSE");
        c.call("GET", "foo");
        c.call("GET", "bar");
        assertThat(expiredKeys(c)).isEqualTo(before + 2);
    }

    @Test
    void expiredKeysAreNotDeletedWhileWritesArePaused() throws InterruptedException {
        try (RespClient c = new RespClient(server.port())) {
            check(c);
        }
    }

    @Test
    void realRedisBehavesTheSame() throws InterruptedException {
        try (RealRedis r = RealRedis.start(); RespClient c = r.client()) {
            check(c);
        }
    }
}
