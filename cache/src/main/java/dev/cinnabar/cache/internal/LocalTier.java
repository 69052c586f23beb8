package dev.cinnabar.cache.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The Caffeine L1 tier, kept coherent with Redis by server-assisted invalidation.
 *
 * <p>Race the sequence numbers close: a read of key k from Redis may complete after the server has
 * already pushed an invalidation for k (the push is processed on the IO thread while the reader
 * is still on its way to put the value in L1). Every invalidation takes a sequence number and is
 * remembered per key for a while; a reader notes the sequence before its Redis read and may only
 * publish its value to L1 if no invalidation of that key (or flush) happened since.
 *
 * <p>While the connection is down ({@link #suspect}) L1 is not used for normal reads: invalidations
 * may be missed. Its entries may still answer explicitly degraded reads (counted). When the
 * connection comes back, everything is dropped before L1 is used again.
 */
final class LocalTier {
    static final Object ABSENT = new Object();

    private final Cache<String, Object> cache;
    private final Cache<String, Long> invalidatedAt;
    private final AtomicLong seq = new AtomicLong();
    private volatile long flushSeq;
    private volatile boolean suspect;

    LocalTier(long maxSize, Duration ttl) {
        this.cache = Caffeine.newBuilder().maximumSize(maxSize).expireAfterWrite(ttl).build();
        this.invalidatedAt = Caffeine.newBuilder().maximumSize(Math.max(1024, maxSize))
                .expireAfterWrite(Duration.ofMinutes(1)).build();
    }

    long seq() {
        return seq.get();
    }

    /** The cached value (ABSENT for a cached null), or null when not cached or L1 is suspect. */
    Object get(String key) {
        return suspect ? null : cache.getIfPresent(key);
    }

    /** The cached value even while suspect (for degraded reads when Redis is down). */
    Object getDegraded(String key) {
        return cache.getIfPresent(key);
    }

    void putIfFresh(String key, Object value, long seqBefore) {
        if (suspect || flushSeq > seqBefore) {
            return;
        }
        Long inv = invalidatedAt.getIfPresent(key);
        if (inv != null && inv > seqBefore) {
            return;
        }
        cache.put(key, value);
        // re-check: an invalidation may have landed between the check and the put
        inv = invalidatedAt.getIfPresent(key);
        if ((inv != null && inv > seqBefore) || flushSeq > seqBefore || suspect) {
            cache.invalidate(key);
        }
    }

    void invalidate(String key) {
        invalidatedAt.put(key, seq.incrementAndGet());
        cache.invalidate(key);
    }

    void invalidateAll() {
        flushSeq = seq.incrementAndGet();
        cache.invalidateAll();
    }

    /** The connection is lost: stop trusting L1 until {@link #reconnected()}. */
    void disconnected() {
        suspect = true;
        flushSeq = seq.incrementAndGet();
    }

    /** Tracking is active again: drop everything (invalidations may have been missed) and resume. */
    void reconnected() {
        flushSeq = seq.incrementAndGet();
        cache.invalidateAll();
        suspect = false;
    }

    boolean suspect() {
        return suspect;
    }

    long size() {
        cache.cleanUp();
        return cache.estimatedSize();
    }
}
