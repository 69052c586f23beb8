package dev.cinnabar.cache;

import java.nio.charset.StandardCharsets;

/** UTF-8 strings, for tests. */
final class StringCodec implements CacheCodec<String> {
    @Override
    public byte[] encode(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String decode(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
