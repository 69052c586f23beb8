package dev.cinnabar.server;

import dev.cinnabar.server.config.ConfigFile;
import dev.cinnabar.server.config.ServerConfig;
import dev.cinnabar.server.persistence.Persistence;
import dev.cinnabar.server.store.Clock;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The launcher, taking redis-server's arguments: {@code [/path/to/redis.conf] [--directive value ...]},
 * {@code -} (first or last) to read configuration from standard input, {@code -v}/{@code --version},
 * {@code -h}/{@code --help}.
 *
 * <p>{@link #launch} is the same start-up without exiting the JVM (tests start servers in-process
 * with it). {@code daemonize yes} cannot fork a JVM: bin/cinnabar-server starts the JVM in the
 * background instead (see the script), and the Java side only writes the pid file.
 */
public final class Main {
    public static final String VERSION = "0.1.0";
    public static final String REDIS_VERSION = ConfigFile.REDIS_VERSION;
    /** Used by bin/cinnabar-server: parse the configuration, print "daemonize logfile pidfile", exit. */
    static final String DAEMON_CHECK = "--cinnabar-daemon-check";
    /** Sentinel mode, as redis-server's option (bin/cinnabar-sentinel adds it). */
    static final String SENTINEL_FLAG = "--sentinel";
    /** Redis's pid file when daemonized without a pidfile directive. */
    static final String DEFAULT_PIDFILE = "/var/run/redis.pid";

    private Main() {
    }

    /** A server started by {@link #launch}, with what start-up reported. */
    public record Launched(CinnabarServer server, ConfigFile configFile, CompletableFuture<Void> stopped) {
    }

