package dev.cinnabar.tests.tls;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Certificates generated at run time for the TLS tests (no openssl needed): a CA, a server
 * certificate for 127.0.0.1/localhost usable as client certificate too (as Redis's
 * utils/gen-test-certs.sh makes), a second server certificate from the same CA (reload tests), a
 * client certificate, and a client certificate from another CA. Keys are EC P-256 in PKCS#8 PEM;
 * {@code serverKeyEncrypted} is the server key encrypted with {@link #PASSWORD}. Generated once per
 * JVM in a temporary directory.
 */
public final class TlsCertificates {
    public static final String PASSWORD = "s3cret pass";
    private static TlsCertificates instance;

    public final Path dir;
    public final Path caCert;
    public final Path serverCert;
    public final Path serverKey;
    public final Path serverKeyEncrypted;
    public final Path server2Cert;
    public final Path server2Key;
    public final Path clientCert;
    public final Path clientKey;
    public final Path otherCaCert;
    public final Path otherClientCert;
    public final Path otherClientKey;

    private TlsCertificates(Path dir) throws Exception {
        this.dir = dir;
        KeyPair ca = keys();
        X509Certificate caCrt = sign(new X500Name("O=Cinnabar Test,CN=Certificate Authority"), ca, null, ca, true);
        caCert = write("ca.crt", pem(caCrt));
        KeyPair srv = keys();
        serverCert = write("server.crt", pem(sign(new X500Name("O=Cinnabar Test,CN=Server"), srv, caCrt, ca, false)));
        serverKey = write("server.key", pem(srv.getPrivate(), null));
        serverKeyEncrypted = write("server-enc.key", pem(srv.getPrivate(), PASSWORD));
        KeyPair srv2 = keys();
        server2Cert = write("server2.crt", pem(sign(new X500Name("O=Cinnabar Test,CN=Server Two"), srv2, caCrt, ca, false)));
        server2Key = write("server2.key", pem(srv2.getPrivate(), null));
        KeyPair cli = keys();
        clientCert = write("client.crt", pem(sign(new X500Name("O=Cinnabar Test,CN=Client"), cli, caCrt, ca, false)));
        clientKey = write("client.key", pem(cli.getPrivate(), null));
        KeyPair other = keys();
        X509Certificate otherCa = sign(new X500Name("O=Someone Else,CN=Other CA"), other, null, other, true);
        otherCaCert = write("other-ca.crt", pem(otherCa));
        KeyPair oc = keys();
        otherClientCert = write("other-client.crt", pem(sign(new X500Name("O=Someone Else,CN=Client"), oc, otherCa, other, false)));
        otherClientKey = write("other-client.key", pem(oc.getPrivate(), null));
    }

    /** The certificates of this JVM (generated on first use). */
    public static synchronized TlsCertificates get() {
        if (instance == null) {
            try {
                Path dir = Files.createTempDirectory("cinnabar-tls");
                dir.toFile().deleteOnExit();
                instance = new TlsCertificates(dir);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (Exception e) {
                throw new IllegalStateException("cannot generate test certificates", e);
            }
        }
        return instance;
    }

    private static KeyPair keys() throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    private static X509Certificate sign(X500Name subject, KeyPair subjectKeys, X509Certificate issuer,
                                        KeyPair issuerKeys, boolean isCa) throws Exception {
        long now = System.currentTimeMillis();
        X500Name issuerName = issuer == null ? subject : X500Name.getInstance(issuer.getSubjectX500Principal().getEncoded());
        JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuerName,
                BigInteger.valueOf(now).multiply(BigInteger.valueOf(1000)).add(BigInteger.valueOf(System.nanoTime() % 1000)),
                new Date(now - 3_600_000L), new Date(now + 365L * 24 * 3_600_000L), subject, subjectKeys.getPublic());
        if (isCa) {
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        } else {
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
            b.addExtension(Extension.extendedKeyUsage, false,
                    new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
            b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                new GeneralName(GeneralName.dNSName, "localhost"), new GeneralName(GeneralName.iPAddress, "127.0.0.1")}));
        }
        ContentSigner signer = new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKeys.getPrivate());
        return new JcaX509CertificateConverter().getCertificate(b.build(signer));
    }

    private static String pem(Object o) throws IOException {
        StringWriter w = new StringWriter();
        try (JcaPEMWriter p = new JcaPEMWriter(w)) {
            p.writeObject(o);
        }
        return w.toString();
    }

    private static String pem(PrivateKey key, String password) throws Exception {
        JcaPKCS8Generator g = password == null ? new JcaPKCS8Generator(key, null)
                : new JcaPKCS8Generator(key, new JceOpenSSLPKCS8EncryptorBuilder(JcaPKCS8Generator.AES_256_CBC)
                        .setProvider(new org.bouncycastle.jce.provider.BouncyCastleProvider())
                        .setPassword(password.toCharArray()).build());
        StringWriter w = new StringWriter();
        try (JcaPEMWriter p = new JcaPEMWriter(w)) {
            p.writeObject(g.generate());
        }
        return w.toString();
    }

    private Path write(String name, String text) throws IOException {
        Path f = dir.resolve(name);
        Files.writeString(f, text);
        f.toFile().deleteOnExit();
        return f;
    }
}
