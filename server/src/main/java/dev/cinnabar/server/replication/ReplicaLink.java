package dev.cinnabar.server.replication;

import dev.cinnabar.server.session.Client;

/**
 * The master's side of one replica connection (Redis's client fields slave_*, repl_*): what the
 * replica announced with REPLCONF, where its sync stands, what it acknowledged, and the stream it
 * has not been sent yet (held in the shared buffer from the point of its RDB until the RDB has been sent).
 *
 * <p>Fields are read and written under the execution lock, except {@link #closed}, which the
 * transfer thread reads without it.
 */
final class ReplicaLink {
    /** Redis's SLAVE_STATE_*: where the full sync stands. */
    enum State {
        /** Waiting for a snapshot to start (another one runs, or the diskless delay). */
        WAIT_BGSAVE_START("wait_bgsave"),
        /** Its snapshot runs; the stream from the snapshot's point accumulates. */
        WAIT_BGSAVE_END("wait_bgsave"),
        /** The RDB is being sent. */
        SEND_BULK("send_bulk"),
        ONLINE("online");

        final String info;

        State(String info) {
            this.info = info;
        }
    }

    /**
     * The state INFO and the shutdown's lagging-replica line show: a diskless transfer's replica
     * stays wait_bgsave until the transfer ends, as Redis keeps it in WAIT_BGSAVE_END while its
     * child writes to the sockets (send_bulk is a disk-based sync's file transfer only).
     */
    String stateInfo() {
        return state == State.SEND_BULK && !diskTarget ? State.WAIT_BGSAVE_END.info : state.info;
    }

    /** REPLCONF capa eof: the replica reads an RDB delimited by an EOF mark (diskless). */
    static final int CAPA_EOF = 1;
    /** REPLCONF capa psync2: the replica understands +CONTINUE with a replication ID. */
    static final int CAPA_PSYNC2 = 2;

    final Client client;
    int capa;
    int listeningPort;
    String announcedIp;
    boolean rdbOnly;
    /**
     * REPLCONF rdb-filter-only was given: its RDB holds no keys, and the function libraries only
     * when the filter names them.
     */
    boolean rdbFiltered;
    boolean rdbWithFunctions;
    /** Attached by SYNC/PSYNC (in the replicas list). */
    boolean attached;
    /** Attached with SYNC (no PSYNC): no +FULLRESYNC line, never acknowledges. */
    boolean prePsync;
    State state;
    /** Its snapshot is the BGSAVE file (else the serialised RDB sent with an EOF mark). */
    boolean diskTarget;
    /** The master offset its RDB corresponds to. */
    long psyncInitialOffset;
    /** Online after a diskless transfer: the stream starts with its first REPLCONF ACK. */
    boolean putOnlineOnAck;
    /** The stream goes straight to the socket (else it waits in the shared buffer from {@link #refOffset}). */
    boolean streaming;
    /** Until it streams: the first stream byte it needs (just after its snapshot's point). */
    long refOffset;
    /** While it streams: the master offset of the last byte copied to its connection. */
    long deliveredEnd;
    /** When its held part of the shared buffer went over the soft limit (ms), 0 if it is not over. */
    long softLimitSince;
    long ackOffset;
    /** When it last acknowledged (ms), or when it went online. */
    long ackMillis;
    /** When it started waiting for a snapshot (diskless delay). */
    long waitingSince;
    volatile boolean closed;
    /**
     * Since when (ms) a transfer has been waiting for its socket to take queued bytes, 0 when it
     * is not waiting (written by the transfer's thread, read by the cron).
     */
    volatile long stuckSince;

    ReplicaLink(Client client) {
        this.client = client;
    }

    /** The replica's address for INFO, ROLE and the log: the announced IP, else the peer's. */
    String ip() {
        if (announcedIp != null) {
            return announcedIp;
        }
        String peer = client.connection().peerAddress();
        int i = peer.lastIndexOf(':');
        return i < 0 ? peer : peer.substring(0, i);
    }

    /** Redis's replicationGetSlaveName. */
    String name() {
        String ip = ip();
        if (ip.isEmpty()) {
            return "client id #" + client.id();
        }
        return listeningPort != 0 ? ip + ":" + listeningPort : ip + ":<unknown-replica-port>";
    }
}
