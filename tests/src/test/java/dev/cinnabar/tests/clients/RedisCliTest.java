package dev.cinnabar.tests.clients;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.testkit.CinnabarExtension;
import dev.cinnabar.testkit.RespClient;
import dev.cinnabar.testkit.Tools;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * redis-cli (7.0) against the embedded server: one-shot commands, commands read from standard
 * input, {@code --pipe} mass insertion, and interactive mode through a pseudo-terminal.
 */
class RedisCliTest {
    @RegisterExtension
    static CinnabarExtension server = new CinnabarExtension();

    private List<String> cli(String... args) {
        List<String> cmd = new ArrayList<>(List.of(Tools.require("redis-cli"), "-h", "127.0.0.1", "-p",
                Integer.toString(server.port())));
        cmd.addAll(List.of(args));
        return cmd;
    }

    private Tools.Run run(String stdin, String... args) {
        Tools.Run r = Tools.run(cli(args), stdin, 60);
        assertThat(r.exitCode()).as("%s", r).isNotEqualTo(-1);
        return r;
    }

    @Test
    void oneShotCommands() {
        assertThat(run(null, "PING").stdout()).isEqualTo("PONG\n");
        assertThat(run(null, "SET", "cli:a", "hello world").stdout()).isEqualTo("OK\n");
        assertThat(run(null, "GET", "cli:a").stdout()).isEqualTo("hello world\n");
        assertThat(run(null, "GET", "cli:missing").stdout()).isEqualTo("\n");
        assertThat(run(null, "EXISTS", "cli:a", "cli:a").stdout()).isEqualTo("2\n");
        Tools.Run err = run(null, "NOSUCHCOMMAND", "x");
        // redis-cli prints a blank line after an error (as with real Redis)
        assertThat(err.stdout()).isEqualTo("ERR unknown command 'NOSUCHCOMMAND', with args beginning with: 'x' \n\n");
        assertThat(run(null, "DEL", "cli:a").stdout()).isEqualTo("1\n");
        assertThat(run(null, "-n", "3", "DBSIZE").stdout()).isEqualTo("0\n");
    }

    @Test
    void commandsFromStandardInput() {
        Tools.Run r = run("SET cli:in 1\nGET cli:in\nECHO \"two words\"\nGET cli:none\nDEL cli:in cli:none\n");
        assertThat(r.exitCode()).as("%s", r).isZero();
        assertThat(r.stdout()).isEqualTo("OK\n1\ntwo words\n\n1\n");
    }

    @Test
    void pipeMassInsertion() {
        int n = 20_000;
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        for (int i = 0; i < n; i++) {
            file.writeBytes(RespClient.encode("SET".getBytes(), ("mass:" + i).getBytes(),
                    ("value-" + i).getBytes()));
        }
        Tools.Run r = Tools.run(cli("--pipe"), file.toByteArray(), 120, Map.of());
        assertThat(r.exitCode()).as("%s", r).isZero();
        assertThat(r.stdout()).contains("errors: 0, replies: " + n);
        try (RespClient c = server.client()) {
            assertThat(c.call("GET", "mass:" + (n - 1)).asText()).isEqualTo("value-" + (n - 1));
            assertThat(c.call("EXISTS", "mass:0", "mass:" + n).asText()).isEqualTo("1");
        }
    }

    /** A real terminal session (script(1) allocates the pseudo-terminal; TERM=dumb keeps it line-based). */
    @Test
    void interactiveModeThroughAPseudoTerminal() {
        String cliLine = String.join(" ", cli());
        Tools.Run r = Tools.run(List.of(Tools.require("script"), "-qec", cliLine, "/dev/null"),
                "SET cli:tty 42\nGET cli:tty\nGET cli:nothing\nexit\n".getBytes(StandardCharsets.UTF_8), 60,
                Map.of("TERM", "dumb"));
        assertThat(r.exitCode()).as("%s", r).isZero();
        String out = r.stdout().replace("\r", "");
        String prompt = "127.0.0.1:" + server.port() + "> ";
        // interactive formatting: a prompt, quoted strings and (nil), unlike the one-shot mode
        assertThat(out).contains(prompt).contains("OK\n").contains("\"42\"\n").contains("(nil)\n");
        try (RespClient c = server.client()) {
            assertThat(c.call("GET", "cli:tty").asText()).isEqualTo("42");
        }
    }
}
