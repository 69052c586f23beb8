package dev.cinnabar.server.net.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** tls-protocols and tls-ciphers / tls-ciphersuites parsing, and PEM reading errors (no network). */
class TlsSettingsTest {
    private static final List<String> DEFAULTS = List.of("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");
    private static final Set<String> SUPPORTED = Set.of("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
            "TLS_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_RSA_WITH_AES_128_CBC_SHA256", "TLS_RSA_WITH_AES_256_CBC_SHA256");

    @Test
    void protocolsAsRedisParsesThem() throws Exception {
        assertThat(TlsContext.protocols("")).containsExactly("TLSv1.2", "TLSv1.3");
        assertThat(TlsContext.protocols("tlsv1.2 TLSv1.3 TLSv1.2")).containsExactly("TLSv1.2", "TLSv1.3");
        assertThat(TlsContext.protocols("TLSv1")).containsExactly("TLSv1");
        assertThatThrownBy(() -> TlsContext.protocols("TLSv1.2 SSLv3")).hasMessage(
                "Invalid tls-protocols specified. Use a combination of 'TLSv1', 'TLSv1.1', 'TLSv1.2' and 'TLSv1.3'.");
    }

    @Test
    void unsetCiphersKeepTheDefaults() throws Exception {
        Ciphers c = new Ciphers("", "");
        assertThat(c.unset()).isTrue();
        assertThat(c.select(DEFAULTS, SUPPORTED)).containsExactlyInAnyOrderElementsOf(DEFAULTS);
    }

    @Test
    void openSslNamesKeywordsAndExclusions() throws Exception {
        // Redis's unit/tls.tcl uses these two forms
        assertThat(new Ciphers("AES128-SHA256:AES256-SHA256", "").select(DEFAULTS, SUPPORTED)).containsExactly(
                "TLS_RSA_WITH_AES_128_CBC_SHA256", "TLS_RSA_WITH_AES_256_CBC_SHA256", "TLS_AES_128_GCM_SHA256",
                "TLS_AES_256_GCM_SHA384");
        assertThat(new Ciphers("DEFAULT:-ECDHE-RSA-AES128-GCM-SHA256", "").select(DEFAULTS, SUPPORTED))
                .doesNotContain("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")
                .contains("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384");
        assertThat(new Ciphers("HIGH:!CHACHA20", "").select(DEFAULTS, SUPPORTED))
                .doesNotContain("TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");
        assertThat(new Ciphers("", "TLS_CHACHA20_POLY1305_SHA256").select(DEFAULTS, SUPPORTED))
                .contains("TLS_CHACHA20_POLY1305_SHA256").doesNotContain("TLS_AES_128_GCM_SHA256");
    }

    @Test
    void aListLeavingNoSuiteIsRedisError() {
        assertThatThrownBy(() -> new Ciphers("NOPE-CIPHER", "").select(DEFAULTS, SUPPORTED))
                .hasMessage("Failed to configure ciphers: NOPE-CIPHER");
        assertThatThrownBy(() -> new Ciphers("", "TLS_NOPE").select(DEFAULTS, SUPPORTED))
                .hasMessage("Failed to configure ciphersuites: TLS_NOPE");
    }

    @Test
    void pemErrorsNameTheProblemNotTheContent() throws Exception {
        Path dir = Files.createTempDirectory("pem");
        try {
            Path junk = Files.writeString(dir.resolve("junk.pem"), "secret-content-here\n");
            assertThatThrownBy(() -> Pem.certificates(junk)).hasMessage("no certificate found");
            assertThatThrownBy(() -> Pem.privateKey(junk, null)).hasMessage("no private key found");
            assertThatThrownBy(() -> Pem.certificates(dir.resolve("missing"))).hasMessage("No such file or directory");
            Path ec = Files.writeString(dir.resolve("ec.key"), "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n");
            assertThatThrownBy(() -> Pem.privateKey(ec, null)).hasMessageContaining("openssl pkcs8 -topk8");
            Path enc = Files.writeString(dir.resolve("enc.key"),
                    "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n");
            assertThatThrownBy(() -> Pem.privateKey(enc, null)).hasMessageContaining("no password is configured");
        } finally {
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.delete(f);
                }
            }
            Files.delete(dir);
        }
    }
}
