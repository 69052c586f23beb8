package dev.cinnabar.server.store.list;

import dev.cinnabar.server.store.RValue;
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

    static final class Node extends Listpack {
        Node prev;
        Node next;
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
            Listpack src = n.copy();
            c.buf = src.buf;
            c.used = src.used;
            c.count = src.count;
            c.plain = n.plain;
            c.lpBytes = n.lpBytes;
            q.linkTail(c);
        }
        q.size = size;
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
            b += n.capacity() + 48;
        }
        return b;
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
            b += n.capacity() + 48;
        }
        for (Node n = tail; n != null && seen < 2 * half; n = n.prev, seen++) {
            b += n.capacity() + 48;
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
            java.util.List<byte[]> elements = new java.util.ArrayList<>(n.count());
            for (int p = 0; p < n.used(); p = n.next(p)) {
                elements.add(n.get(p));
            }
            v.node(n.plain, elements);
        }
    }

    public void pushHead(byte[] v, int fill) {
        if (!joins(head, v, fill)) {
            if (head != null && !head.plain) {
                head.trimToSize(); // full: drop the growth slack
            }
            linkHead(nodeFor(v));
        }
        head.insert(0, v);
        head.lpBytes += redisEntrySize(v);
        size++;
    }

    public void pushTail(byte[] v, int fill) {
        if (!joins(tail, v, fill)) {
            if (tail != null && !tail.plain) {
                tail.trimToSize(); // full: drop the growth slack
            }
            linkTail(nodeFor(v));
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
        int pos = fromHead ? 0 : n.last();
        byte[] v = n.get(pos);
        n.delete(pos);
        n.lpBytes -= redisEntrySize(v);
        size--;
        if (n.count == 0) {
            unlink(n);
        }
        return v;
    }

    /** A position: node and byte offset of an element. */
    public final class Cursor {
        Node node;
        int pos;
        private final boolean forward;

        Cursor(Node node, int pos, boolean forward) {
            this.node = node;
            this.pos = pos;
            this.forward = forward;
        }

        public boolean valid() {
            return node != null;
        }

        public byte[] value() {
            return node.get(pos);
        }

        public boolean equalsValue(byte[] v) {
            return node.equalsAt(pos, v);
        }

        /** Writes the element as a bulk reply without copying (offset/len into the node array). */
        public void read(BytesSink sink) {
            int l = node.len(pos);
            sink.accept(node.array(), pos + Listpack.varLen(l), l);
        }

        /** Moves to the next element in the cursor's direction. */
        public void advance() {
            if (forward) {
                int p = node.next(pos);
                if (p >= node.used) {
                    node = node.next;
                    pos = 0;
                } else {
                    pos = p;
                }
            } else {
                int p = node.prev(pos);
                if (p < 0) {
                    node = node.prev;
                    pos = node == null ? 0 : node.last();
                } else {
                    pos = p;
                }
            }
        }

        /** Removes the current element and moves to the next one in the cursor's direction. */
        public void remove() {
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
                node = nextNode;
                pos = node == null ? 0 : (forward ? 0 : node.last());
            } else if (forward) {
                if (p >= n.used) {
                    node = n.next;
                    pos = 0;
                }
            } else {
                if (prevPos < 0) {
                    node = n.prev;
                    pos = node == null ? 0 : node.last();
                } else {
                    pos = prevPos;
                }
            }
        }

        /** Replaces the current element. */
        public void set(byte[] v) {
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
            return new Cursor(n, n.seek((int) skip), forward);
        }
        long skip = size - 1 - index; // elements after the target
        Node n = tail;
        while (skip >= n.count) {
            skip -= n.count;
            n = n.prev;
        }
        return new Cursor(n, n.seek(n.count - 1 - (int) skip), forward);
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
        Node n = c.node;
        if (n.plain || isLarge(v)) {
            // the element leaves or enters a node of its own
            Node own = isolate(n, c.pos);
            own.replace(0, v);
            own.recount();
            own.plain = isLarge(v);
            return true;
        }
        c.set(v);
        splitIfNeeded(n, fill);
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
                int end = head.seek((int) n);
                head.deleteRange(0, end, (int) n);
                head.recount();
                size -= n;
                n = 0;
            }
        }
    }

    /** Removes n elements from the tail. */
    public void removeTail(long n) {
        while (n > 0 && tail != null) {
            if (tail.count <= n) {
                n -= tail.count;
                size -= tail.count;
                unlink(tail);
            } else {
                int from = tail.seek(tail.count - (int) n);
                tail.deleteRange(from, tail.used, (int) n);
                tail.recount();
                size -= n;
                n = 0;
            }
        }
    }

    /**
     * Inserts v before or after the first element equal to pivot (from the head); false when the
     * pivot is absent.
     */
    public boolean insert(byte[] pivot, byte[] v, boolean after, int fill) {
        for (Node n = head; n != null; n = n.next) {
            for (int p = 0; p < n.used; p = n.next(p)) {
                if (n.equalsAt(p, pivot)) {
                    int at = after ? n.next(p) : p;
                    if (n.plain || isLarge(v)) {
                        insertOwnNode(n, at, v);
                    } else {
                        n.insert(at, v);
                        n.lpBytes += redisEntrySize(v);
                        splitIfNeeded(n, fill);
                    }
                    size++;
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
