package dev.cinnabar.tests.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cinnabar.testkit.RespClient;
import io.netty.buffer.PooledByteBufAllocator;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Wrong peers on our listeners (issue 14 item 4): a plaintext client on the TLS port, a TLS
 * client on the plain port, a client certificate from another CA, no certificate with
 * tls-auth-clients yes. Each connection is dropped quickly with Redis's "Error accepting a client
 * connection" log line, the log never holds what the peer sent, and a hundred such connections
 * leave no client behind and no pooled memory in use.
 */
class TlsBadInputTest {
    private static TlsSupport.Server server;

    @BeforeAll
    static void start() {
        server = TlsSupport.start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void plaintextClientOnTheTlsPortIsDroppedAndItsBytesAreNotLogged() throws Exception {
        try (Socket s = new Socket("127.0.0.1", server.tlsPort())) {
            s.setSoTimeout(5000);
            s.getOutputStream().write("AUTH hunter2-secret\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(readToEnd(s.getInputStream())).doesNotContain("+OK").doesNotContain("-ERR");
        }
        assertThat(TlsSupport.awaitLog(server, "Error accepting a client connection: not a TLS record")).isTrue();
        assertThat(server.logText()).doesNotContain("hunter2").doesNotContain("68756e74657232"); // nor its hex
    }

    @Test
    void tlsClientOnThePlainPortFailsAtOnce() throws Exception {
        long start = System.nanoTime();
        assertThatThrownBy(() -> TlsSupport.connect(TlsSupport.client(), server.port()).close())
                .isInstanceOf(IOException.class);
        assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(4000); // no wait for a timeout
        assertThat(TlsSupport.awaitLog(server,
                "Error accepting a client connection: a TLS handshake on the plaintext port")).isTrue();
        try (RespClient c = new RespClient(server.port())) {
            assertThat(c.call("PING").asText()).isEqualTo("PONG"); // plaintext clients are unaffected
        }
    }

    @Test
    void clientCertificateFromAnotherCaIsRefused() throws Exception {
        TlsCertificates certs = TlsCertificates.get();
        assertThatThrownBy(() -> {
            try (SSLSocket s = TlsSupport.connect(TlsSupport.client(certs.otherClientCert, certs.otherClientKey),
                    server.tlsPort())) {
                TlsSupport.inline(s, "PING"); // TLS 1.3: the refusal arrives after the client's Finished
            }
        }).isInstanceOf(IOException.class);
        assertThat(TlsSupport.awaitLog(server, "Error accepting a client connection: ")).isTrue();
        assertThatThrownBy(() -> {
            try (SSLSocket s = TlsSupport.connect(TlsSupport.client(null, null), server.tlsPort())) {
                TlsSupport.inline(s, "PING");
            }
        }).isInstanceOf(IOException.class);
    }

    @Test
    void manyBadConnectionsLeaveNothingBehind() throws Exception {
        TlsCertificates certs = TlsCertificates.get();
        for (int i = 0; i < 9; i++) { // warm the pools first
            badConnection(i, certs);
        }
        long before = PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory()
                + PooledByteBufAllocator.DEFAULT.metric().usedHeapMemory();
        for (int i = 0; i < 90; i++) {
            badConnection(i, certs);
        }
        try (RespClient c = new RespClient(server.port())) {
            long deadline = System.currentTimeMillis() + 5000;
            String clients = "";
            while (System.currentTimeMillis() < deadline) {
                clients = c.call("CLIENT", "LIST").asText();
                if (clients.strip().split("\n").length == 1) {
                    break;
                }
                Thread.sleep(20);
            }
            assertThat(clients.strip().split("\n")).hasSize(1); // only this one
        }
        long after = PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory()
                + PooledByteBufAllocator.DEFAULT.metric().usedHeapMemory();
        assertThat(after - before).as("pooled memory growth").isLessThan(8L << 20);
    }

    private static void badConnection(int i, TlsCertificates certs) {
        try {
            switch (i % 3) {
                case 0 -> {
                    try (Socket s = new Socket("127.0.0.1", server.tlsPort())) {
                        s.setSoTimeout(5000);
                        s.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
                        readToEnd(s.getInputStream());
                    }
                }
                case 1 -> TlsSupport.connect(TlsSupport.client(), server.port()).close();
                default -> {
                    try (SSLSocket s = TlsSupport.connect(TlsSupport.client(certs.otherClientCert, certs.otherClientKey),
                            server.tlsPort())) {
                        TlsSupport.inline(s, "PING");
                    }
                }
            }
        } catch (IOException expected) {
            // each of these is refused
        }
    }

    private static String readToEnd(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int b;
        while ((b = in.read()) != -1) {
            sb.append((char) b);
        }
        return sb.toString();
    }
}
