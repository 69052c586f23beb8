package dev.cinnabar.server.store.stream;

import dev.cinnabar.server.store.RValue;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * A stream: entries ordered by ID, stored in nodes of up to stream-node-max-entries entries (or
 * about stream-node-max-bytes bytes), as Redis's radix tree of listpacks.
 *
 * <p>Layout: each {@link Node} keeps its entries' IDs in two {@code long[]} (ms, seq) and all
 * their fields and values in one {@code byte[]} (per entry a varint element count, then each
 * element as varint length + bytes), so an entry costs a few bytes of overhead instead of an
 * object per field. Deleting an entry marks it (as Redis does inside a listpack); a node whose
 * entries are all deleted is dropped. Nodes live in an array list ordered by their first ID,
 * found by binary search.
 *
 * <p>Invariants: IDs strictly increase across and within nodes; {@code length} counts live
 * entries; {@code lastId} is the greatest ID ever added or set (XSETID), never decreasing except
 * through XSETID's own checks. A stream is never "empty" for the keyspace: an XDEL'd or trimmed
 * stream stays as a key with length 0, as in Redis.
 */
public final class Stream implements RValue {
    /** A node: up to max-entries entries in compact arrays. */
    static final class Node {
        long[] ms = new long[8];
        long[] seq = new long[8];
        int[] off = new int[8];
        boolean[] deleted = new boolean[8];
        byte[] data = new byte[64];
        int dataLen;
        int count; // entries including deleted ones
        int live;

        StreamId first() {
            return new StreamId(ms[0], seq[0]);
        }

        StreamId id(int i) {
            return new StreamId(ms[i], seq[i]);
        }

        int compareAt(int i, StreamId id) {
            int c = Long.compareUnsigned(ms[i], id.ms());
            return c != 0 ? c : Long.compareUnsigned(seq[i], id.seq());
        }

        void add(StreamId id, byte[][] argv, int from, int to) {
            if (count == ms.length) {
                int n = count * 2;
                ms = Arrays.copyOf(ms, n);
                seq = Arrays.copyOf(seq, n);
                off = Arrays.copyOf(off, n);
                deleted = Arrays.copyOf(deleted, n);
            }
            int need = 5;
            for (int i = from; i < to; i++) {
                need += 5 + argv[i].length;
            }
            if (dataLen + need > data.length) {
                data = Arrays.copyOf(data, Math.max(data.length * 2, dataLen + need));
            }
            ms[count] = id.ms();
            seq[count] = id.seq();
            off[count] = dataLen;
            dataLen = putVarint(data, dataLen, to - from);
            for (int i = from; i < to; i++) {
                dataLen = putVarint(data, dataLen, argv[i].length);
                System.arraycopy(argv[i], 0, data, dataLen, argv[i].length);
                dataLen += argv[i].length;
            }
            count++;
            live++;
        }

        byte[][] fields(int i) {
            int[] pos = {off[i]};
            int n = getVarint(data, pos);
            byte[][] out = new byte[n][];
            for (int k = 0; k < n; k++) {
                int len = getVarint(data, pos);
                out[k] = Arrays.copyOfRange(data, pos[0], pos[0] + len);
                pos[0] += len;
            }
            return out;
        }

        /** Index of the first entry with ID >= id (count when none). */
        int lowerBound(StreamId id) {
            int lo = 0;
            int hi = count;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (compareAt(mid, id) < 0) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            return lo;
        }

        Node copy() {
            Node n = new Node();
            n.ms = ms.clone();
            n.seq = seq.clone();
            n.off = off.clone();
            n.deleted = deleted.clone();
            n.data = Arrays.copyOf(data, dataLen);
            n.dataLen = dataLen;
            n.count = count;
            n.live = live;
            return n;
        }
    }

    private final List<Node> nodes = new ArrayList<>();
    private long length;
    private StreamId lastId = StreamId.MIN;
    private StreamId firstId = StreamId.MIN; // recorded first entry ID (0-0 when empty)
    private StreamId maxDeletedId = StreamId.MIN;
    private long entriesAdded;
    /** Estimated listpack bytes of the tail node (for stream-node-max-bytes). */
    private long tailBytes;
    /** Consumer groups by name (unsigned byte order, as Redis lists them); null until the first one. */
    private TreeMap<byte[], StreamGroup> groups;

