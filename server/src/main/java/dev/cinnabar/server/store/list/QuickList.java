package dev.cinnabar.server.store.list;

import dev.cinnabar.server.persistence.rdb.Lzf;
import dev.cinnabar.server.store.RValue;
import java.util.ArrayList;
import java.util.function.Consumer;

/**
 * The list type: a doubly linked list of {@link Listpack} nodes, as Redis's quicklist (Redis 7.0
 * reports every list as "quicklist"; 7.2's single-listpack form does not exist in 7.0).
 *
 * <p>Node size follows list-max-listpack-size ({@code fill}): negative values cap a node's bytes
 * (-1 = 4 KB, -2 = 8 KB ... -5 = 64 KB), positive values cap its entry count (with Redis's 8 KB
 * safety limit on bytes). An element too big for any node gets a node of its own, and so does one
 * of at least the packed threshold (a "plain" node no other element joins, as Redis's). Elements are
 * stored in the nodes' byte arrays, so a list holds no Java object per element; pushes touch only
 * the end node (LPUSH moves the bytes of one node, never the whole list).
 *
 * <p><b>Compression</b> (list-compress-depth, read when the list is made, as Redis's
 * ql-&gt;compress): the {@code compress} nodes at each end stay raw, the others are kept LZF
 * compressed when Redis would keep them so: a node of fewer than {@value #MIN_COMPRESS_BYTES}
 * listpack bytes, or one LZF does not shrink by more than {@value #MIN_COMPRESS_IMPROVE} bytes,
 * stays raw. As Redis's __quicklistCompress, a change that adds or removes a node decompresses the
 * nodes that came within depth and compresses the node it touched and the first node beyond depth
 * at each end. Reads never change a list (a background save may be reading it): a compressed node
 * is read through a decompressed copy ({@link #view}). A write decompresses the node it changes
 * ({@link #raw}) and compresses it again when it is done ({@link #settle}). With depth 0 (the
 * default) no node is ever compressed and pushes and pops do one more field test.
 */
public final class QuickList implements RValue {
    private static final int SAFETY_LIMIT = 8192;
    /** Redis's listpack header (total bytes, count) and end byte. */
    static final int LP_EMPTY = 7;
    /** Redis's allowance for an entry's encoding overhead when checking a node's limit. */
    private static final int SIZE_ESTIMATE_OVERHEAD = 8;

    /**
     * Bytes an element takes in a Redis listpack: the integer encodings (1 to 9 bytes) for the
     * canonical decimal form of a 64-bit integer, else a 1, 2 or 5-byte length and the bytes;
     * plus the back-length (1 to 5 bytes).
     */
    static int redisEntrySize(int len, byte[] b, int off) {
        int enc;
        long[] v = new long[1];
        if (len > 0 && len <= 20 && dev.cinnabar.server.store.Numbers.parseLongStrict(b, off, len, v)) {
            long x = v[0];
            enc = x >= 0 && x <= 127 ? 1 : x >= -4096 && x <= 4095 ? 2 : x >= Short.MIN_VALUE && x <= Short.MAX_VALUE ? 3
                    : x >= -(1 << 23) && x < (1 << 23) ? 4 : x >= Integer.MIN_VALUE && x <= Integer.MAX_VALUE ? 5 : 9;
        } else {
            enc = (len < 64 ? 1 : len < 4096 ? 2 : 5) + len;
        }
        int back = enc <= 127 ? 1 : enc < 16383 ? 2 : enc < 2097151 ? 3 : enc < 268435455 ? 4 : 5;
        return enc + back;
    }

    static int redisEntrySize(byte[] v) {
        return redisEntrySize(v.length, v, 0);
    }
    /** Redis's default packed threshold: elements of 1 GB or more get a node of their own. */
    public static final long DEFAULT_PACKED_THRESHOLD = 1L << 30;
    /** Highest threshold Redis accepts (just under 4 GB). */
    private static final long MAX_PACKED_THRESHOLD = (1L << 32) - (1L << 20);
    /** Elements at least this long are stored "plain": alone in a node no other element joins. */
    private static volatile long packedThreshold = DEFAULT_PACKED_THRESHOLD;

