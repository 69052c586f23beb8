package dev.cinnabar.ops;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import redis.clients.jedis.Jedis;

/**
 * {@code cinnabar instances create|start|stop|restart|status}: the design notes' multi-instance
 * scripts (create_redis_instances.sh, redis_multi_start.sh) done safely: configurations made from
 * any stock redis.conf with the per-port directives rewritten, pidfile-aware start and stop that
 * wait for the instance to answer or to be gone, and exit codes a script can use (status: 0 all
 * running, 3 some stopped, as LSB init scripts; start/stop: 0, or 1 when one failed).
 */
@Command(name = "instances", mixinStandardHelpOptions = true,
        description = "Many instances per host: create their configurations, start, stop, restart, status.",
        subcommands = {Instances.Create.class, Instances.Start.class, Instances.Stop.class, Instances.Restart.class,
            Instances.Status.class})
final class Instances {
    /** Options every subcommand working on existing instances takes. */
    static class Selection {
        @Option(names = "--root", required = true, description = "The instances' root directory (as given to create).")
        Path root;

        @Parameters(paramLabel = "PORT", arity = "0..*", description = "Only these instances (default: all).")
        List<Integer> ports = new ArrayList<>();

        List<Instance> instances() throws IOException {
            return Instance.all(root, ports);
        }
    }

    /** How start and restart run the servers. */
    static class Starting {
        @Option(names = "--server", description = "The server program (default: this kit's cinnabar-server; "
                + "/usr/bin/redis-server works too).")
        String server = defaultServer();

        @Option(names = "--timeout", description = "Seconds to wait for each instance (default ${DEFAULT-VALUE}).")
        int timeout = 60;
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Write one configuration per port from a template redis.conf, with port, pidfile, logfile, "
                    + "dir, dbfilename and appendfilename rewritten, and make the data and log directories.")
    static final class Create implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--count", description = "How many instances (default: one per CPU core: ${DEFAULT-VALUE}).")
        int count = Runtime.getRuntime().availableProcessors();

        @Option(names = "--base-port", description = "The first port; the others follow (default ${DEFAULT-VALUE}).")
        int basePort = 6379;

        @Option(names = "--template", description = "The redis.conf to start from (default ${DEFAULT-VALUE}).")
        Path template = Path.of("/etc/redis/redis.conf");

        @Option(names = "--root", required = true, description = "Where to lay them out: instances/, data/, log/, run/.")
        Path root;

        @Option(names = "--force", description = "Overwrite configurations that exist.")
        boolean force;

