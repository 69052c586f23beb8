package dev.cinnabar.server.scripting;

import dev.cinnabar.server.ServerContext;
import dev.cinnabar.server.command.CommandSpec;
import dev.cinnabar.server.command.Dispatcher;
import dev.cinnabar.server.protocol.Texts;
import dev.cinnabar.server.session.Client;

/**
 * What the script of an EVAL*, or the function of an FCALL*, declared about writing, read at the
 * gate before the command runs (Redis's evalGetCommandFlags / fcallGetCommandFlags): a script with
 * a shebang line and a function are judged by their flags (no-writes or not), a script without a
 * shebang, an unknown SHA or function, or a malformed shebang by the command's own flags. CLIENT
 * PAUSE WRITE and MULTI use it through {@link Dispatcher#mayReplicate}. Reads the script cache and
 * the function table only (loads nothing, creates no engine).
 */
public final class DeclaredFlags implements Dispatcher.ScriptDeclarations {
    private final ServerContext server;
    private final CommandSpec fcall;
    private final CommandSpec fcallRo;
    private final CommandSpec evalsha;
    private final CommandSpec evalshaRo;

    private DeclaredFlags(ServerContext server) {
        this.server = server;
        this.fcall = server.commands().spec("fcall");
        this.fcallRo = server.commands().spec("fcall_ro");
        this.evalsha = server.commands().spec("evalsha");
        this.evalshaRo = server.commands().spec("evalsha_ro");
    }

    /** Installs the look-up into the gate (one line in Features). */
    public static void install(ServerContext ctx) {
        ctx.dispatcher().scriptDeclarations = new DeclaredFlags(ctx);
    }

    @Override
    public Dispatcher.Declared declared(Client c, CommandSpec cmd) {
        ScriptFlags f = flags(cmd, c.arg(1));
        return f == null ? Dispatcher.Declared.UNDECLARED : writes(f);
    }

    /**
     * Redis's scriptFlagsToCmdFlags for the OOM rule: a declared script or function may grow memory
     * unless it declared allow-oom or no-writes; an undeclared one is judged by the command's flags.
     */
    @Override
    public boolean denyOom(CommandSpec cmd, byte[] first) {
        ScriptFlags f = flags(cmd, first);
        return f == null ? cmd.has(dev.cinnabar.server.command.CommandFlag.DENYOOM) : !f.allowOom() && !f.noWrites();
    }

    /** Redis's scriptFlagsToCmdFlags for the stale rule: a declared script runs stale only with allow-stale. */
    @Override
    public Boolean allowStale(CommandSpec cmd, byte[] first) {
        // a known script without a shebang runs in compatibility mode, which Redis never lets run
        // stale; an unknown script or function is judged by the command's flags (it then fails)
        ScriptFlags f = script(cmd, first);
        return f == null ? null : f.hasShebang() && f.allowStale();
    }

    /** The flags the script or function declared, or null when it declared none (or is unknown). */
    private ScriptFlags flags(CommandSpec cmd, byte[] first) {
        ScriptFlags f = script(cmd, first);
        return f == null || !f.hasShebang() ? null : f;
    }

    /** The flags of the script or function named, shebang or not; null when it is unknown. */
    private ScriptFlags script(CommandSpec cmd, byte[] first) {
        if (cmd == fcall || cmd == fcallRo) {
            FunctionRegistry functions = FunctionRegistry.ifCreated(server);
            FunctionRegistry.Function f = functions == null ? null : functions.function(Texts.str(first));
            return f == null ? null : f.flags();
        }
        boolean bySha = cmd == evalsha || cmd == evalshaRo;
        if (bySha && first.length != 40) {
            return null;
        }
        ScriptEngine engine = ScriptEngine.ifCreated(server);
        ScriptEngine.Script cached = engine == null ? null
                : engine.lookup(bySha ? Texts.str(first) : ScriptEngine.sha1(first, 0, first.length));
        ScriptFlags flags;
        if (cached != null) {
            flags = cached.flags();
        } else if (bySha) {
            return null;
        } else {
            try {
                flags = ScriptFlags.parseShebang(first);
            } catch (ScriptException e) {
                return null; // the command fails when it runs
            }
        }
        return flags;
    }

    private static Dispatcher.Declared writes(ScriptFlags f) {
        return f.noWrites() ? Dispatcher.Declared.NO_WRITES : Dispatcher.Declared.WRITES;
    }
}
