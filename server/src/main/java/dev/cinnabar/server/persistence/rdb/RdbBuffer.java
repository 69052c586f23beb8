package dev.cinnabar.server.persistence.rdb;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;

/**
 * A growable buffer for RDB output that carries the rdbcompression setting: strings written into
 * one made without compression are never LZF-compressed ({@link RdbStrings#writeRawString}).
 * Any other ByteArrayOutputStream compresses, as Redis does by default.
 *
 * <p>Unlike its superclass, its writes are not synchronized (a buffer belongs to one saving thread
 * at a time, and a lock per byte was a measurable part of a SAVE), and it carries the scratch space
 * the encoders reuse from one value to the next: a buffer to build a listpack blob in and one for
 * LZF's output, so saving a small hash or sorted set allocates nothing per value.
 */
public final class RdbBuffer extends ByteArrayOutputStream {
    private final boolean compression;
    private RdbBuffer scratch;
    private byte[] lzf = new byte[0];

    public RdbBuffer(boolean compression) {
        this(compression, 1 << 12);
    }

    public RdbBuffer(boolean compression, int capacity) {
        super(capacity);
        this.compression = compression;
    }

    public boolean compression() {
        return compression;
    }

    private void ensure(int more) {
        int need = count + more;
        if (need < 0) {
            throw new OutOfMemoryError("RDB buffer over 2 GB");
        }
        if (need > buf.length) {
            buf = Arrays.copyOf(buf, (int) Math.min(Integer.MAX_VALUE - 8, Math.max(need, 2L * buf.length)));
        }
    }

    @Override
    public void write(int b) {
        if (count == buf.length) {
            ensure(1);
        }
        buf[count++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) {
        java.util.Objects.checkFromIndexSize(off, len, b.length);
        ensure(len);
        System.arraycopy(b, off, buf, count, len);
        count += len;
    }

    @Override
    public void writeBytes(byte[] b) {
        write(b, 0, b.length);
    }

    @Override
    public void reset() {
        count = 0;
    }

    @Override
    public int size() {
        return count;
    }

    @Override
    public byte[] toByteArray() {
        return Arrays.copyOf(buf, count);
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

    /** Sets the byte at an offset already written. */
    void put(int at, int b) {
        buf[at] = (byte) b;
    }

    /** An empty buffer for building one blob (a listpack) before it is written here. */
    RdbBuffer scratch() {
        if (scratch == null) {
            scratch = new RdbBuffer(compression, 256);
        }
        scratch.reset();
        return scratch;
    }

    /** Room for LZF's output of a string of n bytes (reused). */
    byte[] lzfSpace(int n) {
        if (lzf.length < n + 4) {
            lzf = new byte[Math.max(n + 4, 2 * lzf.length)];
        }
        return lzf;
    }

    /** The buffer to build a blob in before writing it to out (out's scratch when it has one). */
    static RdbBuffer scratchFor(ByteArrayOutputStream out) {
        return out instanceof RdbBuffer b ? b.scratch() : new RdbBuffer(true, 256);
    }
}
