package dev.cinnabar.testkit.model;

import dev.cinnabar.testkit.diff.Invocation;
import dev.cinnabar.testkit.diff.Sequence;
import java.util.ArrayList;
import java.util.List;

/**
 * A multi-client dialog: {@code clients} connections and the steps they take, one at a time.
 * A step is one connection writing one request, or a pipelined few in a single write. The
 * {@link #tail()} is the cleanup the {@link DialogModel} derives from the body (kill a busy
 * script, unpause, unblock, then RESET on every connection) so that every request ends up
 * answered or its connection closed; it is run like the body and its replies are compared too.
 *
 * <p>Arguments may name another connection: {@code $c2.id} and {@code $c2.addr} are replaced, on
 * each server, by that connection's client id and address. The connection with index
 * {@code clients} (one past the body's) is the cleanup connection used by the tail.
 *
 * <p>Text form (redis-cli quoting, one command per line): {@code c1 SET k v}; {@code c1+ GET k}
 * is sent in the same write as the line above; {@code c1~ GET k} is sent without waiting for the
 * server to settle (used while CLIENT PAUSE ALL holds every connection, including the harness's).
 */
public record Dialog(long seed, int clients, List<Step> body, List<Step> tail) {
    public Dialog {
        body = List.copyOf(body);
        tail = List.copyOf(tail);
    }

    /** One write by one connection. {@code async}: do not wait for the server to settle after it. */
    public record Step(int client, List<List<String>> commands, boolean async) {
        public Step {
            commands = commands.stream().map(List::copyOf).toList();
        }

        public static Step of(int client, String... args) {
            return new Step(client, List.of(List.of(args)), false);
        }

        /** The commands as invocations (command names lower case, subcommands as "client|reply"). */
        public List<Invocation> invocations() {
            List<Invocation> out = new ArrayList<>();
            for (List<String> c : commands) {
                out.add(new Invocation(client, c, commandName(c)));
            }
            return out;
        }

        List<String> lines() {
            List<String> out = new ArrayList<>();
            for (int i = 0; i < commands.size(); i++) {
                String prefix = "c" + client + (i > 0 ? "+" : async ? "~" : "");
                out.add(prefix + " " + new Invocation(client, commands.get(i), null).commandLine());
            }
            return out;
        }
    }

    /** A dialog whose tail is derived from its body by the model. */
    public static Dialog of(long seed, int clients, List<Step> body) {
        return new Dialog(seed, clients, body, new DialogModel(clients).tail(body));
    }

    /**
     * Parses the text form (see the class comment). Lines may keep the step numbers of a report;
     * the tail is derived, not parsed (a report's lines from "-- cleanup" on are ignored).
     */
    public static Dialog parse(String... lines) {
        List<Step> body = new ArrayList<>();
        int clients = 1;
        for (String raw : lines) {
            if (raw.contains("-- cleanup")) {
                break;
            }
            String line = raw.strip().replaceFirst("^[0-9]+\\s+", "");
            String[] head = line.split(" ", 2);
            String who = head[0];
            if (!who.matches("c[0-9][+~]?") || head.length < 2) {
                throw new IllegalArgumentException("not a dialog line: " + line);
            }
            int client = who.charAt(1) - '0';
            List<String> args = Sequence.of(head[1]).steps().get(0).args();
            clients = Math.max(clients, client + 1);
            if (who.endsWith("+")) {
                Step prev = body.remove(body.size() - 1);
                if (prev.client() != client) {
                    throw new IllegalArgumentException("a pipelined line must continue its client's write: " + line);
                }
                List<List<String>> cmds = new ArrayList<>(prev.commands());
                cmds.add(args);
                body.add(new Step(client, cmds, prev.async()));
            } else {
                body.add(new Step(client, List.of(args), who.endsWith("~")));
            }
        }
        return of(0, clients, body);
    }

    public Dialog withBody(List<Step> newBody) {
        return of(seed, clients, newBody);
    }

    /** Body then tail. */
    public List<Step> steps() {
        List<Step> all = new ArrayList<>(body);
        all.addAll(tail);
        return all;
    }

    /** Connections used, the cleanup connection included. */
    public int connections() {
        return clients + 1;
    }

    /** "get", "client|reply", "script|kill": the name normalisers and the model know a command by. */
    public static String commandName(List<String> args) {
        if (args.isEmpty()) {
            return null;
        }
        String name = args.get(0).toLowerCase();
        if (args.size() > 1 && DialogModel.CONTAINERS.contains(name)) {
            return name + "|" + args.get(1).toLowerCase();
        }
        return name;
    }

    /** The dialog in text form with step numbers, the tail marked. */
    public String render() {
        StringBuilder sb = new StringBuilder();
        List<Step> all = steps();
        for (int i = 0; i < all.size(); i++) {
            if (i == body.size()) {
                sb.append("      -- cleanup (derived) --\n");
            }
            List<String> lines = all.get(i).lines();
            for (int j = 0; j < lines.size(); j++) {
                sb.append(j == 0 ? String.format("%4d  ", i) : "      ").append(lines.get(j)).append('\n');
            }
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return "dialog seed=" + seed + " (" + clients + " clients)\n" + render();
    }
}
