package dev.cinnabar.server.net;

import dev.cinnabar.server.ServerContext;
import dev.cinnabar.server.config.ClientOutputBufferLimits;
import dev.cinnabar.server.protocol.ProtocolException;
import dev.cinnabar.server.protocol.Reply;
import dev.cinnabar.server.protocol.RequestParser;
import dev.cinnabar.server.protocol.RespWriter;
import dev.cinnabar.server.protocol.Texts;
import dev.cinnabar.server.session.Client;
import dev.cinnabar.server.session.ClientFlags;
import dev.cinnabar.server.session.ClientInfo;
import dev.cinnabar.server.session.Connection;
import dev.cinnabar.server.session.OutputBufferLimits;
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
import java.util.function.Consumer;

/**
 * One connection: the Netty side of a client session.
 *
 * <p>On each read the IO thread parses every complete request in the input (outside the lock),
 * then takes the execution lock once and runs the whole batch, writing replies into one buffer
 * that is written when the batch ends and flushed when the read completes. Pipelined requests thus
 * cost one lock acquisition and one write per batch, and there is no thread hand-off on the
 * request path.
 *
 * <p>Messages from other clients' commands ({@link #deliver}) are encoded under the caller's lock
 * into this connection's pending buffer (also guarded by the lock), and a task on this connection's
 * thread writes it out. Because a batch also starts by writing what is pending, a message always
 * precedes the replies of commands this client runs after it was sent, even if the task has not run
 * yet; and it follows the replies of commands run before it. When the connection's own command is
 * the sender, the message joins its reply buffer in line.
 *
 * <p>Back-pressure: when the socket's outbound buffer passes the high water mark the channel stops
 * reading, so a client that sends without reading cannot make the server buffer replies without
 * bound; messages from others are bounded by client-output-buffer-limit. The query buffer is
 * bounded by client-query-buffer-limit; malformed input gets Redis's protocol error and the
 * connection is closed after the reply.
 *
 * <p>CLIENT PAUSE: a postponed request and the rest of its batch are held, reading stops, and the
 * pause's end resumes them on this connection's thread. CLIENT REPLY OFF/SKIP: the replies a
 * command wrote are cut from the buffer (a writer-index reset, no copy).
 */
final class ClientHandler extends ChannelInboundHandlerAdapter implements Connection {
    private static final byte[] MAX_CLIENTS = "-ERR max number of clients reached\r\n".getBytes(StandardCharsets.US_ASCII);

