package dev.cinnabar.server.persistence.aof;

import dev.cinnabar.server.ServerContext;
import java.util.ArrayList;
import java.util.List;

/**
 * What keeps a reply behind the AOF write it acknowledges, with {@code appendfsync always}: Redis
 * writes every client's output in beforeSleep after flushAppendOnlyFile, so no client (the one
 * that wrote, a BLPOP it served, a subscriber told of the change, a MONITOR) hears of a write
 * before it is in the file. Here replies are produced under the execution lock and sent by event
 * loops, some of them (deliveries to other connections, batches whose before-sleep work is held)
 * without passing the release that writes the AOF; so each connection notes, under the lock, the
 * {@link #position()} its output depends on, and sends it only once the AOF has
 * {@link #passed passed} it (else it asks to be called back: {@link #whenPassed}).
 *
 * <p>The position counts the commands the AOF took in since it started with the always policy;
 * everysec and no promise nothing about a reply, so their commands do not count and nothing
 * waits. The AOF moves {@link #reached} when the buffer is written and fsynced (or when its
 * policy or appendonly changes, which ends the promise); a failed write or fsync with always
 * stops the server, so what waited for it is never sent.
 *
 * <p>Threads: {@link #fed} and {@link #position} run under the execution lock; {@link #passed}
 * and {@link #whenPassed} on any thread. Cost on the fast path: one volatile read per flush of a
 * connection's output.
 */
public final class AofBarrier {
    /** Commands counted so far (under the execution lock). */
    private long fed;
    /** Every counted command up to this one is in the file (fsynced with always). */
    private volatile long durable;
    /** Callbacks waiting for a position, guarded by itself; rare (see the class comment). */
    private final List<Waiting> waiting = new ArrayList<>();
    private volatile boolean anyWaiting;

    private record Waiting(long position, Runnable then) {
    }

    public static AofBarrier of(ServerContext s) {
        return s.feature(AofBarrier.class, AofBarrier::new);
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
     * has, else on the thread that moves the AOF past it (under the execution lock: {@code then}
     * should only hand work to another thread).
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

    /** What was counted so far is in the file: replies waiting for it go (under the lock). */
    void reached() {
        if (durable == fed) {
            return;
        }
        durable = fed;
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
