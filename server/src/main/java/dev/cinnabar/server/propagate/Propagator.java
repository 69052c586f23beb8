package dev.cinnabar.server.propagate;

import dev.cinnabar.server.ServerContext;
import dev.cinnabar.server.command.CommandFlag;
import dev.cinnabar.server.command.CommandSpec;
import dev.cinnabar.server.session.Client;
import dev.cinnabar.server.store.Db;
import dev.cinnabar.server.store.KeyspaceHooks;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The propagation path: what each top-level execution changed, as the commands that reproduce it,
 * handed to the sinks (AOF, replication backlog) as one atomic unit. Redis 7.0's rules
 * (server.c call / alsoPropagate / propagatePendingCommands), our code:
 *
 * <ul>
 *   <li>A call that changed the dataset (its dirty count grew) propagates its argv, unless the
 *       handler rewrote it (SET ... EX → SET ... PXAT) or prevented it (EVAL, SPOP with a count,
 *       XREADGROUP: they propagate other commands instead). A handler may force propagation of
 *       an unchanged dataset (PUBLISH to replicas, FLUSHALL) and add commands of its own
 *       ({@link #also}). EXEC never propagates itself: the commands it ran do.</li>
 *   <li>The commands of one execution unit are collected in {@link #pending} in the order they
 *       took effect: a lazily expired key's DEL before the command that found it expired (a
 *       call's own argv is added when it returns), a script's or transaction's commands in turn.</li>
 *   <li>The unit is flushed once, when the outermost call returns (depth 0), and after each
 *       served blocked client and each key the cron expires: a single command as is, several
 *       wrapped in MULTI ... EXEC (MULTI in the first command's database, EXEC in the last's, so
 *       a sink switching database writes SELECT before MULTI, never before EXEC).</li>
 * </ul>
 *
 * <p>With no sink registered nothing is collected: the cost per command is a dirty-counter
 * comparison. Runs under the execution lock.
 */
public final class Propagator implements KeyspaceHooks {
    /** Client propagation flag: the call's own argv is not propagated (Redis's CLIENT_PREVENT_PROP). */
    public static final int PREVENT = 4;
    /** Both targets (Redis's PROPAGATE_AOF|PROPAGATE_REPL). */
    public static final int ALL = PropagationSink.AOF | PropagationSink.REPL;

    private static final byte[] MULTI = bytes("MULTI");
    private static final byte[] EXEC = bytes("EXEC");
    private static final byte[] DEL = bytes("DEL");
    private static final byte[] UNLINK = bytes("UNLINK");

    private record Op(int dbId, byte[][] argv, int targets) {
    }

    private final ServerContext server;
    private final List<PropagationSink> sinks = new CopyOnWriteArrayList<>();
    /** Union of the sinks' targets: 0 when nobody listens, so nothing is collected. */
    private volatile int listening;
    private final ArrayList<Op> pending = new ArrayList<>();
    private CommandSpec exec;

    public Propagator(ServerContext server) {
        this.server = server;
    }

    /** Registers the propagator's keyspace listener (expired keys are propagated as DEL/UNLINK). */
    public static void install(ServerContext ctx) {
        ctx.addKeyspaceListener(ctx.dispatcher().propagator());
    }

    public static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    public static byte[] bytes(long n) {
        return Long.toString(n).getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * The deletion verb a rewrite propagates: UNLINK when the given lazyfree directive
     * (lazyfree-lazy-expire, lazyfree-lazy-user-del, lazyfree-lazy-server-del) is yes, else DEL.
     */
    public static byte[] deleteVerb(ServerContext server, String lazyfreeDirective) {
        return "yes".equals(server.config().get(lazyfreeDirective)) ? UNLINK : DEL;
    }

    /** Adds a sink; it receives every unit flushed from now on. Call under the execution lock. */
    public void addSink(PropagationSink sink) {
        sinks.add(sink);
        recompute();
    }

    public void removeSink(PropagationSink sink) {
        sinks.remove(sink);
        recompute();
    }

    private void recompute() {
        int t = 0;
        for (PropagationSink s : sinks) {
            t |= s.targets();
        }
        listening = t;
    }

    /** True when some sink listens (handlers may skip building what nobody will read). */
    public boolean active() {
        return listening != 0;
    }

    /** Redis's alsoPropagate: adds a command to the running unit, for the given targets. */
    public void also(int dbId, byte[][] argv, int targets) {
        if ((targets & listening) == 0) {
            return;
        }
        pending.add(new Op(dbId, argv, targets));
    }

    /**
     * The end of one call (Dispatcher.execute): propagates the call's argv, as rewritten, when it
     * changed the dataset or forced propagation, and was not prevented. EXEC is never propagated
     * itself.
     */
    public void afterCall(Client c, CommandSpec cmd, long dirty, int flags) {
        if (listening == 0 || (flags & PREVENT) != 0) {
            return;
        }
        int targets = ((dirty > 0 ? ALL : 0) | (flags & ALL)) & c.propagationMask();
        if (targets == 0) {
            return;
        }
        if (exec == null) {
            exec = server.commands().spec("exec");
        }
        if (cmd == exec) {
            return;
        }
        also(c.db().id(), c.propagatedArgv(), targets);
    }

    /** Redis's propagatePendingCommands: hands the collected unit to the sinks. */
    public void flush() {
        flush(null);
    }

    /**
     * As {@link #flush()} after the top-level command top: the lazy-expiry deletions of a command
     * that touches arbitrary keys (SCAN, RANDOMKEY) go without MULTI/EXEC, as active expiry's.
     */
    public void flush(CommandSpec top) {
        int n = pending.size();
        if (n == 0) {
            return;
        }
        boolean transaction = n > 1 && (top == null || !top.has(CommandFlag.TOUCHES_ARBITRARY_KEYS));
        try {
            if (transaction) {
                emit(pending.get(0).dbId, new byte[][] {MULTI}, ALL);
            }
            for (Op op : pending) {
                emit(op.dbId, op.argv, op.targets);
            }
            if (transaction) {
                emit(pending.get(n - 1).dbId, new byte[][] {EXEC}, ALL);
            }
        } finally {
            pending.clear();
        }
    }

    private void emit(int dbId, byte[][] argv, int targets) {
        for (PropagationSink s : sinks) {
            if ((s.targets() & targets) != 0) {
                s.append(dbId, argv);
            }
        }
    }

    /**
     * A key deleted because it expired (lazily by a lookup, or by the cron's active cycle): DEL,
     * or UNLINK under lazyfree-lazy-expire. Inside a call it joins the call's unit, before the
     * call's own command; outside (the cron) it is a unit of its own.
     */
    @Override
    public void keyExpired(Db db, byte[] key) {
        if (listening == 0) {
            return;
        }
        also(db.id(), new byte[][] {deleteVerb(server, "lazyfree-lazy-expire"), key}, ALL);
        if (server.dispatcher().executionDepth() == 0) {
            flush();
        }
    }

    @Override
    public long now() {
        return server.now();
    }
}
