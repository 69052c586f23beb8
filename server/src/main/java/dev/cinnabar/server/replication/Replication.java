package dev.cinnabar.server.replication;

import dev.cinnabar.server.Crash;
import dev.cinnabar.server.ServerContext;
import dev.cinnabar.server.ServerCron;
import dev.cinnabar.server.blocking.BlockingManager;
import dev.cinnabar.server.command.CommandFlag;
import dev.cinnabar.server.command.CommandSpec;
import dev.cinnabar.server.command.Dispatcher;
import dev.cinnabar.server.config.ClientOutputBufferLimits;
import dev.cinnabar.server.multi.Transactions;
import dev.cinnabar.server.persistence.Persistence;
import dev.cinnabar.server.persistence.Snapshot;
import dev.cinnabar.server.persistence.rdb.RdbFile;
import dev.cinnabar.server.propagate.PropagationErrors;
import dev.cinnabar.server.propagate.PropagationSink;
import dev.cinnabar.server.protocol.Errors;
import dev.cinnabar.server.protocol.Texts;
import dev.cinnabar.server.store.Numbers;
import dev.cinnabar.server.session.Client;
import dev.cinnabar.server.session.ClientFlags;
import dev.cinnabar.server.session.ClientInfo;
import dev.cinnabar.server.session.ClientPause;
import dev.cinnabar.server.session.OutputBufferLimits;
import dev.cinnabar.server.command.CommandFlag;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * Replication, master side (Redis 7.0's protocol, so real Redis replicas attach): replication IDs
 * and offset, the backlog, SYNC / PSYNC with full and partial resynchronisation, REPLCONF, the
 * replicas' acknowledgements, WAIT, min-replicas-to-write.
 *
 * <p><b>The stream.</b> While a backlog exists (from the first replica on, until
 * repl-backlog-ttl after the last one left) a REPL sink on the propagation path ({@link Feed})
 * encodes every propagated command as RESP, with SELECT when the database changes, and appends
 * it to the backlog and to every replica. master_repl_offset counts the bytes fed.
 *
 * <p><b>Full sync.</b> A replica is sent an RDB of one point of the dataset, then the stream from
 * that point. Disk-based (repl-diskless-sync no, or a replica without capa eof): a BGSAVE, the
 * forkless snapshot of the persistence package (writers keep running), is started at that point;
 * the replica's stream accumulates until the file is written, then the file is sent as
 * {@code $<size>\r\n<bytes>} and the accumulated stream after it. Diskless: the same forkless
 * snapshot streams the RDB to the replicas' sockets as it serialises it ({@link SocketTarget}),
 * framed as {@code $EOF:<40 chars>\r\n<bytes><the same 40 chars>}; the stream then starts with the
 * replica's first REPLCONF ACK. File bytes are sent by a transfer thread in slices, each under the
 * lock; both wait while a socket has more than {@link #TRANSFER_WINDOW} bytes queued, woken when
 * the socket drains ({@link #awaitRoom}). One snapshot runs at a time (Redis's one child):
 * replicas arriving meanwhile wait for its end.
 *
 * <p>Everything runs under the execution lock except the transfer threads' waits and file reads.
 */
public final class Replication {
    /**
     * Bytes queued for a replica's socket above which a transfer waits: the connection's high-water
     * mark (NettyServer's WRITE_BUFFER_WATER_MARK, 4 MB), so the wait ends when the socket drains
     * to its low-water mark (1 MB) and the socket never runs dry while the transfer has more.
     */
    static final int TRANSFER_WINDOW = 4 << 20;
    private static final int TRANSFER_SLICE = 64 << 10;
    static final String NO_REPLID = "0000000000000000000000000000000000000000";
    private static final byte[] SELECT = "SELECT".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NEWLINE = {'\n'};

    private final ServerContext server;
    String replId = newReplId();
    String replId2 = NO_REPLID;
    long secondReplOffset = -1;
    long masterReplOffset;
    ReplicationBuffer backlog;
    private final Feed feed = new Feed();
    /** Every connection that sent REPLCONF or SYNC/PSYNC. */
    final Map<Client, ReplicaLink> links = new IdentityHashMap<>();
    /** Attached replicas (Redis's server.slaves), in attach order. */
    final List<ReplicaLink> replicas = new ArrayList<>();
    /** The master offset after each client's last propagated write (Redis's c->woff, for WAIT). */
    private final Map<Client, Long> writeOffsets = new IdentityHashMap<>();
    /** Clients blocked in WAIT, with the offset and the count they wait for. */
    private final Map<Client, long[]> waiting = new IdentityHashMap<>();
    volatile long syncFull;
    volatile long syncPartialOk;
    volatile long syncPartialErr;
    /** When the last replica left (ms), 0 while some are attached. */
    private long noReplicasSince;
    /** min-replicas-to-write and min-replicas-max-lag, as CONFIG SET leaves them. */
    private volatile long minReplicasToWrite;
    private volatile long minReplicasMaxLag;
    /** Replicas online whose lag is at most min-replicas-max-lag (Redis's repl_good_slaves_count). */
    int goodReplicas;
    /** A BGSAVE started for replicas is running. */
    private boolean diskSnapshotRunning;
    private long lastPingMillis = System.currentTimeMillis();
    private long lastSecondMillis;

    // ------------------------------------------------------------------ FAILOVER
    /** Redis's failover_state: no-failover, waiting-for-sync, failover-in-progress. */
    private String failoverState = "no-failover";
    private String failoverHost;
    private int failoverPort;
    private long failoverEnd;
    private boolean failoverForce;

    // ------------------------------------------------------------------ the replica side's state
    /** Our master (REPLICAOF / replicaof), or null on a master. */
    volatile String masterHost;
    volatile int masterPort;
    /** The current link to our master (one per connection attempt), or null on a master. */
    volatile MasterLink link;
    /** Our dataset has a history (replId, masterReplOffset) a master may continue with PSYNC. */
    private boolean psyncCapable;
    /** The database our master's stream had selected when its client went away (Redis's cached master's db). */
    private int cachedStreamDb;
    /** When the link went down (ms), 0 if it was never up. */
    private long linkDownSince;
    /** The next time a lost link is retried (ms). */
    private long reconnectAt;

    /** Keys written with a TTL by our own clients while we are a writable replica. */
    private final WritableReplicaKeys replicaKeys;

    private Replication(ServerContext server) {
        this.server = server;
        this.replicaKeys = new WritableReplicaKeys(server);
    }

    ServerContext server() {
        return server;
    }

    public static Replication of(ServerContext s) {
        return s.feature(Replication.class, () -> new Replication(s));
    }

    /** Installs the gate checks, the cron, the close listener and the BGSAVE listener (one line in Features). */
    public static void install(ServerContext ctx, ServerCron cron) {
        Replication r = of(ctx);
        ctx.dispatcher().extend(Dispatcher.Stage.WRITES_REFUSED, r::writesRefused, false);
        ctx.dispatcher().extend(Dispatcher.Stage.WRITES_REFUSED, r::readOnlyReplica, false);
        ctx.dispatcher().extend(Dispatcher.Stage.LOADING, r::staleReplica, true);
        ctx.dispatcher().extend(Dispatcher.Stage.PAUSE, r::replicaKeyspaceAccess, true);
        ctx.dispatcher().afterCommand.add(r::replicaReplied);
        ctx.dispatcher().extend(Dispatcher.Stage.SCRIPT_STALE, r::staleFromScript, true);
        ctx.addShutdownListener(r::serverStopping);
        ctx.addClientCloseListener(r::clientClosed);
        Persistence.of(ctx).addBgsaveListener(r::bgsaveEnded);
        Persistence.of(ctx).replInfoSource(r::rdbReplInfo);
        Persistence.of(ctx).startupLoadHooks(r.new StartupLoad());
        cron.add(r::cron);
        ctx.clients().memory().replicaOutput(r::replicaOutput);
        String replicaof = ctx.config().get("replicaof");
        if (replicaof != null && !replicaof.isBlank()) {
            String[] hp = replicaof.trim().split("\\s+");
            r.masterHost = hp[0];
            r.masterPort = Integer.parseInt(hp[1]);
            ctx.replica(true);
            ctx.log().role('S');
            ctx.dispatcher().propagator().addSink(r.replicaKeys);
            r.link = new MasterLink(r, r.masterHost, r.masterPort); // connected by the first cron
        }
        for (String name : List.of("replicaof", "masterauth", "masteruser", "replica-read-only",
                "replica-serve-stale-data", "repl-disable-tcp-nodelay", "replica-announce-ip", "replica-announce-port",
                "repl-backlog-size", "repl-backlog-ttl", "repl-diskless-sync",
                "repl-diskless-sync-delay", "repl-diskless-sync-max-replicas", "repl-ping-replica-period",
                "repl-timeout", "min-replicas-to-write", "min-replicas-max-lag", "replica-lazy-flush",
                "replica-ignore-maxmemory", "repl-diskless-load", "rdb-del-sync-files")) { // the last one: memory.Eviction does not evict on a replica unless "no"
            ctx.config().implemented(name);
        }
        // read by the gate for every command: kept as numbers, not looked up and parsed each time
        r.minReplicasToWrite = r.cfg("min-replicas-to-write");
        r.minReplicasMaxLag = r.cfg("min-replicas-max-lag");
        ctx.config().entry("min-replicas-to-write").onApply(v -> r.minReplicasToWrite = r.cfg("min-replicas-to-write"));
        ctx.config().entry("min-replicas-max-lag").onApply(v -> r.minReplicasMaxLag = r.cfg("min-replicas-max-lag"));
        ctx.config().entry("repl-backlog-size").onApply(v -> {
            if (r.backlog != null) {
                r.backlog.resize(backlogSize(ctx));
                r.trimBuffer();
            }
        });
    }

    static String newReplId() {
        byte[] b = new byte[20];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    // ------------------------------------------------------------------ configuration

    long cfg(String name) {
        return Long.parseLong(server.config().get(name));
    }

    boolean cfgYes(String name) {
        return "yes".equals(server.config().get(name));
    }

    private static int backlogSize(ServerContext s) {
        return (int) Math.min(Integer.MAX_VALUE - 16, Long.parseLong(s.config().get("repl-backlog-size")));
    }

    // ------------------------------------------------------------------ the stream

    /** The REPL sink: encodes the propagated commands and feeds them to the backlog and the replicas. */
    private final class Feed implements PropagationSink {
        int selected = -1;

        @Override
        public int targets() {
            return REPL;
        }

        @Override
        public void append(int dbId, byte[][] argv) {
            if (dbId != selected && dbId >= 0) {
                feedBytes(encode(new byte[][] {SELECT, Integer.toString(dbId).getBytes(StandardCharsets.US_ASCII)}));
                selected = dbId;
            }
            feedBytes(encode(argv));
            Client cur = server.dispatcher().current();
            if (cur != null) {
                writeOffsets.put(cur, masterReplOffset);
            }
        }
    }

    static byte[] encode(byte[][] argv) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(32);
        header(out, '*', argv.length);
        for (byte[] a : argv) {
            header(out, '$', a.length);
            out.writeBytes(a);
            out.write('\r');
            out.write('\n');
        }
        return out.toByteArray();
    }

    private static void header(ByteArrayOutputStream out, char type, long n) {
        out.write(type);
        out.writeBytes(Long.toString(n).getBytes(StandardCharsets.US_ASCII));
        out.write('\r');
        out.write('\n');
    }

    /**
     * DEBUG REPLICATE: a command for the replicas only, with no SELECT before it (Redis feeds it
     * with no database), so master and replicas diverge on purpose. Nothing on a replica (its
     * replicas get its master's stream only) or without a backlog.
     */
    public void debugReplicate(byte[][] argv) {
        feedCommand(argv);
    }

    /** A command for the replicas only, in no particular database (PING, REPLCONF GETACK). */
    void feedCommand(byte[][] argv) {
        if (backlog != null && !isReplicaRole()) { // a replica's replicas get its master's stream only
            feedBytes(encode(argv));
        }
    }

    private void feedBytes(byte[] b) {
        boolean newBlock = backlog.append(b);
        masterReplOffset += b.length;
        for (int i = 0; i < replicas.size(); i++) {
            ReplicaLink l = replicas.get(i);
            if (l.streaming) {
                l.client.deliver(r -> r.raw(b, 0, b.length));
                l.deliveredEnd = masterReplOffset;
            }
        }
        if (newBlock) {
            // as Redis: the limits are checked, and the backlog trimmed, when a block is added
            checkReplicaLimits();
            trimBuffer();
        }
    }

    /**
     * The first stream byte a replica still needs, or -1 when it holds nothing: a replica waiting
     * for its snapshot's transfer holds the stream from its snapshot's point; a streaming one, what
     * its socket has not taken yet (the stream is copied to its connection as it is fed).
     */
    private long ref(ReplicaLink l) {
        if (l.rdbOnly || l.state == ReplicaLink.State.WAIT_BGSAVE_START) {
            return -1;
        }
        if (!l.streaming) {
            return l.refOffset;
        }
        long pending = l.client.connection().pendingOutputBytes();
        return Math.max(backlog.firstByteOffset(), l.deliveredEnd + 1 - pending);
    }

    /** Drops the leading blocks neither the backlog nor a replica needs. */
    void trimBuffer() {
        if (backlog == null) {
            return;
        }
        long min = Long.MAX_VALUE;
        for (ReplicaLink l : replicas) {
            long r = ref(l);
            if (r >= 0) {
                min = Math.min(min, r);
            }
        }
        backlog.trim(min);
    }

    /** A replica's output memory (omem, and its part of tot-mem): the shared blocks it holds. */
    private long replicaOutput(Client c) {
        ReplicaLink l = links.get(c);
        if (l == null || !l.attached || backlog == null) {
            return -1;
        }
        long r = ref(l);
        return r < 0 ? 0 : backlog.referenced(r);
    }

    /**
     * client-output-buffer-limit replica, applied to what each replica holds of the shared buffer
     * (Redis's checkClientOutputBufferLimits): a hard limit below repl-backlog-size counts as
     * repl-backlog-size, since a replica that resynced partially holds that much at once.
     */
    private void checkReplicaLimits() {
        ClientOutputBufferLimits.Limit lim = server.config().clientOutputBufferLimits.replica();
        if (lim.hardBytes() <= 0 && lim.softBytes() <= 0) {
            return;
        }
        long hard = lim.hardBytes() > 0 ? Math.max(lim.hardBytes(), backlog.size()) : 0;
        ClientOutputBufferLimits.Limit eff = new ClientOutputBufferLimits.Limit(hard, lim.softBytes(), lim.softSeconds());
        long now = server.clock().millis();
        for (ReplicaLink l : new ArrayList<>(replicas)) {
            long r = ref(l);
            if (r < 0 || l.closed) {
                continue;
            }
            long since = OutputBufferLimits.check(eff, backlog.referenced(r), now, l.softLimitSince);
            if (since >= 0) {
                l.softLimitSince = since;
                continue;
            }
            server.log().warning("Client " + ClientInfo.describe(l.client)
                    + " scheduled to be closed ASAP for overcoming of output buffer limits.");
            l.client.flags |= ClientFlags.CLOSE_ASAP;
            l.closed = true;
            server.clients().memory().remove(l.client);
            l.client.connection().close();
            detach(l);
        }
    }

    /** CONFIG RESETSTAT: the sync_full, sync_partial_ok and sync_partial_err counters (Redis's resetServerStats). */
    public void resetStats() {
        syncFull = 0;
        syncPartialOk = 0;
        syncPartialErr = 0;
    }

    /** DEBUG CHANGE-REPL-ID: a new replication ID, no secondary one. */
    public void changeReplicationId() {
        replId = newReplId();
        replId2 = NO_REPLID;
        secondReplOffset = -1;
    }

    private void createBacklog() {
        replId = newReplId();
        replId2 = NO_REPLID;
        secondReplOffset = -1;
        backlog = new ReplicationBuffer(backlogSize(server), masterReplOffset);
        feed.selected = -1;
        if (!isReplicaRole()) {
            server.dispatcher().propagator().addSink(feed);
        }
        server.log().notice("Replication backlog created, my new replication IDs are '" + replId + "' and '"
                + replId2 + "'");
    }

    private void freeBacklog() {
        server.dispatcher().propagator().removeSink(feed);
        backlog = null;
    }

    // ------------------------------------------------------------------ replication state in RDB files

    /**
     * What an RDB file saved now records (Redis's rdbPopulateSaveInfo): on a master with a
     * backlog, the stream's database, our ID and offset; on a replica, the same with the database
     * of our master's stream; nothing otherwise. Under the lock.
     */
    private Persistence.ReplInfo rdbReplInfo() {
        if (!isReplicaRole()) {
            return backlog == null ? null : new Persistence.ReplInfo(Math.max(0, feed.selected), replId, masterReplOffset);
        }
        MasterLink l = link;
        Client m = l == null ? null : l.master;
        if (m != null) {
            return new Persistence.ReplInfo(m.db().id(), replId, masterReplOffset);
        }
        return psyncCapable ? new Persistence.ReplInfo(cachedStreamDb, replId, masterReplOffset) : null;
    }

    private static int auxInt(String v, int dflt) {
        try {
            return v == null ? dflt : Integer.parseInt(v);
        } catch (NumberFormatException e) {
            return dflt;
        }
    }

    /**
     * Redis 7.0's loadDataFromDisk for replication. A master makes a backlog before the keys go in,
     * so the keys the file holds already expired are told to replicas as DELs; after the load, an
     * RDB recording a replication ID and offset lets the history continue: a replica takes them as
     * its own (a PSYNC after the restart continues), a master keeps them as its second ID (valid up
     * to that offset + 1) and moves its offsets past them, so its replicas continue partially. A
     * file without them drops a master's backlog again.
     */
    private final class StartupLoad implements Persistence.StartupLoadHooks {
        @Override
        public boolean beforeKeys() {
            if (isReplicaRole()) {
                return false;
            }
            if (backlog == null) {
                backlog = new ReplicationBuffer(backlogSize(server), masterReplOffset);
                feed.selected = -1;
                server.dispatcher().propagator().addSink(feed);
            }
            return true;
        }

        @Override
        public void expired(int db, byte[] key) {
            feed.append(db, new byte[][] {dev.cinnabar.server.propagate.Propagator.deleteVerb(server, "lazyfree-lazy-expire"), key});
        }

        @Override
        public void loaded(Map<String, String> aux) {
            String id = aux.get("repl-id");
            long offset;
            try {
                offset = Long.parseLong(aux.getOrDefault("repl-offset", "-1"));
            } catch (NumberFormatException e) {
                offset = -1;
            }
            int streamDb = auxInt(aux.get("repl-stream-db"), -1);
            boolean valid = id != null && id.length() == NO_REPLID.length() && offset != -1 && streamDb != -1;
            if (!valid) {
                if (!isReplicaRole() && backlog != null && replicas.isEmpty()) {
                    freeBacklog();
                }
                return;
            }
            if (isReplicaRole()) {
                replId = id;
                masterReplOffset = offset;
                psyncCapable = true;
                cachedStreamDb = streamDb;
                return;
            }
            replId2 = id;
            secondReplOffset = offset + 1;
            masterReplOffset += offset;
            backlog.rebase(offset);
            noReplicasSince = server.clock().millis();
        }
    }

    // ------------------------------------------------------------------ REPLCONF, SYNC, PSYNC

    /** SYNC (replid null) or PSYNC replid offset. */
    public void syncCommand(Client c, String psyncReplId, long offset) {
        if (psyncReplId != null && c.argc() > 3 && Texts.is(c.arg(3), "failover")) {
            if (!psyncReplId.equals(replId)) {
                c.error("ERR PSYNC FAILOVER replid must match my replid.");
                return;
            }
            server.log().warning("Failover request received for replid " + psyncReplId + ".");
            unsetMaster();
            server.log().notice("MASTER MODE enabled (failover request from '" + ClientInfo.describe(c) + "')");
        }
        if (!"no-failover".equals(failoverState)) {
            c.error("NOMASTERLINK Can't SYNC while failing over");
            return;
        }
        if (isReplicaRole() && !masterLinkUp()) {
            c.error(Errors.NOMASTERLINK);
            return;
        }
        ReplicaLink known = links.get(c);
        if ((known == null || !known.attached) && c.connection().pendingOutputBytes() > 0) {
            // the RDB and the stream must be the first bytes after our reply (a pipelined
            // REPLCONF's +OK would precede them), as Redis's clientHasPendingReplies check
            c.error("ERR SYNC and PSYNC are invalid with pending output");
            return;
        }
        sync(c, psyncReplId, offset);
    }

    /** REPLCONF option value ...: ACK and GETACK reply nothing. */
    public void replconf(Client c) {
        if (c.argc() % 2 == 0) {
            c.error(Errors.SYNTAX);
            return;
        }
        ReplicaLink l = link(c);
        for (int j = 1; j < c.argc(); j += 2) {
            byte[] opt = c.arg(j);
            byte[] val = c.arg(j + 1);
            if (Texts.is(opt, "listening-port")) {
                Long port = Numbers.parseLong(val);
                if (port == null) {
                    c.error(Errors.NOT_INTEGER);
                    return;
                }
                l.listeningPort = port.intValue();
            } else if (Texts.is(opt, "ip-address")) {
                if (val.length >= 256) {
                    c.error(Errors.replconfIpTooLong(val.length));
                    return;
                }
                l.announcedIp = Texts.str(val);
            } else if (Texts.is(opt, "capa")) {
                if (Texts.is(val, "eof")) {
                    l.capa |= ReplicaLink.CAPA_EOF;
                } else if (Texts.is(val, "psync2")) {
                    l.capa |= ReplicaLink.CAPA_PSYNC2;
                }
            } else if (Texts.is(opt, "ack")) {
                Long off = Numbers.parseLong(val);
                if (l.attached && off != null) {
                    ack(l, off);
                }
                return;
            } else if (Texts.is(opt, "getack")) {
                getAckRequested();
                return;
            } else if (Texts.is(opt, "rdb-only")) {
                Long v = Numbers.parseLong(val);
                if (v == null) {
                    c.error(Errors.NOT_INTEGER);
                    return;
                }
                if (v < 0 || v > 1) {
                    c.error("ERR value is out of range, value must between 0 and 1");
                    return;
                }
                l.rdbOnly = v == 1;
            } else if (Texts.is(opt, "rdb-filter-only")) {
                // include filters for the RDB; "functions" is the only one, "" asks for no data at all
                byte[][] filters = dev.cinnabar.server.protocol.RequestParser.splitArgs(val);
                if (filters == null) {
                    c.error("ERR Missing rdb-filter-only values");
                    return;
                }
                boolean functions = false;
                for (byte[] f : filters) {
                    if (!Texts.is(f, "functions")) {
                        c.error("ERR Unsupported rdb-filter-only option: " + Texts.str(f));
                        return;
                    }
                    functions = true;
                }
                l.rdbFiltered = true;
                l.rdbWithFunctions = functions;
            } else {
                c.error(Errors.unrecognizedReplconf(Texts.str(opt)));
                return;
            }
        }
        c.reply().ok();
    }

    /** REPLCONF GETACK from our master: acknowledge at once (the replica side). */
    void getAckRequested() {
        MasterLink l = link;
        Client cur = server.dispatcher().current();
        if (l != null && cur != null && cur == l.master) {
            l.send("REPLCONF", "ACK", Long.toString(l.appliedOffset));
        }
    }

    /** True while our link to our master is up (the replica side). */
    boolean masterLinkUp() {
        MasterLink l = link;
        return l != null && l.state == MasterLink.State.CONNECTED;
    }

    /** True while this server replicates from a master. */
    public boolean replicaRole() {
        return isReplicaRole();
    }

    /** ROLE. */
    public void role(Client c) {
        MasterLink l = link;
        if (!isReplicaRole() || l == null) {
            roleAsMaster(c);
            return;
        }
        c.reply().array(5);
        c.reply().bulk("slave");
        c.reply().bulk(l.host);
        c.reply().integer(l.port);
        c.reply().bulk(l.state.role);
        c.reply().integer(l.master != null ? l.appliedOffset : -1);
    }

    ReplicaLink link(Client c) {
        return links.computeIfAbsent(c, ReplicaLink::new);
    }

    /** The name the log gives a replica (Redis's replicationGetSlaveName), also before its SYNC. */
    public String replicaName(Client c) {
        return link(c).name();
    }

    /** True when c is an attached replica. */
    public boolean isReplica(Client c) {
        ReplicaLink l = links.get(c);
        return l != null && l.attached;
    }

    /** REPLCONF ACK from an attached replica. */
    void ack(ReplicaLink l, long offset) {
        if (offset > l.ackOffset) {
            l.ackOffset = offset;
        }
        l.ackMillis = server.clock().millis();
        if (l.putOnlineOnAck && l.state == ReplicaLink.State.ONLINE) {
            putOnline(l);
        }
        serveWaiters();
    }

    /**
     * SYNC or PSYNC (replid, offset given): a partial resynchronisation when the backlog holds the
     * replica's history from its offset, else a full one.
     */
    void sync(Client c, String psyncReplId, long psyncOffset) {
        ReplicaLink l = link(c);
        if (l.attached) {
            return; // a replica repeating SYNC is ignored, as Redis does
        }
        boolean psync = psyncReplId != null;
        if (psync) {
            if (tryPartial(l, psyncReplId, psyncOffset)) {
                syncPartialOk++;
                return;
            }
            if (!"?".equals(psyncReplId)) {
                syncPartialErr++;
            }
        } else {
            l.prePsync = true;
        }
        syncFull++;
        server.log().notice("Replica " + l.name() + " asks for synchronization");
        if (psync && !"?".equals(psyncReplId)) {
            server.log().notice("Full resync requested by replica " + l.name());
        }
        attach(l, ReplicaLink.State.WAIT_BGSAVE_START);
        if (backlog == null) {
            createBacklog();
        }
        if (l.rdbFiltered) {
            sendFilteredRdb(l);
            return;
        }
        ReplicaLink companion = null;
        if (diskSnapshotRunning) {
            for (ReplicaLink o : replicas) {
                if (o != l && o.state == ReplicaLink.State.WAIT_BGSAVE_END && o.diskTarget) {
                    companion = o;
                    break;
                }
            }
        }
        boolean diskless = cfgYes("repl-diskless-sync") && (l.capa & ReplicaLink.CAPA_EOF) != 0;
        if (companion != null && !diskless) {
            // share the running snapshot: the companion's accumulated stream is ours too
            l.diskTarget = true;
            setupFullResync(l, companion.psyncInitialOffset);
            server.log().notice("Waiting for end of BGSAVE for SYNC");
        } else if (Persistence.of(server).childActive()) {
            server.log().notice("Can't attach the replica to the current BGSAVE. Waiting for next BGSAVE for SYNC");
        } else if (diskless && cfg("repl-diskless-sync-delay") > 0) {
            server.log().notice("Delay next BGSAVE for diskless SYNC");
        } else {
            startSnapshot();
        }
    }

    private void attach(ReplicaLink l, ReplicaLink.State state) {
        l.attached = true;
        l.state = state;
        l.waitingSince = server.clock().millis();
        l.ackMillis = l.waitingSince;
        l.client.flags |= ClientFlags.REPLICA;
        replicas.add(l);
        noReplicasSince = 0;
    }

    private boolean tryPartial(ReplicaLink l, String id, long offset) {
        if (backlog == null) {
            return false;
        }
        boolean sameHistory = id.equalsIgnoreCase(replId)
                || (id.equalsIgnoreCase(replId2) && offset <= secondReplOffset);
        if (!sameHistory) {
            if (!"?".equals(id)) {
                if (!id.equalsIgnoreCase(replId2)) {
                    server.log().notice("Partial resynchronization not accepted: Replication ID mismatch (Replica asked for '"
                            + id + "', my replication IDs are '" + replId + "' and '" + replId2 + "')");
                } else {
                    server.log().notice("Partial resynchronization not accepted: Requested offset for second ID was "
                            + offset + ", but I can reply up to " + secondReplOffset);
                }
            }
            return false;
        }
        if (!backlog.covers(offset)) {
            server.log().notice("Unable to partial resync with replica " + l.name() + " for lack of backlog (Replica request was: "
                    + offset + ").");
            return false;
        }
        attach(l, ReplicaLink.State.ONLINE);
        l.streaming = true;
        String line = (l.capa & ReplicaLink.CAPA_PSYNC2) != 0 ? "+CONTINUE " + replId + "\r\n" : "+CONTINUE\r\n";
        byte[] head = line.getBytes(StandardCharsets.US_ASCII);
        l.client.deliver(r -> r.raw(head, 0, head.length));
        long sent = backlog.read(offset, (b, off, len) -> l.client.deliver(r -> r.raw(b, off, len)));
        l.deliveredEnd = masterReplOffset;
        refreshGoodReplicas();
        server.log().notice("Partial resynchronization request from " + l.name() + " accepted. Sending " + sent
                + " bytes of backlog starting from offset " + offset + ".");
        return true;
    }

    /** Tells the replica its sync point (+FULLRESYNC, not for SYNC) and starts accumulating its stream. */
    private void setupFullResync(ReplicaLink l, long offset) {
        l.psyncInitialOffset = offset;
        l.refOffset = offset + 1;
        l.state = ReplicaLink.State.WAIT_BGSAVE_END;
        feed.selected = -1; // the stream after a snapshot starts with SELECT
        if (!l.prePsync) {
            String line = "FULLRESYNC " + replId + " " + offset;
            l.client.deliver(r -> r.simple(line));
        }
    }

    /**
     * The RDB of a replica that asked for a filtered one (redis-cli --functions-rdb): no keys, so
     * no snapshot to share with others; the header, the aux fields and, if asked, the function
     * libraries, sent at once as a diskless transfer.
     */
    private void sendFilteredRdb(ReplicaLink l) {
        server.log().notice("Starting BGSAVE for SYNC with target: replicas sockets (rdb filtered: "
                + (l.rdbWithFunctions ? "functions only" : "no data") + ")");
        setupFullResync(l, masterReplOffset);
        byte[] header = Persistence.of(server).rdbHeader(l.rdbWithFunctions);
        boolean checksum = server.config().rdbchecksum;
        long crc = checksum ? dev.cinnabar.server.persistence.rdb.Crc64.of(header, 0, header.length) : 0;
        byte[] trailer = Snapshot.rdbTrailer(crc, checksum);
        java.io.ByteArrayOutputStream payload = new java.io.ByteArrayOutputStream(header.length + 128);
        boolean eofMark = (l.capa & ReplicaLink.CAPA_EOF) != 0;
        byte[] mark = newReplId().getBytes(StandardCharsets.US_ASCII);
        String lead = eofMark ? "$EOF:" + new String(mark, StandardCharsets.US_ASCII) + "\r\n"
                : "$" + (header.length + trailer.length) + "\r\n";
        payload.writeBytes(lead.getBytes(StandardCharsets.US_ASCII));
        payload.writeBytes(header);
        payload.writeBytes(trailer);
        if (eofMark) {
            payload.writeBytes(mark);
        }
        byte[] bytes = payload.toByteArray();
        l.state = ReplicaLink.State.SEND_BULK;
        l.client.deliver(r -> r.raw(bytes, 0, bytes.length));
        if (l.rdbOnly) {
            // its SYNC/PSYNC is running: the connection closes once this batch's output is written
            server.log().notice("Replica " + l.name() + " got the RDB it asked for (rdb-only): closing it");
            l.client.closeAfterReply(true);
            return;
        }
        finishTransfer(l, true, eofMark);
    }

    /** Starts the snapshot for the replicas waiting for one (Redis's startBgsaveForReplication). */
    private void startSnapshot() {
        int mincapa = -1;
        for (ReplicaLink l : replicas) {
            if (l.state == ReplicaLink.State.WAIT_BGSAVE_START) {
                mincapa = mincapa == -1 ? l.capa : mincapa & l.capa;
            }
        }
        if (mincapa == -1) {
            return;
        }
        boolean socket = cfgYes("repl-diskless-sync") && (mincapa & ReplicaLink.CAPA_EOF) != 0;
        if (!socket) {
            String err = Persistence.of(server).bgsave();
            if (err != null) {
                return; // another save runs: its end starts ours
            }
            server.log().notice("Starting BGSAVE for SYNC with target: disk");
            diskSnapshotRunning = true;
            for (ReplicaLink l : replicas) {
                if (l.state == ReplicaLink.State.WAIT_BGSAVE_START) {
                    l.diskTarget = true;
                    setupFullResync(l, masterReplOffset);
                }
            }
            return;
        }
        Persistence persistence = Persistence.of(server);
        if (persistence.childActive()) {
            return; // the cron starts it once the running snapshot ends
        }
        server.log().notice("Starting BGSAVE for SYNC with target: replicas sockets");
        String mark = newReplId();
        byte[] head = ("$EOF:" + mark + "\r\n").getBytes(StandardCharsets.US_ASCII);
        List<ReplicaLink> targets = new ArrayList<>();
        for (ReplicaLink l : replicas) {
            if (l.state == ReplicaLink.State.WAIT_BGSAVE_START) {
                l.diskTarget = false;
                setupFullResync(l, masterReplOffset);
                l.state = ReplicaLink.State.SEND_BULK;
                l.client.deliver(r -> r.raw(head, 0, head.length));
                targets.add(l);
            }
        }
        SocketTarget t = new SocketTarget(targets, mark.getBytes(StandardCharsets.US_ASCII));
        persistence.startSnapshot(Snapshot.Kind.REPLICAS, persistence.rdbHeader(), Snapshot.rdbFormat(lruPolicy()), t);
        // Redis names the child it forked; the snapshot is a thread of this process (as the AOF
        // rewrite's "started by pid" line)
        server.log().notice("Background RDB transfer started by pid " + ProcessHandle.current().pid());
    }

    /**
     * A diskless full sync's target: the snapshot's RDB goes to every replica of the transfer as it
     * is serialised (Redis's rdbSaveToSlavesSockets), then EOF, the checksum and the EOF mark.
     * From the snapshot's thread it waits while a replica's socket holds more than
     * {@link #TRANSFER_WINDOW} bytes; from a writer (which holds the lock) it never waits.
     */
    private final class SocketTarget implements Snapshot.Target {
        private final List<ReplicaLink> links;
        private final byte[] mark;
        private final boolean checksum = server.config().rdbchecksum;
        private long crc;
        private boolean everyReplicaDropped;

        SocketTarget(List<ReplicaLink> links, byte[] mark) {
            this.links = links;
            this.mark = mark;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            crc = dev.cinnabar.server.persistence.rdb.Crc64.update(crc, b, off, len);
            send(b, off, len);
        }

        private void send(byte[] b, int off, int len) throws IOException {
            byte[] bytes = off == 0 && len == b.length ? b : java.util.Arrays.copyOfRange(b, off, off + len);
            if (!server.lock().isHeldByCurrentThread()) {
                for (ReplicaLink l : links) {
                    awaitRoom(l);
                }
            }
            server.lock().lock();
            try {
                boolean any = false;
                for (ReplicaLink l : links) {
                    if (!l.closed) {
                        any = true;
                        l.client.deliver(r -> r.raw(bytes, 0, bytes.length));
                    }
                }
                if (!any) {
                    // Redis's line when its pipe's last reader leaves: here the snapshot thread,
                    // which plays the fork child's part, stops (the snapshot is aborted)
                    if (!everyReplicaDropped) {
                        everyReplicaDropped = true;
                        server.log().warning("Diskless rdb transfer, last replica dropped, killing fork child.");
                    }
                    throw new IOException("every replica of the transfer went away");
                }
            } finally {
                server.lock().unlock();
            }
        }

        @Override
        public void finish() throws IOException {
            byte[] trailer = Snapshot.rdbTrailer(crc, checksum);
            byte[] tail = java.util.Arrays.copyOf(trailer, trailer.length + mark.length);
            System.arraycopy(mark, 0, tail, trailer.length, mark.length);
            send(tail, 0, tail.length);
            // Redis logs this when the child's pipe reaches EOF: the whole RDB was produced and
            // handed to the replicas' connections, as here
            int up = 0;
            server.lock().lock();
            try {
                for (ReplicaLink l : links) {
                    up += l.closed ? 0 : 1;
                }
            } finally {
                server.lock().unlock();
            }
            server.log().warning("Diskless rdb transfer, done reading from pipe, " + up + " replicas still up.");
        }

        @Override
        public void ended(boolean ok, boolean aborted) {
            if (ok) {
                server.log().notice("Background RDB transfer terminated with success");
            } else if (!aborted && !everyReplicaDropped) {
                server.log().warning("Background transfer error");
            }
            for (ReplicaLink l : links) {
                finishTransfer(l, ok, true);
            }
        }
    }

    private boolean lruPolicy() {
        String p = server.config().maxmemoryPolicy;
        return p.contains("lru");
    }

    /** BGSAVE ended (under the lock): ship the file to the replicas waiting for it, start the next one. */
    private void bgsaveEnded(boolean ok, boolean aborted, Path file) {
        diskSnapshotRunning = false;
        for (ReplicaLink l : new ArrayList<>(replicas)) {
            if (l.state != ReplicaLink.State.WAIT_BGSAVE_END || !l.diskTarget) {
                continue;
            }
            if (!ok) {
                server.log().warning("SYNC failed. BGSAVE child returned an error");
                l.client.connection().close();
                continue;
            }
            FileChannel ch;
            long size;
            try {
                ch = FileChannel.open(file, StandardOpenOption.READ);
                size = ch.size();
            } catch (IOException e) {
                server.log().warning("SYNC failed. Can't open/stat DB after BGSAVE: " + e.getMessage());
                l.client.connection().close();
                continue;
            }
            l.state = ReplicaLink.State.SEND_BULK;
            byte[] head = ("$" + size + "\r\n").getBytes(StandardCharsets.US_ASCII);
            startTransfer(l, send -> {
                try (FileChannel in = ch) {
                    send.send(head, head.length);
                    long left = size;
                    while (left > 0) {
                        ByteBuffer bb = ByteBuffer.allocate((int) Math.min(TRANSFER_SLICE, left));
                        while (bb.hasRemaining()) {
                            if (in.read(bb) < 0) {
                                throw new IOException("premature EOF");
                            }
                        }
                        left -= bb.capacity();
                        send.send(bb.array(), bb.capacity());
                    }
                }
            }, false);
        }
        for (ReplicaLink l : replicas) {
            if (l.state == ReplicaLink.State.WAIT_BGSAVE_START) {
                startSnapshot();
                break;
            }
        }
    }

    /** Sends one slice of a transfer to its replica. */
    @FunctionalInterface
    private interface Sender {
        void send(byte[] bytes, int length);
    }

    /** What a transfer sends, slice by slice, in order. */
    @FunctionalInterface
    private interface Transfer {
        void run(Sender send) throws IOException;
    }

    /** Raised inside a transfer when its replica went away or the server stops. */
    private static final class Stop extends RuntimeException {
        Stop() {
            super(null, null, false, false);
        }
    }

    private void startTransfer(ReplicaLink l, Transfer t, boolean socketTarget) {
        Thread th = new Thread(() -> {
            boolean done = false;
            try {
                t.run((bytes, n) -> sendSlice(l, bytes, n));
                done = true;
            } catch (IOException e) {
                server.log().warning("Read error sending DB to replica: " + e.getMessage());
            } catch (Stop e) {
                // the replica went away
            }
            finishTransfer(l, done, socketTarget);
        }, "cinnabar-repl-transfer");
        th.setDaemon(true);
        th.start();
    }

    /**
     * Waits (transfer thread, no lock held) until the socket has taken everything delivered to the
     * replica, at most repl-timeout: an rdb-only replica (redis-cli --rdb) is closed after its
     * RDB, and a close drops output not written yet.
     */
    private void awaitWritten(ReplicaLink l) {
        long deadline = System.nanoTime() + Math.max(1, cfg("repl-timeout")) * 1_000_000_000L;
        while (!l.closed && l.client.connection().pendingOutputBytes() > 0 && System.nanoTime() < deadline) {
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
        }
    }

    /**
     * Waits (transfer or snapshot thread, no lock held) while more than {@link #TRANSFER_WINDOW}
     * bytes wait for the replica's socket: woken by the socket becoming writable again (Redis
     * installs a write handler on the replica's socket, and the pipe's reader waits for it), or
     * by the connection closing. Bytes handed over but not yet given to the socket by its thread
     * leave it writable: then it looks again a millisecond later. While it waits, the replica's
     * {@code stuckSince} tells the cron how long the socket has taken nothing worth a wake-up
     * (repl-timeout during a full sync).
     */
    private void awaitRoom(ReplicaLink l) {
        Thread me = Thread.currentThread();
        long since = 0;
        try {
            while (!l.closed && l.client.connection().pendingOutputBytes() > TRANSFER_WINDOW) {
                if (since == 0) {
                    since = server.clock().millis();
                    l.stuckSince = since;
                }
                if (l.client.connection().whenWritable(() -> java.util.concurrent.locks.LockSupport.unpark(me))) {
                    java.util.concurrent.locks.LockSupport.parkNanos(100_000_000L); // the wake-up comes first
                } else {
                    java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
                }
            }
        } finally {
            l.stuckSince = 0;
        }
    }

    private void sendSlice(ReplicaLink l, byte[] bytes, int n) {
        awaitRoom(l);
        server.lock().lock();
        try {
            if (l.closed) {
                throw new Stop();
            }
            l.client.deliver(r -> r.raw(bytes, 0, n));
        } finally {
            server.lock().unlock();
        }
    }

    private void finishTransfer(ReplicaLink l, boolean done, boolean socketTarget) {
        if (done && l.rdbOnly) {
            awaitWritten(l); // closing drops what the socket has not taken: the whole RDB goes first
        }
        server.lock().lock();
        try {
            if (l.closed) {
                return;
            }
            if (!done) {
                l.client.connection().close();
                return;
            }
            if (l.rdbOnly) {
                server.log().notice("Replica " + l.name() + " got the RDB it asked for (rdb-only): closing it");
                l.client.connection().close();
                return;
            }
            l.state = ReplicaLink.State.ONLINE;
            l.ackMillis = server.clock().millis();
            if (socketTarget && !l.prePsync) {
                server.log().notice("Streamed RDB transfer with replica " + l.name()
                        + " succeeded (socket). Waiting for REPLCONF ACK from slave to enable streaming");
                l.putOnlineOnAck = true;
            } else {
                putOnline(l);
            }
        } finally {
            server.lock().unlock();
        }
    }

    /** The replica gets the stream from now on, starting with what accumulated (Redis's replicaPutOnline). */
    private void putOnline(ReplicaLink l) {
        l.state = ReplicaLink.State.ONLINE;
        l.putOnlineOnAck = false;
        l.streaming = true;
        l.ackMillis = server.clock().millis();
        backlog.read(l.refOffset, (b, off, len) -> l.client.deliver(r -> r.raw(b, off, len)));
        l.deliveredEnd = masterReplOffset;
        refreshGoodReplicas();
        server.log().notice("Synchronization with replica " + l.name() + " succeeded");
    }

    private void clientClosed(Client c) {
        writeOffsets.remove(c);
        waiting.remove(c);
        ReplicaLink l = links.remove(c);
        if (l == null) {
            return;
        }
        l.closed = true;
        detach(l);
    }

    /** A replica's connection closed or is closing: it leaves the replicas and lets go of its blocks. */
    private void detach(ReplicaLink l) {
        if (!l.attached || !replicas.remove(l)) {
            return;
        }
        server.log().notice("Connection with replica " + l.name() + " lost.");
        if (replicas.isEmpty()) {
            noReplicasSince = server.clock().millis();
        }
        refreshGoodReplicas();
        trimBuffer();
    }

    // ------------------------------------------------------------------ cron

    private void cron(long now) {
        long ms = server.clock().millis();
        trimBuffer(); // replicas' sockets drained, replicas left
        shutdownWait().tick();
        failoverCron(ms);
        long period = cfg("repl-ping-replica-period") * 1000;
        if (!replicas.isEmpty() && ms - lastPingMillis >= period && !("waiting-for-sync".equals(failoverState) && failoverEnd != 0)) {
            lastPingMillis = ms;
            feedCommand(new byte[][] {"PING".getBytes(StandardCharsets.US_ASCII)});
        }
        if (ms - lastSecondMillis >= 1000) {
            lastSecondMillis = ms;
            everySecond(ms);
        }
        // the diskless delay: start once the oldest waiting replica waited long enough, or enough wait
        int waitingCount = 0;
        long oldest = Long.MAX_VALUE;
        for (ReplicaLink l : replicas) {
            if (l.state == ReplicaLink.State.WAIT_BGSAVE_START) {
                waitingCount++;
                oldest = Math.min(oldest, l.waitingSince);
            }
        }
        if (waitingCount > 0 && !Persistence.of(server).childActive()) {
            long max = cfg("repl-diskless-sync-max-replicas");
            if (ms - oldest >= cfg("repl-diskless-sync-delay") * 1000 || (max > 0 && waitingCount >= max)) {
                startSnapshot();
            }
        }
    }

    private void everySecond(long ms) {
        if (backlog != null) {
            checkReplicaLimits(); // soft limits run out without new blocks too
        }
        long timeout = cfg("repl-timeout") * 1000;
        for (ReplicaLink l : new ArrayList<>(replicas)) {
            boolean beforeTransfer = l.state == ReplicaLink.State.WAIT_BGSAVE_START
                    || (l.state == ReplicaLink.State.WAIT_BGSAVE_END && l.diskTarget);
            if (beforeTransfer) {
                // a newline keeps the replica's link alive while it waits (not part of the stream)
                l.client.deliver(r -> r.raw(NEWLINE, 0, 1));
            }
            // a newline from the replica counts as an ACK here: Redis's replicas send one every
            // second while they load the RDB, before their first REPLCONF ACK
            long acked = Math.max(l.ackMillis, l.client.emptyLineMillis());
            if (l.state == ReplicaLink.State.ONLINE && !l.prePsync && ms - acked > timeout) {
                server.log().warning("Disconnecting timedout replica (streaming sync): " + l.name());
                l.client.connection().close();
            }
            long stuck = l.stuckSince;
            if (l.state == ReplicaLink.State.SEND_BULK && !l.diskTarget && stuck != 0 && ms - stuck > timeout) {
                // a diskless transfer waits for its slowest socket: one that takes nothing for
                // repl-timeout is dropped so the others go on (disk-based transfers wait alone)
                server.log().warning("Disconnecting timedout replica (full sync): " + l.name());
                l.client.connection().close();
            }
        }
        long ttl = cfg("repl-backlog-ttl") * 1000;
        if (backlog != null && replicas.isEmpty() && ttl > 0 && noReplicasSince > 0 && ms - noReplicasSince > ttl
                && !isReplicaRole()) {
            replId = newReplId();
            replId2 = NO_REPLID;
            secondReplOffset = -1;
            freeBacklog();
            server.log().notice("Replication backlog freed after " + ttl / 1000 + " seconds without connected replicas.");
        }
        refreshGoodReplicas();
        if (isReplicaRole()) {
            replicaKeys.expire(ms);
        }
        replicaCron(ms);
    }

    /** True while this server replicates from a master (the replica side). */
    boolean isReplicaRole() {
        return masterHost != null;
    }

    private void refreshGoodReplicas() {
        long maxLag = cfg("min-replicas-max-lag");
        long now = server.clock().millis();
        int good = 0;
        for (ReplicaLink l : replicas) {
            if (l.state == ReplicaLink.State.ONLINE && (now - l.ackMillis) / 1000 <= maxLag) {
                good++;
            }
        }
        goodReplicas = good;
    }

    // ------------------------------------------------------------------ the gate

    /** min-replicas-to-write: write commands get NOREPLICAS while too few replicas are good. */
    private String writesRefused(Client c, CommandSpec cmd) {
        long min = minReplicasToWrite;
        if (min <= 0 || minReplicasMaxLag <= 0 || isReplicaRole()) {
            return null;
        }
        refreshGoodReplicas(); // a few replicas: counted now, so CONFIG SET and ACKs take effect at once
        if (goodReplicas >= min) {
            return null;
        }
        return isWrite(c, cmd) ? Errors.NOREPLICAS : null;
    }

    private boolean isWrite(Client c, CommandSpec cmd) {
        if (cmd == server.commands().spec("exec")) {
            return c.multiWrites;
        }
        return server.dispatcher().writes(c, cmd);
    }

    // ------------------------------------------------------------------ shutdown

    /**
     * Redis's isReadyToShutdown: true when no replica is attached or every one acknowledged the
     * whole stream (a replica still syncing never has). Under the lock.
     */
    public boolean replicasInSync() {
        for (ReplicaLink l : replicas) {
            if (l.ackOffset != masterReplOffset) {
                return false;
            }
        }
        return true;
    }

    /** Asks every replica for its offset (REPLCONF GETACK *), as a shutdown does before waiting. Under the lock. */
    public void requestAcks() {
        feedCommand(new byte[][] {bytes("REPLCONF"), bytes("GETACK"), bytes("*")});
    }

    /**
     * finishShutdown's log, as Redis: each lagging replica, then "N of M replicas are in sync"
     * (nothing without replicas). Under the lock.
     */
    void logShutdownSync() {
        if (replicas.isEmpty()) {
            return;
        }
        int inSync = 0;
        long nowSecs = System.currentTimeMillis() / 1000;
        for (ReplicaLink l : replicas) {
            if (l.ackOffset == masterReplOffset) {
                inSync++;
                continue;
            }
            long lag = l.state == ReplicaLink.State.ONLINE ? nowSecs - l.ackMillis / 1000 : 0;
            server.log().notice("Lagging replica " + l.name() + " reported offset " + (masterReplOffset - l.ackOffset)
                    + " behind master, lag=" + lag + ", state=" + l.stateInfo() + ".");
        }
        server.log().notice(inSync + " of " + replicas.size() + " replicas are in sync when shutting down.");
    }

    private ShutdownWait shutdownWait;

    /** The shutdown sequence (SHUTDOWN, the signals); under the lock. */
    ShutdownWait shutdownWait() {
        if (shutdownWait == null) {
            shutdownWait = new ShutdownWait(server, this);
        }
        return shutdownWait;
    }

    // ------------------------------------------------------------------ WAIT

    /** Replicas whose acknowledged offset reached {@code offset} (Redis's replicationCountAcksByOffset). */
    int acked(long offset) {
        int n = 0;
        for (ReplicaLink l : replicas) {
            if (l.state == ReplicaLink.State.ONLINE && l.ackOffset >= offset) {
                n++;
            }
        }
        return n;
    }

    /** WAIT numreplicas timeout (validated by the command). */
    public void waitFor(Client c, long numReplicas, long deadline) {
        long offset = writeOffsets.getOrDefault(c, 0L);
        int n = acked(offset);
        BlockingManager bm = BlockingManager.of(server);
        if (n >= numReplicas || !bm.canBlock(c)) {
            c.reply().integer(n);
            return;
        }
        waiting.put(c, new long[] {offset, numReplicas});
        bm.block(c, List.of(), deadline, "wait", (cl, db, key) -> BlockingManager.Outcome.SKIP, r -> {
            long[] w = waiting.remove(c);
            r.integer(acked(w == null ? offset : w[0]));
        });
        if (!server.clients().pause().writesPaused()) { // it would move the offset while writes are held
            feedCommand(new byte[][] {bytes("REPLCONF"), bytes("GETACK"), bytes("*")});
        }
    }

    private void serveWaiters() {
        if (waiting.isEmpty()) {
            return;
        }
        for (Map.Entry<Client, long[]> e : new ArrayList<>(waiting.entrySet())) {
            Client c = e.getKey();
            long[] w = e.getValue();
            int n = acked(w[0]);
            if (n >= w[1]) {
                waiting.remove(c);
                server.dispatcher().serveBlocked(c, () -> {
                    c.deliver(r -> r.integer(n));
                    return null;
                });
                BlockingManager.of(server).unblock(c);
            }
        }
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }


    // ------------------------------------------------------------------ the replica side

    /** REPLICAOF host port (Redis's replicationSetMaster); under the lock. */
    public void setMaster(String host, int port) {
        boolean wasMaster = !isReplicaRole();
        MasterLink old = link;
        link = null;
        if (old != null) {
            old.stop();
            dropMasterClient(old);
        }
        BlockingManager.of(server).disconnectAllBlocked(); // what they wait for comes from the master now
        waiting.clear(); // the WAITs among them
        masterHost = host;
        masterPort = port;
        replicaofConfig(host + " " + port);
        server.replica(true);
        server.log().role('S');
        server.dispatcher().propagator().removeSink(feed);
        server.dispatcher().propagator().removeSink(replicaKeys);
        server.dispatcher().propagator().addSink(replicaKeys);
        if (wasMaster) {
            psyncCapable = true; // our own history: a master that has it (our promoted replica) may continue it
        }
        linkDownSince = 0;
        reconnectAt = 0;
        connect();
    }

    public String masterHost() {
        return masterHost;
    }

    /**
     * The replicaof directive follows the role, as in Redis (CONFIG GET replicaof, and CONFIG
     * REWRITE writing it, so a server made a replica by REPLICAOF is one again after a restart).
     */
    private void replicaofConfig(String value) {
        try {
            server.config().entry("replicaof").apply(value);
        } catch (dev.cinnabar.server.config.ConfigException e) {
            throw new IllegalStateException(e); // the directive's applier only stores the value
        }
    }

    public int masterPort() {
        return masterPort;
    }

    /** REPLICAOF NO ONE (Redis's replicationUnsetMaster); under the lock. */
    public void unsetMaster() {
        MasterLink old = link;
        link = null;
        masterHost = null;
        replicaofConfig("");
        if (old != null) {
            old.stop();
            dropMasterClient(old);
        }
        server.replica(false);
        server.log().role('M');
        server.dispatcher().propagator().removeSink(replicaKeys);
        replicaKeys.clear(); // a master expires every key itself
        // a new history; the old ID stays valid up to our offset, so our replicas continue partially
        replId2 = replId;
        secondReplOffset = masterReplOffset + 1;
        replId = newReplId();
        server.log().warning("Setting secondary replication ID to " + replId2 + ", valid up to offset: "
                + secondReplOffset + ". New replication ID is " + replId);
        disconnectReplicas();
        feed.selected = -1;
        if (backlog != null) {
            server.dispatcher().propagator().addSink(feed);
        }
        noReplicasSince = server.clock().millis();
    }

    private void connect() {
        MasterLink l = new MasterLink(this, masterHost, masterPort);
        link = l;
        l.start();
    }

    /** Closes every replica connection (they reconnect and resync with our new history). */
    private void disconnectReplicas() {
        for (ReplicaLink l : new ArrayList<>(replicas)) {
            l.client.connection().close();
        }
    }

    /** What PSYNC asks: our ID and the next offset when we have a history, else a full sync. */
    String[] psyncRequest() {
        server.lock().lock();
        try {
            return psyncCapable ? new String[] {replId, Long.toString(masterReplOffset + 1)} : new String[] {"?", "-1"};
        } finally {
            server.lock().unlock();
        }
    }

    /**
     * How a full sync's RDB is loaded (repl-diskless-load, decided as Redis 7.0's useDisklessLoad
     * when the transfer starts). DISK: written to a temp file, then the old data is flushed and
     * the file renamed over dbfilename and loaded (clients are served the old data until the
     * transfer ends). EMPTY_DB: on-empty-db on a replica without keys, from the socket; flushed
     * at the start, clients get LOADING; a failure leaves the replica empty. SWAPDB: from the
     * socket into a fresh keyspace while clients get LOADING; the old data stays if the transfer
     * fails. ASYNC: swapdb when the master's replication ID is ours (a full resync of the same
     * history): the old data keeps serving reads meanwhile (INFO async_loading:1).
     */
    enum Load { DISK, EMPTY_DB, SWAPDB, ASYNC }

    /** True while an ASYNC load runs (INFO's async_loading). */
    private volatile boolean asyncLoading;

    public boolean asyncLoading() {
        return asyncLoading;
    }

    /** The load mode for a full sync from a master with that replication ID. */
    Load loadMode(String masterReplId) {
        server.lock().lock();
        try {
            String mode = server.config().get("repl-diskless-load");
            if ("swapdb".equals(mode)) {
                return masterReplId.equals(replId) ? Load.ASYNC : Load.SWAPDB;
            }
            if ("on-empty-db".equals(mode) && totalKeys() == 0) {
                return Load.EMPTY_DB;
            }
            return Load.DISK;
        } finally {
            server.lock().unlock();
        }
    }

    private long totalKeys() {
        long keys = 0;
        for (int i = 0; i < server.keyspace().count(); i++) {
            keys += server.keyspace().db(i).size();
        }
        return keys;
    }

    /** A socket load begins: the steps Redis takes before it reads the payload. */
    void socketLoadStarting(MasterLink l, Load mode, long size, boolean cachedMaster) {
        server.lock().lock();
        try {
            if (link != l || l.stopped()) {
                return;
            }
            if (mode == Load.EMPTY_DB) {
                attachToNewMaster(cachedMaster);
                server.log().notice("MASTER <-> REPLICA sync: Flushing old data");
                flushForSync();
            }
            server.log().notice("MASTER <-> REPLICA sync: Loading DB in memory");
            Persistence.of(server).beginLoading(size, mode == Load.ASYNC);
            asyncLoading = mode == Load.ASYNC;
        } finally {
            server.lock().unlock();
        }
    }

    void socketLoadProgress(long bytes) {
        Persistence.of(server).loadingProgress(bytes);
    }

    /** The transfer ended, loaded or not. */
    void loadEnded(Load mode) {
        if (mode != Load.DISK) {
            asyncLoading = false;
            Persistence.of(server).endLoading();
        }
    }

    /** Redis's replicationAttachToNewMaster: replicas of ours resync, the cached master goes. */
    private void attachToNewMaster(boolean cachedMaster) {
        if (cachedMaster) {
            server.log().notice("Discarding previously cached master state.");
        }
        disconnectReplicas(); // they must resync with the new history
        if (backlog != null) {
            freeBacklog();
        }
    }

    /** Redis's emptyData for a full sync: every key (lazily with replica-lazy-flush) and the functions. */
    private void flushForSync() {
        Persistence.of(server).beforeFlushAll();
        if (cfgYes("replica-lazy-flush")) {
            // dropping the tables is already asynchronous here (the collector frees them):
            // the keys count as lazily freed, as Redis's emptyData with EMPTYDB_ASYNC
            dev.cinnabar.server.store.LazyFree.flushedAsync(server.keyspace(), totalKeys());
        }
        server.keyspace().flushAll();
        Persistence.of(server).flushFunctions();
        replicaKeys.clear();
    }

    /**
     * DISK: the transfer is complete in temp (parsed already, or error set). As Redis: flush,
     * rename the file over dbfilename, load it. False when it could not be loaded (logged; the
     * link is retried).
     */
    boolean loadFullSyncFromDisk(MasterLink l, RdbFile.Parsed parsed, RdbFile.LoadError error, List<String[]> aux,
                                 java.nio.file.Path temp, String masterReplId, long offset, boolean cachedMaster) {
        server.lock().lock();
        try {
            if (link != l || l.stopped()) {
                java.nio.file.Files.deleteIfExists(temp);
                return true;
            }
            attachToNewMaster(cachedMaster);
            server.log().notice("MASTER <-> REPLICA sync: Flushing old data");
            flushForSync();
            server.log().notice("MASTER <-> REPLICA sync: Loading DB in memory");
            java.nio.file.Path rdb = java.nio.file.Path.of(server.config().dir).resolve(server.config().dbfilename);
            try {
                java.nio.file.Files.move(temp, rdb, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            } catch (java.io.IOException e) {
                server.log().warning("Failed trying to rename the temp DB into " + server.config().dbfilename
                        + " in MASTER <-> REPLICA synchronization: " + e.getMessage());
                java.nio.file.Files.deleteIfExists(temp);
                return false;
            }
            for (String[] a : aux) {
                Persistence.of(server).logRdbAux(a[0], a[1]);
            }
            if (parsed == null && (error.kind == RdbFile.LoadError.Kind.SIGNATURE
                    || error.kind == RdbFile.LoadError.Kind.VERSION)) {
                // not an RDB at all: Redis's loader refuses it (EINVAL) and the link is retried
                server.log().warning(error.getMessage());
                server.log().warning("Failed trying to load the MASTER synchronization DB from disk: Invalid argument");
                removeSyncFile(rdb);
                return false;
            }
            if (parsed == null) {
                // a corrupt or truncated RDB: as Redis, the loader's report and the check of the
                // file (redis-check-rdb's), then the process ends with status 1; the data is gone
                // already (flushed above), as in Redis
                Persistence.of(server).reportLoadFailure(error);
                l.stop();
                dev.cinnabar.server.Crash.of(server).exit();
                return false;
            }
            insertAndFinish(l, parsed, masterReplId, offset, () -> removeSyncFile(rdb));
            return true;
        } catch (java.io.IOException e) {
            server.log().warning("Failed trying to load the MASTER synchronization DB from disk: " + e.getMessage());
            return false;
        } finally {
            server.lock().unlock();
        }
    }

    /** rdb-del-sync-files: a replica without persistence keeps no copy of its master's RDB. */
    private void removeSyncFile(java.nio.file.Path rdb) {
        if (server.config().rdbDelSyncFiles && server.config().get("save").isEmpty()
                && !cfgYes("appendonly")) {
            server.log().notice("Removing the RDB file obtained from the master. This replica has persistence disabled");
            try {
                java.nio.file.Files.deleteIfExists(rdb);
            } catch (java.io.IOException e) {
                // as Redis's background unlink: nothing to report
            }
        }
    }

    /** A socket load's RDB, read and parsed whole: replaces our dataset in one step (under the lock). */
    void loadFullSync(MasterLink l, RdbFile.Parsed parsed, String masterReplId, long offset, Load mode,
                      boolean cachedMaster) {
        server.lock().lock();
        try {
            if (link != l || l.stopped()) {
                return;
            }
            if (mode == Load.EMPTY_DB) {
                insertAndFinish(l, parsed, masterReplId, offset, null);
                return;
            }
            // swapdb: Redis loads into a fresh keyspace, then swaps it in; both happen here at once,
            // the old keys dropped as the swap's background discard
            long oldKeys = totalKeys();
            Persistence.of(server).beforeFlushAll();
            server.keyspace().flushAll();
            Persistence.of(server).flushFunctions();
            replicaKeys.clear();
            insertAndFinish(l, parsed, masterReplId, offset, () -> {
                attachToNewMaster(cachedMaster);
                server.log().notice("MASTER <-> REPLICA sync: Swapping active DB with loaded DB");
                dev.cinnabar.server.store.LazyFree.flushedAsync(server.keyspace(), oldKeys);
                server.log().notice("MASTER <-> REPLICA sync: Discarding old DB in background");
            });
        } finally {
            server.lock().unlock();
        }
    }

    /** Inserts the parsed RDB into the (flushed) keyspace, then takes the master's history (under the lock). */
    private void insertAndFinish(MasterLink l, RdbFile.Parsed parsed, String masterReplId, long offset,
                                 Runnable afterLoad) {
        String failed = Persistence.of(server).loadFunctions(parsed.functions(), false);
        if (failed != null) {
            server.log().warning("Failed loading library, " + failed);
        }
        RdbFile.Counts n = RdbFile.insert(parsed, server.keyspace(), Long.MIN_VALUE, true);
        server.dirty++;
        server.log().notice("Done loading RDB, keys loaded: " + n.loaded() + ", keys expired: " + n.expired() + ".");
        if (afterLoad != null) {
            afterLoad.run();
        }
        replId = masterReplId;
        replId2 = NO_REPLID;
        secondReplOffset = -1;
        masterReplOffset = offset;
        backlog = new ReplicationBuffer(backlogSize(server), masterReplOffset);
        psyncCapable = true;
        attachMasterClient(l, offset, auxInt(parsed.aux().get("repl-stream-db"), 0));
        failoverDone();
        server.log().notice("MASTER <-> REPLICA sync: Finished with success");
        l.send("REPLCONF", "ACK", Long.toString(offset)); // puts us online on a diskless master at once
    }

    /** +CONTINUE [replid]: the stream continues from our offset (under the lock). */
    void partialSyncAccepted(MasterLink l, String newReplId) {
        server.lock().lock();
        try {
            if (link != l || l.stopped()) {
                return;
            }
            if (!newReplId.isEmpty() && !newReplId.equals(replId)) {
                replId2 = replId;
                secondReplOffset = masterReplOffset + 1;
                replId = newReplId;
                server.log().warning("Master replication ID changed to " + newReplId);
                disconnectReplicas();
            }
            if (backlog == null) {
                backlog = new ReplicationBuffer(backlogSize(server), masterReplOffset);
            }
            attachMasterClient(l, masterReplOffset, cachedStreamDb);
            failoverDone();
        } finally {
            server.lock().unlock();
        }
    }

    private void attachMasterClient(MasterLink l, long offset, int streamDb) {
        Client c = l.createMasterClient();
        if (streamDb >= 0 && streamDb < server.keyspace().count()) {
            c.select(streamDb);
        }
        l.appliedOffset = offset;
        l.readOffset = offset;
        l.master = c;
        l.state = MasterLink.State.CONNECTED;
        l.lastIoMillis = System.currentTimeMillis();
        server.clients().add(c);
    }

    private void dropMasterClient(MasterLink l) {
        Client c = l.master;
        if (c == null) {
            return;
        }
        l.master = null;
        cachedStreamDb = c.db().id();
        server.clients().remove(c);
        server.clientClosed(c);
    }

    /** Commands from our master, in order: run as the master client, their bytes then fed as is. */
    void applyFromMaster(MasterLink l, List<MasterLink.StreamParser.Command> batch) {
        server.lock().lock();
        try {
            Client c = l.master;
            if (link != l || c == null || Crash.of(server).crashed()) {
                return; // after a panic nothing more is applied, while the server stops
            }
            for (MasterLink.StreamParser.Command cmd : batch) {
                if (cmd.argv().length == 0) {
                    continue;
                }
                c.request(cmd.argv(), cmd.argv().length);
                try {
                    server.dispatcher().call(c);
                } catch (RuntimeException e) {
                    server.log().warning("Error applying a command from the master: " + e);
                }
                c.connection().flush();
                String error = l.takeReplyError();
                // Redis's afterErrorReply: the stream diverged (a writable replica's own write, a bug)
                if (error != null && PropagationErrors.afterErrorReply(server, PropagationErrors.To.MASTER, error,
                        commandName(c, cmd.argv()), latestBacklog())) {
                    return; // panicked: nothing more is applied
                }
                l.appliedOffset += cmd.raw().length;
                feedFromMaster(cmd.raw());
            }
        } finally {
            server.lock().unlock();
        }
    }

    /** The name Redis logs for a command: its full name (container|subcommand), as typed when unknown. */
    private static String commandName(Client c, byte[][] argv) {
        CommandSpec spec = c.cmd();
        return spec != null ? spec.fullName() : Texts.str(argv[0]).toLowerCase(java.util.Locale.ROOT);
    }

    /** Redis's showLatestBacklog: the backlog's last 256 bytes at most, as sdscatrepr; null when empty. */
    private String latestBacklog() {
        if (backlog == null || backlog.histlen() == 0) {
            return null;
        }
        long n = Math.min(256, backlog.histlen());
        return dev.cinnabar.server.config.ConfigFile.repr(backlog.from(backlog.end() - n + 1));
    }

    /** The master's bytes, as they came: to our backlog and our replicas (chained replication). */
    private void feedFromMaster(byte[] raw) {
        if (backlog == null) {
            backlog = new ReplicationBuffer(backlogSize(server), masterReplOffset);
        }
        feedBytes(raw);
    }

    /** The link's thread ended (error, drop, stop): the cron retries unless it was stopped. */
    void linkEnded(MasterLink l) {
        server.lock().lock();
        try {
            boolean wasConnected = l.master != null;
            dropMasterClient(l);
            if (link != l || l.stopped()) {
                return;
            }
            if (failoverInProgress()) {
                failoverRejected();
                return;
            }
            l.state = MasterLink.State.CONNECT;
            if (l.failedInTransfer) {
                // as Redis's cancelReplicationHandshake(1): reconnect now, without "Connecting to MASTER"
                server.log().notice("Reconnecting to MASTER " + l.host + ":" + l.port + " after failure");
                MasterLink next = new MasterLink(this, masterHost, masterPort);
                next.announceConnect = false;
                next.afterStartLog = l.load == Load.SWAPDB || l.load == Load.ASYNC
                        ? "MASTER <-> REPLICA sync: Discarding temporary DB in background" : null;
                link = next;
                next.start();
                return;
            }
            if (wasConnected) {
                linkDownSince = System.currentTimeMillis();
                server.log().notice("Connection with master lost.");
                server.log().notice("Caching the disconnected master state.");
            }
            reconnectAt = System.currentTimeMillis() + 1000;
        } finally {
            server.lock().unlock();
        }
    }

    /** Every second on a replica: reconnect, acknowledge, time out a silent master. */
    private void replicaCron(long ms) {
        MasterLink l = link;
        if (l == null) {
            return;
        }
        long timeout = cfg("repl-timeout") * 1000;
        long wall = System.currentTimeMillis();
        switch (l.state) {
            case CONNECT -> {
                if (wall >= reconnectAt && !l.stopped()) {
                    connect();
                }
            }
            case CONNECTING, HANDSHAKE -> {
                if (wall - l.lastIoMillis > timeout && l.lastIoMillis > 0) {
                    server.log().warning("Timeout connecting to the MASTER...");
                    l.drop();
                }
            }
            case TRANSFER -> {
                if (wall - l.transferLastIoMillis > timeout && l.transferLastIoMillis > 0) {
                    server.log().warning("Timeout receiving bulk data from MASTER... If the problem persists try to set "
                            + "the 'repl-timeout' parameter in redis.conf to a larger value.");
                    l.drop();
                }
            }
            case CONNECTED -> {
                if (wall - l.lastIoMillis > timeout) {
                    server.log().warning("MASTER timeout: no data nor PING received...");
                    l.drop();
                } else {
                    l.send("REPLCONF", "ACK", Long.toString(l.appliedOffset));
                }
            }
            default -> {
            }
        }
    }

    /**
     * replica-read-only: writes from clients (not from our master) get READONLY. While the AOF
     * replays, every write comes from the file (the loader's commands, or a script one of them
     * runs), which is obeyed as Redis's mustObeyClient(original client).
     */
    private String readOnlyReplica(Client c, CommandSpec cmd) {
        if (!isReplicaRole() || (c.flags & ClientFlags.MASTER) != 0 || server.loading() || !cfgYes("replica-read-only")) {
            return null;
        }
        return isWrite(c, cmd) ? Errors.READONLY_REPLICA : null;
    }

    /**
     * A replica (after SYNC/PSYNC) may not run commands that read, write or may replicate (Redis
     * checks it just before CLIENT PAUSE, from which replicas are exempt). The refusal is a reply
     * on the replication link, so the replica is dropped as for any reply (see
     * {@link #replicaReplied}), with Redis's lines.
     */
    private String replicaKeyspaceAccess(Client c, CommandSpec cmd) {
        if ((c.flags & ClientFlags.REPLICA) == 0 || !(cmd.has(CommandFlag.READONLY) || cmd.has(CommandFlag.WRITE)
                || server.dispatcher().mayReplicate(c, cmd))) {
            return null;
        }
        String error = "ERR Replica can't interact with the keyspace";
        if (isAttached(c)) {
            dropReplying(c, cmd);
            server.log().warning("== CRITICAL == This master is sending an error to its replica: '"
                    + error.substring(4) + "' after processing the command '" + cmd.fullName() + "'");
            server.stats().unexpectedErrorReplies++;
        }
        return error;
    }

    private boolean isAttached(Client c) {
        ReplicaLink l = links.get(c);
        return l != null && l.attached && !l.closed;
    }

    /**
     * After a command of an attached replica: anything but SYNC/PSYNC and REPLCONF ACK/GETACK
     * answers, and a reply would be read as part of the stream, so the replica is dropped with
     * Redis's line (its _addReplyToBufferOrList check), the reply with it.
     */
    private void replicaReplied() {
        Client c = server.dispatcher().current();
        if (c == null || !isAttached(c) || c.cmd() == null) {
            return;
        }
        String name = c.cmd().fullName();
        if (name.equals("sync") || name.equals("psync")
                || (name.equals("replconf") && c.argc() > 1 && (Texts.is(c.arg(1), "ack") || Texts.is(c.arg(1), "getack")))) {
            return;
        }
        dropReplying(c, c.cmd());
    }

    private void dropReplying(Client c, CommandSpec cmd) {
        server.log().warning("Replica generated a reply to command '" + cmd.fullName() + "', disconnecting it: "
                + ClientInfo.describe(c));
        c.connection().close();
    }

    /** replica-serve-stale-data no: while the link is down only commands flagged stale run (MASTERDOWN). */
    private String staleReplica(Client c, CommandSpec cmd) {
        if (!isReplicaRole() || masterLinkUp() || cfgYes("replica-serve-stale-data")) {
            return null;
        }
        if (cmd == server.commands().spec("exec")) {
            // EXEC runs only if every queued command may run on a stale replica: the link may have
            // gone down after they were queued (the gate then answers EXECABORT ... MASTERDOWN).
            return Transactions.queues(c, (q, argv) -> !staleAllowed(q, argv.length > 1 ? argv[1] : null))
                    ? Errors.MASTERDOWN : null;
        }
        return staleAllowed(cmd, c.argc() > 1 ? c.arg(1) : null) ? null : Errors.MASTERDOWN;
    }

    /** A script's redis.call on a stale replica: only commands flagged stale (the script itself was let in). */
    private String staleFromScript(Client c, CommandSpec cmd) {
        if (!isReplicaRole() || masterLinkUp() || cfgYes("replica-serve-stale-data")) {
            return null;
        }
        CommandSpec top = cmd.parent() != null ? cmd.parent() : cmd;
        return cmd.has(CommandFlag.STALE) || top.has(CommandFlag.STALE) ? null : Errors.STALE_FROM_SCRIPT;
    }

    /** The command may run stale: flagged so, or a script or function that declared allow-stale. */
    private boolean staleAllowed(CommandSpec cmd, byte[] first) {
        Dispatcher.ScriptDeclarations sd = server.dispatcher().scriptDeclarations;
        Boolean declared = sd == null || first == null || !cmd.runsScript() ? null : sd.allowStale(cmd, first);
        if (declared != null) {
            return declared;
        }
        CommandSpec top = cmd.parent() != null ? cmd.parent() : cmd;
        return cmd.has(CommandFlag.STALE) || top.has(CommandFlag.STALE);
    }

    private void replicaInfo(BiConsumer<String, Object> field) {
        MasterLink l = link;
        long now = System.currentTimeMillis();
        boolean up = l != null && l.state == MasterLink.State.CONNECTED;
        field.accept("master_host", masterHost);
        field.accept("master_port", masterPort);
        field.accept("master_link_status", up ? "up" : "down");
        field.accept("master_last_io_seconds_ago", up ? (now - l.lastIoMillis) / 1000 : -1);
        boolean syncing = l != null && l.state == MasterLink.State.TRANSFER;
        field.accept("master_sync_in_progress", syncing ? 1 : 0);
        long applied = up ? l.appliedOffset : (psyncCapable ? masterReplOffset : 1);
        field.accept("slave_read_repl_offset", up ? l.readOffset : applied);
        field.accept("slave_repl_offset", applied);
        if (syncing) {
            long total = Math.max(0, l.transferSize);
            long read = l.transferRead;
            field.accept("master_sync_total_bytes", total);
            field.accept("master_sync_read_bytes", read);
            field.accept("master_sync_left_bytes", total - read);
            field.accept("master_sync_perc", String.format(java.util.Locale.ROOT, "%.2f",
                    total <= 0 ? 0.0 : read * 100.0 / total));
            // a socket load reads through the parser: Redis's transfer figures stay as the transfer began
            boolean socket = l.load != null && l.load != Load.DISK;
            field.accept("master_sync_last_io_seconds_ago",
                    (now - (socket ? l.transferStartMillis : l.transferLastIoMillis)) / 1000);
        }
        if (!up) {
            field.accept("master_link_down_since_seconds", linkDownSince == 0 ? -1 : (now - linkDownSince) / 1000);
        }
        field.accept("slave_priority", server.config().get("replica-priority"));
        field.accept("slave_read_only", cfgYes("replica-read-only") ? 1 : 0);
        field.accept("replica_announced", cfgYes("replica-announced") ? 1 : 0);
    }

    /** Stops the link when the server stops. */
    private void serverStopping() {
        MasterLink l = link;
        if (l != null) {
            l.stop();
        }
    }


    // ------------------------------------------------------------------ FAILOVER

    /** FAILOVER [TO host port [FORCE]] [TIMEOUT ms] | ABORT (Redis 7.0's failoverCommand). */
    public void failover(Client c) {
        if (c.argc() == 2 && Texts.is(c.arg(1), "abort")) {
            if ("no-failover".equals(failoverState)) {
                c.error("ERR No failover in progress.");
                return;
            }
            abortFailover("Failover manually aborted");
            c.reply().ok();
            return;
        }
        long timeout = 0;
        boolean force = false;
        String host = null;
        long port = 0;
        for (int j = 1; j < c.argc(); j++) {
            if (Texts.is(c.arg(j), "timeout") && j + 1 < c.argc() && timeout == 0) {
                Long t = Numbers.parseLong(c.arg(j + 1));
                if (t == null) {
                    c.error(Errors.NOT_INTEGER);
                    return;
                }
                if (t <= 0) {
                    c.error("ERR FAILOVER timeout must be greater than 0");
                    return;
                }
                timeout = t;
                j++;
            } else if (Texts.is(c.arg(j), "to") && j + 2 < c.argc() && host == null) {
                Long p = Numbers.parseLong(c.arg(j + 2));
                if (p == null) {
                    c.error(Errors.NOT_INTEGER);
                    return;
                }
                host = Texts.str(c.arg(j + 1));
                port = p;
                j += 2;
            } else if (Texts.is(c.arg(j), "force") && !force) {
                force = true;
            } else {
                c.error(Errors.SYNTAX);
                return;
            }
        }
        if (!"no-failover".equals(failoverState)) {
            c.error("ERR FAILOVER already in progress.");
            return;
        }
        if (isReplicaRole()) {
            c.error("ERR FAILOVER is not valid when server is a replica.");
            return;
        }
        if (replicas.isEmpty()) {
            c.error("ERR FAILOVER requires connected replicas.");
            return;
        }
        if (force && (timeout == 0 || host == null)) {
            c.error("ERR FAILOVER with force option requires both a timeout and target HOST and IP.");
            return;
        }
        if (host != null) {
            ReplicaLink target = findReplica(host, (int) port);
            if (target == null) {
                c.error("ERR FAILOVER target HOST and PORT is not a replica.");
                return;
            }
            if (target.state != ReplicaLink.State.ONLINE) {
                c.error("ERR FAILOVER target replica is not online.");
                return;
            }
            failoverHost = host;
            failoverPort = (int) port;
            server.log().notice("FAILOVER requested to " + host + ":" + port + ".");
        } else {
            server.log().notice("FAILOVER requested to any replica.");
        }
        failoverEnd = timeout == 0 ? 0 : server.clock().millis() + timeout;
        failoverForce = force;
        failoverState = "waiting-for-sync";
        server.clients().pause().pause(ClientPause.Mode.WRITE, Long.MAX_VALUE);
        c.reply().ok();
    }

    private ReplicaLink findReplica(String host, int port) {
        for (ReplicaLink l : replicas) {
            if (l.ip().equalsIgnoreCase(host) && l.listeningPort == port) {
                return l;
            }
        }
        return null;
    }

    /** Each cron tick while waiting: fail over once the target acknowledged everything (updateFailoverStatus). */
    private void failoverCron(long ms) {
        if (!"waiting-for-sync".equals(failoverState)) {
            return;
        }
        if (failoverEnd != 0 && failoverEnd <= ms) {
            if (failoverForce) {
                server.log().notice("FAILOVER to " + failoverHost + ":" + failoverPort + " time out exceeded, failing over.");
                startFailover();
            } else {
                abortFailover("Replica never caught up before timeout");
            }
            return;
        }
        // no GETACK while writes are paused (it would move the offset the target must reach): the
        // replicas' ACK every second brings their offsets, as Redis
        ReplicaLink target = null;
        if (failoverHost != null) {
            target = findReplica(failoverHost, failoverPort);
        } else {
            for (ReplicaLink l : replicas) {
                if (l.state == ReplicaLink.State.ONLINE && l.ackOffset == masterReplOffset) {
                    target = l;
                    failoverHost = l.ip();
                    failoverPort = l.listeningPort;
                    break;
                }
            }
        }
        if (target != null && target.ackOffset == masterReplOffset) {
            server.log().notice("Failover target " + failoverHost + ":" + failoverPort + " is synced, failing over.");
            startFailover();
        }
    }

    private void startFailover() {
        failoverState = "failover-in-progress";
        setMaster(failoverHost, failoverPort);
    }

    /** {@link #failoverInProgress} from the link's thread. */
    boolean failoverInProgressLocked() {
        server.lock().lock();
        try {
            return failoverInProgress();
        } finally {
            server.lock().unlock();
        }
    }

    /** True while our link must ask PSYNC ... FAILOVER. */
    boolean failoverInProgress() {
        return "failover-in-progress".equals(failoverState);
    }

    /** The target answered our PSYNC: the switch is done (clearFailoverState). */
    void failoverDone() {
        if (failoverInProgress()) {
            clearFailover();
        }
    }

    private void abortFailover(String why) {
        if ("no-failover".equals(failoverState)) {
            return;
        }
        server.log().notice(failoverHost != null ? "FAILOVER to " + failoverHost + ":" + failoverPort + " aborted: " + why
                : "FAILOVER to any replica aborted: " + why);
        if (failoverInProgress()) {
            unsetMaster();
        }
        clearFailover();
    }

    /** The link failed while failing over: we stay the master (under the lock). */
    void failoverRejected() {
        if (failoverInProgress()) {
            abortFailover("Failover target rejected psync request");
        }
    }

    private void clearFailover() {
        failoverState = "no-failover";
        failoverHost = null;
        failoverPort = 0;
        failoverEnd = 0;
        failoverForce = false;
        server.clients().pause().unpause();
    }

    // ------------------------------------------------------------------ INFO, ROLE

    /** INFO replication's fields, in Redis 7.0's order. */
    public void info(BiConsumer<String, Object> field) {
        field.accept("role", isReplicaRole() ? "slave" : "master");
        if (isReplicaRole()) {
            replicaInfo(field);
        }
        field.accept("connected_slaves", replicas.size());
        if (minReplicasToWrite > 0 && minReplicasMaxLag > 0) {
            field.accept("min_slaves_good_slaves", goodReplicas); // as of the last count (cron, ACKs)
        }
        long now = server.clock().millis();
        int i = 0;
        for (ReplicaLink l : replicas) {
            field.accept("slave" + i++, "ip=" + l.ip() + ",port=" + l.listeningPort + ",state=" + l.stateInfo()
                    + ",offset=" + l.ackOffset + ",lag=" + (now - l.ackMillis) / 1000);
        }
        field.accept("master_failover_state", failoverState);
        field.accept("master_replid", replId);
        field.accept("master_replid2", replId2);
        field.accept("master_repl_offset", masterReplOffset);
        field.accept("second_repl_offset", secondReplOffset);
        field.accept("repl_backlog_active", backlog != null ? 1 : 0);
        field.accept("repl_backlog_size", cfg("repl-backlog-size"));
        field.accept("repl_backlog_first_byte_offset", backlog != null ? backlog.firstByteOffset() : 0);
        field.accept("repl_backlog_histlen", backlog != null ? backlog.histlen() : 0);
    }

    public long syncFull() {
        return syncFull;
    }

    public long syncPartialOk() {
        return syncPartialOk;
    }

    public long syncPartialErr() {
        return syncPartialErr;
    }

    /** Bytes of the backlog (INFO memory mem_replication_backlog). */
    public long backlogMemory() {
        long mem = bufferMemory();
        return !replicas.isEmpty() && mem > backlog.size() ? backlog.size() : mem;
    }

    /** mem_total_replication_buffers: the blocks shared by the backlog and the replicas. */
    public long bufferMemory() {
        return backlog == null ? 0 : backlog.memory();
    }

    /**
     * mem_clients_slaves, as Redis 7.0 splits the shared buffer: what exceeds repl-backlog-size
     * while replicas are attached counts as theirs, the rest as the backlog's.
     */
    public long replicasMemory() {
        long mem = bufferMemory();
        return !replicas.isEmpty() && mem > backlog.size() ? mem - backlog.size() : 0;
    }

    /**
     * The part of the shared replication buffer eviction does not count, as Redis 7.0's
     * freeMemoryGetNotCountedMemory computes it: what the buffer holds beyond repl-backlog-size and
     * the blocks' estimated overhead for that size, whether or not replicas are still attached (a
     * slow replica that let go of its blocks leaves the backlog long until it is trimmed, and that
     * memory must not make eviction delete keys either).
     */
    public long bufferBeyondBacklog() {
        if (backlog == null || bufferMemory() <= backlog.size()) {
            return 0;
        }
        long counted = backlog.size() + (backlog.size() / ReplicationBuffer.CHUNK + 1) * ReplicationBuffer.BLOCK_OVERHEAD;
        return Math.max(0, bufferMemory() - counted);
    }

    /** ROLE on a master: offset and the online replicas (ip, port, acknowledged offset). */
    void roleAsMaster(Client c) {
        List<ReplicaLink> online = new ArrayList<>();
        for (ReplicaLink l : replicas) {
            if (l.state == ReplicaLink.State.ONLINE) {
                online.add(l);
            }
        }
        c.reply().array(3);
        c.reply().bulk("master");
        c.reply().integer(masterReplOffset);
        c.reply().array(online.size());
        for (ReplicaLink l : online) {
            c.reply().array(3);
            c.reply().bulk(l.ip());
            c.reply().bulk(Integer.toString(l.listeningPort));
            c.reply().bulk(Long.toString(l.ackOffset));
        }
    }
}
