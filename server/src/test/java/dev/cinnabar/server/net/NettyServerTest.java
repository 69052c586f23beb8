package dev.cinnabar.server.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cinnabar.server.Crash;
import dev.cinnabar.server.ServerContext;
import dev.cinnabar.server.config.ServerConfig;
import dev.cinnabar.server.store.Clock;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Listener life cycle: Redis's port 0, and event loops that die while the server runs. */
class NettyServerTest {
    private static ServerContext context(boolean zeroPicksFree) {
        ServerConfig c = new ServerConfig();
        c.port = 0;
        c.portZeroPicksFreePort = zeroPicksFree;
        c.bind = List.of("127.0.0.1");
        c.loglevel = "warning";
        return dev.cinnabar.server.CinnabarServer.context(c, Clock.SYSTEM);
    }

    @Test
    void portZeroIsNoListenerUnlessAFreePortIsAsked() throws Exception {
        NettyServer none = new NettyServer(context(false));
        assertThatThrownBy(none::start).isInstanceOf(IllegalStateException.class)
                .hasMessage("Configured to not listen anywhere, exiting.");
        NettyServer free = new NettyServer(context(true));
        try {
            free.start();
            assertThat(free.port()).isPositive();
        } finally {
            free.close();
        }
    }

    @Test
    void aTerminatedEventLoopIsACrashButClosingIsNot() throws Exception {
        ServerContext ctx = context(true);
        CompletableFuture<String> crashed = new CompletableFuture<>();
        Crash.of(ctx).onCrash(crashed::complete);
        NettyServer n = new NettyServer(ctx);
        n.start();
        try {
            n.workers().shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            assertThat(crashed.get(10, TimeUnit.SECONDS)).startsWith("an io thread terminated");
        } finally {
            n.close();
        }
        ServerContext ctx2 = context(true);
        CompletableFuture<String> crashed2 = new CompletableFuture<>();
        Crash.of(ctx2).onCrash(crashed2::complete);
        NettyServer n2 = new NettyServer(ctx2);
        n2.start();
        n2.close();
        Thread.sleep(200);
        assertThat(crashed2).isNotDone();
    }
}
