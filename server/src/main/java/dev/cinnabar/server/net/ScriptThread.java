package dev.cinnabar.server.net;

import dev.cinnabar.server.ServerContext;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The thread that runs scripts (EVAL*, FCALL*, EXEC of a queue holding one) off the event loops,
 * so that a long script leaves every connection readable for BUSY replies and SCRIPT KILL (see
 * ClientHandler). One per server, created on the first script.
 *
 * <p>It takes one batch at a time: a connection must {@link #tryReserve reserve} it before
 * handing it a batch, and a connection that finds it reserved waits on the execution lock like any
 * other (so that, while a script is busy, it is answered BUSY instead of queueing silently behind
 * it). The holder releases the reservation before it releases the execution lock, so the waiters
 * the release wakes find the thread free.
 */
final class ScriptThread {
    private static final AtomicInteger SEQ = new AtomicInteger();
    private final ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "cinnabar-scripts-" + SEQ.incrementAndGet());
        t.setDaemon(true);
        return t;
    });
    private final AtomicBoolean reserved = new AtomicBoolean();

    static ScriptThread of(ServerContext server) {
        return server.feature(ScriptThread.class, ScriptThread::new);
    }

    /** Reserves the thread for one batch; false when another batch has it. */
    boolean tryReserve() {
        return reserved.compareAndSet(false, true);
    }

    boolean isReserved() {
        return reserved.get();
    }

    /** Ends a reservation (before the execution lock is released). */
    void release() {
        reserved.set(false);
    }

    /** Runs a reserved batch. */
    void execute(Runnable r) {
        executor.execute(r);
    }

    /** Stops the thread of a server that is closing (a running script was aborted by then). */
    static void shutdown(ServerContext server) {
        ScriptThread t = server.feature(ScriptThread.class, ScriptThread::new);
        t.executor.shutdownNow();
    }
}