        @Option(names = "--metrics-base-port", description = "Cinnabar only: serve Prometheus metrics from each "
                + "instance, on this port and the following ones (metrics-port).")
        int metricsBasePort;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = spec.commandLine().getOut();
            if (count < 1 || basePort < 1 || basePort + count - 1 > 65535) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                        "--count and --base-port must give ports between 1 and 65535");
            }
            if (!Files.isReadable(template)) {
                throw new IOException("cannot read the template " + template);
            }
            Path root = this.root.toAbsolutePath();
            Path conf = Instance.confDir(root);
            for (Path d : List.of(conf, root.resolve("data"), root.resolve("log"), root.resolve("run"))) {
                Files.createDirectories(d);
            }
            for (int i = 0; i < count; i++) {
                int port = basePort + i;
                Path file = conf.resolve("redis-" + port + ".conf");
                if (Files.exists(file) && !force) {
                    throw new IOException(file + " exists (give --force to overwrite it)");
                }
            }
            for (int i = 0; i < count; i++) {
                int port = basePort + i;
                Path file = conf.resolve("redis-" + port + ".conf");
                Path data = root.resolve("data").resolve(Integer.toString(port));
                Files.createDirectories(data);
                ConfFile f = ConfFile.read(template);
                f.set("port", Integer.toString(port));
                f.set("pidfile", root.resolve("run").resolve("redis_" + port + ".pid").toString());
                f.set("logfile", root.resolve("log").resolve("redis-" + port + ".log").toString());
                f.set("dir", data.toString());
                f.set("dbfilename", "dump-" + port + ".rdb");
                f.set("appendfilename", "appendonly-" + port + ".aof");
                if (metricsBasePort > 0) {
                    f.set("metrics-port", Integer.toString(metricsBasePort + i));
                }
                f.write(file);
                out.println("Created instance config for port " + port + ": " + file);
            }
            return 0;
        }
    }

    @Command(name = "start", mixinStandardHelpOptions = true,
            description = "Start the instances that are not running and wait until each answers PING.")
    static final class Start implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @picocli.CommandLine.Mixin
        Selection sel = new Selection();

        @picocli.CommandLine.Mixin
        Starting how = new Starting();

        @Override
        public Integer call() throws Exception {
            return start(spec.commandLine().getOut(), sel.instances(), how.server, how.timeout);
        }
    }

    @Command(name = "stop", mixinStandardHelpOptions = true,
            description = "SHUTDOWN the running instances and wait until each process is gone.")
    static final class Stop implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @picocli.CommandLine.Mixin
        Selection sel = new Selection();

        @Option(names = "--nosave", description = "SHUTDOWN NOSAVE (default: save as the configuration says).")
        boolean nosave;

        @Option(names = "--timeout", description = "Seconds to wait for each instance (default ${DEFAULT-VALUE}).")
        int timeout = 60;

        @Override
        public Integer call() throws Exception {
            return stop(spec.commandLine().getOut(), sel.instances(), nosave, timeout);
        }
    }

    @Command(name = "restart", mixinStandardHelpOptions = true, description = "stop, then start.")
    static final class Restart implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @picocli.CommandLine.Mixin
        Selection sel = new Selection();

        @picocli.CommandLine.Mixin
        Starting how = new Starting();

        @Override
        public Integer call() throws Exception {
            List<Instance> list = sel.instances();
            int stopped = stop(spec.commandLine().getOut(), list, false, how.timeout);
            return stopped != 0 ? stopped : start(spec.commandLine().getOut(), list, how.server, how.timeout);
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "RUNNING or STOPPED per instance; exit code 0 when all run, 3 otherwise.")
    static final class Status implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @picocli.CommandLine.Mixin
        Selection sel = new Selection();

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            boolean all = true;
            for (Instance i : sel.instances()) {
                Optional<Long> pid = i.pid();
                boolean answers = i.answers();
                if (pid.isPresent() || answers) {
                    out.println("Instance on port " + i.port() + ": RUNNING" + pid.map(p -> " (pid " + p + ")").orElse("")
                            + (answers ? "\n  -> Connection OK" : "\n  -> not answering PING at " + i.address()));
                    all &= answers;
                } else {
                    out.println("Instance on port " + i.port() + ": STOPPED");
                    all = false;
                }
            }
            return all ? 0 : 3;
        }
    }

    static String defaultServer() {
        String home = System.getProperty("cinnabar.home", System.getenv("CINNABAR_HOME"));
        return home == null ? "cinnabar-server" : Path.of(home, "bin", "cinnabar-server").toString();
    }

    static int start(PrintWriter out, List<Instance> list, String server, int timeout) throws Exception {
        int code = 0;
        for (Instance i : list) {
            if (i.pid().isPresent() || i.answers()) {
                out.println("Instance on port " + i.port() + " is already running" + i.pid().map(p -> " (pid " + p + ")")
                        .orElse(""));
                continue;
            }
            out.println("Starting instance on port " + i.port() + "...");
            out.flush();
            // what the server prints before its logfile is open (a bad directive, a taken port)
            Path console = i.conf().getParent().resolveSibling("log").resolve("redis-" + i.port() + ".console");
            Files.createDirectories(console.getParent());
            ProcessBuilder pb = new ProcessBuilder(server, i.conf().toString())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(console.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            Process p = pb.start();
            long deadline = System.nanoTime() + timeout * 1_000_000_000L;
            if (i.daemonize()) {
                // the launcher (or redis-server) returns once the daemon is up and its pidfile written
                if (!p.waitFor(timeout, java.util.concurrent.TimeUnit.SECONDS) || p.exitValue() != 0) {
                    out.println("  -> FAILED: " + server + " did not daemonize (see " + console + " and "
                            + i.logfile() + ")");
                    code = 1;
                    continue;
                }
            }
            boolean up = false;
            while (System.nanoTime() < deadline) {
                if (i.answers()) {
                    up = true;
                    break;
                }
                if (!i.daemonize() && !p.isAlive()) {
                    break;
                }
                Thread.sleep(100);
            }
            if (up) {
                out.println("  -> RUNNING" + i.pid().map(pid -> " (pid " + pid + ")").orElse("") + " at " + i.address());
            } else {
                out.println("  -> FAILED: not answering PING at " + i.address() + " (see " + console
                        + (i.logfile() != null ? " and " + i.logfile() : "") + ")");
                code = 1;
            }
        }
        return code;
    }

    static int stop(PrintWriter out, List<Instance> list, boolean nosave, int timeout) throws Exception {
        int code = 0;
        for (Instance i : list) {
            Optional<Long> pid = i.pid();
            if (pid.isEmpty() && !i.answers()) {
                out.println("Instance on port " + i.port() + " is already stopped");
                continue;
            }
            out.println("Stopping instance on port " + i.port() + "...");
            out.flush();
            try (Jedis j = i.connect()) {
                if (nosave) {
                    j.sendCommand(redis.clients.jedis.Protocol.Command.SHUTDOWN, "NOSAVE");
                } else {
                    j.sendCommand(redis.clients.jedis.Protocol.Command.SHUTDOWN);
                }
            } catch (redis.clients.jedis.exceptions.JedisConnectionException e) {
                // the connection closes as the server exits: expected
            } catch (redis.clients.jedis.exceptions.JedisDataException e) {
                out.println("  -> FAILED: " + e.getMessage());
                code = 1;
                continue;
            }
            long deadline = System.nanoTime() + timeout * 1_000_000_000L;
            boolean gone = false;
            while (System.nanoTime() < deadline) {
                boolean alive = pid.flatMap(ProcessHandle::of).map(ProcessHandle::isAlive).orElse(false);
                if (!alive && !i.answers()) {
                    gone = true;
                    break;
                }
                Thread.sleep(100);
            }
            out.println(gone ? "  -> STOPPED" : "  -> FAILED: still running after " + timeout + " s");
            code = gone ? code : 1;
        }
        return code;
    }
}
