package dev.cinnabar.server.persistence.rdb;

import java.io.ByteArrayOutputStream;

/**
 * RDB length and string encodings: lengths in 6 bits (00), 14 bits (01), 32 bits (0x80) or 64
 * bits (0x81) big-endian; special string encodings (11): 8/16/32-bit integers (little-endian) and
 * LZF-compressed strings (0xC3 clen len data).
 */
public final class RdbStrings {
    private RdbStrings() {
    }

    /** Reading went past the end of the input (a truncated file or payload). */
    public static final class Truncated extends IllegalArgumentException {
        public Truncated() {
            super("unexpected end of payload", null);
        }
    }

    /**
     * A cursor over a byte array, for parsing payloads, or over a stream read a window at a time
     * (an RDB file, whatever its size: offsets are longs, and a length the rest of the stream cannot
     * hold is a truncation before anything is allocated for it). A stream reader can keep the
     * CRC-64 of every byte it has passed ({@link #checksum}).
     */
    public static final class Reader {
        private static final int WINDOW = 1 << 20;
        private byte[] b;
        private int p;
        private int end;
        private final java.io.InputStream in;
        /** Bytes of the stream not read into the window yet. */
        private long unread;
        /** Stream offset of b[0]. */
        private long base;
        private final boolean crc;
        private long crcValue;
        /** b[crcFrom..p) is not in crcValue yet. */
        private int crcFrom;
        /** Listpacks, ziplists, intsets and zipmaps read so far (each one validated whole). */
        public int packedBlobs;

        public Reader(byte[] b, int off, int end) {
            this.b = b;
            this.p = off;
            this.end = end;
            this.in = null;
            this.crc = false;
        }

        /**
         * A reader of the size bytes of in (which it does not close), from its start; with
         * checksum, the CRC-64 of the bytes passed is kept.
         */
        public Reader(java.io.InputStream in, long size, boolean checksum) {
            this.b = new byte[(int) Math.min(WINDOW, Math.max(size, 16))];
            this.in = in;
            this.unread = size;
            this.crc = checksum;
        }

        /**
         * A reader of in (which it does not close) whose length is not known in advance (an RDB
         * sent with an EOF mark): it ends where the parser finds the RDB's end; bytes it read past
         * that are {@link #unconsumed}.
         */
        public Reader(java.io.InputStream in, boolean checksum) {
            this(in, UNKNOWN_SIZE, checksum);
            sizeKnown = false;
        }

        private boolean sizeKnown = true;

        /** The unread length of a stream of unknown size: no length claimed in it is a truncation. */
        private static final long UNKNOWN_SIZE = Long.MAX_VALUE / 4;

