package dev.cinnabar.server.persistence.rdb;

import dev.cinnabar.server.store.Numbers;
import java.util.ArrayList;
import java.util.List;

/**
 * Redis's listpack byte format, as it travels in RDB files and DUMP payloads (our in-memory
 * {@link dev.cinnabar.server.store.list.Listpack} has a simpler layout of its own).
 *
 * <p>Layout: total bytes (u32 LE), element count (u16 LE, 65535 = "count it"), the entries, and
 * an 0xFF terminator. An entry is {@code encoding [data] backlen}: integers take the smallest of
 * 7-bit unsigned, 13, 16, 24, 32 or 64-bit signed forms (little-endian after the tag byte, the
 * 13-bit form big-endian in its two bytes); strings carry a 6-bit, 12-bit or 32-bit length.
 * {@code backlen} is the size of encoding plus data in 7-bit groups, most significant first, every
 * group but the first flagged with the high bit, so the entry can be read backwards.
 *
 * <p>The reader validates everything it reads (lengths inside the blob, back-lengths consistent,
 * count matching), so a corrupt payload fails with IllegalArgumentException, never worse.
 */
public final class Listpacks {
    private Listpacks() {
    }

    /** Encodes the elements as Redis's lpAppend would (strings that are integers stored as integers). */
    public static byte[] encode(List<byte[]> elements) {
        RdbBuffer out = new RdbBuffer(true, 256);
        begin(out);
        for (byte[] e : elements) {
            append(out, e, 0, e.length);
        }
        end(out, elements.size());
        return out.toByteArray();
    }

    /** Starts a listpack in an empty buffer (room for the header {@link #end} fills in). */
    static void begin(RdbBuffer out) {
        for (int i = 0; i < 6; i++) {
            out.write(0);
        }
    }

    /** Appends b[off..off+len) as lpAppend does: as an integer when it is one's canonical form. */
    static void append(RdbBuffer out, byte[] b, int off, int len) {
        if (len > 0 && len <= 20 && (b[off] == '-' || (b[off] >= '0' && b[off] <= '9'))) {
            long[] x = new long[1];
            if (Numbers.parseLongStrict(b, off, len, x)) {
                appendInt(out, x[0]);
                return;
            }
        }
        int start = out.size();
        writeStringHeader(out, len);
        out.write(b, off, len);
        writeBacklen(out, out.size() - start);
    }

    /** Appends an integer entry. */
    static void appendInt(RdbBuffer out, long v) {
        int start = out.size();
        writeInt(out, v);
        writeBacklen(out, out.size() - start);
    }

    /** Ends a listpack of count entries started with {@link #begin}: terminator, then the header. */
    static void end(RdbBuffer out, int count) {
        out.write(0xff);
        int size = out.size();
        for (int i = 0; i < 4; i++) {
            out.put(i, size >>> (8 * i));
        }
        int n = Math.min(count, 65535);
        out.put(4, n);
        out.put(5, n >>> 8);
    }

