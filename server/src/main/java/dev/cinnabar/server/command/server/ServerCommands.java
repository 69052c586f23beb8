package dev.cinnabar.server.command.server;

import dev.cinnabar.server.ServerContext;
import dev.cinnabar.server.command.CommandFamily;
import dev.cinnabar.server.command.CommandSpec;
import dev.cinnabar.server.command.CommandTable;
import dev.cinnabar.server.config.ShutdownFlags;
import dev.cinnabar.server.persistence.Persistence;
import dev.cinnabar.server.protocol.Errors;
import dev.cinnabar.server.protocol.Reply;
import dev.cinnabar.server.protocol.Texts;
import dev.cinnabar.server.replication.ShutdownWait;
import dev.cinnabar.server.session.Client;
import dev.cinnabar.server.store.Numbers;
import java.util.Iterator;
import java.util.Locale;

/**
 * Server administration: CONFIG (see ConfigCommands), INFO (InfoCommand), TIME, SAVE, BGSAVE,
 * LASTSAVE, SHUTDOWN (persistence.Persistence does the saving), SLOWLOG (SlowLog). {@link #install} adds the observers this family needs to a server.
 */
public final class ServerCommands implements CommandFamily {
    private static final String[] SLOWLOG_HELP = {
        "SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "GET [<count>]",
        "    The <count> newest slow commands (10 by default, -1 for all), each as: id,",
        "    unix time, duration in microseconds, arguments, client address, client name.",
        "LEN",
        "    How many entries the slow log holds.",
        "RESET",
        "    Empty the slow log.",
        "HELP",
        "    Print this help.",
    };

    @Override
    public void register(CommandTable t) {
        new ConfigCommands().register(t);
        t.bind("info", new InfoCommand()::info);
        t.bind("debug", new DebugCommand()::debug);
        t.bind("monitor", c -> MonitorFeed.of(c.server()).monitor(c));
        t.bind("latency", "latest", LatencyMonitor::latest);
        t.bind("latency", "history", LatencyMonitor::history);
        t.bind("latency", "graph", LatencyMonitor::graph);
        t.bind("latency", "reset", LatencyMonitor::reset);
        t.bind("latency", "doctor", LatencyMonitor::doctor);
        t.bind("latency", "help", LatencyMonitor::help);
        t.bind("latency", "histogram", LatencyMonitor::histogram);
        MemoryCommands.bind(t);
        t.bind("time", this::time);
        t.bind("lastsave", this::lastsave);
        t.bind("save", this::save);
        t.bind("bgsave", this::bgsave);
        t.bind("shutdown", this::shutdown);
        t.bind("slowlog", "get", this::slowlogGet);
        t.bind("slowlog", "len", c -> c.reply().integer(SlowLog.of(c.server()).size()));
        t.bind("slowlog", "reset", c -> {
            SlowLog.of(c.server()).reset();
            c.reply().ok();
        });
        t.bind("slowlog", "help", c -> help(c, SLOWLOG_HELP));
    }

    /** Installs this family's observers on a server (one line in Features). */
    public static void install(ServerContext ctx) {
        ctx.dispatcher().observers.add(SlowLog.of(ctx));
        ctx.dispatcher().observers.add(MonitorFeed.of(ctx));
        ctx.dispatcher().observers.add(LatencyMonitor.of(ctx));
        WallClock.micros(ctx);
        ConfigCommands.installOomScoreAdj(ctx);
        ConfigCommands.installLfu(ctx);
        ConfigCommands.installLazyFree(ctx);
        CommandSpec debug = ctx.commands().spec("debug");
        ctx.dispatcher().protectedCommands = (c, cmd) -> cmd == debug ? DebugCommand.refusal(c) : null;
    }

    /** Replies with a help text as Redis's addReplyHelp: status lines. */
    public static void help(Client c, String[] lines) {
        Reply r = c.reply();
        r.array(lines.length);
        for (String l : lines) {
            r.simple(l);
        }
    }

    /** True for a client connected over loopback (or without a socket). */
    static boolean isLocal(Client c) {
        if (c.connection() == null) {
            return true;
        }
        if ((c.flags & dev.cinnabar.server.session.ClientFlags.UNIX_SOCKET) != 0) {
            return true;
        }
        String a = c.connection().peerAddress();
        return a.startsWith("127.") || a.startsWith("0:0:0:0:0:0:0:1") || a.startsWith("::1");
    }

    void time(Client c) {
        long micros = WallClock.micros(c.server());
        Reply r = c.reply();
        r.array(2);
        r.bulk(Long.toString(micros / 1_000_000));
        r.bulk(Long.toString(micros % 1_000_000));
    }