    /** Redis's MIN_COMPRESS_BYTES: smaller nodes are never compressed. */
    static final int MIN_COMPRESS_BYTES = 48;
    /** Redis's MIN_COMPRESS_IMPROVE: compression must save more than this many bytes. */
    static final int MIN_COMPRESS_IMPROVE = 8;
    /** list-compress-depth for the lists made from now on (0: none compressed). */
    private static volatile int defaultCompress;

    static final class Node extends Listpack {
        Node prev;
        Node next;
        /** The node's bytes (buf[0..used)) compressed with LZF while buf is null; null when raw. */
        byte[] lzf;
        /** Holds one element of packedThreshold bytes or more; never takes another element. */
        boolean plain;
        /**
         * The size this node's elements take in Redis's listpack format (header and end byte
         * included): node limits are checked on it, as Redis checks its listpack's bytes, so
         * nodes split where Redis's split and RDB/DUMP carry the same nodes.
         */
        int lpBytes = LP_EMPTY;

        /** Recomputes lpBytes after a change in the middle of the node. */
        void recount() {
            int b = LP_EMPTY;
            for (int p = 0; p < used; p = next(p)) {
                b += redisEntrySize(len(p), buf, dataOffset(p));
            }
            lpBytes = b;
        }

        Node(int capacity) {
            super(capacity);
        }
    }

    private Node head;
    private Node tail;
    private long size;
    private int nodes;
    /** Nodes kept raw at each end, 0 for none compressed (Redis's ql->compress). */
    private final int compress = defaultCompress;
    /** Nodes a write decompressed, to compress again when it is done ({@link #settle}). */
    private ArrayList<Node> touched;

    /**
     * Sets list-compress-depth for the lists made from now on (Redis reads it when it makes a
     * list, so existing lists keep theirs). Negative values count as 0.
     */
    public static void compressDepth(int depth) {
        defaultCompress = Math.max(0, depth);
    }

    /** This list's depth: 0 when none of its nodes is compressed (DEBUG OBJECT's ql_compressed). */
    public int compressDepth() {
        return compress;
    }

    /** Nodes held compressed now (tests). */
    public int compressedNodes() {
        int n = 0;
        for (Node x = head; x != null; x = x.next) {
            if (x.lzf != null) {
                n++;
            }
        }
        return n;
    }

    /** True when the compress nodes at each end are raw (tests: the depth invariant). */
    boolean endsRaw() {
        Node f = head;
        Node r = tail;
        for (int i = 0; i < compress && f != null; i++, f = f.next, r = r.prev) {
            if (f.lzf != null || r.lzf != null) {
                return false;
            }
        }
        return true;
    }

    /** The node's elements for reading: itself when raw, else a decompressed copy (the node is unchanged). */
    static Listpack view(Node n) {
        if (n == null || n.lzf == null) {
            return n;
        }
        Listpack l = new Listpack(0);
        l.buf = Lzf.decompress(n.lzf, 0, n.lzf.length, n.used);
        l.used = n.used;
        l.count = n.count;
        return l;
    }

    /** Decompresses n for a write (Redis's quicklistDecompressNodeForUse); {@link #settle} compresses it again. */
    private void raw(Node n) {
        if (n != null && n.lzf != null) {
            decompress(n);
            if (touched == null) {
                touched = new ArrayList<>(2);
            }
            touched.add(n);
        }
    }

    private static void decompress(Node n) {
        if (n.lzf != null) {
            n.buf = Lzf.decompress(n.lzf, 0, n.lzf.length, n.used);
            n.lzf = null;
        }
    }

