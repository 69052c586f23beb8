package dev.cinnabar.server.net.tls;

/** A TLS configuration that cannot be used; the message is the log line (Redis's wording). */
final class TlsConfigException extends Exception {
    TlsConfigException(String message) {
        super(message, null, false, false);
    }
}
