package dev.cinnabar.server.session;

import dev.cinnabar.server.protocol.Reply;
import java.util.function.Consumer;

/**
 * The transport under a client, as the session sees it. The Netty adapter implements it for
 * sockets; fake clients (Lua, AOF loading) have none.
 */
public interface Connection {
    /**
     * The transport of a client with no socket (the script client, benchmarks): no peer address,
     * nothing to flush or close, tasks run at once on the calling thread.
     */
    Connection NONE = new Connection() {
        @Override
        public String peerAddress() {
            return "";
        }

        @Override
        public String localAddress() {
            return "";
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }

        @Override
        public long pendingOutputBytes() {
            return 0;
        }

        @Override
        public void execute(Runnable task) {
            task.run();
        }
    };

    /** True once the peer's EOF was read (a half-close or a close): what it sent runs, then the session ends. */
    default boolean inputClosed() {
        return false;
    }

    /** "ip:port" of the peer. */
    String peerAddress();

    /** "ip:port" of our side. */
    String localAddress();

    /** Flushes replies written so far; safe from any thread. */
    void flush();

    /**
     * Closes the connection (CLIENT KILL, timeout); safe from any thread. As Redis's freeClient,
     * replies not flushed to the socket yet are dropped.
     */
    void close();

    /**
     * Frees the client now, as Redis's freeClient (client eviction): under the execution lock,
     * the session leaves the registry and its features' state (pub/sub, blocking, WATCH...) at
     * once; the socket closes on its own thread. Replies not written are dropped.
     */
    default void free() {
        close();
    }

    /**
     * Applies client-output-buffer-limit to what waits for the socket now (the cron's check of soft
     * limits when no traffic comes); true when the client was closed for it.
     */
    default boolean checkOutputLimits() {
        return false;
    }

    /** Bytes of replies queued but not yet written to the socket (omem in CLIENT LIST). */
    long pendingOutputBytes();

    /**
     * Flow control for a producer outside the event loop (a replica's RDB transfer): when the
     * socket is not writable (its queue passed the high-water mark), registers task to run once,
     * on the connection's thread, when it becomes writable again (drained to the low-water mark)
     * or closes, and returns true; when it is writable, returns false and never runs task.
     */
    default boolean whenWritable(Runnable task) {
        return false;
    }

    /** Runs a task on the connection's own IO thread (for pushes from other clients' commands). */
    void execute(Runnable task);

    /**
     * Writes a message produced outside this client's own command (see {@link Client#deliver}).
     * Called under the execution lock. Transports without a peer (scripts) drop it.
     */
    default void deliver(Consumer<Reply> message) {
    }

    /** Sets the protocol of this connection's replies and deliveries (2 or 3); no-op without a peer. */
    default void protocol(int version) {
    }

    /** The socket's file descriptor, -1 when the transport has none to show. */
    default int fd() {
        return -1;
    }

    /** Buffers of replies queued for the socket (oll). */
    default int pendingOutputBuffers() {
        return 0;
    }

    /** The connection's reply buffer (rbs, rbp), null when the transport has none (scripts, a master link). */
    default ReplyBuffer replyBuffer() {
        return null;
    }

    /** Bytes in the query buffer not parsed yet (qbuf). */
    default long queryBufferBytes() {
        return 0;
    }

    /** Free room in the query buffer (qbuf-free). */
    default long queryBufferFree() {
        return 0;
    }

    /** Bytes of arguments of a request read only partly (argv-mem of a pending request). */
    default long pendingArgvBytes() {
        return 0;
    }

    /** True while the client's command waits for CLIENT PAUSE to end (Redis's postponed client, flags=b). */
    default boolean postponed() {
        return false;
    }

    /** True while replies wait for the socket to become writable (events "rw"). */
    default boolean writePending() {
        return false;
    }

    /**
     * The client was unblocked (served, timed out, CLIENT UNBLOCK): run the requests that waited
     * behind its blocking command, on the connection's own thread. Called under the execution lock.
     */
    default void resumeAfterBlock() {
    }
}
