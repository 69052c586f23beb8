package dev.cinnabar.server.net.tls;

import dev.cinnabar.server.config.ServerConfig;

/**
 * The tls-* directives as one snapshot, read from the configuration table when a TLS context is
 * built (start-up, CONFIG SET). Empty strings mean "not set", as Redis's EMPTY_STRING_IS_NULL.
 */
record TlsSettings(int port, String certFile, String keyFile, String keyFilePass, String clientCertFile,
                   String clientKeyFile, String clientKeyFilePass, String caCertFile, String caCertDir,
                   String authClients, String protocols, String ciphers, String ciphersuites,
                   boolean preferServerCiphers, boolean sessionCaching, long sessionCacheSize,
                   long sessionCacheTimeout, String dhParamsFile, boolean replication, boolean cluster) {

    /** Every tls-* directive Redis 7.0 has (tls-cluster is kept; there is no cluster bus yet). */
    static final String[] DIRECTIVES = {"tls-port", "tls-cert-file", "tls-key-file", "tls-key-file-pass",
        "tls-client-cert-file", "tls-client-key-file", "tls-client-key-file-pass", "tls-ca-cert-file",
        "tls-ca-cert-dir", "tls-auth-clients", "tls-protocols", "tls-ciphers", "tls-ciphersuites",
        "tls-prefer-server-ciphers", "tls-session-caching", "tls-session-cache-size", "tls-session-cache-timeout",
        "tls-dh-params-file", "tls-replication", "tls-cluster"};

    static TlsSettings read(ServerConfig c) {
        return new TlsSettings(Integer.parseInt(get(c, "tls-port")), get(c, "tls-cert-file"), get(c, "tls-key-file"),
                get(c, "tls-key-file-pass"), get(c, "tls-client-cert-file"), get(c, "tls-client-key-file"),
                get(c, "tls-client-key-file-pass"), get(c, "tls-ca-cert-file"), get(c, "tls-ca-cert-dir"),
                get(c, "tls-auth-clients"), get(c, "tls-protocols"), get(c, "tls-ciphers"), get(c, "tls-ciphersuites"),
                yes(c, "tls-prefer-server-ciphers"), yes(c, "tls-session-caching"),
                Long.parseLong(get(c, "tls-session-cache-size")), Long.parseLong(get(c, "tls-session-cache-timeout")),
                get(c, "tls-dh-params-file"), yes(c, "tls-replication"), yes(c, "tls-cluster"));
    }

    /** True when TLS is in use at all, so its context must exist (Redis's check before tlsConfigure). */
    boolean enabled() {
        return port != 0 || replication || cluster;
    }

    private static String get(ServerConfig c, String name) {
        return c.entry(name).get();
    }

    private static boolean yes(ServerConfig c, String name) {
        return get(c, name).equals("yes");
    }
}
