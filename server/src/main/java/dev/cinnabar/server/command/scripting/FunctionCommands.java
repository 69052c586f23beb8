package dev.cinnabar.server.command.scripting;

import dev.cinnabar.server.command.CommandFamily;
import dev.cinnabar.server.command.CommandTable;
import dev.cinnabar.server.protocol.Errors;
import dev.cinnabar.server.protocol.Reply;
import dev.cinnabar.server.protocol.Texts;
import dev.cinnabar.server.scripting.BusyScriptGate;
import dev.cinnabar.server.scripting.FunctionRegistry;
import dev.cinnabar.server.scripting.ScriptEngine;
import dev.cinnabar.server.scripting.ScriptException;
import dev.cinnabar.server.session.Client;
import dev.cinnabar.server.store.Numbers;
import dev.cinnabar.server.util.Glob;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** FUNCTION and FCALL / FCALL_RO (Redis 7.0 Functions). */
public final class FunctionCommands implements CommandFamily {
    @Override
    public void register(CommandTable t) {
        t.bindScript("fcall", c -> fcall(c, false));
        t.bindScript("fcall_ro", c -> fcall(c, true));
        t.bind("function", "load", this::load);
        t.bind("function", "delete", this::delete);
        t.bind("function", "flush", this::flush);
        t.bind("function", "list", this::list);
        t.bind("function", "dump", this::dump);
        t.bind("function", "restore", this::restore);
        t.bind("function", "stats", this::stats);
        t.bind("function", "kill", this::kill);
        t.bind("function", "help", this::help);
    }

