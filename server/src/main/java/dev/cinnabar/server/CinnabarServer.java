package dev.cinnabar.server;

import dev.cinnabar.server.command.CommandFamily;
import dev.cinnabar.server.command.CommandTable;
import dev.cinnabar.server.command.Families;
import dev.cinnabar.server.config.ConfigException;
import dev.cinnabar.server.config.ConfigFile;
import dev.cinnabar.server.config.ServerConfig;
import dev.cinnabar.server.net.NettyServer;
import dev.cinnabar.server.persistence.Persistence;
import dev.cinnabar.server.store.Clock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A running Cinnabar server, and the embedding API.
 *
 * <pre>{@code
 * try (CinnabarServer s = CinnabarServer.builder().port(0).setting("maxmemory", "64mb").start()) {
 *     int port = s.port();
 *     ...
 * }
 * }</pre>
 *
 * <p>Starts in milliseconds (no native binary, no fork): builds the context, binds the listener,
 * starts the cron. {@link #close()} stops everything and frees the port.
 */
public final class CinnabarServer implements AutoCloseable {
    private final ServerContext context;
    private final NettyServer net;
    private final ServerCron cron;
    private final List<AutoCloseable> extras = new ArrayList<>();
    private final java.util.concurrent.atomic.AtomicBoolean closing = new java.util.concurrent.atomic.AtomicBoolean();
    private volatile boolean closed;

    private CinnabarServer(ServerContext context) {
        this.context = context;
        this.net = new NettyServer(context);
        this.cron = new ServerCron(context);
        context.cron(cron);
        // SHUTDOWN runs on an event loop under the execution lock: stop from another thread, since
        // closing the event loops waits for them.
        context.shutdownHook(() -> new Thread(this::close, "cinnabar-shutdown").start());
        Features.install(context, cron);
        // CONFIG SET port / bind move the listeners, as Redis does (errors are Redis's texts).
        context.config().entry("port").onApply(v -> rebind("Unable to listen on this port. Check server logs."));
        context.config().entry("bind").onApply(v -> rebind("Failed to bind to specified addresses."));
        context.config().entry("metrics-port").onApply(v -> startMetrics());
    }

    private dev.cinnabar.server.metrics.MetricsEndpoint metrics;

    /** (Re)starts the metrics endpoint on metrics-port, or stops it for 0. */
    private synchronized void startMetrics() throws ConfigException {
        if (metrics != null) {
            metrics.close();
            metrics = null;
        }
        int port = context.config().metricsPort;
        if (port == 0 || closing.get()) {
            return;
        }
        try {
            metrics = dev.cinnabar.server.metrics.MetricsEndpoint.start(context, port);
        } catch (java.io.IOException | RuntimeException e) {
            context.log().warning("Could not start the metrics endpoint on port " + port + ": " + e.getMessage());
            throw new ConfigException("Unable to listen on the metrics port " + port + ": " + e.getMessage());
        }
    }

    /** The metrics endpoint's port, or 0 when it is off. */
    public synchronized int metricsPort() {
        return metrics == null ? 0 : metrics.port();
    }

    private void rebind(String error) throws ConfigException {
        try {
            net.rebind(context.config().port, context.config().bind);
        } catch (IllegalStateException e) {
            context.log().warning(e.getMessage());
            throw new ConfigException(error);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Assembles a server context: the command table of every family (Families), with the
     * configuration's rename-command directives applied. Fails as Redis does on a bad rename.
     */
    public static ServerContext context(ServerConfig config, Clock clock) {
        return context(config, clock, Families.all());
    }

    /** As {@link #context(ServerConfig, Clock)} with the given families only (tests). */
    public static ServerContext context(ServerConfig config, Clock clock, List<CommandFamily> families) {
        // sentinel mode: only the commands redis-sentinel serves, some in the Sentinel's own version
        CommandTable commands = config.sentinelMode
                ? CommandTable.create(dev.cinnabar.server.command.CommandInfo.sentinel(), families,
                        new dev.cinnabar.server.sentinel.SentinelCommands())
                : CommandTable.create(families);
        for (ServerConfig.RenameCommand rc : config.renameCommands) {
            try {
                commands.rename(rc.from(), rc.to());
            } catch (IllegalArgumentException e) {
                // Redis rejects these while reading the file: the same fatal message, naming the line.
                throw new IllegalStateException(ConfigFile.fatal(rc.line(), rc.text(), e.getMessage()).getMessage());
            }
        }
        return new ServerContext(config, clock, commands);
    }

    /** Starts a server with an already-populated configuration (used by the launcher). */
    public static CinnabarServer start(ServerConfig config, Clock clock) throws InterruptedException {
        CinnabarServer s = new CinnabarServer(context(config, clock));
        s.startInternal();
        return s;
    }

    private void startInternal() throws InterruptedException {
        net.start();
        cron.start();
        if (context.config().metricsPort != 0) {
            try {
                startMetrics();
            } catch (ConfigException e) {
                close();
                throw new IllegalStateException(e.getMessage(), e);
            }
        }
    }

    public int port() {
        return net.port();
    }

    /** Logs Redis's "Ready to accept connections" lines: once the dataset is loaded, as Redis. */
    public void logReady() {
        net.logReady();
    }

    public ServerContext context() {
        return context;
    }

    public ServerCron cron() {
        return cron;
    }

    /** Stops accepting connections at once (a stopping server; the rest goes in close()). */
    public void stopAccepting() {
        net.stopAccepting();
    }

    /** Registers something to close with the server (persistence threads, extra listeners...). */
    public void closeWith(AutoCloseable c) {
        extras.add(c);
    }

    @Override
    public void close() {
        if (!closing.compareAndSet(false, true)) {
            return;
        }
        context.serverStopping();
        cron.close();
        net.close();
        synchronized (this) {
            if (metrics != null) {
                metrics.close();
                metrics = null;
            }
        }
        for (AutoCloseable c : extras) {
            try {
                c.close();
            } catch (Exception e) {
                context.log().warning("error while stopping: " + e);
            }
        }
        closed = true;
    }

    /** True once the server has stopped: listeners closed and the port free. */
    public boolean isClosed() {
        return closed;
    }

    /** Builder for embedded servers. */
    public static final class Builder {
        private final ServerConfig config = new ServerConfig();
        private Clock clock = Clock.SYSTEM;
        private ConfigException error;
        private boolean dirGiven;

        /**
         * Embedded servers differ from redis-server's defaults in persistence: no save points, and,
         * unless "dir" is given, a private temporary directory (deleted at close) for the files
         * SAVE, BGSAVE and DEBUG RELOAD write, so embedded servers never share a dump file.
         */
        private Builder() {
            config.port = 0;
            config.portZeroPicksFreePort = true;
            config.bind = List.of("127.0.0.1");
            config.loglevel = "warning";
            config.save = List.of();
        }

        /** The port to listen on; 0 (the default) picks a free one. */
        public Builder port(int port) {
            config.port = port;
            return this;
        }

        /** Any redis.conf directive, e.g. setting("maxmemory", "100mb"). */
        public Builder setting(String name, String... args) {
            dirGiven |= name.equalsIgnoreCase("dir");
            try {
                config.set(name, List.of(args));
            } catch (ConfigException e) {
                if (error == null) {
                    error = new ConfigException("'" + name + " " + String.join(" ", args) + "': " + e.getMessage());
                }
            }
            return this;
        }

        /** Injects the clock (tests move time with a ManualClock). */
        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        public ServerConfig config() {
            return config;
        }

        public CinnabarServer build() {
            if (error != null) {
                throw new IllegalArgumentException("Bad configuration: " + error.getMessage());
            }
            Path temp = null;
            if (!dirGiven) {
                try {
                    temp = Files.createTempDirectory("cinnabar-");
                } catch (IOException e) {
                    throw new IllegalStateException("cannot create a data directory: " + e.getMessage());
                }
                config.dir = temp.toString();
            }
            CinnabarServer s = new CinnabarServer(context(config, clock));
            if (temp != null) {
                Path dir = temp;
                s.closeWith(() -> deleteTree(dir));
            }
            return s;
        }

        /**
         * Builds and starts the server, then loads dir/dbfilename if it exists.
         *
         * @throws IllegalStateException when the dump file cannot be loaded (the reason is logged)
         */
        public CinnabarServer start() {
            CinnabarServer s = build();
            try {
                s.startInternal();
                // with appendonly yes the AOF is the dataset's source (persistence.aof), else the RDB file
                if (!dev.cinnabar.server.persistence.aof.Aof.of(s.context()).loadAtStartup()) {
                    Persistence.of(s.context()).loadAtStartup();
                }
                s.logReady();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                s.close();
                throw new IllegalStateException(e);
            } catch (Persistence.FatalLoadError | dev.cinnabar.server.persistence.aof.Aof.Fatal e) {
                s.close();
                throw new IllegalStateException(e.getMessage());
            }
            return s;
        }

        private static void deleteTree(Path dir) throws IOException {
            try (var files = Files.walk(dir)) {
                for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }
}
