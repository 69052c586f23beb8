package dev.cinnabar.server.net.tls;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSslSessionContext;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;

/**
 * One immutable TLS configuration, as Redis's pair of SSL_CTX (tlsConfigure): the server side
 * (a Netty SslContext on the chosen provider, for accepted connections) and the client side (a
 * JDK SSLContext for the blocking replication link: tls-client-cert-file/-key-file when both are
 * set, else the server's certificate, as Redis does). Building it checks everything Redis checks
 * and fails with Redis's log line; a failed build leaves the previous context in use.
 *
 * <p>Peers are verified against tls-ca-cert-file / tls-ca-cert-dir; like Redis 7.0, a replica does
 * not check the master's host name, only that its certificate chains to the CA.
 */
final class TlsContext {
    private final SslContext server;
    private final SSLContext client;
    private final String[] protocols;
    private final String[] clientCiphers;
    private final boolean preferServerCiphers;
    private final boolean providerPrefersServer;

    private TlsContext(SslContext server, SSLContext client, String[] protocols, String[] clientCiphers,
                       boolean preferServerCiphers) {
        this.server = server;
        this.client = client;
        this.protocols = protocols;
        this.clientCiphers = clientCiphers;
        this.preferServerCiphers = preferServerCiphers;
        SSLEngine probe = server.newEngine(ByteBufAllocator.DEFAULT);
        this.providerPrefersServer = probe.getSSLParameters().getUseCipherSuitesOrder();
        io.netty.util.ReferenceCountUtil.release(probe);
    }

    /** Builds the contexts for s with the given provider; the exception's message is the log line. */
    static TlsContext build(TlsSettings s, SslProvider provider) throws TlsConfigException {
        if (s.certFile().isEmpty()) {
            throw new TlsConfigException("No tls-cert-file configured!");
        }
        if (s.keyFile().isEmpty()) {
            throw new TlsConfigException("No tls-key-file configured!");
        }
        if ((!s.authClients().equals("no") || s.cluster() || s.replication())
                && s.caCertFile().isEmpty() && s.caCertDir().isEmpty()) {
            throw new TlsConfigException("Either tls-ca-cert-file or tls-ca-cert-dir must be specified when "
                    + "tls-cluster, tls-replication or tls-auth-clients are enabled!");
        }
        String[] protocols = protocols(s.protocols());
        List<X509Certificate> chain = certificates(s.certFile());
        PrivateKey key = key(s.keyFile(), s.keyFilePass(), chain.get(0));
        X509Certificate[] trusted = trusted(s);
        checkDhParams(s.dhParamsFile());
        Ciphers ciphers = new Ciphers(s.ciphers(), s.ciphersuites());

        SslContext server;
        try {
            SslContextBuilder b = SslContextBuilder.forServer(key, chain.toArray(X509Certificate[]::new))
                    .sslProvider(provider)
                    .protocols(protocols)
                    .trustManager(trusted)
                    // the engine of each connection is set to tls-auth-clients when accepted
                    .clientAuth(ClientAuth.OPTIONAL);
            if (!ciphers.unset()) {
                b.ciphers(null, ciphers);
            }
            if (s.sessionCaching()) {
                b.sessionCacheSize(s.sessionCacheSize()).sessionTimeout(s.sessionCacheTimeout());
            } else {
                // the JDK has no switch: one session living one second is as close as it gets
                b.sessionCacheSize(1).sessionTimeout(1);
            }
            server = b.build();
        } catch (IllegalArgumentException e) {
            throw new TlsConfigException(e.getMessage() != null && e.getMessage().startsWith("Failed to configure")
                    ? e.getMessage() : "Failed to configure TLS: " + firstLine(e));
        } catch (javax.net.ssl.SSLException e) {
            throw new TlsConfigException("Failed to configure TLS: " + firstLine(e));
        }
        if (!s.sessionCaching() && server.sessionContext() instanceof OpenSslSessionContext o) {
            o.setSessionCacheEnabled(false);
        }

        boolean ownClientCert = !s.clientCertFile().isEmpty() && !s.clientKeyFile().isEmpty();
        List<X509Certificate> clientChain = ownClientCert ? certificates(s.clientCertFile()) : chain;
        PrivateKey clientKey = ownClientCert ? key(s.clientKeyFile(), s.clientKeyFilePass(), clientChain.get(0)) : key;
        SSLContext client;
        String[] clientCiphers;
        try {
            client = SSLContext.getInstance("TLS");
            client.init(keyManagers(clientKey, clientChain), trustManagers(trusted), null);
            SSLParameters defaults = client.getDefaultSSLParameters();
            clientCiphers = ciphers.unset() ? defaults.getCipherSuites()
                    : ciphers.select(Arrays.asList(defaults.getCipherSuites()),
                            new HashSet<>(Arrays.asList(client.getSupportedSSLParameters().getCipherSuites())))
                            .toArray(String[]::new);
        } catch (GeneralSecurityException e) {
            throw new TlsConfigException("Failed to configure TLS: " + firstLine(e));
        }
        return new TlsContext(server, client, protocols, clientCiphers, s.preferServerCiphers());
    }

