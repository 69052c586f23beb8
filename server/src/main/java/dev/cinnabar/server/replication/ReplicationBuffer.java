package dev.cinnabar.server.replication;

import java.util.ArrayList;
import java.util.List;

/**
 * The replication buffer Redis 7.0 shares between the backlog and the replicas: one list of blocks
 * holding the replication stream, fed once, whichever number of replicas read it.
 *
 * <p><b>Blocks.</b> Bytes are appended to the last block while it has room; a new block holds at
 * least {@link #CHUNK} bytes, at most repl-backlog-size / 16 (so one big command does not make a
 * block nobody can let go of), and more only when the backlog is small. A block's first byte has
 * the stream offset {@link Block#offset} (master_repl_offset counts from 1 up to {@link #end}).
 *
 * <p><b>Who holds what.</b> The backlog starts at the first block: the buffer is the backlog, and
 * {@link #histlen} is its length (repl_backlog_histlen). A replica holds the stream from the first
 * byte it still needs (its reference, kept by the caller); {@link #trim} drops leading blocks while
 * the backlog is longer than repl-backlog-size without them and no replica needs them, so the
 * backlog grows past its size while a slow replica, or one waiting for its snapshot, holds old
 * blocks, and such old bytes still serve a PSYNC. {@link #memory} is mem_total_replication_buffers.
 *
 * <p>Under the execution lock. Cost: appending copies the bytes once; trimming drops whole blocks;
 * finding an offset is a binary search over the blocks.
 */
final class ReplicationBuffer {
    /** Smallest block (Redis's PROTO_REPLY_CHUNK_BYTES). */
    static final int CHUNK = 16 * 1024;
    /** What a block costs besides its bytes (the list node and the block's header). */
    static final long BLOCK_OVERHEAD = 48;

    /** One block of the stream. */
    static final class Block {
        long offset;
        final byte[] buf;
        int used;

        Block(long offset, int size) {
            this.offset = offset;
            this.buf = new byte[size];
        }
    }

    /** The blocks, oldest first, from {@link #head}. */
    private final List<Block> blocks = new ArrayList<>();
    private int head;
    private long backlogSize;
    /** The stream offset of the last byte fed (master_repl_offset). */
    private long end;
    private long memory;

    ReplicationBuffer(long backlogSize, long masterOffset) {
        this.backlogSize = Math.max(1, backlogSize);
        this.end = masterOffset;
    }

    /** repl-backlog-size. */
    long size() {
        return backlogSize;
    }

    /** The stream offset of the last byte fed. */
    long end() {
        return end;
    }

    private int count() {
        return blocks.size() - head;
    }

    private Block first() {
        return blocks.get(head);
    }

    private Block last() {
        return blocks.get(blocks.size() - 1);
    }

    /** Bytes the backlog holds (repl_backlog_histlen). */
    long histlen() {
        return count() == 0 ? 0 : end - first().offset + 1;
    }

    /** The stream offset of the first byte held (repl_backlog_first_byte_offset). */
    long firstByteOffset() {
        return count() == 0 ? end + 1 : first().offset;
    }

    /** mem_total_replication_buffers: every block's bytes and overhead. */
    long memory() {
        return memory;
    }

    /** Appends to the stream; true when a new block was made (when Redis checks the replicas' limits). */
    boolean append(byte[] b) {
        return append(b, 0, b.length);
    }

    boolean append(byte[] b, int off, int len) {
        boolean added = false;
        if (count() > 0) {
            Block t = last();
            int n = Math.min(len, t.buf.length - t.used);
            System.arraycopy(b, off, t.buf, t.used, n);
            t.used += n;
            off += n;
            len -= n;
            end += n;
        }
        while (len > 0) {
            long cap = Math.max(backlogSize / 16, CHUNK);
            int size = (int) Math.min(Math.max(len, CHUNK), cap);
            Block t = new Block(end + 1, size);
            int n = Math.min(len, size);
            System.arraycopy(b, off, t.buf, 0, n);
            t.used = n;
            blocks.add(t);
            memory += size + BLOCK_OVERHEAD;
            off += n;
            len -= n;
            end += n;
            added = true;
        }
        return added;
    }

    /** Moves every offset by delta (a master restarted from an RDB continues the offsets it records). */
    void rebase(long delta) {
        end += delta;
        for (int i = head; i < blocks.size(); i++) {
            blocks.get(i).offset += delta;
        }
    }

    /** True when the stream from {@code offset} (the first byte a replica lacks) is held. */
    boolean covers(long offset) {
        return offset >= firstByteOffset() && offset <= end + 1;
    }

    /** The index of the block holding {@code offset} (the last block when it is past the end). */
    private int blockOf(long offset) {
        int lo = head;
        int hi = blocks.size() - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (blocks.get(mid).offset <= offset) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    /** Receives the stream's bytes slice by slice. */
    @FunctionalInterface
    interface Slices {
        void slice(byte[] b, int off, int len);
    }

    /** Passes the bytes from stream offset {@code offset} to the end ({@link #covers} must hold); returns their count. */
    long read(long offset, Slices out) {
        if (offset > end || count() == 0) {
            return 0;
        }
        long n = end + 1 - offset;
        for (int i = blockOf(offset); i < blocks.size(); i++) {
            Block blk = blocks.get(i);
            int from = (int) Math.max(0, offset - blk.offset);
            if (blk.used > from) {
                out.slice(blk.buf, from, blk.used - from);
            }
        }
        return n;
    }

    /** The bytes from stream offset {@code offset} to the end, in one array (small ranges, tests). */
    byte[] from(long offset) {
        long n = offset > end ? 0 : end + 1 - offset;
        byte[] out = new byte[(int) n];
        int[] at = {0};
        read(offset, (b, off, len) -> {
            System.arraycopy(b, off, out, at[0], len);
            at[0] += len;
        });
        return out;
    }

    /**
     * The output memory of a replica whose first needed byte is {@code ref} (Redis's
     * getClientOutputBufferMemoryUsage for replicas): from the start of its block to the end of
     * the last block, with the blocks' overhead. A replica that has everything still holds the
     * last block.
     */
    long referenced(long ref) {
        if (count() == 0) {
            return 0;
        }
        int i = blockOf(Math.max(ref, firstByteOffset()));
        Block l = last();
        return l.offset + l.buf.length - blocks.get(i).offset + (blocks.size() - i) * BLOCK_OVERHEAD;
    }

    /**
     * Drops leading blocks while the backlog stays longer than repl-backlog-size without them and
     * no replica needs them ({@code minRef}: the smallest first needed byte of the replicas,
     * Long.MAX_VALUE for none). The last block always stays.
     */
    void trim(long minRef) {
        while (count() > 1) {
            Block f = first();
            if (minRef < f.offset + f.used || histlen() - f.used <= backlogSize) {
                break;
            }
            blocks.set(head++, null);
            memory -= f.buf.length + BLOCK_OVERHEAD;
        }
        if (head > 64 && head > blocks.size() / 2) {
            blocks.subList(0, head).clear();
            head = 0;
        }
    }

    /** CONFIG SET repl-backlog-size (the caller trims). */
    void resize(long size) {
        backlogSize = Math.max(1, size);
    }
}
