package dev.cinnabar.server;

import dev.cinnabar.server.config.ServerConfig;
import dev.cinnabar.server.config.ShutdownFlags;
import dev.cinnabar.server.persistence.Persistence;
import dev.cinnabar.server.replication.Replication;
import dev.cinnabar.server.session.ClientPause;
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
 * process alive. The shutdown runs on its own thread, which takes the execution lock: a busy
 * script delays it until the script ends or is killed, as in Redis.
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
            Runtime.getRuntime().halt(1); // not a clean shutdown
            return;
        }
        log.fromSignalHandler(ctx.loading() ? "Received shutdown signal during loading, scheduling shutdown."
                : "Received SIG" + signal + " scheduling shutdown...");
        if (!scheduled.compareAndSet(false, true)) {
            return;
        }
        ServerConfig cfg = ctx.config();
        int flags = signal.equals("INT") ? cfg.shutdownOnSigint : cfg.shutdownOnSigterm;
        Thread t = new Thread(() -> {
            if (!shutdown(flags)) {
                scheduled.set(false); // running on: a later signal tries again
            }
        }, "cinnabar-signal-shutdown");
        t.setDaemon(true);
        t.start();
    }

    /** Performs the shutdown; false when the final save failed without force (the server runs on). */
    boolean shutdown(int flags) {
        ServerContext ctx = server.context();
        ctx.log().warning("User requested shutdown...");
        boolean paused = (flags & ShutdownFlags.NOW) == 0 && waitForReplicas(ctx);
        ctx.lock().lock();
        try {
            if (server.isClosed()) {
                return true;
            }
            String summary = Replication.of(ctx).syncSummary();
            if (summary != null) {
                ctx.log().notice(summary);
            }
            boolean saved = Persistence.of(ctx).shutdownSave((flags & ShutdownFlags.SAVE) != 0,
                    (flags & ShutdownFlags.NOSAVE) != 0);
            if (!saved && (flags & ShutdownFlags.FORCE) == 0) {
                ctx.log().warning("Errors trying to shut down the server. Check the logs for more information.");
                if (paused) {
                    ctx.clients().pause().unpause(); // the shutdown's own pause only, as Redis
                }
                return false;
            }
        } finally {
            ctx.lock().unlock();
        }
        Main.stop(server, true);
        return true;
    }

    /**
     * shutdown-timeout: with replicas attached that have not acknowledged the whole stream, asks
     * them for their offsets, pauses writes and waits up to that many seconds for them to catch up
     * (Redis's prepareForShutdown without NOW); 0 does not wait. True when it paused writes
     * itself (no CLIENT PAUSE was in force).
     */
    private static boolean waitForReplicas(ServerContext ctx) {
        long timeoutMillis = ctx.config().shutdownTimeout * 1000L;
        Replication r = Replication.of(ctx);
        long deadline;
        boolean ours;
        ctx.lock().lock();
        try {
            if (timeoutMillis == 0 || r.replicasInSync()) {
                return false;
            }
            deadline = System.currentTimeMillis() + timeoutMillis;
            ours = !ctx.clients().pause().active();
            if (ours) {
                r.requestAcks();
            }
            ctx.clients().pause().pause(ClientPause.Mode.WRITE, ctx.now() + timeoutMillis);
            ctx.log().notice("Waiting for replicas before shutting down.");
        } finally {
            ctx.lock().unlock();
        }
        while (System.currentTimeMillis() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return ours;
            }
            ctx.lock().lock();
            try {
                if (r.replicasInSync()) {
                    return ours;
                }
            } finally {
                ctx.lock().unlock();
            }
        }
        return ours;
    }
}
