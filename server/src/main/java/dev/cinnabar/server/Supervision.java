package dev.cinnabar.server;

import dev.cinnabar.server.config.ServerConfig;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainDatagramChannel;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.unix.DomainDatagramPacket;
import io.netty.channel.unix.DomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The {@code supervised} directive as Redis 7.0 honours it: under systemd (supervised systemd, or
 * auto with NOTIFY_SOCKET set) the server tells the service manager its status and readiness over
 * the notify socket (sd_notify's datagram protocol: "STATUS=...", "READY=1", "STOPPING=1"), so a
 * Type=notify unit, Debian's own redis-server.service included, works with Cinnabar; under upstart
 * (supervised upstart, or auto with UPSTART_JOB set) it stops itself with SIGSTOP once ready, which
 * is how upstart's "expect stop" learns it. INFO's process_supervised says which one is active.
 */
public final class Supervision {
    /** The active mode: "no", "systemd" or "upstart". */
    private final String mode;
    private final String socket;
    private final Log log;
    private final java.util.concurrent.atomic.AtomicBoolean stopping = new java.util.concurrent.atomic.AtomicBoolean();

    private Supervision(String mode, String socket, Log log) {
        this.mode = mode;
        this.socket = socket;
        this.log = log;
    }

    /** Decides the mode from the directive and the environment, logging as Redis does. */
    public static Supervision start(ServerConfig config, Map<String, String> env, Log log) {
        String wanted = config.supervised == null ? "no" : config.supervised;
        String notify = env.get("NOTIFY_SOCKET");
        boolean systemd = wanted.equals("systemd") || wanted.equals("auto") && notify != null;
        boolean upstart = !systemd && (wanted.equals("upstart") || wanted.equals("auto") && env.get("UPSTART_JOB") != null);
        if (systemd) {
            if (notify == null || notify.isEmpty()) {
                early(log, Log.WARNING, "systemd supervision error: NOTIFY_SOCKET not found!");
                return new Supervision("no", null, log);
            }
            early(log, Log.NOTICE, "Supervised by systemd. Please make sure you set appropriate values for "
                    + "TimeoutStartSec and TimeoutStopSec in your service unit.");
            if (!Epoll.isAvailable()) {
                early(log, Log.WARNING, "systemd supervision requested, but this platform has no native transport "
                        + "for the notify socket: readiness will not be reported");
                return new Supervision("no", null, log);
            }
            return new Supervision("systemd", notify, log);
        }
        if (upstart) {
            if (env.get("UPSTART_JOB") == null) {
                early(log, Log.WARNING, "upstart supervision requested, but UPSTART_JOB not found!");
                return new Supervision("no", null, log);
            }
            early(log, Log.NOTICE, "supervised by upstart, will stop to signal readiness.");
            return new Supervision("upstart", null, log);
        }
        return new Supervision("no", null, log);
    }

    /** A line logged before the server runs (role C, as Redis's start-up lines). */
    private static void early(Log log, int level, String msg) {
        if (log.enabled(level)) {
            log.raw(Log.line(ProcessHandle.current().pid(), 'C', level, msg));
        }
    }

    /** The dataset is about to load. */
    public void loading() {
        if (mode.equals("systemd")) {
            send("STATUS=Redis is loading...\n");
        }
    }

    /** INFO's process_supervised. */
    public String mode() {
        return mode;
    }

    /** The server is up and its dataset loaded. */
    public void ready(boolean replica) {
        if (mode.equals("systemd")) {
            send(replica ? "STATUS=Ready to accept connections in read-only mode. Waiting for MASTER <-> REPLICA sync\n"
                    : "STATUS=Ready to accept connections\n");
            send("READY=1\n");
        } else if (mode.equals("upstart")) {
            try {
                new ProcessBuilder("kill", "-STOP", Long.toString(ProcessHandle.current().pid())).start();
            } catch (java.io.IOException e) {
                log.warning("Could not signal readiness to upstart: " + e.getMessage());
            }
        }
    }

    /** The server is stopping. */
    public void stopping() {
        if (mode.equals("systemd") && stopping.compareAndSet(false, true)) {
            send("STOPPING=1\n");
        }
    }

    /** One datagram to the notify socket ("@name" is in the abstract namespace). */
    private void send(String message) {
        String path = socket.startsWith("@") ? "\0" + socket.substring(1) : socket;
        EventLoopGroup group = new EpollEventLoopGroup(1, r -> {
            Thread t = new Thread(r, "cinnabar-sd-notify");
            t.setDaemon(true);
            return t;
        });
        try {
            // unbound, as sd_notify's socket: active once registered
            Channel ch = new Bootstrap().group(group).channel(EpollDomainDatagramChannel.class)
                    .option(io.netty.channel.ChannelOption.DATAGRAM_CHANNEL_ACTIVE_ON_REGISTRATION, true)
                    .handler(new ChannelInboundHandlerAdapter()).register().sync().channel();
            ch.writeAndFlush(new DomainDatagramPacket(Unpooled.wrappedBuffer(message.getBytes(StandardCharsets.UTF_8)),
                    new DomainSocketAddress(path))).sync();
            ch.close().sync();
        } catch (Exception e) {
            log.warning("Could not notify systemd (" + socket + "): " + e);
        } finally {
            group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS);
        }
    }
}
