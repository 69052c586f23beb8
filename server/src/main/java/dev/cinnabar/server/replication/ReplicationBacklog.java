package dev.cinnabar.server.replication;

/**
 * The replication backlog: the last repl-backlog-size bytes of the replication stream, in a
 * circular buffer, so a replica that lost its link can continue from the offset it reached
 * (PSYNC ... CONTINUE) instead of a full sync.
 *
 * <p>Offsets are those of the stream (master_repl_offset counts every byte ever fed). The buffer
 * holds the bytes from {@link #firstByteOffset()} to the master offset inclusive ({@link #histlen()}
 * bytes). Under the execution lock.
 */
final class ReplicationBacklog {
    private byte[] buf;
    /** Where the next byte goes. */
    private int idx;
    private long histlen;
    /** The stream offset of the last byte written (master_repl_offset). */
    private long endOffset;

    ReplicationBacklog(int size, long masterOffset) {
        this.buf = new byte[Math.max(1, size)];
        this.endOffset = masterOffset;
    }

    int size() {
        return buf.length;
    }

    long histlen() {
        return histlen;
    }

    /** The stream offset of the first byte held (Redis's repl_backlog_first_byte_offset). */
    long firstByteOffset() {
        return endOffset - histlen + 1;
    }

    void append(byte[] b) {
        int len = b.length;
        int off = 0;
        if (len > buf.length) { // only the tail fits
            off = len - buf.length;
        }
        int n = len - off;
        int first = Math.min(n, buf.length - idx);
        System.arraycopy(b, off, buf, idx, first);
        System.arraycopy(b, off + first, buf, 0, n - first);
        idx = (idx + n) % buf.length;
        histlen = Math.min(buf.length, histlen + len);
        endOffset += len;
    }

    /** Moves every offset by delta (a master restarted from an RDB continues the offsets it records). */
    void rebase(long delta) {
        endOffset += delta;
    }

    /** True when the stream from {@code offset} (the first byte a replica lacks) is held. */
    boolean covers(long offset) {
        return offset >= firstByteOffset() && offset <= endOffset + 1;
    }

    /** The bytes from stream offset {@code offset} to the end ({@link #covers} must hold). */
    byte[] from(long offset) {
        int n = (int) (endOffset + 1 - offset);
        byte[] out = new byte[n];
        int start = Math.floorMod(idx - n, buf.length);
        int first = Math.min(n, buf.length - start);
        System.arraycopy(buf, start, out, 0, first);
        System.arraycopy(buf, 0, out, first, n - first);
        return out;
    }

    /** CONFIG SET repl-backlog-size: keeps the most recent bytes that fit. */
    void resize(int size) {
        size = Math.max(1, size);
        if (size == buf.length) {
            return;
        }
        long keep = Math.min(histlen, size);
        byte[] tail = from(endOffset + 1 - keep);
        buf = new byte[size];
        System.arraycopy(tail, 0, buf, 0, tail.length);
        idx = tail.length % size;
        histlen = keep;
    }
}
