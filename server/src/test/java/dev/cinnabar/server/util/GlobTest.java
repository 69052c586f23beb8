package dev.cinnabar.server.util;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Glob against Redis 7.0's stringmatchlen: expectations recorded from redis-server 7.0.15 (KEYS). */
class GlobTest {
    static Object[][] cases() {
        return new Object[][] {
            {"*", "hello", true},
            {"*", "", false}, // stringmatchlen never matches an empty subject (KEYS * special-cases it)
            {"**", "", false},
            {"", "", true},
            {"", "a", false},
            {"a", "", false},
            {"h?llo", "hello", true},
            {"h?llo", "hllo", false},
            {"h*llo", "hllo", true},
            {"h*llo", "heeeello", true},
            {"h*llo", "heeeellox", false},
            {"h[ae]llo", "hallo", true},
            {"h[ae]llo", "hillo", false},
            {"h[^e]llo", "hallo", true},
            {"h[^e]llo", "hello", false},
            {"h[a-b]llo", "hbllo", true},
            {"h[a-b]llo", "hcllo", false},
            {"h[b-a]llo", "hallo", true},
            {"h[^a-c]llo", "hdllo", true},
            {"h[^a-c]llo", "hbllo", false},
            {"\\*", "*", true},
            {"\\*", "a", false},
            {"\\?", "?", true},
            {"\\?", "x", false},
            {"a\\", "a\\", true},
            {"a\\", "a", false},
            {"[\\]]", "]", true},
            {"[\\^]", "^", true},
            {"[^\\]]", "]", false},
            {"[]", "x", false},
            {"[]a", "]a", false},
            {"[^]", "x", true},
            {"[^]", "", false},
            {"[abc", "b", true},
            {"[abc", "bd", false},
            {"[abc", "abc", false},
            {"[a-]", "]", true},
            {"[a-]", "b", false},
            {"[a-]", "-", false},
            {"[a-]", "a", true},
            {"a*b*c", "abc", true},
            {"a*b*c", "aXbYc", true},
            {"a*b*c", "aXbY", false},
            {"**", "a", true},
            {"**a", "a", true},
            {"*a*", "bab", true},
            {"*a*", "bbb", false},
            {"*a*b*", "xaybz", true},
            {"*?", "a", true},
            {"*?", "", false},
            {"?*", "a", true},
            {"?*", "ab", true},
            {"[[]", "[", true},
            {"[a-z]*", "Hello", false},
            {"[A-Z]*", "Hello", true},
            {"a[\\-]b", "a-b", true},
            {"a[\\-]b", "a\\b", false},
            {"a[b-]", "a-", false},
            {"h\\[a\\]llo", "h[a]llo", true},
            {"h\\[a\\]llo", "hallo", false},
            {"[!a]", "b", false},
            {"[!a]", "!", true},
            {"*.txt", "notes.txt", true},
            {"*.txt", "notes.txt.bak", false},
            {"user:*:name", "user:42:name", true},
            {"user:*:name", "user:42:email", false},
            {"*x*x*x*", "axbxcx", true},
            {"*x*x*x*", "axbxc", false},
        };
    }

    @ParameterizedTest(name = "{0} ~ {1} -> {2}")
    @MethodSource("cases")
    void matchesAsRedis(String pattern, String subject, boolean expected) {
        assertThat(Glob.matches(pattern, subject)).isEqualTo(expected);
    }

    @Test
    void nocaseFoldsLettersInLiteralsAndClasses() {
        assertThat(Glob.matches(b("HeLLo"), b("hello"), true)).isTrue();
        assertThat(Glob.matches(b("HeLLo"), b("hello"), false)).isFalse();
        assertThat(Glob.matches(b("[A-C]x"), b("bX"), true)).isTrue();
        assertThat(Glob.matches(b("[^A-C]x"), b("bx"), true)).isFalse();
        assertThat(Glob.matches(b("maxmemory-*"), b("MAXMEMORY-policy"), true)).isTrue();
    }

