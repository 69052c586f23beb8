package dev.cinnabar.bench;

import dev.cinnabar.server.CinnabarServer;
import dev.cinnabar.server.ServerContext;
import dev.cinnabar.server.protocol.RespWriter;
import dev.cinnabar.server.session.Client;
import dev.cinnabar.server.session.Connection;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.nio.charset.StandardCharsets;

/**
 * A fully assembled server context (every feature installed, as {@code CinnabarServer.builder().build()}
 * does) that never opens a socket, with one client whose reply sink writes into one reused pooled
 * buffer: commands run through the real gate ({@code Dispatcher.call}) without parsing or I/O.
 * The execution lock, taken once per pipelined batch by the transport, is not taken here.
 */
final class Gate implements AutoCloseable {
    final CinnabarServer server;
    final ServerContext ctx;
    final Client client;
    final ByteBuf out;

    Gate(int replyCapacity) {
        server = CinnabarServer.builder().build();
        ctx = server.context();
        RespWriter writer = new RespWriter();
        out = PooledByteBufAllocator.DEFAULT.directBuffer(replyCapacity);
        writer.target(out);
        client = new Client(ctx.clients().newId(), ctx, Connection.NONE, writer);
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** Runs one command through the gate; returns the reply's length. */
    int run(byte[][] argv) {
        out.clear();
        client.request(argv, argv.length);
        ctx.dispatcher().call(client);
        return out.writerIndex();
    }

    /** The last reply as text. */
    String reply() {
        return out.toString(StandardCharsets.US_ASCII);
    }

    /** Runs a space-separated command and fails unless the reply is exactly expected. */
    void check(String command, String expected) {
        String[] words = command.split(" ");
        byte[][] argv = new byte[words.length][];
        for (int i = 0; i < words.length; i++) {
            argv[i] = bytes(words[i]);
        }
        run(argv);
        if (!reply().equals(expected)) {
            throw new IllegalStateException(command + ": unexpected reply " + reply());
        }
    }

    @Override
    public void close() {
        out.release();
        server.close();
    }
}
