package dev.cinnabar.server.net;

import dev.cinnabar.server.ServerContext;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The thread that runs scripts (EVAL*, FCALL*, EXEC of a queue holding one) off the event loops,
 * so that a long script leaves every connection readable for BUSY replies and SCRIPT KILL (see
 * ClientHandler.offload). One per server, created on the first script; scripts are serialised by
 * the execution lock anyway.
 */
final class ScriptThread {
    private static final AtomicInteger SEQ = new AtomicInteger();
    private final ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "cinnabar-scripts-" + SEQ.incrementAndGet());
        t.setDaemon(true);
        return t;
    });

    static ScriptThread of(ServerContext server) {
        return server.feature(ScriptThread.class, ScriptThread::new);
    }

    void execute(Runnable r) {
        executor.execute(r);
    }

    /** Stops the thread of a server that is closing (a running script was aborted by then). */
    static void shutdown(ServerContext server) {
        ScriptThread t = server.feature(ScriptThread.class, ScriptThread::new);
        t.executor.shutdownNow();
    }
}
