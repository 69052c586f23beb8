package dev.cinnabar.server.net;

import dev.cinnabar.server.ServerContext;
import dev.cinnabar.server.protocol.ProtocolException;
import dev.cinnabar.server.protocol.RequestParser;
import dev.cinnabar.server.protocol.RespWriter;
import dev.cinnabar.server.session.Client;
import dev.cinnabar.server.session.Connection;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One connection: the Netty side of a client session.
 *
 * <p>On each read the IO thread parses every complete request in the input (outside the lock),
 * then takes the execution lock once and runs the whole batch, writing replies into one buffer
 * that is flushed when the read completes. Pipelined requests thus cost one lock acquisition and
 * one write per batch, and there is no thread hand-off on the request path.
 *
 * <p>Back-pressure: when the socket's outbound buffer passes the high water mark the channel stops
 * reading, so a client that sends without reading cannot make the server buffer replies without
 * bound. The query buffer is bounded by client-query-buffer-limit; malformed input gets Redis's
 * protocol error and the connection is closed after the reply.
 */
final class ClientHandler extends ChannelInboundHandlerAdapter implements Connection {
    private static final byte[] MAX_CLIENTS = "-ERR max number of clients reached\r\n".getBytes(StandardCharsets.US_ASCII);

    private final ServerContext server;
    private final RespWriter writer = new RespWriter();
    private final RequestParser parser = new RequestParser();
    private final ArrayList<byte[][]> batch = new ArrayList<>();
    /** Index in batch of the first request not run yet while the client is blocked; -1 otherwise. */
    private int heldFrom = -1;
    private ChannelHandlerContext ctx;
    private Channel channel;
    private Client client;
    private ByteBuf cumulation;
    private volatile boolean closing;

    ClientHandler(ServerContext server) {
        this.server = server;
    }

