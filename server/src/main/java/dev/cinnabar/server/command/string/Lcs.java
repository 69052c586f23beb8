package dev.cinnabar.server.command.string;

import dev.cinnabar.server.protocol.Errors;
import dev.cinnabar.server.protocol.Texts;
import dev.cinnabar.server.session.Client;
import dev.cinnabar.server.store.Numbers;
import dev.cinnabar.server.store.Strings;

/**
 * LCS key1 key2 [LEN] [IDX] [MINMATCHLEN n] [WITHMATCHLEN]: the longest common subsequence of two
 * strings by the textbook dynamic programme, walked back from the end to produce the string or
 * the matched ranges (last range first), exactly as Redis 7.0 reports them.
 *
 * <p>Cost: O(len1 x len2) time and a table of (len1+1)(len2+1) ints. Like Redis we refuse a
 * table larger than proto-max-bulk-len; beyond Redis we also refuse one that would not fit
 * comfortably in the heap (Redis's "failed allocating" reply), so a client cannot exhaust it.
 */
final class Lcs {
    private Lcs() {
    }

    static void lcs(Client c) {
        Object oa = c.db().lookupRead(c.arg(1));
        Object ob = c.db().lookupRead(c.arg(2));
        if ((oa != null && !Strings.isString(oa)) || (ob != null && !Strings.isString(ob))) {
            c.error(Errors.LCS_NOT_STRINGS);
            return;
        }
        byte[] a = oa == null ? Strings.EMPTY : Strings.bytes(oa);
        byte[] b = ob == null ? Strings.EMPTY : Strings.bytes(ob);
        boolean getLen = false;
        boolean getIdx = false;
        boolean withMatchLen = false;
        long minMatchLen = 0;
        for (int j = 3; j < c.argc(); j++) {
            byte[] opt = c.arg(j);
            boolean more = j < c.argc() - 1;
            if (Texts.is(opt, "idx")) {
                getIdx = true;
            } else if (Texts.is(opt, "len")) {
                getLen = true;
            } else if (Texts.is(opt, "withmatchlen")) {
                withMatchLen = true;
            } else if (Texts.is(opt, "minmatchlen") && more) {
                Long v = Numbers.parseLong(c.arg(++j));
                if (v == null) {
                    c.error(Errors.NOT_INTEGER);
                    return;
                }
                minMatchLen = Math.max(0, v);
            } else {
                c.error(Errors.SYNTAX);
                return;
            }
        }
        if (getIdx && getLen) {
            c.error(Errors.LCS_IDX_AND_LEN);
            return;
        }
        int alen = a.length;
        int blen = b.length;
        long cells = (alen + 1L) * (blen + 1L);
        if (cells * 4 > c.server().config().protoMaxBulkLen) {
            c.error(Errors.LCS_OVER_LIMIT);
            return;
        }
        int[] table = allocate(cells);
        if (table == null) {
            c.error(Errors.LCS_NO_MEMORY);
            return;
        }
        int w = blen + 1;
        for (int i = 1; i <= alen; i++) {
            int row = i * w;
            int prev = row - w;
            byte ai = a[i - 1];
            for (int j = 1; j <= blen; j++) {
                if (ai == b[j - 1]) {
                    table[row + j] = table[prev + j - 1] + 1;
                } else {
                    int up = table[prev + j];
                    int left = table[row + j - 1];
                    table[row + j] = Math.max(up, left);
                }
            }
        }
        int total = table[alen * w + blen];
        if (getLen) {
            c.reply().integer(total);
            return;
        }
        walkBack(c, a, b, table, total, getIdx, withMatchLen, minMatchLen);
    }

    private static int[] allocate(long cells) {
        Runtime rt = Runtime.getRuntime();
        long free = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
        if (cells > Integer.MAX_VALUE - 16 || cells * 4 > free / 2) {
            return null;
        }
        try {
            return new int[(int) cells];
        } catch (OutOfMemoryError e) {
            return null;
        }
    }

    private static void walkBack(Client c, byte[] a, byte[] b, int[] table, int total, boolean getIdx,
                                 boolean withMatchLen, long minMatchLen) {
        int alen = a.length;
        int blen = b.length;
        int w = blen + 1;
        byte[] result = new byte[total];
        int idx = total;
        Object arrayHandle = null;
        int ranges = 0;
        if (getIdx) {
            c.reply().map(2);
            c.reply().bulk("matches");
            arrayHandle = c.reply().deferredArray();
        }
        // A range is open while aStart != alen; it spans a[aStart..aEnd] and b[bStart..bEnd].
        int aStart = alen;
        int aEnd = 0;
        int bStart = 0;
        int bEnd = 0;
        int i = alen;
        int j = blen;
        while (i > 0 && j > 0) {
            boolean emit = false;
            if (a[i - 1] == b[j - 1]) {
                result[idx - 1] = a[i - 1];
                if (aStart == alen) {
                    aStart = i - 1;
                    aEnd = i - 1;
                    bStart = j - 1;
                    bEnd = j - 1;
                } else if (aStart == i && bStart == j) {
                    aStart--;
                    bStart--;
                } else {
                    emit = true;
                }
                if (aStart == 0 || bStart == 0) {
                    emit = true;
                }
                idx--;
                i--;
                j--;
            } else {
                int up = table[(i - 1) * w + j];
                int left = table[i * w + j - 1];
                if (up > left) {
                    i--;
                } else {
                    j--;
                }
                if (aStart != alen) {
                    emit = true;
                }
            }
            long matchLen = (long) aEnd - aStart + 1;
            if (emit) {
                if (getIdx && (minMatchLen == 0 || matchLen >= minMatchLen)) {
                    c.reply().array(withMatchLen ? 3 : 2);
                    c.reply().array(2);
                    c.reply().integer(aStart);
                    c.reply().integer(aEnd);
                    c.reply().array(2);
                    c.reply().integer(bStart);
                    c.reply().integer(bEnd);
                    if (withMatchLen) {
                        c.reply().integer(matchLen);
                    }
                    ranges++;
                }
                aStart = alen;
            }
        }
        if (getIdx) {
            c.reply().finishDeferred(arrayHandle, ranges);
            c.reply().bulk("len");
            c.reply().integer(total);
        } else {
            c.reply().bulk(result);
        }
    }
}
