package dev.cinnabar.server.store.hash;

import dev.cinnabar.server.store.RValue;
import dev.cinnabar.server.store.list.Listpack;
import dev.cinnabar.server.store.set.BytesTable;
import java.util.Random;
import java.util.function.BiConsumer;

/**
 * The hash type. Two encodings, as Redis 7.0:
 *
 * <ul>
 *   <li>"listpack": field, value, field, value... in one {@link Listpack} byte array, while the
 *       hash has at most hash-max-listpack-entries fields and no field or value is longer than
 *       hash-max-listpack-value bytes; lookups are linear, like Redis's;
 *   <li>"hashtable": a chained {@link BytesTable} of field nodes carrying the value (one small
 *       object per field), with Redis's reverse-binary SCAN cursor.
 * </ul>
 *
 * <p>The conversion is one way (a hash never goes back to listpack), and happens before a write
 * that would break a limit. Callers pass the limits, so the store does not read the config.
 */
public final class RHash implements RValue {
    /** A field of the hashtable encoding. */
    static final class Field extends BytesTable.Node {
        byte[] value;

        Field(byte[] field, byte[] value) {
            super(field);
            this.value = value;
        }
    }

    private Listpack lp = new Listpack();
    private BytesTable<Field> table;

    @Override
    public String type() {
        return "hash";
    }

    @Override
    public String encoding() {
        return table == null ? "listpack" : "hashtable";
    }

    public boolean isListpack() {
        return table == null;
    }

    /** The field table of the "hashtable" encoding, or null (DEBUG HTSTATS-KEY). */
    public BytesTable<?> hashTable() {
        return table;
    }

    /** Bytes the listpack's array holds, its spare room included (memory accounting); 0 as a hashtable. */
    public int listpackCapacity() {
        return table == null ? lp.capacity() : 0;
    }

    @Override
    public RHash copy() {
        RHash h = new RHash();
        if (table == null) {
            h.lp = lp.copy();
        } else {
            h.lp = null;
            h.table = new BytesTable<>();
            table.forEach(f -> h.table.addNew(new Field(f.member(), f.value)));
        }
        return h;
    }

    @Override
    public boolean isEmpty() {
        return size() == 0;
    }

    public int size() {
        return table == null ? lp.count() / 2 : table.size();
    }

    /** Position of the field's entry in the listpack, -1 when absent. */
    private int find(byte[] field) {
        for (int p = 0; p < lp.used(); p = lp.next(lp.next(p))) {
            if (lp.equalsAt(p, field)) {
                return p;
            }
        }
        return -1;
    }

    public byte[] get(byte[] field) {
        if (table != null) {
            Field f = table.find(field);
            return f == null ? null : f.value;
        }
        int p = find(field);
        return p < 0 ? null : lp.get(lp.next(p));
    }

    public boolean contains(byte[] field) {
        return table != null ? table.contains(field) : find(field) >= 0;
    }

    /** Length of the field's value, 0 when absent. */
    public int valueLength(byte[] field) {
        if (table != null) {
            Field f = table.find(field);
            return f == null ? 0 : f.value.length;
        }
        int p = find(field);
        return p < 0 ? 0 : lp.len(lp.next(p));
    }

    /**
     * Converts to hashtable when a write of these lengths would break the listpack limits
     * (Redis's hashTypeTryConversion): called with every field and value a command will set.
     */
    public void convertIfTooLong(int length, long maxValue) {
        if (table == null && length > maxValue) {
            convert();
        }
    }

    /**
     * Sets field to value; true when the field is new. Converts to hashtable first when the field
     * or value is longer than maxValue, and after adding when there are more than maxEntries fields.
     */
    public boolean set(byte[] field, byte[] value, long maxEntries, long maxValue) {
        if (table == null && (field.length > maxValue || value.length > maxValue)) {
            convert();
        }
        if (table != null) {
            Field f = table.find(field);
            if (f != null) {
                f.value = value;
                return false;
            }
            table.addNew(new Field(field, value));
            return true;
        }
        int p = find(field);
        if (p >= 0) {
            lp.replace(lp.next(p), value);
            return false;
        }
        lp.append(field);
        lp.append(value);
        if (size() > maxEntries) {
            convert();
        }
        return true;
    }

    /** Removes field; true when it was present. */
    public boolean delete(byte[] field) {
        if (table != null) {
            return table.remove(field) != null;
        }
        int p = find(field);
        if (p < 0) {
            return false;
        }
        lp.deleteRange(p, lp.next(lp.next(p)), 2);
        return true;
    }

    private void convert() {
        BytesTable<Field> t = new BytesTable<>();
        for (int p = 0; p < lp.used(); ) {
            int v = lp.next(p);
            t.addNew(new Field(lp.get(p), lp.get(v)));
            p = lp.next(v);
        }
        table = t;
        lp = null;
    }

    /** Visits every field and value, in listpack order or table order. */
    public void forEach(BiConsumer<byte[], byte[]> f) {
        if (table != null) {
            table.forEach(x -> f.accept(x.member(), x.value));
            return;
        }
        for (int p = 0; p < lp.used(); ) {
            int v = lp.next(p);
            f.accept(lp.get(p), lp.get(v));
            p = lp.next(v);
        }
    }

    /** Receives a field and its value as slices of arrays it must not keep. */
    @FunctionalInterface
    public interface SliceVisitor {
        void visit(byte[] f, int fOff, int fLen, byte[] v, int vOff, int vLen);
    }

    /**
     * As {@link #forEach}, without copying: in the listpack encoding the slices are of the
     * listpack's own array (the RDB writer encodes straight from them).
     */
    public void forEachSlice(SliceVisitor visitor) {
        if (table != null) {
            table.forEach(x -> visitor.visit(x.member(), 0, x.member().length, x.value, 0, x.value.length));
            return;
        }
        byte[] b = lp.array();
        for (int p = 0; p < lp.used(); ) {
            int v = lp.next(p);
            visitor.visit(b, lp.dataOffset(p), lp.len(p), b, lp.dataOffset(v), lp.len(v));
            p = lp.next(v);
        }
    }

    /**
     * One HSCAN step of the hashtable encoding (fields and values alternate in out); returns the
     * next cursor. The listpack encoding is scanned whole by the caller with forEach.
     */
    public long scan(long cursor, BiConsumer<byte[], byte[]> out) {
        if (table == null) {
            forEach(out);
            return 0;
        }
        return table.scan(cursor, x -> out.accept(x.member(), x.value));
    }

    /** A random field and value ({field, value}), or null when empty. */
    public byte[][] random(Random rnd) {
        if (table != null) {
            Field f = table.random(rnd);
            return f == null ? null : new byte[][] {f.member(), f.value};
        }
        int n = size();
        if (n == 0) {
            return null;
        }
        return pairAt(rnd.nextInt(n));
    }

    /** The i-th pair of the listpack encoding. */
    private byte[][] pairAt(int i) {
        int p = lp.seek(2 * i);
        return new byte[][] {lp.get(p), lp.get(lp.next(p))};
    }

    /** All pairs in encoding order ({f, v} each): for the random-subset cases of HRANDFIELD. */
    public byte[][][] pairs() {
        byte[][][] out = new byte[size()][][];
        int[] i = {0};
        forEach((f, v) -> out[i[0]++] = new byte[][] {f, v});
        return out;
    }
}
