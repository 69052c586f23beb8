package dev.cinnabar.bench;

import dev.cinnabar.server.CinnabarServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The whole path over loopback TCP: an embedded server on a free 127.0.0.1 port and one blocking
 * socket client that writes a batch of 16 pipelined requests, then reads the 16 replies (their
 * exact size is known, so the client parses nothing). An operation is one command. The client,
 * the server's event loop and the benchmark share the machine's cores, and B/op counts every
 * thread of the JVM (server and client together).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class EndToEndBench {
    static final int BATCH = 16;
    private static final String VALUE = "value-of-16-byte";

    private CinnabarServer server;
    private Socket socket;
    private OutputStream os;
    private InputStream is;
    private byte[] setBatch;
    private byte[] getBatch;
    private byte[] okReplies;
    private byte[] getReplies;
    private final byte[] buf = new byte[4096];

    @Setup
    public void setup() throws IOException {
        server = CinnabarServer.builder().start();
        socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.connect(new InetSocketAddress("127.0.0.1", server.port()));
        os = socket.getOutputStream();
        is = socket.getInputStream();
        StringBuilder set = new StringBuilder();
        StringBuilder get = new StringBuilder();
        for (int i = 0; i < BATCH; i++) {
            String key = String.format("key:%04d", i);
            set.append("*3\r\n$3\r\nSET\r\n$").append(key.length()).append("\r\n").append(key).append("\r\n$")
                    .append(VALUE.length()).append("\r\n").append(VALUE).append("\r\n");
            get.append("*2\r\n$3\r\nGET\r\n$").append(key.length()).append("\r\n").append(key).append("\r\n");
        }
        setBatch = set.toString().getBytes(StandardCharsets.US_ASCII);
        getBatch = get.toString().getBytes(StandardCharsets.US_ASCII);
        okReplies = "+OK\r\n".repeat(BATCH).getBytes(StandardCharsets.US_ASCII);
        getReplies = ("$" + VALUE.length() + "\r\n" + VALUE + "\r\n").repeat(BATCH).getBytes(StandardCharsets.US_ASCII);
        // Checks the replies once, so the measured loop can trust their sizes.
        roundTrip(setBatch, okReplies.length);
        check(okReplies);
        roundTrip(getBatch, getReplies.length);
        check(getReplies);
    }

    private void check(byte[] expected) {
        if (!Arrays.equals(buf, 0, expected.length, expected, 0, expected.length)) {
            throw new IllegalStateException("unexpected replies: " + new String(buf, 0, expected.length, StandardCharsets.US_ASCII));
        }
    }

    @TearDown
    public void tearDown() throws IOException {
        socket.close();
        server.close();
    }

    private int roundTrip(byte[] requests, int replyBytes) throws IOException {
        os.write(requests);
        int got = 0;
        while (got < replyBytes) {
            int n = is.read(buf, got, replyBytes - got);
            if (n < 0) {
                throw new IOException("server closed the connection");
            }
            got += n;
        }
        return got;
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int set16() throws IOException {
        return roundTrip(setBatch, okReplies.length);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int get16() throws IOException {
        return roundTrip(getBatch, getReplies.length);
    }
}
