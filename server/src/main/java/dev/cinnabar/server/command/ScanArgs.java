package dev.cinnabar.server.command;

import dev.cinnabar.server.protocol.Errors;
import dev.cinnabar.server.protocol.Reply;
import dev.cinnabar.server.session.Client;
import dev.cinnabar.server.store.Numbers;
import java.nio.charset.StandardCharsets;
import dev.cinnabar.server.util.Glob;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * What SCAN, SSCAN, HSCAN (and ZSCAN) share: the cursor, the options ({@code [MATCH pattern]
 * [COUNT count]}, and {@code [TYPE type]} for SCAN only) and the reply
 * {@code [next-cursor, [elements...]]}, elements filtered by the glob pattern. Each command keeps
 * its own walk over its collection.
 *
 * @param count how many elements to aim for (Redis's COUNT, default 10)
 * @param pattern the MATCH pattern, or null for none (also when it is "*")
 * @param type the TYPE filter (SCAN), or null for none
 */
public record ScanArgs(long count, byte[] pattern, byte[] type) {
    /**
     * Parses a cursor as Redis does (C's strtoul: optional sign, decimal digits, negative values
     * wrap around, no surrounding spaces); false when invalid.
     */
    public static boolean parseCursor(byte[] b, long[] out) {
        int i = 0;
        boolean neg = false;
        if (i < b.length && (b[i] == '+' || b[i] == '-')) {
            neg = b[i] == '-';
            i++;
        }
        if (i == b.length) {
            // "" converts nothing and leaves the end pointer at the string's end: cursor 0.
            // A lone sign converts nothing but leaves a character behind: invalid.
            out[0] = 0;
            return b.length == 0;
        }
        long v = 0;
        for (; i < b.length; i++) {
            int d = b[i] - '0';
            if (d < 0 || d > 9) {
                return false;
            }
            if (Long.compareUnsigned(v, Long.divideUnsigned(-1L, 10)) > 0) {
                return false;
            }
            long nv = v * 10 + d;
            if (Long.compareUnsigned(nv, v * 10) < 0) {
                return false;
            }
            v = nv;
        }
        out[0] = neg ? -v : v;
        return true;
    }

    /**
     * Parses the cursor at argument index i; replies "invalid cursor" and returns false when it
     * is not one, otherwise stores it in out[0].
     */
    public static boolean cursor(Client c, int i, long[] out) {
        if (!parseCursor(c.arg(i), out)) {
            c.error(Errors.INVALID_CURSOR);
            return false;
        }
        return true;
    }

    /**
     * Parses the options from argument index from (TYPE only when withType); replies with the
     * error and returns null when invalid.
     */
    public static ScanArgs parse(Client c, int from, boolean withType) {
        long count = 10;
        byte[] pattern = null;
        byte[] type = null;
        for (int j = from; j < c.argc(); j += 2) {
            String o = new String(c.arg(j), StandardCharsets.ISO_8859_1).toLowerCase();
            boolean hasValue = j + 1 < c.argc();
            if (o.equals("count") && hasValue) {
                Long n = Numbers.parseLong(c.arg(j + 1));
                if (n == null) {
                    c.error(Errors.NOT_INTEGER);
                    return null;
                }
                if (n < 1) {
                    c.error(Errors.SYNTAX);
                    return null;
                }
                count = n;
            } else if (o.equals("match") && hasValue) {
                byte[] p = c.arg(j + 1);
                pattern = p.length == 1 && p[0] == '*' ? null : p;
            } else if (withType && o.equals("type") && hasValue) {
                type = c.arg(j + 1);
            } else {
                c.error(Errors.SYNTAX);
                return null;
            }
        }
        return new ScanArgs(count, pattern, type);
    }

    /**
     * How many reply elements one call aims for: COUNT, times stride for collections replied as
     * pairs (HSCAN field/value, ZSCAN member/score), as Redis doubles COUNT for them. Wraps like
     * Redis's arithmetic for an absurd COUNT.
     */
    public long limit(int stride) {
        return count * stride;
    }

    /**
     * Redis's bound on one call's work: after the first table step, at most ten steps per element
     * aimed for ({@code do step while (cursor != 0 && maxIterations-- != 0 && found < limit)}).
     */
    public long maxIterations(int stride) {
        return limit(stride) * 10;
    }

    /** Where a key's SSCAN/HSCAN/ZSCAN starts: the cursor, the value and the options. */
    public record Start<T>(long cursor, T value, ScanArgs args) {
    }

    /**
     * The common start of {@code xSCAN key cursor [options]}: parses the cursor, reads the value
     * ({@code read} replies WRONGTYPE itself and returns {@code wrong}), replies an empty scan for
     * a missing key, then parses the options (Redis's order: a bad option on a missing key is not
     * an error). Returns null when a reply has been written.
     */
    public static <T> Start<T> start(Client c, java.util.function.Function<byte[], T> read, T wrong) {
        long[] cur = new long[1];
        if (!cursor(c, 2, cur)) {
            return null;
        }
        T value = read.apply(c.arg(1));
        if (value == wrong) {
            return null;
        }
        if (value == null) {
            replyEmpty(c);
            return null;
        }
        ScanArgs a = parse(c, 3, false);
        return a == null ? null : new Start<>(cur[0], value, a);
    }

    /** The reply for a missing key: cursor 0, no elements. */
    public static void replyEmpty(Client c) {
        c.reply().array(2);
        c.reply().bulk("0");
        c.reply().array(0);
    }

    /**
     * Replies [next, elements]; elements come in groups of stride (member, or member and score)
     * and a group is kept when its first element matches the pattern and then passes keep (null
     * for none; called once per matching group, in order, so it may have effects).
     */
    public void reply(Client c, long next, List<byte[]> elements, int stride, Predicate<byte[]> keep) {
        List<byte[]> kept = elements;
        if (pattern != null || keep != null) {
            kept = new ArrayList<>(elements.size());
            for (int i = 0; i < elements.size(); i += stride) {
                byte[] first = elements.get(i);
                if ((pattern == null || Glob.matches(pattern, first, false)) && (keep == null || keep.test(first))) {
                    kept.addAll(elements.subList(i, i + stride));
                }
            }
        }
        Reply r = c.reply();
        r.array(2);
        r.bulk(Long.toUnsignedString(next));
        r.array(kept.size());
        for (byte[] e : kept) {
            r.bulk(e);
        }
    }
}
