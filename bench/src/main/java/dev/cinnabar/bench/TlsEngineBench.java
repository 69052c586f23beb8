package dev.cinnabar.bench;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.ReferenceCountUtil;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The TLS provider choice (net.tls): the server-side cost of one request/reply exchange on an
 * established TLS 1.3 connection, with the JDK's SSLEngine or OpenSSL (BoringSSL through
 * netty-tcnative) on the server side and the same JDK engine as the client. One operation: the
 * client encrypts a request, the server decrypts it and encrypts a reply of the same size, the
 * client decrypts it (client work is the same for both providers). {@code bytes}: 40 is a small
 * command, 16384 a full TLS record (a pipelined batch or a big value). {@code handshake} measures
 * a whole handshake (new connections). The server certificate is an RSA 2048 one made with keytool.
 *
 * <p>On a loaded machine JMH's wall-clock throughput mostly measures the scheduler; {@link #main}
 * measures the benchmark thread's CPU time per operation instead (warm-up round, then measured
 * rounds): {@code java -cp bench/target/benchmarks.jar dev.cinnabar.bench.TlsEngineBench}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class TlsEngineBench {
    @Param({"JDK", "OPENSSL_REFCNT"})
    public String provider;

    @Param({"40", "16384"})
    public int bytes;

    private SslContext serverCtx;
    private SslContext clientCtx;
    private SSLEngine server;
    private SSLEngine client;
    private ByteBuffer plain;
    private ByteBuffer net;
    private ByteBuffer out;

    @Setup
    public void setup() throws Exception {
        Path dir = Files.createTempDirectory("tls-bench");
        Path ks = dir.resolve("k.p12");
        Process p = new ProcessBuilder("keytool", "-genkeypair", "-alias", "k", "-keyalg", "RSA", "-keysize", "2048",
                "-dname", "CN=bench", "-validity", "2", "-storetype", "PKCS12", "-keystore", ks.toString(),
                "-storepass", "benchpw", "-keypass", "benchpw").redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (p.waitFor() != 0) {
            throw new IllegalStateException("keytool failed");
        }
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(ks)) {
            store.load(in, "benchpw".toCharArray());
        }
        PrivateKey key = (PrivateKey) store.getKey("k", "benchpw".toCharArray());
        X509Certificate cert = (X509Certificate) store.getCertificate("k");
        serverCtx = SslContextBuilder.forServer(key, cert).sslProvider(SslProvider.valueOf(provider))
                .protocols("TLSv1.3").clientAuth(ClientAuth.NONE).build();
        clientCtx = SslContextBuilder.forClient().sslProvider(SslProvider.JDK).trustManager(cert).protocols("TLSv1.3")
                .build();
        Files.deleteIfExists(ks);
        Files.deleteIfExists(dir);
        plain = ByteBuffer.allocateDirect(32 * 1024);
        net = ByteBuffer.allocateDirect(64 * 1024);
        out = ByteBuffer.allocateDirect(64 * 1024);
        newConnection();
    }

    private void newConnection() throws SSLException {
        release();
        server = serverCtx.newEngine(ByteBufAllocator.DEFAULT);
        client = clientCtx.newEngine(ByteBufAllocator.DEFAULT, "bench", 6379);
        handshake(client, server);
    }

    private void release() {
        if (server != null) {
            ReferenceCountUtil.release(server);
            ReferenceCountUtil.release(client);
        }
    }

    @TearDown
    public void tearDown() {
        release();
        ReferenceCountUtil.release(serverCtx);
    }

    @Benchmark
    public int exchange() throws SSLException {
        transfer(client, server);
        return transfer(server, client);
    }

    @Benchmark
    public SSLEngine handshake() throws SSLException {
        newConnection();
        return server;
    }

    /** from encrypts {@code bytes} bytes, to decrypts them; returns the bytes decrypted. */
    private int transfer(SSLEngine from, SSLEngine to) throws SSLException {
        plain.clear().limit(bytes);
        net.clear();
        from.wrap(plain, net);
        net.flip();
        out.clear();
        while (net.hasRemaining()) {
            SSLEngineResult r = to.unwrap(net, out);
            if (r.bytesConsumed() == 0 && r.bytesProduced() == 0) {
                break;
            }
        }
        return out.position();
    }

    /** Runs a TLS handshake between two engines in memory. */
    private void handshake(SSLEngine c, SSLEngine s) throws SSLException {
        c.beginHandshake();
        s.beginHandshake();
        ByteBuffer c2s = ByteBuffer.allocateDirect(64 * 1024);
        ByteBuffer s2c = ByteBuffer.allocateDirect(64 * 1024);
        ByteBuffer sink = ByteBuffer.allocateDirect(64 * 1024);
        ByteBuffer empty = ByteBuffer.allocate(0);
        for (int i = 0; i < 1000; i++) {
            boolean cDone = step(c, empty, c2s, s2c, sink);
            boolean sDone = step(s, empty, s2c, c2s, sink);
            if (cDone && sDone) {
                drain(s2c, c, sink); // TLS 1.3 session tickets sent after the handshake
                drain(c2s, s, sink);
                return;
            }
        }
        throw new IllegalStateException("handshake did not finish");
    }

    private static void drain(ByteBuffer in, SSLEngine e, ByteBuffer sink) throws SSLException {
        in.flip();
        while (in.hasRemaining()) {
            SSLEngineResult r = e.unwrap(in, sink);
            sink.clear();
            if (r.bytesConsumed() == 0) {
                break;
            }
        }
        in.clear();
    }

    /** One handshake step of e: consumes what the peer sent (in), writes what it sends (outbox). */
    private static boolean step(SSLEngine e, ByteBuffer empty, ByteBuffer outbox, ByteBuffer in, ByteBuffer sink)
            throws SSLException {
        SSLEngineResult.HandshakeStatus hs = e.getHandshakeStatus();
        switch (hs) {
            case NEED_WRAP -> e.wrap(empty, outbox);
            case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
                in.flip();
                e.unwrap(in, sink);
                in.compact();
                sink.clear();
            }
            case NEED_TASK -> {
                Runnable t;
                while ((t = e.getDelegatedTask()) != null) {
                    t.run();
                }
            }
            default -> {
                return true;
            }
        }
        return false;
    }

    /** CPU time per operation of the benchmark thread, for each provider and size (see the class note). */
    public static void main(String[] args) throws Exception {
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        System.out.println("round provider bytes exchange_cpu_ns handshake_cpu_us");
        for (int round = 0; round <= rounds; round++) { // round 0 warms up
            for (int size : new int[] {40, 16384}) {
                for (String p : new String[] {"JDK", "OPENSSL_REFCNT"}) {
                    TlsEngineBench b = new TlsEngineBench();
                    b.provider = p;
                    b.bytes = size;
                    b.setup();
                    int n = size == 40 ? 20000 : 5000;
                    for (int i = 0; i < n; i++) {
                        b.exchange();
                    }
                    long c0 = mx.getCurrentThreadCpuTime();
                    for (int i = 0; i < n; i++) {
                        b.exchange();
                    }
                    long c1 = mx.getCurrentThreadCpuTime();
                    for (int i = 0; i < 200; i++) {
                        b.handshake();
                    }
                    long c2 = mx.getCurrentThreadCpuTime();
                    b.tearDown();
                    if (round > 0) {
                        System.out.println(round + " " + p + " " + size + " " + (c1 - c0) / n + " " + (c2 - c1) / 200 / 1000);
                    }
                }
            }
        }
    }
}
