package dev.cinnabar.server;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The one execution lock (see docs/architecture.md, threading model): every command, MULTI/EXEC
 * and script runs holding it, which gives them one total order.
 *
 * <p><b>IO threads never wait for it.</b> An event loop calls {@link #tryAcquire()}, which spins
 * briefly and then gives up; the connection then registers as a {@link Waiter} and the loop goes
 * on serving its other connections. Whoever releases the lock wakes the waiters (each continues on
 * its own event loop), and while a script runs past busy-reply-threshold the script's thread
 * serves them from inside the script ({@link #serveWaiters}: BUSY replies and the commands
 * flagged allow-busy, through the normal gate), as Redis processes events while a script is busy.
 * Work that must run under the lock but cannot wait (a connection's close) goes through
 * {@link #runLocked}: now if the lock is free, else by the holder as it releases it. Only threads
 * that are not event loops (the script thread, the cron, blocking timeouts) block in
 * {@link #lock()}.
 *
 * <p>Spinning: a batch of commands holds the lock for about a microsecond, while parking and
 * waking a thread (or a wake-up through a waiter) costs tens of microseconds of latency plus two
 * context switches; with few IO threads the lock is almost always free within the spin, which is
 * what keeps the tail latency of single requests (-P 1) low.
 *
 * <p>Invariants: no wake-up is lost (a waiter checks the lock again after registering; a holder
 * looks at the queues after releasing); deferred work runs under the lock exactly once; a waiter
 * is owned by exactly one of its wake-up and a busy script's service (the waiter decides with a
 * compare-and-set, see ClientHandler).
 */
public final class ExecutionLock extends ReentrantLock {
    /** About 5-20 microseconds of PAUSE instructions, depending on the CPU. */
    static final int SPINS = Integer.getInteger("cinnabar.lockSpins", 256);
    /** How long before-sleep work may wait for released clients (see holdBeforeSleep). */
    static final long MAX_SLEEP_HOLD_NANOS = 100_000_000L;

    /** Something that waits for the lock without blocking a thread (a connection's pending batch). */
    public interface Waiter {
        /** The lock was released: try again (on the waiter's own thread). Called from any thread. */
        void wake();

        /**
         * Called by a thread that holds the lock while a script is busy: run the waiting requests
         * now (the gate answers them BUSY or runs allow-busy commands). May do nothing when the
         * waiter has already been woken.
         */
        void serveWhileBusy();
    }

    private final ConcurrentLinkedQueue<Waiter> waiters = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Runnable> deferred = new ConcurrentLinkedQueue<>();
    /** Deferred work a busy script's thread may also do while it serves waiters (see runLockedEvenWhileBusy). */
    private final ConcurrentLinkedQueue<Runnable> whileBusy = new ConcurrentLinkedQueue<>();
    /** Work for the end of the "event-loop iteration" (beforeRelease), see holdBeforeSleep. */
    private final ConcurrentLinkedQueue<Runnable> beforeSleep = new ConcurrentLinkedQueue<>();
    /** Holds on the before-sleep work (written under the lock, read on release). */
    private volatile int sleepHolds;
    /** When before-sleep work was first found held (nanoTime), 0 when none is held. */
    private long heldSince;

    /** The thread holding the lock now, or null (a snapshot, for diagnostics such as the watchdog). */
    public Thread holder() {
        return getOwner();
    }

    @Override
    public void lock() {
        if (tryAcquire()) {
            return;
        }
        super.lock();
    }

    /** Takes the lock if it is free or becomes free within a short spin; never parks. */
    public boolean tryAcquire() {
        if (tryLock()) {
            return true;
        }
        for (int i = 0; i < SPINS; i++) {
            Thread.onSpinWait();
            if (!isLocked() && tryLock()) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void unlock() {
        if (getHoldCount() == 1 && (!deferred.isEmpty() || !whileBusy.isEmpty() || !beforeSleep.isEmpty())) {
            runDeferred();
        }
        super.unlock();
        if (!waiters.isEmpty()) {
            wakeWaiters();
        }
        // work deferred after our last look but before the release: run it now (the next holder
        // would too); a nested release leaves it to the outermost one
        if ((!deferred.isEmpty() || !whileBusy.isEmpty() || sleepReady()) && !isHeldByCurrentThread() && tryLock()) {
            unlock();
        }
    }

    /**
     * Registers a waiter to be woken when the lock is released. If the lock is already free (the
     * release happened between the caller's failed attempt and this call), wakes it at once.
     */
    public void await(Waiter w) {
        waiters.add(w);
        if (!isLocked()) {
            wakeWaiters();
        }
    }

    /** Wakes every registered waiter (they race for the lock again on their own threads). */
    public void wakeWaiters() {
        Waiter w;
        while ((w = waiters.poll()) != null) {
            w.wake();
        }
    }

    /**
     * Serves the waiters while a busy script holds the lock (called by the script's thread, which
     * holds it). Waiters that register meanwhile are served on the next call.
     */
    public void serveWaiters() {
        if (!isHeldByCurrentThread()) {
            return;
        }
        Runnable r;
        while ((r = whileBusy.poll()) != null) {
            runSafely(r);
        }
        Waiter w;
        int n = waiters.size();
        while (n-- > 0 && (w = waiters.poll()) != null) {
            w.serveWhileBusy();
        }
    }

    /**
     * Runs a task under the lock without waiting for it: at once when the lock is free, otherwise
     * by the thread that holds it when it releases it. For event loops, which must never block.
     */
    public void runLocked(Runnable task) {
        runLocked(task, deferred);
    }

    private void runLocked(Runnable task, ConcurrentLinkedQueue<Runnable> queue) {
        if (tryLock()) {
            try {
                task.run();
            } finally {
                unlock();
            }
            return;
        }
        queue.add(task);
        if (tryLock()) { // released meanwhile: our unlock runs it
            unlock();
        }
    }

    /** Under the lock: runs a task when the holder releases its outermost hold. */
    public void atRelease(Runnable task) {
        deferred.add(task);
    }

    /**
     * As {@link #runLocked}, for work that may also run inside a busy script or a load, when the
     * holder serves the waiters ({@link #serveWaiters}): a closed connection's clean-up, as Redis
     * frees the clients that disconnect while it processes events from inside a busy script (a
     * script waiting for a replica to go away must see it go). The task must tolerate running in
     * the middle of a script (it postpones itself with {@link #runLocked} when it cannot).
     */
    public void runLockedEvenWhileBusy(Runnable task) {
        runLocked(task, whileBusy);
    }

    /**
     * Runs a task under the lock once the current holder has finished its work: by the holder as
     * it releases its outermost hold (Redis's beforeSleep: a batch's broadcast invalidations go
     * after the batch's replies), at once when nobody holds the lock; while held
     * ({@link #holdBeforeSleep}), by the holder that releases the last hold.
     */
    public void beforeRelease(Runnable task) {
        beforeSleep.add(task);
        if (!isHeldByCurrentThread() && tryLock()) { // free (or released meanwhile): run it now
            unlock();
        }
    }

    /**
     * Holds the before-sleep work (under the lock): clients released from a block or a pause
     * still have to run what their input holds, which Redis does before its beforeSleep work.
     * Each hold is ended by one {@link #releaseBeforeSleep}. A hold lasting past
     * {@link #MAX_SLEEP_HOLD_NANOS} no longer delays the work (clients released one after the
     * other without pause must not starve the broadcast of invalidations).
     */
    public void holdBeforeSleep() {
        sleepHolds++;
    }

    /** Ends a hold (under the lock); the release of the lock then runs the work. */
    public void releaseBeforeSleep() {
        sleepHolds--;
        if (sleepHolds == 0) {
            heldSince = 0;
        }
    }

    private boolean sleepReady() {
        return sleepHolds == 0 && !beforeSleep.isEmpty();
    }

    /** Under the lock: whether the before-sleep work may run now. */
    private boolean sleepDue() {
        if (beforeSleep.isEmpty()) {
            return false;
        }
        if (sleepHolds == 0) {
            return true;
        }
        long now = System.nanoTime();
        if (heldSince == 0) {
            heldSince = now;
            return false;
        }
        return now - heldSince > MAX_SLEEP_HOLD_NANOS;
    }

    private void runDeferred() {
        while (true) {
            Runnable r = deferred.poll();
            if (r == null) {
                r = whileBusy.poll();
            }
            if (r != null) {
                runSafely(r);
            } else if (sleepDue()) {
                while ((r = beforeSleep.poll()) != null) {
                    runSafely(r);
                }
                heldSince = 0;
            } else {
                return;
            }
        }
    }

    private static void runSafely(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            // a failed clean-up must not cost the holder its own work
            Thread t = Thread.currentThread();
            t.getUncaughtExceptionHandler().uncaughtException(t, e);
        }
    }
}
