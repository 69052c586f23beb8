package dev.cinnabar.tests.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.server.CinnabarServer;
import dev.cinnabar.testkit.RespClient;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * An approximate trim (XADD/XTRIM with {@code ~} and LIMIT) depends on the stream's node layout,
 * so it reaches the AOF as the exact result ({@code =} and the length or id reached). Replayed
 * with another node size (stream-node-max-entries 1 trims node by node), the LIMIT that came
 * with it must not cut the trim short: the loader is obeyed as Redis obeys its AOF client.
 */
class StreamTrimReplayTest {
    private final Path dir = Servers.tempDir();

    @AfterEach
    void clean() {
        Servers.delete(dir);
    }

    @Test
    void approximateTrimsReplayToTheSameStreams() {
        try (CinnabarServer s = Servers.start(dir, "appendonly", "yes", "stream-node-max-entries", "10");
             RespClient c = Servers.client(s)) {
            for (int i = 1; i <= 100; i++) {
                c.call("XADD", "bylen", "*", "f", "v");
                c.call("XADD", "byid", i + "-0", "f", "v");
                c.call("XADD", "xtrimmed", i + "-0", "f", "v");
            }
            c.call("XADD", "bylen", "MAXLEN", "~", "55", "LIMIT", "30", "*", "f", "v");
            c.call("XADD", "byid", "MINID", "~", "55", "LIMIT", "30", "*", "f", "v");
            c.call("XTRIM", "xtrimmed", "MAXLEN", "~", "10", "LIMIT", "40");
            String bylen = c.call("XLEN", "bylen").asText();
            String byid = c.call("XLEN", "byid").asText();
            String xtrimmed = c.call("XLEN", "xtrimmed").asText();
            assertThat(bylen).isEqualTo("71");
            assertThat(byid).isEqualTo("71");
            assertThat(xtrimmed).isEqualTo("60");
            String digest = c.call("DEBUG", "DIGEST").asText();

            c.call("CONFIG", "SET", "stream-node-max-entries", "1");
            assertThat(c.call("DEBUG", "LOADAOF").asText()).isEqualTo("OK");
            assertThat(c.call("XLEN", "bylen").asText()).isEqualTo(bylen);
            assertThat(c.call("XLEN", "byid").asText()).isEqualTo(byid);
            assertThat(c.call("XLEN", "xtrimmed").asText()).isEqualTo(xtrimmed);
            assertThat(c.call("DEBUG", "DIGEST").asText()).isEqualTo(digest);

            // A user's LIMIT without "~" is still refused.
            assertThat(c.call("XADD", "bylen", "MAXLEN", "=", "5", "LIMIT", "3", "*", "f", "v").asText())
                    .isEqualTo("-ERR syntax error, LIMIT cannot be used without the special ~ option");
        }
    }
}
