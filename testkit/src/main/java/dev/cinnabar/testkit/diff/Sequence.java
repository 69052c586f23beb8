package dev.cinnabar.testkit.diff;

import java.util.ArrayList;
import java.util.List;

/**
 * A command sequence run from a clean server state on {@code clients} fresh connections per
 * server. {@code seed} regenerates a random sequence exactly (with the same command table).
 */
public record Sequence(long seed, int clients, List<Invocation> steps) {
    public Sequence {
        steps = List.copyOf(steps);
    }

    public Sequence withSteps(List<Invocation> s) {
        return new Sequence(seed, clients, s);
    }

    /**
     * A hand-written sequence, one command per line in redis-cli syntax (double quotes group,
     * backslash escapes inside quotes); a line may start with {@code c1 } to send it on the second
     * connection.
     */
    public static Sequence of(String... lines) {
        List<Invocation> steps = new ArrayList<>();
        int clients = 1;
        for (String line : lines) {
            List<String> words = split(line);
            int client = 0;
            if (words.size() > 1 && words.get(0).matches("c[0-9]")) {
                client = words.remove(0).charAt(1) - '0';
            }
            clients = Math.max(clients, client + 1);
            steps.add(new Invocation(client, words, words.isEmpty() ? null : words.get(0).toLowerCase()));
        }
        return new Sequence(0, clients, steps);
    }

    static List<String> split(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = null;
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char ch = line.charAt(i);
            if (quoted) {
                if (ch == '\\' && i + 1 < line.length()) {
                    char n = line.charAt(++i);
                    if (n == 'x' && i + 2 < line.length()) {
                        cur.append((char) Integer.parseInt(line.substring(i + 1, i + 3), 16));
                        i += 2;
                    } else {
                        cur.append(n == 'n' ? '\n' : n == 'r' ? '\r' : n == 't' ? '\t' : n);
                    }
                } else if (ch == '"') {
                    quoted = false;
                } else {
                    cur.append(ch);
                }
            } else if (ch == ' ') {
                if (cur != null) {
                    out.add(cur.toString());
                    cur = null;
                }
            } else {
                if (cur == null) {
                    cur = new StringBuilder();
                }
                if (ch == '"') {
                    quoted = true;
                } else {
                    cur.append(ch);
                }
            }
        }
        if (cur != null) {
            out.add(cur.toString());
        }
        return out;
    }
}
