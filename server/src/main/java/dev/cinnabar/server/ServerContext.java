package dev.cinnabar.server;

import dev.cinnabar.server.command.CommandTable;
import dev.cinnabar.server.command.Dispatcher;
import dev.cinnabar.server.config.ServerConfig;
import dev.cinnabar.server.session.ClientRegistry;
import dev.cinnabar.server.store.Clock;
import dev.cinnabar.server.store.Db;
import dev.cinnabar.server.store.Keyspace;
import dev.cinnabar.server.store.KeyspaceHooks;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The server context passed to every layer (no global singletons): configuration, clock,
 * keyspace, command table and gate, clients, statistics, and the execution lock.
 *
 * <p>The execution lock is what makes every command, MULTI/EXEC and script atomic in one total
 * order (see docs/architecture.md): IO threads parse requests without it and take it once per
 * batch of pipelined commands; timers (active expiry, client timeouts) take it briefly.
 *
 * <p>Keyspace events are fanned out to listeners that feature packages register (WATCH, client
 * tracking, notifications, blocking, propagation) so the store stays ignorant of them.
 */
public final class ServerContext implements KeyspaceHooks {
    private final ServerConfig config;
    private final Clock clock;
    private final Keyspace keyspace;
    private final CommandTable commands;
    private final Dispatcher dispatcher;
    private final ClientRegistry clients;
    private final ServerStats stats = new ServerStats();
    private final ExecutionLock lock = new ExecutionLock();
    private final String runId;
    private final long startMillis;
    private final long startNanos;
    private final List<KeyspaceHooks> listeners = new CopyOnWriteArrayList<>();
    private final Log log;
    /** Cached "now" for the command being executed (ms). */
    private long cachedNow;
    /** Number of changes since the last save (Redis's server.dirty); writes increment it. */
    public long dirty;
    private volatile boolean replica;
    /** The AOF is being replayed (KeyspaceHooks.loading; set by persistence.aof). */
    private volatile boolean loading;
    private volatile Runnable shutdownHook;
    private final java.util.Map<Class<?>, Object> features = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * A context over an assembled command table (see CinnabarServer.context, which binds the
     * families and applies rename-command).
     */
    public ServerContext(ServerConfig config, Clock clock, CommandTable commands) {
        this.config = config;
        this.clock = clock;
        this.log = new Log(config);
        byte[] r = new byte[20];
        new SecureRandom().nextBytes(r);
        this.runId = HexFormat.of().formatHex(r);
        this.startMillis = clock.millis();
        this.startNanos = clock.nanos();
        this.cachedNow = startMillis;
        this.keyspace = new Keyspace(config.databases, this);
        this.keyspace.updateLruClock(startMillis);
        this.commands = commands;
        this.clients = new ClientRegistry(this);
        this.dispatcher = new Dispatcher(this);
    }

    private ServerCron cron;

    void cron(ServerCron c) {
        this.cron = c;
    }

    /** The periodic task runner (null for a context not attached to a running server). */
    public ServerCron cron() {
        return cron;
    }

    /** Set by MONITOR support: shows a script-running command (EVAL, FCALL) before its script runs. */
    public volatile java.util.function.Consumer<dev.cinnabar.server.session.Client> scriptMonitor;
    public ServerConfig config() {
        return config;
    }

    public Clock clock() {
        return clock;
    }

    public Keyspace keyspace() {
        return keyspace;
    }

    public CommandTable commands() {
        return commands;
    }

    public Dispatcher dispatcher() {
        return dispatcher;
    }

    public ClientRegistry clients() {
        return clients;
    }

    public ServerStats stats() {
        return stats;
    }

    public ExecutionLock lock() {
        return lock;
    }

    public String runId() {
        return runId;
    }

    public long startMillis() {
        return startMillis;
    }

    public long uptimeMillis() {
        return (clock.nanos() - startNanos) / 1_000_000;
    }

    public Log log() {
        return log;
    }

    /** Refreshes the cached command time; called by the gate before each command. */
    public void updateCachedTime() {
        cachedNow = clock.millis();
    }

    @Override
    public long now() {
        return cachedNow;
    }