    @Override
    public String type() {
        return "stream";
    }

    @Override
    public String encoding() {
        return "stream";
    }

    @Override
    public boolean isEmpty() {
        return false; // empty streams stay in the keyspace
    }

    @Override
    public Stream copy() {
        Stream s = new Stream();
        for (Node n : nodes) {
            s.nodes.add(n.copy());
        }
        s.length = length;
        s.lastId = lastId;
        s.firstId = firstId;
        s.maxDeletedId = maxDeletedId;
        s.entriesAdded = entriesAdded;
        s.tailBytes = tailBytes;
        if (groups != null) {
            s.groups = new TreeMap<>(Arrays::compareUnsigned);
            groups.forEach((name, g) -> s.groups.put(name, g.copy()));
        }
        return s;
    }

    public long length() {
        return length;
    }

    public StreamId lastId() {
        return lastId;
    }

    public StreamId recordedFirstId() {
        return firstId;
    }

    public StreamId maxDeletedId() {
        return maxDeletedId;
    }

    public long entriesAdded() {
        return entriesAdded;
    }

    public int nodeCount() {
        return nodes.size();
    }

    /**
     * Heap bytes of node i (memory accounting): the object and its five arrays at their capacities
     * (they grow by doubling).
     */
    public long nodeBytes(int i) {
        Node n = nodes.get(i);
        return 40 + 16 + 8L * n.ms.length + 16 + 8L * n.seq.length + 16 + 4L * n.off.length + 16 + n.deleted.length
                + 16 + n.data.length + 8;
    }

    // ---- consumer groups

    /** The group with this name, or null. */
    public StreamGroup group(byte[] name) {
        return groups == null ? null : groups.get(name);
    }

    /** Creates a group; null when one with this name exists. */
    public StreamGroup createGroup(byte[] name, StreamId lastId, long entriesRead) {
        if (groups == null) {
            groups = new TreeMap<>(Arrays::compareUnsigned);
        }
        if (groups.containsKey(name)) {
            return null;
        }
        StreamGroup g = new StreamGroup(lastId, entriesRead);
        groups.put(name.clone(), g);
        return g;
    }

    /** Removes a group; false when absent. */
    public boolean destroyGroup(byte[] name) {
        return groups != null && groups.remove(name) != null;
    }

    /** The groups by name, in Redis's listing order. */
    public NavigableMap<byte[], StreamGroup> groups() {
        return groups == null ? java.util.Collections.emptyNavigableMap()
                : java.util.Collections.unmodifiableNavigableMap(groups);
    }

    /**
     * True when the latest tombstone (max deleted ID) lies within [start, end] (null = open) and
     * after the first live entry: a group's read counter cannot simply be incremented across it.
     */
    public boolean rangeHasTombstones(StreamId start, StreamId end) {
        if (length == 0 || maxDeletedId.isZero() || firstId.compareTo(maxDeletedId) > 0) {
            return false;
        }
        StreamId from = start == null ? StreamId.MIN : start;
        StreamId to = end == null ? StreamId.MAX : end;
        return from.compareTo(maxDeletedId) <= 0 && maxDeletedId.compareTo(to) <= 0;
    }

    /**
     * The logical read counter of an ID: how many entries were added up to it since the stream
     * began, when that can be known from the counters alone (the ID is the last one, or at or
     * before the first live entry while the latest tombstone is before that entry); otherwise
     * {@link StreamGroup#INVALID_ENTRIES_READ}. As Redis 7.0.15 (later versions also give up for
     * an ID below the latest tombstone; 7.0 does not, so neither do we).
     */
    public long estimateDistanceFromFirstEverEntry(StreamId id) {
        if (entriesAdded == 0) {
            return 0;
        }
        if (length == 0 && id.compareTo(lastId) <= 0) {
            return entriesAdded;
        }
        int cmpLast = id.compareTo(lastId);
        if (cmpLast == 0) {
            return entriesAdded;
        }
        if (cmpLast > 0) {
            return StreamGroup.INVALID_ENTRIES_READ;
        }
        if (maxDeletedId.isZero() || maxDeletedId.compareTo(firstId) < 0) {
            int cmpFirst = id.compareTo(firstId);
            if (cmpFirst < 0) {
                return entriesAdded - length;
            }
            if (cmpFirst == 0) {
                return entriesAdded - length + 1;
            }
        }
        return StreamGroup.INVALID_ENTRIES_READ;
    }

