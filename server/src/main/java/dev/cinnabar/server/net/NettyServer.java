package dev.cinnabar.server.net;

import dev.cinnabar.server.ServerContext;
import dev.cinnabar.server.config.ConfigException;
import dev.cinnabar.server.net.tls.PlainPortGuard;
import dev.cinnabar.server.net.tls.Tls;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;

/**
 * The TCP listener: Netty with native epoll when available (NIO otherwise), one acceptor thread
 * and {@code io-threads} event loops that own connections. See ClientHandler for the per-read
 * batching under the execution lock.
 *
 * <p>Port 0 or {@code bind ""} means no TCP listener, as in Redis (CONFIG SET closes the
 * listeners), unless the embedding API asked port 0 to pick a free port ({@code
 * portZeroPicksFreePort}); with no unixsocket either, start-up fails ("Configured to not listen
 * anywhere"). unixsocket adds a Unix domain socket listener (native transport only) whose
 * connections are served exactly like TCP ones. An acceptor or event loop thread that terminates while the
 * server is not closing is reported to {@link Crash}.
 *
 * <p>tls-port adds TLS listeners on the same addresses (net.tls): their connections start with the
 * TLS engine, then are served as any other; plain connections start with {@link PlainPortGuard}.
 * CONFIG SET bind moves both sets of listeners, CONFIG SET tls-port the TLS ones.
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
    private Channel unixListener;
    private Path unixPath;
    private final Tls tls;
    private ServerBootstrap tlsBootstrap;
    private final List<Channel> tlsListeners = new ArrayList<>();
    private volatile int tlsBoundPort;
    private List<String> tlsAddresses = List.of();

    public NettyServer(ServerContext server) {
        this.server = server;
        this.tls = Tls.install(server, v -> rebindTls());
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
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true) // a half-closed client is answered
                .childOption(ChannelOption.SO_KEEPALIVE, server.config().tcpKeepalive > 0)
                .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(1 << 20, 4 << 20))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        keepalive(ch);
                        ch.pipeline().addLast(new PlainPortGuard(server), new ClientHandler(server));
                    }
                });
        this.bootstrap = b;
        this.tlsBootstrap = b.clone().childHandler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                keepalive(ch);
                tls.addServerHandlers(ch);
                ch.pipeline().addLast(new ClientHandler(server));
            }
        });
        watch(boss, "the accept thread");
        watch(workers, "an io thread");
        String unix = server.config().unixsocket;
        int tlsPort = tlsPort();
        try {
            tls.configureAtStartup();
            boolean noTcp = noListener(server.config().port, server.config().bind);
            boolean noTls = tlsPort == 0 || server.config().bind.isEmpty();
            if (noTcp && noTls && unix.isEmpty()) {
                throw new IllegalStateException("Configured to not listen anywhere, exiting.");
            }
            if (!noTcp) {
                listeners.addAll(bindAll(server.config().port, server.config().bind));
            } else {
                boundAddresses = List.copyOf(server.config().bind);
            }
            if (!noTls) {
                tlsListeners.addAll(bindAll(tlsBootstrap, tlsPort, server.config().bind));
                tlsBoundPort = tlsPort;
                tlsAddresses = List.copyOf(server.config().bind);
            }
            if (!unix.isEmpty()) {
                listenUnix(unix, epoll);
            }
        } catch (IllegalStateException e) {
            close();
            throw e;
        }
        // the transport, for operators (Redis has no such line); "Ready to accept" comes after the load
        // (the text built only when it is logged: its concatenation's first run costs start-up time)
        if (server.log().enabled(dev.cinnabar.server.Log.VERBOSE)) {
            server.log().verbose("Listening with " + (epoll ? "epoll" : "nio") + ", " + threads + " io thread"
                    + (threads == 1 ? "" : "s") + (tlsListeners.isEmpty() ? "" : ", TLS on port " + tlsBoundPort
                    + " (" + tls.providerName() + ")"));
        }
    }

    /**
     * Redis's start-up lines once the dataset is loaded: "Ready to accept connections" for the TCP or
     * TLS listeners, then the unix socket's own line.
     */
    public void logReady() {
        if (!listeners.isEmpty() || !tlsListeners.isEmpty()) {
            server.log().notice("Ready to accept connections");
        }
        if (unixListener != null) {
            server.log().notice("The server is now ready to accept connections at " + unixPath);
        }
    }

    /**
     * Listens on a Unix domain socket too (unixsocket), with the native transport: a stale socket
     * file is removed first, as Redis does, and unixsocketperm (when not 0) sets the file's mode.
     */
    private void listenUnix(String path, boolean epoll) {
        if (!epoll) {
            throw new IllegalStateException("Failed opening Unix socket: " + path
                    + ": Unix sockets need the native (epoll) transport");
        }
        Path file = Path.of(path);
        try {
            Files.deleteIfExists(file);
            unixListener = new ServerBootstrap()
                    .group(boss, workers)
                    .channel(io.netty.channel.epoll.EpollServerDomainSocketChannel.class)
                    .option(ChannelOption.SO_BACKLOG, server.config().tcpBacklog)
                    .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                    .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(1 << 20, 4 << 20))
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(new ClientHandler(server));
                        }
                    })
                    .bind(new io.netty.channel.unix.DomainSocketAddress(path)).sync().channel();
            unixPath = file;
            int perm = server.config().unixsocketperm;
            if (perm != 0) {
                Files.setPosixFilePermissions(file, permissions(perm));
            }
        } catch (Exception e) {
            throw new IllegalStateException("Failed opening Unix socket: " + path + ": " + e.getMessage(), e);
        }
    }

    /** Octal mode bits (as chmod takes them) as Java's permission set. */
    static java.util.Set<PosixFilePermission> permissions(int mode) {
        java.util.Set<PosixFilePermission> set = java.util.EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] order = {PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE,
            PosixFilePermission.GROUP_READ, PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE,
            PosixFilePermission.OWNER_READ};
        for (int bit = 0; bit < order.length; bit++) {
            if ((mode & (1 << bit)) != 0) {
                set.add(order[bit]);
            }
        }
        return set;
    }

    /** True when there is no TCP listener to open: Redis's port 0, or bind "" (no address). */
    private boolean noListener(int port, List<String> binds) {
        return (port == 0 && !server.config().portZeroPicksFreePort) || binds.isEmpty();
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
        List<Channel> bound = bindAll(bootstrap, port, binds);
        if (port == 0 && !bound.isEmpty()) {
            port = ((InetSocketAddress) bound.get(0).localAddress()).getPort();
        }
        boundPort = port;
        boundAddresses = List.copyOf(binds);
        server.config().port = port;
        return bound;
    }

    /** bindAll for one bootstrap (plain or TLS), leaving the bound port and addresses to the caller. */
    private static List<Channel> bindAll(ServerBootstrap bootstrap, int port, List<String> binds) {
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
        if (noListener(port, binds)) {
            boundPort = 0;
            boundAddresses = List.copyOf(binds);
            return;
        }
        try {
            listeners.addAll(bindAll(port, binds));
        } catch (IllegalStateException e) {
            if (!noListener(oldPort, oldBinds)) {
                listeners.addAll(bindAll(oldPort, oldBinds));
            }
            throw e;
        }
        if (!binds.equals(oldBinds)) {
            try {
                moveTls(tlsBoundPort, binds); // Redis's bind moves the TLS listener too
            } catch (IllegalStateException e) {
                rebind(oldPort, oldBinds);
                throw e;
            }
        }
    }

    /** CONFIG SET tls-port: the TLS listeners move (0 closes them); Redis's error when it fails. */
    private synchronized void rebindTls() throws ConfigException {
        if (tlsBootstrap == null) {
            return; // not started: start() binds it
        }
        try {
            moveTls(tlsPort(), boundAddresses);
        } catch (IllegalStateException e) {
            server.log().warning(e.getMessage());
            throw new ConfigException("Unable to listen on this port. Check server logs.");
        }
    }

    /** Closes the TLS listeners and binds them at port on binds; on failure the old ones come back. */
    private void moveTls(int port, List<String> binds) {
        int oldPort = tlsBoundPort;
        List<String> oldBinds = tlsAddresses;
        if (port == oldPort && binds.equals(oldBinds)) {
            return;
        }
        for (Channel c : tlsListeners) {
            c.close().syncUninterruptibly();
        }
        tlsListeners.clear();
        tlsBoundPort = 0;
        if (port == 0 || binds.isEmpty()) {
            tlsAddresses = List.copyOf(binds);
            return;
        }
        try {
            tlsListeners.addAll(bindAll(tlsBootstrap, port, binds));
            tlsBoundPort = port;
            tlsAddresses = List.copyOf(binds);
        } catch (IllegalStateException e) {
            if (oldPort != 0 && !oldBinds.isEmpty()) {
                tlsListeners.addAll(bindAll(tlsBootstrap, oldPort, oldBinds));
                tlsBoundPort = oldPort;
            }
            throw e;
        }
    }

    private int tlsPort() {
        return Integer.parseInt(server.config().entry("tls-port").get());
    }

    /** The port of the TLS listeners, 0 when there are none. */
    public int tlsBoundPort() {
        return tlsBoundPort;
    }

    public int port() {
        return boundPort;
    }

    /** The event loops owning connections (tests make one terminate). */
    EventLoopGroup workers() {
        return workers;
    }

    /**
     * Closes the TCP and TLS listeners now (SHUTDOWN calls it before its client's connection
     * closes, so a connect after that is refused, as once Redis has exited); the connections and
     * the rest go in {@link #close}. Waits for the accept loop, never runs on it.
     */
    public synchronized void stopAccepting() {
        for (Channel c : listeners) {
            c.close().syncUninterruptibly();
        }
        listeners.clear();
        for (Channel c : tlsListeners) {
            c.close().syncUninterruptibly();
        }
        tlsListeners.clear();
    }

    @Override
    public void close() {
        closing = true;
        stopAccepting();
        if (unixListener != null) {
            unixListener.close().syncUninterruptibly();
            unixListener = null;
            server.log().notice("Removing the unix socket file.");
            try {
                Files.deleteIfExists(unixPath);
            } catch (java.io.IOException e) {
                server.log().warning("Error removing the unix socket file: " + e.getMessage());
            }
        }
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