    /**
     * Sets what SHUTDOWN does once it has decided to stop: the launcher stops the server and exits
     * the process; an embedded server stops itself but leaves the JVM running.
     */
    public void shutdownHook(Runnable hook) {
        this.shutdownHook = hook;
    }

    /** The hook SHUTDOWN runs (never null for a server started by CinnabarServer). */
    public Runnable shutdownHook() {
        return shutdownHook;
    }

    /** Per-server state of a feature (slowlog, latency monitor...), created on first use. */
    public <T> T feature(Class<T> type, java.util.function.Supplier<T> create) {
        return type.cast(features.computeIfAbsent(type, k -> create.get()));
    }

    /** A feature's state if it has been created, else null (creates nothing; safe without the lock). */
    public <T> T featureIfCreated(Class<T> type) {
        return type.cast(features.get(type));
    }

    /**
     * Registers a feature's state unless one is registered already, and returns the registered one
     * (for states whose construction uses other features, which {@link #feature} cannot nest).
     */
    public <T> T featureIfAbsent(Class<T> type, T state) {
        Object previous = features.putIfAbsent(type, state);
        return type.cast(previous == null ? state : previous);
    }

    public void replica(boolean v) {
        replica = v;
    }

    @Override
    public boolean isReplica() {
        return replica;
    }

    @Override
    public boolean readOnlyReplica() {
        return replica && "yes".equals(config().get("replica-read-only")); // asked only for an expired key
    }

    public void loading(boolean v) {
        loading = v;
    }

    @Override
    public boolean loading() {
        return loading;
    }

    @Override
    public boolean servingMaster() {
        dev.cinnabar.server.session.Client c = dispatcher.current();
        return c != null && (c.flags & dev.cinnabar.server.session.ClientFlags.MASTER) != 0;
    }

    @Override
    public boolean expiryPaused() {
        return clients().pause().writesPaused();
    }

    private final List<Runnable> shutdownListeners = new CopyOnWriteArrayList<>();

    private volatile Supervision supervision;

    /** The service manager supervising this process (set by Main at start-up), or null. */
    public Supervision supervision() {
        return supervision;
    }

    public void supervision(Supervision s) {
        supervision = s;
    }

    /** Registers work to do first when the server stops (e.g. abort a running script). */
    public void addShutdownListener(Runnable r) {
        shutdownListeners.add(r);
    }

    /** Runs the shutdown listeners (CinnabarServer.close, from any thread, without the lock). */
    public void serverStopping() {
        for (Runnable r : shutdownListeners) {
            r.run();
        }
    }

    private final List<java.util.function.Consumer<dev.cinnabar.server.session.Client>> closeListeners =
            new CopyOnWriteArrayList<>();

    /** Registers cleanup for a disconnecting client (pub/sub, blocking, WATCH, tracking...). */
    public void addClientCloseListener(java.util.function.Consumer<dev.cinnabar.server.session.Client> l) {
        closeListeners.add(l);
    }

    /** Called under the execution lock when a client disconnects. */
    public void clientClosed(dev.cinnabar.server.session.Client c) {
        for (var l : closeListeners) {
            l.accept(c);
        }
    }

    public void addKeyspaceListener(KeyspaceHooks l) {
        listeners.add(l);
    }

    @Override
    public void keyModified(Db db, byte[] key) {
        for (KeyspaceHooks l : listeners) {
            l.keyModified(db, key);
        }
    }

    @Override
    public void notify(int type, String event, byte[] key, int dbId) {
        for (KeyspaceHooks l : listeners) {
            l.notify(type, event, key, dbId);
        }
    }

    @Override
    public void keyExpired(Db db, byte[] key) {
        for (KeyspaceHooks l : listeners) {
            l.keyExpired(db, key);
        }
    }

    @Override
    public void keyReady(Db db, byte[] key) {
        for (KeyspaceHooks l : listeners) {
            l.keyReady(db, key);
        }
    }

    @Override
    public void dbChanged(Db db) {
        for (KeyspaceHooks l : listeners) {
            l.dbChanged(db);
        }
    }

    @Override
    public void dbsSwapped(Db a, Db b) {
        for (KeyspaceHooks l : listeners) {
            l.dbsSwapped(a, b);
        }
    }
}
