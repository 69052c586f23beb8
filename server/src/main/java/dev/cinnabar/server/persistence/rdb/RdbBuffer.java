package dev.cinnabar.server.persistence.rdb;

import java.io.ByteArrayOutputStream;

/**
 * A growable buffer for RDB output that carries the rdbcompression setting: strings written into
 * one made without compression are never LZF-compressed ({@link RdbStrings#writeRawString}).
 * Any other ByteArrayOutputStream compresses, as Redis does by default.
 */
public final class RdbBuffer extends ByteArrayOutputStream {
    private final boolean compression;

    public RdbBuffer(boolean compression) {
        super(1 << 12);
        this.compression = compression;
    }

    public boolean compression() {
        return compression;
    }

    /** Drops everything after the first size bytes. */
    public void truncate(int size) {
        if (size < 0 || size > count) {
            throw new IllegalArgumentException("bad size");
        }
        count = size;
    }

    /** The bytes written so far, without a copy (valid up to {@link #size()} until the next write or reset). */
    public byte[] array() {
        return buf;
    }
}
