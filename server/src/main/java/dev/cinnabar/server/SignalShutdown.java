package dev.cinnabar.server;

import dev.cinnabar.server.config.ServerConfig;
import dev.cinnabar.server.persistence.Persistence;
import dev.cinnabar.server.replication.ShutdownWait;
import java.util.concurrent.atomic.AtomicBoolean;
import sun.misc.Signal;

/**
 * SIGTERM and SIGINT as Redis 7.0 handles them (server.c's sigShutdownHandler and the shutdown
 * its cron then performs): the signal schedules a shutdown with the flags of shutdown-on-sigterm
 * or shutdown-on-sigint (save, nosave, now, force; "default" is none), performed like SHUTDOWN:
 * the final save when save points exist (or save), none with nosave. When that save fails and
 * force is not among the flags, the server logs it and keeps running, as Redis does. A second
 * SIGINT while a shutdown is under way exits at once with status 1 ("You insist..."). SIGHUP is
 * ignored, as Redis ignores it.
 *
 * <p>Handled with the JVM's signal API rather than a shutdown hook because a hook cannot keep the
 * process alive. The handler only schedules the shutdown; the cron performs it
 * (replication.ShutdownWait, the path SHUTDOWN takes), under the execution lock: a busy script
 * delays it until the script ends or is killed, DEBUG PAUSE-CRON holds it and SHUTDOWN ABORT
 * cancels it, as in Redis.
 */
final class SignalShutdown {
    private final CinnabarServer server;
    private final AtomicBoolean scheduled = new AtomicBoolean();

    SignalShutdown(CinnabarServer server) {
        this.server = server;
    }

    void install() {
        for (String name : new String[] {"TERM", "INT"}) {
            Signal.handle(new Signal(name), sig -> received(name));
        }
        // Redis sets SIGHUP to SIG_IGN at start-up (a closed terminal must not stop a server); the
        // JVM would otherwise run its shutdown hooks on it
        Signal.handle(new Signal("HUP"), sun.misc.SignalHandler.SIG_IGN);
    }

    /** The signal handler: log, then schedule the shutdown (once). */
    void received(String signal) {
        ServerContext ctx = server.context();
        Log log = ctx.log();
        if (signal.equals("INT") && scheduled.get()) {
            log.fromSignalHandler("You insist... exiting now.");
            Persistence.of(ctx).removeSaveTempFile(); // as Redis's rdbRemoveTempFile: no half-written temp file left
            Runtime.getRuntime().halt(1); // not a clean shutdown
            return;
        }
        String line = ctx.loading() ? "Received shutdown signal during loading, scheduling shutdown."
                : "Received SIG" + signal + " scheduling shutdown...";
        // scheduled before the line is written: a client that has read the line finds the shutdown
        // scheduled (SHUTDOWN ABORT cancels it), as Redis's handler runs between two commands
        if (scheduled.compareAndSet(false, true)) {
            ServerConfig cfg = ctx.config();
            int flags = signal.equals("INT") ? cfg.shutdownOnSigint : cfg.shutdownOnSigterm;
            // the cron performs it, as Redis's serverCron (a busy script delays it until it ends)
            ShutdownWait.of(ctx).requestFromSignal(flags, () -> scheduled.set(false));
        }
        log.fromSignalHandler(line);
    }
}
