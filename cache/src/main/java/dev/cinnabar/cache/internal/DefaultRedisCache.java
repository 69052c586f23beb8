package dev.cinnabar.cache.internal;

import dev.cinnabar.cache.CacheLoadException;
import dev.cinnabar.cache.CacheStats;
import dev.cinnabar.cache.Loader;
import dev.cinnabar.cache.RedisCache;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.lettuce.core.KeyValue;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.SetArgs;
import io.lettuce.core.TrackingArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.push.PushListener;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * The cache-aside engine behind {@link RedisCache}; see the builder for the defences.
 *
 * <p>Connections: one data connection (String keys, byte[] envelopes; RESP3 with CLIENT TRACKING
 * when there is a local tier), one String connection for locks, one pub/sub connection on which
 * single-flight waiters are woken ("cinnabar:sf:&lt;name&gt;" carries the key whose load finished).
 *
 * <p>Read path: validate → L1 → Redis GET → Bloom guard → single-flight load (local per-key
 * future, then a SET NX PX lease across instances) → write back with jittered TTL. Redis failures
 * go through a circuit breaker; when Redis is unusable, reads degrade to L1 (explicitly, counted),
 * then the fallback, then the source under its concurrency limit.
 */
public final class DefaultRedisCache<K, V> implements RedisCache<K, V> {
    private static final RedisCodec<String, byte[]> CODEC = RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE);

    private final CacheSettings<K, V> s;
    private final StatefulRedisConnection<String, byte[]> data;
    private final StatefulRedisConnection<String, String> control;
    private final StatefulRedisPubSubConnection<String, String> pubsub;
    private final String channel;
    private final LocalTier local;
    private final CircuitBreaker breaker;
    private final Semaphore sourcePermits;
    private final ScheduledExecutorService scheduler;
    private final Scripts scripts;
    private final Counters counters = new Counters();
    private final ConcurrentHashMap<String, CompletableFuture<V>> inflight = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, CompletableFuture<Void>> waiters = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Boolean> rebuilding = new ConcurrentHashMap<>();
    private final RedisConnectionStateListener stateListener;
    private volatile boolean closed;

    public DefaultRedisCache(CacheSettings<K, V> settings) {
        this.s = settings;
        this.channel = "cinnabar:sf:" + s.name();
        this.scheduler = Executors.newScheduledThreadPool(2, r -> {
            Thread t = new Thread(r, "cinnabar-cache-" + s.name());
            t.setDaemon(true);
            return t;
        });
        this.data = s.client().connect(CODEC);
        this.data.setTimeout(s.commandTimeout());
        this.control = s.client().connect(StringCodec.UTF8);
        this.control.setTimeout(s.commandTimeout());
        this.scripts = new Scripts(() -> s.client().connect(StringCodec.UTF8));
        this.breaker = CircuitBreaker.of("cinnabar-cache-" + s.name(), s.circuitBreaker());
        this.sourcePermits = new Semaphore(s.sourceConcurrency() <= 0 ? Integer.MAX_VALUE : s.sourceConcurrency(), true);
        if (s.lockLease() != null) {
            this.pubsub = s.client().connectPubSub(StringCodec.UTF8);
            this.pubsub.addListener(new RedisPubSubAdapter<>() {
                @Override
                public void message(String ch, String key) {
                    CompletableFuture<Void> w = waiters.remove(key);
                    if (w != null) {
                        w.complete(null);
                    }
                }
            });
            this.pubsub.sync().subscribe(channel);
        } else {
            this.pubsub = null;
        }
        if (s.localMaxSize() > 0) {
            this.local = new LocalTier(s.localMaxSize(), s.localTtl());
            data.addListener((PushListener) msg -> {
                if (!"invalidate".equals(msg.getType())) {
                    return;
                }
                List<Object> content = msg.getContent();
                Object keys = content.size() > 1 ? content.get(1) : null;
                if (keys == null) {
                    local.invalidateAll();
                    counters.invalidations.increment();
                    return;
                }
                for (Object k : (List<?>) keys) {
                    String key = k instanceof ByteBuffer bb ? StandardCharsets.UTF_8.decode(bb.duplicate()).toString()
                            : String.valueOf(k);
                    local.invalidate(key);
                    counters.invalidations.increment();
                }
            });
            enableTracking();
            this.stateListener = new RedisConnectionStateListener() {
                @Override
                public void onRedisDisconnected(RedisChannelHandler<?, ?> connection) {
                    if (connection == data) {
                        local.disconnected();
                    }
                }

                @Override
                public void onRedisConnected(RedisChannelHandler<?, ?> connection, SocketAddress socketAddress) {
                    if (connection == data && local.suspect() && !closed) {
                        // Not on the IO thread: re-enabling tracking is a round trip on this connection.
                        scheduler.execute(() -> {
                            try {
                                enableTracking();
                                local.reconnected();
                            } catch (RuntimeException e) {
                                local.disconnected();
                            }
                        });
                    }
                }
            };
            s.client().addListener(stateListener);
        } else {
            this.local = null;
            this.stateListener = null;
        }
        if (s.consistency().isReliable()) {
            s.consistency().queue().start(this::deleteRemote);
        }
        if (s.meterRegistry() != null) {
            counters.bind(s.meterRegistry(), s.name());
        }
    }

    private void enableTracking() {
        // NOLOOP: our own writes do not bounce back as invalidations (we update L1 ourselves);
        // writes by every other connection do.
        TrackingArgs args = TrackingArgs.Builder.enabled().noloop();
        if (s.broadcastPrefixes() != null) {
            args = args.bcast().prefixes(s.broadcastPrefixes().toArray(new String[0]));
        }
        data.sync().clientTracking(args);
    }

    @Override
    public String name() {
        return s.name();
    }

    @Override
    public String redisKey(K key) {
        return s.name() + ":" + s.keyFormatter().apply(key);
    }

    @Override
    public V get(K key) {
        if (s.loader() == null) {
            throw new IllegalStateException("no loader configured: use get(key, loader)");
        }
        return get(key, s.loader());
    }

    @Override
    public V get(K key, Loader<K, V> loader) {
        if (!s.keyValidator().test(key)) {
            counters.keyRejections.increment();
            return null;
        }
        String rk = redisKey(key);
        Cached<V> c;
        try {
            c = lookup(key, rk, loader);
        } catch (Exception e) {
            return degraded(key, rk, loader, e);
        }
        if (c != null) {
            return c.value();
        }
        counters.misses.increment();
        if (s.bloom() != null && !bloomAllows(key)) {
            counters.bloomRejections.increment();
            return null;
        }
        // Not put in L1: writing the key removed it from this connection's tracking table, so
        // nothing would invalidate the entry. The next read (a Redis hit) re-registers tracking
        // and fills L1.
        return loadThrough(key, rk, loader);
    }

    @Override
    public Cached<V> getIfCached(K key) {
        if (!s.keyValidator().test(key)) {
            counters.keyRejections.increment();
            return null;
        }
        Cached<V> c;
        try {
            c = lookup(key, redisKey(key), null);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new CacheLoadException("lookup failed", e);
        }
        if (c == null) {
            counters.misses.increment();
        }
        return c;
    }

    /**
     * L1, then Redis: null on a miss, else the entry (value null for a cached "absent"). A stale
     * logically-expired value triggers its rebuild with {@code rebuildLoader} when one is given.
     * Throws when Redis fails (through the circuit breaker).
     */
    @SuppressWarnings("unchecked")
    private Cached<V> lookup(K key, String rk, Loader<K, V> rebuildLoader) throws Exception {
        if (local != null) {
            Object v = local.get(rk);
            if (v != null) {
                counters.localHits.increment();
                return new Cached<>(v == LocalTier.ABSENT ? null : (V) v);
            }
        }
        long seq = local == null ? 0 : local.seq();
        Envelope env = Envelope.decode(breaker.executeCallable(() -> data.sync().get(rk)));
        if (env == null) {
            return null;
        }
        if (env.absent()) {
            counters.nullHits.increment();
            localPut(rk, null, seq);
            return new Cached<>(null);
        }
        V v = s.codec().decode(env.payload);
        counters.hits.increment();
        if (env.logicalExpireAt > 0 && rebuildLoader != null) {
            checkLogicalExpiry(key, rk, rebuildLoader, env.logicalExpireAt);
        }
        localPut(rk, v, seq);
        return new Cached<>(v);
    }

    @Override
    public void clear() {
        io.lettuce.core.ScanCursor cursor = io.lettuce.core.ScanCursor.INITIAL;
        io.lettuce.core.ScanArgs args = io.lettuce.core.ScanArgs.Builder.matches(globEscape(s.name()) + ":*").limit(500);
        do {
            io.lettuce.core.KeyScanCursor<String> page = data.sync().scan(cursor, args);
            if (!page.getKeys().isEmpty()) {
                data.sync().unlink(page.getKeys().toArray(new String[0]));
            }
            cursor = page;
        } while (!cursor.isFinished());
        if (local != null) {
            local.invalidateAll();
        }
    }

    private static String globEscape(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) {
            if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') {
                b.append('\\');
            }
            b.append(c);
        }
        return b.toString();
    }

    private boolean bloomAllows(K key) {
        try {
            return s.bloom().mightContain(s.keyFormatter().apply(key));
        } catch (RuntimeException e) {
            return true; // a broken guard must not turn every lookup into "absent"
        }
    }

    private void localPut(String rk, V v, long seq) {
        if (local != null) {
            local.putIfFresh(rk, v == null ? LocalTier.ABSENT : v, seq);
        }
    }

    private void checkLogicalExpiry(K key, String rk, Loader<K, V> loader, long expireAt) {
        long now = System.currentTimeMillis();
        long left = expireAt - now;
        boolean stale = left <= 0;
        boolean ahead = !stale && s.refreshAheadFraction() > 0 && s.logicalTtl() != null
                && left < s.refreshAheadFraction() * s.logicalTtl().toMillis();
        if (stale) {
            counters.staleServed.increment();
        }
        if (stale || ahead) {
            rebuildAsync(key, rk, loader);
        }
    }

    /** Exactly one instance rebuilds: the one that wins the rebuild lease. */
    private void rebuildAsync(K key, String rk, Loader<K, V> loader) {
        if (rebuilding.putIfAbsent(rk, Boolean.TRUE) != null) {
            return;
        }
        scheduler.execute(() -> {
            String lock = rk + ":rebuild";
            String token = UUID.randomUUID().toString();
            try {
                Duration lease = s.lockLease() != null ? s.lockLease() : Duration.ofSeconds(30);
                if (Scripts.tryAcquire(control.sync(), lock, token, lease)) {
                    try {
                        V v = loadFromSource(key, loader);
                        write(rk, v);
                    } finally {
                        scripts.compareAndDelete(control.sync(), lock, token);
                    }
                }
            } catch (Exception e) {
                counters.loadFailures.increment();
            } finally {
                rebuilding.remove(rk);
            }
        });
    }

    private V loadThrough(K key, String rk, Loader<K, V> loader) {
        if (s.lockLease() == null) {
            V v = loadFromSource(key, loader);
            writeQuietly(rk, v);
            return v;
        }
        CompletableFuture<V> mine = new CompletableFuture<>();
        CompletableFuture<V> existing = inflight.putIfAbsent(rk, mine);
        if (existing != null) {
            counters.lockWaits.increment();
            return join(existing, key);
        }
        try {
            V v = distributedLoad(key, rk, loader);
            mine.complete(v);
            return v;
        } catch (RuntimeException e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            inflight.remove(rk, mine);
        }
    }

    private V join(CompletableFuture<V> f, K key) {
        long waitMs = s.lockWait().toMillis() + s.lockLease().toMillis();
        try {
            return f.get(waitMs, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CacheLoadException("interrupted while waiting for the load of " + key, e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException re ? re : new CacheLoadException(e.getCause().toString(), e);
        } catch (TimeoutException e) {
            throw new CacheLoadException("timed out waiting for the load of " + key, e);
        }
    }

    /** One loader across all instances: a SET NX PX lease; the others wait for a pub/sub wake-up. */
    private V distributedLoad(K key, String rk, Loader<K, V> loader) {
        String lockKey = rk + ":lock";
        String token = UUID.randomUUID().toString();
        long deadline = System.nanoTime() + s.lockWait().toNanos();
        RedisCommands<String, String> c = control.sync();
        while (true) {
            // Register before trying, so a release that happens right after our failed attempt wakes us.
            CompletableFuture<Void> wake = waiters.computeIfAbsent(rk, k -> new CompletableFuture<>());
            if (Scripts.tryAcquire(c, lockKey, token, s.lockLease())) {
                try {
                    Envelope env = Envelope.decode(data.sync().get(rk));
                    if (env != null) {
                        return env.absent() ? null : s.codec().decode(env.payload);
                    }
                    V v = loadFromSource(key, loader);
                    write(rk, v);
                    return v;
                } finally {
                    scripts.compareAndDelete(c, lockKey, token);
                    c.publish(channel, rk);
                }
            }
            counters.lockWaits.increment();
            Envelope env = Envelope.decode(data.sync().get(rk));
            if (env != null) {
                return env.absent() ? null : s.codec().decode(env.payload);
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                // The holder is too slow: serve from the source directly (still bounded by its permits).
                return loadFromSource(key, loader);
            }
            try {
                wake.get(Math.min(left, s.lockLease().toNanos()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                waiters.remove(rk, wake);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CacheLoadException("interrupted while waiting for " + key, e);
            } catch (ExecutionException e) {
                // never completed exceptionally
            }
        }
    }

    private V loadFromSource(K key, Loader<K, V> loader) {
        boolean permit;
        try {
            permit = sourcePermits.tryAcquire(s.sourceWait().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CacheLoadException("interrupted", e);
        }
        if (!permit) {
            if (s.fallback() != null) {
                return s.fallback().apply(key);
            }
            throw new CacheLoadException("source concurrency limit reached for " + key, null);
        }
        long t0 = System.nanoTime();
        try {
            counters.loads.increment();
            return loader.load(key);
        } catch (Exception e) {
            counters.loadFailures.increment();
            if (s.fallback() != null) {
                return s.fallback().apply(key);
            }
            throw e instanceof CacheLoadException cle ? cle : new CacheLoadException("load of " + key + " failed", e);
        } finally {
            counters.loadNanos.add(System.nanoTime() - t0);
            sourcePermits.release();
        }
    }

    @SuppressWarnings("unchecked")
    private V degraded(K key, String rk, Loader<K, V> loader, Exception cause) {
        counters.degradedReads.increment();
        if (local != null) {
            Object v = local.getDegraded(rk);
            if (v != null) {
                return v == LocalTier.ABSENT ? null : (V) v;
            }
        }
        if (s.fallback() != null) {
            return s.fallback().apply(key);
        }
        return loadFromSource(key, loader);
    }

    long jitteredTtlMillis(Duration ttl) {
        long base = ttl.toMillis();
        if (s.ttlJitter() <= 0) {
            return base;
        }
        return base + (long) (ThreadLocalRandom.current().nextDouble() * s.ttlJitter() * base);
    }

    private void write(String rk, V v) {
        if (v == null) {
            if (s.cacheNulls()) {
                data.sync().set(rk, Envelope.encode(Envelope.ABSENT, 0, null),
                        SetArgs.Builder.px(jitteredTtlMillis(s.nullTtl())));
            }
            return;
        }
        byte[] payload = s.codec().encode(v);
        if (s.logicalTtl() != null) {
            long exp = System.currentTimeMillis() + jitteredTtlMillis(s.logicalTtl());
            data.sync().set(rk, Envelope.encode(Envelope.VALUE, exp, payload));
        } else {
            data.sync().set(rk, Envelope.encode(Envelope.VALUE, 0, payload), SetArgs.Builder.px(jitteredTtlMillis(s.ttl())));
        }
    }

    private void writeQuietly(String rk, V v) {
        try {
            breaker.executeRunnable(() -> write(rk, v));
        } catch (RuntimeException e) {
            // the value is still returned to the caller; the cache simply stays cold
        }
    }

    @Override
    public void put(K key, V value) {
        String rk = redisKey(key);
        breaker.executeRunnable(() -> write(rk, value));
        if (local != null) {
            local.invalidate(rk);
        }
    }

    @Override
    public void putAll(Map<K, V> values) {
        var async = data.async();
        List<io.lettuce.core.RedisFuture<?>> fs = new ArrayList<>(values.size());
        for (Map.Entry<K, V> e : values.entrySet()) {
            String rk = redisKey(e.getKey());
            if (local != null) {
                local.invalidate(rk);
            }
            V v = e.getValue();
            if (v == null) {
                if (s.cacheNulls()) {
                    fs.add(async.set(rk, Envelope.encode(Envelope.ABSENT, 0, null),
                            SetArgs.Builder.px(jitteredTtlMillis(s.nullTtl()))));
                }
            } else if (s.logicalTtl() != null) {
                long exp = System.currentTimeMillis() + jitteredTtlMillis(s.logicalTtl());
                fs.add(async.set(rk, Envelope.encode(Envelope.VALUE, exp, s.codec().encode(v))));
            } else {
                fs.add(async.set(rk, Envelope.encode(Envelope.VALUE, 0, s.codec().encode(v)),
                        SetArgs.Builder.px(jitteredTtlMillis(s.ttl()))));
            }
        }
        for (var f : fs) {
            try {
                f.get(s.commandTimeout().toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CacheLoadException("interrupted", e);
            } catch (ExecutionException | TimeoutException e) {
                throw new CacheLoadException("putAll failed", e);
            }
        }
    }

    @Override
    public Map<K, V> getAll(Collection<K> keys, Function<Collection<K>, Map<K, V>> batchLoader) {
        Map<K, V> out = new LinkedHashMap<>();
        List<K> valid = new ArrayList<>();
        for (K k : keys) {
            if (s.keyValidator().test(k)) {
                valid.add(k);
            } else {
                counters.keyRejections.increment();
            }
        }
        if (valid.isEmpty()) {
            return out;
        }
        String[] rks = valid.stream().map(this::redisKey).toArray(String[]::new);
        List<KeyValue<String, byte[]>> got;
        try {
            got = breaker.executeCallable(() -> data.sync().mget(rks));
        } catch (Exception e) {
            counters.degradedReads.increment();
            Map<K, V> loaded = batchLoader.apply(valid);
            return loaded == null ? out : loaded;
        }
        List<K> missing = new ArrayList<>();
        for (int i = 0; i < valid.size(); i++) {
            Envelope env = Envelope.decode(got.get(i).getValueOrElse(null));
            K k = valid.get(i);
            if (env == null) {
                counters.misses.increment();
                if (s.bloom() == null || bloomAllows(k)) {
                    missing.add(k);
                } else {
                    counters.bloomRejections.increment();
                }
            } else if (env.absent()) {
                counters.nullHits.increment();
            } else {
                counters.hits.increment();
                out.put(k, s.codec().decode(env.payload));
            }
        }
        if (!missing.isEmpty()) {
            counters.loads.increment();
            Map<K, V> loaded = batchLoader.apply(missing);
            var async = data.async();
            List<io.lettuce.core.RedisFuture<?>> fs = new ArrayList<>();
            for (K k : missing) {
                V v = loaded == null ? null : loaded.get(k);
                String rk = redisKey(k);
                if (v != null) {
                    out.put(k, v);
                    fs.add(async.set(rk, Envelope.encode(Envelope.VALUE, 0, s.codec().encode(v)),
                            SetArgs.Builder.px(jitteredTtlMillis(s.ttl()))));
                } else if (s.cacheNulls()) {
                    fs.add(async.set(rk, Envelope.encode(Envelope.ABSENT, 0, null),
                            SetArgs.Builder.px(jitteredTtlMillis(s.nullTtl()))));
                }
            }
            for (var f : fs) {
                try {
                    f.get(s.commandTimeout().toMillis(), TimeUnit.MILLISECONDS);
                } catch (Exception e) {
                    break; // values are returned anyway; the cache stays partly cold
                }
            }
        }
        return out;
    }

    @Override
    public void update(K key, Runnable sourceUpdate) {
        String rk = redisKey(key);
        var c = s.consistency();
        if (c.isDelayedDoubleDelete()) {
            invalidateKey(rk);
            sourceUpdate.run();
            invalidateKey(rk);
            scheduler.schedule(() -> invalidateQuietly(rk), c.delay().toMillis(), TimeUnit.MILLISECONDS);
        } else if (c.isReliable()) {
            sourceUpdate.run();
            if (local != null) {
                local.invalidate(rk);
            }
            c.queue().publish(rk);
        } else {
            sourceUpdate.run();
            invalidateKey(rk);
        }
        counters.invalidations.increment();
    }

    @Override
    public void invalidate(K key) {
        invalidateKey(redisKey(key));
    }

    private void invalidateKey(String rk) {
        if (local != null) {
            local.invalidate(rk);
        }
        breaker.executeRunnable(() -> data.sync().del(rk));
    }

    private void invalidateQuietly(String rk) {
        try {
            invalidateKey(rk);
        } catch (RuntimeException e) {
            // retried by nobody: with reliable invalidation configured, use that strategy instead
        }
    }

    private boolean deleteRemote(String rk) {
        data.sync().del(rk);
        if (local != null) {
            local.invalidate(rk);
        }
        return true;
    }

    @Override
    public CacheStats stats() {
        return counters.snapshot();
    }

    /** For tests: entries in the local tier. */
    public long localSize() {
        return local == null ? 0 : local.size();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (stateListener != null) {
            s.client().removeListener(stateListener);
        }
        // Delayed deletes still pending run now rather than being lost.
        for (Runnable r : scheduler.shutdownNow()) {
            try {
                r.run();
            } catch (RuntimeException ignored) {
                // best effort during close
            }
        }
        if (s.consistency().isReliable()) {
            s.consistency().queue().close();
        }
        if (pubsub != null) {
            pubsub.close();
        }
        data.close();
        control.close();
    }
}