    /**
     * The TLS handler of an accepted connection, its engine set to tls-auth-clients as now
     * configured. It comes from the context's own newHandler, not newEngine: for OpenSSL that
     * engine is not in the JDK compatibility mode (one record per wrap/unwrap call, each record
     * its own plaintext buffer and channelRead), so a read holding several records is decrypted
     * in one call into one buffer, as a batch of replies is encrypted in one.
     */
    SslHandler newServerHandler(ByteBufAllocator alloc, String authClients) {
        SslHandler h = server.newHandler(alloc);
        SSLEngine e = h.engine();
        switch (authClients) {
            case "yes" -> e.setNeedClientAuth(true);
            case "optional" -> e.setWantClientAuth(true);
            default -> e.setWantClientAuth(false);
        }
        if (preferServerCiphers != providerPrefersServer) {
            SSLParameters p = e.getSSLParameters();
            p.setUseCipherSuitesOrder(preferServerCiphers);
            e.setSSLParameters(p);
        }
        return h;
    }

    /** Our side of a link to a TLS master: wraps a connected socket, the handshake not started. */
    javax.net.ssl.SSLSocket clientSocket(java.net.Socket plain, String host, int port) throws IOException {
        javax.net.ssl.SSLSocket s = (javax.net.ssl.SSLSocket) client.getSocketFactory()
                .createSocket(plain, host, port, true);
        s.setUseClientMode(true);
        s.setEnabledProtocols(protocols);
        s.setEnabledCipherSuites(clientCiphers);
        return s;
    }

    /** Gives up this context's own reference (OpenSSL's native context is freed with its last engine). */
    void release() {
        io.netty.util.ReferenceCountUtil.release(server);
    }

    // ---- reading and checking the files

    static String[] protocols(String spec) throws TlsConfigException {
        if (spec.isEmpty()) {
            return new String[] {"TLSv1.2", "TLSv1.3"};
        }
        List<String> out = new ArrayList<>();
        for (String t : spec.split(" ")) {
            if (t.isEmpty()) {
                continue;
            }
            String p = switch (t.toLowerCase(Locale.ROOT)) {
                case "tlsv1" -> "TLSv1";
                case "tlsv1.1" -> "TLSv1.1";
                case "tlsv1.2" -> "TLSv1.2";
                case "tlsv1.3" -> "TLSv1.3";
                default -> null;
            };
            if (p == null) {
                throw new TlsConfigException("Invalid tls-protocols specified. "
                        + "Use a combination of 'TLSv1', 'TLSv1.1', 'TLSv1.2' and 'TLSv1.3'.");
            }
            if (!out.contains(p)) {
                out.add(p);
            }
        }
        if (out.isEmpty()) {
            throw new TlsConfigException("Invalid tls-protocols configuration string");
        }
        return out.toArray(String[]::new);
    }

    private static List<X509Certificate> certificates(String file) throws TlsConfigException {
        try {
            return Pem.certificates(Path.of(file));
        } catch (IOException | java.nio.file.InvalidPathException e) {
            throw new TlsConfigException("Failed to load certificate: " + file + ": " + e.getMessage());
        }
    }

    /** Reads a key and checks it belongs to the certificate (OpenSSL's "key values mismatch"). */
    private static PrivateKey key(String file, String pass, X509Certificate cert) throws TlsConfigException {
        PrivateKey key;
        try {
            key = Pem.privateKey(Path.of(file), pass.isEmpty() ? null : pass);
        } catch (IOException | java.nio.file.InvalidPathException e) {
            throw new TlsConfigException("Failed to load private key: " + file + ": " + e.getMessage());
        }
        if (!matches(key, cert)) {
            throw new TlsConfigException("Failed to load private key: " + file
                    + ": the key does not match the certificate (key values mismatch)");
        }
        return key;
    }

