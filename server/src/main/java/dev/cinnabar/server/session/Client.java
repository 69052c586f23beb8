package dev.cinnabar.server.session;

import dev.cinnabar.server.ServerContext;
import dev.cinnabar.server.command.CommandSpec;
import dev.cinnabar.server.protocol.Reply;
import dev.cinnabar.server.store.Db;

/**
 * A client session: what Redis keeps in its {@code client} struct. Holds the current request's
 * arguments, the selected database, the negotiated protocol, authentication and flags, and the
 * reply sink. Knows nothing of Netty: the transport is behind {@link Connection}.
 *
 * <p>Request state (argv, argc, cmd) is written by the IO thread that owns the connection and read
 * by the command it executes, both under the execution lock.
 */
public class Client {
    private final long id;
    private final ServerContext server;
    private final Connection conn;
    private Reply reply;
    private byte[][] argv;
    private int argc;
    private CommandSpec cmd;
    private CommandSpec resolved;
    private CommandSpec lastCmd;
    private Db db;
    private String name;
    private String libName;
    private String libVersion;
    private boolean authenticated;
    private String user = "default";
    private final long createdMillis;
    private long lastInteractionMillis;
    private boolean closeAfterReply;
    /** Bit set of Redis's client flags shown by CLIENT LIST (see ClientFlags). */
    public int flags;
    /** Per-feature state owned by other packages (MULTI, pub/sub, blocking, tracking), lazily set. */
    public Object multiState;
    public Object pubsubState;
    public Object blockState;
    public Object trackingState;
    /** The ACL user this connection runs as (set by the ACL feature; null: the default user). */
    public Object aclUser;
    /** True while EXEC runs this client's queued commands: blocking commands must not block. */
    private boolean inExec;
    /** True while blocked on keys (BLPOP...): the connection runs none of its further requests. */
    private boolean blocked;
    /**
     * Set by MULTI while a queued command is write or may-replicate: CLIENT PAUSE WRITE then
     * postpones the EXEC (Redis checks the transaction's accumulated command flags).
     */
    public boolean multiMayReplicate;
    /**
     * Set by MULTI while a queued command writes (flagged WRITE, or a script or function that
     * declared writes): Redis's EXEC is then a write command for replica-read-only and
     * min-replicas-to-write. A script without a shebang only may replicate, as in Redis.
     */
    public boolean multiWrites;
    /** Channel, pattern and shard-channel subscription counts (set by pub/sub; CLIENT LIST sub/psub/ssub). */
    public int subscriptions;
    public int patternSubscriptions;
    public int shardSubscriptions;
    /** Commands queued in MULTI, -1 outside MULTI (set by MULTI; CLIENT LIST multi). */
    public int queuedCommands = -1;
    /** Bytes of queued MULTI arguments (CLIENT LIST multi-mem). */
    public long queuedBytes;
    /** Client memory accounting (ClientMemory, under the execution lock): the figure last accounted, its type and bucket. */
    long memAccounted;
    ClientFlags.Type memType;
    int memBucket = -1;
    /** No longer accounted: closing (evicted, killed, over its output buffer limit, gone). */
    boolean memRemoved;
    /** Queued for accounting by its event loop (ClientMemory.changed). */
    volatile boolean memQueued;
    /** Client-side caching redirection: -1 when tracking is off, else the target id or 0 (CLIENT LIST redir). */
    public long trackingRedirect = -1;
    /** Set by the pause stage when this client's current command waits for CLIENT PAUSE to end. */
    public boolean postponed;
    /**
     * CLIENT REPLY state: {@link #REPLY_ON}, {@link #REPLY_OFF}, {@link #REPLY_SKIP_NEXT} or
     * {@link #REPLY_SKIP}. Replies are muted, pushes are not (see Reply.pushing).
     */
    public int replyMode;
    /** Replies are sent (the default). */
    public static final int REPLY_ON = 0;
    /** CLIENT REPLY OFF: no reply is sent until CLIENT REPLY ON. */
    public static final int REPLY_OFF = 1;
    /** CLIENT REPLY SKIP: the next command's reply is dropped. */
    public static final int REPLY_SKIP_NEXT = 2;
    /**
     * The command running (or blocked) is the one CLIENT REPLY SKIP skips: also the reply a
     * blocking command gets when it is served later is dropped. Back to ON at the next command.
     */
    public static final int REPLY_SKIP = 3;

