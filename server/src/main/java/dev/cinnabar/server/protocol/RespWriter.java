package dev.cinnabar.server.protocol;

import dev.cinnabar.server.util.Doubles;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * Writes replies as RESP2 or RESP3 bytes into a Netty buffer owned by the connection.
 *
 * <p>The buffer is swapped per flush by the connection ({@link #target(ByteBuf)}); the writer
 * itself holds no other state than the protocol version, so one instance lives per client.
 * Integers below 1024 and the common headers come from precomputed tables.
 */
public final class RespWriter implements Reply {
    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[][] SMALL = new byte[1024][];
    private static final byte[] NULL_BULK2 = "$-1\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NULL_ARRAY2 = "*-1\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NULL3 = "_\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] OK = "+OK\r\n".getBytes(StandardCharsets.US_ASCII);

    static {
        for (int i = 0; i < SMALL.length; i++) {
            SMALL[i] = Integer.toString(i).getBytes(StandardCharsets.US_ASCII);
        }
    }

    private ByteBuf out;
    private int protocol = 2;
    private long errors;
    private String lastError;
    private boolean lastErrorCounted;

    /** The connection's buffer; {@link #out} is it, or {@link #sink} while muted. */
    private ByteBuf target;
    private boolean muted;
    /** Where muted replies go (emptied by {@link #muted(boolean) unmuting}). */
    private ByteBuf sink;

    public void target(ByteBuf out) {
        this.target = out;
        this.out = muted ? sink : out;
    }

    public ByteBuf target() {
        return target;
    }

    /**
     * While muted (CLIENT REPLY OFF/SKIP), replies are written to a scratch buffer instead of the
     * target; pushes ({@link #pushing}) still reach the target.
     */
    public void muted(boolean m) {
        if (m == muted) {
            return;
        }
        muted = m;
        if (m) {
            if (sink == null) {
                sink = io.netty.buffer.Unpooled.buffer(256);
            }
            out = sink;
        } else {
            out = target;
            if (sink.capacity() > 65536) {
                sink = null; // a large muted reply: do not keep its memory
            } else {
                sink.clear();
            }
        }
    }

    /** What was muted since {@link #muted muting} began (CLIENT REPLY ON turning replies back on). */
    public ByteBuf mutedBytes() {
        return muted ? sink : io.netty.buffer.Unpooled.EMPTY_BUFFER;
    }

    @Override
    public void pushing(Runnable write) {
        if (!muted) {
            write.run();
            return;
        }
        out = target;
        try {
            write.run();
        } finally {
            out = sink;
        }
    }

    @Override
    public long mark() {
        return out == null || muted ? -1 : out.writerIndex();
    }

    @Override
    public boolean resetTo(long mark) {
        if (muted) {
            return true; // nothing of a muted reply reaches the client
        }
        if (out == null || mark < 0 || mark > out.writerIndex()) {
            return false;
        }
        out.writerIndex((int) mark);
        return true;
    }

    public void protocol(int version) {
        this.protocol = version;
    }

    @Override
    public int protocol() {
        return protocol;
    }

    private void header(char type, long n) {
        out.writeByte(type);
        writeLong(n);
        out.writeBytes(CRLF);
    }

    /** Scratch for integer digits: integers of any size are written without allocating. */
    private final byte[] digits = new byte[20];

    private void writeLong(long n) {
        if (n >= 0 && n < SMALL.length) {
            out.writeBytes(SMALL[(int) n]);
            return;
        }
        if (n == Long.MIN_VALUE) {
            out.writeBytes(LONG_MIN);
            return;
        }
        boolean neg = n < 0;
        long v = neg ? -n : n;
        int i = digits.length;
        do {
            digits[--i] = (byte) ('0' + (v % 10));
            v /= 10;
        } while (v != 0);
        if (neg) {
            out.writeByte('-');
        }
        out.writeBytes(digits, i, digits.length - i);
    }

    private static final byte[] LONG_MIN = Long.toString(Long.MIN_VALUE).getBytes(StandardCharsets.US_ASCII);

    @Override
    public void raw(byte[] b, int off, int len) {
        out.writeBytes(b, off, len);
    }

    @Override
    public void ok() {
        out.writeBytes(OK);
    }

    @Override
    public void simple(String s) {
        out.writeByte('+');
        out.writeCharSequence(s, StandardCharsets.UTF_8);
        out.writeBytes(CRLF);
    }

    @Override
    public long errorCount() {
        return errors;
    }

    @Override
    public String lastError() {
        return lastError;
    }

    @Override
    public void errorCounted(String msg) {
        error(msg);
        lastErrorCounted = true;
    }

    @Override
    public boolean lastErrorCounted() {
        return lastErrorCounted;
    }

    @Override
    public void error(String msg) {
        errors++;
        lastError = msg;
        lastErrorCounted = false;
        out.writeByte('-');
        // An error line may not contain CR or LF; Redis replaces them with spaces.
        if (msg.indexOf('\r') >= 0 || msg.indexOf('\n') >= 0) {
            msg = msg.replace('\r', ' ').replace('\n', ' ');
        }
        out.writeCharSequence(msg, StandardCharsets.UTF_8);
        out.writeBytes(CRLF);
    }

    @Override
    public void integer(long v) {
        header(':', v);
    }

    @Override
    public void bulk(byte[] b) {
        header('$', b.length);
        out.writeBytes(b);
        out.writeBytes(CRLF);
    }

    @Override
    public void bulk(byte[] b, int off, int len) {
        header('$', len);
        out.writeBytes(b, off, len);
        out.writeBytes(CRLF);
    }

    @Override
    public void bulk(String s) {
        bulk(s.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void nullBulk() {
        out.writeBytes(protocol == 3 ? NULL3 : NULL_BULK2);
    }

    @Override
    public void nullArray() {
        out.writeBytes(protocol == 3 ? NULL3 : NULL_ARRAY2);
    }

    @Override
    public void array(int n) {
        header('*', n);
    }

    @Override
    public void map(int n) {
        if (protocol == 3) {
            header('%', n);
        } else {
            header('*', 2L * n);
        }
    }

    @Override
    public void set(int n) {
        header(protocol == 3 ? '~' : '*', n);
    }

    @Override
    public void push(int n) {
        header(protocol == 3 ? '>' : '*', n);
    }

    @Override
    public void dbl(double d) {
        if (protocol == 3) {
            out.writeByte(',');
            out.writeCharSequence(Doubles.resp3(d), StandardCharsets.US_ASCII);
            out.writeBytes(CRLF);
        } else {
            bulk(Doubles.fmt17g(d));
        }
    }

    @Override
    public void dblText(String text) {
        if (protocol == 3) {
            out.writeByte(',');
            out.writeCharSequence(text, StandardCharsets.US_ASCII);
            out.writeBytes(CRLF);
        } else {
            bulk(text);
        }
    }

    @Override
    public void bigNumber(String digits) {
        if (protocol == 3) {
            out.writeByte('(');
            out.writeCharSequence(digits, StandardCharsets.US_ASCII);
            out.writeBytes(CRLF);
        } else {
            bulk(digits);
        }
    }

    @Override
    public boolean attribute(int n) {
        if (protocol != 3) {
            return false;
        }
        header('|', n);
        return true;
    }

    @Override
    public void bool(boolean b) {
        if (protocol == 3) {
            out.writeByte('#');
            out.writeByte(b ? 't' : 'f');
            out.writeBytes(CRLF);
        } else {
            integer(b ? 1 : 0);
        }
    }

    @Override
    public void verbatim(String format, String text) {
        if (protocol == 3) {
            byte[] t = text.getBytes(StandardCharsets.UTF_8);
            header('=', t.length + 4L);
            out.writeCharSequence(format, StandardCharsets.US_ASCII);
            out.writeByte(':');
            out.writeBytes(t);
            out.writeBytes(CRLF);
        } else {
            bulk(text);
        }
    }

    private record Deferred(int start, boolean map) {
    }

    @Override
    public Object deferredArray() {
        return new Deferred(out.writerIndex(), false);
    }

    @Override
    public Object deferredMap() {
        return new Deferred(out.writerIndex(), true);
    }

    @Override
    public void finishDeferred(Object handle, int n) {
        Deferred d = (Deferred) handle;
        char type;
        long count = n;
        if (d.map) {
            if (protocol == 3) {
                type = '%';
            } else {
                type = '*';
                count = 2L * n;
            }
        } else {
            type = '*';
        }
        byte[] h = (type + Long.toString(count) + "\r\n").getBytes(StandardCharsets.US_ASCII);
        int len = out.writerIndex() - d.start;
        byte[] body = new byte[len];
        out.getBytes(d.start, body);
        out.writerIndex(d.start);
        out.writeBytes(h);
        out.writeBytes(body);
    }
}
