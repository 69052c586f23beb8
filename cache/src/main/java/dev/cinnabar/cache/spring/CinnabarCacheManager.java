package dev.cinnabar.cache.spring;

import dev.cinnabar.cache.RedisCache;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.springframework.cache.Cache;
import org.springframework.cache.CacheManager;

/**
 * Spring's {@link CacheManager} over toolkit caches, so {@code @Cacheable}, {@code @CacheEvict}
 * and {@code @CachePut} get the toolkit's defences. Caches are created on first use by the factory
 * (typically a configured RedisCacheBuilder per name).
 */
public final class CinnabarCacheManager implements CacheManager, AutoCloseable {
    private final Function<String, RedisCache<Object, Object>> factory;
    private final Map<String, SpringCache> caches = new ConcurrentHashMap<>();

    public CinnabarCacheManager(Function<String, RedisCache<Object, Object>> factory) {
        this.factory = factory;
    }

    @Override
    public Cache getCache(String name) {
        return caches.computeIfAbsent(name, n -> new SpringCache(factory.apply(n)));
    }

    @Override
    public Collection<String> getCacheNames() {
        return List.copyOf(caches.keySet());
    }

    @Override
    public void close() {
        caches.values().forEach(c -> c.cache.close());
    }

    /** Adapts one RedisCache to Spring's Cache. */
    static final class SpringCache implements Cache {
        final RedisCache<Object, Object> cache;

        SpringCache(RedisCache<Object, Object> cache) {
            this.cache = cache;
        }

        @Override
        public String getName() {
            return cache.name();
        }

        @Override
        public Object getNativeCache() {
            return cache;
        }

        @Override
        public ValueWrapper get(Object key) {
            RedisCache.Cached<Object> c = cache.getIfCached(key);
            return c == null ? null : c::value;
        }

        @Override
        @SuppressWarnings("unchecked")
        public <T> T get(Object key, Class<T> type) {
            ValueWrapper w = get(key);
            Object v = w == null ? null : w.get();
            if (v != null && type != null && !type.isInstance(v)) {
                throw new IllegalStateException("cached value is not of required type " + type.getName());
            }
            return (T) v;
        }

        @Override
        @SuppressWarnings("unchecked")
        public <T> T get(Object key, java.util.concurrent.Callable<T> valueLoader) {
            return (T) cache.get(key, k -> valueLoader.call());
        }

        @Override
        public void put(Object key, Object value) {
            cache.put(key, value);
        }

        @Override
        public void evict(Object key) {
            cache.invalidate(key);
        }

        @Override
        public void clear() {
            cache.clear();
        }
    }
}