    /** True while this client's replies (not its pushes) are dropped. */
    public boolean repliesMuted() {
        return replyMode == REPLY_OFF || replyMode == REPLY_SKIP;
    }

    public Client(long id, ServerContext server, Connection conn, Reply reply) {
        this.id = id;
        this.server = server;
        this.conn = conn;
        this.reply = reply;
        this.db = server.keyspace().db(0);
        this.createdMillis = server.clock().millis();
        this.lastInteractionMillis = createdMillis;
        this.authenticated = server.clients() == null || server.clients().authenticator().defaultUserImplicit();
    }

    public long id() {
        return id;
    }

    /** The memory accounted for this client when it was last accounted (ClientMemory). */
    public long accountedMemory() {
        return memAccounted;
    }

    public ServerContext server() {
        return server;
    }

    public Connection connection() {
        return conn;
    }

    public Reply reply() {
        return reply;
    }

    public void reply(Reply r) {
        this.reply = r;
    }

    public byte[][] argv() {
        return argv;
    }

    public byte[] arg(int i) {
        return argv[i];
    }

    public int argc() {
        return argc;
    }

    public void request(byte[][] argv, int argc) {
        this.argv = argv;
        this.argc = argc;
        this.resolved = null;
    }

    /**
     * A request whose top-level command the connection has already looked up (so the gate does
     * not look it up again); {@code cmd} may be null for an unknown command only if resolved.
     */
    public void request(byte[][] argv, int argc, CommandSpec top) {
        this.argv = argv;
        this.argc = argc;
        this.resolved = top;
    }

    /** The request's top-level command as the connection resolved it, or null when not resolved. */
    public CommandSpec resolved() {
        return resolved;
    }

    public CommandSpec cmd() {
        return cmd;
    }

    /** The command being run; also what CLIENT LIST shows as cmd (null, shown "NULL", when unknown). */
    public void cmd(CommandSpec s) {
        this.cmd = s;
        this.lastCmd = s;
    }

    public CommandSpec lastCmd() {
        return lastCmd;
    }

    public Db db() {
        return db;
    }

    public void select(int index) {
        this.db = server.keyspace().db(index);
    }

    public String name() {
        return name;
    }

    public void name(String n) {
        this.name = n;
    }

    public String libName() {
        return libName;
    }

    public void libName(String s) {
        this.libName = s;
    }

    public String libVersion() {
        return libVersion;
    }

    public void libVersion(String s) {
        this.libVersion = s;
    }

    public boolean authenticated() {
        return authenticated;
    }

    public void authenticated(boolean v) {
        this.authenticated = v;
    }

    public String user() {
        return user;
    }

    public void user(String u) {
        this.user = u;
    }

    public long createdMillis() {
        return createdMillis;
    }

    public long lastInteractionMillis() {
        return lastInteractionMillis;
    }

    public void touch(long now) {
        this.lastInteractionMillis = now;
    }

    /**
     * When the client last sent an empty line (ms), 0 if never: a replica's keep-alive while it
     * loads its RDB, which refreshes its ACK time as in Redis (written by the connection's thread).
     */
    private volatile long emptyLineMillis;

    public long emptyLineMillis() {
        return emptyLineMillis;
    }

    public void emptyLine(long now) {
        this.emptyLineMillis = now;
    }

    public boolean closeAfterReply() {
        return closeAfterReply;
    }

    public void closeAfterReply(boolean v) {
        this.closeAfterReply = v;
    }

    /** Protocol version (2 or 3) of the reply sink. */
    public int protocol() {
        return reply.protocol();
    }

    public boolean inExec() {
        return inExec;
    }

    public void inExec(boolean v) {
        this.inExec = v;
    }

    /** Switches the connection's protocol (HELLO, RESET); replies after this use the new version. */
    public void protocol(int version) {
        if (conn != null) {
            conn.protocol(version);
        }
    }

    /**
     * Sends this client a message that does not answer one of its own commands: a pub/sub message,
     * a MONITOR line, the reply of a woken blocked command, an invalidation push. Call it under the
     * execution lock, from any thread (another client's command, the cron).
     *
     * <p>{@code message} writes to the given sink exactly as a handler would; it runs at once, in
     * this client's protocol (RESP2/RESP3), into a buffer that is then written and flushed on this
     * client's connection. Messages keep the order of the calls, and come after the replies of
     * every command this client has already run. When this client is the one whose command is
     * running, the message goes in line with that command's reply. Delivering to a closed client
     * does nothing; a client that does not read is closed by client-output-buffer-limit.
     */
    public void deliver(java.util.function.Consumer<Reply> message) {
        java.util.function.ObjLongConsumer<Reply> watch = deliveryWatch;
        if (watch != null) {
            java.util.function.Consumer<Reply> m = message;
            message = r -> {
                long errorsBefore = r.errorCount();
                m.accept(r);
                watch.accept(r, errorsBefore);
            };
        }
        if (conn != null) {
            conn.deliver(message);
        }
    }