    /**
     * Compresses n when Redis would (__quicklistCompressNode): at least MIN_COMPRESS_BYTES listpack
     * bytes, and LZF saving more than MIN_COMPRESS_IMPROVE bytes. Plain and list nodes alike.
     */
    private static void compressNode(Node n) {
        if (n == null || n.lzf != null || n.lpBytes < MIN_COMPRESS_BYTES || n.used <= MIN_COMPRESS_IMPROVE + 1) {
            return;
        }
        byte[] out = Lzf.compress(n.buf, n.used, n.used - MIN_COMPRESS_IMPROVE - 1);
        if (out != null) {
            n.lzf = out;
            n.buf = null;
        }
    }

    /** True when n is one of the compress nodes at either end (or the list is too short to compress). */
    private boolean inDepth(Node n) {
        Node f = n;
        Node r = n;
        for (int i = 0; i < compress; i++) {
            if (f == null || r == null) {
                return true;
            }
            f = f.prev;
            r = r.next;
        }
        return f == null || r == null;
    }

    /**
     * After a write (under the lock, after the keyspace's copy-on-write barrier): compresses again
     * the nodes it decompressed that are still beyond depth. Callers that wrote through a
     * {@link Cursor} call it when done; the list's own writes call it themselves.
     */
    public void settle() {
        if (touched == null || touched.isEmpty()) {
            return;
        }
        for (Node n : touched) {
            if (n.lzf == null && n.buf != null && (n.prev != null || n.next != null || head == n)
                    && !inDepth(n)) {
                compressNode(n);
            }
        }
        touched.clear();
    }

    /**
     * Redis's __quicklistCompress after a node was added or removed: the nodes within depth of
     * either end are made raw, {@code n} (when given and beyond depth) and the first node beyond
     * depth at each end are compressed.
     */
    private void compressAround(Node n) {
        settle();
        if (nodes < compress * 2) {
            // every node is within depth of an end (Redis leaves nodes compressed earlier as they are
            // until used; here they are made raw at once)
            for (Node x = head; x != null; x = x.next) {
                decompress(x);
            }
            return;
        }
        Node f = head;
        Node r = tail;
        boolean nInDepth = false;
        for (int depth = 0; depth < compress; depth++) {
            decompress(f);
            decompress(r);
            if (f == n || r == n) {
                nInDepth = true;
            }
            if (f == r || f.next == r) {
                return;
            }
            f = f.next;
            r = r.prev;
        }
        if (!nInDepth && n != null) {
            compressNode(n);
        }
        compressNode(f);
        compressNode(r);
    }

    /** After a write that may have changed which nodes are within depth (compression only). */
    private void afterWrite(Node n) {
        if (compress != 0) {
            compressAround(n != null && (n.prev != null || n.next != null || head == n) ? n : null);
        }
    }

    @Override
    public String type() {
        return "list";
    }

    @Override
    public String encoding() {
        return "quicklist";
    }

    /**
     * Sets the element size from which elements get a plain node of their own, for all lists (Redis's
     * DEBUG QUICKLIST-PACKED-THRESHOLD); 0 restores the 1 GB default. False, changing nothing, above
     * Redis's limit of 4 GB minus 1 MB. Nodes made before keep their kind.
     */
    public static boolean packedThreshold(long bytes) {
        if (bytes < 0 || bytes > MAX_PACKED_THRESHOLD) {
            return false;
        }
        packedThreshold = bytes == 0 ? DEFAULT_PACKED_THRESHOLD : bytes;
        return true;
    }

    private static boolean isLarge(byte[] v) {
        return v.length >= packedThreshold;
    }

    @Override
    public QuickList copy() {
        QuickList q = new QuickList();
        for (Node n = head; n != null; n = n.next) {
            Node c = new Node(0);
            if (n.lzf != null) {
                c.lzf = n.lzf; // never changed in place: shared by both copies
                c.buf = null;
                c.used = n.used;
                c.count = n.count;
            } else {
                Listpack src = n.copy();
                c.buf = src.buf;
                c.used = src.used;
                c.count = src.count;
            }
            c.plain = n.plain;
            c.lpBytes = n.lpBytes;
            q.linkTail(c);
        }
        q.size = size;
        q.touched = null;
        return q;
    }

