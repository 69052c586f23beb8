package dev.cinnabar.server.net.tls;

import dev.cinnabar.server.ServerContext;
import dev.cinnabar.server.config.ConfigEntry;
import dev.cinnabar.server.config.ConfigException;
import dev.cinnabar.server.session.Client;
import io.netty.channel.Channel;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * TLS for a server, as Redis 7.0 configures it (tls.c's tlsConfigure, our code): one current
 * {@link TlsContext} built from the tls-* directives when TLS is in use (tls-port, tls-replication
 * or tls-cluster set), used by each new connection (accepted on tls-port, or our link to a TLS
 * master). CONFIG SET of a tls-* directive builds a new context and swaps it in only if the build
 * succeeds ("Unable to update TLS configuration. Check server logs."), so connections already
 * open keep theirs and a bad file changes nothing.
 *
 * <p>Provider: OpenSSL (BoringSSL through netty-tcnative) when its native library loads, else the
 * JDK's SSLEngine; {@code -Dcinnabar.tls.provider=jdk|openssl} forces one. The choice and its
 * figures are in docs/architecture.md ("TLS").
 */
public final class Tls {
    /** CONFIG SET's error when a new context cannot be built (Redis's text). */
    public static final String UPDATE_FAILED = "Unable to update TLS configuration. Check server logs.";
    private final ServerContext server;
    /** Chosen with the first context: probing OpenSSL loads the native library and the JDK's TLS. */
    private volatile SslProvider provider;
    private volatile TlsContext current;

    private Tls(ServerContext server) {
        this.server = server;
    }

    /** The server's TLS state (created on first use). */
    public static Tls of(ServerContext server) {
        return server.feature(Tls.class, () -> new Tls(server));
    }

    /**
     * Marks the tls-* directives built (tls-cluster stays "accepted": no cluster bus yet) and
     * reloads the context on CONFIG SET; tls-port's listener is moved by {@code portChanged}
     * (the network layer's), after the context exists.
     */
    public static Tls install(ServerContext server, ConfigEntry.Applier portChanged) {
        Tls tls = of(server);
        for (String name : TlsSettings.DIRECTIVES) {
            if (!name.equals("tls-cluster")) {
                server.config().implemented(name);
            }
            ConfigEntry e = server.config().entry(name);
            if (name.equals("tls-port")) {
                e.onApply(v -> {
                    if (((Number) v).intValue() != 0) {
                        tls.configure(false, UPDATE_FAILED);
                    }
                    portChanged.apply(v);
                });
            } else if (!name.equals("tls-auth-clients")) { // read by each accepted connection
                e.onApply(v -> tls.reconfigureFrom(name));
            }
        }
        return tls;
    }

    /** Builds the context at start-up when TLS is in use; the reason is logged on failure. */
    public void configureAtStartup() {
        if (!TlsSettings.read(server.config()).enabled()) {
            return;
        }
        try {
            configure(false, "Failed to configure TLS. Check logs for more info.");
        } catch (ConfigException e) {
            throw new IllegalStateException(e.getMessage());
        }
        server.log().notice("TLS provider: " + providerName());
    }

    /** "OpenSSL" or "JDK": what encrypts our TLS connections. */
    public String providerName() {
        SslProvider provider = provider();
        return provider == SslProvider.JDK ? "JDK" : "OpenSSL (" + OpenSsl.versionString() + ")";
    }

    /**
     * CONFIG SET of one tls-* directive: rebuilds when TLS is in use. When one CONFIG SET names
     * several tls-* directives (a certificate and its key), the context is built once, after the
     * last of them, as Redis runs each apply function once per CONFIG SET.
     */
    private void reconfigureFrom(String name) throws ConfigException {
        if (!TlsSettings.read(server.config()).enabled() || !lastTlsDirectiveOfCommand(name)) {
            return;
        }
        configure(true, UPDATE_FAILED);
    }

    private boolean lastTlsDirectiveOfCommand(String name) {
        Client c = server.dispatcher().current();
        if (c == null || c.argc() < 4 || !is(c.arg(0), "config") || !is(c.arg(1), "set")) {
            return true;
        }
        String last = null;
        for (int i = 2; i + 1 < c.argc(); i += 2) {
            String n = new String(c.arg(i), StandardCharsets.UTF_8).toLowerCase(Locale.ROOT);
            if (n.startsWith("tls-") && !n.equals("tls-port") && !n.equals("tls-auth-clients")) {
                last = n;
            }
        }
        return last == null || last.equals(name);
    }

    private static boolean is(byte[] arg, String word) {
        return new String(arg, StandardCharsets.UTF_8).equalsIgnoreCase(word);
    }

    /** Builds and swaps in a context (reconfigure false: only when none exists yet). */
    synchronized void configure(boolean reconfigure, String error) throws ConfigException {
        if (!reconfigure && current != null) {
            return;
        }
        TlsContext next;
        try {
            next = TlsContext.build(TlsSettings.read(server.config()), provider());
        } catch (TlsConfigException e) {
            server.log().warning(e.getMessage());
            throw new ConfigException(error);
        }
        TlsContext old = current;
        current = next;
        if (old != null) {
            old.release(); // connections still using it hold their own references
        }
    }

    /** True once a context exists (TLS listeners and links can be opened). */
    public boolean configured() {
        return current != null;
    }

    /**
     * The handlers an accepted TLS connection starts with: the TLS engine (tls-auth-clients as
     * configured now) and the handler reporting a failed handshake as Redis logs it.
     */
    public void addServerHandlers(Channel ch) {
        TlsContext ctx = current;
        SslHandler ssl = ctx.newServerHandler(ch.alloc(), server.config().entry("tls-auth-clients").get());
        ch.pipeline().addLast("tls", ssl).addLast("tls-accept", new TlsAcceptHandler(server));
    }

    /**
     * Our side of a link to a TLS master (tls-replication): wraps the connected socket and runs the
     * handshake within the socket's timeout. The caller keeps closing the plain socket.
     */
    public Socket clientSocket(Socket plain, String host, int port) throws IOException {
        TlsContext ctx = current;
        if (ctx == null) {
            try {
                configure(false, UPDATE_FAILED);
            } catch (ConfigException e) {
                throw new IOException("TLS is not configured (see the log)");
            }
            ctx = current;
        }
        javax.net.ssl.SSLSocket s = ctx.clientSocket(plain, host, port);
        s.startHandshake();
        return s;
    }

    /** The port a replica announces to its master: tls-port when replication runs over TLS. */
    public static int replicationPort(ServerContext server) {
        TlsSettings s = TlsSettings.read(server.config());
        return s.replication() && s.port() != 0 ? s.port() : server.config().port;
    }

    /** True when our link to a master must use TLS (tls-replication yes). */
    public static boolean replicationEnabled(ServerContext server) {
        return server.config().entry("tls-replication").get().equals("yes");
    }

    /**
     * The provider, chosen on first use: a server without TLS never loads netty-tcnative or the
     * JDK's TLS classes (about a tenth of the start-up time, docs/operations.md "Start-up time").
     */
    private SslProvider provider() {
        SslProvider p = provider;
        if (p == null) {
            synchronized (this) {
                p = provider;
                if (p == null) {
                    p = chooseProvider(server);
                    provider = p;
                }
            }
        }
        return p;
    }

    private static SslProvider chooseProvider(ServerContext server) {
        String wanted = System.getProperty("cinnabar.tls.provider", "auto").toLowerCase(Locale.ROOT);
        if (wanted.equals("jdk")) {
            return SslProvider.JDK;
        }
        if (OpenSsl.isAvailable()) {
            return SslProvider.OPENSSL_REFCNT;
        }
        Throwable why = OpenSsl.unavailabilityCause();
        server.log().warning("OpenSSL (netty-tcnative) cannot be loaded, TLS uses the JDK's engine: "
                + (why == null ? "unknown reason" : why.getClass().getSimpleName() + ": " + why.getMessage()));
        return SslProvider.JDK;
    }

    /** Drops a message the pipeline will not use (helpers of this package). */
    static void release(Object msg) {
        ReferenceCountUtil.release(msg);
    }
}