    /**
     * Set by Dispatcher.serveBlocked while the blocking code ends this client's blocked command:
     * sees each delivery (the sink, and its error count before), so the reply is accounted for.
     */
    public java.util.function.ObjLongConsumer<Reply> deliveryWatch;
    /** The duration of this client's blocking call that left it blocked (Redis's c->duration), in µs. */
    public long blockedCallMicros;

    public boolean blocked() {
        return blocked;
    }

    /** Set by the blocking manager; the connection stops running requests while it is true. */
    public void blocked(boolean v) {
        this.blocked = v;
    }

    /** After an unblock: lets the connection run the requests that queued behind the blocking command. */
    public void resumeAfterBlock() {
        if (conn != null) {
            conn.resumeAfterBlock();
        }
    }

    // ---- what the running call did, for persistence and propagation (dev.cinnabar.server.propagate)

    /** The running call's propagated argv when a handler rewrote it, else null (the argv as is). */
    private byte[][] propagateArgv;
    /** Propagator.PREVENT and forced targets (PropagationSink.AOF/REPL) of the running call. */
    private int propagateFlags;
    /** Targets this client's calls may propagate to (a script's redis.set_repl); all by default. */
    private int propagateMask = dev.cinnabar.server.propagate.Propagator.ALL;

    /**
     * The running command changed the dataset {@code n} times (Redis's server.dirty++): counted
     * in the server's changes since the last save, and a call that changed anything is propagated.
     */
    public void dirty(long n) {
        server.dirty += n;
    }

    /** Propagates this argv instead of the call's own (Redis's rewriteClientCommandVector). */
    public void rewriteArgv(byte[]... rewritten) {
        this.propagateArgv = rewritten;
    }

    /**
     * Replaces argument {@code i} of the propagated argv, appending it when {@code i} is the
     * current length (Redis's rewriteClientCommandArgument).
     */
    public void rewriteArgument(int i, byte[] value) {
        byte[][] a = propagateArgv;
        if (a == null) {
            a = java.util.Arrays.copyOf(argv, Math.max(argc, i + 1));
        } else if (i >= a.length) {
            a = java.util.Arrays.copyOf(a, i + 1);
        }
        a[i] = value;
        propagateArgv = a;
    }

    /** Propagates another command in this client's database, after what the unit holds so far (alsoPropagate). */
    public void alsoPropagate(byte[]... command) {
        server.dispatcher().propagator().also(db.id(), command, dev.cinnabar.server.propagate.Propagator.ALL);
    }

    /** The call's own argv is not propagated (it propagates other commands, or nothing). */
    public void preventPropagation() {
        propagateFlags |= dev.cinnabar.server.propagate.Propagator.PREVENT;
    }

    /** Propagates the call to these targets (PropagationSink.AOF/REPL) even if it changed nothing. */
    public void forcePropagation(int targets) {
        propagateFlags |= targets;
    }

    /** What the running call propagates if it propagates: its argv, or the handler's rewrite. */
    public byte[][] propagatedArgv() {
        if (propagateArgv != null) {
            return propagateArgv;
        }
        return argc == argv.length ? argv : java.util.Arrays.copyOf(argv, argc);
    }

    public int propagationMask() {
        return propagateMask;
    }

    /** Restricts where this client's own commands propagate (redis.set_repl for the script client). */
    public void propagationMask(int targets) {
        this.propagateMask = targets;
    }

    /** The propagation state of the running call (saved by the gate around a nested call). */
    public byte[][] propagationRewrite() {
        return propagateArgv;
    }

    public int propagationFlags() {
        return propagateFlags;
    }

    /** Sets the propagation state (the gate: cleared before a call, restored after a nested one). */
    public void propagation(byte[][] rewrite, int flags) {
        this.propagateArgv = rewrite;
        this.propagateFlags = flags;
    }

    /** Convenience for handlers. */
    public void error(String msg) {
        reply.error(msg);
    }
}