    @Override
    public boolean isEmpty() {
        return size == 0;
    }

    public long size() {
        return size;
    }

    /** Number of nodes (tests, DEBUG). */
    public int nodeCount() {
        return nodes;
    }

    /** Bytes held by the nodes (MEMORY USAGE estimates). */
    public long bytes() {
        long b = 0;
        for (Node n = head; n != null; n = n.next) {
            b += nodeBytes(n);
        }
        return b;
    }

    /** A node's memory: its (compressed or raw) array plus the node object. */
    private static long nodeBytes(Node n) {
        return (n.lzf != null ? n.lzf.length + 16 : n.capacity()) + 48;
    }

    /**
     * Bytes held by the nodes, estimated from at most {@code maxNodes} of them (half at each end,
     * where pushes and pops happen) when the list has more: the memory accounting's per-write
     * estimate, bounded whatever the list's length. Deterministic for a given list state.
     */
    public long bytesSampled(int maxNodes) {
        if (nodes <= maxNodes) {
            return bytes();
        }
        int half = Math.max(1, maxNodes / 2);
        long b = 0;
        int seen = 0;
        for (Node n = head; n != null && seen < half; n = n.next, seen++) {
            b += nodeBytes(n);
        }
        for (Node n = tail; n != null && seen < 2 * half; n = n.prev, seen++) {
            b += nodeBytes(n);
        }
        return (long) ((double) b / seen * nodes);
    }

    /**
     * Whether a node of lpBytes (Redis listpack bytes) and count elements may take one more
     * element of len bytes, by Redis's estimate (bytes + len + 8): under a negative fill the
     * bytes are capped (-1 = 4 KB ... -5 = 64 KB), under a positive one the count, with 8 KB as a
     * safety cap on bytes.
     */
    static boolean allowInsert(long lpBytes, int count, long len, int fill) {
        if (count == 0) {
            return true;
        }
        long newSize = lpBytes + len + SIZE_ESTIMATE_OVERHEAD;
        if (fill < 0) {
            int level = Math.min(-fill - 1, 4);
            return newSize <= (4096L << level);
        }
        return newSize <= SAFETY_LIMIT && count < fill;
    }

    private void linkTail(Node n) {
        n.prev = tail;
        if (tail != null) {
            tail.next = n;
        } else {
            head = n;
        }
        tail = n;
        nodes++;
    }

    private void linkHead(Node n) {
        n.next = head;
        if (head != null) {
            head.prev = n;
        } else {
            tail = n;
        }
        head = n;
        nodes++;
    }

    private void linkBefore(Node at, Node n) {
        if (at.prev == null) {
            linkHead(n);
        } else {
            linkAfter(at.prev, n);
        }
    }

    private void linkAfter(Node at, Node n) {
        n.prev = at;
        n.next = at.next;
        if (at.next != null) {
            at.next.prev = n;
        } else {
            tail = n;
        }
        at.next = n;
        nodes++;
    }

    private void unlink(Node n) {
        if (n.prev != null) {
            n.prev.next = n.next;
        } else {
            head = n.next;
        }
        if (n.next != null) {
            n.next.prev = n.prev;
        } else {
            tail = n.prev;
        }
        n.prev = null;
        n.next = null;
        nodes--;
    }

    private static int initialCapacity(int entry) {
        return Math.max(32, entry);
    }

    /** A new node for v: plain when v is large. */
    private static Node nodeFor(byte[] v) {
        Node n = new Node(initialCapacity(Listpack.entrySize(v.length)));
        n.plain = isLarge(v);
        return n;
    }

