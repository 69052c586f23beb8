package dev.cinnabar.server;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainDatagramChannel;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.unix.DomainDatagramPacket;
import io.netty.channel.unix.DomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * syslog-enabled / syslog-ident / syslog-facility: each log line's message also goes to the
 * system logger, as Redis's openlog(ident, LOG_PID | LOG_NDELAY | LOG_NOWAIT, facility) and
 * syslog(level, "%s", msg) send it: one datagram to the Unix socket /dev/log per message, in the
 * C library's format {@code <PRI>Mmm dd HH:MM:SS ident[pid]: message}, where PRI is facility * 8
 * plus the severity (debug 7, verbose 6 (info), notice 5, warning 4).
 *
 * <p>Sends never block the logging thread (Netty writes on its own loop) and are dropped silently
 * when no logger listens, as the C library drops them. One sender per socket path for the process
 * (Redis opens the log once). The path is /dev/log; the system property {@code cinnabar.syslog.path}
 * replaces it (tests listen on a socket of their own).
 */
final class Syslog {
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("MMM ppd HH:mm:ss", Locale.ENGLISH);
    private static final List<String> FACILITIES = List.of("user", "local0", "local1", "local2", "local3", "local4",
            "local5", "local6", "local7");
    private static final int[] FACILITY_CODES = {1, 16, 17, 18, 19, 20, 21, 22, 23};
    private static final int[] SEVERITY = {7, 6, 5, 4}; // Log.DEBUG .. Log.WARNING
    private static final ConcurrentHashMap<String, Syslog> SENDERS = new ConcurrentHashMap<>();

    private final String path;
    private EventLoopGroup group;
    private Channel channel;
    private boolean failed;

    private Syslog(String path) {
        this.path = path;
    }

    /** The process's sender to the system logger's socket. */
    static Syslog open() {
        return SENDERS.computeIfAbsent(System.getProperty("cinnabar.syslog.path", "/dev/log"), Syslog::new);
    }

    /** The datagram's text for a message (the C library's syslog format). */
    static String format(String facility, String ident, long pid, int level, String msg, LocalDateTime now) {
        int f = FACILITY_CODES[Math.max(0, FACILITIES.indexOf(facility))];
        return "<" + (f * 8 + SEVERITY[level]) + ">" + now.format(STAMP) + " " + ident + "[" + pid + "]: " + msg;
    }

    /** Sends one message; never throws, never blocks on the logger. */
    synchronized void send(String text) {
        if (!connect()) {
            return;
        }
        channel.writeAndFlush(new DomainDatagramPacket(Unpooled.wrappedBuffer(text.getBytes(StandardCharsets.UTF_8)),
                new DomainSocketAddress(path)));
    }

    private boolean connect() {
        if (channel != null) {
            return true;
        }
        if (failed || !Epoll.isAvailable()) {
            return false;
        }
        try {
            group = new EpollEventLoopGroup(1, r -> {
                Thread t = new Thread(r, "cinnabar-syslog");
                t.setDaemon(true);
                return t;
            });
            channel = new Bootstrap().group(group).channel(EpollDomainDatagramChannel.class)
                    .option(ChannelOption.DATAGRAM_CHANNEL_ACTIVE_ON_REGISTRATION, true)
                    .handler(new ChannelInboundHandlerAdapter()).register().sync().channel();
            return true;
        } catch (Exception | LinkageError e) {
            failed = true; // as the C library: no logger, no messages, no error
            if (group != null) {
                group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            }
            return false;
        }
    }
}