    void fcall(Client c, boolean readOnly) {
        FunctionRegistry reg = FunctionRegistry.of(c.server());
        FunctionRegistry.Function f = reg.function(Texts.str(c.arg(1)));
        if (f == null) {
            c.error("ERR Function not found");
            return;
        }
        Long numkeys = Numbers.parseLong(c.arg(2));
        if (numkeys == null) {
            c.error("ERR Bad number of keys provided");
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
        if (readOnly && !f.flags().noWrites()) {
            c.error(Errors.RO_SCRIPT_WITH_WRITE_FLAG);
            return;
        }
        int nk = numkeys.intValue();
        List<byte[]> keys = new ArrayList<>(nk);
        for (int i = 0; i < nk; i++) {
            keys.add(c.arg(3 + i));
        }
        List<byte[]> args = new ArrayList<>();
        for (int i = 3 + nk; i < c.argc(); i++) {
            args.add(c.arg(i));
        }
        reg.engine().callFunction(c, f.name(), f.callback(), f.flags(), keys, args, readOnly);
    }

    void load(Client c) {
        boolean replace = false;
        int i = 2;
        while (i < c.argc() - 1) {
            byte[] opt = c.arg(i++);
            if (Texts.is(opt, "replace")) {
                replace = true;
                continue;
            }
            c.error("ERR Unknown option given: " + Texts.str(opt));
            return;
        }
        if (i >= c.argc()) {
            c.error("ERR Function code is missing");
            return;
        }
        try {
            c.reply().bulk(FunctionRegistry.of(c.server()).load(new String(c.arg(i), StandardCharsets.UTF_8), replace));
            c.dirty(1);
        } catch (ScriptException e) {
            c.error(e.getMessage());
        }
    }

    void delete(Client c) {
        if (!FunctionRegistry.of(c.server()).delete(Texts.str(c.arg(2)))) {
            c.error("ERR Library not found");
            return;
        }
        c.dirty(1);
        c.reply().ok();
    }

    void flush(Client c) {
        if (c.argc() == 3 && !Texts.is(c.arg(2), "sync") && !Texts.is(c.arg(2), "async")) {
            c.error("ERR FUNCTION FLUSH only supports SYNC|ASYNC option");
            return;
        }
        if (c.argc() > 3) {
            c.error(Errors.unknownSubcommandOrArgs(Texts.str(c.arg(1)), "function"));
            return;
        }
        FunctionRegistry.of(c.server()).flush();
        c.dirty(1);
        c.reply().ok();
    }

    void list(Client c) {
        boolean withCode = false;
        String pattern = null;
        for (int i = 2; i < c.argc(); i++) {
            if (Texts.is(c.arg(i), "withcode")) {
                if (withCode) {
                    c.error("ERR Unknown argument " + Texts.str(c.arg(i)));
                    return;
                }
                withCode = true;
            } else if (Texts.is(c.arg(i), "libraryname")) {
                if (pattern != null) {
                    c.error("ERR Unknown argument " + Texts.str(c.arg(i)));
                    return;
                }
                if (i >= c.argc() - 1) {
                    c.error("ERR library name argument was not given");
                    return;
                }
                pattern = Texts.str(c.arg(++i));
            } else {
                c.error("ERR Unknown argument " + Texts.str(c.arg(i)));
                return;
            }
        }
        List<FunctionRegistry.Library> libs = new ArrayList<>();
        for (FunctionRegistry.Library l : FunctionRegistry.of(c.server()).libraries()) {
            if (pattern == null || Glob.matches(pattern, l.name())) {
                libs.add(l);
            }
        }
        Reply r = c.reply();
        r.array(libs.size());
        for (FunctionRegistry.Library l : libs) {
            r.map(withCode ? 4 : 3);
            r.bulk("library_name");
            r.bulk(l.name());
            r.bulk("engine");
            r.bulk("LUA");
            r.bulk("functions");
            r.array(l.functions().size());
            for (FunctionRegistry.Function f : l.functions().values()) {
                r.map(3);
                r.bulk("name");
                r.bulk(f.name());
                r.bulk("description");
                if (f.description() == null) {
                    r.nullBulk();
                } else {
                    r.bulk(f.description());
                }
                r.bulk("flags");
                r.set(f.flagNames().size());
                for (String fl : f.flagNames()) {
                    r.simple(fl);
                }
            }
            if (withCode) {
                r.bulk("library_code");
                r.bulk(l.code());
            }
        }
    }

    void dump(Client c) {
        c.reply().bulk(FunctionRegistry.of(c.server()).dump());
    }

    void restore(Client c) {
        FunctionRegistry.RestorePolicy policy = FunctionRegistry.RestorePolicy.APPEND;
        if (c.argc() == 4) {
            String p = Texts.str(c.arg(3)).toUpperCase();
            switch (p) {
                case "APPEND" -> policy = FunctionRegistry.RestorePolicy.APPEND;
                case "REPLACE" -> policy = FunctionRegistry.RestorePolicy.REPLACE;
                case "FLUSH" -> policy = FunctionRegistry.RestorePolicy.FLUSH;
                default -> {
                    c.error("ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.");
                    return;
                }
            }
        } else if (c.argc() > 4) {
            c.error(Errors.unknownSubcommandOrArgs(Texts.str(c.arg(1)), "function"));
            return;
        }
        try {
            FunctionRegistry.of(c.server()).restore(c.arg(2), policy);
            c.dirty(1);
            c.reply().ok();
        } catch (ScriptException e) {
            c.error(e.getMessage());
        }
    }

    void stats(Client c) {
        ScriptEngine eval = ScriptEngine.ifCreated(c.server());
        if (eval != null && eval.running()) {
            // Redis answers only for functions; a running EVAL script gets the BUSY error
            c.error(BusyScriptGate.busyError(false));
            return;
        }
        FunctionRegistry reg = FunctionRegistry.of(c.server());
        Reply r = c.reply();
        r.map(2);
        r.bulk("running_script");
        ScriptEngine.Running running = reg.engine().current();
        if (running == null) {
            r.nullBulk();
        } else {
            r.map(3);
            r.bulk("name");
            r.bulk(running.name());
            r.bulk("command");
            r.array(running.command().size());
            for (byte[] arg : running.command()) {
                r.bulk(arg);
            }
            r.bulk("duration_ms");
            r.integer(running.durationMillis());
        }
        r.bulk("engines");
        r.map(1);
        r.bulk("LUA");
        r.map(2);
        r.bulk("libraries_count");
        r.integer(reg.libraries().size());
        r.bulk("functions_count");
        r.integer(reg.functionCount());
    }

    void kill(Client c) {
        // while a function is busy this runs on its thread, from inside it (see BusyScriptGate)
        BusyScriptGate.kill(c, false);
    }

    void help(Client c) {
        String[] lines = {
            "FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "LOAD [REPLACE] <FUNCTION CODE>",
            "    Load a library of functions; REPLACE overwrites a library of the same name.",
            "FCALL / FCALL_RO <FUNCTION NAME> <NUMKEYS> [<KEY> ...] [<ARG> ...]",
            "    Call a function (see the FCALL commands).",
            "DELETE <LIBRARY NAME>",
            "    Delete a library and its functions.",
            "KILL",
            "    Stop the running function, if it has not written yet.",
            "FLUSH [ASYNC|SYNC]",
            "    Delete every library.",
            "LIST [LIBRARYNAME <PATTERN>] [WITHCODE]",
            "    List libraries, their functions and optionally their code.",
            "STATS",
            "    The running function and the counts of libraries and functions.",
            "DUMP",
            "    A serialized payload of every library.",
            "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
            "    Load the libraries of a DUMP payload.",
            "HELP",
            "    Print this help.",
        };
        c.reply().array(lines.length);
        for (String l : lines) {
            c.reply().simple(l);
        }
    }
}