    /** True when v may join node n (neither is plain, and n has room under fill). */
    private static boolean joins(Node n, byte[] v, int fill) {
        return n != null && !n.plain && !isLarge(v) && allowInsert(n.lpBytes, n.count, v.length, fill);
    }

    /** Receives one node's elements (in order) and whether it is a plain node. */
    public interface NodeVisitor {
        void node(boolean plain, java.util.List<byte[]> elements);
    }

    /** Visits the nodes head to tail (RDB and DUMP serialise a list node by node). */
    public void forEachNode(NodeVisitor v) {
        for (Node n = head; n != null; n = n.next) {
            Listpack d = view(n);
            java.util.List<byte[]> elements = new java.util.ArrayList<>(d.count());
            for (int p = 0; p < d.used(); p = d.next(p)) {
                elements.add(d.get(p));
            }
            v.node(n.plain, elements);
        }
    }

    public void pushHead(byte[] v, int fill) {
        if (compress != 0) {
            raw(head);
        }
        if (!joins(head, v, fill)) {
            Node old = head;
            if (head != null && !head.plain) {
                head.trimToSize(); // full: drop the growth slack
            }
            linkHead(nodeFor(v));
            if (compress != 0) {
                compressAround(old); // the old head may now be beyond depth
            }
        }
        head.insert(0, v);
        head.lpBytes += redisEntrySize(v);
        size++;
    }

    public void pushTail(byte[] v, int fill) {
        if (compress != 0) {
            raw(tail);
        }
        if (!joins(tail, v, fill)) {
            Node old = tail;
            if (tail != null && !tail.plain) {
                tail.trimToSize(); // full: drop the growth slack
            }
            linkTail(nodeFor(v));
            if (compress != 0) {
                compressAround(old); // the old tail may now be beyond depth
            }
        }
        tail.insert(tail.used, v);
        tail.lpBytes += redisEntrySize(v);
        size++;
    }

    public void push(byte[] v, boolean head, int fill) {
        if (head) {
            pushHead(v, fill);
        } else {
            pushTail(v, fill);
        }
    }

    /** Removes and returns the first (head) or last element; null when empty. */
    public byte[] pop(boolean fromHead) {
        if (size == 0) {
            return null;
        }
        Node n = fromHead ? head : tail;
        raw(n); // an end node is raw unless the list is too short for the depth walk
        int pos = fromHead ? 0 : n.last();
        byte[] v = n.get(pos);
        n.delete(pos);
        n.lpBytes -= redisEntrySize(v);
        size--;
        if (n.count == 0) {
            unlink(n);
            afterWrite(null); // nodes came within depth
        } else if (compress != 0) {
            settle();
        }
        return v;
    }

    /** A position: node and byte offset of an element. */
    public final class Cursor {
        Node node;
        int pos;
        /** The node's elements: the node, or a decompressed copy of a compressed one (reads only). */
        private Listpack data;
        private final boolean forward;

        Cursor(Node node, int pos, boolean forward) {
            this(node, view(node), pos, forward);
        }

        Cursor(Node node, Listpack data, int pos, boolean forward) {
            this.node = node;
            this.data = data;
            this.pos = pos;
            this.forward = forward;
        }

        private void moveTo(Node n) {
            node = n;
            data = view(n);
        }

        /** Before a write through the cursor: its node raw (compressed again by {@link #settle}). */
        private void forWrite() {
            if (node.lzf != null) {
                raw(node);
            }
            data = node;
        }

        public boolean valid() {
            return node != null;
        }

        public byte[] value() {
            return data.get(pos);
        }

        public boolean equalsValue(byte[] v) {
            return data.equalsAt(pos, v);
        }

        /** Writes the element as a bulk reply without copying (offset/len into the node array). */
        public void read(BytesSink sink) {
            int l = data.len(pos);
            sink.accept(data.array(), pos + Listpack.varLen(l), l);
        }

