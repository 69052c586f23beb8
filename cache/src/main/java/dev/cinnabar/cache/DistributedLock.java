package dev.cinnabar.cache;

import io.lettuce.core.RedisClient;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A distributed, reentrant lock with fencing tokens.
 *
 * <p>The lock is a Redis hash {@code name} holding one field, the owner id, whose value is the
 * reentrancy count; the lease is the key's TTL. Acquiring increments a fence counter
 * ({@code name:fence}) atomically in the same script and hands the holder that number: tokens
 * grow strictly with every acquisition, so a resource that remembers the highest token it has seen
 * can reject writes from a holder whose lease lapsed ({@link FencedResource}). Only the owner can
 * unlock or renew. A watchdog renews the lease every lease/3 while the holder lives, and stops on
 * unlock or when a renewal finds the lock lost (connection loss or expiry).
 *
 * <p>Owner ids are per lock instance and thread, so two threads of one JVM exclude each other, and
 * the same thread may re-enter.
 */
public final class DistributedLock implements AutoCloseable {
    private static final String ACQUIRE =
            "if redis.call('exists', KEYS[1]) == 0 then "
            + "  redis.call('hset', KEYS[1], ARGV[1], 1); redis.call('pexpire', KEYS[1], ARGV[2]); "
            + "  return redis.call('incr', KEYS[2]) "
            + "elseif redis.call('hexists', KEYS[1], ARGV[1]) == 1 then "
            + "  redis.call('hincrby', KEYS[1], ARGV[1], 1); redis.call('pexpire', KEYS[1], ARGV[2]); "
            + "  return tonumber(redis.call('get', KEYS[2])) "
            + "end return -1";
    private static final String RELEASE =
            "if redis.call('hexists', KEYS[1], ARGV[1]) == 0 then return -1 end "
            + "local n = redis.call('hincrby', KEYS[1], ARGV[1], -1) "
            + "if n > 0 then return n end "
            + "redis.call('del', KEYS[1]); redis.call('publish', KEYS[2], 'released'); return 0";
    private static final String RENEW =
            "if redis.call('hexists', KEYS[1], ARGV[1]) == 1 then "
            + "return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0";

    private final StatefulRedisConnection<String, String> conn;
    private final String name;
    private final String instanceId = UUID.randomUUID().toString();
    private final ScheduledExecutorService watchdog;
    private final ThreadLocal<Holder> held = new ThreadLocal<>();

    /** What the current thread holds. */
    private static final class Holder {
        int count;
        long token;
        Duration lease;
        ScheduledFuture<?> renewal;
        volatile boolean lost;
    }

    public DistributedLock(RedisClient client, String name) {
        this.conn = client.connect(StringCodec.UTF8);
        this.name = name;
        this.watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "cinnabar-lock-watchdog-" + name);
            t.setDaemon(true);
            return t;
        });
    }

    private String owner() {
        return instanceId + ":" + Thread.currentThread().getId();
    }

    /**
     * Tries to acquire within {@code wait}, with a lease of {@code lease} kept alive by the
     * watchdog. Returns the fencing token, or -1 when not acquired in time.
     */
    public long tryLock(Duration wait, Duration lease) throws InterruptedException {
        return tryLock(wait, lease, true);
    }

    /** As {@link #tryLock(Duration, Duration)}; without the watchdog the lease simply runs out. */
    public long tryLock(Duration wait, Duration lease, boolean watchdogEnabled) throws InterruptedException {
        Holder h = held.get();
        long deadline = System.nanoTime() + wait.toNanos();
        long backoff = 5;
        while (true) {
            Long r = conn.sync().eval(ACQUIRE, ScriptOutputType.INTEGER, new String[] {name, name + ":fence"},
                    owner(), Long.toString(lease.toMillis()));
            if (r != null && r >= 0) {
                if (h == null || h.lost) {
                    h = new Holder();
                    h.token = r;
                    h.lease = lease;
                    held.set(h);
                    if (watchdogEnabled) {
                        startWatchdog(h, owner());
                    }
                }
                h.count++;
                return h.token;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return -1;
            }
            Thread.sleep(Math.min(TimeUnit.NANOSECONDS.toMillis(left) + 1, backoff));
            backoff = Math.min(100, backoff * 2);
        }
    }

    private void startWatchdog(Holder h, String owner) {
        long period = Math.max(1, h.lease.toMillis() / 3);
        h.renewal = watchdog.scheduleAtFixedRate(() -> {
            try {
                Long ok = conn.sync().eval(RENEW, ScriptOutputType.INTEGER, new String[] {name}, owner,
                        Long.toString(h.lease.toMillis()));
                if (ok == null || ok == 0) {
                    h.lost = true;
                    h.renewal.cancel(false);
                }
            } catch (RuntimeException e) {
                h.lost = true; // connection lost: stop renewing; the lease will lapse
                h.renewal.cancel(false);
            }
        }, period, period, TimeUnit.MILLISECONDS);
    }

    /**
     * Releases one level of reentrancy. Throws IllegalMonitorStateException when the calling
     * thread does not own the lock (never held it, or its lease lapsed and someone else took it).
     */
    public void unlock() {
        Holder h = held.get();
        Long r = conn.sync().eval(RELEASE, ScriptOutputType.INTEGER, new String[] {name, name + ":released"}, owner());
        if (r == null || r < 0) {
            if (h != null) {
                stop(h);
            }
            throw new IllegalMonitorStateException("lock " + name + " is not held by this owner");
        }
        if (h != null && --h.count <= 0) {
            stop(h);
        }
    }

    private void stop(Holder h) {
        if (h.renewal != null) {
            h.renewal.cancel(false);
        }
        held.remove();
    }

    /** True while the calling thread holds the lock according to Redis. */
    public boolean isHeldByCurrentThread() {
        return conn.sync().hexists(name, owner());
    }

    /** The fencing token of the calling thread's hold, or -1. */
    public long currentToken() {
        Holder h = held.get();
        return h == null ? -1 : h.token;
    }

    public String name() {
        return name;
    }

    @Override
    public void close() {
        watchdog.shutdownNow();
        conn.close();
    }

    /**
     * The guard a protected resource keeps: it accepts a write only with a token at least as high
     * as the highest it has accepted, so a stale holder is detected. Kept in Redis (a key holding
     * the highest token) so every instance of the resource shares it; the check-and-set is atomic.
     */
    public static final class FencedResource implements AutoCloseable {
        private static final String CHECK =
                "local cur = tonumber(redis.call('get', KEYS[1]) or '-1') "
                + "if tonumber(ARGV[1]) >= cur then redis.call('set', KEYS[1], ARGV[1]) return 1 end return 0";
        private final StatefulRedisConnection<String, String> conn;
        private final String key;

        public FencedResource(RedisClient client, String resourceName) {
            this.conn = client.connect(StringCodec.UTF8);
            this.key = resourceName + ":fence:highest";
        }

        /** True (and the token recorded) when the token is current; false for a stale holder. */
        public boolean accept(long token) {
            Long r = conn.sync().eval(CHECK, ScriptOutputType.INTEGER, new String[] {key}, Long.toString(token));
            return r != null && r == 1;
        }

        @Override
        public void close() {
            conn.close();
        }
    }

    /** Lists the owner fields (for diagnostics). */
    public List<String> owners() {
        return List.copyOf(conn.sync().hkeys(name));
    }
}
