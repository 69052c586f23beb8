package dev.cinnabar.server.acl;

import java.nio.charset.StandardCharsets;

/** Binary strings: one char per byte (ISO-8859-1), so names and patterns keep their exact bytes. */
final class Bin {
    private Bin() {
    }

    static String str(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** A binary string as text for an error message (its bytes read as UTF-8, as a client wrote them). */
    static String text(String s) {
        return new String(bytes(s), StandardCharsets.UTF_8);
    }

    /** True when s holds a space (C's isspace) or a NUL: not allowed in user names and patterns. */
    static boolean hasSpaces(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == ' ' || (c >= '\t' && c <= '\r') || c == 0) {
                return true;
            }
        }
        return false;
    }
}
