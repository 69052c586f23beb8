package dev.cinnabar.server.net;

import dev.cinnabar.server.session.ReplyBuffer;

/**
 * The figures of Redis's reply list for one connection: what CLIENT LIST shows as omem and oll,
 * and what client-output-buffer-limit and client eviction count as the output waiting for a
 * client.
 *
 * <p>Redis puts a reply into the client's reply buffer (rbs bytes) while its list is empty, and
 * the output that does not fit there in a list of blocks: a reply first fills the free room of
 * the last block, and what is left goes into a new block of that size
 * but at least PROTO_REPLY_CHUNK_BYTES (16 KiB); a block leaves the list once the socket took all
 * its bytes, and until then counts whole in reply_bytes (omem). Here the output is a ByteBuf per
 * batch written to the Netty channel, whose own figures count whole buffers, also what the socket
 * already took of one, and one entry per batch. So each connection models the list instead: every
 * command's reply (and every write of deliveries) is {@link #append appended} as Redis would
 * append it, and the bytes the socket takes ({@link #sent}, from the write's progress) remove
 * the buffer first, then blocks from the head, as Redis's writes do. 200 replies of 100 KB to a client that stopped
 * reading then count 180 blocks and 18.0 MB as in Redis 7.0.15 (not 2 entries and 20.0 MB).
 *
 * <p>Threads: written by the connection's event loop only; the two figures are volatile for the
 * readers (CLIENT LIST, INFO, the limits under the execution lock). Cost: a few arithmetic steps
 * per reply; the ring of block sizes grows with the blocks waiting.
 */
final class ReplyList {
    private long[] sizes = new long[8];
    /** Index of the head block in the ring, and the number of blocks. */
    private int head;
    private int count;
    /** Bytes used in the last block, and bytes of the head block the socket already took. */
    private long tailUsed;
    private long headSent;
    /** The reply buffer's bytes not sent yet (Redis's bufpos - sentlen). */
    private volatile long buffered;
    private volatile long bytes;
    private volatile int blocks;

    /** The bytes of the reply buffer not sent yet. */
    long buffered() {
        return buffered;
    }

    /** omem: the size of every block not entirely sent. */
    long bytes() {
        return bytes;
    }

    /** oll: the blocks not entirely sent. */
    int blocks() {
        return blocks;
    }

    /** One reply of {@code len} bytes left for the socket, with a reply buffer of bufSize bytes (loop thread). */
    void append(long len, long bufSize) {
        if (len <= 0) {
            return;
        }
        if (count == 0 && buffered < bufSize) {
            long take = Math.min(bufSize - buffered, len);
            buffered += take;
            len -= take;
            if (len == 0) {
                return;
            }
        }
        long total = bytes;
        if (count > 0) {
            long room = sizes[(head + count - 1) & (sizes.length - 1)] - tailUsed;
            long take = Math.min(room, len);
            tailUsed += take;
            len -= take;
        }
        if (len > 0) {
            if (count == sizes.length) {
                grow();
            }
            long size = Math.max(len, ReplyBuffer.CHUNK);
            sizes[(head + count) & (sizes.length - 1)] = size;
            count++;
            tailUsed = len;
            total += size;
        }
        bytes = total;
        blocks = count;
    }

    /** The socket took {@code n} more bytes, in order (loop thread). */
    void sent(long n) {
        long b = buffered;
        if (b > 0) {
            long take = Math.min(b, n);
            buffered = b - take;
            n -= take;
        }
        long total = bytes;
        while (n > 0 && count > 0) {
            long size = sizes[head];
            long used = count == 1 ? tailUsed : size;
            long left = used - headSent;
            if (n < left) {
                headSent += n;
                break;
            }
            n -= left;
            headSent = 0;
            total -= size;
            head = (head + 1) & (sizes.length - 1);
            count--;
        }
        if (count == 0) {
            head = 0;
            tailUsed = 0;
        }
        bytes = total;
        blocks = count;
    }

    /**
     * oll as it would be once replies ending at {@code ends[0..n)} (writer indices of a buffer
     * whose output runs from {@code start} to {@code end}) are appended: the blocks of the batch
     * running, for CLIENT LIST and the limit's log line. Changes nothing; any thread (a racy
     * figure).
     */
    int blocksWith(int[] ends, int n, int start, int end, long bufSize) {
        int c = count;
        long room = c == 0 ? 0 : sizes[(head + c - 1) & (sizes.length - 1)] - tailUsed;
        long bufRoom = c == 0 ? Math.max(0, bufSize - buffered) : 0;
        int from = start;
        for (int i = 0; i <= Math.min(n, ends.length); i++) {
            int at = i < n && i < ends.length ? Math.min(ends[i], end) : end;
            long len = at - from;
            if (len <= 0) {
                continue;
            }
            from = at;
            if (c == 0 && bufRoom > 0) {
                long take = Math.min(bufRoom, len);
                bufRoom -= take;
                len -= take;
            }
            long take = Math.min(room, len);
            room -= take;
            len -= take;
            if (len > 0) {
                c++;
                room = Math.max(len, ReplyBuffer.CHUNK) - len;
            }
        }
        return c;
    }

    private void grow() {
        long[] bigger = new long[sizes.length * 2];
        for (int i = 0; i < count; i++) {
            bigger[i] = sizes[(head + i) & (sizes.length - 1)];
        }
        sizes = bigger;
        head = 0;
    }
}
