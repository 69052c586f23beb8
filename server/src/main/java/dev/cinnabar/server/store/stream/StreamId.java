package dev.cinnabar.server.store.stream;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;

/**
 * A stream entry ID: two unsigned 64-bit numbers (milliseconds, sequence) held in Java longs and
 * compared unsigned. Parsing follows Redis's rules: "ms-seq", "ms" (the missing sequence is
 * given by the caller), "-" and "+" unless strict, and "ms-*" where the caller allows it.
 */
public record StreamId(long ms, long seq) implements Comparable<StreamId> {
    public static final StreamId MIN = new StreamId(0, 0);
    public static final StreamId MAX = new StreamId(-1L, -1L);
    private static final BigInteger TWO_64 = BigInteger.ONE.shiftLeft(64);

    @Override
    public int compareTo(StreamId o) {
        int c = Long.compareUnsigned(ms, o.ms);
        return c != 0 ? c : Long.compareUnsigned(seq, o.seq);
    }

    public boolean isZero() {
        return ms == 0 && seq == 0;
    }

    /** The next ID, or null after the last possible one. */
    public StreamId next() {
        if (seq != -1L) {
            return new StreamId(ms, seq + 1);
        }
        return ms == -1L ? null : new StreamId(ms + 1, 0);
    }

    /** The previous ID, or null before 0-0. */
    public StreamId prev() {
        if (seq != 0) {
            return new StreamId(ms, seq - 1);
        }
        return ms == 0 ? null : new StreamId(ms - 1, -1L);
    }

    @Override
    public String toString() {
        return Long.toUnsignedString(ms) + "-" + Long.toUnsignedString(seq);
    }

    public byte[] toBytes() {
        return toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Parse result: the ID and whether the sequence was given ("ms-*" leaves it to the stream). */
    public record Parsed(StreamId id, boolean seqGiven) {
    }

    /**
     * Parses an ID argument; null when invalid. strict rejects "-" and "+"; allowStarSeq accepts
     * "ms-*" (XADD); missingSeq fills "ms" alone.
     */
    public static Parsed parse(byte[] b, boolean strict, boolean allowStarSeq, long missingSeq) {
        if (b.length > 127) {
            return null;
        }
        String s = new String(b, StandardCharsets.ISO_8859_1);
        int nul = s.indexOf('\0');
        if (nul >= 0) {
            s = s.substring(0, nul); // the C parser stops at a NUL byte
        }
        if (s.equals("-") || s.equals("+")) {
            if (strict) {
                return null;
            }
            return new Parsed(s.equals("-") ? MIN : MAX, true);
        }
        int dash = s.indexOf('-');
        String msPart = dash >= 0 ? s.substring(0, dash) : s;
        Long ms = parseUnsigned(msPart);
        if (ms == null) {
            return null;
        }
        if (dash < 0) {
            return new Parsed(new StreamId(ms, missingSeq), true);
        }
        String seqPart = s.substring(dash + 1);
        if (allowStarSeq && seqPart.equals("*")) {
            return new Parsed(new StreamId(ms, 0), false);
        }
        Long seq = parseUnsigned(seqPart);
        return seq == null ? null : new Parsed(new StreamId(ms, seq), true);
    }

    /**
     * An unsigned 64-bit number as Redis's string2ull reads it: a canonical non-negative long, or
     * whatever strtoull converts completely without range error (leading spaces, a sign).
     */
    static Long parseUnsigned(String s) {
        if (s.isEmpty()) {
            return null;
        }
        if (s.matches("-?[1-9][0-9]{0,18}|0")) {
            try {
                long v = Long.parseLong(s);
                return v < 0 ? null : v;
            } catch (NumberFormatException e) {
                // fall through to the strtoull reading
            }
        }
        int i = 0;
        while (i < s.length() && " \t\n\u000b\f\r".indexOf(s.charAt(i)) >= 0) {
            i++;
        }
        boolean neg = false;
        if (i < s.length() && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
            neg = s.charAt(i) == '-';
            i++;
        }
        String digits = s.substring(i);
        if (digits.isEmpty() || !digits.chars().allMatch(ch -> ch >= '0' && ch <= '9')) {
            return null;
        }
        BigInteger v = new BigInteger(digits);
        if (v.compareTo(TWO_64) >= 0) {
            return null;
        }
        if (neg) {
            v = TWO_64.subtract(v).mod(TWO_64);
        }
        return v.longValue();
    }
}
