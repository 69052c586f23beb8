package dev.cinnabar.server.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.util.ByteProcessor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Incremental parser for client requests: RESP multibulk ({@code *N\r\n$len\r\n...}) and inline
 * commands (a text line, as telnet and redis-cli in some modes send).
 *
 * <p>A state machine over the connection's input buffer, called once per read. Header lines
 * ({@code *N}, {@code $len}) and inline lines are consumed once complete; a bulk payload is consumed
 * as it arrives, into the argument's own array, so the input buffer never holds more than about
 * one read and a large argument costs one copy out of the socket buffers plus the array's growth.
 * A request split across reads resumes where it stopped and nothing is parsed twice; the search
 * for a line's end also resumes where the previous read left it.
 *
 * <p>Memory: counts from the wire never size an allocation beyond what has arrived. A partly
 * received bulk starts at {@value #FIRST_PARTIAL} bytes (or what has arrived, if more) and doubles
 * as bytes arrive, jumping to its announced length once that is less than twice as much, so a
 * client announcing {@code $536870912} and sending little holds little (at most four times what
 * it sent); a bulk of n bytes costs n bytes copied out of the input plus less than n copied by the
 * growth steps. The argv array starts at {@value #FIRST_ARGV} slots and doubles up
 * to the announced count. {@link #pendingBytes()} (the arguments of the current request plus the
 * received part of the current bulk) lets the connection apply client-query-buffer-limit.
 *
 * <p>Limits and texts follow Redis 7.0 (networking.c): header and inline lines without an end may
 * not exceed 64 KiB; counts are decimal integers as Redis's string2ll reads them (no sign but a
 * leading '-', no leading zeros); a count above 2^31-1 is an invalid multibulk length and a count
 * of 0 or less an empty request; bulk lengths are bounded by {@code proto-max-bulk-len} (and by the
 * largest Java array); clients that still have to authenticate may send at most 10 arguments of at
 * most 16 KiB each. As in Redis, the two bytes after a payload are skipped without being checked.
 * After an error the connection replies and closes, so the parser's state no longer matters.
 */
public final class RequestParser {
    /** Longest header or inline line (PROTO_INLINE_MAX_SIZE). */
    public static final int INLINE_MAX = 64 * 1024;
    /** Most arguments a client that has to authenticate may send in one request. */
    static final int UNAUTH_MAX_ARGS = 10;
    /** Longest argument a client that has to authenticate may send. */
    static final int UNAUTH_MAX_BULK = 16384;
    /** Longest byte[] a JVM reliably allocates; a longer bulk is refused even if proto-max-bulk-len allows it. */
    static final int MAX_ARRAY = Integer.MAX_VALUE - 8;
    /** First capacity of a bulk whose bytes have not all arrived. */
    static final int FIRST_PARTIAL = 16 * 1024;
    /** First capacity of a request's argv (Redis also starts at min(count, 1024)). */
    static final int FIRST_ARGV = 1024;

    private static final String INVALID_MULTIBULK = "Protocol error: invalid multibulk length";
    private static final String INVALID_BULK = "Protocol error: invalid bulk length";
    private static final byte[][] EMPTY = new byte[0][];
    private static final ByteProcessor UNTIL_CR_OR_NUL = b -> b != '\r' && b != 0;
    private static final ByteProcessor UNTIL_LF_OR_NUL = b -> b != '\n' && b != 0;

    private long maxBulkLen = 512L * 1024 * 1024;
    /** Wire bytes consumed so far by the request being read, and by the last one returned. */
    private long requestBytes;
    private long lastRequestBytes;
    private boolean unauthenticated;

    /** Arguments of the current multibulk still to read; 0 between requests. */
    private int multibulkLen;
    /** The current request's arguments so far: argv[0..argc). */
    private byte[][] argv;
    private int argc;
    /** Payload bytes of argv[0..argc). */
    private long argvBytes;
    /** Announced length of the bulk being read; -1 while its header is expected. */
    private int bulkLen = -1;
    /** The partly received payload of the current bulk (null until a partial read starts it). */
    private byte[] bulk;
    /** Bytes of the current bulk's payload received so far. */
    private int bulkFilled;
    /** Bytes of the two after the payload skipped so far. */
    private int trailerSkipped;
    /**
     * Bytes after the input's reader index already searched for a line end without finding one;
     * -1 after a NUL byte, which no line end may follow.
     */
    private int scanned;

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
     * Parses the next complete request from {@code in}, consuming what it uses (including the
     * received part of an incomplete bulk). Returns its arguments, an empty array for an empty
     * request (to be skipped), or null when more input is needed. Between calls, the caller keeps
     * the unconsumed bytes in front and appends new input after them.
     */
    public byte[][] next(ByteBuf in) throws ProtocolException {
        int start = in.readerIndex();
        byte[][] out;
        try {
            out = parse(in);
        } finally {
            requestBytes += in.readerIndex() - start;
        }
        if (out != null) {
            lastRequestBytes = requestBytes;
            requestBytes = 0;
        }
        return out;
    }

    /** The bytes the request {@link #next} returned last took on the wire (over all reads). */
    public long lastRequestBytes() {
        return lastRequestBytes;
    }

    private byte[][] parse(ByteBuf in) throws ProtocolException {
        if (multibulkLen == 0) {
            if (!in.isReadable()) {
                return null;
            }
            if (in.getByte(in.readerIndex()) != '*') {
                return inline(in);
            }
            int eol = lineEnd(in, (byte) '\r');
            if (eol < 0) {
                if (in.readableBytes() > INLINE_MAX) {
                    throw new ProtocolException("Protocol error: too big mbulk count string");
                }
                return null;
            }
            long n = parseLong(in, in.readerIndex() + 1, eol, INVALID_MULTIBULK);
            if (n > Integer.MAX_VALUE) {
                throw new ProtocolException(INVALID_MULTIBULK);
            }
            if (n > UNAUTH_MAX_ARGS && unauthenticated) {
                throw new ProtocolException("Protocol error: unauthenticated multibulk length");
            }
            consumeLine(in, eol);
            if (n <= 0) {
                return EMPTY;
            }
            multibulkLen = (int) n;
            argv = new byte[Math.min(multibulkLen, FIRST_ARGV)][];
            argc = 0;
            argvBytes = 0;
        }
        while (multibulkLen > 0) {
            if (bulkLen < 0 && !readBulkHeader(in)) {
                return null;
            }
            byte[] arg = readBulk(in);
            if (arg == null) {
                return null;
            }
            if (argc == argv.length) {
                argv = Arrays.copyOf(argv, (int) Math.min(2L * argc, argc + multibulkLen));
            }
            argv[argc++] = arg;
            argvBytes += arg.length;
            multibulkLen--;
        }
        byte[][] out = argv;
        argv = null;
        argc = 0;
        argvBytes = 0;
        return out;
    }

    /** Reads a {@code $len} line into bulkLen; false when the line is not complete yet. */
    private boolean readBulkHeader(ByteBuf in) throws ProtocolException {
        if (!in.isReadable()) {
            return false;
        }
        int eol = lineEnd(in, (byte) '\r');
        if (eol < 0) {
            if (in.readableBytes() > INLINE_MAX) {
                throw new ProtocolException("Protocol error: too big bulk count string");
            }
            return false;
        }
        byte first = in.getByte(in.readerIndex());
        if (first != '$') {
            // (the reply sink turns a CR or LF into a space, as Redis does)
            throw new ProtocolException("Protocol error: expected '$', got '" + (char) (first & 0xff) + "'");
        }
        long len = parseLong(in, in.readerIndex() + 1, eol, INVALID_BULK);
        if (len < 0 || len > maxBulkLen || len > MAX_ARRAY) {
            throw new ProtocolException(INVALID_BULK);
        }
        if (len > UNAUTH_MAX_BULK && unauthenticated) {
            throw new ProtocolException("Protocol error: unauthenticated bulk length");
        }
        consumeLine(in, eol);
        bulkLen = (int) len;
        return true;
    }

    /**
     * Consumes what has arrived of the current bulk and its two trailing bytes; returns the payload
     * once complete, else null (what arrived is kept in {@link #bulk}).
     */
    private byte[] readBulk(ByteBuf in) {
        if (bulk == null) {
            int readable = in.readableBytes();
            if (readable >= bulkLen + 2) { // the common case: all of it is here, one exact copy
                byte[] arg = new byte[bulkLen];
                in.readBytes(arg);
                in.skipBytes(2);
                bulkLen = -1;
                return arg;
            }
            if (readable == 0) {
                return null;
            }
            bulk = new byte[partialCapacity(Math.max(readable, FIRST_PARTIAL))];
        }
        if (bulkFilled < bulkLen) {
            int n = Math.min(in.readableBytes(), bulkLen - bulkFilled);
            if (bulkFilled + n > bulk.length) {
                bulk = Arrays.copyOf(bulk, partialCapacity(Math.max(2L * bulk.length, bulkFilled + n)));
            }
            in.readBytes(bulk, bulkFilled, n);
            bulkFilled += n;
            if (bulkFilled < bulkLen) {
                return null;
            }
        }
        int skip = Math.min(in.readableBytes(), 2 - trailerSkipped);
        in.skipBytes(skip);
        trailerSkipped += skip;
        if (trailerSkipped < 2) {
            return null;
        }
        byte[] arg = bulk;
        bulk = null;
        bulkFilled = 0;
        trailerSkipped = 0;
        bulkLen = -1;
        return arg;
    }

    /**
     * The capacity to give the current bulk's array when it needs at least {@code wanted}: that,
     * or the announced length once wanted reaches half of it. Growth by doubling with this jump
     * allocates less than twice the length in all and copies less than the length once; at the
     * last step the old and new arrays together hold less than 1.5 times the length; and the array
     * never exceeds four times what has arrived (or 2 * {@value #FIRST_PARTIAL}).
     */
    private int partialCapacity(long wanted) {
        return wanted >= bulkLen / 2 ? bulkLen : (int) wanted;
    }

    /**
     * Bytes this parser holds for a partly read request: the arguments read so far plus the
     * received part of the current bulk (what Redis counts in argv-mem and the query buffer). O(1).
     */
    public long pendingBytes() {
        return argvBytes + bulkFilled;
    }

    /**
     * The received part of the bulk being read. Redis reads a large argument into its query
     * buffer, so this counts as query buffer (qbuf, client-query-buffer-limit), while the finished
     * arguments count as argv-mem.
     */
    public long partialBulkBytes() {
        return bulkFilled;
    }

    /** Arguments from this length on count in full as soon as their header is read (PROTO_MBULK_BIG_ARG). */
    static final int BIG_ARG = 32 * 1024;

    /**
     * The query buffer room the bulk being received takes (0 when none), as client memory counts
     * it: its array's capacity, and for a large argument its whole announced length from its
     * header on, which Redis allocates at once (we allocate it progressively, but the client has
     * committed to it, and client eviction must not wait for the bytes to trickle in).
     */
    public long partialBulkCapacity() {
        byte[] b = bulk;
        long cap = b == null ? 0 : b.length;
        int len = bulkLen;
        return len >= BIG_ARG ? Math.max(cap, len) : cap;
    }

    /**
     * Bytes of arrays held for the current request: argv slots (8 bytes each), the arguments read
     * and the partial bulk's capacity. For tests that bound what an announced length can allocate.
     */
    long heldCapacity() {
        return (argv == null ? 0 : 8L * argv.length) + argvBytes + (bulk == null ? 0 : bulk.length);
    }

    /**
     * Index of the terminator of the line starting at the reader index, when the line is complete
     * (for '\r', a byte follows it, as Redis requires), else -1. The search starts where the
     * previous one on this input stopped, so a line arriving in many small reads costs linear time.
     * As in Redis, whose search stops at a C string's end, a NUL byte before the terminator means
     * the line never completes (until it passes the 64 KiB limit).
     */
    private int lineEnd(ByteBuf in, byte terminator) {
        if (scanned < 0) {
            return -1;
        }
        int from = in.readerIndex() + scanned;
        int end = in.forEachByte(from, in.writerIndex() - from, terminator == '\r' ? UNTIL_CR_OR_NUL : UNTIL_LF_OR_NUL);
        if (end < 0) {
            scanned = in.readableBytes();
            return -1;
        }
        if (in.getByte(end) == 0) {
            scanned = -1;
            return -1;
        }
        if (terminator == '\r' && end + 1 >= in.writerIndex()) {
            scanned = end - in.readerIndex();
            return -1;
        }
        return end;
    }

    /** Consumes a header line ending with the CR at eol and the byte after it (not checked, as Redis). */
    private void consumeLine(ByteBuf in, int eol) {
        in.readerIndex(eol + 2);
        scanned = 0;
    }

    private byte[][] inline(ByteBuf in) throws ProtocolException {
        int nl = lineEnd(in, (byte) '\n');
        if (nl < 0) {
            if (in.readableBytes() > INLINE_MAX) {
                throw new ProtocolException("Protocol error: too big inline request");
            }
            return null;
        }
        scanned = 0;
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

    /**
     * Parses [from, to) as Redis's string2ll does: an optional '-', then digits without leading
     * zeros ("0" alone is fine, "-0" is not), within the range of a long. Throws error otherwise.
     */
    private static long parseLong(ByteBuf in, int from, int to, String error) throws ProtocolException {
        int i = from;
        boolean neg = i < to && in.getByte(i) == '-';
        if (neg) {
            i++;
        }
        if (i >= to || to - i > 19) {
            throw new ProtocolException(error);
        }
        int d0 = in.getByte(i) - '0';
        if (d0 < 0 || d0 > 9 || (d0 == 0 && (neg || to - i > 1))) {
            throw new ProtocolException(error);
        }
        long v = 0; // accumulated negatively, so that Long.MIN_VALUE is reachable
        for (; i < to; i++) {
            int d = in.getByte(i) - '0';
            if (d < 0 || d > 9 || v < (Long.MIN_VALUE + d) / 10) {
                throw new ProtocolException(error);
            }
            v = v * 10 - d;
        }
        if (!neg && v == Long.MIN_VALUE) {
            throw new ProtocolException(error);
        }
        return neg ? v : -v;
    }

    @Override
    public String toString() {
        return "RequestParser{multibulkLen=" + multibulkLen + ", argc=" + argc + ", bulkLen=" + bulkLen
                + ", bulkFilled=" + bulkFilled + "}";
    }
}