        /** Moves to the next element in the cursor's direction. */
        public void advance() {
            if (forward) {
                int p = data.next(pos);
                if (p >= data.used) {
                    moveTo(node.next);
                    pos = 0;
                } else {
                    pos = p;
                }
            } else {
                int p = data.prev(pos);
                if (p < 0) {
                    moveTo(node.prev);
                    pos = node == null ? 0 : data.last();
                } else {
                    pos = p;
                }
            }
        }

        /** Removes the current element and moves to the next one in the cursor's direction. */
        public void remove() {
            forWrite();
            Node n = node;
            int p = pos;
            boolean lastInNode = n.count == 1;
            Node nextNode = forward ? n.next : n.prev;
            int nextEnd = n.next(p);
            int prevPos = forward ? -1 : n.prev(p);
            n.deleteRange(p, nextEnd, 1);
            n.recount();
            size--;
            if (lastInNode) {
                unlink(n);
                moveTo(nextNode);
                pos = node == null ? 0 : (forward ? 0 : data.last());
                afterWrite(null);
                if (node != null) {
                    data = view(node); // the depth walk may have compressed or decompressed it
                }
            } else if (forward) {
                if (p >= n.used) {
                    moveTo(n.next);
                    pos = 0;
                }
            } else {
                if (prevPos < 0) {
                    moveTo(n.prev);
                    pos = node == null ? 0 : data.last();
                } else {
                    pos = prevPos;
                }
            }
        }

        /** Replaces the current element. */
        public void set(byte[] v) {
            forWrite();
            node.replace(pos, v);
            node.recount();
        }
    }

    /** Receives element bytes (array, offset, length) without a copy. */
    @FunctionalInterface
    public interface BytesSink {
        void accept(byte[] b, int off, int len);
    }

    /** A cursor at index (0-based from the head; must be in range), moving forward or backward. */
    public Cursor cursor(long index, boolean forward) {
        if (index < 0 || index >= size) {
            return new Cursor(null, 0, forward);
        }
        if (index < size / 2) {
            long skip = index;
            Node n = head;
            while (skip >= n.count) {
                skip -= n.count;
                n = n.next;
            }
            Listpack d = view(n);
            return new Cursor(n, d, d.seek((int) skip), forward);
        }
        long skip = size - 1 - index; // elements after the target
        Node n = tail;
        while (skip >= n.count) {
            skip -= n.count;
            n = n.prev;
        }
        Listpack d = view(n);
        return new Cursor(n, d, d.seek(n.count - 1 - (int) skip), forward);
    }

    /** The element at index (negative counts from the tail), or null when out of range. */
    public byte[] index(long index) {
        long i = index < 0 ? size + index : index;
        if (i < 0 || i >= size) {
            return null;
        }
        return cursor(i, true).value();
    }

    /** Replaces the element at index (negative from the tail); false when out of range. */
    public boolean set(long index, byte[] v, int fill) {
        long i = index < 0 ? size + index : index;
        if (i < 0 || i >= size) {
            return false;
        }
        Cursor c = cursor(i, true);
        c.forWrite();
        Node n = c.node;
        if (n.plain || isLarge(v)) {
            // the element leaves or enters a node of its own
            Node own = isolate(n, c.pos);
            own.replace(0, v);
            own.recount();
            own.plain = isLarge(v);
            afterWrite(own);
            return true;
        }
        c.set(v);
        int before = nodes;
        splitIfNeeded(n, fill);
        if (compress != 0) {
            if (nodes != before) {
                afterWrite(n);
                afterWrite(n.next);
            } else {
                settle();
            }
        }
        return true;
    }

    /**
     * Moves the element at byte offset pos of n into a node of its own (n itself when it holds
     * only that element), splitting n around it; returns that node.
     */
    private Node isolate(Node n, int pos) {
        splitAfter(n, n.next(pos));
        return pos == 0 ? n : splitAfter(n, pos);
    }

