package dev.cinnabar.server.util;

import java.nio.charset.StandardCharsets;

/**
 * Glob-style matching with exactly Redis 7.0's semantics (its {@code stringmatchlen}), as used by
 * KEYS, SCAN MATCH, CONFIG GET, PSUBSCRIBE and ACL key patterns.
 *
 * <p>Syntax: {@code *} any run of bytes, {@code ?} one byte, {@code [abc]} one of, {@code [^abc]}
 * none of, {@code [a-z]} a range (reversed bounds are swapped), {@code \x} the byte x literally
 * (also inside classes). Quirks kept on purpose because Redis has them: an unterminated class
 * swallows the rest of the pattern; a trailing backslash matches a backslash; {@code [a-]}
 * is the range from 'a' to ']'; an empty subject is matched only by an empty pattern (even
 * {@code *} does not match it); and a pattern with more than 1000 star groups that still has
 * something to match after the 1001st never matches (Redis's guard against abusive patterns).
 *
 * <p>Implementation: the pattern is read token by token the way Redis reads it, and matched with
 * the classic single-backtrack-point algorithm (remember the last star, retry one byte further).
 * Every token other than a star consumes exactly one byte, so this accepts exactly what Redis's
 * recursive matcher accepts, in O(pattern x subject) time, without recursion and without a stack
 * that a hostile pattern could exhaust.
 */
public final class Glob {
    /** Star groups Redis recurses into before giving up (its nesting limit). */
    private static final int MAX_NESTING = 1000;

    private Glob() {
    }

    public static boolean matches(String pattern, String subject) {
        return matches(pattern.getBytes(StandardCharsets.UTF_8), subject.getBytes(StandardCharsets.UTF_8), false);
    }

    public static boolean matches(byte[] pattern, byte[] subject, boolean nocase) {
        return matches(pattern, 0, pattern.length, subject, 0, subject.length, nocase);
    }

    /** Matches subject[soff, soff+slen) against pattern[poff, poff+plen). */
    public static boolean matches(byte[] p, int poff, int plen, byte[] s, int soff, int slen, boolean nocase) {
        if (slen == 0) {
            return plen == 0;
        }
        int pend = poff + plen;
        int send = soff + slen;
        int pi = poff;
        int si = soff;
        int starP = -1; // pattern position after the last star group
        int starS = -1; // subject position that star group is currently matched up to
        int groups = 0;
        while (si < send) {
            if (pi < pend && p[pi] == '*') {
                while (pi < pend && p[pi] == '*') {
                    pi++;
                }
                if (pi == pend) {
                    return true; // a trailing star group matches the rest
                }
                if (++groups > MAX_NESTING) {
                    return false;
                }
                starP = pi;
                starS = si;
                continue;
            }
            int next = pi < pend ? matchOne(p, pi, pend, s[si], nocase) : -1;
            if (next >= 0) {
                pi = next;
                si++;
                continue;
            }
            if (starP < 0) {
                return false;
            }
            // Backtrack: let the last star group swallow one more byte.
            starS++;
            si = starS;
            pi = starP;
        }
        while (pi < pend && p[pi] == '*') {
            pi++;
        }
        return pi == pend;
    }

    /**
     * Matches one non-star token at p[pi] against byte c. Returns the pattern index after the
     * token when it matches, -1 when it does not.
     */
    private static int matchOne(byte[] p, int pi, int pend, byte c, boolean nocase) {
        byte t = p[pi];
        if (t == '?') {
            return pi + 1;
        }
        if (t == '[') {
            return matchClass(p, pi + 1, pend, c, nocase);
        }
        if (t == '\\' && pend - pi >= 2) {
            pi++;
            t = p[pi];
        }
        return same(t, c, nocase) ? pi + 1 : -1;
    }

    /** A class starting after '['; returns the index after its closing ']' (or pattern end). */
    private static int matchClass(byte[] p, int pi, int pend, byte c, boolean nocase) {
        boolean not = pi < pend && p[pi] == '^';
        if (not) {
            pi++;
        }
        boolean match = false;
        while (true) {
            if (pi >= pend) {
                break; // unterminated: the class ends with the pattern
            }
            byte x = p[pi];
            if (x == '\\' && pend - pi >= 2) {
                pi++;
                if (same(p[pi], c, nocase)) {
                    match = true;
                }
            } else if (x == ']') {
                pi++;
                break;
            } else if (pend - pi >= 3 && p[pi + 1] == '-') {
                int lo = p[pi] & 0xff;
                int hi = p[pi + 2] & 0xff;
                if (lo > hi) {
                    int tmp = lo;
                    lo = hi;
                    hi = tmp;
                }
                int v = c & 0xff;
                if (nocase) {
                    lo = lower(lo);
                    hi = lower(hi);
                    v = lower(v);
                }
                if (v >= lo && v <= hi) {
                    match = true;
                }
                pi += 2;
            } else if (same(x, c, nocase)) {
                match = true;
            }
            pi++;
        }
        if (not) {
            match = !match;
        }
        return match ? pi : -1;
    }

    private static boolean same(byte a, byte b, boolean nocase) {
        if (a == b) {
            return true;
        }
        return nocase && lower(a & 0xff) == lower(b & 0xff);
    }

    private static int lower(int c) {
        return c >= 'A' && c <= 'Z' ? c + 32 : c;
    }
}
