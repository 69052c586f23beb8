package dev.cinnabar.server.scripting;

import dev.cinnabar.server.ServerContext;
import dev.cinnabar.server.command.CommandFlag;
import dev.cinnabar.server.command.CommandSpec;
import dev.cinnabar.server.command.Dispatcher;
import dev.cinnabar.server.protocol.Texts;
import dev.cinnabar.server.session.Client;

/**
 * The gate's busy-script stage. Once a script or function has run past busy-reply-threshold, its
 * thread serves the requests that wait for the execution lock from inside the script (see
 * ExecutionLock.serveWaiters); they pass the whole gate like any request, and this stage refuses
 * every command not flagged allow-busy with Redis's BUSY error (a refusal inside MULTI flags the
 * transaction, so its EXEC fails with EXECABORT, as Redis). Allowed: SCRIPT KILL / FUNCTION KILL,
 * FUNCTION STATS, MULTI, DISCARD, WATCH, UNWATCH, AUTH, HELLO, RESET, QUIT, and SHUTDOWN with
 * NOSAVE, which aborts the script so that the server can stop (Redis's shutdownCommand refuses
 * the other forms while a script is busy).
 */
public final class BusyScriptGate {
    private BusyScriptGate() {
    }

    /** Installs the stage (one line in Features). */
    public static void install(ServerContext ctx) {
        CommandSpec shutdown = ctx.commands().spec("shutdown"); // by identity: rename-command keeps it
        ctx.dispatcher().install(Dispatcher.Stage.BUSY, (c, cmd) -> refuse(ctx, c, cmd, shutdown));
        // SHUTDOWN NOSAVE of a stopping server (or a closing embedded one): no script may outlive it
        ctx.addShutdownListener(() -> abortRunning(ctx));
    }

    static String refuse(ServerContext server, Client c, CommandSpec cmd, CommandSpec shutdown) {
        ScriptEngine busy = busyScript(server);
        if (busy == null) {
            return null;
        }
        if (!cmd.has(CommandFlag.ALLOW_BUSY)) {
            return busyError(busy.isFunctionEngine());
        }
        if (cmd == shutdown) {
            if (!nosave(c)) {
                return busyError(busy.isFunctionEngine());
            }
            busy.abort(); // the script's thread must come back for the server to stop
        }
        return null;
    }

    /** The engine whose script or function has run past busy-reply-threshold, or null (safe without the lock). */
    public static ScriptEngine busyScript(ServerContext server) {
        if (noEngine(server)) {
            return null; // every command's gate
        }
        return engineWhere(server, ScriptEngine::busy);
    }

    /** True when no script or function has been used (ScriptsUsed says why not ask ScriptEngine). */
    private static boolean noEngine(ServerContext server) {
        return !ScriptsUsed.any(server);
    }

    /** The EVAL engine or the Functions engine, the first that exists and passes the test; else null. */
    private static ScriptEngine engineWhere(ServerContext server, java.util.function.Predicate<ScriptEngine> test) {
        ScriptEngine s = ScriptEngine.ifCreated(server);
        if (s != null && test.test(s)) {
            return s;
        }
        FunctionRegistry f = FunctionRegistry.ifCreated(server);
        if (f != null && test.test(f.engine())) {
            return f.engine();
        }
        return null;
    }

    private static boolean nosave(Client c) {
        boolean nosave = false;
        for (int i = 1; i < c.argc(); i++) {
            if (Texts.is(c.arg(i), "nosave")) {
                nosave = true;
            } else if (!Texts.is(c.arg(i), "now") && !Texts.is(c.arg(i), "force")) {
                return false;
            }
        }
        return nosave;
    }

    /** Stops whatever script or function runs, whatever it wrote (the server is stopping). */
    public static void abortRunning(ServerContext server) {
        if (noEngine(server)) {
            return; // every shutdown
        }
        ScriptEngine s = ScriptEngine.ifCreated(server);
        if (s != null) {
            s.abort();
        }
        FunctionRegistry f = FunctionRegistry.ifCreated(server);
        if (f != null) {
            f.engine().abort();
        }
    }

    /** Redis's BUSY error for a busy script (EVAL) or function (FCALL). */
    public static String busyError(boolean function) {
        return function
                ? "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE."
                : "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.";
    }

    /**
     * SCRIPT KILL (eval true) or FUNCTION KILL: Redis's scriptKill, in its order of checks. Runs
     * from inside the busy script's thread (see the class comment) or, when nothing runs, as a
     * plain command.
     */
    public static void kill(Client c, boolean eval) {
        ServerContext server = c.server();
        ScriptEngine running = runningEngine(server);
        if (running == null) {
            c.reply().error("NOTBUSY No scripts in execution right now.");
            return;
        }
        if (running.wroteSinceStart()) {
            c.reply().error("UNKILLABLE Sorry the script already executed write commands against the dataset. "
                    + "You can either wait the script termination or kill the server in a hard way using the "
                    + "SHUTDOWN NOSAVE command.");
            return;
        }
        if (eval == running.isFunctionEngine()) {
            // SCRIPT KILL of a function, FUNCTION KILL of an eval script: refused with the BUSY text
            c.reply().error(busyError(running.isFunctionEngine()));
            return;
        }
        running.kill();
        c.reply().ok();
    }

    private static ScriptEngine runningEngine(ServerContext server) {
        if (noEngine(server)) {
            return null;
        }
        return engineWhere(server, ScriptEngine::running);
    }
}
