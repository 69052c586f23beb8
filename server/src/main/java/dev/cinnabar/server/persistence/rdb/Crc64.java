package dev.cinnabar.server.persistence.rdb;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Redis's CRC-64 (Jones polynomial 0xad93d23594c935a9, reflected, initial value 0), used for RDB
 * files and DUMP payloads. Check value: crc64("123456789") = 0xe9c6d914c4b8d9ca.
 *
 * <p>Eight bytes per step ("slicing-by-8", as Redis's crcspeed): table k maps a byte to its CRC
 * after k more zero bytes, so the eight bytes of a little-endian word are folded in with eight
 * independent look-ups instead of a chain of eight dependent ones. A whole file is checked at
 * load, so this is on the load path.
 */
public final class Crc64 {
    private static final long[][] T = new long[8][256];
    private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    static {
        long poly = Long.reverse(0xad93d23594c935a9L);
        for (int i = 0; i < 256; i++) {
            long crc = i;
            for (int k = 0; k < 8; k++) {
                crc = (crc & 1) != 0 ? (crc >>> 1) ^ poly : crc >>> 1;
            }
            T[0][i] = crc;
        }
        for (int i = 0; i < 256; i++) {
            long crc = T[0][i];
            for (int k = 1; k < 8; k++) {
                crc = T[0][(int) (crc & 0xff)] ^ (crc >>> 8);
                T[k][i] = crc;
            }
        }
    }

    private Crc64() {
    }

    public static long update(long crc, byte[] b, int off, int len) {
        int i = off;
        int end = off + len;
        long[] t0 = T[0];
        long[] t1 = T[1];
        long[] t2 = T[2];
        long[] t3 = T[3];
        long[] t4 = T[4];
        long[] t5 = T[5];
        long[] t6 = T[6];
        long[] t7 = T[7];
        for (; i + 8 <= end; i += 8) {
            long x = crc ^ (long) LONG_LE.get(b, i);
            crc = t7[(int) (x & 0xff)] ^ t6[(int) ((x >>> 8) & 0xff)] ^ t5[(int) ((x >>> 16) & 0xff)]
                    ^ t4[(int) ((x >>> 24) & 0xff)] ^ t3[(int) ((x >>> 32) & 0xff)] ^ t2[(int) ((x >>> 40) & 0xff)]
                    ^ t1[(int) ((x >>> 48) & 0xff)] ^ t0[(int) (x >>> 56)];
        }
        for (; i < end; i++) {
            crc = t0[(int) ((crc ^ b[i]) & 0xff)] ^ (crc >>> 8);
        }
        return crc;
    }

    public static long of(byte[] b, int off, int len) {
        return update(0, b, off, len);
    }
}
