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
import java.util.List;

/** EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT. */
public final class ScriptingCommands implements CommandFamily {
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
    }

    void eval(Client c, boolean bySha, boolean readOnly) {
        if (bySha && c.arg(1).length != 40) {
            c.error("NOSCRIPT No matching script. Please use EVAL."); // Redis checks the SHA's length first
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
        ScriptEngine engine = c.server().scripting();
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
            c.reply().bulk(c.server().scripting().load(c.arg(2)).sha());
        } catch (ScriptException e) {
            c.error(e.getMessage());
        }
    }

    void scriptExists(Client c) {
        ScriptEngine engine = c.server().scripting();
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
        c.server().scripting().flush();
        c.reply().ok();
    }

    void scriptKill(Client c) {
        // while a script is busy this runs on its thread, from inside it (see BusyScriptGate)
        BusyScriptGate.kill(c, true);
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