    Client client() {
        return client;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        channel = ctx.channel();
        server.stats().totalConnectionsReceived.incrementAndGet();
        if (server.clients().size() >= server.config().maxclients) {
            server.stats().rejectedConnections.incrementAndGet();
            closing = true;
            ctx.writeAndFlush(Unpooled.wrappedBuffer(MAX_CLIENTS)).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        String denied = ProtectedMode.check(server.config(), channel.remoteAddress());
        if (denied != null) {
            server.stats().rejectedConnections.incrementAndGet();
            closing = true;
            ctx.writeAndFlush(Unpooled.copiedBuffer(denied, StandardCharsets.US_ASCII))
                    .addListener(ChannelFutureListener.CLOSE);
            return;
        }
        client = new Client(server.clients().newId(), server, this, writer);
        parser.maxBulkLen(server.config().protoMaxBulkLen);
        server.clients().add(client);
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (client != null) {
            ReentrantLock lock = server.lock();
            lock.lock();
            try {
                server.clients().remove(client);
                server.clientClosed(client);
            } finally {
                lock.unlock();
            }
        }
        if (cumulation != null) {
            cumulation.release();
            cumulation = null;
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf in = (ByteBuf) msg;
        server.stats().netInputBytes.addAndGet(in.readableBytes());
        if (closing || client == null) {
            in.release();
            return;
        }
        cumulation = cumulation == null ? in : ByteToMessageDecoder.MERGE_CUMULATOR.cumulate(ctx.alloc(), cumulation, in);
        if (heldFrom >= 0) {
            // Blocked: keep reading (a disconnect must unblock it) but run nothing, within the limit.
            if (cumulation.readableBytes() > server.config().clientQueryBufferLimit) {
                server.log().warning("Closing blocked client that reached max query buffer length: id="
                        + client.id() + " addr=" + peerAddress());
                closeNow();
            }
            return;
        }
        process(ctx);
    }

    /** Parses and runs what the input buffer holds, then writes the replies. */
    private void process(ChannelHandlerContext ctx) {
        ByteBuf out = ctx.alloc().ioBuffer(256);
        writer.target(out);
        ProtocolException protocolError = null;
        boolean more = true;
        while (more && protocolError == null && !client.closeAfterReply() && heldFrom < 0) {
            // Until the client authenticates, stricter limits apply and requests run one at a time
            // so that an AUTH lifts the limits for what follows it.
            boolean unauth = !client.authenticated();
            parser.unauthenticated(unauth);
            more = false;
            try {
                byte[][] argv;
                while ((argv = parser.next(cumulation)) != null) {
                    if (argv.length > 0) {
                        batch.add(argv);
                        if (unauth) {
                            more = true;
                            break;
                        }
                    }
                }
            } catch (ProtocolException e) {
                protocolError = e;
            }
            if (cumulation.readableBytes() + parser.pendingBytes() > server.config().clientQueryBufferLimit) {
                server.log().warning("Closing client that reached max query buffer length: id=" + client.id()
                        + " addr=" + peerAddress() + " (qbuf initial bytes: "
                        + cumulation.toString(cumulation.readerIndex(), Math.min(64, cumulation.readableBytes()),
                        StandardCharsets.ISO_8859_1).replace("\r", "\\r").replace("\n", "\\n") + ")");
                out.release();
                closeNow();
                return;
            }
            if (!batch.isEmpty()) {
                runBatch(0);
            }
        }
        if (protocolError != null && !client.closeAfterReply() && heldFrom < 0) {
            server.log().verbose("Protocol error (" + protocolError.getMessage() + ") from client: id=" + client.id()
                    + " addr=" + peerAddress());
            writer.error("ERR " + protocolError.getMessage());
            server.stats().countError("ERR " + protocolError.getMessage());
            client.closeAfterReply(true);
        }
        if (cumulation != null) {
            if (!cumulation.isReadable()) {
                cumulation.release();
                cumulation = null;
            } else {
                cumulation.discardSomeReadBytes();
            }
        }
        emit(ctx, out);
    }

    /** Runs batch[from..] under the lock; stops on QUIT-like closes and when a command blocks. */
    private void runBatch(int from) {
        ReentrantLock lock = server.lock();
        lock.lock();
        try {
            int n = batch.size();
            for (int i = from; i < n; i++) {
                byte[][] argv = batch.get(i);
                client.request(argv, argv.length);
                client.touch(server.clock().millis());
                server.dispatcher().call(client);
                if (client.blocked()) {
                    heldFrom = i + 1; // the rest waits for the unblock (resumeAfterBlock)
                    return;
                }
                if (client.closeAfterReply()) {
                    break;
                }
            }
            batch.clear();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void resumeAfterBlock() {
        channel.eventLoop().execute(this::resumeHeld);
    }

    /** Runs the requests that waited behind a blocking command, then what arrived meanwhile. */
    private void resumeHeld() {
        if (closing || heldFrom < 0 || client.blocked()) {
            return;
        }
        int from = heldFrom;
        heldFrom = -1;
        ByteBuf out = ctx.alloc().ioBuffer(256);
        writer.target(out);
        if (from < batch.size()) {
            runBatch(from);
        } else {
            batch.clear();
        }
        emit(ctx, out);
        if (!closing && heldFrom < 0 && cumulation != null && cumulation.isReadable() && !client.closeAfterReply()) {
            process(ctx);
        }
        ctx.flush();
    }

    private void emit(ChannelHandlerContext ctx, ByteBuf out) {
        if (out.isReadable()) {
            server.stats().netOutputBytes.addAndGet(out.readableBytes());
            if (client.closeAfterReply()) {
                closing = true;
                ctx.writeAndFlush(out).addListener(ChannelFutureListener.CLOSE);
                return;
            }
            ctx.write(out);
        } else {
            out.release();
            if (client.closeAfterReply()) {
                closing = true;
                ctx.flush();
                ctx.close();
            }
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ctx.flush();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        ctx.channel().config().setAutoRead(ctx.channel().isWritable());
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!(cause instanceof java.io.IOException)) {
            server.log().warning("Closing client " + peerAddress() + " after an internal error: " + cause);
        }
        ctx.close();
    }

    private void closeNow() {
        closing = true;
        if (cumulation != null) {
            cumulation.release();
            cumulation = null;
        }
        channel.close();
    }

    // ---- Connection

    private static String addr(SocketAddress a) {
        if (a instanceof InetSocketAddress i) {
            String host = i.getAddress() == null ? i.getHostString() : i.getAddress().getHostAddress();
            return host + ":" + i.getPort();
        }
        return String.valueOf(a);
    }

    @Override
    public String peerAddress() {
        return addr(channel.remoteAddress());
    }

    @Override
    public String localAddress() {
        return addr(channel.localAddress());
    }

    @Override
    public void flush() {
        channel.flush();
    }

    @Override
    public void close() {
        if (channel.eventLoop().inEventLoop()) {
            closing = true;
            channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        } else {
            channel.eventLoop().execute(this::close);
        }
    }

    @Override
    public long pendingOutputBytes() {
        ChannelOutboundBuffer ob = channel.unsafe().outboundBuffer();
        return ob == null ? 0 : ob.totalPendingWriteBytes();
    }

    @Override
    public void execute(Runnable task) {
        channel.eventLoop().execute(task);
    }

    /**
     * Hard cap on replies queued for a client by other clients' commands (pub/sub, invalidations),
     * Redis's default client-output-buffer-limit for the pubsub class (32mb): a subscriber that
     * does not read is disconnected instead of growing memory without bound.
     */
    static final long PUSH_HARD_LIMIT = 32L * 1024 * 1024;

    @Override
    public void deliver(int protocol, java.util.function.Consumer<dev.cinnabar.server.protocol.Reply> message) {
        if (closing || channel == null || !channel.isActive()) {
            return;
        }
        ByteBuf buf = channel.alloc().buffer(64);
        RespWriter w = new RespWriter();
        w.protocol(protocol);
        w.target(buf);
        message.accept(w);
        if (pendingOutputBytes() + buf.readableBytes() > PUSH_HARD_LIMIT) {
            buf.release();
            server.log().warning("Client id=" + client.id() + " addr=" + peerAddress()
                    + " scheduled to be closed ASAP for overcoming of output buffer limits.");
            closing = true;
            channel.close();
            return;
        }
        writeAsync(buf);
    }

    /** Writes bytes produced elsewhere (pub/sub, a woken blocked client) and flushes; thread-safe. */
    void writeAsync(ByteBuf buf) {
        server.stats().netOutputBytes.addAndGet(buf.readableBytes());
        channel.writeAndFlush(buf);
    }
}
