package dev.cinnabar.server.persistence.rdb;

/**
 * LZF (the format Redis uses for compressed RDB strings): a sequence of literal runs (control
 * byte &lt; 32: copy ctrl+1 bytes) and back-references (length in the top 3 bits, extended by a
 * following byte when 7, offset in the low 5 bits plus the next byte).
 *
 * <p>{@link #compress} makes the same bytes as the liblzf build inside Redis (hash table of 2^16
 * slots indexed by its "very fast" hash of the next three bytes, matches of 3 to 264 bytes at
 * most 8 KB back, the two positions before the end of a match re-hashed), so DUMP payloads and
 * RDB files are byte for byte Redis's. Redis leaves the hash table uninitialised; an empty slot
 * here is position 0, which can never be a match, as Redis's stale slots never are in practice.
 */
public final class Lzf {
    private Lzf() {
    }

    /** Decompresses in into exactly outLen bytes; throws IllegalArgumentException on corrupt input. */
    public static byte[] decompress(byte[] in, int inOff, int inLen, int outLen) {
        byte[] out = new byte[outLen];
        int ip = inOff;
        int end = inOff + inLen;
        int op = 0;
        while (ip < end) {
            int ctrl = in[ip++] & 0xff;
            if (ctrl < 32) {
                int n = ctrl + 1;
                if (op + n > outLen || ip + n > end) {
                    throw new IllegalArgumentException("corrupt LZF data");
                }
                System.arraycopy(in, ip, out, op, n);
                ip += n;
                op += n;
            } else {
                int len = ctrl >>> 5;
                int ref = op - ((ctrl & 0x1f) << 8) - 1;
                if (len == 7) {
                    if (ip >= end) {
                        throw new IllegalArgumentException("corrupt LZF data");
                    }
                    len += in[ip++] & 0xff;
                }
                if (ip >= end) {
                    throw new IllegalArgumentException("corrupt LZF data");
                }
                ref -= in[ip++] & 0xff;
                len += 2;
                if (ref < 0 || op + len > outLen) {
                    throw new IllegalArgumentException("corrupt LZF data");
                }
                for (int k = 0; k < len; k++) {
                    out[op++] = out[ref++];
                }
            }
        }
        if (op != outLen) {
            throw new IllegalArgumentException("corrupt LZF data");
        }
        return out;
    }

    private static final int HLOG = 16;
    private static final int MAX_LIT = 1 << 5;
    private static final int MAX_OFF = 1 << 13;
    private static final int MAX_REF = (1 << 8) + (1 << 3);

    /**
     * The match table, reused per thread: a fresh 256 KB table per call cost more than the
     * compression of a short string. Positions are stored offset by a per-call base, so entries of
     * earlier calls read as empty and the output is exactly that of a zeroed table.
     */
    private static final class Table {
        final int[] slots = new int[1 << HLOG];
        int base;
    }

    private static final ThreadLocal<Table> TABLE = ThreadLocal.withInitial(Table::new);

    private static int idx(int h) {
        return ((h >>> (3 * 8 - HLOG)) - h * 5) & ((1 << HLOG) - 1);
    }

    /**
     * Compresses in[0..len) into at most maxOut bytes; null when the result would not fit (Redis
     * then stores the string uncompressed).
     */
    public static byte[] compress(byte[] in, int len, int maxOut) {
        if (len < 3 || maxOut <= 0) {
            return null;
        }
        byte[] out = new byte[maxOut + 4];
        int n = compress(in, 0, len, out, maxOut);
        return n < 0 ? null : java.util.Arrays.copyOf(out, n);
    }

    /**
     * Compresses in[inOff..inOff+len) into out (at least maxOut + 4 bytes long), using at most
     * maxOut bytes; returns the compressed length, or -1 when the result would not fit.
     */
    public static int compress(byte[] in, int inOff, int len, byte[] out, int maxOut) {
        if (len < 3 || maxOut <= 0) {
            return -1;
        }
        Table t = TABLE.get();
        if (t.base > Integer.MAX_VALUE - len - 2) {
            java.util.Arrays.fill(t.slots, 0);
            t.base = 0;
        }
        int[] htab = t.slots;
        int base = t.base; // slots written by earlier calls hold values <= base: they read as empty
        t.base += len + 1;
        int ip = 0;
        int op = 1; // the first literal run's control byte
        int lit = 0;
        int hval = ((in[inOff] & 0xff) << 8) | (in[inOff + 1] & 0xff);
        while (ip < len - 2) {
            hval = (hval << 8) | (in[inOff + ip + 2] & 0xff);
            int slot = idx(hval);
            int ref = Math.max(0, htab[slot] - base);
            htab[slot] = base + ip;
            int off = ip - ref - 1;
            if (off >= 0 && off < MAX_OFF && ip + 4 < len && ref > 0
                    && in[inOff + ref] == in[inOff + ip] && in[inOff + ref + 1] == in[inOff + ip + 1]
                    && in[inOff + ref + 2] == in[inOff + ip + 2]) {
                int l = 2;
                int maxlen = Math.min(len - ip - l, MAX_REF);
                out[op - lit - 1] = (byte) (lit - 1); // close the literal run
                if (lit == 0) {
                    op--; // it was empty: drop its control byte
                }
                if (op + 3 + 1 >= maxOut) {
                    return -1;
                }
                boolean mismatch = false;
                if (maxlen > 16) {
                    // sixteen steps without the bound check, as the reference does
                    for (int k = 0; k < 16; k++) {
                        l++;
                        if (in[inOff + ref + l] != in[inOff + ip + l]) {
                            mismatch = true;
                            break;
                        }
                    }
                }
                if (!mismatch) {
                    do {
                        l++;
                    } while (l < maxlen && in[inOff + ref + l] == in[inOff + ip + l]);
                }
                l -= 2; // octets matched minus one
                ip++;
                if (l < 7) {
                    out[op++] = (byte) ((off >>> 8) + (l << 5));
                } else {
                    out[op++] = (byte) ((off >>> 8) + (7 << 5));
                    out[op++] = (byte) (l - 7);
                }
                out[op++] = (byte) off;
                lit = 0;
                op++; // the next literal run's control byte
                ip += l + 1;
                if (ip >= len - 2) {
                    break;
                }
                ip -= 2;
                hval = ((in[inOff + ip] & 0xff) << 8) | (in[inOff + ip + 1] & 0xff);
                for (int k = 0; k < 2; k++) {
                    hval = (hval << 8) | (in[inOff + ip + 2] & 0xff);
                    htab[idx(hval)] = base + ip;
                    ip++;
                }
            } else {
                if (op >= maxOut) {
                    return -1;
                }
                lit++;
                out[op++] = in[inOff + ip++];
                if (lit == MAX_LIT) {
                    out[op - lit - 1] = (byte) (lit - 1);
                    lit = 0;
                    op++;
                }
            }
        }
        if (op + 3 > maxOut) {
            return -1;
        }
        while (ip < len) {
            lit++;
            out[op++] = in[inOff + ip++];
            if (lit == MAX_LIT) {
                out[op - lit - 1] = (byte) (lit - 1);
                lit = 0;
                op++;
            }
        }
        out[op - lit - 1] = (byte) (lit - 1);
        if (lit == 0) {
            op--;
        }
        return op;
    }
}
