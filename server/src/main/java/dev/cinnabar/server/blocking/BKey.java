package dev.cinnabar.server.blocking;

import java.util.Arrays;

/** A key as a hash-map key (byte[] has identity equality). Never mutate the wrapped array. */
final class BKey {
    private final byte[] bytes;
    private final int hash;

    BKey(byte[] bytes) {
        this.bytes = bytes;
        this.hash = Arrays.hashCode(bytes);
    }

    byte[] bytes() {
        return bytes;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BKey k && k.hash == hash && Arrays.equals(k.bytes, bytes);
    }

    @Override
    public int hashCode() {
        return hash;
    }
}
