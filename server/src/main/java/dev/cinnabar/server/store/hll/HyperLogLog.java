package dev.cinnabar.server.store.hll;

import java.util.Arrays;

/**
 * Redis's HyperLogLog, byte for byte: the same string layout, the same update algorithm and the
 * same estimator, so a value moves between Redis and Cinnabar with GET/SET and counts the same.
 *
 * <h2>Layout</h2>
 * A 16-byte header: "HYLL", one encoding byte (0 dense, 1 sparse), three unused bytes, then the
 * cached cardinality as 8 bytes little-endian whose top bit set means "stale". Then the registers:
 * <ul>
 *   <li>dense: 16384 registers of 6 bits, 12288 bytes; register i starts at bit 6*i counted from
 *       the least significant bit of each byte, so a register may straddle two bytes;
 *   <li>sparse: run-length opcodes. {@code 00xxxxxx} ZERO: xxxxxx+1 (1..64) zero registers;
 *       {@code 01xxxxxx yyyyyyyy} XZERO: 14-bit length+1 (1..16384) zero registers;
 *       {@code 1vvvvvxx} VAL: xx+1 (1..4) registers holding vvvvv+1 (1..32).
 * </ul>
 * A new HLL is sparse (one XZERO). It becomes dense when a register needs a value above 32 or the
 * string would pass hll-sparse-max-bytes. Sparse updates split the opcode holding the register and
 * then merge equal VAL neighbours in a window of five opcodes, exactly as Redis does, because the
 * bytes (not only the registers) must match.
 *
 * <h2>Estimator</h2>
 * Ertl's improved raw estimator over the register histogram (Redis 5+), rounded half away from
 * zero. Element hashing: MurmurHash64A with seed 0xadc83b19; the low 14 bits pick the register, the
 * run of zeros above them (plus one, at most 51) is the value.
 *
 * <p>A {@link Buf} is the working copy of a value: a byte array that may have spare capacity and
 * may be replaced when a sparse update grows it.
 */
public final class HyperLogLog {
    public static final int P = 14;
    public static final int Q = 64 - P;
    public static final int REGISTERS = 1 << P;
    public static final int HDR_SIZE = 16;
    public static final int DENSE_SIZE = HDR_SIZE + (REGISTERS * 6 + 7) / 8;
    public static final int DENSE = 0;
    public static final int SPARSE = 1;
    private static final int VAL_MAX_VALUE = 32;
    private static final int VAL_MAX_LEN = 4;
    private static final int ZERO_MAX_LEN = 64;
    private static final int XZERO_MAX_LEN = 16384;
    private static final double ALPHA_INF = 0.721347520444481703680;

    private HyperLogLog() {
    }

    /** A value being read or updated: bytes [0, len) of b. */
    public static final class Buf {
        public byte[] b;
        public int len;

        public Buf(byte[] b, int len) {
            this.b = b;
            this.len = len;
        }

        /** The value as an exact-length array. */
        public byte[] toBytes() {
            return b.length == len ? b : Arrays.copyOf(b, len);
        }

        void ensure(int n) {
            if (b.length < n) {
                b = Arrays.copyOf(b, Math.max(n, b.length * 2));
            }
        }

        /** Byte i, or 0 past the end (Redis reads the string's terminating zero there). */
        int at(int i) {
            return i < len ? b[i] & 0xff : 0;
        }
    }

    /** A new, empty HLL: sparse, all registers in XZERO opcodes, cached cardinality 0. */
    public static byte[] create() {
        int opcodes = (REGISTERS + XZERO_MAX_LEN - 1) / XZERO_MAX_LEN;
        byte[] b = new byte[HDR_SIZE + opcodes * 2];
        b[0] = 'H';
        b[1] = 'Y';
        b[2] = 'L';
        b[3] = 'L';
        b[4] = SPARSE;
        int p = HDR_SIZE;
        for (int left = REGISTERS; left > 0; ) {
            int run = Math.min(XZERO_MAX_LEN, left);
            setXzero(b, p, run);
            p += 2;
            left -= run;
        }
        return b;
    }

    /** The header checks Redis applies before using a string as an HLL. */
    public static boolean isValid(byte[] b, int len) {
        if (len < HDR_SIZE || b[0] != 'H' || b[1] != 'Y' || b[2] != 'L' || b[3] != 'L') {
            return false;
        }
        int enc = b[4] & 0xff;
        if (enc > SPARSE) {
            return false;
        }
        return enc != DENSE || len == DENSE_SIZE;
    }

    public static int encoding(byte[] b) {
        return b[4] & 0xff;
    }

    // ---- cached cardinality

    public static boolean cacheValid(byte[] b) {
        return (b[15] & 0x80) == 0;
    }

