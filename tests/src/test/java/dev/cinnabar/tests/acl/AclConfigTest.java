package dev.cinnabar.tests.acl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cinnabar.server.Main;
import dev.cinnabar.testkit.Ports;
import dev.cinnabar.testkit.Resp;
import dev.cinnabar.testkit.RespClient;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * "user" lines of the configuration file: applied at start-up (quoted rules and selectors spread
 * over words included), refused with Redis's message when invalid or mixed with an aclfile, and
 * written back by CONFIG REWRITE as ACL LIST describes the users, so a restart finds them again.
 */
class AclConfigTest {
    private static final InputStream NO_STDIN = new ByteArrayInputStream(new byte[0]);

    @TempDir
    Path tmp;

    private Main.Launched launch(Path conf) throws Exception {
        return Main.launch(new String[] {conf.toString(), "--port", Integer.toString(Ports.free()), "--bind", "127.0.0.1",
            "--save", "", "--logfile", tmp.resolve("log").toString()}, NO_STDIN, false);
    }

    private static List<String> list(RespClient c) {
        List<String> out = new ArrayList<>();
        for (Resp r : ((Resp.Agg) c.call("ACL", "LIST")).items()) {
            out.add(new String(((Resp.Bulk) r).value(), StandardCharsets.ISO_8859_1));
        }
        return out;
    }

    @Test
    void userLinesAreAppliedAndRewritten() throws Exception {
        Path conf = tmp.resolve("c.conf");
        Files.writeString(conf, "user alice on \">p w\" ~k* (~x* +set) +get\nuser default on nopass ~* &* +@all -debug\n");
        Main.Launched l = launch(conf);
        List<String> before;
        try (RespClient c = new RespClient(l.server().port())) {
            assertThat(c.call("AUTH", "alice", "p w")).isEqualTo(new Resp.Simple("OK"));
            assertThat(c.call("GET", "k1")).isInstanceOf(Resp.Null.class);
            assertThat(c.call("SET", "x1", "v")).isEqualTo(new Resp.Simple("OK"));
            assertThat(c.call("SET", "k1", "v")).isInstanceOf(Resp.Err.class);
            assertThat(c.call("RESET")).isEqualTo(new Resp.Simple("RESET"));
            assertThat(c.call("ACL", "SETUSER", "bob", "on", ">pw", "&news", "+@read")).isEqualTo(new Resp.Simple("OK"));
            assertThat(c.call("CONFIG", "REWRITE")).isEqualTo(new Resp.Simple("OK"));
            before = list(c);
        } finally {
            l.server().close();
        }
        List<String> written = Files.readAllLines(conf).stream().filter(s -> s.startsWith("user ")).toList();
        assertThat(written).containsExactlyInAnyOrderElementsOf(before);
        Main.Launched again = launch(conf);
        try (RespClient c = new RespClient(again.server().port())) {
            assertThat(list(c)).isEqualTo(before);
        } finally {
            again.server().close();
        }
    }

    @Test
    void invalidUserLinesStopTheStart() throws Exception {
        Path conf = tmp.resolve("bad.conf");
        Files.writeString(conf, "user alice on +nosuchcommand\n");
        assertThatThrownBy(() -> launch(conf)).hasMessageContaining(
                "Error loading ACL rule '+nosuchcommand' for the user named 'alice': Unknown command or category name in ACL");
        Path acl = tmp.resolve("users.acl");
        Files.writeString(acl, "");
        Files.writeString(conf, "user alice on\naclfile " + acl + "\n");
        assertThatThrownBy(() -> launch(conf)).hasMessageContaining("users defined in redis.conf and at the same setting"
                + " an ACL file path is invalid");
        Files.writeString(conf, "aclfile " + acl + "\n");
        Files.writeString(acl, "user bob on bogus\n");
        assertThatThrownBy(() -> launch(conf)).hasMessageContaining("Aborting Redis startup because of ACL errors: "
                + acl + ":1: Syntax error. WARNING: ACL errors detected");
    }
}
