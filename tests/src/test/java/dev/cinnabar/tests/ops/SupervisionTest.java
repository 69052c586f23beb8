package dev.cinnabar.tests.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.testkit.Ports;
import dev.cinnabar.testkit.RespClient;
import dev.cinnabar.testkit.Tools;
import dev.cinnabar.testkit.stress.ServerProcess;
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
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * supervised systemd against real Redis: a notify socket (what systemd gives a Type=notify unit)
 * receives the same messages in the same order from both servers, as a master and as a replica,
 * and INFO says the same; without NOTIFY_SOCKET both log the same error and run unsupervised.
 */
class SupervisionTest {
    private static List<String> run(List<String> server, Path sock, List<String> args) throws Exception {
        int port = Ports.free();
        List<String> cmd = new ArrayList<>(server);
        cmd.addAll(List.of("--port", Integer.toString(port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no", "--dir", sock.getParent().toString()));
        cmd.addAll(args);
        return notifications(cmd, port, sock);
    }

    /**
     * Runs the server command with NOTIFY_SOCKET set to a socket at sock (as systemd runs a
     * Type=notify unit) until READY=1, then SHUTDOWN NOSAVE on the port: the messages received,
     * INFO's process_supervised line after READY=1, and the message that came with the shutdown.
     */
    static List<String> notifications(List<String> cmd, int port, Path sock) throws Exception {
        LinkedBlockingQueue<String> got = new LinkedBlockingQueue<>();
        EventLoopGroup g = new EpollEventLoopGroup(1);
        try {
            Channel listener = new Bootstrap().group(g).channel(EpollDomainDatagramChannel.class)
                    .handler(new SimpleChannelInboundHandler<DomainDatagramPacket>() {
                        @Override
                        protected void channelRead0(ChannelHandlerContext ctx, DomainDatagramPacket p) {
                            got.add(p.content().toString(StandardCharsets.UTF_8));
                        }
                    }).bind(new DomainSocketAddress(sock.toString())).sync().channel();
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(sock.resolveSibling("server-" + port + ".log").toFile());
            pb.environment().put("NOTIFY_SOCKET", sock.toString());
            Process p = pb.start();
            List<String> messages = new ArrayList<>();
            try {
                while (true) {
                    String m = got.poll(120, TimeUnit.SECONDS);
                    assertThat(m).as("a notification before the timeout (got " + messages + ")").isNotNull();
                    messages.add(m);
                    if (m.equals("READY=1\n")) {
                        break;
                    }
                }
                try (RespClient c = new RespClient(port)) {
                    messages.add(c.call("INFO", "server").asText().lines()
                            .filter(l -> l.startsWith("process_supervised:")).findFirst().orElse("missing"));
                    c.send("SHUTDOWN", "NOSAVE");
                    try {
                        c.read(); // SHUTDOWN answers nothing: the server closes the connection once it ran
                    } catch (RuntimeException e) {
                        // closed by the shutdown
                    }
                }
                messages.add(got.poll(60, TimeUnit.SECONDS));
                assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            } finally {
                p.destroyForcibly();
                listener.close().sync();
            }
            return messages;
        } finally {
            g.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    private static List<String> cinnabar() {
        return List.of(ServerProcess.repositoryRoot().resolve("bin/cinnabar-server").toString());
    }

    @Test
    void notifySocketGetsRedisMessagesAsMasterAndReplica(@TempDir Path tmp) throws Exception {
        Assumptions.assumeTrue(Epoll.isAvailable(), "needs Linux's native transport");
        List<String> redis = List.of(Tools.require("redis-server"));
        List<String> master = List.of("--supervised", "systemd");
        List<String> replica = List.of("--supervised", "auto", "--replicaof", "127.0.0.1", "1");
        List<String> expected = run(redis, tmp.resolve("r1.sock"), master);
        assertThat(expected).contains("READY=1\n", "STOPPING=1\n", "process_supervised:systemd");
        assertThat(run(cinnabar(), tmp.resolve("c1.sock"), master)).isEqualTo(expected);
        assertThat(run(cinnabar(), tmp.resolve("c2.sock"), replica)).isEqualTo(run(redis, tmp.resolve("r2.sock"), replica));
    }
}