    private static boolean matches(PrivateKey key, X509Certificate cert) {
        String alg = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "DSA" -> "SHA256withDSA";
            case "RSASSA-PSS" -> "RSASSA-PSS";
            default -> key.getAlgorithm(); // Ed25519, Ed448, EdDSA
        };
        try {
            byte[] probe = "cinnabar key check".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            Signature sign = Signature.getInstance(alg);
            if (alg.equals("RSASSA-PSS")) {
                sign.setParameter(new java.security.spec.PSSParameterSpec("SHA-256", "MGF1",
                        java.security.spec.MGF1ParameterSpec.SHA256, 32, 1));
            }
            sign.initSign(key);
            sign.update(probe);
            byte[] sig = sign.sign();
            Signature verify = Signature.getInstance(alg);
            if (alg.equals("RSASSA-PSS")) {
                verify.setParameter(new java.security.spec.PSSParameterSpec("SHA-256", "MGF1",
                        java.security.spec.MGF1ParameterSpec.SHA256, 32, 1));
            }
            verify.initVerify(cert.getPublicKey());
            verify.update(probe);
            return verify.verify(sig);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /** The CA certificates of tls-ca-cert-file and every certificate file of tls-ca-cert-dir. */
    private static X509Certificate[] trusted(TlsSettings s) throws TlsConfigException {
        List<X509Certificate> out = new ArrayList<>();
        if (!s.caCertFile().isEmpty()) {
            try {
                out.addAll(Pem.certificates(Path.of(s.caCertFile())));
            } catch (IOException | java.nio.file.InvalidPathException e) {
                throw new TlsConfigException("Failed to configure CA certificate(s) file/directory: "
                        + s.caCertFile() + ": " + e.getMessage());
            }
        }
        if (!s.caCertDir().isEmpty()) {
            Path dir = Path.of(s.caCertDir());
            if (!Files.isDirectory(dir)) {
                throw new TlsConfigException("Failed to configure CA certificate(s) file/directory: "
                        + s.caCertDir() + ": not a directory");
            }
            try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
                for (Path f : files) {
                    if (Files.isRegularFile(f)) {
                        try {
                            out.addAll(Pem.certificates(f));
                        } catch (IOException e) {
                            // OpenSSL looks certificates up by hashed name and skips other files
                        }
                    }
                }
            } catch (IOException e) {
                throw new TlsConfigException("Failed to configure CA certificate(s) file/directory: "
                        + s.caCertDir() + ": " + e.getMessage());
            }
        }
        return out.isEmpty() ? null : out.toArray(X509Certificate[]::new);
    }

    /**
     * tls-dh-params-file must be readable PEM DH parameters, as Redis checks. They are not used:
     * BoringSSL offers no finite-field DHE suites (ECDHE only), and the JDK picks its own RFC 7919
     * groups for DHE (see docs/operations.md).
     */
    private static void checkDhParams(String file) throws TlsConfigException {
        if (file.isEmpty()) {
            return;
        }
        String text;
        try {
            text = Files.readString(Path.of(file), java.nio.charset.StandardCharsets.ISO_8859_1);
        } catch (IOException | java.nio.file.InvalidPathException e) {
            throw new TlsConfigException("Failed to load " + file + ": "
                    + (e instanceof java.nio.file.NoSuchFileException ? "No such file or directory" : "cannot read it"));
        }
        if (!text.contains("-----BEGIN DH PARAMETERS-----") && !text.contains("-----BEGIN X9.42 DH PARAMETERS-----")) {
            throw new TlsConfigException(file + ": failed to read DH params.");
        }
    }

    private static javax.net.ssl.KeyManager[] keyManagers(PrivateKey key, List<X509Certificate> chain)
            throws GeneralSecurityException {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            char[] pw = new char[0];
            ks.setKeyEntry("key", key, pw, chain.toArray(X509Certificate[]::new));
            KeyManagerFactory f = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            f.init(ks, pw);
            return f.getKeyManagers();
        } catch (IOException e) {
            throw new GeneralSecurityException(e.getMessage());
        }
    }

    private static javax.net.ssl.TrustManager[] trustManagers(X509Certificate[] trusted)
            throws GeneralSecurityException {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            if (trusted != null) {
                for (int i = 0; i < trusted.length; i++) {
                    ks.setCertificateEntry("ca" + i, trusted[i]);
                }
            }
            TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            f.init(trusted == null ? null : ks);
            return f.getTrustManagers();
        } catch (IOException e) {
            throw new GeneralSecurityException(e.getMessage());
        }
    }

    private static String firstLine(Throwable e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
