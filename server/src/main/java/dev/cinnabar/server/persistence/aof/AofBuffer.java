package dev.cinnabar.server.persistence.aof;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A growable byte buffer holding commands in the AOF's form: RESP arrays of bulk strings, exactly
 * as Redis writes them ({@code *<argc>\r\n} then {@code $<len>\r\n<bytes>\r\n} per argument), and
 * timestamp annotations ({@code #TS:<unix seconds>\r\n}). Used for what waits to be written
 * (Redis's aof_buf) and for a command-form base file.
 */
final class AofBuffer {
    private byte[] data;
    private int len;

    AofBuffer(int capacity) {
        data = new byte[Math.max(16, capacity)];
    }

    int length() {
        return len;
    }

    byte[] array() {
        return data;
    }

    ByteBuffer view() {
        return ByteBuffer.wrap(data, 0, len);
    }

    void clear() {
        // as Redis re-uses a small aof_buf: a large one is dropped so a burst does not pin memory
        if (data.length > 1 << 16) {
            data = new byte[4096];
        }
        len = 0;
    }

    /** Drops the first n bytes (written by a partial write that could not be undone). */
    void consume(int n) {
        System.arraycopy(data, n, data, 0, len - n);
        len -= n;
    }

    private void ensure(int more) {
        if (len + more > data.length) {
            long want = Math.max((long) data.length * 2, (long) len + more);
            if (want > Integer.MAX_VALUE - 16) {
                throw new OutOfMemoryError("AOF buffer over 2 GB");
            }
            data = java.util.Arrays.copyOf(data, (int) want);
        }
    }

    void write(byte[] b, int off, int n) {
        ensure(n);
        System.arraycopy(b, off, data, len, n);
        len += n;
    }

    private void ascii(String s) {
        int n = s.length();
        ensure(n);
        for (int i = 0; i < n; i++) {
            data[len++] = (byte) s.charAt(i);
        }
    }

    private void crlf() {
        ensure(2);
        data[len++] = '\r';
        data[len++] = '\n';
    }

    /**
     * {@code <prefix><n>\r\n} for a count or length n >= 0, digits written in place (the buffer
     * takes every propagated command: no string per header).
     */
    private void header(byte prefix, int n) {
        ensure(13); // prefix, at most 10 digits, CRLF
        byte[] d = data;
        int at = len;
        d[at++] = prefix;
        int digits = 1;
        for (int v = n; v >= 10; v /= 10) {
            digits++;
        }
        int end = at + digits;
        for (int i = end - 1, v = n; i >= at; i--, v /= 10) {
            d[i] = (byte) ('0' + v % 10);
        }
        d[end] = '\r';
        d[end + 1] = '\n';
        len = end + 2;
    }

    /** {@code *<n>\r\n}: the head of a command of n arguments. */
    void arrayHeader(int n) {
        header((byte) '*', n);
    }

    void bulk(byte[] b) {
        header((byte) '$', b.length);
        ensure(b.length + 2);
        System.arraycopy(b, 0, data, len, b.length);
        len += b.length;
        data[len++] = '\r';
        data[len++] = '\n';
    }

    void bulk(String s) {
        bulk(s.getBytes(StandardCharsets.UTF_8));
    }

    void bulk(long v) {
        bulk(Long.toString(v).getBytes(StandardCharsets.US_ASCII));
    }

    /** One whole command. */
    void command(byte[][] argv) {
        arrayHeader(argv.length);
        for (byte[] a : argv) {
            bulk(a);
        }
    }

    /** The timestamp annotation Redis writes with aof-timestamp-enabled (loaders skip '#' lines). */
    void timestamp(long unixSeconds) {
        ascii("#TS:" + unixSeconds);
        crlf();
    }
}
