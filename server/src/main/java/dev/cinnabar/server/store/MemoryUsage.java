package dev.cinnabar.server.store;

import dev.cinnabar.server.store.hash.RHash;
import dev.cinnabar.server.store.list.QuickList;
import dev.cinnabar.server.store.set.RSet;
import dev.cinnabar.server.store.stream.Stream;
import dev.cinnabar.server.store.zset.ZSet;

/**
 * MEMORY USAGE: an estimate of the Java heap a key and its value hold, as Redis's
 * objectComputeSize estimates allocator bytes. The sizes follow the object layouts of a 64-bit
 * HotSpot JVM with compressed references (12-byte object headers, 16-byte array headers, 8-byte
 * alignment) and of our encodings; aggregates with one object per element are sampled like Redis
 * does (the first {@code samples} elements, 0 = all) and the average is multiplied by the count.
 * Compact encodings (listpack, intset) are small by construction and measured whole.
 *
 * <p>It is an estimate: the JVM does not say how big an object graph is without walking it, and a
 * walk of a million-element value is what sampling is there to avoid.
 */
public final class MemoryUsage {
    private MemoryUsage() {
    }

    /** Bytes of a byte array of length n. */
    static long array(long n) {
        return align(16 + n);
    }

    static long align(long n) {
        return (n + 7) & ~7L;
    }

    /** A dictionary entry (32 bytes), its bucket slot and the key's bytes. */
    static long keyOverhead(byte[] key) {
        return 32 + 4 + array(key.length);
    }

    /** Key plus value, as MEMORY USAGE replies. */
    public static long of(byte[] key, Object value, int samples) {
        return keyOverhead(key) + value(value, samples);
    }

    /** An entry of the expires dict: the entry (32), its bucket slot and the boxed expiry time. */
    static final long EXPIRE_ENTRY = 32 + 4 + 16;

    /**
     * What the memory accounting charges for a key: key, entry and value as {@link #of} with a
     * bounded sample (a list's nodes sampled too); its expires entry ({@link #EXPIRE_ENTRY}) is
     * charged by {@link Db}. Bounded cost whatever the value's size; deterministic for a given
     * state, so charges taken before and after a write telescope to the estimate of what is
     * stored now.
     */
    static long accounted(byte[] key, Object value, int samples) {
        long v = value instanceof QuickList l ? 40 + l.bytesSampled(samples) : value(value, samples);
        return keyOverhead(key) + v;
    }

    /** The value's own bytes. */
    public static long value(Object v, int samples) {
        if (v instanceof byte[] b) {
            return array(b.length);
        }
        if (v instanceof Long || v instanceof IntCounter) {
            return Strings.isShared(v) ? 0 : 16;
        }
        if (v instanceof RawString r) {
            return 16 + array(r.length());
        }
        if (v instanceof QuickList l) {
            return 40 + l.bytes(); // per node: its listpack array plus the node object
        }
        if (v instanceof RHash h) {
            return hash(h, samples);
        }
        if (v instanceof RSet s) {
            return set(s, samples);
        }
        if (v instanceof ZSet z) {
            return zset(z, samples);
        }
        if (v instanceof Stream s) {
            return stream(s, samples);
        }
        throw new IllegalArgumentException("not a value: " + v.getClass());
    }

    /** Sums sizes of sampled elements; {@link #extrapolate} turns that into the whole value's. */
    private static final class Sample {
        final int max;
        long bytes;
        long n;

        Sample(int max) {
            this.max = max;
        }

        boolean add(long b) {
            bytes += b;
            n++;
            return max == 0 || n < max;
        }

        long extrapolate(long count) {
            return n == 0 ? 0 : (long) ((double) bytes / n * count);
        }
    }

    private static long hash(RHash h, int samples) {
        Sample s = new Sample(h.isListpack() ? 0 : samples);
        if (h.isListpack()) {
            // the hash and listpack objects, and the listpack's array with its spare room
            return 16 + 24 + array(h.listpackCapacity());
        }
        // hashtable: a field node (32), a bucket slot, and the field's and value's arrays
        long cursor = 0;
        do {
            cursor = h.scan(cursor, (f, v) -> {
                if (s.max == 0 || s.n < s.max) {
                    s.add(32 + 4 + array(f.length) + array(v.length));
                }
            });
        } while (cursor != 0 && (s.max == 0 || s.n < s.max));
        return 16 + 32 + s.extrapolate(h.size());
    }

    private static long set(RSet set, int samples) {
        if (set.encoding().equals("intset")) {
            return 16 + 32 + array(set.intsetWidth() * (long) set.size());
        }
        Sample s = new Sample(samples);
        long cursor = 0;
        do {
            cursor = set.scan(cursor, m -> {
                if (s.max == 0 || s.n < s.max) {
                    s.add(24 + 4 + array(m.length)); // member node, bucket slot, member bytes
                }
            });
        } while (cursor != 0 && (s.max == 0 || s.n < s.max));
        return 16 + 32 + s.extrapolate(set.size());
    }

    private static long zset(ZSet z, int samples) {
        if (z.isCompact()) {
            return 16 + array(z.packLength()); // the set object and its packed array
        }
        Sample s = new Sample(samples);
        // a skiplist node with its two inline levels (a quarter of the nodes have an upper array)
        // doubling as the member index's entry (64), its index bucket slots (8), the member bytes
        z.walk(0, samples == 0 ? z.size() : samples, false, (m, score) -> s.add(64 + 8 + array(m.length)));
        return 16 + 64 + s.extrapolate(z.size());
    }

    private static long stream(Stream st, int samples) {
        // the stream object and its node list, then the nodes: the last one measured, the others
        // (full nodes of stream-node-max-entries entries) estimated from the first, or each
        // measured when samples is 0
        int nodes = st.nodeCount();
        long b = 64 + 16 + 4L * nodes;
        if (nodes > 0) {
            if (samples == 0) {
                for (int i = 0; i < nodes; i++) {
                    b += st.nodeBytes(i);
                }
            } else {
                b += st.nodeBytes(nodes - 1) + (nodes > 1 ? (nodes - 1) * st.nodeBytes(0) : 0);
            }
        }
        return b + groups(st);
    }

    /**
     * Consumer groups: a group or consumer object with its tree map and name; per pending entry a
     * record (32), its ID (24) and an entry in the group's and in the consumer's tree map (40 each).
     */
    private static long groups(Stream st) {
        long b = 0;
        for (var g : st.groups().entrySet()) {
            b += 40 + 48 + array(g.getKey().length) + 136L * g.getValue().pel().size();
            for (var c : g.getValue().consumers().entrySet()) {
                b += 40 + 32 + 48 + array(c.getKey().length);
            }
        }
        return b;
    }
}
