package dev.cinnabar.server.persistence.rdb;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Readers for the compact blobs of older RDB versions that RESTORE still accepts: ziplists
 * (Redis up to 6.2), zipmaps (up to 2.4) and intsets (still current). Each is validated entirely:
 * a corrupt blob fails with IllegalArgumentException.
 *
 * <p>Ziplist: zlbytes (u32 LE), zltail (u32 LE), zllen (u16 LE), entries, 0xFF. An entry is
 * {@code prevlen encoding data}: prevlen in 1 byte, or 0xFE plus u32 LE; strings with a 6-bit,
 * 14-bit (big-endian) or 32-bit (big-endian) length; integers as int16/32/64 (LE), int24, int8 or
 * a 4-bit immediate 0..12.
 */
public final class Ziplists {
    private Ziplists() {
    }

    private static void check(boolean ok) {
        if (!ok) {
            throw new IllegalArgumentException("corrupt compact encoding");
        }
    }

    private static byte[] num(long v) {
        return Long.toString(v).getBytes(StandardCharsets.US_ASCII);
    }

    private static long signed(long raw, int bytes) {
        return (raw << (64 - 8 * bytes)) >> (64 - 8 * bytes);
    }

    public static List<byte[]> ziplist(byte[] b) {
        check(b.length >= 11 && Listpacks.le(b, 0, 4) == b.length && (b[b.length - 1] & 0xff) == 0xff);
        long tail = Listpacks.le(b, 4, 4);
        int declared = (int) Listpacks.le(b, 8, 2);
        List<byte[]> out = new ArrayList<>(Math.min(declared, 1024));
        int end = b.length - 1;
        int p = 10;
        int prevLen = 0;
        int lastStart = -1;
        while (p < end) {
            int start = p;
            int first = b[p] & 0xff;
            int prev;
            if (first < 254) {
                prev = first;
                p += 1;
            } else {
                check(first == 254 && p + 5 <= end);
                prev = (int) Listpacks.le(b, p + 1, 4);
                p += 5;
            }
            check(prev == prevLen);
            check(p < end);
            int enc = b[p] & 0xff;
            byte[] value;
            switch (enc >>> 6) {
                case 0 -> {
                    int len = enc & 0x3f;
                    check(p + 1 + len <= end);
                    value = Arrays.copyOfRange(b, p + 1, p + 1 + len);
                    p += 1 + len;
                }
                case 1 -> {
                    check(p + 2 <= end);
                    int len = ((enc & 0x3f) << 8) | (b[p + 1] & 0xff);
                    check(p + 2 + len <= end);
                    value = Arrays.copyOfRange(b, p + 2, p + 2 + len);
                    p += 2 + len;
                }
                case 2 -> {
                    check(enc == 0x80 && p + 5 <= end);
                    long len = 0;
                    for (int i = 1; i <= 4; i++) {
                        len = (len << 8) | (b[p + i] & 0xff);
                    }
                    check(len <= end - p - 5);
                    value = Arrays.copyOfRange(b, p + 5, p + 5 + (int) len);
                    p += 5 + (int) len;
                }
                default -> {
                    int n;
                    switch (enc) {
                        case 0xc0 -> n = 2;
                        case 0xd0 -> n = 4;
                        case 0xe0 -> n = 8;
                        case 0xf0 -> n = 3;
                        case 0xfe -> n = 1;
                        default -> n = 0;
                    }
                    if (n > 0) {
                        check(p + 1 + n <= end);
                        value = num(signed(Listpacks.le(b, p + 1, n), n));
                        p += 1 + n;
                    } else {
                        check(enc >= 0xf1 && enc <= 0xfd);
                        value = num((enc & 0x0f) - 1);
                        p += 1;
                    }
                }
            }
            prevLen = p - start;
            lastStart = start;
            out.add(value);
        }
        check(p == end && (declared == 65535 || declared == out.size()));
        check(out.isEmpty() ? tail == 10 : tail == lastStart);
        return out;
    }

    /** A zipmap (hash of Redis 2.x): field, value, field, value... */
    public static List<byte[]> zipmap(byte[] b) {
        check(b.length >= 2 && (b[b.length - 1] & 0xff) == 0xff);
        List<byte[]> out = new ArrayList<>();
        int p = 1;
        int end = b.length - 1;
        while (p < end) {
            for (int part = 0; part < 2; part++) {
                check(p < end);
                int first = b[p] & 0xff;
                long len;
                if (first < 254) {
                    len = first;
                    p += 1;
                } else {
                    check(first == 254 && p + 5 <= end);
                    len = Listpacks.le(b, p + 1, 4);
                    p += 5;
                }
                int free = 0;
                if (part == 1) {
                    check(p < end);
                    free = b[p] & 0xff;
                    p += 1;
                }
                check(len + free <= end - p);
                out.add(Arrays.copyOfRange(b, p, p + (int) len));
                p += (int) len + free;
            }
        }
        check(p == end);
        return out;
    }

    /** An intset: encoding (u32 LE: 2, 4 or 8), length (u32 LE), sorted distinct values (LE). */
    public static long[] intset(byte[] b) {
        check(b.length >= 8);
        long width = Listpacks.le(b, 0, 4);
        long n = Listpacks.le(b, 4, 4);
        check((width == 2 || width == 4 || width == 8) && b.length == 8 + n * width && n > 0);
        int w = (int) width;
        long[] out = new long[(int) n];
        for (int i = 0; i < n; i++) {
            out[i] = signed(Listpacks.le(b, 8 + i * w, w), w);
            check(i == 0 || out[i] > out[i - 1]);
        }
        return out;
    }

    /** Encodes sorted distinct values as an intset of the given width (2, 4 or 8 bytes). */
    public static byte[] intsetBytes(long[] sorted, int width) {
        byte[] b = new byte[8 + sorted.length * width];
        putLe(b, 0, width, 4);
        putLe(b, 4, sorted.length, 4);
        for (int i = 0; i < sorted.length; i++) {
            putLe(b, 8 + i * width, sorted[i], width);
        }
        return b;
    }

    private static void putLe(byte[] b, int p, long v, int n) {
        for (int i = 0; i < n; i++) {
            b[p + i] = (byte) (v >>> (8 * i));
        }
    }
}
