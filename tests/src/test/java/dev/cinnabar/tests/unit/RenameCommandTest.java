package dev.cinnabar.tests.unit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.server.CinnabarServer;
import dev.cinnabar.server.Main;
import dev.cinnabar.testkit.Ports;
import java.io.InputStream;
import dev.cinnabar.testkit.RealRedis;
import dev.cinnabar.testkit.Resp;
import dev.cinnabar.testkit.RespClient;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * rename-command: internal code finds commands by identity, not by their current name, so MULTI,
 * CLIENT PAUSE, tracking and scripts keep working after renames; compared with real Redis
 * started with the same renames.
 */
@Timeout(60)
class RenameCommandTest {
    private static final String[][] RENAMES = {
        {"exec", "myexec"}, {"multi", "mymulti"}, {"client", "myclient"}, {"eval", "myeval"}, {"flushall", ""},
    };

    private static List<Resp> dialog(int port) {
        List<Resp> out = new ArrayList<>();
        try (RespClient c = new RespClient(port); RespClient d = new RespClient(port)) {
            String[][] steps = {
                {"EXEC"}, {"MULTI"}, {"FLUSHALL"}, {"MYMULTI"}, {"SET", "k", "1"}, {"INCR", "k"}, {"MYEXEC"},
                {"MYMULTI"}, {"WATCH", "k"}, {"EXEC"}, {"DISCARD"},
                {"MYCLIENT", "SETNAME", "renamed"}, {"MYCLIENT", "GETNAME"}, {"CLIENT", "GETNAME"},
                {"MYEVAL", "return redis.call('get', KEYS[1])", "1", "k"}, {"EVAL", "return 1", "0"},
                {"MYEVAL", "return redis.call('myclient', 'getname')", "0"},
                {"MYMULTI"}, {"MYEVAL", "return 5", "0"}, {"MYEXEC"},
            };
            for (String[] s : steps) {
                out.add(c.call(s));
            }
            // tracking invalidations still reach the client through the renamed CLIENT command
            out.add(d.call("HELLO", "3").getClass() == Resp.Agg.class ? new Resp.Simple("hello") : new Resp.Simple("?"));
            out.add(d.call("MYCLIENT", "TRACKING", "ON"));
            out.add(d.call("GET", "k"));
            out.add(c.call("SET", "k", "3"));
            out.add(d.read());
        }
        return out;
    }

    @Test
    void renamedCommandsKeepTheirRolesAsInRedis() throws Exception {
        List<String> args = new ArrayList<>();
        for (String[] r : RENAMES) {
            args.add("--rename-command");
            args.add(r[0]);
            args.add(r[1]);
        }
        try (RealRedis redis = RealRedis.start(args.toArray(new String[0]));
             CinnabarServer ours = launch(args.toArray(new String[0]))) {
            assertThat(dialog(ours.port())).isEqualTo(dialog(redis.port()));
        }
    }

    /** A server started through the launcher's own path (rename-command is a file/command-line directive). */
    private static CinnabarServer launch(String... extra) throws Exception {
        List<String> argv = new ArrayList<>(List.of("--port", Integer.toString(Ports.free()), "--bind", "127.0.0.1",
                "--save", "", "--loglevel", "warning"));
        argv.addAll(List.of(extra));
        return Main.launch(argv.toArray(new String[0]), InputStream.nullInputStream(), false).server();
    }

    /** A renamed EVAL still runs off the event loop: a busy renamed script is answered BUSY and killed. */
    @Test
    void aRenamedEvalStillRunsOnTheScriptThread() throws Exception {
        try (CinnabarServer s = launch("--busy-reply-threshold", "100", "--io-threads", "1",
                "--rename-command", "eval", "myeval");
             RespClient runner = new RespClient(s.port());
             RespClient other = new RespClient(s.port())) {
            CompletableFuture<Resp> eval = CompletableFuture.supplyAsync(() -> runner.call("MYEVAL", "while true do end", "0"));
            long deadline = System.currentTimeMillis() + 5000;
            Resp r = other.call("PING");
            while (!(r instanceof Resp.Err) && System.currentTimeMillis() < deadline) {
                Thread.sleep(20);
                r = other.call("PING");
            }
            assertThat(((Resp.Err) r).message()).startsWith("BUSY");
            assertThat(other.call("SCRIPT", "KILL")).isEqualTo(new Resp.Simple("OK"));
            assertThat(((Resp.Err) eval.get(5, TimeUnit.SECONDS)).message()).startsWith("ERR Script killed");
        }
    }
}
