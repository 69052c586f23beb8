package dev.cinnabar.server;

import dev.cinnabar.server.config.ProcTitleTemplate;
import dev.cinnabar.server.config.ServerConfig;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The process title (what ps, top and /proc/PID/cmdline show), set from proc-title-template when
 * set-proc-title is yes, at start-up and on each CONFIG SET of the template, as Redis does. Only a
 * standalone server process sets it (Main): a server embedded in an application leaves its host's
 * title alone.
 *
 * <p>Linux keeps the command line in the process's own memory, between the arg_start and arg_end
 * addresses /proc/self/stat reports; the title overwrites that area through /proc/self/mem (a
 * process may always write its own memory there) and pads the rest with NULs. The JVM's command
 * line (class path, options) leaves room for any usual title; a longer one is cut to fit, rather
 * than spilling into the environment as C programs do (the JVM and native libraries still read it).
 * Elsewhere, or when the file cannot be written, the title stays as it was.
 *
 * <p>{title} is the name the server was started as: the launcher passes it in CINNABAR_TITLE
 * (Redis uses its argv[0]), else "cinnabar-server".
 */
final class ProcTitle {
    private final long argStart;
    private final int length;

    private ProcTitle(long argStart, int length) {
        this.argStart = argStart;
        this.length = length;
    }

    /** Sets the title now and after each change of the template (when set-proc-title is yes). */
    static void install(ServerContext ctx) {
        ServerConfig config = ctx.config();
        if (!config.setProcTitle) {
            return;
        }
        ProcTitle pt = open();
        if (pt == null) {
            return;
        }
        String env = System.getenv("CINNABAR_TITLE");
        String title = env == null || env.isEmpty() ? "cinnabar-server" : env;
        Runnable update = () -> {
            String t = ProcTitleTemplate.expand(config.procTitleTemplate, title, config);
            if (t != null) {
                pt.set(t);
            }
        };
        update.run();
        config.entry("proc-title-template").onApply(v -> update.run());
    }

    /** This process's command-line area, or null where it cannot be found. */
    private static ProcTitle open() {
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"), StandardCharsets.US_ASCII);
            // fields after "pid (comm) ": state is field 3; arg_start and arg_end are fields 48 and 49
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
            long start = Long.parseLong(f[48 - 3]);
            long end = Long.parseLong(f[49 - 3]);
            if (start <= 0 || end <= start || end - start > 1 << 20) {
                return null;
            }
            return new ProcTitle(start, (int) (end - start));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private synchronized void set(String title) {
        byte[] t = title.getBytes(StandardCharsets.UTF_8);
        byte[] area = new byte[length];
        System.arraycopy(t, 0, area, 0, Math.min(t.length, length - 1)); // the last byte stays a NUL
        try (RandomAccessFile mem = new RandomAccessFile("/proc/self/mem", "rw")) {
            mem.seek(argStart);
            mem.write(area);
        } catch (IOException | RuntimeException e) {
            // the title stays as it was (no /proc, or writing it is not allowed here)
        }
    }
}