    private final ServerContext server;
    private final RespWriter writer = new RespWriter();
    /** Encodes deliveries (always under the execution lock, so one per connection suffices). */
    private final RespWriter pushWriter = new RespWriter();
    private final RequestParser parser = new RequestParser();
    private final ArrayList<byte[][]> batch = new ArrayList<>();
    /**
     * Index in batch of the first request not run yet while the client is blocked (BLPOP...) or
     * its command was postponed by CLIENT PAUSE; -1 otherwise.
     */
    private int heldFrom = -1;
    /** batch[heldFrom..] is running on the script thread (the loop must not touch the batch). */
    private boolean offloaded;
    private ChannelHandlerContext ctx;
    private Channel channel;
    private Client client;
    private ByteBuf cumulation;
    private volatile boolean closing;
    /** True while this connection runs its own batch (under the lock). */
    private boolean inBatch;
    /** When pending output went over the soft limit (ms), 0 when under it. */
    private long softLimitSince;
    private volatile int qbufLen;
    private volatile int qbufCap;
    private volatile long qbufPeak;
    private volatile long argvMem;
    /** Deliveries not written yet; guarded by the execution lock. */
    private ByteBuf pending;
    private boolean pendingTaskScheduled;

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
        closing = true;
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
        if (!offloaded) {
            batch.clear(); // else the script thread owns it; its completion task clears it
        }
        ReentrantLock lock = server.lock();
        lock.lock();
        try {
            if (pending != null) {
                pending.release();
                pending = null;
            }
        } finally {
            lock.unlock();
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
            // Held: keep reading (a disconnect must unblock it) but run nothing, within the limit.
            updateQbuf();
            if (cumulation.readableBytes() > server.config().clientQueryBufferLimit) {
                server.log().warning("Closing client that reached max query buffer length: "
                        + ClientInfo.describe(client));
                closeNow();
            }
            return;
        }
        process();
    }

    /** Parses and runs what the input buffer holds, then writes the replies. */
    private void process() {
        ByteBuf out = ctx.alloc().ioBuffer(256);
        writer.target(out);
        ProtocolException protocolError = null;
        boolean more = true;
        while (more && protocolError == null && !client.closeAfterReply() && heldFrom < 0) {
            // Until the client authenticates, stricter limits apply and requests run one at a time
            // so that an AUTH lifts the limits for what follows it.
            boolean unauth = !client.authenticated();
            parser.unauthenticated(unauth);
            parser.maxBulkLen(server.config().protoMaxBulkLen);
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
                server.log().warning("Closing client that reached max query buffer length: "
                        + ClientInfo.describe(client) + " (qbuf initial bytes: "
                        + cumulation.toString(cumulation.readerIndex(), Math.min(64, cumulation.readableBytes()),
                        StandardCharsets.ISO_8859_1).replace("\r", "\\r").replace("\n", "\\n") + ")");
                out.release();
                writer.target(null);
                batch.clear();
                closeNow();
                return;
            }
            if (!batch.isEmpty()) {
                runBatch(0);
            }
        }
        if (protocolError != null && !client.closeAfterReply() && heldFrom < 0) {
            server.log().verbose("Protocol error (" + protocolError.getMessage() + ") from client: "
                    + ClientInfo.describe(client));
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
        updateQbuf();
        writer.target(null);
        emit(out);
    }

    private void updateQbuf() {
        ByteBuf c = cumulation;
        qbufLen = c == null ? 0 : c.readableBytes();
        qbufCap = c == null ? 0 : c.capacity();
        if (qbufCap > qbufPeak) {
            qbufPeak = qbufCap;
        }
        argvMem = parser.pendingBytes();
    }

    /** Runs batch[from..] under the lock; stops early on QUIT-like closes and on CLIENT PAUSE. */
    /**
     * Takes the execution lock. While a script has run past busy-reply-threshold (it holds the
     * lock), answers this batch without it instead (BUSY, SCRIPT KILL, SHUTDOWN NOSAVE) and
     * returns false.
     */
    private boolean lockOrAnswerBusy(ReentrantLock lock, int from) {
        if (lock.tryLock()) {
            return true;
        }
        while (true) {
            try {
                if (lock.tryLock(10, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                    return true;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                lock.lock();
                return true;
            }
            dev.cinnabar.server.scripting.ScriptEngine busy = server.busyScript();
            if (busy != null) {
                for (int i = from; i < batch.size(); i++) {
                    byte[][] argv = batch.get(i);
                    client.request(argv, argv.length);
                    dev.cinnabar.server.scripting.BusyScriptGate.answer(server, busy, client);
                }
                batch.clear();
                return false;
            }
        }
    }

    /**
     * True when batch[i] may run a script (EVAL*, FCALL*, or EXEC of a queue holding one) and this
     * is an event loop: such commands run on the script thread instead (see {@link #offload}).
     */
    private boolean mustOffload(int i) {
        if (!channel.eventLoop().inEventLoop()) {
            return false;
        }
        byte[] name = batch.get(i)[0];
        if (name.length < 4 || name.length > 10) {
            return false;
        }
        if (Texts.is(name, "exec")) {
            return dev.cinnabar.server.multi.Transactions.queuesScript(client);
        }
        return (Texts.is(name, "eval") || Texts.is(name, "evalsha") || Texts.is(name, "eval_ro")
                || Texts.is(name, "evalsha_ro") || Texts.is(name, "fcall") || Texts.is(name, "fcall_ro"))
                && !dev.cinnabar.server.multi.Transactions.inMulti(client);
    }

    /**
     * Runs batch[i..] on the server's script thread. A script holds the execution lock for as long
     * as it runs; run on this event loop it would also stop every other connection of the loop
     * from being read, so they could not get BUSY replies or send SCRIPT KILL past
     * busy-reply-threshold (Redis answers them from inside the script). On the script thread the
     * loop stays free: its other connections wait for the lock and are answered by
     * BusyScriptGate once the script is busy. This connection is held meanwhile (it keeps reading,
     * bounded, and runs nothing); its replies so far are written before the script's, and the
     * loop resumes it afterwards. One hand-off per batch, and only for scripts.
     */
    private void offload(int i) {
        heldFrom = i;
        offloaded = true;
        // submitted once the loop's current task (the process() that got here) is over, so the
        // writer is no longer in use by this loop when the script thread takes it
        channel.eventLoop().execute(() -> ScriptThread.of(server).execute(() -> {
            ByteBuf out = ctx.alloc().ioBuffer(256);
            writer.target(out);
            int from = heldFrom;
            heldFrom = -1;
            try {
                if (!closing) { // a client gone meanwhile runs nothing more, as in Redis
                    runBatch(from);
                }
            } finally {
                writer.target(null);
                channel.eventLoop().execute(() -> {
                    offloaded = false;
                    if (closing) {
                        out.release();
                        batch.clear();
                        return;
                    }
                    emit(out);
                    if (heldFrom < 0 && cumulation != null && cumulation.isReadable() && !client.closeAfterReply()) {
                        process();
                    }
                    ctx.flush();
                });
            }
        }));
    }

    private void runBatch(int from) {
        if (mustOffload(from)) {
            offload(from);
            return;
        }
        ReentrantLock lock = server.lock();
        if (!lockOrAnswerBusy(lock, from)) {
            return;
        }
        if (pending != null) {
            ctx.write(pending, ctx.voidPromise());
            pending = null;
        }
        inBatch = true;
        int n = batch.size();
        int i = from;
        try {
            for (; i < n; i++) {
                if (i > from && mustOffload(i)) {
                    offload(i); // runs once this batch's lock is released
                    return;
                }
                byte[][] argv = batch.get(i);
                client.request(argv, argv.length);
                client.touch(server.clock().millis());
                int mode = client.replyMode;
                int mark = mode == Client.REPLY_ON ? -1 : writer.target().writerIndex();
                if (mode == Client.REPLY_SKIP_NEXT) {
                    client.replyMode = Client.REPLY_ON; // skips this one command only
                }
                server.dispatcher().call(client);
                if (client.postponed) {
                    client.postponed = false;
                    hold(i); // CLIENT PAUSE: this command and the rest wait for the pause to end
                    return;
                }
                // A command run with replies off is silent, unless it turned them back on.
                if (mark >= 0 && !(mode == Client.REPLY_OFF && client.replyMode == Client.REPLY_ON)) {
                    writer.target().writerIndex(mark);
                }
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
            inBatch = false;
            lock.unlock();
        }
    }

    /** Keeps batch[i..] for when the pause ends (runs under the lock); reading goes on, bounded. */
    private void hold(int i) {
        heldFrom = i;
        server.clients().pause().await(() -> channel.eventLoop().execute(this::resume));
    }

    @Override
    public void resumeAfterBlock() {
        channel.eventLoop().execute(this::resume);
    }

    /**
     * Runs the requests that waited behind a blocking command or a pause, then what arrived
     * meanwhile (on this connection's thread).
     */
    private void resume() {
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
            flushPendingInLine();
        }
        writer.target(null);
        emit(out);
        if (!closing && heldFrom < 0 && cumulation != null && cumulation.isReadable() && !client.closeAfterReply()) {
            process();
        }
        ctx.flush();
    }

    /** Writes pending deliveries ahead of what follows (on this connection's thread). */
    private void flushPendingInLine() {
        ReentrantLock lock = server.lock();
        lock.lock();
        try {
            if (pending != null) {
                ctx.write(pending, ctx.voidPromise());
                pending = null;
            }
        } finally {
            lock.unlock();
        }
    }

    private void emit(ByteBuf out) {
        if (out.isReadable()) {
            server.stats().netOutputBytes.addAndGet(out.readableBytes());
            if (client.closeAfterReply()) {
                closing = true;
                ctx.writeAndFlush(out).addListener(ChannelFutureListener.CLOSE);
                return;
            }
            ctx.write(out, ctx.voidPromise());
            checkOutputLimits();
        } else {
            out.release();
            if (client.closeAfterReply()) {
                closing = true;
                ctx.flush();
                ctx.close();
            }
        }
    }

    /** client-output-buffer-limit: closes the client when its pending output is over a limit. */
    private void checkOutputLimits() {
        ClientOutputBufferLimits.Limit limit = OutputBufferLimits.limit(server.config().clientOutputBufferLimits,
                ClientFlags.type(client.flags));
        if (!OutputBufferLimits.active(limit)) {
            return;
        }
        long r = OutputBufferLimits.check(limit, pendingOutputBytes(), server.clock().millis(), softLimitSince);
        if (r >= 0) {
            softLimitSince = r;
            return;
        }
        server.log().warning("Client " + ClientInfo.describe(client)
                + " scheduled to be closed ASAP for overcoming of output buffer limits.");
        client.flags |= ClientFlags.CLOSE_ASAP;
        closeNow();
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
        if (channel.eventLoop().inEventLoop()) {
            if (cumulation != null) {
                cumulation.release();
                cumulation = null;
            }
            channel.close();
        } else {
            channel.eventLoop().execute(this::closeNow);
        }
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
        ByteBuf p = pending;
        return (ob == null ? 0 : ob.totalPendingWriteBytes()) + (p == null ? 0 : p.readableBytes());
    }

    @Override
    public void execute(Runnable task) {
        channel.eventLoop().execute(task);
    }

    @Override
    public void deliver(Consumer<Reply> message) {
        if (closing) {
            return;
        }
        if (inBatch) {
            message.accept(writer);
            return;
        }
        if (pending == null) {
            pending = channel.alloc().ioBuffer(256);
        }
        int before = pending.writerIndex();
        pushWriter.protocol(writer.protocol());
        pushWriter.target(pending);
        try {
            message.accept(pushWriter);
        } catch (RuntimeException e) {
            pending.writerIndex(before);
            throw e;
        } finally {
            pushWriter.target(null);
        }
        server.stats().netOutputBytes.addAndGet(pending.writerIndex() - before);
        if (!pendingTaskScheduled) {
            pendingTaskScheduled = true;
            channel.eventLoop().execute(this::flushDeliveries);
        }
        checkOutputLimits();
    }

    /** Writes and flushes the deliveries made since the last batch (on this connection's thread). */
    private void flushDeliveries() {
        ByteBuf buf;
        ReentrantLock lock = server.lock();
        lock.lock();
        try {
            pendingTaskScheduled = false;
            buf = pending;
            pending = null;
        } finally {
            lock.unlock();
        }
        if (buf != null) {
            if (closing) {
                buf.release();
                return;
            }
            ctx.writeAndFlush(buf, ctx.voidPromise());
        }
    }

    @Override
    public long queryBufferBytes() {
        return qbufLen;
    }

    @Override
    public long queryBufferFree() {
        return Math.max(0, qbufCap - qbufLen);
    }

    @Override
    public long pendingArgvBytes() {
        return argvMem;
    }

    @Override
    public long readBufferPeak() {
        return qbufPeak;
    }

    @Override
    public void protocol(int version) {
        writer.protocol(version);
    }

    @Override
    public int fd() {
        return channel instanceof io.netty.channel.unix.UnixChannel u ? u.fd().intValue() : -1;
    }

    @Override
    public int pendingOutputBuffers() {
        ChannelOutboundBuffer ob = channel.unsafe().outboundBuffer();
        return ob == null ? 0 : ob.size();
    }

    @Override
    public boolean writePending() {
        return !channel.isWritable() || pendingOutputBytes() > 0;
    }
}
