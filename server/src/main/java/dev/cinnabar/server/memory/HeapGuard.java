package dev.cinnabar.server.memory;

import com.sun.management.GarbageCollectionNotificationInfo;
import dev.cinnabar.server.ServerContext;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.util.Map;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

/**
 * Keeps the JVM from ever being the limit: whatever maxmemory says (0 included), writes are refused
 * with Redis's OOM error, or keys evicted under an evicting policy, before the heap runs out.
 *
 * <p>Two checks, both against {@code heap-safety-margin} (our own directive, percent of the maximum
 * heap kept free, default 20):
 *
 * <ul>
 *   <li><b>the estimate</b>: used memory (the accounting behind used_memory) is held under
 *       {@code (max heap - baseline) * (100 - margin) / 100}, where the baseline is the heap the
 *       server held at start-up, before any data. Deterministic and cheap (no GC involved), it
 *       acts as an implicit maxmemory when maxmemory is 0 or larger;
 *   <li><b>the heap itself</b>: after every garbage collection the heap still in use is compared
 *       with {@code max heap * (100 - margin / 2) / 100}; above it the heap is "critical" and every
 *       denyoom command is refused until a later collection finds it below (this catches what the
 *       estimate misses: query buffers, replies, values estimated low).
 * </ul>
 *
 * The margin leaves room for the transient allocations of a command (its argv, its reply) and for
 * the collector to work without thrashing.
 */
public final class HeapGuard {
    private final ServerContext server;
    private final long maxHeap;
    private final long baseline;
    /** Set from the GC notification thread, read under the execution lock. */
    private volatile boolean critical;
    private volatile long usedAfterLastGc;

    private HeapGuard(ServerContext server, long maxHeap, long baseline) {
        this.server = server;
        this.maxHeap = maxHeap;
        this.baseline = baseline;
    }

    static HeapGuard start(ServerContext server) {
        Runtime rt = Runtime.getRuntime();
        long max = rt.maxMemory();
        HeapGuard g = new HeapGuard(server, max == Long.MAX_VALUE ? 0 : max, rt.totalMemory() - rt.freeMemory());
        g.listen();
        return g;
    }

    private void listen() {
        NotificationListener l = this::collected;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (gc instanceof NotificationEmitter em) {
                em.addNotificationListener(l, null, null);
            }
        }
        server.addShutdownListener(() -> {
            for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
                if (gc instanceof NotificationEmitter em) {
                    try {
                        em.removeNotificationListener(l);
                    } catch (javax.management.ListenerNotFoundException e) {
                        // already removed
                    }
                }
            }
        });
    }

    private void collected(Notification n, Object handback) {
        if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) {
            return;
        }
        GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
        long used = 0;
        for (Map.Entry<String, MemoryUsage> e : info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
            if (isHeapPool(e.getKey())) {
                used += e.getValue().getUsed();
            }
        }
        usedAfterLastGc = used;
        critical = maxHeap > 0 && used > criticalBytes();
    }

    private static boolean isHeapPool(String name) {
        // heap pools of the HotSpot collectors (the others are Metaspace, code cache, class space)
        return name.contains("Eden") || name.contains("Survivor") || name.contains("Old") || name.contains("Tenured")
                || name.contains("Heap") && !name.contains("non");
    }

    private int margin() {
        return server.config().heapSafetyMargin;
    }

    /** Heap in use after a collection above which writes are refused. */
    long criticalBytes() {
        return maxHeap * (100 - margin() / 2) / 100;
    }

    /** The used-memory limit derived from the heap, 0 when the heap is unbounded. */
    long limit() {
        if (maxHeap == 0) {
            return 0;
        }
        return Math.max(0, (maxHeap - baseline) * (100 - margin()) / 100);
    }

    boolean active() {
        return maxHeap > 0;
    }

    /** True when the last collection left the heap above the critical level. */
    public boolean critical() {
        return critical;
    }

    public long usedAfterLastGc() {
        return usedAfterLastGc;
    }

    public long maxHeap() {
        return maxHeap;
    }

    void cron() {
    }
}