    private static void writeInt(RdbBuffer out, long v) {
        if (v >= 0 && v <= 127) {
            out.write((int) v);
        } else if (v >= -4096 && v <= 4095) {
            long u = v < 0 ? (1 << 13) + v : v;
            out.write(0xc0 | (int) (u >>> 8));
            out.write((int) u);
        } else if (v >= Short.MIN_VALUE && v <= Short.MAX_VALUE) {
            out.write(0xf1);
            writeLe(out, v, 2);
        } else if (v >= -(1 << 23) && v < (1 << 23)) {
            out.write(0xf2);
            writeLe(out, v, 3);
        } else if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
            out.write(0xf3);
            writeLe(out, v, 4);
        } else {
            out.write(0xf4);
            writeLe(out, v, 8);
        }
    }

    private static void writeStringHeader(RdbBuffer out, int len) {
        if (len < 64) {
            out.write(0x80 | len);
        } else if (len < 4096) {
            out.write(0xe0 | (len >>> 8));
            out.write(len);
        } else {
            out.write(0xf0);
            writeLe(out, len, 4);
        }
    }

    private static void writeBacklen(RdbBuffer out, int l) {
        if (l <= 127) {
            out.write(l);
        } else if (l < 16383) {
            out.write(l >>> 7);
            out.write((l & 127) | 128);
        } else if (l < 2097151) {
            out.write(l >>> 14);
            out.write(((l >>> 7) & 127) | 128);
            out.write((l & 127) | 128);
        } else if (l < 268435455) {
            out.write(l >>> 21);
            out.write(((l >>> 14) & 127) | 128);
            out.write(((l >>> 7) & 127) | 128);
            out.write((l & 127) | 128);
        } else {
            out.write(l >>> 28);
            out.write(((l >>> 21) & 127) | 128);
            out.write(((l >>> 14) & 127) | 128);
            out.write(((l >>> 7) & 127) | 128);
            out.write((l & 127) | 128);
        }
    }

    private static void writeLe(RdbBuffer out, long v, int n) {
        for (int i = 0; i < n; i++) {
            out.write((int) (v >>> (8 * i)));
        }
    }

    static long le(byte[] b, int p, int n) {
        long v = 0;
        for (int i = n - 1; i >= 0; i--) {
            v = (v << 8) | (b[p + i] & 0xff);
        }
        return v;
    }

    private static void check(boolean ok) {
        if (!ok) {
            throw new IllegalArgumentException("corrupt listpack");
        }
    }

    /** Decodes and validates a listpack blob; integers come back as their decimal strings. */
    public static List<byte[]> decode(byte[] b) {
        check(b.length >= 7 && le(b, 0, 4) == b.length && (b[b.length - 1] & 0xff) == 0xff);
        int declared = (int) le(b, 4, 2);
        List<byte[]> out = new ArrayList<>(Math.min(declared, 1024));
        int p = 6;
        int end = b.length - 1;
        while (p < end) {
            int start = p;
            int t = b[p] & 0xff;
            byte[] value;
            if (t < 0x80) {
                value = num(t);
                p += 1;
            } else if (t < 0xc0) {
                int len = t & 0x3f;
                check(p + 1 + len <= end);
                value = java.util.Arrays.copyOfRange(b, p + 1, p + 1 + len);
                p += 1 + len;
            } else if (t < 0xe0) {
                check(p + 2 <= end);
                int u = ((t & 0x1f) << 8) | (b[p + 1] & 0xff);
                value = num(u >= 4096 ? u - 8192 : u);
                p += 2;
            } else if (t < 0xf0) {
                check(p + 2 <= end);
                int len = ((t & 0x0f) << 8) | (b[p + 1] & 0xff);
                check(p + 2 + len <= end);
                value = java.util.Arrays.copyOfRange(b, p + 2, p + 2 + len);
                p += 2 + len;
            } else if (t == 0xf0) {
                check(p + 5 <= end);
                long len = le(b, p + 1, 4);
                check(len <= end - p - 5);
                value = java.util.Arrays.copyOfRange(b, p + 5, p + 5 + (int) len);
                p += 5 + (int) len;
            } else {
                int n = switch (t) {
                    case 0xf1 -> 2;
                    case 0xf2 -> 3;
                    case 0xf3 -> 4;
                    case 0xf4 -> 8;
                    default -> -1;
                };
                check(n > 0 && p + 1 + n <= end);
                long raw = le(b, p + 1, n);
                long v = n == 8 ? raw : (raw << (64 - 8 * n)) >> (64 - 8 * n);
                value = num(v);
                p += 1 + n;
            }
            int entryLen = p - start;
            // the back-length, read backwards from its last byte, must give entryLen
            int q = p;
            int blen = backlenSize(entryLen);
            check(q + blen <= end);
            long back = 0;
            int shift = 0;
            for (int i = q + blen - 1; i >= q; i--) {
                back |= (long) (b[i] & 0x7f) << shift;
                shift += 7;
                check((i == q) == ((b[i] & 0x80) == 0));
            }
            check(back == entryLen);
            p += blen;
            out.add(value);
        }
        check(p == end && (declared == 65535 || declared == out.size()));
        return out;
    }

    private static int backlenSize(int l) {
        return l <= 127 ? 1 : l < 16383 ? 2 : l < 2097151 ? 3 : l < 268435455 ? 4 : 5;
    }

    private static byte[] num(long v) {
        return Long.toString(v).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }
}