    @Test
    void bytesAboveAsciiCompareAsUnsigned() {
        byte[] s = {(byte) 0xe9, 'a'};
        assertThat(Glob.matches(new byte[] {'[', (byte) 0xe0, '-', (byte) 0xef, ']', 'a'}, s, false)).isTrue();
        assertThat(Glob.matches(new byte[] {'[', 'a', '-', 'z', ']', 'a'}, s, false)).isFalse();
    }

    @Test
    void offsetsSelectTheRegions() {
        byte[] p = b("xxa*cyy");
        byte[] s = b("__abbbc__");
        assertThat(Glob.matches(p, 2, 3, s, 2, 5, false)).isTrue();
        assertThat(Glob.matches(p, 2, 3, s, 2, 4, false)).isFalse();
    }

    @Test
    void moreThanAThousandStarGroupsNeverMatchAsInRedis() {
        String subject = "a".repeat(1200);
        assertThat(Glob.matches("*a".repeat(1000), subject)).isTrue();
        assertThat(Glob.matches("*a".repeat(1001), subject)).isFalse();
        assertThat(Glob.matches("a*".repeat(1001), subject)).isTrue(); // the 1001st group is trailing
        assertThat(Glob.matches("a*".repeat(1002), subject)).isFalse();
    }

    @Test
    void hostilePatternsFinishQuickly() {
        String subject = "a".repeat(5000) + "b";
        long t0 = System.nanoTime();
        assertThat(Glob.matches("a*".repeat(900) + "c", subject)).isFalse();
        assertThat(Glob.matches("*".repeat(100_000) + "b", subject)).isTrue();
        assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(5_000);
    }

    /** The backtracking matcher agrees with a plain recursive definition on random inputs. */
    @Test
    void agreesWithARecursiveReferenceOnRandomInputs() {
        Random r = new Random(42);
        String alphabet = "ab*?[]^-\\";
        for (int i = 0; i < 20_000; i++) {
            String p = random(r, alphabet, r.nextInt(7));
            String s = random(r, "ab-]^\\", 1 + r.nextInt(6));
            assertThat(Glob.matches(p, s)).as("%s ~ %s", p, s).isEqualTo(reference(b(p), 0, b(s), 0));
        }
    }

    private static String random(Random r, String alphabet, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
        }
        return sb.toString();
    }

    /** Straightforward recursive reading of the same grammar (exponential, for tiny inputs). */
    private static boolean reference(byte[] p, int pi, byte[] s, int si) {
        if (si == s.length) {
            if (si == 0) {
                return pi == p.length;
            }
            while (pi < p.length && p[pi] == '*') {
                pi++;
            }
            return pi == p.length;
        }
        if (pi == p.length) {
            return false;
        }
        if (p[pi] == '*') {
            for (int k = si; k < s.length; k++) {
                if (reference(p, pi + 1, s, k)) {
                    return true;
                }
            }
            int q = pi;
            while (q < p.length && p[q] == '*') {
                q++;
            }
            return q == p.length;
        }
        byte c = s[si];
        int next;
        if (p[pi] == '?') {
            next = pi + 1;
        } else if (p[pi] == '[') {
            int i = pi + 1;
            boolean not = i < p.length && p[i] == '^';
            if (not) {
                i++;
            }
            boolean m = false;
            while (i < p.length && p[i] != ']') {
                if (p[i] == '\\' && i + 1 < p.length) {
                    m |= p[i + 1] == c;
                    i += 2;
                } else if (i + 2 < p.length && p[i + 1] == '-') {
                    int lo = Math.min(p[i], p[i + 2]);
                    int hi = Math.max(p[i], p[i + 2]);
                    m |= c >= lo && c <= hi;
                    i += 3;
                } else {
                    m |= p[i] == c;
                    i++;
                }
            }
            if (i < p.length) {
                i++; // the closing bracket
            }
            if (m == not) {
                return false;
            }
            next = i;
        } else {
            int i = pi;
            if (p[i] == '\\' && i + 1 < p.length) {
                i++;
            }
            if (p[i] != c) {
                return false;
            }
            next = i + 1;
        }
        return reference(p, next, s, si + 1);
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }
}
