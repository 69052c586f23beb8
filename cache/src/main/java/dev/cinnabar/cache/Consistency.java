package dev.cinnabar.cache;

import java.time.Duration;
import java.util.Objects;

/**
 * How {@link RedisCache#update} keeps the cache consistent with the source of truth.
 *
 * <ul>
 *   <li>{@link #deleteAfterUpdate()} (default): update the database, then delete the cached key. A
 *       concurrent reader can at worst re-cache the old value in the small window between its
 *       database read and its cache write.
 *   <li>{@link #delayedDoubleDelete(Duration)}: delete, update, delete again now and once more after
 *       the delay, closing that window for readers slower than the delay. The delayed delete runs on
 *       the cache's scheduler, so it happens even after the caller has returned.
 *   <li>{@link #reliable(InvalidationQueue)}: update, then hand the key to a queue that retries the
 *       delete until it is acknowledged (Redis Streams by default), for when Redis may be briefly
 *       unreachable.
 * </ul>
 */
public final class Consistency {
    enum Kind { DELETE, DOUBLE_DELETE, RELIABLE }

    final Kind kind;
    final Duration delay;
    final InvalidationQueue queue;

    private Consistency(Kind kind, Duration delay, InvalidationQueue queue) {
        this.kind = kind;
        this.delay = delay;
        this.queue = queue;
    }

    public static Consistency deleteAfterUpdate() {
        return new Consistency(Kind.DELETE, Duration.ZERO, null);
    }

    public static Consistency delayedDoubleDelete(Duration delay) {
        return new Consistency(Kind.DOUBLE_DELETE, Objects.requireNonNull(delay), null);
    }

    public static Consistency reliable(InvalidationQueue queue) {
        return new Consistency(Kind.RELIABLE, Duration.ZERO, Objects.requireNonNull(queue));
    }

    public Duration delay() {
        return delay;
    }

    public InvalidationQueue queue() {
        return queue;
    }

    public boolean isDelayedDoubleDelete() {
        return kind == Kind.DOUBLE_DELETE;
    }

    public boolean isReliable() {
        return kind == Kind.RELIABLE;
    }
}
