package dev.cinnabar.server.acl;

import dev.cinnabar.server.protocol.RequestParser;
import java.util.ArrayList;
import java.util.List;

/** Splitting rule strings as Redis does: selector arguments, and "(...)" spread over several words. */
final class Rules {
    private Rules() {
    }

    /**
     * Splits like Redis's sdssplitargs (RequestParser's rule), on the rule's bytes: words separated
     * by spaces, "double quoted" words with escapes, 'single quoted' words with \' only.
     * Unbalanced quotes give no words.
     */
    static List<String> splitArgs(String line) {
        byte[][] parts = RequestParser.splitArgs(Bin.bytes(line));
        if (parts == null) {
            return List.of();
        }
        List<String> out = new ArrayList<>(parts.length);
        for (byte[] p : parts) {
            out.add(Bin.str(p));
        }
        return out;
    }

    /** The merged rules, or the index of the word opening an unclosed selector. */
    record Merged(List<String> rules, int unclosedAt) {
    }

    /**
     * Joins a selector given over several words ("(~x" "+get)") into one rule, as Redis accepts it
     * from ACL SETUSER, config lines and the ACL file.
     */
    static Merged mergeSelectors(List<String> words) {
        List<String> out = new ArrayList<>();
        StringBuilder sel = null;
        int openAt = -1;
        for (int j = 0; j < words.size(); j++) {
            String op = words.get(j);
            if (op.startsWith("(") && !op.endsWith(")")) { // a new "(" restarts the selector, as Redis
                sel = new StringBuilder(op);
                openAt = j;
                continue;
            }
            if (sel != null) {
                sel.append(' ').append(op);
                if (op.endsWith(")")) {
                    out.add(sel.toString());
                    sel = null;
                }
                continue;
            }
            out.add(op);
        }
        return sel != null ? new Merged(null, openAt) : new Merged(out, -1);
    }
}