    /** A group's lag (entries added but not yet read by it), or null when it cannot be known. */
    public Long lag(StreamGroup g) {
        if (entriesAdded == 0) {
            return 0L;
        }
        if (g.entriesRead() != StreamGroup.INVALID_ENTRIES_READ && !rangeHasTombstones(g.lastId(), null)) {
            return entriesAdded - g.entriesRead();
        }
        long read = estimateDistanceFromFirstEverEntry(g.lastId());
        return read == StreamGroup.INVALID_ENTRIES_READ ? null : entriesAdded - read;
    }

    /**
     * The node count of Redis's radix tree keyed by our nodes' first IDs (16 bytes, big endian),
     * for XINFO STREAM's radix-tree-nodes: a compressed trie where each branching point is a node,
     * each run of single-child bytes is one node and each key ends in an empty leaf node.
     */
    public long radixTreeNodes() {
        if (nodes.isEmpty()) {
            return 1;
        }
        byte[][] keys = new byte[nodes.size()][];
        for (int i = 0; i < keys.length; i++) {
            Node n = nodes.get(i);
            keys[i] = java.nio.ByteBuffer.allocate(16).putLong(n.ms[0]).putLong(n.seq[0]).array();
        }
        return trieNodes(keys, 0, keys.length, 0, true);
    }

    private static long trieNodes(byte[][] keys, int from, int to, int depth, boolean startsNode) {
        if (depth == 16) {
            return 1;
        }
        int groupsAt = 1;
        for (int i = from + 1; i < to; i++) {
            if (keys[i][depth] != keys[i - 1][depth]) {
                groupsAt++;
            }
        }
        if (groupsAt == 1) {
            return (startsNode ? 1 : 0) + trieNodes(keys, from, to, depth + 1, false);
        }
        long n = 1;
        int start = from;
        for (int i = from + 1; i <= to; i++) {
            if (i == to || keys[i][depth] != keys[start][depth]) {
                n += trieNodes(keys, start, i, depth + 1, true);
                start = i;
            }
        }
        return n;
    }

    /** Sets the last ID and optional counters (XSETID; the caller checked the rules). */
    public void setId(StreamId id, long entriesAdded, StreamId maxDeleted) {
        lastId = id;
        if (entriesAdded >= 0) {
            this.entriesAdded = entriesAdded;
        }
        if (maxDeleted != null && !maxDeleted.isZero()) {
            maxDeletedId = maxDeleted;
        }
    }

    /**
     * The ID XADD would give: auto ("*", given null), "ms-*" (seqGiven false) or explicit. Null
     * when it would not be greater than the last ID.
     */
    public StreamId nextId(StreamId given, boolean seqGiven, long nowMs) {
        if (given == null) {
            if (Long.compareUnsigned(nowMs, lastId.ms()) > 0) {
                return new StreamId(nowMs, 0);
            }
            return lastId.next();
        }
        if (!seqGiven) {
            int c = Long.compareUnsigned(given.ms(), lastId.ms());
            if (c > 0) {
                return new StreamId(given.ms(), 0);
            }
            if (c < 0 || lastId.seq() == -1L) {
                return null;
            }
            return new StreamId(given.ms(), lastId.seq() + 1);
        }
        return given.compareTo(lastId) > 0 ? given : null;
    }

    /** Appends an entry with fields argv[from..to) under id (greater than lastId). */
    public void append(StreamId id, byte[][] argv, int from, int to, long maxEntries, long maxBytes) {
        long elemBytes = 0;
        for (int i = from; i < to; i++) {
            elemBytes += argv[i].length + 2;
        }
        Node tail = nodes.isEmpty() ? null : nodes.get(nodes.size() - 1);
        if (tail != null && ((maxBytes > 0 && tailBytes + elemBytes >= maxBytes)
                || (maxEntries > 0 && tail.count >= maxEntries))) {
            tail = null;
        }
        if (tail == null) {
            tail = new Node();
            nodes.add(tail);
            tailBytes = 16 + elemBytes; // header and master entry
        }
        tail.add(id, argv, from, to);
        tailBytes += elemBytes / 4 + 6; // same fields as the master entry are not repeated
        length++;
        entriesAdded++;
        lastId = id;
        if (length == 1) {
            firstId = id;
        }
    }

