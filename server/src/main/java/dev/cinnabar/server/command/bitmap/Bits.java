package dev.cinnabar.server.command.bitmap;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Bit-level algorithms on byte arrays, with Redis's bit numbering: bit 0 is the most significant
 * bit of byte 0, so a string reads left to right as one big-endian bit vector.
 *
 * <p>All ranges are inclusive and already clamped by the caller to the valid part of the array.
 * Whole 8-byte words are processed with one load where possible (popcount, skipping runs), which
 * keeps BITCOUNT and BITPOS on a 512 MB string within a few hundred milliseconds.
 */
public final class Bits {
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    private Bits() {
    }

    /** The number of set bits among bits [fromBit, toBit] of b; 0 when fromBit > toBit. */
    public static long count(byte[] b, long fromBit, long toBit) {
        if (fromBit > toBit) {
            return 0;
        }
        int first = (int) (fromBit >>> 3);
        int last = (int) (toBit >>> 3);
        int headMask = 0xff >>> (int) (fromBit & 7); // bits of the first byte inside the range
        int tailMask = (0xff << (7 - (int) (toBit & 7))) & 0xff; // bits of the last byte inside the range
        if (first == last) {
            return Integer.bitCount(b[first] & headMask & tailMask);
        }
        long n = Integer.bitCount(b[first] & headMask) + Integer.bitCount(b[last] & tailMask);
        return n + popcount(b, first + 1, last - first - 1);
    }

    /** Set bits in b[off, off+len). */
    public static long popcount(byte[] b, int off, int len) {
        long n = 0;
        int i = off;
        int end = off + len;
        for (; i + 8 <= end; i += 8) {
            n += Long.bitCount((long) LONGS.get(b, i));
        }
        for (; i < end; i++) {
            n += Integer.bitCount(b[i] & 0xff);
        }
        return n;
    }

    /**
     * The absolute position of the first bit equal to {@code bit} among bits [fromBit, toBit] of b,
     * or -1 when there is none (or the range is empty).
     */
    public static long position(byte[] b, long fromBit, long toBit, int bit) {
        if (fromBit > toBit) {
            return -1;
        }
        int skip = bit == 1 ? 0 : 0xff; // a byte equal to this holds no candidate
        int first = (int) (fromBit >>> 3);
        int last = (int) (toBit >>> 3);
        for (int i = first; i <= last; i++) {
            if (i > first && i < last) {
                // Skip whole words that cannot contain the bit.
                long skipWord = bit == 1 ? 0L : -1L;
                while (i + 8 <= last && (long) LONGS.get(b, i) == skipWord) {
                    i += 8;
                }
            }
            int v = b[i] & 0xff;
            if (v == skip) {
                continue;
            }
            int lo = i == first ? (int) (fromBit & 7) : 0;
            int hi = i == last ? (int) (toBit & 7) : 7;
            for (int k = lo; k <= hi; k++) {
                if (((v >>> (7 - k)) & 1) == bit) {
                    return ((long) i << 3) + k;
                }
            }
        }
        return -1;
    }

    /** Reads bit {@code offset} of b[0, len); bits past len are 0. */
    public static int get(byte[] b, int len, long offset) {
        long byteIndex = offset >>> 3;
        if (byteIndex >= len) {
            return 0;
        }
        return (b[(int) byteIndex] >>> (7 - (int) (offset & 7))) & 1;
    }

    /** The unsigned value of the {@code bits}-wide field at bit {@code offset} (bits past len read 0). */
    public static long getUnsigned(byte[] b, int len, long offset, int bits) {
        long v = 0;
        for (int j = 0; j < bits; j++) {
            v = (v << 1) | get(b, len, offset + j);
        }
        return v;
    }

    /** The signed (two's complement) value of the {@code bits}-wide field at bit {@code offset}. */
    public static long getSigned(byte[] b, int len, long offset, int bits) {
        long v = getUnsigned(b, len, offset, bits);
        if (bits < 64 && (v & (1L << (bits - 1))) != 0) {
            v |= -1L << bits;
        }
        return v;
    }

    /** Writes the low {@code bits} bits of value at bit {@code offset}; the array must be long enough. */
    public static void set(byte[] b, long offset, int bits, long value) {
        for (int j = 0; j < bits; j++) {
            int bitval = (int) ((value >>> (bits - 1 - j)) & 1);
            long pos = offset + j;
            int idx = (int) (pos >>> 3);
            int mask = 1 << (7 - (int) (pos & 7));
            if (bitval == 1) {
                b[idx] |= (byte) mask;
            } else {
                b[idx] &= (byte) ~mask;
            }
        }
    }
}
