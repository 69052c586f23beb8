package dev.cinnabar.cache;

/** Turns cached values into bytes and back. The default is {@link JacksonCodec}; plug in your own. */
public interface CacheCodec<V> {
    byte[] encode(V value);

    V decode(byte[] bytes);
}
