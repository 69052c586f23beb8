package dev.cinnabar.server.protocol;

import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Incremental parser for client requests: RESP multibulk ({@code *N\r\n$len\r\n...}) and inline
 * commands (a text line, as telnet and redis-cli in some modes send).
 *
 * <p>A state machine over the connection's cumulated input buffer; it consumes complete units only
 * (a header line, or a whole bulk payload with its CRLF), so a request split across reads resumes
 * where it stopped and is never re-parsed. Limits follow Redis 7.0: lines without a newline may
 * not exceed 64 KiB, bulk lengths are bounded by {@code proto-max-bulk-len}, and clients that
 * still have to authenticate may send at most 10 arguments of at most 16 KiB. Counts from the
 * wire never size an allocation up front: argument arrays grow as arguments arrive.
 *
 * <p>Errors carry Redis's exact texts; after one, the connection replies and closes.
 */
public final class RequestParser {
    /** Longest header or inline line (PROTO_INLINE_MAX_SIZE). */
    public static final int INLINE_MAX = 64 * 1024;
    private static final int UNAUTH_MAX_ARGS = 10;
    private static final int UNAUTH_MAX_BULK = 16384;

    private long maxBulkLen = 512L * 1024 * 1024;
    private boolean unauthenticated;

    private int multibulkLen; // remaining arguments of the current multibulk, 0 = between requests
    private long bulkLen = -1; // length of the bulk being read, -1 = expect a header
    private final List<byte[]> args = new ArrayList<>();
    private static final byte[][] EMPTY = new byte[0][];

    public void maxBulkLen(long v) {
        this.maxBulkLen = v;
    }

    /** While true, the stricter limits for clients that have not authenticated apply. */
    public void unauthenticated(boolean v) {
        this.unauthenticated = v;
    }

    /** True when a request is partly read (used by CLIENT LIST's query buffer figures). */
    public boolean midRequest() {
        return multibulkLen > 0;
    }

    /**
     * Parses the next complete request from {@code in}. Returns its arguments, an empty array for
     * an empty request (to be skipped), or null when more input is needed.
     */
    public byte[][] next(ByteBuf in) throws ProtocolException {
        if (multibulkLen == 0) {
            if (!in.isReadable()) {
                return null;
            }
            if (in.getByte(in.readerIndex()) != '*') {
                return inline(in);
            }
            int eol = in.indexOf(in.readerIndex(), in.writerIndex(), (byte) '\r');
            if (eol < 0 || eol + 1 >= in.writerIndex()) {
                if (in.readableBytes() > INLINE_MAX) {
                    throw new ProtocolException("Protocol error: too big mbulk count string");
                }
                return null;
            }
            long n = parseLong(in, in.readerIndex() + 1, eol);
            if (n == Long.MIN_VALUE || n > Integer.MAX_VALUE) {
                throw new ProtocolException("Protocol error: invalid multibulk length");
            }
            if (n > UNAUTH_MAX_ARGS && unauthenticated) {
                throw new ProtocolException("Protocol error: unauthenticated multibulk length");
            }
            in.readerIndex(eol + 2);
            if (n <= 0) {
                return EMPTY;
            }
            multibulkLen = (int) n;
            args.clear();
        }
        while (multibulkLen > 0) {
            if (bulkLen == -1) {
                if (!in.isReadable()) {
                    return null;
                }
                int eol = in.indexOf(in.readerIndex(), in.writerIndex(), (byte) '\r');
                if (eol < 0 || eol + 1 >= in.writerIndex()) {
                    if (in.readableBytes() > INLINE_MAX) {
                        throw new ProtocolException("Protocol error: too big bulk count string");
                    }
                    return null;
                }
                byte first = in.getByte(in.readerIndex());
                if (first != '$') {
                    throw new ProtocolException("Protocol error: expected '$', got '" + (char) (first & 0xff) + "'");
                }
                long len = parseLong(in, in.readerIndex() + 1, eol);
                if (len == Long.MIN_VALUE || len < 0 || len > maxBulkLen) {
                    throw new ProtocolException("Protocol error: invalid bulk length");
                }
                if (len > UNAUTH_MAX_BULK && unauthenticated) {
                    throw new ProtocolException("Protocol error: unauthenticated bulk length");
                }
                in.readerIndex(eol + 2);
                bulkLen = len;
            }
            if (in.readableBytes() < bulkLen + 2) {
                return null;
            }
            byte[] arg = new byte[(int) bulkLen];
            in.readBytes(arg);
            in.skipBytes(2);
            args.add(arg);
            bulkLen = -1;
            multibulkLen--;
        }
        byte[][] argv = args.toArray(EMPTY);
        args.clear();
        return argv;
    }

