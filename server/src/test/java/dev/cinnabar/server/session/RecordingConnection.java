package dev.cinnabar.server.session;

import dev.cinnabar.server.ServerContext;
import dev.cinnabar.server.protocol.Reply;
import dev.cinnabar.server.protocol.RespWriter;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * A test client without a network: its connection records the replies and deliveries as RESP
 * text, and {@link #call} sends a command through the gate under the execution lock, as the
 * Netty adapter would. Counts the times the client is resumed after blocking.
 */
public final class RecordingConnection implements Connection {
    private final ServerContext ctx;
    private final ByteBuf out = Unpooled.buffer();
    private final RespWriter writer = new RespWriter();
    private final String lineEnd;
    public final Client client;
    public int resumed;

    /**
     * A client with the given id, registered with the server, replying in the given protocol;
     * the recorded text has each CRLF replaced by {@code lineEnd}.
     */
    public RecordingConnection(ServerContext ctx, long id, int protocol, String lineEnd) {
        this.ctx = ctx;
        this.lineEnd = lineEnd;
        writer.target(out);
        writer.protocol(protocol);
        client = new Client(id, ctx, this, writer);
        ctx.clients().add(client);
    }

    /** Runs a command and returns what it replied. */
    public String call(String... args) {
        byte[][] argv = new byte[args.length][];
        for (int i = 0; i < args.length; i++) {
            argv[i] = args[i].getBytes(StandardCharsets.UTF_8);
        }
        ctx.lock().lock();
        try {
            client.request(argv, argv.length);
            ctx.dispatcher().call(client);
        } finally {
            ctx.lock().unlock();
        }
        return take();
    }

    /** What was recorded since the last call or take, then forgets it. */
    public String take() {
        String s = out.toString(StandardCharsets.UTF_8).replace("\r\n", lineEnd);
        out.clear();
        return s;
    }

    @Override
    public void deliver(Consumer<Reply> message) {
        message.accept(writer);
    }

    @Override
    public void resumeAfterBlock() {
        resumed++;
    }

    @Override
    public String peerAddress() {
        return "127.0.0.1:1";
    }

    @Override
    public String localAddress() {
        return "127.0.0.1:2";
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
    }

    @Override
    public long pendingOutputBytes() {
        return 0;
    }

    @Override
    public void execute(Runnable task) {
        task.run();
    }
}