    void lastsave(Client c) {
        c.reply().integer(Persistence.of(c.server()).lastSave());
    }

    /** SAVE: writes the dump file now, blocking every client (refused while a BGSAVE runs). */
    void save(Client c) {
        Persistence p = Persistence.of(c.server());
        if (p.bgsaveInProgress()) {
            c.error(Errors.BGSAVE_IN_PROGRESS);
        } else if (p.saveCommand()) {
            c.reply().ok();
        } else {
            c.error(Errors.ERR);
        }
    }

    /**
     * BGSAVE [SCHEDULE]: starts a forkless snapshot; while an AOF rewrite runs (or inside EXEC)
     * SCHEDULE defers it until the rewrite ends, as Redis does.
     */
    void bgsave(Client c) {
        if (c.argc() > 2 || (c.argc() == 2 && !Texts.is(c.arg(1), "schedule"))) {
            c.error(Errors.SYNTAX);
            return;
        }
        switch (Persistence.of(c.server()).bgsave(c.argc() == 2)) {
            case STARTED -> c.reply().simple("Background saving started");
            case SCHEDULED -> c.reply().simple("Background saving scheduled");
            case IN_PROGRESS -> c.error(Errors.BGSAVE_IN_PROGRESS);
            case CHILD_ACTIVE -> c.error(Errors.CHILD_ACTIVE_BGSAVE);
        }
    }

    /**
     * SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT]: Redis 7.0's sequence (replication.ShutdownWait):
     * without NOW, a master whose replicas lag blocks the client and waits up to shutdown-timeout
     * for them; ABORT cancels such a wait. A successful SHUTDOWN sends no reply: the connection
     * closes with the server.
     */
    void shutdown(Client c) {
        int flags = 0;
        boolean abort = false;
        for (int i = 1; i < c.argc(); i++) {
            switch (Texts.str(c.arg(i)).toLowerCase(Locale.ROOT)) {
                case "nosave" -> flags |= ShutdownFlags.NOSAVE;
                case "save" -> flags |= ShutdownFlags.SAVE;
                case "now" -> flags |= ShutdownFlags.NOW;
                case "force" -> flags |= ShutdownFlags.FORCE;
                case "abort" -> abort = true;
                default -> {
                    c.error(Errors.SYNTAX);
                    return;
                }
            }
        }
        if ((abort && flags != 0) || ((flags & ShutdownFlags.NOSAVE) != 0 && (flags & ShutdownFlags.SAVE) != 0)) {
            c.error(Errors.SYNTAX);
            return;
        }
        ShutdownWait wait = ShutdownWait.of(c.server());
        if (abort) {
            if (wait.abort()) {
                c.reply().ok();
            } else {
                c.error(Errors.NO_SHUTDOWN_IN_PROGRESS);
            }
            return;
        }
        // Redis's CLIENT_DENY_BLOCKING is the client's (in EXEC, or not a connection), not the
        // call depth's: SHUTDOWN NOSAVE served from inside a busy script may wait for replicas
        if ((flags & ShutdownFlags.NOW) == 0 && (c.inExec() || c.connection() == null)) {
            c.error(Errors.SHUTDOWN_DENY_BLOCKING);
            return;
        }
        switch (wait.prepare(flags, c, null)) {
            case STOPPING -> c.closeAfterReply(true);
            case FAILED -> c.error(Errors.SHUTDOWN_FAILED);
            case WAITING -> {
                // blocked: the cron finishes the shutdown, or it is cancelled with an error reply
            }
        }
    }

    void slowlogGet(Client c) {
        long count = 10;
        if (c.argc() == 3) {
            Long n = Numbers.parseLong(c.arg(2));
            if (n == null || n < -1) {
                c.error(Errors.SLOWLOG_COUNT);
                return;
            }
            count = n == -1 ? Long.MAX_VALUE : n;
        } else if (c.argc() > 3) {
            c.error(Errors.wrongArgs("slowlog|get"));
            return;
        }
        SlowLog log = SlowLog.of(c.server());
        Reply r = c.reply();
        long n = Math.min(count, log.size());
        r.array((int) n);
        Iterator<SlowLog.Entry> it = log.iterator();
        for (long i = 0; i < n; i++) {
            SlowLog.Entry e = it.next();
            r.array(6);
            r.integer(e.id());
            r.integer(e.timestamp());
            r.integer(e.micros());
            r.array(e.args().length);
            for (String a : e.args()) {
                r.bulk(a);
            }
            r.bulk(e.peer());
            r.bulk(e.name());
        }
    }
}
