package dev.cinnabar.server.persistence.aof;

import dev.cinnabar.server.ExecutionLock;
import dev.cinnabar.server.ServerContext;
import io.netty.channel.EventLoop;
import io.netty.util.internal.ThreadExecutorMap;
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
 * AOF buffer once and fsyncs once, then sends all the replies.
 *
 * <p><b>On an event loop</b> (commands run by connections) the group closes at the end of the
 * loop's pass, as in Redis: the first release of the execution lock with something in the buffer
 * only schedules a task on the releasing loop ({@link #closeAtPassEnd}); Netty runs tasks after
 * the I/O of its pass, so every batch read in that pass (all pipelines of all ready clients) joins
 * the buffer first. The task then writes the buffer under the lock and fsyncs on the loop itself,
 * off the lock, as Redis's beforeSleep blocks in its fsync; the replies it covers go
 * ({@link AofBarrier#reached(long)}: their flush tasks are queued on the loops) and whatever other
 * threads (another loop, the script thread) ran meanwhile goes as the next group. No thread
 * hand-off on the way: on a loaded machine the two wake-ups of a hand-off to an fsync thread and
 * back cost more than the fsync, and closing groups at each batch's release made a group of the
 * first pipeline alone (redis-benchmark -c 50 -P 16: 0.2-0.44x Redis's throughput before).
 * The pass end serves everysec and no as well: their buffer is written by the same task (without
 * the fsync), one write(2) per pass instead of one per batch.
 *
 * <p><b>Elsewhere</b> (the script thread, the cron, tests without a network), the first release
 * with something in the buffer writes it (under the lock, {@link Aof#flush}) and hands the fsync
 * to this class's thread; while that fsync runs, every other client keeps executing and its
 * commands stay in the buffer; when it ends, the replies it covers go and whatever joined
 * meanwhile is written and fsynced as the next group, in one write and one fsync.
 *
 * <p>Invariants: at most one group is in flight; the position a group makes durable is the
 * barrier's position when its bytes were written (every command counted then is in those bytes).
 * A failed fsync stops the server as Redis does ("Can't persist AOF for fsync error ... Exiting"),
 * and its group's replies are never sent. Code that closes or replaces the file under the lock
 * (a rewrite's switch, appendonly no, a failed first rewrite) first fsyncs it or ends the promise
 * ({@link AofBarrier#reached()}), so an fsync that fails because its file was closed meanwhile is
 * recognised, under the lock, as covered and ignored.
 *
 * <p>Threads: {@link #start}, {@link #inFlight} and {@link #closeAtPassEnd} under the execution
 * lock; the fsync on the group thread or the loop, which never holds the lock while it syncs and
 * hands the end of the group to the lock's holder ({@code runLocked}: no wait).
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
    /** A loop's pass end will write the buffer (under the lock). */
    private boolean passEndScheduled;
    /** The pass end is writing (under the lock): start() leaves the fsync to it, with what it wrote. */
    private boolean closingPass;
    private FileChannel passChannel;
    private long passPosition;
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
     * Under the lock, when the buffer holds commands and no group is in flight: on an event loop,
     * makes sure a task closes the group at the end of the loop's pass and returns true (the
     * buffer is not written now); elsewhere, or in that task itself, false.
     */
    boolean closeAtPassEnd() {
        if (passEndScheduled) {
            return true; // a loop's pass end writes what is in the buffer then
        }
        if (closingPass || !(ThreadExecutorMap.currentExecutor() instanceof EventLoop loop)) {
            return false;
        }
        passEndScheduled = true;
        try {
            loop.execute(this::passEnd);
        } catch (RejectedExecutionException e) {
            passEndScheduled = false; // the loop is shutting down: write now, the thread fsyncs
            return false;
        }
        return true;
    }

    /**
     * The end of a loop's pass (on the loop): writes the buffer and fsyncs it here, off the lock.
     * When the lock is taken, its holder writes instead (at its release, by the usual path).
     */
    private void passEnd() {
        ExecutionLock lock = server.lock();
        if (!lock.tryAcquire()) {
            lock.runLocked(() -> {
                passEndScheduled = false;
                aof.groupEnded();
            });
            return;
        }
        FileChannel ch;
        long position;
        try {
            passEndScheduled = false;
            closingPass = true;
            try {
                aof.groupEnded(); // write (when the AOF is on); with always, start() notes the group
            } finally {
                closingPass = false;
            }
            ch = passChannel;
            position = passPosition;
            passChannel = null;
        } finally {
            lock.unlock();
        }
        if (ch != null) {
            sync(ch, position);
        }
    }

    /**
     * Under the lock, right after the buffer was written to {@code ch}: fsyncs it off the lock,
     * then releases the replies of every command counted up to now. At a loop's pass end the
     * fsync is left to {@link #passEnd}, on the loop.
     */
    void start(FileChannel ch) {
        long position = barrier.position();
        inFlight = true;
        if (closingPass) {
            passChannel = ch;
            passPosition = position;
            return;
        }
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
        if (ThreadExecutorMap.currentExecutor() instanceof EventLoop) {
            server.lock().runLocked(() -> failedLocked(ch, e, position)); // a loop never waits for the lock
            return;
        }
        server.lock().lock(); // not an event loop: it may wait; nobody under the lock waits for this thread
        try {
            failedLocked(ch, e, position);
        } finally {
            server.lock().unlock();
        }
    }

    private void failedLocked(FileChannel ch, IOException e, long position) {
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
    }
}
