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
 * Every RESP3 reply type through scripts, both ways, against real Redis: DEBUG PROTOCOL called
 * from a script (allowed by DEBUG SET-DISABLE-DENY-SCRIPTS), for each protocol of the script
 * (redis.setresp) and of the client, and the special tables a script returns (big_number,
 * verbatim_string). Scripting.tcl's "protocol parsing" block.
 */
class ScriptProtocolTest {
    @RegisterExtension
    static CinnabarExtension server = new CinnabarExtension().setting("enable-debug-command", "yes");
    private static RealRedis redis;

    @BeforeAll
    static void startRedis() {
        redis = RealRedis.start("--enable-debug-command", "yes");
    }

    @AfterAll
    static void stopRedis() {
        if (redis != null) {
            redis.close();
        }
    }

    private static List<Resp> run(int port, String clientProto, String... scripts) {
        List<Resp> out = new ArrayList<>();
        try (RespClient c = new RespClient(port)) {
            c.call("HELLO", clientProto);
            out.add(c.call("EVAL", "return redis.call('debug', 'protocol', 'string')", "0")); // noscript: refused
            out.add(c.call("DEBUG", "SET-DISABLE-DENY-SCRIPTS", "1"));
            for (String s : scripts) {
                out.add(c.call("EVAL", s, "0"));
                out.add(c.call("FUNCTION", "LOAD", "REPLACE",
                        "#!lua name=p\nredis.register_function('p', function(KEYS, ARGV)\n" + s + "\nend)"));
                out.add(c.call("FCALL", "p", "0"));
            }
            out.add(c.call("DEBUG", "SET-DISABLE-DENY-SCRIPTS", "0"));
            out.add(c.call("EVAL", "return redis.call('debug', 'protocol', 'string')", "0"));
        }
        return out;
    }

    @Test
    void everyReplyTypeCrossesScriptsAsInRedis() {
        List<String> scripts = new ArrayList<>();
        for (int lua = 2; lua <= 3; lua++) {
            for (String type : new String[] {"string", "integer", "double", "bignum", "null", "array", "set", "map",
                "attrib", "verbatim", "true", "false"}) {
                scripts.add("redis.setresp(" + lua + "); return redis.call('debug', 'protocol', '" + type + "')");
            }
            scripts.add("redis.setresp(" + lua + "); local t = redis.call('debug', 'protocol', 'verbatim');"
                    + " return type(t) == 'table' and {t.verbatim_string.format, t.verbatim_string.string} or t");
            scripts.add("redis.setresp(" + lua + "); local t = redis.call('debug', 'protocol', 'bignum');"
                    + " return type(t) == 'table' and t.big_number or t");
        }
        scripts.add("return {big_number='123\\r\\n123'}");
        scripts.add("return {verbatim_string={format='txt', string='abc'}}");
        scripts.add("return {double=3.5, big_number='1'}");
        for (String proto : new String[] {"2", "3"}) {
            assertThat(run(server.port(), proto, scripts.toArray(String[]::new)))
                    .as("client RESP%s", proto)
                    .isEqualTo(run(redis.port(), proto, scripts.toArray(String[]::new)));
        }
    }
}
