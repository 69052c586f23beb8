package dev.cinnabar.server;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * What happens when a thread the server cannot work without stops: an event loop, the acceptor
 * or the cron (for instance killed by an OutOfMemoryError). Redis in the same situation has
 * crashed, since all of it runs on one thread; a server that kept its socket open with a dead
 * event loop or no cron (no expiry, no timeouts, no metrics) would instead look alive to clients
 * and supervisors while it no longer works. So the first such death is logged as a warning and
 * then acted on: an embedded server runs its shutdown hook (it closes), the launcher exits the
 * process with status 1 so a supervisor restarts it.
 *
 * <p>One per server (a context feature); only the first report acts, later ones are ignored.
 */
public final class Crash {
    private final ServerContext server;
    private final AtomicBoolean fired = new AtomicBoolean();
    private volatile Consumer<String> action;

    private Crash(ServerContext server) {
        this.server = server;
        this.action = reason -> {
            Runnable stop = server.shutdownHook();
            if (stop != null) {
                stop.run();
            }
        };
    }

    public static Crash of(ServerContext server) {
        return server.feature(Crash.class, () -> new Crash(server));
    }

    /**
     * The crash report crash-log-enabled asks for (Redis prints its stack trace after a crash):
     * the dead thread's exception with its stack, causes included.
     */
    static String report(Throwable cause) {
        java.io.StringWriter w = new java.io.StringWriter();
        cause.printStackTrace(new java.io.PrintWriter(w));
        return "\n\n=== CINNABAR BUG REPORT START: Cut & paste starting from here ===\n------ STACK TRACE ------\n"
                + w.toString().replace("\t", "    ") + "=== CINNABAR BUG REPORT END. Make sure to include from START to END. ===";
    }

    /**
     * How the launcher's process ends after a crash, as Redis ends after a panic: with
     * use-exit-on-panic no (the default) by SIGABRT, as abort() (a core dump where enabled, and a
     * supervisor sees a death by signal); with yes, exit status 1.
     */
    public static void endProcess(ServerContext server) {
        if (!Crash.of(server).exitStatus && !"yes".equals(server.config().get("use-exit-on-panic"))) {
            try {
                new ProcessBuilder("kill", "-ABRT", Long.toString(ProcessHandle.current().pid())).start().waitFor();
                Thread.sleep(5_000); // the signal ends the process meanwhile
            } catch (Exception | Error e) {
                // no kill(1): exit as below
            }
        }
        Runtime.getRuntime().halt(1);
    }

    /**
     * Redis's serverPanic: a state the server must not continue from. Logged as Redis logs a
     * panic, then acted on as a crash (once).
     */
    public void panic(String msg) {
        if (!fired.compareAndSet(false, true)) {
            return;
        }
        try {
            server.log().warning("------------------------------------------------");
            server.log().warning("Guru Meditation: " + msg);
        } catch (Throwable ignored) {
            // acting matters more
        }
        action.accept(msg);
    }

    /**
     * Redis's exit(1) after a failure it has logged and cannot go on from (a replica's corrupt RDB
     * from its master): acted on as a crash (once), except that the launcher's process ends with
     * status 1 whatever use-exit-on-panic says.
     */
    public void exit() {
        exitStatus = true;
        if (!fired.compareAndSet(false, true)) {
            return;
        }
        action.accept("exit");
    }

    private volatile boolean exitStatus;

    /** Replaces what is done after the death is logged (given the reason). */
    public void onCrash(Consumer<String> action) {
        this.action = action;
    }

    /** True once a death was reported. */
    public boolean crashed() {
        return fired.get();
    }

    /**
     * Reports that {@code what} stopped, with its cause when known. Logs, then acts once; never
     * throws (it runs on dying threads, possibly out of memory).
     */
    public void threadDied(String what, Throwable cause) {
        if (!fired.compareAndSet(false, true)) {
            return;
        }
        String reason = what + (cause == null ? "" : " (" + cause + ")");
        try {
            server.log().warning("Fatal: " + reason + ". The server cannot work without it and stops now.");
            if (cause != null && "yes".equals(server.config().get("crash-log-enabled"))) {
                server.log().warning(report(cause));
            }
        } catch (Throwable ignored) {
            // logging may itself fail when memory is exhausted; acting matters more
        }
        action.accept(reason);
    }
}
