package dev.cinnabar.server.store;

import java.util.Arrays;

/**
 * A mutable string with spare capacity (like an sds with free space), so repeated APPEND and
 * SETRANGE are amortised O(1) per byte. OBJECT ENCODING reports it as "raw".
 */
public final class RawString {
    private byte[] buf;
    private int len;

    public RawString(byte[] initial) {
        this.buf = initial;
        this.len = initial.length;
    }

    public int length() {
        return len;
    }

    public byte[] array() {
        return buf;
    }

    public byte[] toBytes() {
        return Arrays.copyOf(buf, len);
    }

    public void append(byte[] b) {
        ensure(len + b.length);
        System.arraycopy(b, 0, buf, len, b.length);
        len += b.length;
    }

    /** Writes b at offset, zero-padding any gap. */
    public void setRange(int offset, byte[] b) {
        int end = offset + b.length;
        ensure(end);
        if (end > len) {
            len = end;
        }
        System.arraycopy(b, 0, buf, offset, b.length);
    }

    /** Grows the string to at least n bytes, zero-filled. */
    public void growZero(int n) {
        ensure(n);
        if (n > len) {
            len = n;
        }
    }

    private void ensure(int n) {
        if (n > buf.length) {
            // Like sdsMakeRoomFor: double below 1 MB, then add 1 MB at a time.
            int cap = n < 1024 * 1024 ? n * 2 : n + 1024 * 1024;
            buf = Arrays.copyOf(buf, cap);
        }
    }
}
