package dev.cinnabar.server.command;

import dev.cinnabar.server.ServerContext;
import dev.cinnabar.server.protocol.Errors;
import dev.cinnabar.server.protocol.Reply;
import dev.cinnabar.server.protocol.Texts;
import dev.cinnabar.server.session.Client;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The one gate every command passes, in a fixed order (as Redis's processCommand):
 *
 * <ol>
 *   <li>lookup (unknown command / unknown subcommand)
 *   <li>arity
 *   <li>authentication (by the NO_AUTH flag)
 *   <li>ACL ({@link #acl})
 *   <li>cluster redirection ({@link #cluster})
 *   <li>OOM / eviction for DENYOOM commands ({@link #memory})
 *   <li>busy script ({@link #busy}: BUSY for all but allow-busy commands)
 *   <li>server state: loading, stale replica, read-only replica ({@link #state})
 *   <li>CLIENT PAUSE: postpones the command without a reply ({@link #pause}; sets
 *       {@code Client.postponed}, the connection holds the request until the pause ends)
 *   <li>the RESP2 pub/sub context and MULTI queueing ({@link #context})
 *   <li>execute ({@link #execute}), then propagation, stats and slowlog ({@link #observers})
 * </ol>
 *
 * <p>Feature packages plug into the stages ({@link Check}) instead of adding branches here;
 * a stage returns true when it has replied and the command must not run. Called under the
 * execution lock.
 */
public final class Dispatcher {
    /** A gate stage. Returns true when the command was rejected (or queued) and a reply written. */
    @FunctionalInterface
    public interface Check {
        boolean reject(Client c, CommandSpec cmd);
    }

    /** Runs after each executed command (propagation, slowlog, latency, MONITOR is before). */
    @FunctionalInterface
    public interface Observer {
        void afterCall(Client c, CommandSpec cmd, long durationMicros, boolean dirty);
    }

    /**
     * A gate stage that refuses with an error text (null: the command passes). The gate writes
     * the error through {@link #reject}, so MULTI flags the transaction and a refused EXEC
     * becomes EXECABORT, as for the gate's own errors.
     */
    @FunctionalInterface
    public interface Refusal {
        String refuse(Client c, CommandSpec cmd);
    }

    private final ServerContext server;
    public volatile Refusal busy;
    public volatile Check acl;
    public volatile Check cluster;
    public volatile Check memory;
    public volatile Check state;
    public volatile Check pause;
    public volatile Check context;
    /** Sees every command before it runs (MONITOR). */
    public volatile Check monitor;
    public final List<Observer> observers = new CopyOnWriteArrayList<>();
    /**
     * Runs after each top-level command (not after the commands a MULTI/EXEC or a script runs
     * inside it): serving clients blocked on keys that became ready (handleClientsBlockedOnKeys).
     */
    public final List<Runnable> afterCommand = new CopyOnWriteArrayList<>();

    /** Told of every command the gate refuses (see {@link #rejectListener}). */
    @FunctionalInterface
    public interface RejectListener {
        /** Returns the error text to send (MULTI flags the transaction; a refused EXEC becomes EXECABORT). */
        String rejected(Client c, CommandSpec cmd, String error);
    }

    /**
     * Sees every refusal: errors of the gate itself before they are written (the text may be
     * replaced), errors written by a stage afterwards (the return value is then ignored).
     */
    public volatile RejectListener rejectListener;
    /** The client whose command is being processed (Redis's server.current_client), or null. */
    private Client current;
    /** Nesting of execute (EXEC and scripts run commands inside a command); time is frozen inside. */
    private int depth;

    public Dispatcher(ServerContext server) {
        this.server = server;
    }

    /** Processes the request in c.argv()/c.argc(). */
    public void call(Client c) {
        Client previous = current;
        current = c;
        try {
            gate(c);
        } finally {
            current = previous;
        }
    }

    /** The client whose command is being processed, or null (cron, another thread's push). */
    public Client current() {
        return current;
    }

    /**
     * How many handlers are running: 1 inside a top-level command's handler, 2 or more inside EXEC
     * or a script, 0 between commands (observers of a top-level command run at 0).
     */
    public int executionDepth() {
        return depth;
    }

    private void gate(Client c) {
        byte[][] argv = c.argv();
        int argc = c.argc();
        CommandSpec cmd = c.resolved();
        if (cmd == null) {
            cmd = server.commands().lookup(argv[0]);
        }
        if (cmd == null) {
            c.cmd(null);
            reject(c, null, Errors.unknownCommand(argv, argc));
            return;
        }
        if (cmd.hasSubcommands() && argc >= 2) {
            CommandSpec sub = cmd.subcommand(argv[1]);
            if (sub == null) {
                c.cmd(null);
                reject(c, null, Errors.unknownSubcommand(Texts.str(argv[1]), Texts.str(argv[0])));
                return;
            }
            cmd = sub;
        }
        c.cmd(cmd);
        if (!cmd.arityOk(argc)) {
            reject(c, cmd, Errors.wrongArgs(cmd.fullName()));
            return;
        }
        if (!c.authenticated() && !cmd.has(CommandFlag.NO_AUTH)) {
            reject(c, cmd, Errors.NOAUTH);
            return;
        }
        if (stage(acl, c, cmd) || stage(cluster, c, cmd) || stage(memory, c, cmd) || refused(busy, c, cmd)
                || stage(state, c, cmd)
                || stage(pause, c, cmd) || stage(context, c, cmd)) {
            return;
        }
        Check m = monitor;
        if (m != null) {
            m.reject(c, cmd);
        }
        execute(c, cmd);
        if (depth == 0) {
            for (Runnable r : afterCommand) {
                r.run();
            }
        }
    }

    private boolean refused(Refusal s, Client c, CommandSpec cmd) {
        String error = s == null ? null : s.refuse(c, cmd);
        if (error == null) {
            return false;
        }
        reject(c, cmd, error);
        return true;
    }

    private boolean stage(Check s, Client c, CommandSpec cmd) {
        if (s == null) {
            return false;
        }
        long before = c.reply().errorCount();
        if (s.reject(c, cmd)) {
            if (c.reply().errorCount() > before) {
                cmd.rejectedCalls++;
                server.stats().countError(c.reply().lastError());
                RejectListener l = rejectListener;
                if (l != null) {
                    l.rejected(c, cmd, c.reply().lastError());
                }
            }
            return true;
        }
        return false;
    }

    /**
     * A handler failed with an exception (a defect of ours, or the JVM refusing an allocation):
     * the client gets a clear error instead of a half-written reply or a closed connection, and
     * the log gets the cause. Inside a script or EXEC only that command fails, as an error reply.
     */
    private void internalError(Client c, CommandSpec cmd, Reply r, long mark, Throwable e) {
        if (e instanceof OutOfMemoryError) {
            server.log().warning("Not enough memory to run '" + cmd.fullName() + "': " + e.getMessage());
        } else {
            java.io.StringWriter trace = new java.io.StringWriter();
            e.printStackTrace(new java.io.PrintWriter(trace));
            server.log().warning("Internal error running '" + cmd.fullName() + "': " + trace);
        }
        if (!r.resetTo(mark)) {
            // the sink could not drop a partial reply: the connection cannot be trusted any more
            c.closeAfterReply(true);
        }
        r.error(e instanceof OutOfMemoryError ? Errors.oomInternal(cmd.fullName()) : Errors.internal(cmd.fullName()));
    }

    /** Replies with an error for a command that did not pass the gate, counting it. */
    public void reject(Client c, CommandSpec cmd, String error) {
        if (cmd != null) {
            cmd.rejectedCalls++;
        }
        RejectListener l = rejectListener;
        if (l != null) {
            error = l.rejected(c, cmd, error);
        }
        c.reply().error(error);
        server.stats().countError(error);
    }

    /**
     * Runs a command that has passed the gate (also used by EXEC and scripts): the handler, then
     * statistics and the observers.
     */
    public void execute(Client c, CommandSpec cmd) {
        Reply r = c.reply();
        long dirtyBefore = server.dirty;
        long errorsBefore = r.errorCount();
        long t0 = System.nanoTime();
        long mark = r.mark();
        if (depth++ == 0) {
            server.updateCachedTime();
        }
        try {
            cmd.handler.execute(c);
        } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
            internalError(c, cmd, r, mark, e);
        } finally {
            depth--;
        }
        long nanos = System.nanoTime() - t0;
        long micros = nanos / 1000;
        cmd.calls++;
        // as Redis: a call that left its client blocked is not a latency sample
        if (server.config().latencyTracking && !c.blocked()) {
            LatencyHistogram h = cmd.latency;
            if (h == null) {
                h = cmd.latency = new LatencyHistogram();
            }
            h.record(nanos);
        }
        cmd.microseconds += micros;
        server.stats().totalCommandsProcessed++;
        Reply r2 = c.reply();
        if (r2 == r && r.errorCount() > errorsBefore) {
            cmd.failedCalls++;
            server.stats().countError(r.lastError());
        }
        boolean dirty = server.dirty != dirtyBefore;
        for (Observer o : observers) {
            o.afterCall(c, cmd, micros, dirty);
        }
    }
}
