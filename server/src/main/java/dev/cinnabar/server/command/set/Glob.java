package dev.cinnabar.server.command.set;

/**
 * Glob-style matching as Redis's stringmatchlen: {@code *}, {@code ?}, {@code [abc]},
 * {@code [^a-z]}, {@code \x} escapes; bytes compare exactly (case-sensitive).
 *
 * <p>Iterative with a single backtrack point for {@code *} (the classic two-pointer algorithm),
 * so a hostile pattern costs O(pattern × string), never exponential time.
 */
public final class Glob {
    private Glob() {
    }

    public static boolean matches(byte[] p, byte[] s) {
        int pi = 0;
        int si = 0;
        int starP = -1;
        int starS = 0;
        while (si < s.length) {
            if (pi < p.length) {
                byte pc = p[pi];
                if (pc == '*') {
                    while (pi < p.length && p[pi] == '*') {
                        pi++;
                    }
                    if (pi == p.length) {
                        return true;
                    }
                    starP = pi;
                    starS = si;
                    continue;
                }
                int next = matchOne(p, pi, s[si]);
                if (next >= 0) {
                    pi = next;
                    si++;
                    continue;
                }
            }
            if (starP < 0) {
                return false;
            }
            pi = starP;
            si = ++starS;
        }
        while (pi < p.length && p[pi] == '*') {
            pi++;
        }
        return pi == p.length;
    }

    /** Matches one pattern token at pi against c; returns the index after the token, or -1. */
    private static int matchOne(byte[] p, int pi, byte c) {
        byte pc = p[pi];
        if (pc == '?') {
            return pi + 1;
        }
        if (pc == '[') {
            int i = pi + 1;
            boolean not = i < p.length && p[i] == '^';
            if (not) {
                i++;
            }
            boolean match = false;
            while (i < p.length && p[i] != ']') {
                if (p[i] == '\\' && i + 1 < p.length) {
                    i++;
                    match |= p[i] == c;
                    i++;
                } else if (i + 2 < p.length && p[i + 1] == '-') {
                    int a = p[i] & 0xff;
                    int b = p[i + 2] & 0xff;
                    if (a > b) {
                        int t = a;
                        a = b;
                        b = t;
                    }
                    int x = c & 0xff;
                    match |= x >= a && x <= b;
                    i += 3;
                } else {
                    match |= p[i] == c;
                    i++;
                }
            }
            // an unterminated class ends at the pattern's end, as Redis
            int after = i < p.length ? i + 1 : i;
            return match != not ? after : -1;
        }
        if (pc == '\\' && pi + 1 < p.length) {
            return p[pi + 1] == c ? pi + 2 : -1;
        }
        return pc == c ? pi + 1 : -1;
    }
}
