package dev.cinnabar.server.sentinel;

import dev.cinnabar.server.ServerContext;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * One connection from the Sentinel to an instance it watches (Redis's hiredis async context): the
 * command connection, or the Pub/Sub one. Requests are RESP arrays; replies are decoded into
 * {@link String} (status), {@link Error}, {@link Long}, {@code byte[]} (bulk, null for nil) and
 * {@code List<Object>}, and handed in order to the callback given with each request, or to the
 * message callback (Pub/Sub pushes). Callbacks and the close callback run under the server's
 * execution lock, on the links' own event loop (never one of the server's: this loop may wait for
 * the lock), so the Sentinel's state has one guard: the lock the timer and SENTINEL commands hold.
 */
final class Link {
    /** An error reply ("-ERR ..."). */
    record Error(String text) {
    }

    private static volatile EventLoopGroup group;

    private final ServerContext server;
    private final Channel channel;
    private final ArrayDeque<Consumer<Object>> pending = new ArrayDeque<>();
    private volatile Consumer<Object> onMessage;
    private volatile Runnable onClose;
    private volatile boolean closed;

    private Link(ServerContext server, Channel channel) {
        this.server = server;
        this.channel = channel;
    }

    private static EventLoopGroup group() {
        EventLoopGroup g = group;
        if (g == null) {
            synchronized (Link.class) {
                g = group;
                if (g == null) {
                    g = new NioEventLoopGroup(1, new DefaultThreadFactory("cinnabar-sentinel-link", true));
                    group = g;
                }
            }
        }
        return g;
    }