        /**
         * Makes n bytes available at p, reading more of the stream; Truncated when it ends first.
         * It reads what is available beyond n, up to the window, but never waits for more than n:
         * a socket does not send what comes after the RDB until the replica answers.
         */
        private void fill(int n) {
            if (in == null || n > end - p + unread) {
                throw new Truncated();
            }
            if (crc) {
                crcValue = Crc64.update(crcValue, b, crcFrom, p - crcFrom);
            }
            int keep = end - p;
            // the window grows for a long string (at once when the stream's size bounds it), and goes
            // back to its usual size after it
            byte[] to = n > b.length && sizeKnown ? new byte[n] : b.length > WINDOW && n <= WINDOW && keep <= WINDOW
                    ? new byte[WINDOW] : b;
            System.arraycopy(b, p, to, 0, keep);
            b = to;
            base += p;
            p = 0;
            end = keep;
            crcFrom = 0;
            try {
                while (true) {
                    while (end < b.length && unread > 0 && (end < n || in.available() > 0)) {
                        int got = in.read(b, end, (int) Math.min(b.length - end, unread));
                        if (got < 0) {
                            unread = 0;
                            break;
                        }
                        end += got;
                        unread -= got;
                    }
                    if (end >= n || end < b.length) {
                        break;
                    }
                    // a long string: the window doubles as its bytes arrive, so a corrupt length
                    // allocates no more than twice what the stream really holds
                    b = java.util.Arrays.copyOf(b, (int) Math.min(n, 2L * b.length));
                }
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            if (end < n) {
                throw new Truncated();
            }
        }

        /** The bytes read from the stream but not parsed (after the RDB's end, in a stream of unknown size). */
        public byte[] unconsumed() {
            return java.util.Arrays.copyOfRange(b, p, end);
        }

        private void need(long n) {
            if (n > end - p) {
                if (n > Integer.MAX_VALUE - 8) {
                    throw new IllegalArgumentException("string too long");
                }
                fill((int) n);
            }
        }

        /** The CRC-64 of every byte before the current position (a stream reader made with checksum). */
        public long checksum() {
            crcValue = Crc64.update(crcValue, b, crcFrom, p - crcFrom);
            crcFrom = p;
            return crcValue;
        }

        public boolean hasMore() {
            return p < end || unread > 0;
        }

        /** The offset of the next byte to read (in an array reader: in the array). */
        public int position() {
            return (int) offset();
        }

        /** The offset of the next byte to read, from the start of the stream or array. */
        public long offset() {
            return base + p;
        }

        public int u8() {
            if (p >= end) {
                fill(1);
            }
            return b[p++] & 0xff;
        }

        /** Reads a length; returns -1 - encType for the special (11) string encodings. */
        public long length() {
            int first = u8();
            switch (first >>> 6) {
                case 0:
                    return first & 0x3f;
                case 1:
                    return ((first & 0x3f) << 8) | u8();
                case 2:
                    if (first == 0x80) {
                        long v = 0;
                        for (int i = 0; i < 4; i++) {
                            v = (v << 8) | u8();
                        }
                        return v;
                    }
                    if (first == 0x81) {
                        long v = 0;
                        for (int i = 0; i < 8; i++) {
                            v = (v << 8) | u8();
                        }
                        return v;
                    }
                    throw new IllegalArgumentException("unknown length encoding " + first);
                default:
                    return -1 - (first & 0x3f);
            }
        }

        public byte[] string() {
            long len = length();
            if (len >= 0) {
                return bytes(len);
            }
            int enc = (int) (-1 - len);
            switch (enc) {
                case 0:
                    return Long.toString((byte) u8()).getBytes();
                case 1: {
                    int v = u8() | (u8() << 8);
                    return Long.toString((short) v).getBytes();
                }
                case 2: {
                    int v = u8() | (u8() << 8) | (u8() << 16) | (u8() << 24);
                    return Long.toString(v).getBytes();
                }
                case 3: {
                    long clen = length();
                    long ulen = length();
                    // a back-reference of 3 bytes expands to at most 264: a claimed length beyond
                    // that ratio is corrupt, and must not make us allocate it
                    if (clen >= 0 && clen > end - p + unread) {
                        throw new Truncated();
                    }
                    if (clen < 0 || ulen < 0 || ulen > Integer.MAX_VALUE - 8
                            || ulen > clen * 90 + 64) {
                        throw new IllegalArgumentException("bad compressed string");
                    }
                    need(clen);
                    byte[] r = Lzf.decompress(b, p, (int) clen, (int) ulen);
                    p += (int) clen;
                    return r;
                }
                default:
                    throw new IllegalArgumentException("unknown string encoding " + enc);
            }
        }

        /** A length that must not be a special string encoding. */
        public long lengthPlain() {
            if (p >= end && unread > 0) {
                fill(1);
            }
            if (p < end && (b[p] & 0xc0) == 0xc0) {
                throw new IllegalArgumentException("unexpected string encoding");
            }
            return length();
        }

        /** A little-endian 64-bit value (millisecond times in RDB). */
        public long millis() {
            long v = 0;
            for (int i = 0; i < 8; i++) {
                v |= (long) u8() << (8 * i);
            }
            return v;
        }

        /** An 8-byte little-endian IEEE 754 double (ZSET_2 scores). */
        public double binaryDouble() {
            return Double.longBitsToDouble(millis());
        }

        /** A double as the old ZSET type writes it: length byte (253 NaN, 254 +inf, 255 -inf), then ASCII. */
        public double stringDouble() {
            int len = u8();
            switch (len) {
                case 253:
                    return Double.NaN;
                case 254:
                    return Double.POSITIVE_INFINITY;
                case 255:
                    return Double.NEGATIVE_INFINITY;
                default:
                    return RdbValues.parseScore(bytes(len));
            }
        }

        public byte[] bytes(long n) {
            if (n < 0) {
                throw new IllegalArgumentException("negative length");
            }
            if (n > end - p + unread) {
                throw new Truncated();
            }
            need(n);
            byte[] r = java.util.Arrays.copyOfRange(b, p, p + (int) n);
            p += (int) n;
            return r;
        }
    }

