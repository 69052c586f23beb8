package dev.cinnabar.server;

import java.util.concurrent.locks.LockSupport;

/**
 * Redis's software watchdog (watchdog-period): when one command (a script, a DEBUG SLEEP) keeps
 * the server busy longer than the period, the log gets Redis's "--- WATCHDOG TIMER EXPIRED ---"
 * report with the stack of the thread running it, once per such command.
 *
 * <p>Redis arms a one-shot SIGALRM timer of the period that serverCron re-arms on each run, so
 * the alarm goes off when the event loop has not come back to the cron for a period; its handler
 * logs the main thread's stack. Here commands run on several threads under the execution lock,
 * so "the event loop is stuck" becomes "the outermost call has been running for a period": a
 * thread of ours (started while the period is not 0) samples the start of the running call
 * ({@link dev.cinnabar.server.command.Dispatcher#callStartedNanos}, a release store per command,
 * nothing more on the command path) and, past the period, logs the stack of the lock's holder.
 *
 * <p>The period as Redis applies it: 0 disables; any other value is raised to two cron periods,
 * (1000 / hz) * 2 milliseconds with hz as configured when it is applied (start-up, after the
 * whole configuration, or CONFIG SET), and CONFIG GET reports the raised value.
 */
public final class Watchdog {
    private final ServerContext server;
    private Thread thread;
    private volatile boolean stopped;

    private Watchdog(ServerContext server) {
        this.server = server;
    }

    public static void install(ServerContext ctx) {
        Watchdog w = ctx.feature(Watchdog.class, () -> new Watchdog(ctx));
        ctx.config().entry("watchdog-period").onApply(v -> w.apply());
        ctx.config().implemented("watchdog-period");
        ctx.addShutdownListener(w::stop);
        w.apply();
    }

    /** Redis's minimum: two cron periods at the configured hz (integer milliseconds). */
    static int effectivePeriod(int period, int hz) {
        if (period <= 0) {
            return 0;
        }
        int min = (1000 / Math.max(1, hz)) * 2;
        return Math.max(period, min);
    }

    private synchronized void apply() {
        int p = effectivePeriod(server.config().watchdogPeriod, server.config().hz);
        server.config().watchdogPeriod = p;
        if (p > 0 && thread == null && !stopped) {
            thread = new Thread(this::run, "cinnabar-watchdog");
            thread.setDaemon(true);
            thread.start();
        }
        if (thread != null) {
            LockSupport.unpark(thread); // a new period takes effect now
        }
    }

    private synchronized void stop() {
        stopped = true;
        if (thread != null) {
            LockSupport.unpark(thread);
            thread = null;
        }
    }

    private void run() {
        long reported = 0;
        while (!stopped) {
            long period = server.config().watchdogPeriod;
            if (period <= 0) {
                synchronized (this) {
                    if (server.config().watchdogPeriod <= 0) {
                        thread = null; // the next non-zero period starts a new thread
                        return;
                    }
                }
                continue;
            }
            long start = server.dispatcher().callStartedNanos();
            long now = System.nanoTime();
            long periodNanos = period * 1_000_000L;
            if (start != 0 && start != reported && now - start >= periodNanos) {
                reported = start;
                report(server.lock().holder());
            }
            // sample a few times per period: the report comes at most a quarter period late
            LockSupport.parkNanos(this, Math.max(1_000_000L, Math.min(periodNanos / 4, 50_000_000L)));
        }
    }

    /** Redis's watchdog report: its header and footer lines, the stack between them. */
    private void report(Thread t) {
        Log log = server.log();
        log.fromSignalHandler("\n--- WATCHDOG TIMER EXPIRED ---");
        log.rawFromSignalHandler(stackTrace(t));
        log.fromSignalHandler("--------\n");
    }

    /**
     * The stack in the layout of Redis's report: the frame being executed (Redis's EIP), then the
     * whole stack, innermost first.
     */
    static String stackTrace(Thread t) {
        StringBuilder sb = new StringBuilder("\n------ STACK TRACE ------\n");
        StackTraceElement[] frames = t == null ? new StackTraceElement[0] : t.getStackTrace();
        sb.append("EIP:\n");
        if (frames.length > 0) {
            sb.append(frames[0]).append('\n');
        }
        sb.append("\nBacktrace:\n");
        if (t != null) {
            sb.append("Thread \"").append(t.getName()).append("\"\n");
        }
        for (StackTraceElement f : frames) {
            sb.append(f).append('\n');
        }
        return sb.toString();
    }
}
