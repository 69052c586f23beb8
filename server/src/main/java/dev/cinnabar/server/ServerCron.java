package dev.cinnabar.server;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Redis's serverCron: a timer at {@code hz} times per second that takes the execution lock and runs
 * periodic tasks (LRU clock, instantaneous metrics, active expiry, client timeouts, dict resizing).
 * Tasks are registered by the features that own them.
 *
 * <p>A task that throws an exception is logged and the cron goes on; an Error (out of memory...)
 * or a failure to schedule the next cycle means the cron has stopped working, which is reported
 * to {@link Crash} (the server stops rather than run without expiry and timeouts).
 */
public final class ServerCron implements AutoCloseable {
    /** A periodic task; runs under the execution lock. */
    @FunctionalInterface
    public interface Task {
        void run(long nowMillis);
    }

    private final ServerContext server;
    private final List<Task> tasks = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService timer;
    private volatile boolean stopped;
    /** DEBUG PAUSE-CRON: cycles keep their schedule but do no work. */
    private volatile boolean paused;
    /** The frequency in use: hz, raised by dynamic-hz while many clients are connected (INFO's hz). */
    private volatile int hz;
    /** Redis's MAX_CLIENTS_PER_CLOCK_TICK: dynamic-hz doubles hz until each tick serves at most this many. */
    static final int MAX_CLIENTS_PER_TICK = 200;
    /** Redis's CONFIG_MAX_HZ. */
    static final int MAX_HZ = 500;

    public ServerCron(ServerContext server) {
        this.server = server;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "cinnabar-cron");
            t.setDaemon(true);
            return t;
        });
        tasks.add(now -> {
            server.keyspace().updateLruClock(now);
            ServerStats s = server.stats();
            s.opsPerSec.sample(s.totalCommandsProcessed, now);
            s.inputKbps.sample(s.netInputBytes.get(), now);
            s.outputKbps.sample(s.netOutputBytes.get(), now);
        });
    }

    /** The frequency the cron runs at now (INFO hz; configured_hz is the hz directive). */
    public int hz() {
        int h = hz;
        return h > 0 ? h : Math.max(1, server.config().hz);
    }

    /**
     * The frequency for the next cycles, as Redis's serverCron computes it: the configured hz,
     * doubled while connected clients divided by hz exceed {@value #MAX_CLIENTS_PER_TICK} when
     * dynamic-hz is yes, never above {@value #MAX_HZ}.
     */
    static int effectiveHz(int configured, boolean dynamic, int clients) {
        int h = Math.max(1, configured);
        if (dynamic) {
            while (clients / h > MAX_CLIENTS_PER_TICK) {
                h *= 2;
                if (h > MAX_HZ) {
                    h = MAX_HZ;
                    break;
                }
            }
        }
        return h;
    }

    public void add(Task t) {
        tasks.add(t);
    }

    /**
     * The frequency of the next cycle only (a task may set it; the cycle after computes hz from
     * the configuration again): Redis's sentinel timer sets server.hz this way.
     */
    public void nextHz(int h) {
        hz = Math.max(1, Math.min(MAX_HZ, h));
    }

    /** Stops (true) or resumes the periodic work, as Redis's DEBUG PAUSE-CRON (tests use it). */
    public void paused(boolean on) {
        paused = on;
    }

    public boolean paused() {
        return paused;
    }

    public void start() {
        scheduleNext();
    }

    private void scheduleNext() {
        if (stopped) {
            return;
        }
        try {
            timer.schedule(this::tick, 1000L / hz(), TimeUnit.MILLISECONDS);
        } catch (Throwable e) {
            if (!stopped) {
                Crash.of(server).threadDied("the cron could not schedule its next cycle", e);
            }
        }
    }

    /** Runs one cron cycle now (also used by tests); nothing while paused. */
    public void tick() {
        if (paused) {
            scheduleNext();
            return;
        }
        try {
            server.lock().lock();
            try {
                hz = effectiveHz(server.config().hz, server.config().dynamicHz, server.clients().size());
                server.updateCachedTime();
                long now = server.now();
                for (Task t : tasks) {
                    t.run(now);
                }
            } finally {
                server.lock().unlock();
            }
        } catch (RuntimeException e) {
            server.log().warning("serverCron task failed: " + e);
        } catch (Error e) {
            stopped = true;
            Crash.of(server).threadDied("the cron thread failed", e);
            return;
        }
        scheduleNext();
    }

    @Override
    public void close() {
        stopped = true;
        timer.shutdownNow();
    }
}
