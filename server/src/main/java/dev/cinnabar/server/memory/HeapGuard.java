package dev.cinnabar.server.memory;

import com.sun.management.GarbageCollectionNotificationInfo;
import dev.cinnabar.server.ServerContext;
import dev.cinnabar.server.session.Client;
import dev.cinnabar.server.session.ClientInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
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
 *   <li><b>the heap itself</b>: after a full collection the heap still in use is compared with
 *       {@code max heap * (100 - margin / 2) / 100}; above it the heap is "critical" and every
 *       denyoom command is refused until a later collection finds it below (this catches what the
 *       estimate misses: values estimated low, garbage the collector cannot keep up with). Young
 *       collections only clear the state: the heap they leave in use includes the old
 *       generation's garbage, so it overstates the live data. When memory was freed since the
 *       heap went critical (the estimate fell), the cron asks for a collection, at most once a
 *       second, so that writes are accepted again without waiting for the next natural one.
 * </ul>
 *
 * <p>Client buffers (the JVM's, not Redis's limits): the input every connection holds (query
 * buffer and the arguments of a request read partly) is summed in {@link #inputChanged} as it
 * grows; beyond the <b>buffer budget</b>, {@code max heap * margin / 200}, a connection holding
 * more than {@link #SMALL_CLIENT} is closed as its read arrives. A batch of pipelined requests
 * stops, closing its client, once its replies pass an eighth of the budget (never after its
 * first command: one reply is bounded by the data). The cron closes the largest holders when the
 * buffers of all clients (input and pending replies) pass twice the budget.
 *
 * <p>The margin leaves room for the transient allocations of a command (its argv, its reply) and
 * for the collector to work without thrashing.
 */
public final class HeapGuard {
    private final ServerContext server;
    private final long maxHeap;
    private final long baseline;
    /** Set from the GC notification thread, read under the execution lock. */
    private volatile boolean critical;
    private volatile long usedAfterLastGc;
    /** Connections below this much input or output are never closed by the guard. */
    public static final long SMALL_CLIENT = 64 * 1024;
    /** Input held by all connections (query buffers and partly read arguments). */
    private final AtomicLong input = new AtomicLong();
    /** The estimate when the heap was found critical, and when a collection was last requested. */
    private long usedAtCritical = -1;
    private long lastRequestedGc;

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

    /**
     * Subscribes to the collectors' notifications on a thread of its own: java.management's
     * platform beans cost about a tenth of a start (docs/operations.md, "Start-up time"), so the
     * server binds and answers meanwhile. Until the subscription is in place (tens of
     * milliseconds after start-up) only the estimate guards the heap.
     */
    private void listen() {
        Thread t = new Thread(this::subscribe, "cinnabar-heap-guard");
        t.setDaemon(true);
        t.start();
        server.addShutdownListener(this::unsubscribe);
    }

    private final NotificationListener listener = this::collected;
    private final Object subscription = new Object();
    /** Guarded by subscription: listening once subscribed, closed once the server shuts down. */
    private boolean listening;
    private boolean closed;

    private void subscribe() {
        synchronized (subscription) {
            if (closed) {
                return;
            }
            for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
                if (gc instanceof NotificationEmitter em) {
                    em.addNotificationListener(listener, null, null);
                }
            }
            listening = true;
        }
    }

    private void unsubscribe() {
        synchronized (subscription) {
            closed = true;
            if (!listening) {
                return;
            }
            for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
                if (gc instanceof NotificationEmitter em) {
                    try {
                        em.removeNotificationListener(listener);
                    } catch (javax.management.ListenerNotFoundException e) {
                        // already removed
                    }
                }
            }
        }
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
        boolean above = maxHeap > 0 && used > criticalBytes();
        if (!above) {
            critical = false;
        } else if (info.getGcAction().contains("major")) {
            critical = true; // only a full collection knows the live data
        }
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

    /** The guard of a server, or null when none is installed (embedded servers without the feature). */
    public static HeapGuard of(ServerContext s) {
        Eviction e = Eviction.of(s);
        return e == null ? null : e.heap();
    }

    /** The buffer budget (see the class comment); Long.MAX_VALUE with an unbounded heap. */
    public long bufferBudget() {
        return maxHeap == 0 ? Long.MAX_VALUE : maxHeap * margin() / 200;
    }

    /** The replies a batch of pipelined requests may pile up before its client is closed. */
    public long batchReplyCap() {
        return maxHeap == 0 ? Long.MAX_VALUE : Math.max(SMALL_CLIENT, bufferBudget() / 8);
    }

    /**
     * A connection's input grew or shrank by delta (negative when it closes). Returns false when
     * the connection, holding {@code held} bytes, must be closed: all input is over the budget.
     * Any thread.
     */
    public boolean inputChanged(long delta, long held) {
        long total = delta == 0 ? input.get() : input.addAndGet(delta);
        return total <= bufferBudget() || held < SMALL_CLIENT;
    }

    /** Input held by all connections. */
    public long inputBytes() {
        return input.get();
    }

    /** Under the execution lock. */
    void cron(UsedMemory used) {
        if (maxHeap == 0) {
            return;
        }
        if (critical) {
            long u = used.used();
            if (usedAtCritical < 0) {
                usedAtCritical = u;
            } else if (usedAtCritical - u > maxHeap * margin() / 400) {
                long now = System.nanoTime();
                if (now - lastRequestedGc > 1_000_000_000L) {
                    lastRequestedGc = now;
                    usedAtCritical = u;
                    System.gc(); // memory was freed: let a collection say whether writes may resume
                }
            }
        } else {
            usedAtCritical = -1;
        }
        dropLargestClients();
    }

    /** Closes the clients holding most buffers while all clients hold more than twice the budget. */
    private void dropLargestClients() {
        long total = 0;
        List<Client> big = new ArrayList<>();
        for (Client c : server.clients().all()) {
            if (c.connection() == null) {
                continue;
            }
            long b = buffers(c);
            total += b;
            if (b >= SMALL_CLIENT) {
                big.add(c);
            }
        }
        long budget = bufferBudget();
        if (total <= 2 * budget) {
            return;
        }
        big.sort(Comparator.comparingLong(HeapGuard::buffers).reversed());
        for (Client c : big) {
            if (total <= budget) {
                break;
            }
            long b = buffers(c);
            server.log().warning("Closing client that holds " + b + " bytes of buffers: the buffers of all clients"
                    + " passed the heap's budget (heap-safety-margin): " + ClientInfo.describe(c));
            c.connection().close();
            total -= b;
        }
    }

    private static long buffers(Client c) {
        var conn = c.connection();
        return conn.queryBufferBytes() + conn.pendingArgvBytes() + conn.pendingOutputBytes();
    }
}
