package dev.cinnabar.server.session;

/**
 * The transport under a client, as the session sees it. The Netty adapter implements it for
 * sockets; fake clients (Lua, AOF loading) have none.
 */
public interface Connection {
    /** "ip:port" of the peer. */
    String peerAddress();

    /** "ip:port" of our side. */
    String localAddress();

    /** Flushes replies written so far; safe from any thread. */
    void flush();

    /** Closes after pending replies are written; safe from any thread. */
    void close();

    /** Bytes of replies queued but not yet written to the socket (omem in CLIENT LIST). */
    long pendingOutputBytes();

    /** Runs a task on the connection's own IO thread (for pushes from other clients' commands). */
    void execute(Runnable task);

    /**
     * Queues a message produced by another client's command (pub/sub, invalidation) for this
     * connection, written with the given protocol, and flushes; safe from any thread. Fake
     * clients have no transport and drop it.
     */
    default void deliver(int protocol, java.util.function.Consumer<dev.cinnabar.server.protocol.Reply> message) {
    }

    /**
     * The client was unblocked (served, timed out, CLIENT UNBLOCK): run the requests that waited
     * behind its blocking command, on the connection's own thread. Called under the execution lock.
     */
    default void resumeAfterBlock() {
    }
}