    public static void main(String[] argv) throws Exception {
        if (argv.length > 0) {
            String a = argv[0];
            if (a.equals("-v") || a.equals("--version")) {
                System.out.println("Redis server v=" + REDIS_VERSION + " sha=00000000:0 malloc=jvm bits=64 build=cinnabar-"
                        + VERSION + " java=" + Runtime.version());
                return;
            }
            if (a.equals("-h") || a.equals("--help")) {
                usage();
                return;
            }
            if (a.equals(DAEMON_CHECK)) {
                daemonCheck(Arrays.copyOfRange(argv, 1, argv.length));
                return;
            }
        }
        // a process of its own: Netty's log without its framework search (NettyLogging says why)
        dev.cinnabar.server.net.NettyLogging.install();
        Launched l;
        try {
            l = launch(argv, System.in, true);
        } catch (ConfigFile.FatalConfigError e) {
            System.err.println(e.getMessage());
            System.exit(1);
            return;
        } catch (IllegalStateException e) {
            System.exit(1);
            return;
        }
        CinnabarServer server = l.server();
        Log log = server.context().log();
        new SignalShutdown(server).install();
        // other ways the JVM is asked to stop (System.exit from an embedder; SIGHUP is ignored as Redis
        // ignores it, SIGQUIT is a thread dump): still a final save
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (!server.isClosed()) {
                log.warning("Received shutdown signal, scheduling shutdown...");
                stopWithFinalSave(server);
            }
        }, "cinnabar-shutdown-hook"));
        Thread.currentThread().join();
    }

    /**
     * Parses arguments and configuration as redis-server does, starts the server, writes the pid
     * file and logs start-up. SHUTDOWN stops the server, removes the pid file and, when
     * {@code exitOnShutdown}, exits the JVM.
     *
     * @throws ConfigFile.FatalConfigError for a bad configuration (message in Redis's format)
     * @throws IllegalStateException when the server cannot start (the reason is logged)
     */
    public static Launched launch(String[] argv, InputStream stdin, boolean exitOnShutdown)
            throws ConfigFile.FatalConfigError, InterruptedException {
        ServerConfig config = new ServerConfig();
        ConfigFile cf = new ConfigFile(config);
        Path file = parse(argv, stdin, config, cf);
        boolean fromStdin = Arrays.asList(argv).contains("-");
        if (config.daemonize && config.pidfile.isEmpty()) {
            config.pidfile = DEFAULT_PIDFILE;
        }
        CompletableFuture<Void> stopped = new CompletableFuture<>();
        return new Launched(startServer(config, cf, file, fromStdin, exitOnShutdown, stopped), cf, stopped);
    }

    /** Reads the configuration as redis-server does; returns the config file (or null). */
    private static Path parse(String[] argv, InputStream stdin, ServerConfig config, ConfigFile cf)
            throws ConfigFile.FatalConfigError {
        List<String> args = new ArrayList<>(Arrays.asList(argv));
        if (args.contains(SENTINEL_FLAG)) {
            // as redis-server: decided before the file is read (its "sentinel" lines need it)
            config.sentinelMode = true;
            config.port = dev.cinnabar.server.sentinel.Sentinel.DEFAULT_PORT;
            config.protectedMode = false; // a Sentinel must be reachable by the others (as Redis)
        }
        Path file = null;
        boolean fromStdin = false;
        if (!args.isEmpty() && args.get(args.size() - 1).equals("-")) {
            fromStdin = true;
            args.remove(args.size() - 1);
        }
        if (!args.isEmpty() && args.get(0).equals("-")) {
            fromStdin = true;
            args.remove(0);
        }
        if (!args.isEmpty() && !args.get(0).startsWith("--")) {
            file = Path.of(args.remove(0)).toAbsolutePath();
            config.configFile = file.toString();
        }
        String in = null;
        if (fromStdin) {
            try {
                in = new String(stdin.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new ConfigFile.FatalConfigError("Fatal error, can't read config from stdin: " + e.getMessage());
            }
        }
        cf.load(file, in, args);
        if (config.sentinelMode) {
            dev.cinnabar.server.sentinel.SentinelConfig.check(config, file);
        }
        return file;
    }

    private static void daemonCheck(String[] argv) {
        ServerConfig config = new ServerConfig();
        try {
            parse(argv, System.in, config, new ConfigFile(config));
        } catch (ConfigFile.FatalConfigError e) {
            System.err.println(e.getMessage());
            System.exit(1);
        }
        String pid = config.daemonize && config.pidfile.isEmpty() ? DEFAULT_PIDFILE : config.pidfile;
        System.out.println((config.daemonize ? "yes" : "no") + "\t" + config.logfilePath() + "\t" + pid);
    }

    private static void startupLog(ServerConfig config, Path file, boolean fromStdin) {
        Log log = new Log(config);
        long pid = ProcessHandle.current().pid();
        char role = config.sentinelMode ? 'X' : 'C';
        log.log(role, Log.WARNING, "oO0OoO0OoO0Oo Cinnabar is starting oO0OoO0OoO0Oo");
        // String.concat, not +: see CommandInfo's full name
        log.log(role, Log.WARNING, ("Cinnabar version=" + VERSION + ", redis_version=" + REDIS_VERSION + ", bits=64, pid=")
                .concat(Long.toString(pid)).concat(", just started"));
        log.log(role, Log.WARNING, file == null && !fromStdin
                ? "Warning: no config file specified, using the default config. In order to specify a config file use "
                + "cinnabar-server /path/to/redis.conf" : "Configuration loaded");
    }

    private static CinnabarServer startServer(ServerConfig config, ConfigFile cf, Path file, boolean fromStdin,
                                              boolean exitOnShutdown, CompletableFuture<Void> stopped)
            throws InterruptedException, ConfigFile.FatalConfigError {
        Log log = new Log(config);
        Supervision supervision = Supervision.start(config, System.getenv(), log);
        startupLog(config, file, fromStdin);
        CinnabarServer server;
        try {
            server = CinnabarServer.start(config, Clock.SYSTEM);
        } catch (IllegalStateException e) {
            if (e.getMessage() != null && e.getMessage().startsWith("\n*** FATAL CONFIG FILE ERROR")) {
                throw new ConfigFile.FatalConfigError(e.getMessage());
            }
            log.warning(e.getMessage());
            throw e;
        }
        Log slog = server.context().log();
        if (exitOnShutdown) {
            ProcTitle.install(server.context()); // a process of its own: a test's JVM keeps its title
        }
        // after binding, as Redis: a harness that sees the PID may connect at once
        logo(config, slog);
        // read once the features are installed: they mark the directives they implement
        ConfigFile.Unbuilt unbuilt = cf.unbuilt();
        for (String w : unbuilt.warnings()) {
            slog.warning(w);
        }
        if (unbuilt.noticeLine() != null) {
            slog.notice(unbuilt.noticeLine());
        }
        writePidfile(config, slog);
        server.context().shutdownHook(() -> {
            server.stopAccepting(); // before the SHUTDOWN client's connection closes: a connect then is refused
            new Thread(() -> {
                stop(server, exitOnShutdown);
                stopped.complete(null);
            }, "cinnabar-shutdown").start();
        });
        if (exitOnShutdown) {
            // a dead event loop or cron leaves no working server: exit so a supervisor restarts it
            Crash.of(server.context()).onCrash(reason -> Crash.endProcess(server.context()));
        }
        try {
            // after the PID line and the shutdown hook, as Redis: clients may connect meanwhile, get
            // LOADING, and SHUTDOWN stops the process
            // with appendonly yes the AOF is the dataset's source (persistence.aof), else the RDB file
            supervision.loading();
            if (config.sentinelMode) {
                dev.cinnabar.server.sentinel.Sentinel.of(server.context()).start(); // no dataset to load
            } else {
                if (!dev.cinnabar.server.persistence.aof.Aof.of(server.context()).loadAtStartup()) {
                    Persistence.of(server.context()).loadAtStartup();
                }
                server.logReady(); // after the load, as Redis; a sentinel has no such line
            }
        } catch (Persistence.FatalLoadError | dev.cinnabar.server.persistence.aof.Aof.Fatal e) {
            // Redis exits at once: the reason it logged stays the log's last line (tests read it)
            server.context().config().loglevel = "warning";
            server.close();
            throw new IllegalStateException(e.getMessage());
        }
        server.context().supervision(supervision);
        String replicaof = config.get("replicaof");
        supervision.ready(replicaof != null && !replicaof.isBlank());
        return server;
    }

    /**
     * The start-up banner with the server's PID, when always-show-logo is yes or the log goes to a
     * terminal (as Redis decides), at notice level; otherwise Redis's one-line "Running mode"
     * notice. Test harnesses find a spawned server's PID in it. The drawing is ours.
     */
    static void logo(ServerConfig config, Log log) {
        if (!log.enabled(Log.NOTICE)) {
            return;
        }
        boolean tty = config.logfile.isEmpty() && System.console() != null;
        String mode = config.sentinelMode ? "sentinel" : "standalone";
        if (!config.alwaysShowLogo && !tty) {
            log.notice("Running mode=" + mode + ", port=" + config.port + ".");
            return;
        }
        String[] art = {
            "                /\\",
            "               /  \\",
            "              / /\\ \\",
            "             / /  \\ \\",
            "            / /    \\ \\",
            "            \\ \\    / /",
            "             \\ \\  / /",
            "              \\ \\/ /",
            "               \\  /",
            "                \\/",
        };
        String[] text = {
            "",
            "Cinnabar " + VERSION + " (Redis " + REDIS_VERSION + " compatible) 64 bit",
            "",
            "Running in " + mode + " mode",
            "Port: " + config.port,
            "PID: " + ProcessHandle.current().pid(),
            "",
            "",
            "",
            "",
        };
        StringBuilder sb = new StringBuilder("\n");
        for (int i = 0; i < art.length; i++) {
            sb.append(String.format("%-32s", art[i])).append(text[i]).append('\n');
        }
        log.raw(sb.toString());
    }

    /**
     * SIGTERM / SIGINT: stops the server, then makes the final save when save points exist (with
     * the listeners closed and a busy script aborted, so the save sees the last write). A JVM that
     * is terminating cannot stay up, so a failed save is logged and the process still exits.
     */
    static void stopWithFinalSave(CinnabarServer server) {
        ServerContext ctx = server.context();
        if (ctx.supervision() != null) {
            ctx.supervision().stopping();
        }
        server.close();
        ctx.lock().lock();
        try {
            Persistence.of(ctx).shutdownSave(false, false);
        } finally {
            ctx.lock().unlock();
        }
        stop(server, false);
    }

    /** Stops the server as Redis's prepareForShutdown/finishShutdown log it, removing the pid file. */
    static void stop(CinnabarServer server, boolean exit) {
        ServerConfig config = server.context().config();
        Log log = server.context().log();
        Supervision supervision = server.context().supervision();
        if (supervision != null) {
            supervision.stopping();
        }
        server.close();
        if (config.pidfile != null && !config.pidfile.isEmpty()) {
            log.notice("Removing the pid file.");
            try {
                Files.deleteIfExists(Path.of(config.pidfile));
            } catch (IOException e) {
                log.warning("Error removing the pid file: " + e.getMessage());
            }
        }
        log.warning("Cinnabar is now ready to exit, bye bye...");
        if (exit) {
            Runtime.getRuntime().halt(0);
        }
    }

    private static void writePidfile(ServerConfig config, Log log) {
        if (config.pidfile == null || config.pidfile.isEmpty()) {
            return;
        }
        try {
            Files.writeString(Path.of(config.pidfile), ProcessHandle.current().pid() + "\n");
        } catch (IOException e) {
            // Redis logs and keeps running when the pid file cannot be written.
            log.warning("Failed to write PID file: " + e.getMessage());
        }
    }

    private static void usage() {
        System.err.println("Usage: ./cinnabar-server [/path/to/redis.conf] [options] [-]");
        System.err.println("       ./cinnabar-server - (read config from stdin)");
        System.err.println("       ./cinnabar-server -v or --version");
        System.err.println("       ./cinnabar-server -h or --help");
        System.err.println();
        System.err.println("Examples:");
        System.err.println("       ./cinnabar-server (run the server with default config)");
        System.err.println("       ./cinnabar-server /etc/redis/6379.conf");
        System.err.println("       ./cinnabar-server --port 7777");
        System.err.println("       ./cinnabar-server --port 7777 --replicaof 127.0.0.1 8888");
        System.err.println("       ./cinnabar-server /etc/myredis.conf --loglevel verbose -");
        System.err.println("       ./cinnabar-server /etc/myredis.conf --loglevel verbose");
    }
}
