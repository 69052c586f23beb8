package dev.cinnabar.server.command.generic;

import dev.cinnabar.server.command.CommandFamily;
import dev.cinnabar.server.command.CommandTable;
import dev.cinnabar.server.protocol.Errors;
import dev.cinnabar.server.protocol.Reply;
import dev.cinnabar.server.session.Client;
import dev.cinnabar.server.session.ClientFlags;
import dev.cinnabar.server.store.Db;
import dev.cinnabar.server.store.Notify;
import dev.cinnabar.server.store.Numbers;
import dev.cinnabar.server.store.Strings;
import dev.cinnabar.server.store.hash.RHash;
import dev.cinnabar.server.store.list.QuickList;
import dev.cinnabar.server.store.set.RSet;
import dev.cinnabar.server.store.zset.Scores;
import dev.cinnabar.server.store.zset.ZSet;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * SORT and SORT_RO over lists, sets and sorted sets.
 *
 * <p>Design: the elements to sort are loaded into an array of {@link Item}s (element, numeric
 * weight or comparison string), weights are read once (from the element itself or through the BY
 * pattern), then the array is sorted with a stable sort. Redis's order rules: numeric weights
 * compare as doubles and equal weights fall back to the elements' bytes; ALPHA compares bytes
 * (the server runs in the C locale); with ALPHA and BY a missing weight sorts first. A BY pattern
 * without '*' means "do not sort": lists and sorted sets keep their own order (DESC reverses it,
 * LIMIT reads only the range), sets keep their iteration order unless the result is STOREd, in
 * which case they are sorted ALPHA so that replicas agree.
 *
 * <p>Patterns: "#" is the element itself; otherwise the first '*' is replaced by the element, and
 * "->field" after it reads a hash field instead of a string key. A pattern without '*' names no
 * key (GET replies nil).
 *
 * <p>Cost: O(N + M log M) for N elements and M sorted, plus one lookup per element and pattern.
 */
public final class SortCommands implements CommandFamily {
    @Override
    public void register(CommandTable t) {
        t.bind("sort", c -> sort(c, false));
        t.bind("sort_ro", c -> sort(c, true));
    }

    /** One element being sorted: the element, and its weight (score or comparison bytes). */
    private static final class Item {
        final byte[] obj;
        double score;
        byte[] cmp;

        Item(byte[] obj) {
            this.obj = obj;
        }
    }

    /** Parsed options of one SORT call. */
    private record SortArgs(boolean desc, boolean alpha, long limitStart, long limitCount, byte[] store,
            byte[] by, boolean dontSort, List<byte[]> gets) {
        /** Parses argv[2..]; replies with the error and returns null on a bad option. */
        static SortArgs parse(Client c, boolean readOnly) {
            boolean desc = false;
            boolean alpha = false;
            long start = 0;
            long count = -1;
            byte[] store = null;
            byte[] by = null;
            boolean dontSort = false;
            List<byte[]> gets = new ArrayList<>();
            for (int j = 2; j < c.argc(); j++) {
                String opt = new String(c.arg(j), StandardCharsets.ISO_8859_1);
                int left = c.argc() - j - 1;
                if (opt.equalsIgnoreCase("asc")) {
                    desc = false;
                } else if (opt.equalsIgnoreCase("desc")) {
                    desc = true;
                } else if (opt.equalsIgnoreCase("alpha")) {
                    alpha = true;
                } else if (opt.equalsIgnoreCase("limit") && left >= 2) {
                    Long s = Numbers.parseLong(c.arg(j + 1));
                    Long n = s == null ? null : Numbers.parseLong(c.arg(j + 2));
                    if (n == null) {
                        c.error(Errors.NOT_INTEGER);
                        return null;
                    }
                    start = s;
                    count = n;
                    j += 2;
                } else if (!readOnly && opt.equalsIgnoreCase("store") && left >= 1) {
                    store = c.arg(++j);
                } else if (opt.equalsIgnoreCase("by") && left >= 1) {
                    by = c.arg(++j);
                    dontSort = indexOf(by, (byte) '*', 0) < 0;
                    // a BY pattern reads keys no key spec names: only for users who may read every key
                    if (!dontSort && !readsAnyKey(c)) {
                        c.error(Errors.SORT_BY_ACL);
                        return null;
                    }
                } else if (opt.equalsIgnoreCase("get") && left >= 1) {
                    if (!readsAnyKey(c)) {
                        c.error(Errors.SORT_GET_ACL);
                        return null;
                    }
                    gets.add(c.arg(++j));
                } else {
                    c.error(Errors.SYNTAX);
                    return null;
                }
            }
            return new SortArgs(desc, alpha, start, count, store, by, dontSort, gets);
        }
    }

