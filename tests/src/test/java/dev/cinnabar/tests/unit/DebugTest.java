package dev.cinnabar.tests.unit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.testkit.CinnabarExtension;
import dev.cinnabar.testkit.RespClient;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** DEBUG subcommands we support, and the enable-debug-command gate, compared with real Redis 7.0. */
class DebugTest {
    @RegisterExtension
    static CinnabarExtension server = new CinnabarExtension().setting("enable-debug-command", "yes");
    @RegisterExtension
    static DifferentialPair d = new DifferentialPair(server, "--enable-debug-command", "yes");
    @RegisterExtension
    static CinnabarExtension locked = new CinnabarExtension();
    @RegisterExtension
    static DifferentialPair dLocked = new DifferentialPair(locked);

    @Test
    void disabledByDefault() {
        dLocked.both("DEBUG", "SLEEP", "0");
    }

    @Test
    void populateSleepErrors() {
        {
            for (List<String> cmd : List.of(
                    List.of("DEBUG", "POPULATE", "5"),
                    List.of("DEBUG", "POPULATE", "3", "p", "12"),
                    List.of("DEBUG", "POPULATE", "2", "key"),
                    List.of("GET", "key:1"),
                    List.of("GET", "p:2"),
                    List.of("STRLEN", "p:0"),
                    List.of("EXISTS", "key:4", "key:5", "p:2", "p:3"),
                    List.of("DEBUG", "POPULATE", "-1"),
                    List.of("DEBUG", "POPULATE", "x"),
                    List.of("DEBUG", "POPULATE", "1", "a", "-5"),
                    List.of("DEBUG", "SLEEP", "0"),
                    List.of("DEBUG", "SLEEP", "abc"),
                    List.of("DEBUG", "SLEEP"),
                    List.of("DEBUG", "LOG", "hello"),
                    List.of("DEBUG", "ERROR", "MYERR something failed"),
                    List.of("DEBUG", "CHANGE-REPL-ID"),
                    List.of("DEBUG", "NOSUCH"),
                    List.of("DEBUG"))) {
                d.both(cmd.toArray(new String[0]));
            }
        }
    }

    @Test
    void changeReplIdChangesInfo() {
        try (RespClient c = server.client()) {
            String before = c.call("INFO", "replication").asText();
            c.call("DEBUG", "CHANGE-REPL-ID");
            String after = c.call("INFO", "replication").asText();
            assertThat(after).isNotEqualTo(before).contains("master_replid:");
        }
    }

    @Test
    void setActiveExpireStopsTheCycleButNotLazyExpiry() throws Exception {
        d.both("DEBUG", "SET-ACTIVE-EXPIRE", "0");
        d.both("SET", "k", "v", "PX", "50");
        Thread.sleep(400);
        // not removed by the cycle: still counted by DBSIZE, gone when read
        d.both("DBSIZE");
        d.both("GET", "k");
        d.both("DBSIZE");
        d.both("DEBUG", "SET-ACTIVE-EXPIRE", "1");
        d.both("SET", "k2", "v", "PX", "50");
        long deadline = System.currentTimeMillis() + 5000;
        while (((dev.cinnabar.testkit.Resp.Int) d.ours.call("DBSIZE")).value() != 0
                && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        assertThat(d.ours.call("DBSIZE").asText()).isEqualTo("0");
        d.both("DEBUG", "SET-ACTIVE-EXPIRE", "x");
        d.both("DEBUG", "SET-ACTIVE-EXPIRE", "1");
    }
}
