package dev.cinnabar.server.store.set;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A sorted array of distinct 64-bit integers stored at the smallest width that fits them all
 * (2, 4 or 8 bytes per element), like Redis's intset: the "intset" encoding of small all-integer
 * sets. Lookups are binary searches; inserts and removals shift the tail. Adding a value that
 * does not fit the current width upgrades every element (it then goes to one end of the array).
 * The width never shrinks, as in Redis.
 */
public final class IntSet {
    private static final VarHandle I16 = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle I32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle I64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private int width = 2;
    private byte[] data = new byte[0];
    private int size;

    public int size() {
        return size;
    }

    /** Bytes per element (2, 4 or 8). */
    public int width() {
        return width;
    }

    private static int widthFor(long v) {
        if (v >= Short.MIN_VALUE && v <= Short.MAX_VALUE) {
            return 2;
        }
        if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
            return 4;
        }
        return 8;
    }

    public long get(int i) {
        return read(data, width, i);
    }

    private static long read(byte[] d, int w, int i) {
        switch (w) {
            case 2:
                return (short) I16.get(d, i * 2);
            case 4:
                return (int) I32.get(d, i * 4);
            default:
                return (long) I64.get(d, i * 8);
        }
    }

    private static void write(byte[] d, int w, int i, long v) {
        switch (w) {
            case 2:
                I16.set(d, i * 2, (short) v);
                break;
            case 4:
                I32.set(d, i * 4, (int) v);
                break;
            default:
                I64.set(d, i * 8, v);
        }
    }

    /** Index of v, or -(insertion point) - 1. */
    private int search(long v) {
        int lo = 0;
        int hi = size - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            long m = get(mid);
            if (m < v) {
                lo = mid + 1;
            } else if (m > v) {
                hi = mid - 1;
            } else {
                return mid;
            }
        }
        return -(lo + 1);
    }

    public boolean contains(long v) {
        return widthFor(v) <= width && search(v) >= 0;
    }

    /** Adds v; false if already present. */
    public boolean add(long v) {
        int w = widthFor(v);
        if (w > width) {
            upgradeAndAdd(v, w);
            return true;
        }
        int pos = search(v);
        if (pos >= 0) {
            return false;
        }
        pos = -pos - 1;
        ensure(size + 1);
        System.arraycopy(data, pos * width, data, (pos + 1) * width, (size - pos) * width);
        write(data, width, pos, v);
        size++;
        return true;
    }

    private void ensure(int n) {
        if (n * width > data.length) {
            int cap = Math.max(4, n + (n >> 2));
            data = Arrays.copyOf(data, cap * width);
        }
    }

    /** v needs a wider encoding, so it is smaller or larger than every element. */
    private void upgradeAndAdd(long v, int w) {
        byte[] nd = new byte[Math.max(4, size + 1 + ((size + 1) >> 2)) * w];
        int shift = v < 0 ? 1 : 0;
        for (int i = 0; i < size; i++) {
            write(nd, w, i + shift, read(data, width, i));
        }
        write(nd, w, v < 0 ? 0 : size, v);
        data = nd;
        width = w;
        size++;
    }

    /** Removes v; false if absent. */
    public boolean remove(long v) {
        if (widthFor(v) > width) {
            return false;
        }
        int pos = search(v);
        if (pos < 0) {
            return false;
        }
        System.arraycopy(data, (pos + 1) * width, data, pos * width, (size - pos - 1) * width);
        size--;
        if (size * width * 2 < data.length && data.length > 16 * width) {
            data = Arrays.copyOf(data, Math.max(4, size + (size >> 2)) * width);
        }
        return true;
    }

    /** Removes the elements at the given indexes in one pass (O(size)). */
    public void removeIndexes(java.util.BitSet indexes) {
        int w = 0;
        for (int i = 0; i < size; i++) {
            if (!indexes.get(i)) {
                if (w != i) {
                    write(data, width, w, read(data, width, i));
                }
                w++;
            }
        }
        size = w;
    }

    public IntSet copy() {
        IntSet s = new IntSet();
        s.width = width;
        s.data = Arrays.copyOf(data, size * width);
        s.size = size;
        return s;
    }
}