    /** True when the client's ACL user may read any key with this call (Redis 7.0's rule for BY and GET). */
    private static boolean readsAnyKey(Client c) {
        // the spec called (a script's client has no current command set)
        return dev.cinnabar.server.acl.Acl.of(c.server()).readsAnyKey(c, c.server().commands().lookup(c.arg(0)));
    }

    void sort(Client c, boolean readOnly) {
        SortArgs a = SortArgs.parse(c, readOnly);
        if (a == null) {
            return;
        }
        Db db = c.db();
        Object v = db.lookupRead(c.arg(1));
        if (v != null && !(v instanceof QuickList) && !(v instanceof RSet) && !(v instanceof ZSet)) {
            c.error(Errors.WRONGTYPE);
            return;
        }
        boolean dontSort = a.dontSort();
        boolean alpha = a.alpha();
        byte[] by = a.by();
        if (dontSort && v instanceof RSet && (a.store() != null || (c.flags & ClientFlags.SCRIPT) != 0)) {
            // An unsorted set would store (or give a script) hash order; sort it so every replica
            // stores the same list and a script's effects do not depend on the set's layout.
            dontSort = false;
            alpha = true;
            by = null;
        }
        if (v instanceof ZSet z) {
            z.toSkiplist();
        }
        long len = v == null ? 0 : v instanceof QuickList q ? q.size() : v instanceof RSet s ? s.size()
                : ((ZSet) v).size();
        long start = Math.max(a.limitStart(), 0);
        long end = a.limitCount() < 0 ? len - 1 : saturatedAdd(start, a.limitCount() - 1);
        if (start >= len) {
            start = len - 1;
            end = len - 2;
        }
        if (end >= len) {
            end = len - 1;
        }
        Item[] items = load(v, dontSort, a.desc(), start, end);
        if (dontSort && !(v instanceof RSet) && end >= start) {
            // load() read only the requested range.
            end -= start;
            start = 0;
        }
        boolean writing = a.store() != null;
        if (!dontSort) {
            boolean conversionError = false;
            for (Item it : items) {
                byte[] w = it.obj;
                if (by != null) {
                    w = lookupByPattern(db, by, it.obj, writing);
                    if (w == null) {
                        continue;
                    }
                }
                if (alpha) {
                    if (by != null) {
                        it.cmp = w;
                    }
                } else {
                    double d = strtod(w);
                    if (Double.isNaN(d)) {
                        conversionError = true;
                    } else {
                        it.score = d;
                    }
                }
            }
            if (conversionError) {
                c.error(Errors.SORT_NOT_DOUBLE);
                return;
            }
            final boolean byPattern = by != null;
            final boolean alphaSort = alpha;
            final int sign = a.desc() ? -1 : 1;
            Arrays.sort(items, (x, y) -> sign * compare(x, y, alphaSort, byPattern));
        }
        long outLen = end >= start ? end - start + 1 : 0;
        List<byte[]> gets = a.gets();
        if (!gets.isEmpty()) {
            outLen *= gets.size();
        }
        if (!writing) {
            Reply r = c.reply();
            r.array((int) outLen);
            for (long j = start; j <= end; j++) {
                Item it = items[(int) j];
                if (gets.isEmpty()) {
                    r.bulk(it.obj);
                }
                for (byte[] pattern : gets) {
                    byte[] val = lookupByPattern(db, pattern, it.obj, false);
                    if (val == null) {
                        r.nullBulk();
                    } else {
                        r.bulk(val);
                    }
                }
            }
            return;
        }
        QuickList out = new QuickList();
        int fill = c.server().config().listMaxListpackSize;
        for (long j = start; j <= end; j++) {
            Item it = items[(int) j];
            if (gets.isEmpty()) {
                out.pushTail(it.obj, fill);
            }
            for (byte[] pattern : gets) {
                byte[] val = lookupByPattern(db, pattern, it.obj, true);
                out.pushTail(val == null ? Strings.EMPTY : val, fill);
            }
        }
        byte[] dst = a.store();
        if (outLen > 0) {
            db.setKey(dst, out, false);
            db.notify(Notify.LIST, "sortstore", dst);
            c.dirty(outLen);
        } else if (db.delete(dst)) {
            db.notify(Notify.GENERIC, "del", dst);
            c.dirty(1);
        }
        c.reply().integer(outLen);
    }

    /**
     * The elements to sort. With dontSort, lists and sorted sets load only [start, end] in their
     * own order (reversed for DESC); otherwise everything is loaded.
     */
    private static Item[] load(Object v, boolean dontSort, boolean desc, long start, long end) {
        List<Item> out = new ArrayList<>();
        if (v instanceof QuickList q) {
            if (dontSort) {
                if (end >= start) {
                    long from = desc ? q.size() - 1 - start : start;
                    QuickList.Cursor cur = q.cursor(from, !desc);
                    for (long i = start; i <= end && cur.valid(); i++) {
                        out.add(new Item(cur.value()));
                        cur.advance();
                    }
                }
            } else {
                q.forEach(b -> out.add(new Item(b)));
            }
        } else if (v instanceof RSet s) {
            s.forEach(b -> out.add(new Item(b)));
        } else if (v instanceof ZSet z) {
            if (dontSort) {
                if (end >= start) {
                    int from = (int) (desc ? z.size() - 1 - start : start);
                    z.walk(from, (int) (end - start + 1), desc, (m, sc) -> out.add(new Item(m)));
                }
            } else {
                z.forEach((m, sc) -> out.add(new Item(m)));
            }
        }
        return out.toArray(new Item[0]);
    }

