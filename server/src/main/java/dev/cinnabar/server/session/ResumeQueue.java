package dev.cinnabar.server.session;

import dev.cinnabar.server.ExecutionLock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Clients whose held requests may run again, in the order they were released: a client served or
 * unblocked after a blocking command (BLPOP...), and the clients CLIENT PAUSE postponed once the
 * pause ends. Redis's unblocked_clients list: Redis processes it before anything else at the end
 * of each event-loop iteration, one client after the other, each running everything its query
 * buffer holds (until it blocks again) before the next starts, and a client a resumed command
 * unblocks joins the end of the list. So a pipelined {@code EVAL ...; MGET} resumed after a pause
 * runs both before the next postponed client's write, and a client served by a resumed LPUSH runs
 * after the clients released before it.
 *
 * <p>Connections run on their own event loops, so the order is kept by handing a turn on: {@link
 * #schedule} queues a client; at its turn its start task runs (it schedules the connection's
 * resume on its loop), and the connection calls {@link #done} once it has nothing more to run
 * (its input is exhausted, it blocked or was postponed again, or it closed). Every start must be
 * answered by one {@code done}, else the clients behind it would never run.
 *
 * <p>While the queue is not empty, the lock's before-sleep work (BCAST invalidations) waits: in
 * Redis the broadcast follows the processing of the unblocked clients, so their writes join the
 * same invalidation batch. So do the released clients' replies (a connection holds its flush
 * until the queue has drained, see {@code done}): Redis writes them after processing the list,
 * and a client that a later one kills (CLIENT KILL) never receives them.
 *
 * <p>All methods run under the execution lock.
 */
public final class ResumeQueue {
    private record Entry(Object owner, Runnable start) {
    }

    private final ExecutionLock lock;
    private final ArrayDeque<Entry> queue = new ArrayDeque<>();
    /** What runs once the queue is empty (released clients' held flushes). */
    private final List<Runnable> afterDrain = new ArrayList<>();
    /** The client running its resumed requests now, or null. */
    private Object turn;

    public ResumeQueue(ExecutionLock lock) {
        this.lock = lock;
    }

    /**
     * Queues a released client: {@code start} runs (under the lock) at its turn, and the client
     * then calls {@link #done} with the same owner.
     */
    public void schedule(Object owner, Runnable start) {
        if (turn == null && queue.isEmpty()) {
            lock.holdBeforeSleep();
        }
        queue.add(new Entry(owner, start));
        if (turn == null) {
            next();
        }
    }

    /**
     * The owner has run what it could: the next released client's turn. {@code afterDrain}
     * (may be null) runs once every released client has had its turn, as Redis writes their
     * replies after processing them all.
     */
    public void done(Object owner, Runnable afterDrain) {
        if (afterDrain != null) {
            this.afterDrain.add(afterDrain);
        }
        if (turn == owner) {
            turn = null;
            next();
        } else if (idle()) {
            drained();
        }
    }

    /** True when no released client waits or runs. */
    public boolean idle() {
        return turn == null && queue.isEmpty();
    }

    private void drained() {
        if (afterDrain.isEmpty()) {
            return;
        }
        List<Runnable> tasks = new ArrayList<>(afterDrain);
        afterDrain.clear();
        for (Runnable r : tasks) {
            r.run();
        }
    }

    private void next() {
        Entry e = queue.poll();
        if (e == null) {
            lock.releaseBeforeSleep();
            drained();
            return;
        }
        turn = e.owner();
        e.start().run();
    }
}
