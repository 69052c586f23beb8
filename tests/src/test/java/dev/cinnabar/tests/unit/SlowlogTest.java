package dev.cinnabar.tests.unit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.testkit.CinnabarExtension;
import dev.cinnabar.testkit.Resp;
import dev.cinnabar.testkit.RespClient;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** SLOWLOG, compared with real Redis 7.0 (tests/unit/slowlog.tcl). */
class SlowlogTest {
    @RegisterExtension
    static CinnabarExtension server = new CinnabarExtension().keepDataBetweenTests()
            .setting("enable-debug-command", "yes");
    @RegisterExtension
    static DifferentialPair d = new DifferentialPair(server, "--enable-debug-command", "yes");


    /** Entries without the parts that differ between servers (timestamp, duration, client port). */
    private static List<Object> shape(Resp r) {
        List<Object> out = new ArrayList<>();
        for (Resp e : ((Resp.Agg) r).items()) {
            List<Resp> f = ((Resp.Agg) e).items();
            assertThat(f).hasSize(6);
            assertThat(f.get(1)).isInstanceOf(Resp.Int.class);
            assertThat(f.get(2)).isInstanceOf(Resp.Int.class);
            assertThat(f.get(4).asText()).startsWith("127.0.0.1:");
            out.add(List.of(f.get(3), f.get(5)));
        }
        return out;
    }

    private static List<Resp> both(RespClient a, RespClient b, String... cmd) {
        Resp x = a.call(cmd);
        Resp y = b.call(cmd);
        assertThat(x).as(String.join(" ", cmd)).isEqualTo(y);
        return List.of(x, y);
    }

    @Test
    void logsCommandsOverThresholdWithTruncatedArguments() {
        {
            RespClient ours = d.ours;
            RespClient theirs = d.real;
            both(ours, theirs, "CONFIG", "SET", "slowlog-log-slower-than", "0");
            both(ours, theirs, "SLOWLOG", "RESET");
            both(ours, theirs, "SET", "k", "v");
            List<String> many = new ArrayList<>(List.of("DEL"));
            for (int i = 0; i < 40; i++) {
                many.add("key" + i);
            }
            both(ours, theirs, many.toArray(new String[0]));
            both(ours, theirs, "SET", "k", "x".repeat(200));
            Resp a = ours.call("SLOWLOG", "GET");
            Resp b = theirs.call("SLOWLOG", "GET");
            assertThat(shape(a)).isEqualTo(shape(b));
            assertThat(((Resp.Int) ((Resp.Agg) ((Resp.Agg) a).items().get(0)).items().get(0)).value())
                    .isEqualTo(((Resp.Int) ((Resp.Agg) ((Resp.Agg) b).items().get(0)).items().get(0)).value());
            assertThat(shape(ours.call("SLOWLOG", "GET", "2"))).isEqualTo(shape(theirs.call("SLOWLOG", "GET", "2")));
            assertThat(shape(ours.call("SLOWLOG", "GET", "-1"))).isEqualTo(shape(theirs.call("SLOWLOG", "GET", "-1")));
            both(ours, theirs, "SLOWLOG", "LEN");
            both(ours, theirs, "CONFIG", "SET", "slowlog-max-len", "2");
            both(ours, theirs, "SLOWLOG", "LEN");
            both(ours, theirs, "CONFIG", "SET", "slowlog-max-len", "128");
            both(ours, theirs, "CONFIG", "SET", "slowlog-log-slower-than", "-1");
            both(ours, theirs, "SLOWLOG", "RESET");
            both(ours, theirs, "SET", "a", "b");
            both(ours, theirs, "SLOWLOG", "LEN");
        }
    }

    @Test
    void thresholdAndSlowCommand() {
        {
            RespClient ours = d.ours;
            RespClient theirs = d.real;
            both(ours, theirs, "CONFIG", "SET", "slowlog-log-slower-than", "100000");
            both(ours, theirs, "SLOWLOG", "RESET");
            both(ours, theirs, "PING");
            both(ours, theirs, "DEBUG", "SLEEP", "0.2");
            Resp a = ours.call("SLOWLOG", "GET");
            assertThat(shape(a)).isEqualTo(shape(theirs.call("SLOWLOG", "GET")));
            long micros = ((Resp.Int) ((Resp.Agg) ((Resp.Agg) a).items().get(0)).items().get(2)).value();
            assertThat(micros).isBetween(200_000L, 5_000_000L);
            both(ours, theirs, "CONFIG", "SET", "slowlog-log-slower-than", "10000");
        }
    }

    @Test
    void errorsAndHelp() {
        {
            RespClient ours = d.ours;
            RespClient theirs = d.real;
            both(ours, theirs, "SLOWLOG", "GET", "-2");
            both(ours, theirs, "SLOWLOG", "GET", "x");
            both(ours, theirs, "SLOWLOG", "LEN", "x");
            both(ours, theirs, "SLOWLOG", "FOO");
            // HELP: same shape as Redis's (an array of status lines), our own wording
            dev.cinnabar.testkit.Resp help = ours.call("SLOWLOG", "HELP");
            org.assertj.core.api.Assertions.assertThat(help.toString()).startsWith("*[+SLOWLOG <subcommand>");
            both(ours, theirs, "SLOWLOG");
        }
    }

    /**
     * Secrets (AUTH, HELLO's AUTH, the values of sensitive configs) are logged as "(redacted)";
     * a command run as another (GEOADD as ZADD) is logged as it was sent.
     */
    @Test
    void secretsAreRedactedAndCommandsLoggedAsSent() {
        RespClient ours = d.ours;
        RespClient theirs = d.real;
        both(ours, theirs, "CONFIG", "SET", "slowlog-log-slower-than", "0");
        both(ours, theirs, "SLOWLOG", "RESET");
        both(ours, theirs, "GEOADD", "cities", "-122.33207", "47.60621", "Seattle");
        both(ours, theirs, "AUTH", "not-real");
        both(ours, theirs, "AUTH", "user", "pw");
        for (RespClient c : List.of(ours, theirs)) { // the replies hold the connection's id
            c.call("HELLO", "2", "AUTH", "default", "pw");
            c.call("HELLO", "2", "SETNAME", "auth");
        }
        both(ours, theirs, "CONFIG", "SET", "masterauth", "s1", "maxmemory", "0");
        both(ours, theirs, "CONFIG", "SET", "masteruser", "u", "requirepass", "");
        both(ours, theirs, "CONFIG", "SET", "masterauth", "", "masteruser", "");
        both(ours, theirs, "CONFIG", "SET", "slowlog-log-slower-than", "-1");
        List<Object> a = shape(ours.call("SLOWLOG", "GET", "-1"));
        assertThat(a).isEqualTo(shape(theirs.call("SLOWLOG", "GET", "-1")));
        assertThat(a.toString()).contains("(redacted)").doesNotContain("pw", "s1", "not-real", "zadd");
        both(ours, theirs, "SLOWLOG", "RESET");
    }
}
