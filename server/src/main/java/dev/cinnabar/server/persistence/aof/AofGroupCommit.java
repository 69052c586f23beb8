package dev.cinnabar.server.persistence.aof;

import dev.cinnabar.server.ServerContext;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * {@code appendfsync always} as a group commit, the way Redis gets its throughput from it: Redis
 * runs the commands of every ready client in one event-loop iteration, then beforeSleep writes the
 * AOF buffer once and fsyncs once, then sends all the replies. Here batches release the execution
 * lock one by one, so the group is formed by time instead: the first release with something in
 * the buffer writes it (under the lock, {@link Aof#flush}) and hands the fsync to this class's
 * thread; while that fsync runs, every other client keeps executing and its commands stay in the
 * buffer; when it ends, the replies it covers go ({@link AofBarrier#reached(long)}) and whatever
 * joined meanwhile is written and fsynced as the next group, in one write and one fsync. So one
 * fsync covers every command executed since the previous one, across all clients, and a pipeline
 * or 50 clients cost one fsync, not 50 in a row.
 *
 * <p>Invariants: at most one group is in flight; the position a group makes durable is the
 * barrier's position when its bytes were written (every command counted then is in those bytes).
 * A failed fsync stops the server as Redis does ("Can't persist AOF for fsync error ... Exiting"),
 * and its group's replies are never sent. Code that closes or replaces the file under the lock
 * (a rewrite's switch, appendonly no, a failed first rewrite) first fsyncs it or ends the promise
 * ({@link AofBarrier#reached()}), so an fsync that fails because its file was closed meanwhile is
 * recognised, under the lock, as covered and ignored.
 *
 * <p>Threads: {@link #start} and {@link #inFlight} under the execution lock; the fsync on the
 * group thread, which never holds the lock while it syncs and hands the end of the group to the
 * lock's holder ({@code runLocked}: no wait).
 */
final class AofGroupCommit {
    /** How a group's file is fsynced; replaced by tests to hold or fail an fsync. */
    interface Fsync {
        void force(FileChannel ch) throws IOException;
    }

    private final ServerContext server;
    private final AofBarrier barrier;
    private final Aof aof;
    private final ExecutorService thread;
    /** A group's fsync runs (under the execution lock). */
    private boolean inFlight;
    volatile Fsync fsync = ch -> ch.force(false);

    AofGroupCommit(ServerContext server, AofBarrier barrier, Aof aof) {
        this.server = server;
        this.barrier = barrier;
        this.aof = aof;
        // one thread, started by the first group and ended after a second without one (a server
        // that never uses always, or stopped using it, keeps no idle thread)
        ThreadPoolExecutor pool = new ThreadPoolExecutor(1, 1, 1, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "cinnabar-aof-always");
            t.setDaemon(true);
            return t;
        });
        pool.allowCoreThreadTimeOut(true);
        this.thread = pool;
    }

    /** Under the lock: whether a group's fsync runs (commands executed now join the next group). */
    boolean inFlight() {
        return inFlight;
    }

    /**
     * Under the lock, right after the buffer was written to {@code ch}: fsyncs it off the lock,
     * then releases the replies of every command counted up to now.
     */
    void start(FileChannel ch) {
        long position = barrier.position();
        inFlight = true;
        try {
            thread.execute(() -> sync(ch, position));
        } catch (RejectedExecutionException e) {
            inFlight = false; // no thread (never shut down, but stay correct): sync here
            aof.syncNow();
        }
    }

    /** The group thread: the fsync, then the replies, then the next group (by the lock's holder). */
    private void sync(FileChannel ch, long position) {
        try {
            fsync.force(ch);
        } catch (IOException e) {
            failed(ch, e, position);
            return;
        }
        barrier.reached(position);
        server.lock().runLocked(this::ended);
    }

    /** Under the lock: the group is over; what joined it meanwhile goes as the next one. */
    private void ended() {
        inFlight = false;
        aof.groupEnded();
    }

    private void failed(FileChannel ch, IOException e, long position) {
        server.lock().lock(); // not an event loop: it may wait; nobody under the lock waits for this thread
        try {
            if (barrier.passed(position)) {
                // the file was fsynced and closed, or the policy left always, under the lock meanwhile
                if (ch.isOpen()) {
                    aof.log().warning("Fail to fsync the AOF file: " + Aof.reason(e));
                }
                ended();
                return;
            }
            aof.log().warning("Can't persist AOF for fsync error when the AOF fsync policy is 'always': "
                    + Aof.reason(e) + ". Exiting...");
            aof.fatal("the AOF could not be fsynced with appendfsync always"); // inFlight stays: nothing more is written
        } finally {
            server.lock().unlock();
        }
    }
}
