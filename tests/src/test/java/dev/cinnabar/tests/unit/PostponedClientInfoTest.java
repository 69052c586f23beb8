package dev.cinnabar.tests.unit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.testkit.CinnabarExtension;
import dev.cinnabar.testkit.RespClient;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * CLIENT LIST of a client whose command CLIENT PAUSE postponed, against real Redis 7.0: flags=b,
 * the postponed command's arguments in argv-mem and its name in cmd; back to flags=N and
 * argv-mem=0 once the pause ends and the command has run.
 */
class PostponedClientInfoTest {
    @RegisterExtension
    static CinnabarExtension server = new CinnabarExtension();

    @RegisterExtension
    static DifferentialPair d = new DifferentialPair(server);

    private static String fields(RespClient admin, String name) {
        for (String line : admin.call("CLIENT", "LIST").asText().split("\n")) {
            if (line.contains(" name=" + name + " ")) {
                List<String> kept = new ArrayList<>();
                for (String kv : line.trim().split(" ")) {
                    String k = kv.substring(0, kv.indexOf('='));
                    if (List.of("flags", "argv-mem", "cmd", "multi", "qbuf").contains(k)) {
                        kept.add(kv);
                    }
                }
                return String.join(" ", kept);
            }
        }
        throw new AssertionError("no client " + name);
    }

    @Test
    void aPostponedClientShowsAsBlockedWithItsArguments() throws Exception {
        List<List<String>> seen = new ArrayList<>();
        for (RespClient admin : List.of(d.real, d.ours)) {
            int port = admin == d.real ? d.redisPort() : server.port();
            try (RespClient p = new RespClient(port)) {
                p.call("CLIENT", "SETNAME", "postponed");
                admin.call("CLIENT", "PAUSE", "5000", "WRITE");
                p.send("SET", "foo", "x".repeat(100));
                List<String> s = new ArrayList<>();
                String during = "";
                long deadline = System.currentTimeMillis() + 3000;
                while (!during.contains("flags=b") && System.currentTimeMillis() < deadline) {
                    Thread.sleep(20);
                    during = fields(admin, "postponed");
                }
                s.add(during);
                admin.call("CLIENT", "UNPAUSE");
                s.add(p.read().toString());
                s.add(fields(admin, "postponed"));
                seen.add(s);
            }
        }
        assertThat(seen.get(1)).isEqualTo(seen.get(0)).containsExactly(
                "flags=b multi=-1 qbuf=0 argv-mem=106 cmd=set", "+OK", "flags=N multi=-1 qbuf=0 argv-mem=0 cmd=set");
    }
}
