package dev.cinnabar.server;

import java.util.concurrent.locks.ReentrantLock;

/**
 * The one execution lock (see docs/architecture.md, threading model): a {@link ReentrantLock} that
 * spins briefly before parking. A batch of commands holds it for about a microsecond, while parking
 * and waking a thread costs tens of microseconds of latency plus two context switches; with few IO
 * threads the waiter almost always gets the lock within the spin, which is what keeps the tail
 * latency of single requests (-P 1) low. After the spin it queues and parks as a plain lock does,
 * so a long holder (a slow script, DEBUG SLEEP) costs no CPU.
 */
public final class ExecutionLock extends ReentrantLock {
    /** About 5-20 microseconds of PAUSE instructions, depending on the CPU. */
    static final int SPINS = Integer.getInteger("cinnabar.lockSpins", 256);

    @Override
    public void lock() {
        if (tryLock()) {
            return;
        }
        for (int i = 0; i < SPINS; i++) {
            Thread.onSpinWait();
            if (!isLocked() && tryLock()) {
                return;
            }
        }
        super.lock();
    }
}
