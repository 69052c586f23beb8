package dev.cinnabar.server;

import dev.cinnabar.server.config.ConfigFile;
import dev.cinnabar.server.config.ServerConfig;
import dev.cinnabar.server.store.Clock;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The launcher, taking redis-server's arguments: {@code [/path/to/redis.conf] [--directive value ...]},
 * {@code -} to read the configuration from standard input, {@code -v}/{@code --version},
 * {@code -h}/{@code --help}.
 */
public final class Main {
    public static final String VERSION = "0.1.0";
    public static final String REDIS_VERSION = "7.0.15";

    private Main() {
    }

    public static void main(String[] argv) throws Exception {
        List<String> args = new ArrayList<>(Arrays.asList(argv));
        if (!args.isEmpty()) {
            String a = args.get(0);
            if (a.equals("-v") || a.equals("--version")) {
                System.out.println("Cinnabar server v=" + VERSION + " redis_version=" + REDIS_VERSION + " bits=64 java="
                        + Runtime.version());
                return;
            }
            if (a.equals("-h") || a.equals("--help")) {
                usage();
                return;
            }
        }
        ServerConfig config = new ServerConfig();
        ConfigFile cf = new ConfigFile(config);
        try {
            int i = 0;
            if (!args.isEmpty() && !args.get(0).startsWith("--")) {
                String file = args.get(0);
                if (file.equals("-")) {
                    cf.loadString(new String(System.in.readAllBytes(), StandardCharsets.UTF_8));
                } else {
                    config.configFile = Path.of(file).toAbsolutePath().toString();
                    cf.loadFile(Path.of(file));
                }
                i = 1;
            }
            List<String> rest = args.subList(i, args.size());
            if (!rest.isEmpty()) {
                cf.loadString(ConfigFile.optionsToText(rest));
            }
        } catch (ConfigFile.FatalConfigError e) {
            System.err.println(e.getMessage());
            System.exit(1);
            return;
        } catch (IOException e) {
            System.err.println("Fatal error reading the configuration: " + e.getMessage());
            System.exit(1);
            return;
        }
        CinnabarServer server;
        try {
            server = CinnabarServer.start(config, Clock.SYSTEM);
        } catch (IllegalStateException e) {
            config.logfile = config.logfile == null ? "" : config.logfile;
            new Log(config).warning(e.getMessage());
            System.exit(1);
            return;
        }
        Log log = server.context().log();
        log.notice("Cinnabar " + VERSION + " (Redis " + REDIS_VERSION + " compatible) started, pid="
                + ProcessHandle.current().pid() + ", port=" + server.port());
        for (String d : cf.notImplemented()) {
            log.notice("Directive '" + d + "' accepted but not implemented yet; its value is kept and reported");
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            log.warning("Received SIGTERM scheduling shutdown...");
            server.close();
            log.warning("Cinnabar is now ready to exit, bye bye...");
        }, "cinnabar-shutdown"));
        Thread.currentThread().join();
    }

    private static void usage() {
        System.err.println("Usage: cinnabar-server [/path/to/redis.conf] [options] [-]");
        System.err.println("       cinnabar-server - (read config from stdin)");
        System.err.println("       cinnabar-server -v or --version");
        System.err.println("       cinnabar-server -h or --help");
        System.err.println();
        System.err.println("Examples:");
        System.err.println("       cinnabar-server (run the server with default config)");
        System.err.println("       cinnabar-server /etc/redis/6379.conf");
        System.err.println("       cinnabar-server --port 7777");
        System.err.println("       cinnabar-server /etc/myredis.conf --loglevel verbose -");
    }
}
