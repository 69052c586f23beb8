package dev.cinnabar.bench;

import dev.cinnabar.server.command.CommandSpec;
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
 * See {@link Gate}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class DispatchBench {
    private static final int KEYS = 1024;

    private Gate gate;
    private final byte[][][] sets = new byte[KEYS][][];
    private final byte[][][] gets = new byte[KEYS][][];
    private final byte[][] ping = {"PING".getBytes(StandardCharsets.US_ASCII)};
    private CommandSpec getSpec;
    private int next;

    @Setup
    public void setup() {
        gate = new Gate(256);
        byte[] value = "value-of-16-byte".getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < KEYS; i++) {
            byte[] key = String.format("key:%04d", i).getBytes(StandardCharsets.US_ASCII);
            sets[i] = new byte[][] {"SET".getBytes(StandardCharsets.US_ASCII), key, value};
            gets[i] = new byte[][] {"GET".getBytes(StandardCharsets.US_ASCII), key};
            run(sets[i]);
        }
        gate.check("GET key:0000", "$16\r\nvalue-of-16-byte\r\n");
        getSpec = gate.ctx.commands().lookup(gets[0][0]);
    }

    @TearDown
    public void tearDown() {
        gate.close();
    }

    private int run(byte[][] argv) {
        return gate.run(argv);
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
        gate.out.clear();
        gate.client.request(argv, argv.length);
        getSpec.handler().execute(gate.client);
        return gate.out.writerIndex();
    }
}
