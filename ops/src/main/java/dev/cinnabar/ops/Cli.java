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
        subcommands = {Instances.class, Monitor.class, CommandLine.HelpCommand.class})
public final class Cli {
    /** Runs the tool with the given output streams; returns its exit code. */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cl = new CommandLine(new Cli());
        cl.setOut(out);
        cl.setErr(err);
        int code = cl.execute(args);
        out.flush();
        err.flush();
        return code;
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
