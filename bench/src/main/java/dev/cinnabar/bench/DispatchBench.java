package dev.cinnabar.bench;

import dev.cinnabar.server.CinnabarServer;
import dev.cinnabar.server.ServerContext;
import dev.cinnabar.server.command.CommandSpec;
import dev.cinnabar.server.protocol.RespWriter;
import dev.cinnabar.server.session.Client;
import dev.cinnabar.server.session.Connection;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Commands through the real gate ({@code Dispatcher.call}) on a fully assembled server context
 * (every feature installed, as {@code CinnabarServer.builder().build()} does) that never opens a
 * socket. The client's reply sink writes into one reused pooled buffer. Argument arrays are
 * prepared once, so parsing is not measured (see {@link RequestParserBench}); keys cycle over 1024
 * existing keys. {@code getHandlerOnly} runs GET's handler without the gate: the difference to
 * {@code get} is the gate's per-command cost (lookup, arity, auth, stages, stats, observers).
 * The execution lock, taken once per pipelined batch by the transport, is not taken here.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class DispatchBench {
    private static final int KEYS = 1024;

    private CinnabarServer server;
    private ServerContext ctx;
    private Client client;
    private ByteBuf out;
    private final byte[][][] sets = new byte[KEYS][][];
    private final byte[][][] gets = new byte[KEYS][][];
    private final byte[][] ping = {"PING".getBytes(StandardCharsets.US_ASCII)};
    private CommandSpec getSpec;
    private int next;

    @Setup
    public void setup() {
        server = CinnabarServer.builder().build();
        ctx = server.context();
        RespWriter writer = new RespWriter();
        out = PooledByteBufAllocator.DEFAULT.directBuffer(256);
        writer.target(out);
        client = new Client(ctx.clients().newId(), ctx, Connection.NONE, writer);
        byte[] value = "value-of-16-byte".getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < KEYS; i++) {
            byte[] key = String.format("key:%04d", i).getBytes(StandardCharsets.US_ASCII);
            sets[i] = new byte[][] {"SET".getBytes(StandardCharsets.US_ASCII), key, value};
            gets[i] = new byte[][] {"GET".getBytes(StandardCharsets.US_ASCII), key};
            run(sets[i]);
        }
        run(gets[0]);
        String reply = out.toString(StandardCharsets.US_ASCII);
        if (!reply.equals("$16\r\nvalue-of-16-byte\r\n")) {
            throw new IllegalStateException("unexpected GET reply: " + reply);
        }
        getSpec = ctx.commands().lookup(gets[0][0]);
    }

    @TearDown
    public void tearDown() {
        out.release();
        server.close();
    }

    private int run(byte[][] argv) {
        out.clear();
        client.request(argv, argv.length);
        ctx.dispatcher().call(client);
        return out.writerIndex();
    }

    private int draw() {
        next = (next + 1) & (KEYS - 1);
        return next;
    }

    @Benchmark
    public int ping() {
        return run(ping);
    }

    @Benchmark
    public int get() {
        return run(gets[draw()]);
    }

    @Benchmark
    public int set() {
        return run(sets[draw()]);
    }

    @Benchmark
    public int getHandlerOnly() {
        byte[][] argv = gets[draw()];
        out.clear();
        client.request(argv, argv.length);
        getSpec.handler().execute(client);
        return out.writerIndex();
    }
}
