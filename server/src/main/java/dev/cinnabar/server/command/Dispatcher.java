package dev.cinnabar.server.command;

import dev.cinnabar.server.ServerContext;
import dev.cinnabar.server.propagate.Propagator;
import dev.cinnabar.server.protocol.Errors;
import dev.cinnabar.server.protocol.Reply;
import dev.cinnabar.server.protocol.Texts;
import dev.cinnabar.server.session.Client;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The one gate every command passes, in Redis 7.0's processCommand order: lookup (unknown command
 * / unknown subcommand), arity, authentication (by the NO_AUTH flag), then the {@link Stage}s in
 * {@link #TOP_LEVEL} order, then execute ({@link #execute}: handler, statistics, and the
 * {@link #observers} for propagation, slowlog and latency).
 *
 * <p>The stages are data: one slot per {@link Stage}, filled by the feature that owns the check
 * ({@link #install}), run in the fixed order of a list. A command called from a script passes the
 * stages of {@link #SCRIPT_CALL} (Redis's scriptCall order) through {@link #admitFromScript}, so ACL,
 * OOM and cluster checks are the same code there. Called under the execution lock.
 */
public final class Dispatcher {
    /**
     * A gate stage: null lets the command pass; an error text refuses it (the gate replies and
     * counts it, MULTI flags the transaction, a refused EXEC becomes EXECABORT); {@link #TAKEN}
     * means the stage took the command without running it (postponed, queued) and replied itself
     * if a reply was due.
     */
    @FunctionalInterface
    public interface Check {
        String check(Client c, CommandSpec cmd);
    }

    /** Returned by a {@link Check} that took the command (compared by identity). */
    @SuppressWarnings("StringOperationCanBeSimplified")
    public static final String TAKEN = new String("taken");

    /** The gate's stages after lookup, arity and authentication. */
    public enum Stage {
        /** A NO_MULTI command inside MULTI (checked before ACL, as Redis). */
        NO_MULTI,
        ACL,
        /** Cluster redirection (MOVED / ASK / CROSSSLOT). */
        CLUSTER,
        /** OOM for DENYOOM commands (and anything queued in MULTI) after eviction. */
        OOM,
        /** Writes refused: persistence error, min-replicas-to-write, read-only replica. */
        WRITES_REFUSED,
        /** A RESP2 connection with subscriptions runs only (P|S)(UN)SUBSCRIBE, PING, QUIT, RESET. */
        PUBSUB_CONTEXT,
        /** Stale replica (replica-serve-stale-data no), loading. */
        LOADING,
        /** A busy script or function: BUSY for all but ALLOW_BUSY commands. */
        BUSY,
        /** CLIENT PAUSE: postpones the command ({@link #TAKEN}, sets Client.postponed). */
        PAUSE,
        /** Inside MULTI: queues the command and answers QUEUED ({@link #TAKEN}). */
        MULTI_QUEUE,
        /** From a script: NOSCRIPT commands are refused (built in, by flag). */
        SCRIPT_DENIED,
        /** From a script: the script's own write rule (read-only script, EVAL_RO...), given by the caller. */
        SCRIPT_WRITE,
        /** From a script on a stale replica: only commands flagged stale (Redis's scriptVerifyAllowStale). */
        SCRIPT_STALE
    }

    /** Stages of a request from a connection, in Redis 7.0's processCommand order. */
    public static final List<Stage> TOP_LEVEL = List.of(Stage.NO_MULTI, Stage.ACL, Stage.CLUSTER, Stage.OOM,
            Stage.WRITES_REFUSED, Stage.PUBSUB_CONTEXT, Stage.LOADING, Stage.BUSY, Stage.PAUSE, Stage.MULTI_QUEUE);

    /** Stages of a command called from a script (redis.call), in Redis 7.0's scriptCall order. */
    public static final List<Stage> SCRIPT_CALL = List.of(Stage.SCRIPT_DENIED, Stage.ACL, Stage.SCRIPT_WRITE,
            Stage.OOM, Stage.CLUSTER, Stage.SCRIPT_STALE);

    private static final Stage[] TOP_LEVEL_ORDER = TOP_LEVEL.toArray(new Stage[0]);
    private static final Stage[] SCRIPT_CALL_ORDER = SCRIPT_CALL.toArray(new Stage[0]);

    /** Runs after each executed command (propagation, slowlog, latency, MONITOR). */
    @FunctionalInterface
    public interface Observer {
        /** After a command ran (a blocking command that left its client blocked included: c.blocked()). */
        void afterCall(Client c, CommandSpec cmd, long durationMicros, boolean dirty);

        /**
         * After a blocked client's command ended (served, timed out): {@code durationMicros} is the
         * whole command's (the blocking call's and the reply's), {@code replyMicros} the reply's.
         */
        default void afterUnblock(Client c, CommandSpec cmd, long durationMicros, long replyMicros) {
        }
    }

    /** What a script or function declared about writing (see {@link #mayReplicate}). */
    public enum Declared { UNDECLARED, NO_WRITES, WRITES }

    /** Reads what the script of an EVAL* or the function of an FCALL* declared (installed by scripting). */
    @FunctionalInterface
    public interface ScriptDeclarations {
        Declared declared(Client c, CommandSpec cmd);

        /** Whether this EVAL* / FCALL* call may grow memory (OOM stage), first being its script or function name. */
        default boolean denyOom(CommandSpec cmd, byte[] first) {
            return cmd.has(CommandFlag.DENYOOM);
        }

        /**
         * Whether this EVAL* / FCALL* call may run on a stale replica: its declaration's
         * allow-stale flag, or null when it declared nothing (the command's own flags decide).
         */
        default Boolean allowStale(CommandSpec cmd, byte[] first) {
            return null;
        }
    }

    private final ServerContext server;
    private final Check[] stages = new Check[Stage.values().length];
    public final List<Observer> observers = new CopyOnWriteArrayList<>();
    /**
     * Runs after each top-level command (not after the commands a MULTI/EXEC or a script runs
     * inside it): serving clients blocked on keys that became ready (handleClientsBlockedOnKeys).
     */
    public final List<Runnable> afterCommand = new CopyOnWriteArrayList<>();
    /** Set by the scripting feature; null when scripts declare nothing. */
    public volatile ScriptDeclarations scriptDeclarations;

    /** Told of every command the gate refuses (see {@link #rejectListener}). */
    @FunctionalInterface
    public interface RejectListener {
        /** Returns the error text to send (MULTI flags the transaction; a refused EXEC becomes EXECABORT). */
        String rejected(Client c, CommandSpec cmd, String error);
    }

    /** Sees every refusal before its error is written (the text may be replaced). */
    public volatile RejectListener rejectListener;
    /** The client whose command is being processed (Redis's server.current_client), or null. */
    private Client current;
    /** Nesting of execute (EXEC and scripts run commands inside a command); time is frozen inside. */
    private int depth;
    /**
     * When the outermost running call started (System.nanoTime, never 0), 0 between calls: read by
     * the software watchdog's thread. Written with release stores, which cost no fence on the path
     * of every command.
     */
    private final java.util.concurrent.atomic.AtomicLong callStart = new java.util.concurrent.atomic.AtomicLong();
    /** Errors written by the commands nested in the running one to the same reply (counted by them). */
    private long nestedErrors;
    /** The reply of the running command (execute's frame). */
    private Reply frameReply;

    /** The propagation path: what each top-level execution changed, flushed to the sinks at depth 0. */
    private final Propagator propagator;

    public Dispatcher(ServerContext server) {
        this.server = server;
        this.propagator = new Propagator(server);
    }

    public Propagator propagator() {
        return propagator;
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
     * Runs work as c's own execution (serving a client blocked on keys: Redis makes the receiver
     * the current client while it is served, so tracking holds its invalidations until after the
     * served reply and NOLOOP / BCAST see the receiver as the writer).
     */
    public <T> T runAs(Client c, java.util.function.Supplier<T> work) {
        Client previous = current;
        current = c;
        depth++;
        try {
            return work.get();
        } finally {
            depth--;
            current = previous;
        }
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
        Check protectedCheck = protectedCommands;
        if (protectedCheck != null) {
            String refused = protectedCheck.check(c, cmd); // before authentication, as Redis 7.0
            if (refused != null) {
                reject(c, cmd, refused);
                return;
            }
        }
        // as Redis's authRequired: a default user that became nopass lets unauthenticated clients in
        if (!c.authenticated() && !cmd.has(CommandFlag.NO_AUTH) && !server.clients().authenticator().defaultUserImplicit()) {
            reject(c, cmd, Errors.NOAUTH);
            return;
        }
        if (passStages(c, cmd)) {
            return;
        }
        execute(c, cmd);
        if (depth == 0) {
            for (Runnable r : afterCommand) {
                r.run();
            }
        }
    }

    /**
     * Refuses the commands Redis flags protected (DEBUG, MODULE; COMMAND does not show that flag, so
     * the check knows them by identity) when enable-debug-command / enable-module-command do not
     * allow them for this client; checked after arity and before authentication, as Redis 7.0.
     */
    public volatile Check protectedCommands;

    /** Fills a stage's slot (one feature per stage). */
    public void install(Stage stage, Check check) {
        if (stages[stage.ordinal()] != null) {
            throw new IllegalStateException("gate stage " + stage + " installed twice");
        }
        stages[stage.ordinal()] = check;
    }

    /**
     * Adds a check to a stage another feature may fill too (WRITES_REFUSED: MISCONF, then
     * NOREPLICAS, then READONLY; LOADING: MASTERDOWN before loading): with {@code first} it runs
     * before the stage's current check, else after; the first verdict that is not null wins.
     */
    public void extend(Stage stage, Check check, boolean first) {
        Check current = stages[stage.ordinal()];
        if (current == null) {
            stages[stage.ordinal()] = check;
            return;
        }
        Check a = first ? check : current;
        Check b = first ? current : check;
        stages[stage.ordinal()] = (c, cmd) -> {
            String v = a.check(c, cmd);
            return v != null ? v : b.check(c, cmd);
        };
    }

    /**
     * Runs one stage's check again (EXEC re-checks ACL for each queued command, as Redis 7.0, in
     * case the rules changed since it was queued); null when the stage is empty or passes.
     */
    public String recheck(Stage stage, Client c, CommandSpec cmd) {
        Check s = stages[stage.ordinal()];
        return s == null ? null : s.check(c, cmd);
    }

    /** Runs the top-level stages; true when one refused or took the command. */
    private boolean passStages(Client c, CommandSpec cmd) {
        for (Stage st : TOP_LEVEL_ORDER) {
            Check s = stages[st.ordinal()];
            if (s == null) {
                continue;
            }
            String verdict = s.check(c, cmd);
            if (verdict == null) {
                continue;
            }
            if (verdict != TAKEN) {
                reject(c, cmd, verdict);
            }
            return true;
        }
        return false;
    }

    /** DEBUG SET-DISABLE-DENY-SCRIPTS: while true, scripts may call NOSCRIPT commands (a testing aid, as Redis). */
    public volatile boolean scriptDenyDisabled;

    /**
     * True when this call may write or replicate (Redis's is_may_replicate_command): the command is
     * flagged WRITE or MAY_REPLICATE, or, for EVAL* and FCALL*, the script or function declared no
     * no-writes flag (a declaration replaces the command's flags, as Redis). CLIENT PAUSE WRITE
     * postpones such a call, and an EXEC whose queue holds one.
     */
    public boolean mayReplicate(Client c, CommandSpec cmd) {
        ScriptDeclarations sd = scriptDeclarations;
        if (cmd.runsScript() && sd != null && c.argc() > 1) {
            Declared d = sd.declared(c, cmd);
            if (d != Declared.UNDECLARED) {
                return d == Declared.WRITES;
            }
        }
        return cmd.has(CommandFlag.WRITE) || cmd.has(CommandFlag.MAY_REPLICATE);
    }

    /**
     * True when this call writes (Redis's is_write_command for one command): flagged WRITE, or an
     * EVAL* or FCALL* whose script or function declared no no-writes flag. A script without a
     * shebang is not a write here (EVAL's own flags), its redis.call of a write is judged then.
     */
    public boolean writes(Client c, CommandSpec cmd) {
        if (cmd.has(CommandFlag.WRITE)) {
            return true;
        }
        ScriptDeclarations sd = scriptDeclarations;
        return cmd.runsScript() && sd != null && c.argc() > 1 && sd.declared(c, cmd) == Declared.WRITES;
    }

    /**
     * The stages of {@link #SCRIPT_CALL} for a command a script calls (redis.call): null when it
     * may run, else the error text for the script (counted as a rejected call and in errorstats).
     * {@code write} is the script's own write rule (a read-only script, EVAL_RO, FCALL_RO); NOSCRIPT
     * commands are refused by flag. {@code wrote}: the script already called a write command, so
     * the server's write refusals no longer apply to it (Redis's SCRIPT_WRITE_DIRTY: a script that
     * changed the dataset is not failed half-way on a state change such as a replica leaving).
     */
    public String admitFromScript(Client c, CommandSpec cmd, Check write, boolean wrote) {
        for (Stage st : SCRIPT_CALL_ORDER) {
            Check s = switch (st) {
                case SCRIPT_DENIED -> (cc, cm) -> cm.has(CommandFlag.NOSCRIPT) && !scriptDenyDisabled
                        ? Errors.NOSCRIPT_COMMAND : null;
                // the script's own rule, then (for a write command) the server's refusals: read-only
                // replica, MISCONF, NOREPLICAS (Redis's scriptVerifyWriteCommandAllow)
                case SCRIPT_WRITE -> (cc, cm) -> {
                    String v = write == null ? null : write.check(cc, cm);
                    Check refused = stages[Stage.WRITES_REFUSED.ordinal()];
                    return v != null || refused == null || !cm.has(CommandFlag.WRITE) || wrote ? v : refused.check(cc, cm);
                };
                default -> stages[st.ordinal()];
            };
            String verdict = s == null ? null : s.check(c, cmd);
            if (verdict != null) {
                // counted as Redis's scriptCall does: a rejected call of cmd, and the error in errorstats
                cmd.rejectedCalls++;
                server.stats().countError(verdict);
                return verdict;
            }
        }
        return null;
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
     * propagation (the call's changes join the running unit, flushed when the outermost call
     * returns), statistics and the observers.
     */
    public void execute(Client c, CommandSpec cmd) {
        Reply r = c.reply();
        long dirtyBefore = server.dirty;
        byte[][] outerRewrite = c.propagationRewrite();
        int outerFlags = c.propagationFlags();
        c.propagation(null, 0);
        long errorsBefore = r.errorCount();
        long outerNested = nestedErrors;
        Reply outerReply = frameReply;
        nestedErrors = 0;
        frameReply = r;
        long t0 = System.nanoTime();
        long mark = r.mark();
        if (depth++ == 0) {
            server.updateCachedTime();
            callStart.lazySet(t0 == 0 ? 1 : t0);
        }
        try {
            cmd.handler.execute(c);
        } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
            internalError(c, cmd, r, mark, e);
        } finally {
            if (--depth == 0) {
                callStart.lazySet(0);
            }
        }
        long changes = server.dirty - dirtyBefore;
        propagator.afterCall(c, cmd, changes, c.propagationFlags());
        c.propagation(outerRewrite, outerFlags);
        long nanos = System.nanoTime() - t0;
        long micros = nanos / 1000;
        cmd.calls++;
        // as Redis: a call that left its client blocked is a latency sample when it ends (serveBlocked)
        if (c.blocked()) {
            c.blockedCallMicros = micros;
        } else {
            recordLatency(cmd, nanos);
        }
        cmd.microseconds += micros;
        server.stats().totalCommandsProcessed++;
        // Errors this command wrote to its reply, not counting those of the commands it ran (EXEC's):
        // each error is counted once, by the command that wrote it, as Redis's afterErrorReply.
        long written = c.reply() == r ? r.errorCount() - errorsBefore : 0;
        if (written > nestedErrors) {
            cmd.failedCalls++;
            if (!r.lastErrorCounted()) {
                server.stats().countError(r.lastError());
            }
        }
        nestedErrors = outerNested + (r == outerReply ? written : 0);
        frameReply = outerReply;
        for (Observer o : observers) {
            o.afterCall(c, cmd, micros, changes != 0);
        }
        if (depth == 0) {
            propagator.flush(cmd);
        }
    }

    /**
     * When the outermost command running now started (System.nanoTime), 0 when none runs. Any
     * thread may read it (the software watchdog does); a value seen twice is the same call.
     */
    public long callStartedNanos() {
        return callStart.get();
    }

    private void recordLatency(CommandSpec cmd, long nanos) {
        if (server.config().latencyTracking) {
            LatencyHistogram h = cmd.latency;
            if (h == null) {
                h = cmd.latency = new LatencyHistogram();
            }
            h.record(nanos);
        }
    }

    /**
     * The blocking code's entry point when a blocked client is served from a key that became ready:
     * runs {@code serve} as the client's own execution ({@link #runAs}), which writes the reply with {@code c.deliver} (or finds nothing to serve),
     * and, if it delivered a reply, accounts for the command's end as Redis's updateStatsOnUnblock:
     * errors in the reply go to errorstats and the command's failed calls, the duration (the
     * blocking call's own plus the reply's) to its statistics and latency histogram, and the
     * observers see it ({@link Observer#afterUnblock}: SLOWLOG, the latency monitor's
     * command-unblocking event). A timeout is not accounted (Redis 7.0 does not). Under the lock.
     */
    public <T> T serveBlocked(Client c, Supplier<T> serve) {
        return endBlocked(c, serve, false);
    }

    /**
     * CLIENT UNBLOCK: delivers the reply that ends a blocked client's command (the timeout reply, or
     * the UNBLOCKED error) and accounts for it as {@link #serveBlocked} does, always as a failed
     * call (as Redis 7.0 does for either form).
     */
    public void unblockByRequest(Client c, Consumer<Reply> reply) {
        endBlocked(c, () -> {
            c.deliver(reply);
            return null;
        }, true);
    }

    private <T> T endBlocked(Client c, Supplier<T> serve, boolean failed) {
        CommandSpec cmd = c.cmd();
        long[] errors = {0};
        String[] last = {null};
        boolean[] delivered = {false};
        c.deliveryWatch = (r, before) -> {
            delivered[0] = true;
            if (r.errorCount() > before) {
                errors[0] += r.errorCount() - before;
                last[0] = r.lastError();
            }
        };
        long t0 = System.nanoTime();
        T result;
        try {
            result = runAs(c, serve);
        } finally {
            c.deliveryWatch = null;
            if (depth == 0) {
                propagator.flush(); // a served client's effects are a unit of their own
            }
        }
        if (!delivered[0]) {
            return result;
        }
        long replyMicros = (System.nanoTime() - t0) / 1000;
        if (errors[0] > 0) {
            server.stats().countError(last[0]);
        }
        if (cmd != null) {
            long totalMicros = c.blockedCallMicros + replyMicros;
            cmd.microseconds += totalMicros;
            if (failed || errors[0] > 0) {
                cmd.failedCalls++;
            }
            recordLatency(cmd, totalMicros * 1000);
            for (Observer o : observers) {
                o.afterUnblock(c, cmd, totalMicros, replyMicros);
            }
        }
        c.blockedCallMicros = 0;
        return result;
    }
}
