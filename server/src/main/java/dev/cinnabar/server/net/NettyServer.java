package dev.cinnabar.server.net;

import dev.cinnabar.server.ServerContext;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * The TCP listener: Netty with native epoll when available (NIO otherwise), one acceptor thread
 * and {@code io-threads} event loops that own connections. See ClientHandler for the per-read
 * batching under the execution lock.
 *
 * <p>Port 0 means no TCP listener, as in Redis (start-up then fails, since there is nowhere else
 * to listen; CONFIG SET port 0 closes the listeners), unless the embedding API asked for a free
 * port ({@code portZeroPicksFreePort}). An acceptor or event loop thread that terminates while the
 * server is not closing is reported to {@link Crash}.
 */
public final class NettyServer implements AutoCloseable {
    private final ServerContext server;
    private EventLoopGroup boss;
    private EventLoopGroup workers;
    private final List<Channel> listeners = new ArrayList<>();
    private volatile int boundPort;
    private ServerBootstrap bootstrap;
    private List<String> boundAddresses = List.of();
    private volatile boolean closing;

    public NettyServer(ServerContext server) {
        this.server = server;
    }

    /**
     * Number of event loops used for connections: io-threads when set, else half the cores (at
     * least 1, at most 4), leaving cores to clients and the OS as Redis's io-threads advice does.
     * On the 2-core benchmark machine one loop beat two: 1.13x/1.09x throughput at -P 1/-P 16 and
     * 0.4x the p99 (docs/benchmarks.md), since two loops plus redis-benchmark oversubscribe it.
     */
    public static int ioThreads(ServerContext server) {
        int n = server.config().ioThreads;
        return n > 0 ? n : Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors() / 2));
    }

    public void start() throws InterruptedException {
        boolean epoll = Epoll.isAvailable();
        int threads = ioThreads(server);
        boss = epoll ? new EpollEventLoopGroup(1, new DefaultThreadFactory("cinnabar-accept", true))
                : new NioEventLoopGroup(1, new DefaultThreadFactory("cinnabar-accept", true));
        workers = epoll ? new EpollEventLoopGroup(threads, new DefaultThreadFactory("cinnabar-io", true))
                : new NioEventLoopGroup(threads, new DefaultThreadFactory("cinnabar-io", true));
        ServerBootstrap b = new ServerBootstrap()
                .group(boss, workers)
                .channel(epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, server.config().tcpBacklog)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, server.config().tcpKeepalive > 0)
                .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(1 << 20, 4 << 20))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        keepalive(ch);
                        ch.pipeline().addLast(new ClientHandler(server));
                    }
                });
        this.bootstrap = b;
        watch(boss, "the accept thread");
        watch(workers, "an io thread");
        try {
            if (noListener(server.config().port)) {
                throw new IllegalStateException("Configured to not listen anywhere, exiting.");
            }
            listeners.addAll(bindAll(server.config().port, server.config().bind));
        } catch (IllegalStateException e) {
            close();
            throw e;
        }
        server.log().notice("Ready to accept connections tcp (" + (epoll ? "epoll" : "nio") + ", " + threads
                + " io thread" + (threads == 1 ? "" : "s") + ")");
    }

    /** True when a port means no TCP listener (Redis's port 0). */
    private boolean noListener(int port) {
        return port == 0 && !server.config().portZeroPicksFreePort;
    }

    /** Reports the death of a group's threads unless the server is closing. */
    private void watch(EventLoopGroup group, String what) {
        for (io.netty.util.concurrent.EventExecutor e : group) {
            e.terminationFuture().addListener(f -> {
                if (!closing) {
                    dev.cinnabar.server.Crash.of(server).threadDied(what + " terminated", f.cause());
                }
            });
        }
    }

    /**
     * Binds every address of a bind list on a port (0: a free port, shared by all addresses).
     * Addresses starting with '-' are optional. All-or-nothing: on failure the channels bound so
     * far are closed and the exception says which address failed.
     */
    private List<Channel> bindAll(int port, List<String> binds) {
        List<Channel> bound = new ArrayList<>();
        for (String addr : binds) {
            boolean optional = addr.startsWith("-");
            String host = optional ? addr.substring(1) : addr;
            InetSocketAddress sa;
            if (host.equals("*")) {
                sa = new InetSocketAddress(port);
            } else if (host.equals("::*")) {
                // "*" already binds the IPv6 wildcard on a dual-stack system.
                continue;
            } else {
                sa = new InetSocketAddress(host, port);
            }
            try {
                Channel ch = bootstrap.bind(sa).sync().channel();
                bound.add(ch);
                if (port == 0) {
                    port = ((InetSocketAddress) ch.localAddress()).getPort();
                }
            } catch (Exception e) {
                if (optional) {
                    continue;
                }
                for (Channel c : bound) {
                    c.close().syncUninterruptibly();
                }
                throw new IllegalStateException("Could not create server TCP listening socket " + host + ":" + port
                        + ": " + e.getMessage(), e);
            }
        }
        boundPort = port;
        boundAddresses = List.copyOf(binds);
        server.config().port = port;
        return bound;
    }

    /**
     * Listens on a new port and addresses (CONFIG SET port / bind), as Redis does: the current
     * listeners are closed, the new ones bound; if that fails the previous ones are bound again and
     * the error is thrown. Connections already accepted stay open.
     */
    public synchronized void rebind(int port, List<String> binds) {
        if (bootstrap == null || (port == boundPort && binds.equals(boundAddresses))) {
            return;
        }
        int oldPort = boundPort;
        List<String> oldBinds = boundAddresses;
        for (Channel c : listeners) {
            c.close().syncUninterruptibly();
        }
        listeners.clear();
        if (noListener(port)) {
            boundPort = 0;
            boundAddresses = List.copyOf(binds);
            return;
        }
        try {
            listeners.addAll(bindAll(port, binds));
        } catch (IllegalStateException e) {
            if (!noListener(oldPort)) {
                listeners.addAll(bindAll(oldPort, oldBinds));
            }
            throw e;
        }
    }

    public int port() {
        return boundPort;
    }

    /** The event loops owning connections (tests make one terminate). */
    EventLoopGroup workers() {
        return workers;
    }

    @Override
    public void close() {
        closing = true;
        for (Channel c : listeners) {
            c.close().syncUninterruptibly();
        }
        listeners.clear();
        if (boss != null) {
            boss.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.MILLISECONDS).syncUninterruptibly();
        }
        if (workers != null) {
            workers.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.MILLISECONDS).syncUninterruptibly();
        }
        ScriptThread.shutdown(server);
    }

    /**
     * tcp-keepalive, read per connection so CONFIG SET applies to new clients: as Redis's
     * anetKeepAlive, probes start after the interval, repeat every third of it, and 3 unanswered
     * probes drop the peer (the timing options need the native transport).
     */
    private void keepalive(SocketChannel ch) {
        int interval = server.config().tcpKeepalive;
        ch.config().setOption(ChannelOption.SO_KEEPALIVE, interval > 0);
        if (interval > 0 && ch instanceof io.netty.channel.epoll.EpollSocketChannel e) {
            e.config().setTcpKeepIdle(interval);
            e.config().setTcpKeepIntvl(Math.max(1, interval / 3));
            e.config().setTcpKeepCnt(3);
        }
    }
}
