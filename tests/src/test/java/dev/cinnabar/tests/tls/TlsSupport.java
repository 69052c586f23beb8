package dev.cinnabar.tests.tls;

import dev.cinnabar.server.CinnabarServer;
import dev.cinnabar.testkit.Ports;
import io.netty.handler.ssl.JdkSslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/** Helpers of the TLS tests: a server with a TLS listener, clients' TLS contexts, the server log. */
public final class TlsSupport {
    private TlsSupport() {
    }

    /** A started server: a plain port, a TLS port, the test certificates, its log in a file. */
    public record Server(CinnabarServer server, int tlsPort, Path log) implements AutoCloseable {
        public int port() {
            return server.port();
        }

        String logText() {
            try {
                return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void close() {
            server.close();
        }
    }

    /** The settings of a TLS server with the test certificates (tls-port, cert, key, CA). */
    public static List<String> settings(int tlsPort) {
        TlsCertificates c = TlsCertificates.get();
        return new ArrayList<>(List.of("tls-port", Integer.toString(tlsPort), "tls-cert-file", c.serverCert.toString(),
                "tls-key-file", c.serverKey.toString(), "tls-ca-cert-file", c.caCert.toString()));
    }

    /** Starts a server with the test certificates and the extra settings (name, value pairs). */
    public static Server start(String... extra) {
        // the free port may be taken (an outgoing connection's ephemeral port) before the server
        // binds it: try another one then (a clean-clone CI run failed once on that race)
        for (int attempt = 1; ; attempt++) {
            try {
                return startOn(Ports.free(), extra);
            } catch (IllegalStateException e) {
                if (attempt == 5 || e.getMessage() == null || !e.getMessage().contains("Address already in use")) {
                    throw e;
                }
            }
        }
    }

    private static Server startOn(int tlsPort, String... extra) {
        List<String> s = settings(tlsPort);
        s.addAll(Arrays.asList(extra));
        try {
            Path log = Files.createTempFile("cinnabar-tls", ".log");
            log.toFile().deleteOnExit();
            CinnabarServer.Builder b = CinnabarServer.builder().setting("logfile", log.toString())
                    .setting("loglevel", "notice");
            for (int i = 0; i + 1 < s.size(); i += 2) {
                b.setting(s.get(i), s.get(i + 1));
            }
            return new Server(b.start(), tlsPort, log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A client TLS context trusting the test CA, presenting cert/key (null: no certificate). */
    static SSLContext client(Path cert, Path key) {
        try {
            SslContextBuilder b = SslContextBuilder.forClient().sslProvider(SslProvider.JDK)
                    .trustManager(TlsCertificates.get().caCert.toFile());
            if (cert != null) {
                b.keyManager(cert.toFile(), key.toFile());
            }
            return ((JdkSslContext) b.build()).context();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The test client certificate's context. */
    static SSLContext client() {
        TlsCertificates c = TlsCertificates.get();
        return client(c.clientCert, c.clientKey);
    }

    /** A connected TLS socket (handshake done) with a read timeout of 5 s. */
    static SSLSocket connect(SSLContext ctx, int port) throws IOException {
        SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port);
        s.setSoTimeout(5000);
        s.startHandshake();
        return s;
    }

    /** Sends one inline command on a TLS socket and reads the reply's first line. */
    static String inline(SSLSocket s, String command) throws IOException {
        s.getOutputStream().write((command + "\r\n").getBytes(StandardCharsets.UTF_8));
        s.getOutputStream().flush();
        StringBuilder line = new StringBuilder();
        int b;
        while ((b = s.getInputStream().read()) != -1 && b != '\n') {
            if (b != '\r') {
                line.append((char) b);
            }
        }
        if (b == -1) {
            throw new java.io.EOFException("closed by the server");
        }
        return line.toString();
    }

    /** Waits up to 5 s for the log to contain text. */
    static boolean awaitLog(Server s, String text) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 5000;
        while (System.currentTimeMillis() < deadline) {
            if (s.logText().contains(text)) {
                return true;
            }
            Thread.sleep(20);
        }
        return false;
    }
}
