package dev.cinnabar.server.command;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.server.ServerContext;
import dev.cinnabar.server.config.ServerConfig;
import dev.cinnabar.server.session.RecordingConnection;
import dev.cinnabar.server.store.ManualClock;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A handler that fails half-way (a defect, or the JVM refusing an allocation) must leave a
 * well-formed reply stream: what it wrote is dropped, the client gets one clear error, and the
 * connection goes on.
 */
class DispatcherFailureTest {
    private final ServerContext ctx = dev.cinnabar.server.CinnabarServer.context(new ServerConfig(), new ManualClock(1_000_000), List.of(t -> {
        t.bind("echo", c -> {
            c.reply().array(3);
            c.reply().bulk("half");
            throw new IllegalStateException("a defect");
        });
        t.bind("ping", c -> {
            throw new OutOfMemoryError("Requested array size exceeds VM limit");
        });
        t.bind("time", c -> c.reply().integer(42));
    }));

    @Test
    void aFailingHandlerAnswersOneErrorAndNothingHalfWritten() {
        RecordingConnection c = new RecordingConnection(ctx, 1, 2, " ");
        assertThat(c.call("ECHO", "x")).isEqualTo("-ERR internal error running 'echo', see the server log ");
        assertThat(c.call("PING")).isEqualTo("-OOM not enough memory to run 'ping' ");
        assertThat(c.call("TIME")).isEqualTo(":42 ");
        assertThat(c.client.closeAfterReply()).isFalse();
        assertThat(ctx.commands().lookup("echo").failedCalls).isEqualTo(1);
    }
}