    private static int compare(Item x, Item y, boolean alpha, boolean byPattern) {
        if (!alpha) {
            if (x.score > y.score) {
                return 1;
            }
            if (x.score < y.score) {
                return -1;
            }
            return Arrays.compareUnsigned(x.obj, y.obj);
        }
        if (byPattern) {
            if (x.cmp == null || y.cmp == null) {
                return x.cmp == y.cmp ? 0 : x.cmp == null ? -1 : 1;
            }
            return Arrays.compareUnsigned(x.cmp, y.cmp);
        }
        return Arrays.compareUnsigned(x.obj, y.obj);
    }

    /**
     * The value a pattern names for an element: the element for "#", the string at the key made by
     * replacing the first '*', or the hash field after "->". Null when the key is missing, of the
     * wrong type, or the pattern has no '*'.
     */
    static byte[] lookupByPattern(Db db, byte[] pattern, byte[] subst, boolean write) {
        if (pattern.length == 1 && pattern[0] == '#') {
            return subst;
        }
        int star = indexOf(pattern, (byte) '*', 0);
        if (star < 0) {
            return null;
        }
        int arrow = -1;
        for (int i = star + 1; i + 1 < pattern.length; i++) {
            if (pattern[i] == '-' && pattern[i + 1] == '>') {
                arrow = i;
                break;
            }
        }
        byte[] field = null;
        int keyEnd = pattern.length;
        if (arrow >= 0 && arrow + 2 < pattern.length) {
            field = Arrays.copyOfRange(pattern, arrow + 2, pattern.length);
            keyEnd = arrow;
        }
        byte[] key = new byte[star + subst.length + (keyEnd - star - 1)];
        System.arraycopy(pattern, 0, key, 0, star);
        System.arraycopy(subst, 0, key, star, subst.length);
        System.arraycopy(pattern, star + 1, key, star + subst.length, keyEnd - star - 1);
        Object o = write ? db.lookupWrite(key) : db.lookupRead(key);
        if (o == null) {
            return null;
        }
        if (field != null) {
            return o instanceof RHash h ? h.get(field) : null;
        }
        return Strings.isString(o) ? Strings.bytes(o) : null;
    }

    private static int indexOf(byte[] b, byte x, int from) {
        for (int i = from; i < b.length; i++) {
            if (b[i] == x) {
                return i;
            }
        }
        return -1;
    }

    private static long saturatedAdd(long a, long b) {
        long r = a + b;
        return ((a ^ r) & (b ^ r)) < 0 ? (a > 0 ? Long.MAX_VALUE : Long.MIN_VALUE) : r;
    }

    /**
     * A weight as Redis reads it with strtod: leading spaces allowed, the whole text must convert,
     * an empty text is 0; NaN, overflow and inexact underflow (errno ERANGE) are errors, returned
     * as NaN.
     */
    static double strtod(byte[] b) {
        double d = Scores.parseBound(b, 0);
        if (Double.isNaN(d) || (b.length > 0 && Character.isWhitespace((char) b[b.length - 1]))) {
            return Double.NaN;
        }
        String s = new String(b, StandardCharsets.ISO_8859_1).trim();
        boolean hex = s.matches("[+-]?0[xX].*");
        if (Double.isInfinite(d) && s.indexOf('n') < 0 && s.indexOf('N') < 0) {
            return Double.NaN; // overflow
        }
        if (d == 0) {
            int i = s.startsWith("+") || s.startsWith("-") ? 1 : 0;
            if (hex) {
                i += 2;
            }
            for (; i < s.length(); i++) {
                char ch = Character.toLowerCase(s.charAt(i));
                if (hex ? ch == 'p' : ch == 'e') {
                    break;
                }
                if ((ch >= '1' && ch <= '9') || (hex && ch >= 'a' && ch <= 'f')) {
                    return Double.NaN; // underflow to zero
                }
            }
        } else if (!hex && Math.abs(d) < Double.MIN_NORMAL && !Double.isInfinite(d)) {
            // A subnormal result is a range error unless it is exact.
            try {
                if (new BigDecimal(d).compareTo(new BigDecimal(s)) != 0) {
                    return Double.NaN;
                }
            } catch (NumberFormatException e) {
                return Double.NaN;
            }
        }
        return d;
    }
}
