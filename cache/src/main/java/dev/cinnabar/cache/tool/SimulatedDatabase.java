package dev.cinnabar.cache.tool;

import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * A stand-in database for load tests: a fixed connection pool (callers queue for a connection),
 * a fixed query latency, and rows for ids 0..rows-1 (other ids are absent). Counts queries and
 * records the peak number of concurrent queries.
 */
public final class SimulatedDatabase {
    private final Semaphore connections;
    private final long latencyMicros;
    private final long rows;
    private final LongAdder queries = new LongAdder();
    private final AtomicInteger active = new AtomicInteger();
    private final AtomicInteger peak = new AtomicInteger();

    public SimulatedDatabase(int connections, long latencyMicros, long rows) {
        this.connections = new Semaphore(connections, true);
        this.latencyMicros = latencyMicros;
        this.rows = rows;
    }

    /** The row for id, or null when absent; blocks for a connection and for the latency. */
    public String find(long id) throws InterruptedException {
        connections.acquire();
        try {
            int a = active.incrementAndGet();
            peak.accumulateAndGet(a, Math::max);
            queries.increment();
            if (latencyMicros > 0) {
                long until = System.nanoTime() + latencyMicros * 1000;
                long left;
                while ((left = until - System.nanoTime()) > 0) {
                    java.util.concurrent.locks.LockSupport.parkNanos(left);
                    if (Thread.interrupted()) {
                        throw new InterruptedException();
                    }
                }
            }
            return id >= 0 && id < rows ? "row-" + id : null;
        } finally {
            active.decrementAndGet();
            connections.release();
        }
    }

    public long queries() {
        return queries.sum();
    }

    public int peakConcurrency() {
        return peak.get();
    }

    public long rows() {
        return rows;
    }
}
