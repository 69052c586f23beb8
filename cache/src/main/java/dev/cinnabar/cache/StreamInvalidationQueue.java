package dev.cinnabar.cache;

import io.lettuce.core.Consumer;
import io.lettuce.core.RedisBusyException;
import io.lettuce.core.RedisClient;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XAutoClaimArgs;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.models.stream.ClaimedMessages;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;

/**
 * Reliable invalidation over a Redis Stream with a consumer group: {@link #publish} XADDs the key;
 * every worker (one per application instance, same group) XREADGROUPs, deletes the key and XACKs.
 * Entries whose delete failed stay pending and are re-claimed (XAUTOCLAIM) after {@code retryAfter}
 * by any live worker, so an invalidation survives Redis hiccups and worker crashes. The stream is
 * capped (approximate MAXLEN) so it cannot grow without bound.
 */
public final class StreamInvalidationQueue implements InvalidationQueue {
    private final RedisClient client;
    private final String stream;
    private final String group;
    private final String consumer = "c-" + UUID.randomUUID();
    private final Duration retryAfter;
    private final long maxLen;
    private StatefulRedisConnection<String, String> pub;
    private volatile boolean running;
    private Thread worker;

    public StreamInvalidationQueue(RedisClient client, String stream, String group, Duration retryAfter, long maxLen) {
        this.client = client;
        this.stream = stream;
        this.group = group;
        this.retryAfter = retryAfter;
        this.maxLen = maxLen;
    }

    public StreamInvalidationQueue(RedisClient client, String stream) {
        this(client, stream, "cinnabar-invalidators", Duration.ofSeconds(5), 100_000);
    }

    private synchronized StatefulRedisConnection<String, String> pub() {
        if (pub == null) {
            pub = client.connect(StringCodec.UTF8);
        }
        return pub;
    }

    @Override
    public void publish(String redisKey) {
        pub().sync().xadd(stream, io.lettuce.core.XAddArgs.Builder.maxlen(maxLen).approximateTrimming(),
                Map.of("key", redisKey));
    }

    @Override
    public synchronized void start(Predicate<String> handler) {
        if (running) {
            return;
        }
        running = true;
        StatefulRedisConnection<String, String> conn = client.connect(StringCodec.UTF8);
        try {
            conn.sync().xgroupCreate(XReadArgs.StreamOffset.from(stream, "0"), group,
                    XGroupCreateArgs.Builder.mkstream());
        } catch (RedisBusyException e) {
            // group exists
        } catch (io.lettuce.core.RedisCommandExecutionException e) {
            if (e.getMessage() == null || !e.getMessage().startsWith("BUSYGROUP")) {
                conn.close();
                throw e;
            }
        }
        worker = new Thread(() -> loop(conn, handler), "cinnabar-invalidator-" + stream);
        worker.setDaemon(true);
        worker.start();
    }

    private void loop(StatefulRedisConnection<String, String> conn, Predicate<String> handler) {
        Consumer<String> me = Consumer.from(group, consumer);
        var c = conn.sync();
        long lastClaim = 0;
        try {
            while (running) {
                try {
                    List<StreamMessage<String, String>> msgs = c.xreadgroup(me,
                            XReadArgs.Builder.block(Duration.ofMillis(200)).count(100),
                            XReadArgs.StreamOffset.lastConsumed(stream));
                    handle(c, msgs, handler);
                    long now = System.currentTimeMillis();
                    if (now - lastClaim >= retryAfter.toMillis() / 2) {
                        lastClaim = now;
                        ClaimedMessages<String, String> claimed = c.xautoclaim(stream,
                                XAutoClaimArgs.Builder.xautoclaim(me, retryAfter, "0").count(100));
                        handle(c, claimed.getMessages(), handler);
                    }
                } catch (RuntimeException e) {
                    if (!running) {
                        return;
                    }
                    sleep(200);
                }
            }
        } finally {
            conn.close();
        }
    }

    private void handle(io.lettuce.core.api.sync.RedisCommands<String, String> c,
                        List<StreamMessage<String, String>> msgs, Predicate<String> handler) {
        for (StreamMessage<String, String> m : msgs) {
            String key = m.getBody().get("key");
            boolean ok;
            try {
                ok = key == null || handler.test(key);
            } catch (RuntimeException e) {
                ok = false;
            }
            if (ok) {
                c.xack(stream, group, m.getId());
            }
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Entries delivered but not yet acknowledged (for monitoring and tests). */
    public long pending() {
        var p = pub().sync().xpending(stream, group);
        return p == null ? 0 : p.getCount();
    }

    @Override
    public synchronized void close() {
        running = false;
        if (worker != null) {
            try {
                worker.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (pub != null) {
            pub.close();
        }
    }
}
