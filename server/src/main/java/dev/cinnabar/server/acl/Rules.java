package dev.cinnabar.server.acl;

import java.util.ArrayList;
import java.util.List;

/** Splitting rule strings as Redis does: selector arguments, and "(...)" spread over several words. */
final class Rules {
    private Rules() {
    }

    /**
     * Splits like Redis's sdssplitargs: words separated by spaces, "double quoted" words with
     * escapes (\n, \xHH...), 'single quoted' words with \' only. Unbalanced quotes give no words.
     */
    static List<String> splitArgs(String line) {
        List<String> out = new ArrayList<>();
        int i = 0;
        int n = line.length();
        while (true) {
            while (i < n && Character.isWhitespace(line.charAt(i))) {
                i++;
            }
            if (i >= n) {
                return out;
            }
            StringBuilder cur = new StringBuilder();
            boolean inDq = false;
            boolean inSq = false;
            boolean done = false;
            while (!done) {
                if (i >= n) {
                    if (inDq || inSq) {
                        return List.of();
                    }
                    break;
                }
                char c = line.charAt(i);
                if (inDq) {
                    if (c == '\\' && i + 3 < n && line.charAt(i + 1) == 'x' && hex(line.charAt(i + 2))
                            && hex(line.charAt(i + 3))) {
                        cur.append((char) Integer.parseInt(line.substring(i + 2, i + 4), 16));
                        i += 3;
                    } else if (c == '\\' && i + 1 < n) {
                        i++;
                        char e = line.charAt(i);
                        cur.append(switch (e) {
                            case 'n' -> '\n';
                            case 'r' -> '\r';
                            case 't' -> '\t';
                            case 'b' -> '\b';
                            case 'a' -> (char) 7;
                            default -> e;
                        });
                    } else if (c == '"') {
                        if (i + 1 < n && !Character.isWhitespace(line.charAt(i + 1))) {
                            return List.of();
                        }
                        done = true;
                    } else {
                        cur.append(c);
                    }
                } else if (inSq) {
                    if (c == '\\' && i + 1 < n && line.charAt(i + 1) == '\'') {
                        i++;
                        cur.append('\'');
                    } else if (c == '\'') {
                        if (i + 1 < n && !Character.isWhitespace(line.charAt(i + 1))) {
                            return List.of();
                        }
                        done = true;
                    } else {
                        cur.append(c);
                    }
                } else if (c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == 0) {
                    done = true;
                } else if (c == '"') {
                    inDq = true;
                } else if (c == '\'') {
                    inSq = true;
                } else {
                    cur.append(c);
                }
                i++;
            }
            out.add(cur.toString());
        }
    }

    private static boolean hex(char c) {
        return Character.digit(c, 16) >= 0;
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
