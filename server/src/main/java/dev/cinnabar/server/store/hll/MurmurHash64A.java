package dev.cinnabar.server.store.hll;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Austin Appleby's MurmurHash64A, reading 8-byte blocks little-endian (as Redis does on every
 * platform), so register indexes and run lengths equal Redis's for the same element bytes.
 */
public final class MurmurHash64A {
    /** The seed Redis's HyperLogLog uses. */
    public static final long HLL_SEED = 0xadc83b19L;

    private static final long M = 0xc6a4a7935bd1e995L;
    private static final int R = 47;
    private static final VarHandle LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private MurmurHash64A() {
    }

    public static long hash(byte[] data, int off, int len, long seed) {
        long h = (seed & 0xffffffffL) ^ ((long) len * M);
        int blocks = len & ~7;
        int i = off;
        for (int end = off + blocks; i < end; i += 8) {
            long k = (long) LE.get(data, i);
            k *= M;
            k ^= k >>> R;
            k *= M;
            h ^= k;
            h *= M;
        }
        int rest = len & 7;
        if (rest > 0) {
            for (int j = rest - 1; j >= 0; j--) {
                h ^= (data[i + j] & 0xffL) << (8 * j);
            }
            h *= M;
        }
        h ^= h >>> R;
        h *= M;
        h ^= h >>> R;
        return h;
    }
}