    /**
     * Moves the elements of n from byte offset at on into a new node linked after n; returns it,
     * or null when nothing follows at. n keeps at least its first element (at > 0).
     */
    private Node splitAfter(Node n, int at) {
        if (at >= n.used) {
            return null;
        }
        int index = 0;
        for (int p = 0; p < at; p = n.next(p)) {
            index++;
        }
        Node right = new Node(n.used - at);
        System.arraycopy(n.buf, at, right.buf, 0, n.used - at);
        right.used = n.used - at;
        right.count = n.count - index;
        n.used = at;
        n.count = index;
        n.trimToSize();
        n.recount();
        right.recount();
        linkAfter(n, right);
        return right;
    }

    /** Visits elements [start, end] (0-based, inclusive, already clamped). */
    public void range(long start, long end, BytesSink sink) {
        Cursor c = cursor(start, true);
        for (long i = start; i <= end && c.valid(); i++) {
            c.read(sink);
            c.advance();
        }
    }

    public void forEach(Consumer<byte[]> f) {
        Cursor c = cursor(0, true);
        while (c.valid()) {
            f.accept(c.value());
            c.advance();
        }
    }

    /** Removes n elements from the head. */
    public void removeHead(long n) {
        while (n > 0 && head != null) {
            if (head.count <= n) {
                n -= head.count;
                size -= head.count;
                unlink(head);
            } else {
                raw(head);
                int end = head.seek((int) n);
                head.deleteRange(0, end, (int) n);
                head.recount();
                size -= n;
                n = 0;
            }
        }
        afterWrite(null);
    }

    /** Removes n elements from the tail. */
    public void removeTail(long n) {
        while (n > 0 && tail != null) {
            if (tail.count <= n) {
                n -= tail.count;
                size -= tail.count;
                unlink(tail);
            } else {
                raw(tail);
                int from = tail.seek(tail.count - (int) n);
                tail.deleteRange(from, tail.used, (int) n);
                tail.recount();
                size -= n;
                n = 0;
            }
        }
        afterWrite(null);
    }

    /**
     * Inserts v before or after the first element equal to pivot (from the head); false when the
     * pivot is absent.
     */
    public boolean insert(byte[] pivot, byte[] v, boolean after, int fill) {
        for (Node n = head; n != null; n = n.next) {
            Listpack d = view(n);
            for (int p = 0; p < d.used; p = d.next(p)) {
                if (d.equalsAt(p, pivot)) {
                    raw(n);
                    int at = after ? n.next(p) : p;
                    int before = nodes;
                    if (n.plain || isLarge(v)) {
                        insertOwnNode(n, at, v);
                    } else {
                        n.insert(at, v);
                        n.lpBytes += redisEntrySize(v);
                        splitIfNeeded(n, fill);
                    }
                    size++;
                    if (compress != 0) {
                        if (nodes != before) {
                            // the nodes around the change, as Redis's _quicklistInsert compresses them
                            afterWrite(n.prev);
                            afterWrite(n);
                            afterWrite(n.next);
                        } else {
                            settle();
                        }
                    }
                    return true;
                }
            }
        }
        return false;
    }

    /** Puts v in a node of its own at byte offset at of n (before, after, or splitting n). */
    private void insertOwnNode(Node n, int at, byte[] v) {
        Node own = nodeFor(v);
        own.insert(0, v);
        own.lpBytes += redisEntrySize(v);
        if (at == 0) {
            linkBefore(n, own);
        } else {
            splitAfter(n, at);
            linkAfter(n, own);
        }
    }

    /** Splits a node grown past the fill limit (after an insert or a replace in the middle). */
    private void splitIfNeeded(Node n, int fill) {
        if (n.count < 2) {
            return;
        }
        // as if its last element were being added to the rest
        if (allowInsert(n.lpBytes, n.count - 1, 0, fill)) {
            return;
        }
        splitAfter(n, n.seek(n.count / 2));
    }
}