    /** Bytes held by a partly read request, for the query buffer limit. */
    public long pendingBytes() {
        long s = 0;
        for (byte[] a : args) {
            s += a.length;
        }
        return s;
    }

    private static byte[][] inline(ByteBuf in) throws ProtocolException {
        int nl = in.indexOf(in.readerIndex(), in.writerIndex(), (byte) '\n');
        if (nl < 0) {
            if (in.readableBytes() > INLINE_MAX) {
                throw new ProtocolException("Protocol error: too big inline request");
            }
            return null;
        }
        int end = nl;
        if (end > in.readerIndex() && in.getByte(end - 1) == '\r') {
            end--;
        }
        byte[] line = new byte[end - in.readerIndex()];
        in.getBytes(in.readerIndex(), line);
        in.readerIndex(nl + 1);
        byte[][] argv = splitArgs(line);
        if (argv == null) {
            throw new ProtocolException("Protocol error: unbalanced quotes in request");
        }
        return argv;
    }

    /**
     * Splits a line into arguments the way redis-cli and Redis's inline parser do: blanks separate
     * arguments; "double quotes" take \n \r \t \b \a \\ \" and \xHH escapes; 'single quotes' take
     * \'. A closing quote must be followed by a blank or the end. Returns null on unbalanced quotes.
     */
    public static byte[][] splitArgs(byte[] line) {
        List<byte[]> out = new ArrayList<>();
        int i = 0;
        int n = line.length;
        java.io.ByteArrayOutputStream cur = new java.io.ByteArrayOutputStream();
        while (true) {
            while (i < n && isSpace(line[i])) {
                i++;
            }
            if (i >= n) {
                return out.toArray(EMPTY);
            }
            boolean inq = false;
            boolean insq = false;
            boolean done = false;
            cur.reset();
            while (!done) {
                if (inq) {
                    if (i >= n) {
                        return null;
                    }
                    byte c = line[i];
                    if (c == '\\' && i + 3 < n && line[i + 1] == 'x' && isHex(line[i + 2]) && isHex(line[i + 3])) {
                        cur.write(hex(line[i + 2]) * 16 + hex(line[i + 3]));
                        i += 3;
                    } else if (c == '\\' && i + 1 < n) {
                        i++;
                        byte e = line[i];
                        switch (e) {
                            case 'n' -> cur.write('\n');
                            case 'r' -> cur.write('\r');
                            case 't' -> cur.write('\t');
                            case 'b' -> cur.write('\b');
                            case 'a' -> cur.write(7);
                            default -> cur.write(e);
                        }
                    } else if (c == '"') {
                        if (i + 1 < n && !isSpace(line[i + 1])) {
                            return null;
                        }
                        done = true;
                    } else {
                        cur.write(c);
                    }
                } else if (insq) {
                    if (i >= n) {
                        return null;
                    }
                    byte c = line[i];
                    if (c == '\\' && i + 1 < n && line[i + 1] == '\'') {
                        i++;
                        cur.write('\'');
                    } else if (c == '\'') {
                        if (i + 1 < n && !isSpace(line[i + 1])) {
                            return null;
                        }
                        done = true;
                    } else {
                        cur.write(c);
                    }
                } else {
                    if (i >= n) {
                        done = true;
                        break;
                    }
                    byte c = line[i];
                    switch (c) {
                        case ' ', '\n', '\r', '\t', 0 -> done = true;
                        case '"' -> inq = true;
                        case '\'' -> insq = true;
                        default -> cur.write(c);
                    }
                }
                if (i < n) {
                    i++;
                }
            }
            out.add(cur.toByteArray());
        }
    }

    private static boolean isSpace(byte c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == 0x0b || c == 0x0c || c == 0;
    }

    private static boolean isHex(byte c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    private static int hex(byte c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        return (c | 0x20) - 'a' + 10;
    }

    /** Parses a decimal long in [from, to); Long.MIN_VALUE when it is not one (as string2ll). */
    private static long parseLong(ByteBuf in, int from, int to) {
        if (from >= to || to - from > 20) {
            return Long.MIN_VALUE;
        }
        boolean neg = false;
        int i = from;
        if (in.getByte(i) == '-') {
            neg = true;
            i++;
            if (i == to) {
                return Long.MIN_VALUE;
            }
        }
        long v = 0;
        for (; i < to; i++) {
            int d = in.getByte(i) - '0';
            if (d < 0 || d > 9) {
                return Long.MIN_VALUE;
            }
            if (v > (Long.MAX_VALUE - d) / 10) {
                return Long.MIN_VALUE;
            }
            v = v * 10 + d;
        }
        return neg ? -v : v;
    }

    @Override
    public String toString() {
        return "RequestParser{multibulkLen=" + multibulkLen + ", bulkLen=" + bulkLen + ", args=" + Arrays.toString(args.toArray()) + "}";
    }
}
