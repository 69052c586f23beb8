package dev.cinnabar.server.store.list;

import java.util.Arrays;

/**
 * A compact sequence of byte strings in one {@code byte[]}: the node of a {@link QuickList} and the
 * small encoding of hashes (field, value, field, value...).
 *
 * <p>Entry layout: {@code len data backlen}, where {@code len} is the data length as an unsigned
 * LEB128 varint and {@code backlen} the same number with its bytes in reverse order, so the
 * sequence can be walked both ways without an index: a string under 128 bytes costs 2 bytes of
 * overhead. Positions are byte offsets of an entry's first byte; {@link #used()} is the end.
 * Inserting or removing moves the bytes after the position (as Redis's listpack memmove), so
 * nodes are kept small by their owners.
 */
public class Listpack {
    private static final byte[] EMPTY = new byte[0];
    byte[] buf;
    int used;
    int count;

    public Listpack() {
        this.buf = EMPTY;
    }

    public Listpack(int capacity) {
        this.buf = capacity == 0 ? EMPTY : new byte[capacity];
    }

    public Listpack copy() {
        Listpack l = new Listpack();
        l.buf = Arrays.copyOf(buf, used);
        l.used = used;
        l.count = count;
        return l;
    }

    public int count() {
        return count;
    }

    /** Bytes in use. */
    public int used() {
        return used;
    }

    /** Bytes held (for memory accounting). */
    public int capacity() {
        return buf.length;
    }

    public static int varLen(int v) {
        if (v < 1 << 7) {
            return 1;
        }
        if (v < 1 << 14) {
            return 2;
        }
        if (v < 1 << 21) {
            return 3;
        }
        if (v < 1 << 28) {
            return 4;
        }
        return 5;
    }

    /** Encoded size of an entry holding len data bytes. */
    public static int entrySize(int len) {
        return 2 * varLen(len) + len;
    }

    // ---- reading

    /** Data length of the entry at pos. */
    public int len(int pos) {
        int v = 0;
        int shift = 0;
        byte[] b = buf;
        while (true) {
            int x = b[pos++];
            v |= (x & 0x7f) << shift;
            if ((x & 0x80) == 0) {
                return v;
            }
            shift += 7;
        }
    }

    /** Offset of the data of the entry at pos. */
    public int dataOffset(int pos) {
        return pos + varLen(len(pos));
    }

    /** Position of the entry after the one at pos (== used() at the end). */
    public int next(int pos) {
        int l = len(pos);
        return pos + 2 * varLen(l) + l;
    }

    /** Position of the entry before the one at pos (pos may be used()); -1 before the first. */
    public int prev(int pos) {
        if (pos <= 0) {
            return -1;
        }
        int v = 0;
        int shift = 0;
        int p = pos - 1;
        while (true) {
            int x = buf[p--];
            v |= (x & 0x7f) << shift;
            if ((x & 0x80) == 0) {
                break;
            }
            shift += 7;
        }
        return pos - 2 * varLen(v) - v;
    }

    /** Position of the last entry, -1 when empty. */
    public int last() {
        return used == 0 ? -1 : prev(used);
    }

    public byte[] get(int pos) {
        int l = len(pos);
        int d = pos + varLen(l);
        return Arrays.copyOfRange(buf, d, d + l);
    }

    /** The raw array (read with dataOffset/len; never keep it across writes). */
    public byte[] array() {
        return buf;
    }

    public boolean equalsAt(int pos, byte[] v) {
        int l = len(pos);
        if (l != v.length) {
            return false;
        }
        int d = pos + varLen(l);
        return Arrays.equals(buf, d, d + l, v, 0, l);
    }

    /** Position of the index-th entry (0-based from the head), walking from the nearer end. */
    public int seek(int index) {
        if (index < count / 2 + 1) {
            int p = 0;
            for (int i = 0; i < index; i++) {
                p = next(p);
            }
            return p;
        }
        int p = used;
        for (int i = count; i > index; i--) {
            p = prev(p);
        }
        return p;
    }

    // ---- writing

    private void ensure(int extra) {
        int need = used + extra;
        if (need > buf.length) {
            int cap = Math.max(need, Math.min(buf.length * 2, Math.max(need, buf.length + (1 << 16))));
            cap = Math.max(cap, 16);
            buf = Arrays.copyOf(buf, cap);
        }
    }

    /** Inserts v as a new entry at pos (an entry boundary or used()). */
    public void insert(int pos, byte[] v) {
        insert(pos, v, 0, v.length);
    }

    public void insert(int pos, byte[] v, int off, int len) {
        int size = entrySize(len);
        ensure(size);
        System.arraycopy(buf, pos, buf, pos + size, used - pos);
        write(pos, v, off, len);
        used += size;
        count++;
    }

    public void append(byte[] v) {
        insert(used, v);
    }

    private void write(int pos, byte[] v, int off, int len) {
        int p = pos;
        int x = len;
        while (x >= 0x80) {
            buf[p++] = (byte) ((x & 0x7f) | 0x80);
            x >>>= 7;
        }
        buf[p++] = (byte) x;
        System.arraycopy(v, off, buf, p, len);
        p += len;
        int n = varLen(len);
        // backlen: the same varint groups in reverse order, lowest group last (read first backwards)
        x = len;
        for (int i = 0; i < n; i++) {
            int b = x & 0x7f;
            x >>>= 7;
            buf[p + n - 1 - i] = (byte) (i < n - 1 ? b | 0x80 : b);
        }
    }

    /** Removes the entry at pos. */
    public void delete(int pos) {
        int end = next(pos);
        deleteRange(pos, end, 1);
    }

    /** Removes the bytes [from, to) holding n entries. */
    public void deleteRange(int from, int to, int n) {
        System.arraycopy(buf, to, buf, from, used - to);
        used -= to - from;
        count -= n;
        if (buf.length > 64 && used < buf.length / 4) {
            buf = Arrays.copyOf(buf, Math.max(16, used * 2));
        }
    }

    /** Replaces the entry at pos with v. */
    public void replace(int pos, byte[] v) {
        int end = next(pos);
        int old = end - pos;
        int size = entrySize(v.length);
        if (size > old) {
            ensure(size - old);
        }
        System.arraycopy(buf, end, buf, pos + size, used - end);
        used += size - old;
        write(pos, v, 0, v.length);
    }

    /** Drops spare capacity. */
    public void trimToSize() {
        if (buf.length != used) {
            buf = Arrays.copyOf(buf, used);
        }
    }
}
