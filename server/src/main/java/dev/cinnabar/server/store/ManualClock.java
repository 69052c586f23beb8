package dev.cinnabar.server.store;

import java.util.concurrent.atomic.AtomicLong;

/** A clock that moves only when told to; for tests. */
public final class ManualClock implements Clock {
    private final AtomicLong millis;
    private final AtomicLong nanos = new AtomicLong();

    public ManualClock(long startMillis) {
        this.millis = new AtomicLong(startMillis);
    }

    @Override
    public long millis() {
        return millis.get();
    }

    @Override
    public long nanos() {
        return nanos.get();
    }

    public void advance(long ms) {
        millis.addAndGet(ms);
        nanos.addAndGet(ms * 1_000_000L);
    }

    public void set(long ms) {
        millis.set(ms);
    }
}
