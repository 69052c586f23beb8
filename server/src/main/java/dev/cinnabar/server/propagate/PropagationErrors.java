package dev.cinnabar.server.propagate;

import dev.cinnabar.server.Crash;
import dev.cinnabar.server.ServerContext;
import java.util.Set;

/**
 * What happens when a command that reached us through propagation answers an error (Redis 7.0's
 * afterErrorReply for the master client and the AOF-loading client, with
 * propagation-error-behavior). Such an error means the data diverged: the command succeeded
 * where it ran first (a writable replica's own write, a script, a bug). Redis logs
 * "== CRITICAL == This replica is sending an error to its master: '...' after processing the
 * command '...'" (for the AOF: "This server ... its AOF-loading-client"), for the master the last
 * bytes of the backlog, counts unexpected_error_replies, then per propagation-error-behavior:
 *
 * <ul>
 *   <li>ignore (the default): goes on;</li>
 *   <li>panic-on-replicas: panics for an error to the master, when replica-read-only is yes (a
 *       writable replica's divergence is its own doing);</li>
 *   <li>panic: the same, and also for an error while loading the AOF.</li>
 * </ul>
 *
 * <p>The error text is logged as Redis's call site hands it over: errors with their own code, and
 * the few shared ERR errors (syntax error, no such key, index out of range), with the leading
 * '-' and code; other ERR errors as their message alone (Redis's addReplyError adds "-ERR " only
 * on the wire).
 */
public final class PropagationErrors {
    /** Who the error was for. */
    public enum To {
        MASTER("replica", "master"),
        AOF("server", "AOF-loading-client");

        final String from;
        final String to;

        To(String from, String to) {
            this.from = from;
            this.to = to;
        }
    }

    /** Redis's shared error objects with the ERR code (written with their code, '-' included). */
    private static final Set<String> SHARED_ERR = Set.of("ERR syntax error", "ERR no such key",
            "ERR index out of range", "ERR");

    private PropagationErrors() {
    }

    /**
     * Handles an error reply {@code error} (without the leading '-') to a propagated command.
     * Returns true when the server panicked: the caller applies nothing more.
     *
     * @param latestBacklog the backlog's last bytes as Redis's sdscatrepr shows them, or null
     */
    public static boolean afterErrorReply(ServerContext server, To to, String error, String command,
                                          String latestBacklog) {
        String shown = error.startsWith("ERR ") && !SHARED_ERR.contains(error) ? error.substring(4) : "-" + error;
        if (shown.length() > 4096) {
            shown = shown.substring(0, 4096);
        }
        server.log().warning("== CRITICAL == This " + to.from + " is sending an error to its " + to.to + ": '"
                + shown + "' after processing the command '" + command + "'");
        if (latestBacklog != null) {
            server.log().warning("Latest backlog is: '" + latestBacklog + "'");
        }
        server.stats().unexpectedErrorReplies++;
        String behavior = server.config().get("propagation-error-behavior");
        boolean panic = switch (to) {
            case MASTER -> !"ignore".equals(behavior) && "yes".equals(server.config().get("replica-read-only"));
            case AOF -> "panic".equals(behavior);
        };
        if (panic) {
            Crash.of(server).panic("This " + to.from + " panicked sending an error to its " + to.to
                    + " after processing the command '" + command + "'");
        }
        return panic;
    }
}
