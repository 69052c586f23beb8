package dev.cinnabar.server.scripting;

import org.luaj.vm2.LuaString;

/**
 * A growing byte buffer for the strings the script libraries build, checked against
 * {@link ScriptLimits#checkString} before it grows, so an oversized result is a script error
 * instead of an allocation the heap cannot take. The result shares the buffer (no final copy).
 */
final class LuaBytes {
    private final ScriptLimits limits;
    private byte[] buf;
    private int len;

    LuaBytes(ScriptLimits limits) {
        this(limits, 64);
    }

    LuaBytes(ScriptLimits limits, int capacity) {
        this.limits = limits;
        this.buf = new byte[Math.max(16, capacity)];
    }

    private void ensure(long extra) {
        long need = len + extra;
        if (need <= buf.length) {
            return;
        }
        limits.checkString(need);
        long grown = Math.max(need, Math.min(2L * buf.length, limits.maxBytes()));
        buf = java.util.Arrays.copyOf(buf, (int) grown);
    }

    int size() {
        return len;
    }

    void write(int b) {
        ensure(1);
        buf[len++] = (byte) b;
    }

    void write(byte[] b, int off, int n) {
        ensure(n);
        System.arraycopy(b, off, buf, len, n);
        len += n;
    }

    void writeBytes(byte[] b) {
        write(b, 0, b.length);
    }

    void write(LuaString s) {
        write(s.m_bytes, s.m_offset, s.m_length);
    }

    /** Appends the chars of an ISO-8859-1 (in practice ASCII) string, one byte each. */
    LuaBytes append(String s) {
        ensure(s.length());
        for (int i = 0; i < s.length(); i++) {
            buf[len++] = (byte) s.charAt(i);
        }
        return this;
    }

    LuaBytes append(char c) {
        write(c);
        return this;
    }

    LuaString toLuaString() {
        return LuaString.valueUsing(buf, 0, len);
    }
}
