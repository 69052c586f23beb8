package dev.cinnabar.ops;

import dev.cinnabar.cache.tool.LoadTool;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code bin/cinnabar}: the operator's tool for Cinnabar and Redis alike (issue 15): instances
 * per host from a stock redis.conf, start/stop/status, a monitoring report, replication checks and
 * failover, systemd units, a standalone metrics exporter, the hit-rate load test. Every subcommand
 * works against real Redis too (give {@code --server /usr/bin/redis-server}).
 */
@Command(name = "cinnabar", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
        description = "Operate Cinnabar (and Redis) instances: create, start, stop, status, monitor, check replication, "
                + "fail over, systemd units, metrics, load test.",
        subcommands = {Instances.class, Monitor.class, Replication.class, Failover.class, Systemd.class, Exporter.class})
public final class Cli {
    /** Runs the tool with the given output streams; returns its exit code. */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cl = commandLine(out);
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

    /** The tool's command tree (every subcommand, the load tool writing to out), as {@link #run} parses it. */
    public static CommandLine commandLine(PrintWriter out) {
        CommandLine cl = new CommandLine(new Cli());
        // the design notes' hit-rate test: the caching toolkit's load tool, its options as they are
        cl.addSubcommand("loadtest", new CommandLine(new LoadTool().out(printStream(out))).setCommandName("loadtest"));
        cl.addSubcommand("help", new CommandLine.HelpCommand());
        return cl;
    }

    /** A PrintStream onto the writer, for the load tool (its output is ASCII). */
    private static PrintStream printStream(PrintWriter out) {
        return new PrintStream(new OutputStream() {
            @Override
            public void write(int b) {
                out.write(b & 0xff);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                out.write(new String(b, off, len, StandardCharsets.UTF_8));
            }

            @Override
            public void flush() {
                out.flush();
            }
        }, true, StandardCharsets.UTF_8);
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
