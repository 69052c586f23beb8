package dev.cinnabar.server.session;

import dev.cinnabar.server.command.CommandSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * CLIENT PAUSE state. While a pause is active, commands of non-replica clients that it covers
 * (all of them for ALL; those flagged write or may-replicate for WRITE) are postponed, not refused:
 * the connection holds the request and everything after it, stops reading, and runs them when the
 * pause ends (CLIENT UNPAUSE, or its deadline, checked by the cron), in the order they were
 * postponed, through the {@link ResumeQueue}.
 *
 * <p>All methods run under the execution lock. Waiters are resumed on their own IO threads.
 */
public final class ClientPause {
    /** What a pause covers. */
    public enum Mode { WRITE, ALL }

    private final CommandSpec exec;
    private Mode mode;
    private long endMillis;
    private final List<Waiter> waiters = new ArrayList<>();
    private final ResumeQueue resumes;

    private record Waiter(Object owner, Runnable resume) {
    }

    /**
     * @param exec the EXEC command's spec (postponed when its queued commands write), or null
     * @param resumes where postponed clients go when the pause ends
     */
    public ClientPause(CommandSpec exec, ResumeQueue resumes) {
        this.exec = exec;
        this.resumes = resumes;
    }

    /** Starts or extends a pause: as Redis, a later deadline wins and ALL wins over WRITE. */
    public void pause(Mode m, long endMillis) {
        boolean was = mode != null;
        mode = mode == Mode.ALL || m == Mode.ALL ? Mode.ALL : Mode.WRITE;
        if (!was || endMillis > this.endMillis) {
            this.endMillis = endMillis;
        }
    }

    public boolean active() {
        return mode != null;
    }

    /** Write commands are paused (ALL or WRITE): expiry and eviction hold off too. */
    public boolean writesPaused() {
        return mode != null;
    }

    public Mode mode() {
        return mode;
    }

    public long endMillis() {
        return endMillis;
    }

    /**
     * True when this client's command must wait for the pause to end: any command under ALL; under
     * WRITE one that may write or replicate ({@code mayReplicate}, from the gate), or an EXEC whose
     * queue holds such a command. Replicas are never paused (a MONITOR replica is).
     */
    public boolean postpones(Client c, CommandSpec cmd, boolean mayReplicate) {
        if (mode == null || (c.flags & ClientFlags.REPLICA) != 0 && (c.flags & ClientFlags.MONITOR) == 0) {
            return false;
        }
        if (mode == Mode.ALL || mayReplicate) {
            return true;
        }
        return cmd == exec && c.multiMayReplicate;
    }

    /**
     * How many postponed clients wait for the pause to end (Redis counts them in INFO's
     * blocked_clients). A client that disconnects while waiting is counted until the pause ends.
     */
    public int waiting() {
        return waiters.size();
    }

    /**
     * Registers a postponed client: {@code resume} is called (under the lock) when the pause has
     * ended and it is the client's turn in the {@link ResumeQueue}; the client then calls
     * {@link ResumeQueue#done} with the same owner.
     */
    public void await(Object owner, Runnable resume) {
        waiters.add(new Waiter(owner, resume));
    }

    /**
     * Ends the pause now (CLIENT UNPAUSE) and releases the postponed clients in arrival order, as
     * Redis does: each runs its postponed requests (and what followed them) before the next one.
     */
    public void unpause() {
        mode = null;
        endMillis = 0;
        List<Waiter> released = new ArrayList<>(waiters);
        waiters.clear();
        for (Waiter w : released) {
            resumes.schedule(w.owner(), w.resume());
        }
    }

    /** Cron: ends a pause whose deadline has passed. */
    public void expire(long nowMillis) {
        if (mode != null && nowMillis >= endMillis) {
            unpause();
        }
    }
}
