package dev.cinnabar.cache;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;

/** JSON through Jackson: readable in redis-cli, tolerant of added fields. */
public final class JacksonCodec<V> implements CacheCodec<V> {
    private final ObjectMapper mapper;
    private final JavaType type;

    public JacksonCodec(Class<V> type) {
        this(new ObjectMapper(), type);
    }

    public JacksonCodec(ObjectMapper mapper, Class<V> type) {
        this.mapper = mapper;
        this.type = mapper.constructType(type);
    }

    @Override
    public byte[] encode(V value) {
        try {
            return mapper.writeValueAsBytes(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public V decode(byte[] bytes) {
        try {
            return mapper.readValue(bytes, type);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
