package dev.cinnabar.server.util;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A byte-string usable as a hash-map key (keys, channels, patterns, prefixes; byte[] has identity
 * equality). The array is owned by the key once wrapped: callers pass arrays nobody mutates
 * (request arguments are fresh per request).
 */
public final class BytesKey {
    private final byte[] bytes;
    private final int hash;

    public BytesKey(byte[] bytes) {
        this.bytes = bytes;
        this.hash = Arrays.hashCode(bytes);
    }

    public byte[] bytes() {
        return bytes;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BytesKey k && k.hash == hash && Arrays.equals(k.bytes, bytes);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