    /**
     * Starts connecting; {@code done} gets the link, or null when the connect failed (under the
     * lock, as every callback). A connect timeout of a second, as Redis's.
     */
    static void connect(ServerContext server, String host, int port, Consumer<Link> done) {
        Link[] made = new Link[1];
        Bootstrap b = new Bootstrap().group(group()).channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 1000)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        made[0] = new Link(server, ch);
                        ch.pipeline().addLast(new ReplyDecoder(), new Handler(made[0]));
                    }
                });
        ChannelFuture f;
        try {
            f = b.connect(host, port);
        } catch (RuntimeException e) {
            done.accept(null);
            return;
        }
        f.addListener(ok -> locked(server, () -> done.accept(ok.isSuccess() ? made[0] : null)));
    }

    private static void locked(ServerContext server, Runnable r) {
        server.lock().lock();
        try {
            server.updateCachedTime();
            r.run();
        } finally {
            server.lock().unlock();
        }
    }

    void onMessage(Consumer<Object> c) {
        onMessage = c;
    }

    void onClose(Runnable r) {
        onClose = r;
        if (!channel.isActive()) {
            channel.eventLoop().execute(this::closedNow);
        }
    }

    /** Sends a command; {@code reply} (may be null) gets its reply. */
    synchronized void send(Consumer<Object> reply, String... args) {
        if (closed) {
            return;
        }
        pending.add(reply == null ? r -> { } : reply);
        channel.writeAndFlush(encode(args));
    }

    /** Several commands in one write (MULTI ... EXEC), each with its reply callback. */
    synchronized void sendAll(List<String[]> commands, List<Consumer<Object>> replies) {
        if (closed) {
            return;
        }
        ByteBuf out = channel.alloc().buffer();
        for (int i = 0; i < commands.size(); i++) {
            Consumer<Object> r = replies.get(i);
            pending.add(r == null ? x -> { } : r);
            ByteBuf one = encode(commands.get(i));
            out.writeBytes(one);
            one.release();
        }
        channel.writeAndFlush(out);
    }

    int pendingCommands() {
        synchronized (this) {
            return pending.size();
        }
    }

    /** The local address of the connection (the hello's announced IP when none is configured). */
    String localIp() {
        return channel.localAddress() instanceof InetSocketAddress a ? a.getAddress().getHostAddress() : "127.0.0.1";
    }

    void close() {
        closed = true;
        channel.close();
    }

    boolean closed() {
        return closed || !channel.isActive();
    }

    private static io.netty.buffer.ByteBuf encode(String... args) {
        StringBuilder sb = new StringBuilder();
        sb.append('*').append(args.length).append("\r\n");
        List<byte[]> parts = new ArrayList<>();
        for (String a : args) {
            parts.add(a.getBytes(StandardCharsets.UTF_8));
        }
        io.netty.buffer.ByteBuf b = io.netty.buffer.Unpooled.buffer();
        b.writeCharSequence(sb, StandardCharsets.UTF_8);
        for (byte[] p : parts) {
            b.writeCharSequence("$" + p.length + "\r\n", StandardCharsets.UTF_8);
            b.writeBytes(p);
            b.writeCharSequence("\r\n", StandardCharsets.UTF_8);
        }
        return b;
    }

    private void received(Object reply) {
        Consumer<Object> cb;
        synchronized (this) {
            cb = pending.poll();
        }
        Consumer<Object> m = onMessage;
        if (cb == null && m != null) {
            locked(server, () -> m.accept(reply));
        } else if (cb != null) {
            if (m != null && reply instanceof List<?> l && !l.isEmpty() && l.get(0) instanceof byte[] kind
                    && new String(kind, StandardCharsets.UTF_8).equals("message")) {
                // a Pub/Sub push arriving while a command waits: the push is not its reply
                synchronized (this) {
                    pending.addFirst(cb);
                }
                locked(server, () -> m.accept(reply));
                return;
            }
            locked(server, () -> cb.accept(reply));
        }
    }

    private void closedNow() {
        synchronized (this) {
            if (closed && pending.isEmpty() && onClose == null) {
                return;
            }
            closed = true;
            pending.clear();
        }
        Runnable r = onClose;
        onClose = null;
        if (r != null) {
            locked(server, r);
        }
    }

    private static final class Handler extends SimpleChannelInboundHandler<Object> {
        private final Link link;

        Handler(Link link) {
            this.link = link;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Object msg) {
            link.received(msg);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            link.closedNow();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /** RESP2 replies (and the RESP3 types a server may send: null, double, boolean as lines). */
    static final class ReplyDecoder extends ByteToMessageDecoder {
        private static final Object INCOMPLETE = new Object();

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
            while (in.isReadable()) {
                int start = in.readerIndex();
                Object r = parse(in, 0);
                if (r == INCOMPLETE) {
                    in.readerIndex(start);
                    return;
                }
                out.add(r == null ? NIL : r);
            }
        }

        private static Object parse(ByteBuf in, int depth) {
            String line = readLine(in);
            if (line == null || line.isEmpty()) {
                return INCOMPLETE;
            }
            char type = line.charAt(0);
            String rest = line.substring(1);
            switch (type) {
                case '+' -> {
                    return rest;
                }
                case '-' -> {
                    return new Error(rest);
                }
                case ':' -> {
                    return Long.parseLong(rest);
                }
                case '$' -> {
                    int n = Integer.parseInt(rest);
                    if (n < 0) {
                        return null;
                    }
                    if (in.readableBytes() < n + 2) {
                        return INCOMPLETE;
                    }
                    byte[] b = new byte[n];
                    in.readBytes(b);
                    in.skipBytes(2);
                    return b;
                }
                case '*', '>' -> {
                    int n = Integer.parseInt(rest);
                    if (n < 0) {
                        return null;
                    }
                    List<Object> l = new ArrayList<>(n);
                    for (int i = 0; i < n; i++) {
                        Object e = parse(in, depth + 1);
                        if (e == INCOMPLETE) {
                            return INCOMPLETE;
                        }
                        l.add(e);
                    }
                    return l;
                }
                default -> {
                    return rest; // _, ,, # and others: their text
                }
            }
        }

        private static String readLine(ByteBuf in) {
            int eol = in.indexOf(in.readerIndex(), in.writerIndex(), (byte) '\n');
            if (eol < 0) {
                return null;
            }
            int len = eol - in.readerIndex();
            String s = in.toString(in.readerIndex(), Math.max(0, len - 1), StandardCharsets.UTF_8);
            in.readerIndex(eol + 1);
            return s;
        }
    }

    /** A nil reply (Netty does not pass null messages on). */
    static final Object NIL = new Object() {
        @Override
        public String toString() {
            return "(nil)";
        }
    };

    /** A reply's text: status or bulk string; null otherwise. */
    static String text(Object reply) {
        if (reply instanceof String s) {
            return s;
        }
        if (reply instanceof byte[] b) {
            return new String(b, StandardCharsets.UTF_8);
        }
        return null;
    }
}
