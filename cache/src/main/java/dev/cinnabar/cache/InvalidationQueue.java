package dev.cinnabar.cache;

import java.util.function.Predicate;

/**
 * A durable queue of cache keys to delete, retried until acknowledged. The built-in
 * implementation is {@link StreamInvalidationQueue} (a Redis Stream with a consumer group); an
 * adapter over Kafka or another broker implements the same two methods.
 */
public interface InvalidationQueue extends AutoCloseable {
    /** Enqueues a key; returns once the queue has durably accepted it. */
    void publish(String redisKey);

    /**
     * Starts consuming: the handler deletes the key and returns true on success; entries whose
     * handler failed (false or an exception) are delivered again later.
     */
    void start(Predicate<String> handler);

    @Override
    void close();
}