    public static long cachedCard(byte[] b) {
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = (v << 8) | (b[8 + i] & 0xff);
        }
        return v;
    }

    public static void setCachedCard(byte[] b, long card) {
        for (int i = 0; i < 8; i++) {
            b[8 + i] = (byte) (card >>> (8 * i));
        }
    }

    public static void invalidateCache(byte[] b) {
        b[15] |= (byte) 0x80;
    }

    // ---- element hashing

    /** Register index (low 14 bits) and run length (1..51) of an element: index | value << 16. */
    static int patLen(byte[] ele) {
        long hash = MurmurHash64A.hash(ele, 0, ele.length, MurmurHash64A.HLL_SEED);
        int index = (int) (hash & (REGISTERS - 1));
        hash >>>= P;
        hash |= 1L << Q;
        int count = Long.numberOfTrailingZeros(hash) + 1;
        return index | count << 16;
    }

    /** Adds an element: 1 when a register changed, 0 when not, -1 when the value is corrupt. */
    public static int add(Buf h, byte[] ele, long sparseMaxBytes) {
        int pl = patLen(ele);
        int index = pl & 0xffff;
        int count = pl >>> 16;
        return switch (encoding(h.b)) {
            case DENSE -> denseSet(h.b, index, count) ? 1 : 0;
            case SPARSE -> sparseSet(h, index, count, sparseMaxBytes);
            default -> -1;
        };
    }

    // ---- dense registers

    public static int denseGet(byte[] b, int index) {
        int bit = index * 6;
        int i = HDR_SIZE + (bit >>> 3);
        int fb = bit & 7;
        int b0 = b[i] & 0xff;
        int b1 = i + 1 < DENSE_SIZE ? b[i + 1] & 0xff : 0;
        return ((b0 >>> fb) | (b1 << (8 - fb))) & 63;
    }

    /** Writes a dense register (0..63) unconditionally. */
    public static void denseWrite(byte[] b, int index, int val) {
        int bit = index * 6;
        int i = HDR_SIZE + (bit >>> 3);
        int fb = bit & 7;
        b[i] = (byte) ((b[i] & ~(63 << fb)) | (val << fb));
        if (i + 1 < DENSE_SIZE) {
            b[i + 1] = (byte) ((b[i + 1] & ~(63 >>> (8 - fb))) | (val >>> (8 - fb)));
        }
    }

    /** Adds an element to dense registers; true when a register changed. */
    public static boolean denseAdd(byte[] b, byte[] ele) {
        int pl = patLen(ele);
        return denseSet(b, pl & 0xffff, pl >>> 16);
    }

    /** Raises register index to count if it is lower; true when it changed. */
    public static boolean denseSet(byte[] b, int index, int count) {
        if (count > denseGet(b, index)) {
            denseWrite(b, index, count);
            return true;
        }
        return false;
    }

    // ---- sparse opcodes

    private static boolean isZero(int op) {
        return (op & 0xc0) == 0;
    }

    private static boolean isXzero(int op) {
        return (op & 0xc0) == 0x40;
    }

    private static int zeroLen(int op) {
        return (op & 0x3f) + 1;
    }

    private static int xzeroLen(int op, int next) {
        return (((op & 0x3f) << 8) | next) + 1;
    }

    private static int valValue(int op) {
        return ((op >>> 2) & 0x1f) + 1;
    }

    private static int valLen(int op) {
        return (op & 3) + 1;
    }

    private static byte val(int value, int len) {
        return (byte) (0x80 | (value - 1) << 2 | (len - 1));
    }

    private static void setXzero(byte[] b, int p, int len) {
        int l = len - 1;
        b[p] = (byte) (0x40 | (l >>> 8));
        b[p + 1] = (byte) l;
    }

    /** Writes a ZERO or XZERO run of len at p; returns the bytes written. */
    private static int putZeros(byte[] seq, int p, int len) {
        if (len > ZERO_MAX_LEN) {
            setXzero(seq, p, len);
            return 2;
        }
        seq[p] = (byte) (len - 1);
        return 1;
    }

    /**
     * Raises sparse register index to count (Redis's hllSparseSet): 1 when changed, 0 when not, -1
     * when the encoding is corrupt. Promotes to dense when count does not fit a VAL opcode or the
     * string would grow past sparseMaxBytes.
     */
    static int sparseSet(Buf h, int index, int count, long sparseMaxBytes) {
        if (count > VAL_MAX_VALUE) {
            return promote(h, index, count);
        }
        h.ensure(h.len + 5); // room for the worst split, even at a truncated last opcode
        byte[] b = h.b;
        int end = h.len;
        int p = HDR_SIZE;
        int first = 0;
        int prev = -1;
        int span = 0;
        // Step 1: find the opcode covering the register.
        while (p < end) {
            int op = b[p] & 0xff;
            int oplen = 1;
            if (isZero(op)) {
                span = zeroLen(op);
            } else if (isXzero(op)) {
                span = xzeroLen(op, h.at(p + 1));
                oplen = 2;
            } else {
                span = valLen(op);
            }
            if (index <= first + span - 1) {
                break;
            }
            prev = p;
            p += oplen;
            first += span;
        }
        if (span == 0 || p >= end) {
            return -1;
        }
        int op = b[p] & 0xff;
        boolean zero = isZero(op);
        boolean xzero = isXzero(op);
        int next = xzero ? p + 2 : p + 1;
        if (next >= end) {
            next = -1;
        }
        boolean updatedInPlace = false;
        if (!zero && !xzero) {
            if (valValue(op) >= count) {
                return 0;
            }
            if (valLen(op) == 1) {
                b[p] = val(count, 1);
                updatedInPlace = true;
            }
        } else if (zero && zeroLen(op) == 1) {
            b[p] = val(count, 1);
            updatedInPlace = true;
        }
        if (!updatedInPlace) {
            // Step 2: split the opcode into up to three (at most 5 bytes: XZERO-VAL-XZERO).
            byte[] seq = new byte[5];
            int n = 0;
            int last = first + span - 1;
            if (zero || xzero) {
                if (index != first) {
                    n += putZeros(seq, n, index - first);
                }
                seq[n++] = val(count, 1);
                if (index != last) {
                    n += putZeros(seq, n, last - index);
                }
            } else {
                int cur = valValue(op);
                if (index != first) {
                    seq[n++] = val(cur, index - first);
                }
                seq[n++] = val(count, 1);
                if (index != last) {
                    seq[n++] = val(cur, last - index);
                }
            }
            // Step 3: put the new sequence in place of the old opcode.
            int delta = n - (xzero ? 2 : 1);
            if (delta > 0 && (long) h.len + delta > sparseMaxBytes) {
                return promote(h, index, count);
            }
            if (delta != 0 && next >= 0) {
                System.arraycopy(b, next, b, next + delta, end - next);
            }
            h.len += delta;
            System.arraycopy(seq, 0, b, p, n);
            end += delta;
        }
        // Step 4: merge adjacent VAL opcodes with equal values, scanning five opcodes from prev.
        p = prev >= 0 ? prev : HDR_SIZE;
        int scan = 5;
        while (p < end && scan-- > 0) {
            int o = b[p] & 0xff;
            if (isXzero(o)) {
                p += 2;
                continue;
            } else if (isZero(o)) {
                p++;
                continue;
            }
            if (p + 1 < end && (b[p + 1] & 0x80) != 0) {
                int o2 = b[p + 1] & 0xff;
                if (valValue(o) == valValue(o2)) {
                    int len = valLen(o) + valLen(o2);
                    if (len <= VAL_MAX_LEN) {
                        b[p + 1] = val(valValue(o), len);
                        System.arraycopy(b, p + 1, b, p, end - p - 1);
                        h.len--;
                        end--;
                        continue;
                    }
                }
            }
            p++;
        }
        invalidateCache(b);
        return 1;
    }

    /** Raises register index to value in either encoding (PFMERGE's write-back). */
    public static void setRegister(Buf h, int index, int value, long sparseMaxBytes) {
        if (encoding(h.b) == DENSE) {
            denseSet(h.b, index, value);
        } else {
            sparseSet(h, index, value, sparseMaxBytes);
        }
    }

    private static int promote(Buf h, int index, int count) {
        if (!sparseToDense(h)) {
            return -1;
        }
        denseSet(h.b, index, count);
        return 1;
    }

    /**
     * Converts a sparse value to dense in h (the header, cached cardinality included, is kept).
     * True when done or already dense, false when the sparse encoding is corrupt.
     */
    public static boolean sparseToDense(Buf h) {
        if (encoding(h.b) == DENSE) {
            return true;
        }
        byte[] dense = new byte[DENSE_SIZE];
        System.arraycopy(h.b, 0, dense, 0, HDR_SIZE);
        dense[4] = DENSE;
        int idx = 0;
        int p = HDR_SIZE;
        while (p < h.len) {
            int op = h.b[p] & 0xff;
            if (isZero(op)) {
                idx += zeroLen(op);
                p++;
            } else if (isXzero(op)) {
                idx += xzeroLen(op, h.at(p + 1));
                p += 2;
            } else {
                int run = valLen(op);
                int v = valValue(op);
                if (run + idx > REGISTERS) {
                    break;
                }
                for (int k = 0; k < run; k++) {
                    denseWrite(dense, idx++, v);
                }
                p++;
            }
        }
        if (idx != REGISTERS) {
            return false;
        }
        h.b = dense;
        h.len = DENSE_SIZE;
        return true;
    }

    // ---- merge and count

    /**
     * Raises max[i] to each register of the value (Redis's hllMerge); false when corrupt. The
     * value must have passed {@link #isValid}.
     */
    public static boolean merge(byte[] max, byte[] b, int len) {
        if (encoding(b) == DENSE) {
            for (int i = 0; i < REGISTERS; i++) {
                int v = denseGet(b, i);
                if (v > max[i]) {
                    max[i] = (byte) v;
                }
            }
            return true;
        }
        Buf h = new Buf(b, len);
        int i = 0;
        int p = HDR_SIZE;
        while (p < len) {
            int op = b[p] & 0xff;
            if (isZero(op)) {
                i += zeroLen(op);
                p++;
            } else if (isXzero(op)) {
                i += xzeroLen(op, h.at(p + 1));
                p += 2;
            } else {
                int run = valLen(op);
                int v = valValue(op);
                if (run + i > REGISTERS) {
                    break;
                }
                for (int k = 0; k < run; k++, i++) {
                    if (v > max[i]) {
                        max[i] = (byte) v;
                    }
                }
                p++;
            }
        }
        return i == REGISTERS;
    }

    /** The estimate for a dense or sparse value; -1 when the sparse encoding is corrupt. */
    public static long count(byte[] b, int len) {
        int[] histo = new int[64];
        if (encoding(b) == DENSE) {
            for (int i = 0; i < REGISTERS; i++) {
                histo[denseGet(b, i)]++;
            }
        } else {
            Buf h = new Buf(b, len);
            int idx = 0;
            int p = HDR_SIZE;
            while (p < len) {
                int op = b[p] & 0xff;
                int run;
                if (isZero(op)) {
                    run = zeroLen(op);
                    histo[0] += run;
                    p++;
                } else if (isXzero(op)) {
                    run = xzeroLen(op, h.at(p + 1));
                    histo[0] += run;
                    p += 2;
                } else {
                    run = valLen(op);
                    histo[valValue(op)] += run;
                    p++;
                }
                idx += run;
            }
            if (idx != REGISTERS) {
                return -1;
            }
        }
        return estimate(histo);
    }

    /** The estimate for registers held one per byte (the union PFCOUNT builds for several keys). */
    public static long countRaw(byte[] registers) {
        int[] histo = new int[64];
        for (int i = 0; i < REGISTERS; i++) {
            histo[registers[i]]++;
        }
        return estimate(histo);
    }

    /** Ertl's improved estimator from the register-value histogram. */
    static long estimate(int[] histo) {
        double m = REGISTERS;
        double z = m * tau((m - histo[Q + 1]) / m);
        for (int j = Q; j >= 1; --j) {
            z += histo[j];
            z *= 0.5;
        }
        z += m * sigma(histo[0] / m);
        return Math.round(ALPHA_INF * m * m / z);
    }

    static double sigma(double x) {
        if (x == 1.0) {
            return Double.POSITIVE_INFINITY;
        }
        double zPrime;
        double y = 1;
        double z = x;
        do {
            x *= x;
            zPrime = z;
            z += x * y;
            y += y;
        } while (zPrime != z);
        return z;
    }

    static double tau(double x) {
        if (x == 0.0 || x == 1.0) {
            return 0.0;
        }
        double zPrime;
        double y = 1.0;
        double z = 1 - x;
        do {
            x = Math.sqrt(x);
            zPrime = z;
            y *= 0.5;
            double d = 1 - x;
            z -= d * d * y;
        } while (zPrime != z);
        return z / 3;
    }

    /** PFDEBUG DECODE: the sparse opcodes as "z:len", "Z:len" and "v:value,len", space separated. */
    public static String decodeSparse(byte[] b, int len) {
        Buf h = new Buf(b, len);
        StringBuilder sb = new StringBuilder();
        int p = HDR_SIZE;
        while (p < len) {
            int op = b[p] & 0xff;
            if (isZero(op)) {
                sb.append("z:").append(zeroLen(op)).append(' ');
                p++;
            } else if (isXzero(op)) {
                sb.append("Z:").append(xzeroLen(op, h.at(p + 1))).append(' ');
                p += 2;
            } else {
                sb.append("v:").append(valValue(op)).append(',').append(valLen(op)).append(' ');
                p++;
            }
        }
        int n = sb.length();
        while (n > 0 && sb.charAt(n - 1) == ' ') {
            n--;
        }
        return sb.substring(0, n);
    }
}
