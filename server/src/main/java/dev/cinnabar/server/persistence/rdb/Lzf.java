package dev.cinnabar.server.persistence.rdb;

/**
 * LZF decompression (the format Redis uses for compressed RDB strings): a sequence of literal
 * runs (control byte &lt; 32: copy ctrl+1 bytes) and back-references (length in the top 3 bits,
 * extended by a following byte when 7, offset in the low 5 bits plus the next byte).
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
}