    /** Receives one node's entries, deleted ones included, for serialisation (RDB, DUMP). */
    public interface NodeVisitor {
        void node(StreamId[] ids, boolean[] deleted, byte[][][] fields);
    }

    /** Visits the nodes in ID order with every entry a node still holds (tombstones too). */
    public void forEachNode(NodeVisitor v) {
        for (Node n : nodes) {
            StreamId[] ids = new StreamId[n.count];
            boolean[] deleted = new boolean[n.count];
            byte[][][] fields = new byte[n.count][][];
            for (int i = 0; i < n.count; i++) {
                ids[i] = n.id(i);
                deleted[i] = n.deleted[i];
                fields[i] = n.fields(i);
            }
            v.node(ids, deleted, fields);
        }
    }

    /**
     * Loading (RESTORE, RDB): appends a node holding these entries, deleted ones kept as
     * tombstones. IDs must increase, across nodes too, and the node must hold a live entry;
     * otherwise IllegalArgumentException and nothing changes.
     */
    public void loadNode(StreamId[] ids, boolean[] deleted, byte[][][] fields) {
        StreamId prev = nodes.isEmpty() ? null : nodes.get(nodes.size() - 1).id(nodes.get(nodes.size() - 1).count - 1);
        boolean anyLive = false;
        for (int i = 0; i < ids.length; i++) {
            if ((prev != null && ids[i].compareTo(prev) <= 0) || fields[i].length % 2 != 0) {
                throw new IllegalArgumentException("stream entries out of order");
            }
            prev = ids[i];
            anyLive |= !deleted[i];
        }
        if (!anyLive) {
            throw new IllegalArgumentException("stream node without live entries");
        }
        Node n = new Node();
        long bytes = 16;
        for (int i = 0; i < ids.length; i++) {
            n.add(ids[i], fields[i], 0, fields[i].length);
            if (deleted[i]) {
                n.deleted[i] = true;
                n.live--;
            } else {
                length++;
            }
            for (byte[] f : fields[i]) {
                bytes += f.length + 2;
            }
        }
        nodes.add(n);
        tailBytes = bytes;
    }

    /**
     * Loading: the stream's counters after its nodes. False (the payload is inconsistent) when
     * the length differs from the live entries loaded or the last ID is below the last entry.
     */
    public boolean loadCounters(long declaredLength, StreamId last, StreamId first, StreamId maxDeleted,
            long added) {
        if (declaredLength != length) {
            return false;
        }
        if (!nodes.isEmpty()) {
            Node t = nodes.get(nodes.size() - 1);
            if (t.id(t.count - 1).compareTo(last) > 0) {
                return false;
            }
        }
        lastId = last;
        firstId = length == 0 ? StreamId.MIN : first == null ? firstLiveId() : first;
        maxDeletedId = maxDeleted;
        entriesAdded = added;
        return true;
    }

    /** Deletes the entry with this ID; false when absent. Updates first and max-deleted IDs. */
    public boolean delete(StreamId id) {
        int ni = nodeFor(id);
        if (ni < 0) {
            return false;
        }
        Node n = nodes.get(ni);
        int i = n.lowerBound(id);
        if (i >= n.count || n.compareAt(i, id) != 0 || n.deleted[i]) {
            return false;
        }
        n.deleted[i] = true;
        n.live--;
        length--;
        if (n.live == 0) {
            nodes.remove(ni);
        }
        if (id.compareTo(maxDeletedId) > 0) {
            maxDeletedId = id;
        }
        if (length == 0) {
            firstId = StreamId.MIN;
        } else if (id.equals(firstId)) {
            firstId = firstLiveId();
        }
        return true;
    }

    /** Index of the last node whose first ID is <= id, or -1. */
    private int nodeFor(StreamId id) {
        int lo = 0;
        int hi = nodes.size() - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (nodes.get(mid).first().compareTo(id) <= 0) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }

    private StreamId firstLiveId() {
        for (Node n : nodes) {
            for (int i = 0; i < n.count; i++) {
                if (!n.deleted[i]) {
                    return n.id(i);
                }
            }
        }
        return StreamId.MIN;
    }

