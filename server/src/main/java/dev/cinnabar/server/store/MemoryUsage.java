package dev.cinnabar.server.store;

import dev.cinnabar.server.store.hash.RHash;
import dev.cinnabar.server.store.list.QuickList;
import dev.cinnabar.server.store.set.RSet;
import dev.cinnabar.server.store.stream.Stream;
import dev.cinnabar.server.store.stream.StreamId;
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
     * bounded sample (a list's nodes sampled too), plus its expires entry. Bounded cost whatever
     * the value's size; deterministic for a given state, so charges taken before and after a
     * write telescope to the estimate of what is stored now.
     */
    static long accounted(byte[] key, Object value, boolean hasExpire, int samples) {
        long v = value instanceof QuickList l ? 40 + l.bytesSampled(samples) : value(value, samples);
        return keyOverhead(key) + v + (hasExpire ? EXPIRE_ENTRY : 0);
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
            // listpack entries: the bytes plus about 2 bytes of header and back-length each
            h.forEach((f, v) -> s.add(f.length + v.length + 4));
            return 16 + 24 + array(s.bytes + 6);
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
        boolean compact = z.isCompact();
        Sample s = new Sample(compact ? 0 : samples);
        z.walk(0, compact || samples == 0 ? z.size() : samples, false, (m, score) -> s.add(compact
                ? m.length + 10 // member bytes, a score of up to 8 bytes, entry headers
                // skiplist node (32) with its level array (~24), the member index entry (36), member bytes
                : 32 + 24 + 36 + array(m.length)));
        return compact ? 16 + 24 + array(s.bytes) : 16 + 64 + s.extrapolate(z.size());
    }

    private static long stream(Stream st, int samples) {
        Sample s = new Sample(samples);
        st.range(StreamId.MIN, StreamId.MAX, false, samples == 0 ? 0 : samples, (id, fields) -> {
            long b = 8 + 8 + 4 + 1 + 1; // id (ms, seq), offset, deleted flag, element count
            for (byte[] f : fields) {
                b += 1 + f.length;
            }
            return s.add(b);
        });
        // each node: the object and five arrays' headers; the stream object, its node list
        return 64 + st.nodeCount() * (64L + 5 * 16) + s.extrapolate(st.length()) + groups(st);
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
