package dev.cinnabar.ops;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code bin/cinnabar}: the operator's tool for Cinnabar and Redis alike (issue 15): instances
 * per host from a stock redis.conf, start/stop/status, a monitoring report. Every subcommand
 * works against real Redis too (give {@code --server /usr/bin/redis-server}).
 */
@Command(name = "cinnabar", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
        description = "Operate Cinnabar (and Redis) instances: create, start, stop, status, monitor.",
        subcommands = {Instances.class, Monitor.class, Replication.class, Failover.class, Systemd.class, Exporter.class, CommandLine.HelpCommand.class})
public final class Cli {
    /** Runs the tool with the given output streams; returns its exit code. */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cl = new CommandLine(new Cli());
        cl.setOut(out);
        cl.setErr(err);
        // a usage error exits 1 as any other error: 2 and 3 are the checks' "lagging" and "stopped"
        CommandLine.IParameterExceptionHandler usage = cl.getParameterExceptionHandler();
        cl.setParameterExceptionHandler((e, params) -> {
            usage.handleParseException(e, params);
            return 1;
        });
        // a failure the command did not turn into a message of its own: one line, no stack trace
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println(cmd.getCommandSpec().qualifiedName() + ": " + reason(e));
            return 1;
        });
        int code = cl.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    /** What went wrong, for an operator: the innermost cause's message (a refused connection, not its wrapper). */
    static String reason(Throwable e) {
        Throwable t = e;
        for (int depth = 0; depth < 10; depth++) {
            Throwable next = t.getCause() != null ? t.getCause()
                    : t.getSuppressed().length > 0 ? t.getSuppressed()[0] : null;
            if (next == null || next == t) {
                break;
            }
            t = next;
        }
        String m = t.getMessage();
        if (t != e && e.getMessage() != null) {
            return e.getMessage().replaceAll("\\.$", "") + " (" + (m == null ? t.getClass().getSimpleName() : m) + ")";
        }
        return m == null ? t.getClass().getSimpleName() : m;
    }

    public static void main(String[] args) {
        System.exit(run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args));
    }

    /** The version line: the tool's and the Redis version it speaks. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"cinnabar ops kit 0.1.0 (Redis 7.0 protocol)"};
        }
    }
}
