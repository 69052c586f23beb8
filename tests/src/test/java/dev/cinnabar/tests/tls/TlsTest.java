package dev.cinnabar.tests.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cinnabar.server.CinnabarServer;
import dev.cinnabar.testkit.Ports;
import dev.cinnabar.testkit.RealRedis;
import dev.cinnabar.testkit.RespClient;
import dev.cinnabar.testkit.Tools;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SslOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;

/**
 * TLS as Redis 7.0 offers it (unit/tls.tcl's ground and more): redis-cli --tls, Jedis and Lettuce
 * over our tls-port beside the plain port, tls-auth-clients, tls-protocols / tls-ciphers, an
 * encrypted key, CONFIG SET reloading certificates for new connections (and keeping the old
 * context when the files are bad, with Redis's error), CONFIG SET tls-port, and start-up without a
 * certificate. Certificates are generated at run time (TlsCertificates).
 */
class TlsTest {
    private static TlsSupport.Server server;
    private static final TlsCertificates CERTS = TlsCertificates.get();

    @BeforeAll
    static void start() {
        server = TlsSupport.start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void redisCliOverTls() {
        String cli = Tools.require("redis-cli");
        List<String> tls = List.of(cli, "--tls", "--cacert", CERTS.caCert.toString(), "--cert", CERTS.clientCert.toString(),
                "--key", CERTS.clientKey.toString(), "-p", Integer.toString(server.tlsPort()));
        List<String> set = new ArrayList<>(tls);
        set.addAll(List.of("SET", "cli-key", "over tls"));
        Tools.Run r = Tools.run(set, (String) null, 20);
        assertThat(r.stdout().trim()).as(r.stderr()).isEqualTo("OK");
        List<String> get = new ArrayList<>(tls);
        get.addAll(List.of("GET", "cli-key"));
        assertThat(Tools.run(get, (String) null, 20).stdout().trim()).isEqualTo("over tls");
        try (RespClient plain = new RespClient(server.port())) {
            assertThat(plain.call("GET", "cli-key").asText()).isEqualTo("over tls"); // one dataset
        }
    }

    @Test
    void jedisOverTls() {
        DefaultJedisClientConfig cfg = DefaultJedisClientConfig.builder().ssl(true)
                .sslSocketFactory(TlsSupport.client().getSocketFactory()).build();
        try (Jedis j = new Jedis(new HostAndPort("127.0.0.1", server.tlsPort()), cfg)) {
            String big = "x".repeat(1 << 20); // several TLS records each way
            assertThat(j.set("jedis-big", big)).isEqualTo("OK");
            assertThat(j.get("jedis-big")).isEqualTo(big);
            Pipeline p = j.pipelined();
            for (int i = 0; i < 1000; i++) {
                p.incr("jedis-counter");
            }
            p.sync();
            assertThat(j.get("jedis-counter")).isEqualTo("1000");
            assertThat(j.clientList()).contains("laddr=127.0.0.1:" + server.tlsPort());
        }
    }

    @Test
    void lettuceOverTls() throws Exception {
        RedisURI uri = RedisURI.builder().withHost("127.0.0.1").withPort(server.tlsPort()).withSsl(true).build();
        RedisClient client = RedisClient.create(uri);
        try {
            client.setOptions(ClientOptions.builder().sslOptions(SslOptions.builder().jdkSslProvider()
                    .trustManager(CERTS.caCert.toFile())
                    .keyManager(CERTS.clientCert.toFile(), CERTS.clientKey.toFile(), null).build()).build());
            try (StatefulRedisConnection<String, String> c = client.connect()) {
                assertThat(c.sync().set("lettuce-key", "v")).isEqualTo("OK");
                List<io.lettuce.core.RedisFuture<Long>> futures = new ArrayList<>();
                for (int i = 0; i < 500; i++) {
                    futures.add(c.async().rpush("lettuce-list", Integer.toString(i)));
                }
                assertThat(futures.get(499).get()).isEqualTo(500L);
                assertThat(c.sync().lrange("lettuce-list", 0, 2)).containsExactly("0", "1", "2");
            }
        } finally {
            client.shutdown();
        }
    }

    @Test
    void tlsAuthClients() throws Exception {
        try (RespClient admin = new RespClient(server.port())) {
            // yes (the default): a client without a certificate is refused
            assertThatThrownBy(() -> {
                try (SSLSocket s = TlsSupport.connect(TlsSupport.client(null, null), server.tlsPort())) {
                    TlsSupport.inline(s, "PING");
                }
            }).isInstanceOf(java.io.IOException.class);
            admin.call("CONFIG", "SET", "tls-auth-clients", "optional");
            try (SSLSocket s = TlsSupport.connect(TlsSupport.client(null, null), server.tlsPort())) {
                assertThat(TlsSupport.inline(s, "PING")).isEqualTo("+PONG");
            }
            try (SSLSocket s = TlsSupport.connect(TlsSupport.client(), server.tlsPort())) {
                assertThat(TlsSupport.inline(s, "PING")).isEqualTo("+PONG");
                assertThat(s.getSession().getLocalCertificates()).isNotEmpty();
            }
            admin.call("CONFIG", "SET", "tls-auth-clients", "no");
            try (SSLSocket s = TlsSupport.connect(TlsSupport.client(null, null), server.tlsPort())) {
                assertThat(TlsSupport.inline(s, "PING")).isEqualTo("+PONG");
            }
        } finally {
            try (RespClient admin = new RespClient(server.port())) {
                admin.call("CONFIG", "SET", "tls-auth-clients", "yes");
            }
        }
    }

    @Test
    void configSetReloadsCertificatesForNewConnectionsAndKeepsTheOldContextOnBadFiles() throws Exception {
        try (TlsSupport.Server s = TlsSupport.start();
             RespClient admin = new RespClient(s.port());
             SSLSocket before = TlsSupport.connect(TlsSupport.client(), s.tlsPort())) {
            assertThat(peerName(before)).contains("CN=Server,");
            assertThat(admin.call("CONFIG", "SET", "tls-cert-file", CERTS.server2Cert.toString(),
                    "tls-key-file", CERTS.server2Key.toString()).asText()).isEqualTo("OK");
            try (SSLSocket after = TlsSupport.connect(TlsSupport.client(), s.tlsPort())) {
                assertThat(peerName(after)).contains("CN=Server Two");
            }
            assertThat(TlsSupport.inline(before, "PING")).isEqualTo("+PONG"); // open connections keep theirs

            String missing = admin.call("CONFIG", "SET", "tls-cert-file", "/nonexistent/cert.pem").toString();
            assertThat(missing).isEqualTo("-ERR CONFIG SET failed (possibly related to argument 'tls-cert-file') - "
                    + "Unable to update TLS configuration. Check server logs.");
            assertThat(s.logText()).contains("Failed to load certificate: /nonexistent/cert.pem");
            // the key of another certificate: refused, as OpenSSL's key values mismatch
            assertThat(admin.call("CONFIG", "SET", "tls-key-file", CERTS.clientKey.toString()).toString())
                    .contains("Unable to update TLS configuration");
            assertThat(s.logText()).contains("Failed to load private key: " + CERTS.clientKey);
            assertThat(admin.call("CONFIG", "SET", "tls-protocols", "TLSv1.2 SSLv3").toString())
                    .contains("Unable to update TLS configuration");
            assertThat(admin.call("CONFIG", "GET", "tls-cert-file").toString()).contains(CERTS.server2Cert.toString());
            try (SSLSocket after = TlsSupport.connect(TlsSupport.client(), s.tlsPort())) {
                assertThat(peerName(after)).contains("CN=Server Two");
                assertThat(TlsSupport.inline(after, "PING")).isEqualTo("+PONG");
            }
        }
    }

    @Test
    void configSetErrorIsRedissForABadCertificate() throws Exception {
        RealRedis.assumeAvailable();
        int tlsPort = Ports.free();
        List<String> args = TlsSupport.settings(tlsPort);
        try (RealRedis redis = RealRedis.start(args.stream().map(a -> a.startsWith("tls-") ? "--" + a : a)
                .toArray(String[]::new));
             RespClient r = redis.client();
             RespClient c = new RespClient(server.port())) {
            for (String[] set : new String[][] {{"tls-cert-file", "/nonexistent/cert.pem"},
                {"tls-key-file", CERTS.clientKey.toString()}, {"tls-protocols", "TLSv1.2 SSLv3"},
                {"tls-ca-cert-file", "/nonexistent/ca.pem"}}) {
                assertThat(c.call("CONFIG", "SET", set[0], set[1]).toString()).as(set[0])
                        .isEqualTo(r.call("CONFIG", "SET", set[0], set[1]).toString());
            }
            assertThat(c.call("CONFIG", "GET", "tls-*").toString().length()).isPositive();
        }
    }

    @Test
    void encryptedKeyWithTlsKeyFilePass() throws Exception {
        try (TlsSupport.Server s = TlsSupport.start("tls-key-file", CERTS.serverKeyEncrypted.toString(),
                "tls-key-file-pass", TlsCertificates.PASSWORD);
             SSLSocket c = TlsSupport.connect(TlsSupport.client(), s.tlsPort())) {
            assertThat(TlsSupport.inline(c, "PING")).isEqualTo("+PONG");
        }
    }

    @Test
    void protocolsAndCiphers() throws Exception {
        try (TlsSupport.Server s = TlsSupport.start("tls-protocols", "TLSv1.2",
                "tls-ciphers", "ECDHE-ECDSA-AES128-GCM-SHA256");
             SSLSocket c = TlsSupport.connect(TlsSupport.client(), s.tlsPort())) {
            assertThat(c.getSession().getProtocol()).isEqualTo("TLSv1.2");
            assertThat(c.getSession().getCipherSuite()).isEqualTo("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256");
            assertThat(TlsSupport.inline(c, "PING")).isEqualTo("+PONG");
        }
        try (TlsSupport.Server s = TlsSupport.start("tls-protocols", "TLSv1.3");
             SSLSocket c = TlsSupport.connect(TlsSupport.client(), s.tlsPort())) {
            assertThat(c.getSession().getProtocol()).isEqualTo("TLSv1.3");
        }
    }

    @Test
    void configSetTlsPortMovesTheListener() throws Exception {
        try (TlsSupport.Server s = TlsSupport.start(); RespClient admin = new RespClient(s.port())) {
            int next = Ports.free();
            assertThat(admin.call("CONFIG", "SET", "tls-port", Integer.toString(next)).asText()).isEqualTo("OK");
            try (SSLSocket c = TlsSupport.connect(TlsSupport.client(), next)) {
                assertThat(TlsSupport.inline(c, "PING")).isEqualTo("+PONG");
            }
            assertThatThrownBy(() -> TlsSupport.connect(TlsSupport.client(), s.tlsPort()).close())
                    .isInstanceOf(java.net.ConnectException.class);
            assertThat(admin.call("CONFIG", "SET", "tls-port", "0").asText()).isEqualTo("OK");
            assertThatThrownBy(() -> TlsSupport.connect(TlsSupport.client(), next).close())
                    .isInstanceOf(java.net.ConnectException.class);
        }
    }

    @Test
    void startUpWithoutACertificateFailsAsRedis() {
        assertThatThrownBy(() -> CinnabarServer.builder().setting("tls-port", Integer.toString(Ports.free())).start()
                .close()).hasMessageContaining("Failed to configure TLS. Check logs for more info.");
    }

    private static String peerName(SSLSocket s) throws Exception {
        return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSubjectX500Principal().getName();
    }
}
