package dev.cinnabar.tests.integration;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.server.CinnabarServer;
import dev.cinnabar.testkit.RespClient;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainDatagramChannel;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.unix.DomainDatagramPacket;
import io.netty.channel.unix.DomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * syslog-enabled: a log message reaches the system logger's Unix datagram socket in syslog(3)'s
 * format. Redis always writes to /dev/log; the test listens on a socket of its own and points the
 * server at it (cinnabar.syslog.path), since it may not bind /dev/log.
 */
class SyslogTest {
    @Test
    void logMessagesGoToTheSystemLoggerWithIdentFacilityAndSeverity() throws Exception {
        Assumptions.assumeTrue(Epoll.isAvailable(), "Unix datagram sockets need Netty's epoll transport");
        Path dir = Files.createTempDirectory("cinnabar-syslog");
        Path socket = dir.resolve("log");
        BlockingQueue<String> received = new LinkedBlockingQueue<>();
        EventLoopGroup group = new EpollEventLoopGroup(1);
        String before = System.getProperty("cinnabar.syslog.path");
        try {
            Channel listener = new Bootstrap().group(group).channel(EpollDomainDatagramChannel.class)
                    .handler(new SimpleChannelInboundHandler<DomainDatagramPacket>() {
                        @Override
                        protected void channelRead0(ChannelHandlerContext ctx, DomainDatagramPacket p) {
                            received.add(p.content().toString(StandardCharsets.UTF_8));
                        }
                    }).bind(new DomainSocketAddress(socket.toString())).sync().channel();
            System.setProperty("cinnabar.syslog.path", socket.toString());
            try (CinnabarServer s = CinnabarServer.builder().setting("syslog-enabled", "yes")
                    .setting("syslog-ident", "cinn-test").setting("syslog-facility", "local3")
                    .setting("loglevel", "notice").start();
                 RespClient c = new RespClient(s.port())) {
                c.call("SAVE");
                String line = null;
                for (String m; (m = received.poll(10, TimeUnit.SECONDS)) != null; ) {
                    if (m.endsWith("DB saved on disk")) {
                        line = m;
                        break;
                    }
                }
                // local3 (19) * 8 + notice (5) = 157
                assertThat(line).matches("<157>[A-Z][a-z]{2} [ \\d]\\d \\d\\d:\\d\\d:\\d\\d cinn-test\\["
                        + ProcessHandle.current().pid() + "\\]: DB saved on disk");
                assertThat(c.call("CONFIG", "SET", "syslog-enabled", "no").toString())
                        .contains("can't set immutable config");
            }
            listener.close().sync();
        } finally {
            if (before == null) {
                System.clearProperty("cinnabar.syslog.path");
            } else {
                System.setProperty("cinnabar.syslog.path", before);
            }
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            Files.deleteIfExists(socket);
            Files.deleteIfExists(dir);
        }
    }
}
