package dev.cinnabar.server.command.server;

/**
 * Redis's stringmatch for CONFIG GET patterns: {@code *}, {@code ?}, {@code [abc]}, {@code [^a-z]},
 * backslash escapes, optionally case-insensitive. Private to this family until util/Glob lands.
 *
 * <p>Matching backtracks only to the last {@code *} seen (the classic wildcard algorithm), so a
 * client-sent pattern such as {@code *a*a*a*a*b} costs O(pattern × name), never exponential time.
 */
final class GlobMatch {
    private GlobMatch() {
    }

    static boolean matches(String p, String s, boolean nocase) {
        int pi = 0;
        int si = 0;
        int starP = -1;
        int starS = 0;
        while (si < s.length()) {
            if (pi < p.length() && p.charAt(pi) == '*') {
                while (pi < p.length() && p.charAt(pi) == '*') {
                    pi++;
                }
                starP = pi;
                starS = si;
                continue;
            }
            int next = pi < p.length() ? one(p, pi, s.charAt(si), nocase) : -1;
            if (next >= 0) {
                pi = next;
                si++;
            } else if (starP >= 0) {
                pi = starP;
                si = ++starS;
            } else {
                return false;
            }
        }
        while (pi < p.length() && p.charAt(pi) == '*') {
            pi++;
        }
        return pi == p.length();
    }

    /** Matches one pattern element at pi against c; returns the index after it, or -1. */
    private static int one(String p, int pi, char c, boolean nocase) {
        char pc = p.charAt(pi);
        char fc = fold(c, nocase);
        if (pc == '?') {
            return pi + 1;
        }
        if (pc == '\\' && pi + 1 < p.length()) {
            return fold(p.charAt(pi + 1), nocase) == fc ? pi + 2 : -1;
        }
        if (pc != '[') {
            return fold(pc, nocase) == fc ? pi + 1 : -1;
        }
        pi++;
        boolean not = pi < p.length() && p.charAt(pi) == '^';
        if (not) {
            pi++;
        }
        boolean found = false;
        while (pi < p.length() && p.charAt(pi) != ']') {
            if (p.charAt(pi) == '\\' && pi + 1 < p.length()) {
                pi++;
                found |= fold(p.charAt(pi), nocase) == fc;
            } else if (pi + 2 < p.length() && p.charAt(pi + 1) == '-' && p.charAt(pi + 2) != ']') {
                char lo = fold(p.charAt(pi), nocase);
                char hi = fold(p.charAt(pi + 2), nocase);
                if (lo > hi) {
                    char t = lo;
                    lo = hi;
                    hi = t;
                }
                found |= fc >= lo && fc <= hi;
                pi += 2;
            } else {
                found |= fold(p.charAt(pi), nocase) == fc;
            }
            pi++;
        }
        if (found == not) {
            return -1;
        }
        return pi < p.length() ? pi + 1 : pi;
    }

    private static char fold(char c, boolean nocase) {
        return nocase ? Character.toLowerCase(c) : c;
    }
}