    /** The greatest live ID, or 0-0 when the stream has no entries. */
    public StreamId lastLiveId() {
        for (int k = nodes.size() - 1; k >= 0; k--) {
            Node n = nodes.get(k);
            for (int i = n.count - 1; i >= 0; i--) {
                if (!n.deleted[i]) {
                    return n.id(i);
                }
            }
        }
        return StreamId.MIN;
    }

    /**
     * Trims from the oldest entries: by maximum length (minId null) or removing IDs below minId.
     * approx removes only whole nodes; limit (0 = none) caps the entries removed. Returns the
     * number removed. As Redis, trimming leaves max-deleted-entry-id alone.
     */
    public long trim(long maxLen, StreamId minId, boolean approx, long limit) {
        long deleted = 0;
        while (!nodes.isEmpty()) {
            if (minId == null && length <= maxLen) {
                break;
            }
            Node n = nodes.get(0);
            long entries = n.live;
            if (limit > 0 && deleted + entries > limit) {
                break;
            }
            boolean removeNode;
            if (minId == null) {
                removeNode = length - entries >= maxLen;
            } else {
                removeNode = n.id(n.count - 1).compareTo(minId) < 0;
            }
            if (removeNode) {
                nodes.remove(0);
                length -= entries;
                deleted += entries;
                continue;
            }
            if (approx) {
                break;
            }
            for (int i = 0; i < n.count; i++) {
                if (n.deleted[i]) {
                    continue;
                }
                if (minId == null ? length <= maxLen : n.compareAt(i, minId) >= 0) {
                    break;
                }
                n.deleted[i] = true;
                n.live--;
                length--;
                deleted++;
            }
            break;
        }
        if (deleted > 0) {
            firstId = length == 0 ? StreamId.MIN : firstLiveId();
        }
        return deleted;
    }

    /** Receives entries of a range; return false to stop. */
    @FunctionalInterface
    public interface EntryVisitor {
        boolean visit(StreamId id, byte[][] fields);
    }

    /**
     * Visits live entries with start <= ID <= end, ascending or (reverse) descending, at most
     * count (0 = no limit). Returns the number visited.
     */
    public long range(StreamId start, StreamId end, boolean reverse, long count, EntryVisitor v) {
        if (start.compareTo(end) > 0) {
            return 0;
        }
        long seen = 0;
        if (!reverse) {
            int ni = Math.max(nodeFor(start), 0);
            for (; ni < nodes.size(); ni++) {
                Node n = nodes.get(ni);
                for (int i = n.lowerBound(start); i < n.count; i++) {
                    if (n.compareAt(i, end) > 0) {
                        return seen;
                    }
                    if (n.deleted[i]) {
                        continue;
                    }
                    seen++;
                    if (!v.visit(n.id(i), n.fields(i)) || (count > 0 && seen >= count)) {
                        return seen;
                    }
                }
            }
            return seen;
        }
        for (int ni = nodeFor(end); ni >= 0; ni--) {
            Node n = nodes.get(ni);
            int i = n.lowerBound(end);
            if (i >= n.count || n.compareAt(i, end) > 0) {
                i--;
            }
            for (; i >= 0; i--) {
                if (n.compareAt(i, start) < 0) {
                    return seen;
                }
                if (n.deleted[i]) {
                    continue;
                }
                seen++;
                if (!v.visit(n.id(i), n.fields(i)) || (count > 0 && seen >= count)) {
                    return seen;
                }
            }
        }
        return seen;
    }

    /** The fields of the live entry with this ID, or null. */
    public byte[][] get(StreamId id) {
        int ni = nodeFor(id);
        if (ni < 0) {
            return null;
        }
        Node n = nodes.get(ni);
        int i = n.lowerBound(id);
        if (i >= n.count || n.compareAt(i, id) != 0 || n.deleted[i]) {
            return null;
        }
        return n.fields(i);
    }

    static int putVarint(byte[] b, int p, int v) {
        while ((v & ~0x7f) != 0) {
            b[p++] = (byte) ((v & 0x7f) | 0x80);
            v >>>= 7;
        }
        b[p++] = (byte) v;
        return p;
    }

    static int getVarint(byte[] b, int[] pos) {
        int p = pos[0];
        int v = 0;
        int shift = 0;
        while (true) {
            int x = b[p++];
            v |= (x & 0x7f) << shift;
            if ((x & 0x80) == 0) {
                break;
            }
            shift += 7;
        }
        pos[0] = p;
        return v;
    }
}
