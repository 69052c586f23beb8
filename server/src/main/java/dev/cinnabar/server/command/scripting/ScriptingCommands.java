package dev.cinnabar.server.command.scripting;

import dev.cinnabar.server.command.CommandFamily;
import dev.cinnabar.server.command.CommandTable;
import dev.cinnabar.server.protocol.Errors;
import dev.cinnabar.server.protocol.Texts;
import dev.cinnabar.server.scripting.BusyScriptGate;
import dev.cinnabar.server.scripting.ScriptEngine;
import dev.cinnabar.server.scripting.ScriptException;
import dev.cinnabar.server.session.Client;
import dev.cinnabar.server.store.Numbers;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT.
 *
 * <p>SCRIPT DEBUG: Cinnabar has no Lua debugger (Redis's LDB, which redis-cli --ldb drives). As
 * in Redis, SCRIPT DEBUG YES|SYNC arms debugging for the client's next EVAL and NO disarms it; the
 * armed EVAL cannot start a session, so it runs nothing and answers {@link #NO_DEBUGGER}, which is
 * what redis-cli --ldb prints (it ignores SCRIPT DEBUG's own reply), and disarms the client, as the
 * end of a session would. See docs/compatibility.md.
 */
public final class ScriptingCommands implements CommandFamily {
    static final String NO_DEBUGGER = "ERR Lua debugging (SCRIPT DEBUG, redis-cli --ldb) is not supported by Cinnabar: "
            + "the script was not run. Run it without debugging.";
    /** Clients that sent SCRIPT DEBUG YES or SYNC (weak: a client that goes away leaves nothing). */
    private final Map<Client, Boolean> debugArmed = Collections.synchronizedMap(new WeakHashMap<>());

    @Override
    public void register(CommandTable t) {
        t.bindScript("eval", c -> eval(c, false, false));
        t.bindScript("eval_ro", c -> eval(c, false, true));
        t.bindScript("evalsha", c -> eval(c, true, false));
        t.bindScript("evalsha_ro", c -> eval(c, true, true));
        t.bind("script", "load", this::scriptLoad);
        t.bind("script", "exists", this::scriptExists);
        t.bind("script", "flush", this::scriptFlush);
        t.bind("script", "kill", this::scriptKill);
        t.bind("script", "help", this::scriptHelp);
        t.bind("script", "debug", this::scriptDebug);
    }

    void eval(Client c, boolean bySha, boolean readOnly) {
        if (bySha && c.arg(1).length != 40) {
            c.error("NOSCRIPT No matching script. Please use EVAL."); // Redis checks the SHA's length first, even before the debugging mode
            return;
        }
        if (!debugArmed.isEmpty() && debugArmed.remove(c) != null) {
            c.error(bySha ? "ERR Please use EVAL instead of EVALSHA for debugging" : NO_DEBUGGER);
            if (bySha) {
                debugArmed.put(c, Boolean.TRUE); // Redis keeps the mode for the EVAL that follows
            }
            return;
        }
        Long numkeys = Numbers.parseLong(c.arg(2));
        if (numkeys == null) {
            c.error(Errors.NOT_INTEGER);
            return;
        }
        if (numkeys > c.argc() - 3) {
            c.error("ERR Number of keys can't be greater than number of args");
            return;
        }
        if (numkeys < 0) {
            c.error("ERR Number of keys can't be negative");
            return;
        }
        ScriptEngine engine = ScriptEngine.of(c.server());
        ScriptEngine.Script s;
        if (bySha) {
            s = engine.lookup(Texts.str(c.arg(1)));
            if (s == null) {
                c.error("NOSCRIPT No matching script. Please use EVAL.");
                return;
            }
        } else {
            try {
                s = engine.load(c.arg(1));
            } catch (ScriptException e) {
                c.error(e.getMessage());
                return;
            }
        }
        if (readOnly && s.flags().hasShebang() && !s.flags().noWrites()) {
            // a script that declares its flags is judged by them, as FCALL_RO judges a function
            c.error(Errors.RO_SCRIPT_WITH_WRITE_FLAG);
            return;
        }
        int nk = numkeys.intValue();
        List<byte[]> keys = new ArrayList<>(nk);
        for (int i = 0; i < nk; i++) {
            keys.add(c.arg(3 + i));
        }
        List<byte[]> args = new ArrayList<>(c.argc() - 3 - nk);
        for (int i = 3 + nk; i < c.argc(); i++) {
            args.add(c.arg(i));
        }
        engine.run(c, s, keys, args, readOnly);
    }

    void scriptLoad(Client c) {
        try {
            c.reply().bulk(ScriptEngine.of(c.server()).load(c.arg(2)).sha());
        } catch (ScriptException e) {
            c.error(e.getMessage());
        }
    }

    void scriptExists(Client c) {
        ScriptEngine engine = ScriptEngine.of(c.server());
        c.reply().array(c.argc() - 2);
        for (int i = 2; i < c.argc(); i++) {
            c.reply().integer(engine.exists(Texts.str(c.arg(i))) ? 1 : 0);
        }
    }

    void scriptFlush(Client c) {
        if (c.argc() > 3 || (c.argc() == 3 && !Texts.is(c.arg(2), "sync") && !Texts.is(c.arg(2), "async"))) {
            c.error("ERR SCRIPT FLUSH only support SYNC|ASYNC option");
            return;
        }
        ScriptEngine.of(c.server()).flush();
        c.reply().ok();
    }

    void scriptKill(Client c) {
        // while a script is busy this runs on its thread, from inside it (see BusyScriptGate)
        BusyScriptGate.kill(c, true);
    }

    void scriptDebug(Client c) {
        if (c.inExec()) {
            c.error("ERR SCRIPT DEBUG must be called outside a pipeline");
            return;
        }
        if (Texts.is(c.arg(2), "no")) {
            debugArmed.remove(c);
        } else if (Texts.is(c.arg(2), "yes") || Texts.is(c.arg(2), "sync")) {
            debugArmed.put(c, Boolean.TRUE);
        } else {
            c.error("ERR Use SCRIPT DEBUG YES/SYNC/NO");
            return;
        }
        c.reply().ok();
    }

    void scriptHelp(Client c) {
        String[] lines = {
            "SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "EXISTS <sha1> [<sha1> ...]",
            "    Tell, for each SHA1, whether the script is in the script cache.",
            "FLUSH [ASYNC|SYNC]",
            "    Empty the script cache.",
            "KILL",
            "    Stop the script that is running, if it has not written yet.",
            "DEBUG (YES|SYNC|NO)",
            "    Lua debugging is not supported: the next EVAL after YES or SYNC answers an error.",
            "LOAD <script>",
            "    Compile a script into the script cache and return its SHA1.",
            "HELP",
            "    Print this help.",
        };
        c.reply().array(lines.length);
        for (String l : lines) {
            c.reply().simple(l);
        }
    }
}
