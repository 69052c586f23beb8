package dev.cinnabar.server.persistence.aof;

import dev.cinnabar.server.ServerContext;
import dev.cinnabar.server.session.Client;
import dev.cinnabar.server.session.ClientFlags;
import java.util.ArrayList;
import java.util.List;

/**
 * What keeps a reply behind the AOF write it acknowledges: Redis writes every client's output in
 * beforeSleep after flushAppendOnlyFile, so no client (the one that wrote, a BLPOP it served, a
 * subscriber told of the change, a MONITOR) hears of a write before it is in the file (fsynced
 * too with {@code appendfsync always}). Here replies are produced under the execution lock and
 * sent by event loops, while the AOF is written once at the end of a loop's pass and, with
 * always, fsynced off the lock (Aof's group commit); so each connection notes, under the lock,
 * the {@link #position()} its output depends on, and sends it only once the AOF has
 * {@link #passed passed} it (else it asks to be called back: {@link #whenPassed}).
 *
 * <p>The position counts the commands the AOF took in. The AOF moves {@link #reached(long)} when
 * they are written (everysec, no) or written and fsynced (always), or {@link #reached()} when
 * nothing more is promised for them: the policy leaves always, appendonly changes, everysec
 * postpones a write behind a slow fsync or a write fails (as Redis, which then answers anyway);
 * a failed write or fsync with always stops the server, so what waited for it is never sent.
 *
 * <p>Exempt: the replication stream ({@link #waits}). Replicas get the commands as soon as they
 * ran, without waiting for the master's fsync (Redis 7.0 writes to replicas in the same
 * beforeSleep, after the fsync; here the order of the two is not fixed: a replica may hold a
 * write the master's file does not have yet, as it may after any crash of the master between
 * its fsync and its replies).
 *
 * <p>Threads: {@link #fed}, {@link #position} and {@link #reached()} run under the execution
 * lock; {@link #passed}, {@link #whenPassed} and {@link #reached(long)} on any thread. Cost on
 * the fast path: one volatile read per flush of a connection's output.
 */
public final class AofBarrier {
    /** Commands counted so far (under the execution lock). */
    private long fed;
    /** Every counted command up to this one is in the file (fsynced with always); only grows. */
    private volatile long durable;
    /** Callbacks waiting for a position, guarded by itself; rare (see the class comment). */
    private final List<Waiting> waiting = new ArrayList<>();
    private volatile boolean anyWaiting;

    private record Waiting(long position, Runnable then) {
    }

    public static AofBarrier of(ServerContext s) {
        return s.feature(AofBarrier.class, AofBarrier::new);
    }

    /**
     * Whether {@code c}'s output waits for the AOF: every client's but a replica's (the
     * replication stream is not delayed by the fsync, see the class comment). MONITOR clients
     * carry the replica flag too, and wait.
     */
    public static boolean waits(Client c) {
        return c == null || (c.flags & (ClientFlags.REPLICA | ClientFlags.MONITOR)) != ClientFlags.REPLICA;
    }

    /** Under the lock: the position output produced now depends on. */
    public long position() {
        return fed;
    }

    /** Whether the AOF has reached {@code position} (any thread). */
    public boolean passed(long position) {
        return position <= durable;
    }

    /**
     * Runs {@code then} once the AOF has reached {@code position}: at once (on this thread) when it
     * has, else on the thread that moves the AOF past it (the group commit's fsync thread, or a
     * thread under the execution lock: {@code then} should only hand work to another thread).
     */
    public void whenPassed(long position, Runnable then) {
        synchronized (waiting) {
            anyWaiting = true; // before the check: reached() sets durable, then reads this
            if (!passed(position)) {
                waiting.add(new Waiting(position, then));
                return;
            }
            anyWaiting = !waiting.isEmpty();
        }
        then.run();
    }

    /** One more command the AOF must write before replies produced from now on (under the lock). */
    void fed() {
        fed++;
    }

    /** What was counted so far is in the file, or nothing is promised any more (under the lock). */
    void reached() {
        reached(fed);
    }

    /**
     * Every command up to {@code position} is in the file: replies waiting for it go (any thread;
     * a position behind the current one changes nothing).
     */
    void reached(long position) {
        synchronized (waiting) {
            if (position <= durable) {
                return;
            }
            durable = position;
        }
        if (!anyWaiting) {
            return;
        }
        List<Runnable> run = new ArrayList<>();
        synchronized (waiting) {
            waiting.removeIf(w -> {
                if (passed(w.position())) {
                    run.add(w.then());
                    return true;
                }
                return false;
            });
            anyWaiting = !waiting.isEmpty();
        }
        for (Runnable r : run) {
            r.run();
        }
    }
}