    public static void writeLength(ByteArrayOutputStream out, long len) {
        // lengths are unsigned 64-bit (a consumer group's unknown entries-read, -1, is 2^64-1)
        if (len >= 0 && len < 64) {
            out.write((int) len);
        } else if (len >= 0 && len < 16384) {
            out.write(0x40 | (int) (len >>> 8));
            out.write((int) len);
        } else if (len >= 0 && len <= 0xffffffffL) {
            out.write(0x80);
            for (int i = 3; i >= 0; i--) {
                out.write((int) (len >>> (8 * i)));
            }
        } else {
            out.write(0x81);
            for (int i = 7; i >= 0; i--) {
                out.write((int) (len >>> (8 * i)));
            }
        }
    }

    /** A plain (uncompressed, unencoded) string: valid for every RDB reader. */
    public static void writeString(ByteArrayOutputStream out, byte[] s) {
        writeLength(out, s.length);
        out.writeBytes(s);
    }

    /**
     * A string as Redis's rdbSaveRawString writes it: the canonical form of a 32-bit integer in
     * up to 11 bytes as an RDB integer, over 20 bytes LZF-compressed when that saves at least 4
     * bytes (rdbcompression, on by default: an {@link RdbBuffer} made without compression turns
     * it off), otherwise plain.
     */
    public static void writeRawString(ByteArrayOutputStream out, byte[] s) {
        writeRawString(out, s, 0, s.length);
    }

    /** As {@link #writeRawString(ByteArrayOutputStream, byte[])} for s[off..off+n). */
    public static void writeRawString(ByteArrayOutputStream out, byte[] s, int off, int n) {
        if (n > 0 && n <= 11) {
            long[] v = new long[1];
            if (dev.cinnabar.server.store.Numbers.parseLongStrict(s, off, n, v)
                    && v[0] >= Integer.MIN_VALUE && v[0] <= Integer.MAX_VALUE) {
                writeInt(out, v[0]);
                return;
            }
        }
        if (n > 20) {
            RdbBuffer rb = out instanceof RdbBuffer b ? b : null;
            if (rb == null || rb.compression()) {
                byte[] c = rb != null ? rb.lzfSpace(n) : new byte[n + 4];
                int clen = Lzf.compress(s, off, n, c, n - 4);
                if (clen >= 0) {
                    out.write(0xc3);
                    writeLength(out, clen);
                    writeLength(out, n);
                    out.write(c, 0, clen);
                    return;
                }
            }
        }
        writeLength(out, n);
        out.write(s, off, n);
    }

    /** An integer in the RDB string integer forms (8, 16 or 32 bits, little-endian). */
    public static void writeInt(ByteArrayOutputStream out, long v) {
        if (v >= Byte.MIN_VALUE && v <= Byte.MAX_VALUE) {
            out.write(0xc0);
            out.write((int) v);
        } else if (v >= Short.MIN_VALUE && v <= Short.MAX_VALUE) {
            out.write(0xc1);
            out.write((int) v);
            out.write((int) (v >>> 8));
        } else {
            out.write(0xc2);
            for (int i = 0; i < 4; i++) {
                out.write((int) (v >>> (8 * i)));
            }
        }
    }
}
