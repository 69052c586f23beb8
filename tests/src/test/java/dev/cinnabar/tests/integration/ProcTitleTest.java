package dev.cinnabar.tests.integration;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.testkit.RespClient;
import dev.cinnabar.testkit.stress.ServerProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The process title (set-proc-title, proc-title-template) of a server process, against real Redis:
 * the same CONFIG SET replies for valid and invalid templates, and the same title in
 * /proc/PID/cmdline (the executable's name aside).
 */
class ProcTitleTest {
    private static final List<String> TEMPLATES = List.of(
            "{title} {listen-addr} {server-mode}", "{title}x{port}", "{title", "{unknown}", "", "a {{b}} c",
            "  {title}  ", "{port}}", "{{", "}", "{server-mode}", "{unixsocket}", " {port} ", "{config-file}",
            "{TITLE}", "{ title}", "x{server-mode}", "TEST {title} {listen-addr} {port} {tls-port} {config-file} end");

    @Test
    void sameRepliesAndTitlesAsRedis() throws Exception {
        List<String> redis;
        List<String> ours;
        try (ServerProcess r = ServerProcess.redis()) {
            redis = run(r, "redis-server");
        }
        try (ServerProcess c = ServerProcess.cinnabar()) {
            ours = run(c, "cinnabar-server");
        }
        assertThat(ours).containsExactlyElementsOf(redis);
    }

    /** Each template's reply and the title it leaves, the port and the executable's name replaced. */
    private static List<String> run(ServerProcess s, String name) throws Exception {
        List<String> out = new ArrayList<>();
        Path cmdline = Path.of("/proc/" + s.pid() + "/cmdline");
        try (RespClient c = s.client()) {
            out.add("start: " + awaitTitle(cmdline, s.port(), name));
            for (String t : TEMPLATES) {
                String reply = c.call("CONFIG", "SET", "proc-title-template", t).toString();
                out.add(t + " -> " + reply + " : " + title(cmdline, s.port(), name));
            }
            out.add("get: " + c.call("CONFIG", "GET", "proc-title-template"));
        }
        return out;
    }

    /** The title once the server has set it (it may answer PING a moment before). */
    private static String awaitTitle(Path cmdline, int port, String name) throws Exception {
        long deadline = System.currentTimeMillis() + 10_000;
        String t = title(cmdline, port, name);
        while (t.contains("java") && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
            t = title(cmdline, port, name);
        }
        return t;
    }

    private static String title(Path cmdline, int port, String name) throws Exception {
        String raw = new String(Files.readAllBytes(cmdline), StandardCharsets.UTF_8);
        int nul = raw.indexOf('\0');
        String first = nul < 0 ? raw : raw.substring(0, nul);
        // the executable as started: a path for Redis here (argv[0]), the launcher's name for us
        return first.replace(Integer.toString(port), "PORT").replaceAll("[^ ]*" + name, "NAME");
    }
}
