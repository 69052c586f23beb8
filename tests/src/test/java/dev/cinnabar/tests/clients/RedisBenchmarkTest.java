package dev.cinnabar.tests.clients;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.testkit.CinnabarExtension;
import dev.cinnabar.testkit.Tools;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * redis-benchmark as a smoke test (never a speed assertion): every requested test must run to
 * completion against the embedded server.
 */
class RedisBenchmarkTest {
    @RegisterExtension
    static CinnabarExtension server = new CinnabarExtension();

    private Tools.Run bench(String... extra) {
        List<String> cmd = new java.util.ArrayList<>(List.of(Tools.require("redis-benchmark"), "-h", "127.0.0.1",
                "-p", Integer.toString(server.port()), "-q"));
        cmd.addAll(List.of(extra));
        Tools.Run r = Tools.run(cmd, null, 120);
        assertThat(r.exitCode()).as("%s", r).isZero();
        return r;
    }

    @Test
    void setAndGetComplete() {
        Tools.Run r = bench("-t", "set,get", "-n", "20000", "-c", "10");
        assertThat(r.stdout()).containsPattern("SET: [0-9.]+ requests per second")
                .containsPattern("GET: [0-9.]+ requests per second");
    }

    @Test
    void pipelinedSetAndGetComplete() {
        Tools.Run r = bench("-t", "set,get", "-n", "20000", "-c", "4", "-P", "16");
        assertThat(r.stdout()).containsPattern("SET: [0-9.]+ requests per second")
                .containsPattern("GET: [0-9.]+ requests per second");
    }

    /** redis-benchmark reads the server's CONFIG (save, appendonly) first and warns when it cannot. */
    @Test
    void readsTheServerConfig() {
        Tools.Run r = bench("-t", "ping", "-n", "1000", "-c", "2");
        assertThat(r.stdout() + r.stderr()).doesNotContain("Could not fetch server CONFIG");
        assertThat(r.stdout()).containsPattern("PING_INLINE: [0-9.]+ requests per second");
    }
}
