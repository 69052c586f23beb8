package dev.cinnabar.server.scripting;

import dev.cinnabar.server.ServerContext;
import dev.cinnabar.server.command.CommandSpec;
import dev.cinnabar.server.protocol.Texts;
import dev.cinnabar.server.session.Client;

/**
 * Answers requests while a script or function has run past busy-reply-threshold and holds the
 * execution lock. The IO thread calls this without the lock: only SCRIPT KILL / FUNCTION KILL and
 * SHUTDOWN NOSAVE act; everything else gets Redis's BUSY error, as in Redis 7.0.
 */
public final class BusyScriptGate {
    private BusyScriptGate() {
    }

    public static void answer(ServerContext server, ScriptEngine busy, Client c) {
        boolean function = busy.isFunctionEngine();
        byte[][] argv = c.argv();
        CommandSpec cmd = server.commands().lookup(argv[0]);
        if (cmd != null && cmd.hasSubcommands() && c.argc() >= 2) {
            cmd = cmd.subcommand(argv[1]);
        }
        String name = cmd == null ? "" : cmd.fullName();
        if (name.equals("script|kill") || name.equals("function|kill")) {
            if (name.equals("script|kill") == function) {
                c.reply().error(busyError(function));
                return;
            }
            switch (busy.kill()) {
                case KILLED -> c.reply().ok();
                case NOT_BUSY -> c.reply().error("NOTBUSY No scripts in execution right now.");
                default -> c.reply().error("UNKILLABLE Sorry the script already executed write commands against the "
                        + "dataset. You can either wait the script termination or kill the server in a hard way using "
                        + "the SHUTDOWN NOSAVE command.");
            }
            return;
        }
        if (name.equals("shutdown") && c.argc() == 2 && Texts.is(argv[1], "nosave")) {
            Runnable hook = server.shutdownHook();
            if (hook != null) {
                busy.abort(); // the IO thread running the script must come back for the server to stop
                Thread t = new Thread(hook, "cinnabar-shutdown-nosave");
                t.setDaemon(true);
                t.start();
                return;
            }
        }
        c.reply().error(busyError(function));
    }

    private static String busyError(boolean function) {
        return function
                ? "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE."
                : "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.";
    }
}
