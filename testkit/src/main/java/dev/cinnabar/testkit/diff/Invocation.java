package dev.cinnabar.testkit.diff;

import java.util.List;

/**
 * One command of a differential sequence: which connection sends it, its arguments (name
 * first), and the command it was generated for ("get", "config|get"; null for an unknown
 * command) so normalisers can recognise it even when the arguments are deliberately wrong.
 */
public record Invocation(int client, List<String> args, String command) {
    public Invocation {
        args = List.copyOf(args);
    }

    public static Invocation of(String... args) {
        return new Invocation(0, List.of(args), args.length == 0 ? null : args[0].toLowerCase());
    }

    /** The arguments quoted for redis-cli (and readable in reports). */
    public String commandLine() {
        StringBuilder sb = new StringBuilder();
        for (String a : args) {
            if (sb.length() > 0) {
                sb.append(' ');
            }
            sb.append(quote(a));
        }
        return sb.toString();
    }

    static String quote(String a) {
        boolean plain = !a.isEmpty();
        for (int i = 0; i < a.length() && plain; i++) {
            char c = a.charAt(i);
            plain = c > 32 && c < 127 && c != '"' && c != '\'' && c != '\\';
        }
        if (plain) {
            return a;
        }
        StringBuilder sb = new StringBuilder("\"");
        for (char c : a.toCharArray()) {
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c < 32 || c == 127) {
                sb.append(String.format("\\x%02x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.append('"').toString();
    }

    @Override
    public String toString() {
        return "c" + client + " " + commandLine();
    }
}
