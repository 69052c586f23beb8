package dev.cinnabar.server.net.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Cipher;
import javax.crypto.EncryptedPrivateKeyInfo;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * Reads the PEM files Redis's TLS directives name: certificate chains (tls-cert-file, CA files),
 * private keys as PKCS#8 ({@code PRIVATE KEY}, what OpenSSL 3 writes), PKCS#8 encrypted with
 * a password ({@code ENCRYPTED PRIVATE KEY}, tls-key-file-pass) and RSA keys in PKCS#1
 * ({@code RSA PRIVATE KEY}, older {@code openssl genrsa}). Legacy encrypted PEM (Proc-Type
 * headers) and SEC1 EC keys are refused with a clear reason: convert them with
 * {@code openssl pkcs8 -topk8}. Failures are {@link IOException}s whose message is a short reason
 * for the log, never file content.
 */
final class Pem {
    private static final Pattern BLOCK =
            Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----\\s*(.*?)-----END \\1-----", Pattern.DOTALL);
    private static final String[] KEY_ALGORITHMS = {"RSA", "EC", "Ed25519", "Ed448", "DSA", "RSASSA-PSS"};

    private Pem() {
    }

    /** Every certificate of a PEM file, in file order (a chain: the leaf first). */
    static List<X509Certificate> certificates(Path file) throws IOException {
        String text = read(file);
        List<X509Certificate> out = new ArrayList<>();
        try {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            Matcher m = BLOCK.matcher(text);
            while (m.find()) {
                if (m.group(1).equals("CERTIFICATE") || m.group(1).equals("TRUSTED CERTIFICATE")) {
                    out.add((X509Certificate) cf.generateCertificate(new ByteArrayInputStream(decode(m.group(2)))));
                }
            }
        } catch (CertificateException | IllegalArgumentException e) {
            throw new IOException("bad certificate data");
        }
        if (out.isEmpty()) {
            throw new IOException("no certificate found");
        }
        return out;
    }

    /** The first private key of a PEM file; password is used for encrypted PKCS#8 (null: none). */
    static PrivateKey privateKey(Path file, String password) throws IOException {
        String text = read(file);
        Matcher m = BLOCK.matcher(text);
        while (m.find()) {
            String type = m.group(1);
            String body = m.group(2);
            switch (type) {
                case "PRIVATE KEY":
                    return pkcs8(decode(body));
                case "ENCRYPTED PRIVATE KEY":
                    return encrypted(decode(body), password);
                case "RSA PRIVATE KEY":
                    if (body.contains("Proc-Type:")) {
                        throw new IOException("legacy encrypted PEM keys are not supported (convert with openssl pkcs8 -topk8)");
                    }
                    return pkcs8(rsaPkcs1ToPkcs8(decode(body)));
                case "EC PRIVATE KEY":
                    throw new IOException("SEC1 EC keys are not supported (convert with openssl pkcs8 -topk8)");
                default:
                    // another block (a certificate in a combined file): keep looking
            }
        }
        throw new IOException("no private key found");
    }

    private static String read(Path file) throws IOException {
        try {
            return Files.readString(file, StandardCharsets.ISO_8859_1);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IOException("No such file or directory");
        } catch (java.nio.file.AccessDeniedException e) {
            throw new IOException("Permission denied");
        } catch (IOException e) {
            throw new IOException(e.getMessage() == null ? "cannot read the file" : e.getMessage());
        }
    }

    private static byte[] decode(String body) throws IOException {
        try {
            return Base64.getMimeDecoder().decode(body.trim());
        } catch (IllegalArgumentException e) {
            throw new IOException("bad PEM data");
        }
    }

    private static PrivateKey pkcs8(byte[] der) throws IOException {
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
        for (String alg : KEY_ALGORITHMS) {
            try {
                return KeyFactory.getInstance(alg).generatePrivate(spec);
            } catch (GeneralSecurityException e) {
                // try the next algorithm
            }
        }
        throw new IOException("unsupported or corrupt private key");
    }

    private static PrivateKey encrypted(byte[] der, String password) throws IOException {
        if (password == null || password.isEmpty()) {
            throw new IOException("the key is encrypted and no password is configured");
        }
        try {
            EncryptedPrivateKeyInfo info = new EncryptedPrivateKeyInfo(der);
            // PBES2 (what OpenSSL writes) names its algorithm through its parameters
            String alg = info.getAlgParameters() != null ? info.getAlgParameters().toString() : info.getAlgName();
            SecretKeyFactory f = SecretKeyFactory.getInstance(alg);
            Key k = f.generateSecret(new PBEKeySpec(password.toCharArray()));
            Cipher c = Cipher.getInstance(alg);
            c.init(Cipher.DECRYPT_MODE, k, info.getAlgParameters());
            return pkcs8(info.getKeySpec(c).getEncoded());
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IOException("cannot decrypt the private key (bad password or unsupported encryption)");
        }
    }

    /** Wraps a PKCS#1 RSAPrivateKey in a PKCS#8 PrivateKeyInfo (version 0, rsaEncryption, NULL). */
    private static byte[] rsaPkcs1ToPkcs8(byte[] pkcs1) {
        byte[] algId = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01,
            0x01, 0x05, 0x00};
        byte[] version = {0x02, 0x01, 0x00};
        byte[] octet = der(0x04, pkcs1);
        byte[] content = new byte[version.length + algId.length + octet.length];
        System.arraycopy(version, 0, content, 0, version.length);
        System.arraycopy(algId, 0, content, version.length, algId.length);
        System.arraycopy(octet, 0, content, version.length + algId.length, octet.length);
        return der(0x30, content);
    }

    private static byte[] der(int tag, byte[] content) {
        int n = content.length;
        byte[] len;
        if (n < 0x80) {
            len = new byte[] {(byte) n};
        } else if (n < 0x100) {
            len = new byte[] {(byte) 0x81, (byte) n};
        } else if (n < 0x10000) {
            len = new byte[] {(byte) 0x82, (byte) (n >> 8), (byte) n};
        } else {
            len = new byte[] {(byte) 0x83, (byte) (n >> 16), (byte) (n >> 8), (byte) n};
        }
        byte[] out = new byte[1 + len.length + n];
        out[0] = (byte) tag;
        System.arraycopy(len, 0, out, 1, len.length);
        System.arraycopy(content, 0, out, 1 + len.length, n);
        return out;
    }
}
