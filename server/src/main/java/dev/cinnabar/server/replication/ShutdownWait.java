package dev.cinnabar.server.replication;

import dev.cinnabar.server.ServerContext;
import dev.cinnabar.server.blocking.BlockingManager;
import dev.cinnabar.server.config.ShutdownFlags;
import dev.cinnabar.server.persistence.Persistence;
import dev.cinnabar.server.protocol.Errors;
import dev.cinnabar.server.session.Client;
import dev.cinnabar.server.session.ClientPause;
import java.util.ArrayList;
import java.util.List;

/**
 * The shutdown sequence of Redis 7.0 (server.c's prepareForShutdown, finishShutdown,
 * abortShutdown), shared by SHUTDOWN and SIGTERM/SIGINT. Without NOW, with shutdown-timeout
 * non-zero and a replica that has not acknowledged the whole stream, the shutdown does not
 * happen yet: writes are paused, the replicas are asked for their offsets (REPLCONF GETACK *,
 * unless a CLIENT PAUSE already holds the offset still) and the SHUTDOWN client is blocked; the
 * cron finishes it once every replica caught up or the timeout passed. Finishing logs each
 * lagging replica and how many are in sync, saves as the flags say, then stops the server (its
 * shutdown hook); a failed save without FORCE cancels the shutdown: the blocked clients get
 * "Errors trying to SHUTDOWN", the pause ends, the server runs on. SHUTDOWN ABORT cancels a
 * waiting shutdown the same way. All methods run under the execution lock.
 */
public final class ShutdownWait {
    private final ServerContext server;
    private final Replication repl;
    /** When a waiting shutdown gives up waiting (Redis's shutdown_mstime); 0 when none waits. */
    private long deadline;
    private int flags;
    private boolean pausedByUs;
    private Runnable onCancel;
    private final List<Client> blocked = new ArrayList<>();
    /** A signal's shutdown waiting for the cron (Redis's shutdown_asap): its flags, or -1. */
    private volatile int signalFlags = -1;
    private volatile Runnable signalCancel;

    ShutdownWait(ServerContext server, Replication repl) {
        this.server = server;
        this.repl = repl;
    }

    public static ShutdownWait of(ServerContext ctx) {
        return Replication.of(ctx).shutdownWait();
    }

    /** What {@link #prepare} did. */
    public enum Outcome {
        /** The server is stopping. */
        STOPPING,
        /** Waiting for replicas: the cron finishes it (the client, if any, is blocked). */
        WAITING,
        /** The save failed (logged); the server runs on. */
        FAILED
    }

    public boolean inProgress() {
        return deadline != 0;
    }

    /**
     * Redis's prepareForShutdown. A shutdown already waiting takes the client among its blocked
     * ones (WAITING). onCancel runs if the shutdown is cancelled later (a failed save, ABORT).
     */
    public Outcome prepare(int flags, Client client, Runnable onCancel) {
        if (deadline != 0) {
            block(client);
            return Outcome.WAITING;
        }
        if (server.loading()) {
            // as Redis: never save a half-loaded dataset
            flags = (flags & ~ShutdownFlags.SAVE) | ShutdownFlags.NOSAVE;
        }
        this.flags = flags;
        server.log().warning("User requested shutdown...");
        long timeoutMillis = server.config().shutdownTimeout * 1000L;
        if ((flags & ShutdownFlags.NOW) == 0 && timeoutMillis != 0 && !repl.replicasInSync()) {
            deadline = Math.max(1, server.clock().millis() + timeoutMillis);
            this.onCancel = onCancel;
            ClientPause pause = server.clients().pause();
            pausedByUs = !pause.active();
            if (pausedByUs) {
                repl.requestAcks(); // with a CLIENT PAUSE in force the offset must not move
            }
            pause.pause(ClientPause.Mode.WRITE, deadline);
            server.log().notice("Waiting for replicas before shutting down.");
            block(client);
            return Outcome.WAITING;
        }
        return finish() ? Outcome.STOPPING : Outcome.FAILED;
    }

    /**
     * SIGTERM/SIGINT (any thread): the shutdown happens in the next cron cycle, as Redis's signal
     * handler only sets shutdown_asap for serverCron (so DEBUG PAUSE-CRON holds it and SHUTDOWN
     * ABORT can still cancel it). onCancel runs if it does not happen (a failed save, ABORT).
     */
    public void requestFromSignal(int flags, Runnable onCancel) {
        signalCancel = onCancel;
        signalFlags = flags;
    }

    /** From the cron: a signal's shutdown starts; a waiting one finishes once the replicas caught up or the time is up. */
    void tick() {
        int f = signalFlags;
        if (f >= 0 && deadline == 0) {
            signalFlags = -1;
            Runnable cancel = signalCancel;
            if (prepare(f, null, cancel) == Outcome.FAILED && cancel != null) {
                cancel.run();
            }
        } else if (deadline != 0 && (server.clock().millis() >= deadline || repl.replicasInSync())) {
            finish();
        }
    }

    /** SHUTDOWN ABORT: true when a waiting shutdown was cancelled. */
    public boolean abort() {
        if (deadline != 0) {
            cancel();
        } else if (signalFlags >= 0) {
            // a signal's shutdown the cron has not started yet
            signalFlags = -1;
            Runnable r = signalCancel;
            if (r != null) {
                r.run();
            }
        } else {
            return false;
        }
        server.log().notice("Shutdown manually aborted.");
        return true;
    }

    /** Redis's finishShutdown: the replicas' state logged, the final save, the stop. */
    private boolean finish() {
        repl.logShutdownSync();
        boolean saved = Persistence.of(server).shutdownSave((flags & ShutdownFlags.SAVE) != 0,
                (flags & ShutdownFlags.NOSAVE) != 0);
        if (!saved && (flags & ShutdownFlags.FORCE) == 0) {
            server.log().warning("Errors trying to shut down the server. Check the logs for more information.");
            cancel();
            return false;
        }
        deadline = 0;
        blocked.clear(); // their connections close with the server, without a reply, as Redis
        Runnable hook = server.shutdownHook();
        if (hook != null) {
            hook.run();
        }
        return true;
    }

    private void block(Client c) {
        if (c == null) {
            return;
        }
        blocked.add(c);
        BlockingManager.of(server).block(c, List.of(), 0, "shutdown", (cl, db, key) -> BlockingManager.Outcome.SKIP,
                r -> r.error(Errors.SHUTDOWN_FAILED));
    }

    /** Redis's cancelShutdown: the blocked clients get the error, our pause ends. */
    private void cancel() {
        deadline = 0;
        flags = 0;
        for (Client c : blocked) {
            if (c.blocked()) {
                server.dispatcher().serveBlocked(c, () -> {
                    c.deliver(r -> r.error(Errors.SHUTDOWN_FAILED));
                    return null;
                });
                BlockingManager.of(server).unblock(c);
            }
        }
        blocked.clear();
        if (pausedByUs) {
            server.clients().pause().unpause();
            pausedByUs = false;
        }
        Runnable r = onCancel;
        onCancel = null;
        if (r != null) {
            r.run();
        }
    }
}
