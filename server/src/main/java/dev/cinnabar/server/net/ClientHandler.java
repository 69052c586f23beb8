package dev.cinnabar.server.net;

import dev.cinnabar.server.ExecutionLock;
import dev.cinnabar.server.ServerContext;
import dev.cinnabar.server.command.CommandSpec;
import dev.cinnabar.server.config.ClientOutputBufferLimits;
import dev.cinnabar.server.memory.HeapGuard;
import dev.cinnabar.server.persistence.aof.AofBarrier;
import dev.cinnabar.server.protocol.ProtocolException;
import dev.cinnabar.server.protocol.Reply;
import dev.cinnabar.server.protocol.RequestParser;
import dev.cinnabar.server.protocol.RespWriter;
import dev.cinnabar.server.protocol.Texts;
import dev.cinnabar.server.session.Client;
import dev.cinnabar.server.session.ClientFlags;
import dev.cinnabar.server.session.ClientInfo;
import dev.cinnabar.server.session.ClientMemory;
import dev.cinnabar.server.session.Connection;
import dev.cinnabar.server.session.OutputBufferLimits;
import dev.cinnabar.server.session.ReplyBuffer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelProgressiveFuture;
import io.netty.channel.ChannelProgressiveFutureListener;
import io.netty.channel.ChannelProgressivePromise;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
 * <p><b>Who runs a connection's requests.</b> The parsed batch and the reply writer have exactly
 * one owner at a time, recorded in {@link #owner}:
 * <ul>
 *   <li>{@code LOOP}: the connection's event loop. It parses, and runs the batch when it can take
 *       the execution lock within a short spin ({@link ExecutionLock#tryAcquire}). An event loop
 *       never blocks on the lock: when it cannot take it, the connection becomes
 *       <li>{@code WAITING}: the batch waits, and the loop serves its other connections. Either the
 *       next release of the lock wakes it (the loop takes it back with a compare-and-set and runs
 *       it), or, while a script is busy, the script's thread claims it with the same
 *       compare-and-set and answers it through the gate (BUSY, or the allow-busy commands), as
 *       Redis processes events from inside a busy script.
 *   <li>{@code AWAY}: another thread runs the batch: the script thread (a batch that reaches
 *       EVAL*, FCALL* or an EXEC queueing one; see {@link ScriptThread}) or a busy script's thread
 *       serving the waiter. When it is done it hands the replies back to the loop, which writes
 *       them and goes on with what arrived meanwhile.
 * </ul>
 * While not {@code LOOP}, and while the client is blocked (BLPOP...) or postponed by CLIENT PAUSE,
 * the loop keeps reading (a disconnect must be noticed) but parses and runs nothing, within the
 * query buffer limit. Hence, per connection, every request is executed at most once, in order,
 * and answered once, in order: a request leaves the batch only by being run by its single owner,
 * or dropped by it once nothing more of the client may run (below).
 *
 * <p>Messages from other clients' commands ({@link #deliver}) are encoded under the execution lock
 * into this connection's pending buffer (guarded by its own small monitor, never by the execution
 * lock, so the loop can write it out without waiting), and a task on the loop writes it. A batch
 * starts by moving what is pending in front of its replies, so a message always precedes the
 * replies of commands this client runs after it was sent and follows the replies of commands run
 * before it; while the batch is away the loop leaves pending messages for the batch's return.
 * When the connection's own command is the sender, the message joins its reply buffer in line.
 *
 * <p>Back-pressure: when the socket's outbound buffer passes the high water mark the channel stops
 * reading, so a client that sends without reading cannot make the server buffer replies without
 * bound; messages from others are bounded by client-output-buffer-limit. The query buffer is
 * bounded by client-query-buffer-limit; malformed input gets Redis's protocol error and the
 * connection is closed after the reply.
 *
 * <p><b>Closing.</b> Redis runs every complete request of its query buffer before its next read
 * finds the EOF, so a client that sends and closes at once has all it sent executed. Here a batch
 * may still be waiting for the lock, or be on the script thread, when the EOF arrives; so the
 * peer's close (EOF, or a read error) only marks the connection {@link #gone}: the batch goes on
 * with its owner as if nothing happened, the complete requests still in the input are parsed and
 * run when the loop has the batch back, all with their replies dropped, and the session is
 * {@link #finish finished} once the loop holds the batch and nothing of it can run any more. The
 * clean-up thus always follows the last request (which needs the live session: its db, its MULTI
 * state). What does not run, as in Redis: the requests behind a blocking command (BLPOP, WAIT...)
 * or a pause (the client is blocked when the EOF comes: the clean-up cancels the wait), an
 * incomplete last request, and everything of a client the server closes ({@link #closing}: CLIENT
 * KILL, output, query buffer or heap limits, eviction, QUIT or a protocol error once answered),
 * whose batch each owner drops when it next holds it. The clean-up (registry, pub/sub, blocking,
 * WATCH, MULTI, tracking) needs the execution lock; the loop hands it to
 * {@link ExecutionLock#runLocked}, which runs it at once if the lock is free or by the lock's
 * holder on release. CLIENT REPLY OFF/SKIP: the replies a command wrote are cut from the buffer
 * (a writer-index reset, no copy).
 */
final class ClientHandler extends ChannelInboundHandlerAdapter implements Connection, ExecutionLock.Waiter {
    private static final byte[] MAX_CLIENTS = "-ERR max number of clients reached\r\n".getBytes(StandardCharsets.US_ASCII);
    /** Owner of the batch and the writer (see the class comment). */
    private static final int LOOP = 0;
    private static final int AWAY = 1;
    private static final int WAITING = 2;
    /** What a drive asks for once it has released the writer. */
    private static final int NONE = 0;
    private static final int WAIT_LOCK = 1;
    private static final int SCRIPT = 2;

    private final ServerContext server;
    private final CommandSpec exec;
    /** The last request mustOffload looked up, and what it found (spares the gate a look-up). */
    private byte[][] lookedUpArgv;
    private CommandSpec lookedUp;
    private final RespWriter writer = new RespWriter();
    /** Encodes deliveries (always under the execution lock, so one per connection suffices). */
    private final RespWriter pushWriter = new RespWriter();
    private final RequestParser parser = new RequestParser();
    private final ArrayList<byte[][]> batch = new ArrayList<>();
    /** wire[i]: the bytes batch[i] took on the wire (Redis's query buffer holds them until it runs). */
    private long[] wire = new long[16];
    /** While runLocked runs: the wire bytes of the running request and of those after it. */
    private long wireLeft;
    /** The running request's share of qbuf (CLIENT LIST/INFO of itself): wireLeft while it runs. */
    private volatile long runningQbuf;
    private final AtomicInteger owner = new AtomicInteger(LOOP);
    /**
     * Index in batch of the first request not run yet while the client is blocked (BLPOP...) or
     * its command was postponed by CLIENT PAUSE; -1 otherwise. Written by the batch's owner.
     */
    private int heldFrom = -1;
    /** heldFrom is set by CLIENT PAUSE (the request at heldFrom was postponed), not by a block. */
    private volatile boolean pauseHeld;
    /** Set by a drive that must hand its batch over (NONE, WAIT_LOCK, SCRIPT) from transferFrom. */
    private int transfer = NONE;
    private int transferFrom;
    /** The waiting batch's first request, and whether it waits for the script thread (WAITING). */
    private int waitFrom;
    private boolean waitScript;
    /** A resume (unblock, end of pause) arrived while the batch was away (loop thread only). */
    private boolean resumePending;
    /**
     * This connection has its turn in the server's ResumeQueue (released from a block or a pause):
     * the next released connection runs once this one has run what its input holds (loop thread).
     */
    private boolean resumeTurn;
    /** This batch holds the lock's before-sleep work (holdSleep; under the lock). */
    private boolean sleepHold;
    /** Replies of a released client wait for the end of the sequence (flushOut; loop thread). */
    private boolean flushHeld;
    /** How long at most a released client's replies wait for the others (ms). */
    private static final long FLUSH_HOLD_MS = 100;
    /** A protocol error found after the requests before it: answered once those have run. */
    private ProtocolException protocolError;
    private ChannelHandlerContext ctx;
    private Channel channel;
    private Client client;
    private ByteBuf cumulation;
    /**
     * Nothing more of this connection runs: closed by the server (CLIENT KILL, an output, query
     * buffer or heap limit, eviction, after a reply with closeAfterReply), or finished.
     */
    private volatile boolean closing;
    /**
     * The peer has closed the connection: nothing can be written any more (replies are dropped),
     * but the requests already read still run, once, in order; then {@link #finish}.
     */
    private volatile boolean gone;
    /**
     * The peer has shut its sending side down (half-close; loop thread): as {@link #gone}, what it
     * sent still runs and then the session ends, but the replies are written, and the connection is
     * closed once they are (Redis runs and answers what it read before its next read finds the EOF).
     */
    private boolean inputShut;
    /** {@link #finish} has run (loop thread). */
    private boolean finished;
    /** True while this connection runs its own batch (under the lock). */
    private boolean inBatch;
    /** When pending output went over the soft limit (ms), 0 when under it. */
    private volatile long softLimitSince;
    /** The reply buffer of the batch being run, until it is handed to the socket (counted in omem). */
    private volatile ByteBuf batchOut;
    /** The size a batch's reply buffer starts with, and its peak fill (rbs, rbp; resized by the cron). */
    private ReplyBuffer replyBuffer;
    /** The session's clean-up has run (under the lock): by a free (eviction) or after the disconnect. */
    private boolean freed;
    private volatile int qbufLen;
    private volatile int qbufCap;
    private volatile long argvMem;
    /** The heap guard (null without one) and the input of this connection it was last told of (loop thread). */
    private HeapGuard heapGuard;
    private long reportedInput;
    /** Deliveries not written yet; guarded by pendingLock (written under the execution lock too). */
    private final Object pendingLock = new Object();
    private ByteBuf pending;
    private boolean pendingTaskScheduled;
    /** The AOF position (AofBarrier) the pending deliveries depend on; guarded by pendingLock. */
    private long pendingNeeds;
    /**
     * The AOF position the output written to the channel depends on: it is flushed once the AOF
     * has passed it (appendfsync always). Written by the batch's owner under the lock and by the loop.
     */
    private volatile long needs;
    /** A flush waits for the AOF (loop thread). */
    private boolean flushWaiting;
    /** The output written to the channel and not taken by the socket yet, as Redis's reply list (omem, oll). */
    private final ReplyList replies = new ReplyList();
    /**
     * Where each command's reply ends in the batch's reply buffer (writer indices, in order),
     * so that {@link #emit} appends them to {@link #replies} reply by reply. Written by the
     * batch's owner, read by the loop once the batch is back.
     */
    private int[] replyEnds = new int[16];
    private int replyCount;
    private final AofBarrier barrier;

    ClientHandler(ServerContext server) {
        this.server = server;
        this.exec = server.commands().spec("exec");
        this.barrier = AofBarrier.of(server);
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
        replyBuffer = new ReplyBuffer(server.now());
        client = new Client(server.clients().newId(), server, this, writer);
        if (channel.localAddress() instanceof io.netty.channel.unix.DomainSocketAddress) {
            client.flags |= ClientFlags.UNIX_SOCKET;
        }
        parser.maxBulkLen(server.config().protoMaxBulkLen);
        heapGuard = HeapGuard.of(server);
        server.clients().add(client);
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        runWritableWaiters();
        if (client != null && !closing) {
            // The peer closed (EOF or a read error): what it sent before still runs, as Redis runs
            // its whole query buffer before it reads the EOF; finish() follows the last request.
            gone = true;
            idle();
        } else {
            finish(); // closed by the server: nothing more runs
        }
        ctx.fireChannelInactive();
    }

    /**
     * The end of the session (loop thread), once: nothing more runs; the clean-up goes to the lock
     * (never waited for here: a busy script may hold it for long) and the input is released. After
     * a peer's close it is called when the loop has the batch back and nothing of it can run any
     * more (all run, or held behind a blocking command or a pause, which are cancelled); after
     * the server's close, at once: a batch away or waiting is then dropped by its owner.
     */
    private void finish() {
        if (finished) {
            return;
        }
        finished = true;
        closing = true;
        if (client != null) {
            server.lock().runLockedEvenWhileBusy(this::cleanUp); // a busy script may do it (it serves waiters)
        }
        if (cumulation != null) {
            cumulation.release();
            cumulation = null;
        }
        forgetInput();
        if (owner.get() == LOOP) {
            batch.clear(); // else its owner (the away thread, or whoever claims the waiter) drops it
        }
        synchronized (pendingLock) {
            if (pending != null) {
                pending.release();
                pending = null;
            }
        }
        if (inputShut && !gone && channel.isActive()) {
            // half-closed: the replies written go out (after the AOF when they wait for it), then the close
            ctx.write(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            flushHeld = false;
            flushAfterAof();
        }
    }

    /** The session's clean-up, once (under the lock): registry, memory accounting, features' state. */
    private void cleanUp() {
        if (freed) {
            return;
        }
        if (server.dispatcher().current() == client) {
            // the client of the running script (or EXEC): as Redis protects it, freed after the call
            server.lock().atRelease(this::cleanUp);
            return;
        }
        freed = true;
        releaseSleep();
        server.clients().remove(client);
        server.clientClosed(client);
    }

    @Override
    public void free() {
        closing = true;
        if (server.dispatcher().current() == client) {
            closeNow(); // running a command (a busy script serving others): cleaned up once it is gone
            return;
        }
        cleanUp();
        close();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf in = (ByteBuf) msg;
        server.stats().netInputBytes.addAndGet(in.readableBytes());
        if (closing || client == null) {
            in.release();
            return;
        }
        boolean runnable = owner.get() == LOOP && heldFrom < 0;
        // While nothing is parsed, input only piles up: a composite keeps the reads without
        // copying them again at every growth (a large value behind a BLPOP, a pause, a script).
        cumulation = cumulation == null ? in : (runnable ? ByteToMessageDecoder.MERGE_CUMULATOR
                : ByteToMessageDecoder.COMPOSITE_CUMULATOR).cumulate(ctx.alloc(), cumulation, in);
        if (!runnable) {
            // Not ours to run now: keep reading (a disconnect must be noticed) within the limit.
            boolean withinHeap = updateQbuf();
            if (queryBufferLength() > server.config().clientQueryBufferLimit) {
                server.log().warning("Closing client that reached max query buffer length: "
                        + ClientInfo.describe(client));
                closeNow();
                return;
            } else if (!withinHeap) {
                closeForHeap();
                return;
            }
            inputGrew();
            return;
        }
        drive(-1);
    }

    /** True while the loop may go on parsing and running this connection's requests. */
    private boolean runnable() {
        return heldFrom < 0 && transfer == NONE && !closing && !client.closeAfterReply();
    }

    /**
     * The loop's work on this connection (loop thread, owner LOOP): runs batch[from..] when from
     * is not negative, then parses and runs what the input buffer holds, writes the replies, and
     * finally hands the batch over if a step asked for it (the lock was taken, or a script).
     */
    private void drive(int from) {
        ByteBuf out = ctx.alloc().ioBuffer(replyBuffer.size());
        batchOut = out;
        writer.target(out);
        if (from >= 0) {
            if (from < batch.size()) {
                runBatch(from);
            } else {
                batch.clear();
            }
        }
        boolean more = true;
        while (more && protocolError == null && runnable() && cumulation != null) {
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
                        int at = batch.size();
                        if (at == wire.length) {
                            wire = Arrays.copyOf(wire, 2 * at);
                        }
                        wire[at] = parser.lastRequestBytes();
                        batch.add(argv);
                        if (unauth) {
                            more = true;
                            break;
                        }
                    } else {
                        client.emptyLine(server.clock().millis()); // a replica's keep-alive
                    }
                }
            } catch (ProtocolException e) {
                protocolError = e;
            }
            if (queryBufferLength() > server.config().clientQueryBufferLimit) {
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
            if (!updateQbuf()) {
                out.release();
                writer.target(null);
                batch.clear();
                closeForHeap();
                return;
            }
            if (!batch.isEmpty()) {
                updateQbuf();
                runBatch(0);
            }
        }
        if (protocolError != null && runnable()) {
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
        if (cumulation != null || parser.midRequest()) {
            inputGrew(); // a request still arriving holds input: account it, evict if need be
        }
        startTransfer();
    }

    /**
     * Input is held for a request not complete yet, or not run yet (loop thread): when the
     * client's memory changed it is accounted again, and client eviction runs if it is on, as Redis
     * does after a read.
     */
    private void inputGrew() {
        ClientMemory mem = server.clients().memory();
        if (closing || mem.usage(client) == client.accountedMemory()) {
            return;
        }
        mem.changed(client);
        if (mem.limit() > 0) {
            server.lock().runLocked(() -> mem.evict(null));
        }
    }

    /** Replies went to the socket (loop thread): a client whose memory changed is accounted again. */
    private void written() {
        Client c = client;
        if (c != null && !closing) {
            ClientMemory mem = server.clients().memory();
            if (mem.limit() > 0 && mem.usage(c) != c.accountedMemory()) {
                mem.changed(c);
            }
        }
    }

    /**
     * What Redis counts as the query buffer (qbuf, client-query-buffer-limit): the input not
     * parsed yet plus the received part of a large argument (Redis reads it into the buffer); the
     * finished arguments of a partly read request are argv-mem, not query buffer.
     */
    private long queryBufferLength() {
        ByteBuf c = cumulation;
        return (c == null ? 0 : c.readableBytes()) + parser.partialBulkBytes();
    }

    /**
     * Updates the query buffer figures and tells the heap guard what input this connection holds;
     * false when the guard wants the connection closed (loop thread).
     */
    private boolean updateQbuf() {
        ByteBuf c = cumulation;
        long partial = parser.partialBulkBytes();
        qbufLen = (int) Math.min(Integer.MAX_VALUE, (c == null ? 0 : c.readableBytes()) + partial);
        // the capacity: the input buffer's, and the array a large argument is received into
        qbufCap = (int) Math.min(Integer.MAX_VALUE, (c == null ? 0 : c.capacity())
                + Math.max(partial, parser.partialBulkCapacity()));
        argvMem = parser.pendingBytes() - partial;
        HeapGuard g = heapGuard;
        if (g == null) {
            return true;
        }
        long held = (c == null ? 0 : c.readableBytes()) + parser.pendingBytes();
        long delta = closing ? -reportedInput : held - reportedInput;
        reportedInput += delta;
        return g.inputChanged(delta, held);
    }

    /** Issue 13 item 4: the input of all clients passed the heap guard's budget. */
    private void closeForHeap() {
        server.log().warning("Closing client whose input would exhaust the heap (the input of all clients passed "
                + "the budget heap-safety-margin leaves): " + ClientInfo.describe(client));
        closeNow();
    }

    /** The heap guard forgets this connection's input (it is closed; loop thread). */
    private void forgetInput() {
        if (heapGuard != null && reportedInput != 0) {
            heapGuard.inputChanged(-reportedInput, 0);
            reportedInput = 0;
        }
    }

    /**
     * True when batch[i] may run a script (EVAL*, FCALL*, or EXEC of a queue holding one) and this
     * is an event loop: such commands run on the script thread instead.
     */
    private boolean mustOffload(int i) {
        if (!channel.eventLoop().inEventLoop()) {
            return false;
        }
        byte[][] argv = batch.get(i);
        CommandSpec cmd = server.commands().lookup(argv[0]);
        lookedUpArgv = argv; // the gate reuses the look-up
        lookedUp = cmd;
        if (cmd == null) {
            return false;
        }
        if (cmd == exec) {
            return dev.cinnabar.server.multi.Transactions.queuesScript(client);
        }
        return cmd.runsScript() && !dev.cinnabar.server.multi.Transactions.inMulti(client);
    }

    /** Runs batch[from..] on the loop, or asks for a hand-over (script, or the lock is taken). */
    private void runBatch(int from) {
        if (mustOffload(from)) {
            handOver(SCRIPT, from);
            return;
        }
        ExecutionLock lock = server.lock();
        if (!lock.tryAcquire()) {
            handOver(WAIT_LOCK, from);
            return;
        }
        try {
            runLocked(from);
        } finally {
            lock.unlock();
        }
    }

    private void handOver(int kind, int from) {
        transfer = kind;
        transferFrom = from;
    }

    /**
     * Runs batch[from..] holding the execution lock, by the batch's owner. Stops early for a
     * script on the loop (handed over), CLIENT PAUSE (held), a blocking command (held), a close.
     */
    private void runLocked(int from) {
        takePending();
        inBatch = true;
        try {
            int n = batch.size();
            wireLeft = 0;
            for (int i = from; i < n; i++) {
                wireLeft += wire[i];
            }
            for (int i = from; i < n; i++) {
                if (closing) {
                    break; // a client gone runs nothing more, as in Redis
                }
                if (i > from && mustOffload(i)) {
                    handOver(SCRIPT, i); // runs once this batch's lock is released
                    holdSleep(); // the rest of the batch runs before the before-sleep work
                    return;
                }
                byte[][] argv = batch.get(i);
                if (argv == lookedUpArgv && lookedUp != null) {
                    client.request(argv, argv.length, lookedUp);
                } else {
                    client.request(argv, argv.length);
                }
                lookedUpArgv = null;
                client.touch(server.clock().millis());
                int before = client.replyMode;
                if (before == Client.REPLY_SKIP) {
                    client.replyMode = Client.REPLY_ON; // the skipped command is over
                } else if (before == Client.REPLY_SKIP_NEXT) {
                    client.replyMode = Client.REPLY_SKIP; // skips this one command only
                }
                int mode = client.replyMode;
                // client eviction before each command, as Redis's processCommand: a client that
                // evicts itself runs nothing more
                ClientMemory mem = server.clients().memory();
                if (mem.limit() > 0 && mem.evict(client)) {
                    break;
                }
                writer.muted(mode != Client.REPLY_ON);
                runningQbuf = wireLeft;
                server.dispatcher().call(client);
                runningQbuf = 0;
                if (gone) {
                    writer.target().clear(); // nobody to read it: a long pipeline keeps no replies
                }
                if (i > from && heapGuard != null && writer.target().readableBytes() > heapGuard.batchReplyCap()) {
                    server.log().warning("Closing client whose pipelined replies would exhaust the heap (over "
                            + heapGuard.batchReplyCap() + " bytes in one batch, heap-safety-margin): "
                            + ClientInfo.describe(client));
                    closing = true; // nothing more of the batch runs
                    close();
                }
                wireLeft -= wire[i];
                if (replyCount == replyEnds.length) {
                    replyEnds = Arrays.copyOf(replyEnds, 2 * replyCount);
                }
                replyEnds[replyCount++] = writer.target().writerIndex();
                if (checkOutputLimits()) {
                    break; // over its output buffer limit: closed, the rest of its input is not run
                }
                if (client.postponed) {
                    client.postponed = false;
                    client.replyMode = before; // the command has not run: a SKIP still applies to it
                    writer.muted(false);
                    hold(i); // CLIENT PAUSE: this command and the rest wait for the pause to end
                    return;
                }
                if (mode != Client.REPLY_ON) {
                    // A command run with replies off is silent (its pushes were not), unless it
                    // turned them back on (CLIENT REPLY ON answers OK, also right after a SKIP).
                    if (client.replyMode == Client.REPLY_ON) {
                        writer.target().writeBytes(writer.mutedBytes());
                    }
                    writer.muted(false);
                }
                if (client.replyMode == Client.REPLY_SKIP && !client.blocked()) {
                    client.replyMode = Client.REPLY_ON;
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
            runningQbuf = 0;
            needs = Math.max(needs, barrier.position()); // the replies wait for the AOF write of the batch
            afterBatch();
            if (transfer != SCRIPT) {
                releaseSleep();
            }
        }
    }

    /**
     * The end of a batch (under the lock): the client is accounted with the replies it has not
     * been sent, then client eviction runs if it is on (Redis's updateClientMemUsage after the
     * command and evictClients before sleeping).
     */
    private void afterBatch() {
        ClientMemory mem = server.clients().memory();
        if (closing || mem.limit() == 0) {
            return; // without client eviction the cron's accounting is enough (INFO refreshes it)
        }
        mem.update(client);
        mem.evict(null);
    }

    /**
     * A batch whose script goes to the script thread holds the lock's before-sleep work (BCAST
     * invalidations) until its rest has run, as Redis runs a client's whole pipeline before its
     * beforeSleep: the invalidations of a pipelined {@code INCR n} and {@code EVAL} follow both
     * replies. Under the lock; a close releases it too.
     */
    private void holdSleep() {
        if (!sleepHold) {
            sleepHold = true;
            server.lock().holdBeforeSleep();
        }
    }

    private void releaseSleep() {
        if (sleepHold) {
            sleepHold = false;
            server.lock().releaseBeforeSleep();
        }
    }

    /** Moves pending deliveries into the reply buffer, ahead of what follows (under the lock). */
    private void takePending() {
        if (pending == null) {
            return;
        }
        ByteBuf p;
        synchronized (pendingLock) {
            p = pending;
            pending = null;
        }
        if (p != null) {
            writer.target().writeBytes(p);
            p.release();
        }
    }

    /**
     * Hands the batch over, once the drive has released the writer (loop thread): to the script
     * thread if it is free, else to the lock's waiters.
     */
    private void startTransfer() {
        int kind = transfer;
        if (kind == NONE) {
            return;
        }
        transfer = NONE;
        int from = transferFrom;
        if (closing) {
            batch.clear();
            return;
        }
        ScriptThread st = ScriptThread.of(server);
        if (kind == SCRIPT && st.tryReserve()) {
            owner.set(AWAY);
            try {
                st.execute(() -> runOnScriptThread(st, from));
            } catch (java.util.concurrent.RejectedExecutionException e) {
                st.release(); // the server is stopping
            }
            return;
        }
        waitFrom = from;
        waitScript = kind == SCRIPT;
        owner.set(WAITING);
        server.lock().await(this);
        if (waitScript && !st.isReserved()) {
            wake(); // freed between our attempt and the registration
        }
    }

    /** Runs a handed-over batch on the script thread, then gives it back to the loop. */
    private void runOnScriptThread(ScriptThread st, int from) {
        ByteBuf out = channel.alloc().ioBuffer(replyBuffer.size());
        batchOut = out;
        ExecutionLock lock = server.lock();
        lock.lock();
        try {
            writer.target(out);
            if (closing) {
                batch.clear();
            } else {
                runLocked(from);
            }
        } finally {
            writer.target(null);
            st.release(); // before the lock: the waiters its release wakes find the thread free
            lock.unlock();
        }
        backToLoop(out);
    }

    // ---- ExecutionLock.Waiter

    @Override
    public void wake() {
        try {
            channel.eventLoop().execute(this::retry);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // the event loop is shutting down with the server
        }
    }

    /** The lock was released: take the waiting batch back and run it (loop thread). */
    private void retry() {
        if (!owner.compareAndSet(WAITING, LOOP)) {
            return; // a busy script served it meanwhile
        }
        if (closing) {
            batch.clear();
        } else if (waitScript) {
            handOver(SCRIPT, waitFrom);
            startTransfer();
        } else {
            drive(waitFrom);
            flushOut();
        }
        idle();
    }

    @Override
    public void serveWhileBusy() {
        if (!owner.compareAndSet(WAITING, AWAY)) {
            return; // woken meanwhile: its loop runs it
        }
        ByteBuf out = channel.alloc().ioBuffer(replyBuffer.size());
        batchOut = out;
        writer.target(out);
        try {
            if (closing) {
                batch.clear();
            } else {
                runLocked(waitFrom); // the gate answers BUSY except for allow-busy commands
            }
        } finally {
            writer.target(null);
        }
        backToLoop(out);
    }

    private void backToLoop(ByteBuf out) {
        try {
            channel.eventLoop().execute(() -> back(out));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            out.release(); // the event loop is shutting down with the server
        }
    }

    /** The batch comes back from another thread: write its replies and go on (loop thread). */
    private void back(ByteBuf out) {
        owner.set(LOOP);
        if (closing) {
            out.release();
            batch.clear();
        } else {
            emit(out);
            writeDeliveries();
            if (!resumePending && heldFrom < 0 && !client.closeAfterReply()) {
                drive(-1);
            }
            flushOut();
        }
        idle();
    }

    /**
     * Called on the loop whenever it is done with this connection for now: runs a resume that
     * arrived while the batch was away, else, when nothing of ours runs any more (no batch away or
     * waiting), ends our turn in the ResumeQueue so the next released client runs.
     */
    private void idle() {
        if (owner.get() != LOOP || transfer != NONE) {
            return;
        }
        if (resumePending) {
            resumePending = false;
            resume();
            return;
        }
        if (resumeTurn) {
            resumeTurn = false;
            if (flushHeld) {
                // fallback: a long turn of a client behind us (a busy script) must not hold our replies
                channel.eventLoop().schedule(this::releaseFlush, FLUSH_HOLD_MS, TimeUnit.MILLISECONDS);
            }
            boolean held = flushHeld;
            server.lock().runLocked(() -> server.clients().resumes().done(this,
                    held ? () -> execute(this::releaseFlush) : null));
        }
        if (gone || inputShut) {
            finish(); // the peer closed and what it sent has run (or is held behind a block: cancelled)
        }
    }

    /**
     * Flushes the replies written so far, unless this connection has run during the current
     * sequence of released clients (ResumeQueue): Redis writes their replies only once all of them
     * have run, so a client killed meanwhile loses them (its command ran, its reply never left).
     */
    private void flushOut() {
        if (resumeTurn || flushHeld) {
            flushHeld = true;
        } else {
            flushAfterAof();
        }
    }

    /**
     * Flushes what was written to the channel once the AOF holds the writes it acknowledges (with
     * appendfsync always the output waits for the AOF write and fsync, as Redis writes replies
     * after flushAppendOnlyFile; at once otherwise). Loop thread.
     */
    private void flushAfterAof() {
        long need = needs;
        if (barrier.passed(need) || !AofBarrier.waits(client)) { // a replica's stream does not wait
            ctx.flush();
            written();
            return;
        }
        if (!flushWaiting) {
            flushWaiting = true;
            barrier.whenPassed(need, () -> {
                try {
                    channel.eventLoop().execute(() -> {
                        flushWaiting = false;
                        flushAfterAof();
                    });
                } catch (java.util.concurrent.RejectedExecutionException e) {
                    // the event loop is shutting down with the server
                }
            });
        }
    }

    /** The released clients have all run (or the fallback delay passed): flush (loop thread). */
    private void releaseFlush() {
        if (flushHeld && !resumeTurn) {
            flushHeld = false;
            flushAfterAof();
        }
    }

    /** Keeps batch[i..] for when the pause ends (runs under the lock); reading goes on, bounded. */
    private void hold(int i) {
        pauseHeld = true;
        heldFrom = i;
        server.clients().pause().await(this, this::startTurn);
    }

    @Override
    public void resumeAfterBlock() {
        server.clients().resumes().schedule(this, this::startTurn);
    }

    /** Our turn in the ResumeQueue (under the lock): resume on the loop. */
    private void startTurn() {
        try {
            channel.eventLoop().execute(() -> {
                resumeTurn = true;
                resume();
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            server.clients().resumes().done(this, null); // the server is stopping: nothing will run here
        }
    }

    /**
     * Runs the requests that waited behind a blocking command or a pause, then what arrived
     * meanwhile (on this connection's thread, during its turn in the ResumeQueue).
     */
    private void resume() {
        if (owner.get() != LOOP) {
            resumePending = true; // the batch's return runs it
            return;
        }
        if (!closing && heldFrom >= 0 && !client.blocked()) {
            int from = heldFrom;
            heldFrom = -1;
            pauseHeld = false;
            drive(from);
            flushOut();
        }
        idle();
    }

    private void emit(ByteBuf out) {
        if (batchOut == out) {
            batchOut = null;
        }
        if (closing || gone) {
            replyCount = 0;
            out.release(); // closed meanwhile (output limit, eviction, kill, the peer): replies dropped
            return;
        }
        if (out.isReadable()) {
            replyBuffer.filled(out.readableBytes());
            server.stats().netOutputBytes.addAndGet(out.readableBytes());
            appendReplies(out);
            if (client.closeAfterReply()) {
                closing = true;
                writeOut(out).addListener(ChannelFutureListener.CLOSE);
                flushAfterAof();
                return;
            }
            writeOut(out);
            checkOutputLimits();
            pauseReadingIfUnbounded();
        } else {
            out.release();
            if (client.closeAfterReply()) {
                closing = true;
                ctx.write(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE); // after what is written
                flushAfterAof();
            }
        }
    }

    /**
     * Counts a batch's output in the reply list, reply by reply as Redis appends them (the bytes
     * after the last recorded reply, a protocol error's or those of deliveries taken in, as one).
     */
    private void appendReplies(ByteBuf out) {
        long bufSize = replyBuffer.size();
        int from = out.readerIndex();
        int end = out.writerIndex();
        for (int i = 0; i < replyCount; i++) {
            int at = Math.min(replyEnds[i], end);
            if (at > from) {
                replies.append(at - from, bufSize);
                from = at;
            }
        }
        replyCount = 0;
        replies.append(end - from, bufSize);
    }

    /** Writes output to the channel; the reply list counts it until the socket has taken it. */
    private ChannelFuture writeOut(ByteBuf buf) {
        ChannelProgressivePromise promise = ctx.newProgressivePromise();
        promise.addListener(new Sent(buf.readableBytes()));
        return ctx.write(buf, promise);
    }

    /** Follows one write's progress into the socket (loop thread). */
    private final class Sent implements ChannelProgressiveFutureListener {
        private final long length;
        private long done;

        Sent(long length) {
            this.length = length;
        }

        @Override
        public void operationProgressed(ChannelProgressiveFuture f, long progress, long total) {
            if (progress > done) {
                replies.sent(progress - done);
                done = progress;
            }
        }

        @Override
        public void operationComplete(ChannelProgressiveFuture f) {
            if (done < length) {
                replies.sent(length - done); // written whole (or dropped with the connection)
                done = length;
            }
        }
    }

    /**
     * client-output-buffer-limit, as Redis's closeClientOnOutputBufferLimitReached with async
     * close: a client whose pending output reached its class's hard limit, or has stayed over the
     * soft limit for longer than its seconds, is closed; the replies it has not been sent are
     * dropped, and it no longer counts for client eviction. Under the lock or on the loop.
     */
    @Override
    public boolean checkOutputLimits() {
        if (closing || client == null) {
            return closing;
        }
        ClientOutputBufferLimits.Limit limit = OutputBufferLimits.limit(server.config().clientOutputBufferLimits,
                ClientFlags.type(client.flags));
        if (!OutputBufferLimits.active(limit)) {
            if (softLimitSince != 0) {
                softLimitSince = 0;
            }
            return false;
        }
        long r = OutputBufferLimits.check(limit, pendingOutputBytes(), server.clock().millis(), softLimitSince);
        if (r >= 0) {
            softLimitSince = r;
            return false;
        }
        server.log().warning("Client " + ClientInfo.describe(client)
                + " scheduled to be closed ASAP for overcoming of output buffer limits.");
        client.flags |= ClientFlags.CLOSE_ASAP;
        closeNow();
        server.lock().runLocked(() -> server.clients().memory().remove(client));
        return true;
    }

    /**
     * Back-pressure where Redis has none to offer: a client whose output no limit bounds (its
     * class has no output buffer limit, and client eviction is off or it is NO-EVICT) stops being
     * read once {@link OutputBufferLimits#UNBOUNDED_PAUSE} bytes wait for it, so a client that
     * sends without reading cannot grow the server's memory without bound. Reading resumes when
     * the socket drains (channelWritabilityChanged). Clients some limit bounds are read on, as
     * Redis reads them, and closed by their limit.
     */
    private void pauseReadingIfUnbounded() {
        if (!channel.isWritable() && channel.config().isAutoRead() && !boundedByLimits()
                && pendingOutputBytes() >= OutputBufferLimits.UNBOUNDED_PAUSE) {
            channel.config().setAutoRead(false);
        }
    }

    private boolean boundedByLimits() {
        Client c = client;
        return c != null && (OutputBufferLimits.active(OutputBufferLimits.limit(server.config().clientOutputBufferLimits,
                ClientFlags.type(c.flags))) || server.clients().memory().evictable(c));
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        flushAfterAof();
    }

    /** Tasks waiting for the socket to become writable (see {@link #whenWritable}); guarded by itself. */
    private final List<Runnable> writableWaiters = new ArrayList<>(1);

    @Override
    public boolean whenWritable(Runnable task) {
        synchronized (writableWaiters) {
            // checked under the lock: a change of writability runs the waiters after it flipped
            if (channel.isWritable() || !channel.isActive()) {
                return false;
            }
            writableWaiters.add(task);
            return true;
        }
    }

    private void runWritableWaiters() {
        List<Runnable> ready;
        synchronized (writableWaiters) {
            if (writableWaiters.isEmpty()) {
                return;
            }
            ready = new ArrayList<>(writableWaiters);
            writableWaiters.clear();
        }
        ready.forEach(Runnable::run);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            ctx.channel().config().setAutoRead(true);
            written();
            runWritableWaiters();
        } else {
            pauseReadingIfUnbounded();
        }
        ctx.fireChannelWritabilityChanged();
    }

    /**
     * The peer shut its sending side down (the channel allows half-closure): an EOF that still
     * lets us write. What it sent runs and is answered, then {@link #finish} closes the connection.
     */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            if (client != null && !closing) {
                inputShut = true;
                idle();
            } else {
                ctx.close();
            }
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public boolean inputClosed() {
        return inputShut || gone;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!(cause instanceof java.io.IOException)) {
            StringBuilder where = new StringBuilder();
            StackTraceElement[] frames = cause.getStackTrace();
            for (int i = 0; i < Math.min(8, frames.length); i++) {
                where.append(i == 0 ? " at " : " < ").append(frames[i]);
            }
            server.log().warning("Closing client " + peerAddress() + " after an internal error: " + cause + where);
            closing = true; // the server closes it: nothing more of it runs
        }
        ctx.close(); // a read error (reset by peer) is a peer's close: what was read runs
    }

    private void closeNow() {
        closing = true;
        if (channel.eventLoop().inEventLoop()) {
            if (cumulation != null) {
                cumulation.release();
                cumulation = null;
            }
            forgetInput();
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

    /** Both ends of a Unix socket connection print as Redis prints them: the socket's path and ":0". */
    private String unixAddr() {
        return server.config().unixsocket + ":0";
    }

    @Override
    public String peerAddress() {
        return client != null && (client.flags & ClientFlags.UNIX_SOCKET) != 0 ? unixAddr() : addr(channel.remoteAddress());
    }

    @Override
    public String localAddress() {
        return client != null && (client.flags & ClientFlags.UNIX_SOCKET) != 0 ? unixAddr() : addr(channel.localAddress());
    }

    @Override
    public void flush() {
        channel.flush();
    }

    @Override
    public void close() {
        closing = true; // at once, from any thread: a peer's close arriving first must not run more
        if (channel.eventLoop().inEventLoop()) {
            channel.close(); // what was not flushed is dropped, as Redis's freeClient drops it
        } else {
            channel.eventLoop().execute(this::close);
        }
    }

    /**
     * All output waiting for the client, what client-output-buffer-limit and omem count: the
     * reply list's blocks and reply buffer not taken by the socket, the deliveries not written
     * yet and the replies of the batch running.
     */
    @Override
    public long pendingOutputBytes() {
        ByteBuf p = pending; // racy reads are fine for a figure
        ByteBuf b = batchOut;
        return replies.buffered() + replies.bytes() + (p == null ? 0 : p.readableBytes())
                + (b == null ? 0 : b.writerIndex());
    }

    @Override
    public void execute(Runnable task) {
        channel.eventLoop().execute(task);
    }

    @Override
    public void deliver(Consumer<Reply> message) {
        if (closing || gone) {
            return;
        }
        if (inBatch) {
            message.accept(writer);
            return;
        }
        boolean schedule;
        synchronized (pendingLock) {
            if (pending == null) {
                pending = channel.alloc().ioBuffer(256);
            }
            int before = pending.writerIndex();
            pushWriter.protocol(writer.protocol());
            pushWriter.target(pending);
            pushWriter.muted(client.repliesMuted()); // a served BLPOP's reply, not a push
            try {
                message.accept(pushWriter);
            } catch (RuntimeException e) {
                pending.writerIndex(before);
                throw e;
            } finally {
                pushWriter.muted(false);
                pushWriter.target(null);
            }
            server.stats().netOutputBytes.addAndGet(pending.writerIndex() - before);
            pendingNeeds = barrier.position(); // under the lock: the message follows what the AOF took so far
            schedule = !pendingTaskScheduled;
            pendingTaskScheduled = true;
        }
        if (schedule) {
            channel.eventLoop().execute(this::flushDeliveries);
        }
        if (!checkOutputLimits() && server.clients().memory().limit() > 0) {
            server.clients().memory().update(client); // as Redis after a pub/sub, tracking or MONITOR message
        }
    }

    /** Writes and flushes the deliveries made since the last batch (on this connection's thread). */
    private void flushDeliveries() {
        synchronized (pendingLock) {
            pendingTaskScheduled = false;
        }
        if (writeDeliveries()) {
            flushOut();
        }
    }

    /**
     * Writes pending deliveries (loop thread). While the batch is away they stay pending: they
     * may have been sent after commands whose replies are not back yet.
     */
    private boolean writeDeliveries() {
        if (owner.get() != LOOP) {
            return false;
        }
        ByteBuf buf;
        long need;
        synchronized (pendingLock) {
            buf = pending;
            pending = null;
            need = pendingNeeds;
        }
        if (buf == null) {
            return false;
        }
        if (need > needs) {
            needs = need;
        }
        if (closing || gone) {
            buf.release();
            return false;
        }
        replyBuffer.filled(buf.readableBytes());
        replies.append(buf.readableBytes(), replyBuffer.size());
        writeOut(buf);
        return true;
    }

    @Override
    public long queryBufferBytes() {
        return qbufLen + runningQbuf;
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
    public ReplyBuffer replyBuffer() {
        return replyBuffer;
    }

    @Override
    public void protocol(int version) {
        writer.protocol(version);
    }

    @Override
    public int fd() {
        return channel instanceof io.netty.channel.unix.UnixChannel u ? u.fd().intValue() : -1;
    }

    /**
     * oll: the blocks of the reply list (Redis's), not Netty's entries (one per batch), with those
     * the replies of the batch running make.
     */
    @Override
    public int pendingOutputBuffers() {
        ByteBuf b = batchOut;
        if (b == null) {
            return replies.blocks();
        }
        return replies.blocksWith(replyEnds, replyCount, 0, b.writerIndex(), replyBuffer.size());
    }

    @Override
    public boolean postponed() {
        return pauseHeld;
    }

    @Override
    public boolean writePending() {
        return !channel.isWritable() || pendingOutputBytes() > 0;
    }
}
