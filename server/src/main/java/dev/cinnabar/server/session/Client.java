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
    /** True while EXEC runs this client's queued commands: blocking commands must not block. */
    private boolean inExec;
    /** True while blocked on keys (BLPOP...): the connection runs none of its further requests. */
    private boolean blocked;
    /** CLIENT REPLY ON/OFF/SKIP. */
    public int replyMode;

    public Client(long id, ServerContext server, Connection conn, Reply reply) {
        this.id = id;
        this.server = server;
        this.conn = conn;
        this.reply = reply;
        this.db = server.keyspace().db(0);
        this.createdMillis = server.clock().millis();
        this.lastInteractionMillis = createdMillis;
        this.authenticated = !server.config().authRequired();
    }

    public long id() {
        return id;
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
    }

    public CommandSpec cmd() {
        return cmd;
    }

    public void cmd(CommandSpec s) {
        this.cmd = s;
        if (s != null) {
            this.lastCmd = s;
        }
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

    /**
     * Sends an out-of-band message (pub/sub message, invalidation) to this client: straight into
     * its reply stream when it is the client whose command is running (so the message precedes
     * that command's reply, as in Redis), otherwise through its connection.
     */
    public void deliver(java.util.function.Consumer<Reply> message) {
        if (server.dispatcher().current() == this) {
            message.accept(reply);
        } else if (conn != null) {
            conn.deliver(reply.protocol(), message);
        }
    }

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

    /** Convenience for handlers. */
    public void error(String msg) {
        reply.error(msg);
    }
}
