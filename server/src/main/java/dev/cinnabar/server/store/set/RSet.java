package dev.cinnabar.server.store.set;

import dev.cinnabar.server.store.Numbers;
import dev.cinnabar.server.store.RValue;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.function.Consumer;

/**
 * A set of byte-string members, with Redis 7.0's two encodings hidden from callers:
 * <ul>
 *   <li>"intset": every member is the canonical decimal form of a 64-bit integer and there are at
 *       most set-max-intset-entries of them; stored in an {@link IntSet} (2-8 bytes a member),
 *       iterated in ascending numeric order.
 *   <li>"hashtable": anything else; a {@link BytesTable} of members.
 * </ul>
 * Conversion is one-way (intset to hashtable), on adding a non-integer member or passing the limit.
 */
public final class RSet implements RValue {
    private IntSet ints = new IntSet();
    private BytesTable<BytesTable.Node> table;

    @Override
    public String type() {
        return "set";
    }

    @Override
    public String encoding() {
        return ints != null ? "intset" : "hashtable";
    }

    /** The member table of the "hashtable" encoding, or null (DEBUG HTSTATS-KEY). */
    public BytesTable<?> hashTable() {
        return ints != null ? null : table;
    }

    @Override
    public boolean isEmpty() {
        return size() == 0;
    }

    /** Bytes per member of the intset encoding (2, 4 or 8); 0 for a hashtable. */
    public int intsetWidth() {
        return ints == null ? 0 : ints.width();
    }

    public int size() {
        return ints != null ? ints.size() : table.size();
    }

    @Override
    public RSet copy() {
        RSet s = new RSet();
        if (ints != null) {
            s.ints = ints.copy();
        } else {
            s.ints = null;
            s.table = new BytesTable<>();
            table.forEach(n -> s.table.addNew(new BytesTable.Node(n.member())));
        }
        return s;
    }

    private static final ThreadLocal<long[]> LONG_OUT = ThreadLocal.withInitial(() -> new long[1]);

    /** The integer value of member if it is the canonical form of a long (Redis's string2ll), else null. */
    private static boolean asLong(byte[] member, long[] out) {
        return member.length <= 20 && Numbers.parseLongStrict(member, 0, member.length, out);
    }

    public boolean contains(byte[] member) {
        if (ints != null) {
            long[] v = LONG_OUT.get();
            return asLong(member, v) && ints.contains(v[0]);
        }
        return table.contains(member);
    }

    /**
     * Adds member; true if it was not present. maxIntsetEntries is set-max-intset-entries: the
     * set leaves the intset encoding when it would hold more integers than that.
     */
    public boolean add(byte[] member, long maxIntsetEntries) {
        if (ints != null) {
            long[] v = LONG_OUT.get();
            if (asLong(member, v)) {
                if (!ints.add(v[0])) {
                    return false;
                }
                if (ints.size() > Math.min(maxIntsetEntries, 1L << 30)) {
                    convertToTable();
                }
                return true;
            }
            convertToTable();
        }
        if (table.contains(member)) {
            return false;
        }
        table.addNew(new BytesTable.Node(member));
        return true;
    }

    /** Removes member; true if it was present. */
    public boolean remove(byte[] member) {
        if (ints != null) {
            long[] v = LONG_OUT.get();
            return asLong(member, v) && ints.remove(v[0]);
        }
        return table.remove(member) != null;
    }

    private void convertToTable() {
        BytesTable<BytesTable.Node> t = new BytesTable<>();
        for (int i = 0; i < ints.size(); i++) {
            t.addNew(new BytesTable.Node(bytes(ints.get(i))));
        }
        table = t;
        ints = null;
    }

    private static byte[] bytes(long v) {
        return Long.toString(v).getBytes(StandardCharsets.US_ASCII);
    }

    /** Visits every member: ascending numbers for intset, table order for hashtable. */
    public void forEach(Consumer<byte[]> visitor) {
        if (ints != null) {
            for (int i = 0; i < ints.size(); i++) {
                visitor.accept(bytes(ints.get(i)));
            }
        } else {
            table.forEach(n -> visitor.accept(n.member()));
        }
    }

    /** A random member; the set must not be empty. */
    public byte[] random(Random rnd) {
        if (ints != null) {
            return bytes(ints.get(rnd.nextInt(ints.size())));
        }
        return table.random(rnd).member();
    }

    /** Removes and returns a random member; the set must not be empty. */
    public byte[] pop(Random rnd) {
        if (ints != null) {
            long v = ints.get(rnd.nextInt(ints.size()));
            ints.remove(v);
            return bytes(v);
        }
        BytesTable.Node n = table.random(rnd);
        table.remove(n.member());
        return n.member();
    }

    /**
     * Visits n distinct random members (n below size). Intsets draw n distinct positions with a
     * partial Fisher-Yates shuffle (O(size)); hashtables sample with rejection when n is small
     * relative to the set, otherwise they thin a scratch copy down to n.
     */
    public void randomDistinct(int n, Random rnd, Consumer<byte[]> visitor) {
        if (ints != null) {
            for (int i : distinctIndexes(n, ints.size(), rnd)) {
                visitor.accept(bytes(ints.get(i)));
            }
            return;
        }
        if (n * 3L > table.size()) {
            RSet pool = copy();
            while (pool.size() > n) {
                pool.pop(rnd);
            }
            pool.forEach(visitor);
            return;
        }
        BytesTable<BytesTable.Node> picked = new BytesTable<>();
        while (picked.size() < n) {
            BytesTable.Node x = table.random(rnd);
            if (!picked.contains(x.member())) {
                picked.addNew(new BytesTable.Node(x.member()));
                visitor.accept(x.member());
            }
        }
    }

    /** Removes n random members (n below size) and visits them; O(size) for an intset, O(n) else. */
    public void popMany(int n, Random rnd, Consumer<byte[]> visitor) {
        if (ints != null) {
            java.util.BitSet gone = new java.util.BitSet(ints.size());
            for (int i : distinctIndexes(n, ints.size(), rnd)) {
                gone.set(i);
                visitor.accept(bytes(ints.get(i)));
            }
            ints.removeIndexes(gone);
            return;
        }
        for (int i = 0; i < n; i++) {
            visitor.accept(pop(rnd));
        }
    }

    /** n distinct positions in [0, size), in random order (partial Fisher-Yates). */
    private static int[] distinctIndexes(int n, int size, Random rnd) {
        int[] idx = new int[size];
        for (int i = 0; i < size; i++) {
            idx[i] = i;
        }
        for (int i = 0; i < n; i++) {
            int j = i + rnd.nextInt(size - i);
            int t = idx[i];
            idx[i] = idx[j];
            idx[j] = t;
        }
        return java.util.Arrays.copyOf(idx, n);
    }

    /**
     * One SSCAN step: an intset returns everything at once (cursor 0, as Redis); a hashtable scans
     * with the reverse-binary cursor.
     */
    public long scan(long cursor, Consumer<byte[]> visitor) {
        if (ints != null) {
            forEach(visitor);
            return 0;
        }
        return table.scan(cursor, n -> visitor.accept(n.member()));
    }
}
