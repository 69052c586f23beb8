package dev.cinnabar.server.protocol;

import java.nio.charset.StandardCharsets;

/** Byte-string helpers shared by the protocol layer and handlers. */
public final class Texts {
    private Texts() {
    }

    public static String str(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    public static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    public static String truncate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max);
    }

    /** ASCII case-insensitive comparison of an argument with a lowercase keyword. */
    public static boolean is(byte[] arg, String lowerKeyword) {
        int n = lowerKeyword.length();
        if (arg.length != n) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            int c = arg[i];
            if (c >= 'A' && c <= 'Z') {
                c += 32;
            }
            if (c != lowerKeyword.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    public static String lower(byte[] b) {
        char[] cs = new char[b.length];
        for (int i = 0; i < b.length; i++) {
            int c = b[i] & 0xff;
            if (c >= 'A' && c <= 'Z') {
                c += 32;
            }
            cs[i] = (char) c;
        }
        return new String(cs);
    }
}
