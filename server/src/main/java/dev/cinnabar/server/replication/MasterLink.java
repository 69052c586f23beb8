package dev.cinnabar.server.replication;

import dev.cinnabar.server.ServerContext;
import dev.cinnabar.server.persistence.Persistence;
import dev.cinnabar.server.persistence.rdb.RdbFile;
import dev.cinnabar.server.persistence.rdb.RdbStrings;
import dev.cinnabar.server.persistence.rdb.RdbValues;
import dev.cinnabar.server.protocol.Reply;
import dev.cinnabar.server.protocol.RespWriter;
import dev.cinnabar.server.session.Client;
import dev.cinnabar.server.session.ClientFlags;
import dev.cinnabar.server.session.Connection;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.SequenceInputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The replica side of one connection to our master (Redis 7.0's syncWithMaster and
 * readSyncBulkPayload, our code): connect, the handshake (PING, AUTH with masteruser/masterauth,
 * REPLCONF listening-port / ip-address / capa eof psync2, PSYNC with our replication ID and
 * offset), then either +CONTINUE (the stream follows) or +FULLRESYNC and an RDB, plain
 * ({@code $<len>}) or EOF-marked ({@code $EOF:<mark>}), then the stream.
 *
 * <p>One thread per link does the blocking socket reads. The RDB goes where repl-diskless-load
 * says (Replication.Load): to a temp file renamed over dbfilename (disabled), or parsed as it
 * arrives from the socket into keys kept apart from the dataset (on-empty-db on an empty replica,
 * swapdb). A transfer cut short removes the
 * temp file and changes nothing of the data; the link is retried at once. A complete one
 * replaces the dataset under the execution lock in one step. The stream is parsed outside the lock; each batch of complete commands runs
 * under the lock as the master client (flag M, no replies, its commands propagate to the AOF
 * only) and its exact bytes then go to our backlog and our own replicas (chained replicas get
 * the master's stream as is). The cron sends REPLCONF ACK every second.
 */
final class MasterLink {
    /** Redis's repl_state names, as ROLE shows them. */
    enum State {
        CONNECT("connect"), CONNECTING("connecting"), HANDSHAKE("handshake"), TRANSFER("sync"), CONNECTED("connected");

        final String role;

        State(String role) {
            this.role = role;
        }
    }

    /** A protocol or transfer failure: its message is logged and the link retried. */
    private static final class LinkError extends Exception {
        LinkError(String message) {
            super(message, null, false, false);
        }
    }

    private final Replication repl;
    private final ServerContext server;
    final String host;
    final int port;
    volatile State state = State.CONNECT;
    private volatile boolean stopped;
    private volatile Socket socket;
    private OutputStream out;
    private Thread thread;
    /** The master client (created once the sync is done), or null. */
    volatile Client master;
    volatile long lastIoMillis;
    volatile long transferSize = -1;
    volatile long transferRead;
    volatile long transferLastIoMillis;
    /** When the RDB transfer began, and the bytes a socket load has read (INFO's loading figures). */
    volatile long transferStartMillis;
    volatile long socketRead;
    /** How the transfer under way is loaded (null before the RDB's header). */
    volatile Replication.Load load;
    /** The link failed while reading the RDB: it reconnects at once ("after failure"). */
    volatile boolean failedInTransfer;
    /** A line the next link logs once it started (swapdb's discarded temporary DB, as Redis orders it). */
    String afterStartLog;
    /** False for a reconnection after a failed transfer, which Redis does not announce as "Connecting". */
    boolean announceConnect = true;
    private static final int EOF_MARK_LENGTH = 40;
    /** Bytes of the stream read (slave_read_repl_offset) and applied (slave_repl_offset). */
    volatile long readOffset;
    volatile long appliedOffset;

    MasterLink(Replication repl, String host, int port) {
        this.repl = repl;
        this.server = repl.server();
        this.host = host;
        this.port = port;
    }

    /** Starts connecting (Redis's connectWithMaster). */
    void start() {
        state = State.CONNECTING;
        thread = new Thread(this::run, "cinnabar-replica-link");
        thread.setDaemon(true);
        thread.start();
    }

    /** Closes the link (REPLICAOF NO ONE, another master, shutdown); safe from any thread. */
    void stop() {
        stopped = true;
        closeSocket();
    }

    boolean stopped() {
        return stopped;
    }

    /** Drops the connection (CLIENT KILL TYPE master, a timeout): the link is retried. */
    void drop() {
        closeSocket();
    }

    private void closeSocket() {
        Socket s = socket;
        if (s != null) {
            try {
                s.close();
            } catch (IOException e) {
                // closing is all we want
            }
        }
    }

    /** Sends a command to the master (REPLCONF ACK); from the cron or the link thread. */
    synchronized void send(String... args) {
        OutputStream o = out;
        if (o == null) {
            return;
        }
        byte[][] argv = new byte[args.length][];
        for (int i = 0; i < args.length; i++) {
            argv[i] = args[i].getBytes(StandardCharsets.UTF_8);
        }
        try {
            o.write(Replication.encode(argv));
            o.flush();
        } catch (IOException e) {
            closeSocket();
        }
    }

    private void run() {
        try {
            connectAndSync();
        } catch (LinkError e) {
            if (!stopped && e.getMessage() != null) {
                server.log().warning(e.getMessage());
            }
        } catch (IOException e) {
            if (!stopped) {
                server.log().warning(failure(e));
            }
        } catch (RuntimeException e) {
            server.log().warning("Replication link failed: " + e);
        } finally {
            closeSocket();
            repl.linkEnded(this);
        }
    }

    /**
     * The line a failed link logs. The socket's read timeout is repl-timeout, the bound the cron
     * checks too: whichever sees it first, it is Redis's timeout line for the state.
     */
    private String failure(IOException e) {
        if (e instanceof SocketTimeoutException && state != State.CONNECTED) {
            return state == State.TRANSFER ? "Timeout receiving bulk data from MASTER... If the problem persists try to "
                    + "set the 'repl-timeout' parameter in redis.conf to a larger value."
                    : "Timeout connecting to the MASTER...";
        }
        return state == State.CONNECTED ? "Connection with master lost." : "Error condition on socket for SYNC: " + reason(e);
    }

    private static String reason(IOException e) {
        if (e instanceof SocketTimeoutException) {
            return "Connection timed out";
        }
        if (e instanceof EOFException) {
            return "Connection closed";
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    private void connectAndSync() throws IOException, LinkError {
        if (announceConnect) {
            server.log().notice("Connecting to MASTER " + host + ":" + port);
        }
        Socket s = new Socket();
        socket = s;
        if (stopped) {
            return;
        }
        int timeoutMs = (int) Math.min(Integer.MAX_VALUE, repl.cfg("repl-timeout") * 1000);
        String source = server.config().get("bind-source-addr");
        if (source != null && !source.isEmpty()) {
            s.bind(new InetSocketAddress(source, 0)); // bind-source-addr: the link's local address, as Redis
        }
        // as Redis, which logs this once the non-blocking connect is under way, before it succeeds
        server.log().notice("MASTER <-> REPLICA sync started");
        if (afterStartLog != null) {
            server.log().notice(afterStartLog);
        }
        s.connect(new InetSocketAddress(host, port), timeoutMs);
        s.setTcpNoDelay(!repl.cfgYes("repl-disable-tcp-nodelay"));
        s.setSoTimeout(timeoutMs);
        // tls-replication: the link runs over TLS (net.tls); socket stays the plain one, for closing
        Socket io = dev.cinnabar.server.net.tls.Tls.replicationEnabled(server)
                ? dev.cinnabar.server.net.tls.Tls.of(server).clientSocket(s, host, port) : s;
        InputStream in = new BufferedInputStream(io.getInputStream(), 1 << 16);
        synchronized (this) {
            out = io.getOutputStream();
        }
        lastIoMillis = System.currentTimeMillis();
        state = State.HANDSHAKE;
        handshake(in);
        String[] psync = repl.psyncRequest();
        server.log().notice(psync[0].equals("?") ? "Partial resynchronization not possible (no cached master)"
                : "Trying a partial resynchronization (request " + psync[0] + ":" + psync[1] + ").");
        if (repl.failoverInProgressLocked()) {
            send("PSYNC", psync[0], psync[1], "FAILOVER");
        } else {
            send("PSYNC", psync[0], psync[1]);
        }
        String reply = line(in);
        while (reply.isEmpty()) {
            reply = line(in); // newlines while the master prepares
        }
        if (reply.startsWith("+FULLRESYNC")) {
            String[] f = reply.split(" ");
            if (f.length < 3) {
                throw new LinkError("Master replied with wrong +FULLRESYNC syntax.");
            }
            String replId = f[1];
            long offset;
            try {
                offset = Long.parseLong(f[2]);
            } catch (NumberFormatException e) {
                throw new LinkError("Master replied with wrong +FULLRESYNC syntax.");
            }
            server.log().notice("Full resync from master: " + replId + ":" + offset);
            failedInTransfer = true; // an error from here on is retried at once, as Redis does
            in = fullSync(in, replId, offset, !psync[0].equals("?"));
            failedInTransfer = false;
        } else if (reply.startsWith("+CONTINUE")) {
            String newId = reply.length() > 10 ? reply.substring(10).trim() : "";
            server.log().notice("Successful partial resynchronization with master.");
            repl.partialSyncAccepted(this, newId);
            server.log().notice("MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.");
        } else if (reply.startsWith("-NOMASTERLINK") || reply.startsWith("-LOADING")) {
            throw new LinkError("Master is currently unable to PSYNC but should be in the future: " + reply);
        } else {
            throw new LinkError("Unexpected reply to PSYNC from master: " + reply);
        }
        stream(in);
    }

    private void handshake(InputStream in) throws IOException, LinkError {
        send("PING");
        String pong = line(in);
        if (pong.startsWith("-") && !pong.startsWith("-NOAUTH") && !pong.startsWith("-NOPERM")
                && !pong.startsWith("-ERR operation not permitted")) {
            throw new LinkError("Error reply to PING from master: '" + pong.substring(1) + "'");
        }
        server.log().notice("Master replied to PING, replication can continue...");
        String auth = server.config().get("masterauth");
        if (auth != null && !auth.isEmpty()) {
            String user = server.config().get("masteruser");
            if (user != null && !user.isEmpty()) {
                send("AUTH", user, auth);
            } else {
                send("AUTH", auth);
            }
            String r = line(in);
            if (r.startsWith("-")) {
                throw new LinkError("Unable to AUTH to MASTER: " + r);
            }
        }
        long announcedPort = repl.cfg("replica-announce-port");
        send("REPLCONF", "listening-port", Long.toString(announcedPort != 0 ? announcedPort
                : dev.cinnabar.server.net.tls.Tls.replicationPort(server)));
        String r = line(in);
        if (r.startsWith("-")) {
            server.log().notice("(Non critical) Master does not understand REPLCONF listening-port: " + r);
        }
        String ip = server.config().get("replica-announce-ip");
        if (ip != null && !ip.isEmpty()) {
            send("REPLCONF", "ip-address", ip);
            r = line(in);
            if (r.startsWith("-")) {
                server.log().notice("(Non critical) Master does not understand REPLCONF ip-address: " + r);
            }
        }
        send("REPLCONF", "capa", "eof", "capa", "psync2");
        r = line(in);
        if (r.startsWith("-")) {
            server.log().notice("(Non critical) Master does not understand REPLCONF capa: " + r);
        }
    }

    /**
     * Reads the RDB as repl-diskless-load has it (Redis 7.0's readSyncBulkPayload): to a temp
     * file in dir, renamed over dbfilename and loaded from there (disabled, or on-empty-db with
     * keys), or from the socket (on-empty-db on an empty replica, swapdb). A socket load is parsed
     * as it arrives (Redis's rio over the connection), into keys kept apart from the dataset, so
     * the old dataset is untouched until the transfer is complete and valid; the modes differ in
     * what clients see meanwhile and what a failure leaves (Replication.Load). Returns the input
     * the master's stream follows on.
     */
    private InputStream fullSync(InputStream in, String replId, long offset, boolean cachedMaster)
            throws IOException, LinkError {
        state = State.TRANSFER;
        String header;
        do {
            header = line(in); // newlines are the master's keep-alives
            transferLastIoMillis = System.currentTimeMillis();
        } while (header.isEmpty());
        if (header.startsWith("-")) {
            throw new LinkError("MASTER aborted replication with an error: " + header.substring(1));
        }
        if (!header.startsWith("$")) {
            throw new LinkError("Bad protocol from MASTER, the first byte is not '$' (we received '" + header
                    + "'), are you sure the host and port are right?");
        }
        byte[] mark = null;
        long size = 0;
        if (header.startsWith("$EOF:")) {
            mark = header.substring(5).getBytes(StandardCharsets.US_ASCII);
            if (mark.length != EOF_MARK_LENGTH) {
                throw new LinkError("Bad EOF mark from MASTER: '" + header + "'");
            }
        } else {
            try {
                size = Long.parseLong(header.substring(1));
            } catch (NumberFormatException e) {
                throw new LinkError("Bad protocol from MASTER, wrong bulk length: '" + header + "'");
            }
            if (size < 0 || size > Integer.MAX_VALUE - 16) {
                throw new LinkError("Bad protocol from MASTER, wrong bulk length: '" + header + "'");
            }
        }
        Replication.Load mode = repl.loadMode(replId);
        load = mode;
        transferSize = size; // 0 for an EOF-marked transfer (its size is unknown), as Redis shows it
        transferStartMillis = System.currentTimeMillis();
        String target = mode == Replication.Load.DISK ? "to disk" : "to parser";
        server.log().notice(mark != null ? "MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF "
                + target : "MASTER <-> REPLICA sync: receiving " + size + " bytes from master " + target);
        try {
            if (mode == Replication.Load.DISK) {
                diskLoad(in, mark, size, replId, offset, cachedMaster);
                return in;
            }
            return socketLoad(in, mark, size, replId, offset, cachedMaster, mode);
        } finally {
            repl.loadEnded(mode); // load stays set: linkEnded reads it
            transferSize = -1;
            transferRead = 0;
            socketRead = 0;
        }
    }

    /** repl-diskless-load disabled: the RDB to temp-<unixtime>.<pid>.rdb, renamed over dbfilename, loaded. */
    private void diskLoad(InputStream in, byte[] mark, long size, String replId, long offset, boolean cachedMaster)
            throws IOException, LinkError {
        Path temp = Path.of(server.config().dir).resolve(
                "temp-" + System.currentTimeMillis() / 1000 + "." + ProcessHandle.current().pid() + ".rdb");
        boolean handedOver = false;
        try {
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                byte[] buf = new byte[1 << 16];
                byte[] last = new byte[EOF_MARK_LENGTH];
                long read = 0;
                while (mark != null || read < size) {
                    int n = in.read(buf, 0, mark != null ? buf.length : (int) Math.min(buf.length, size - read));
                    if (n < 0) {
                        throw new LinkError("I/O error trying to sync with MASTER: connection lost");
                    }
                    ch.write(ByteBuffer.wrap(buf, 0, n));
                    read += n;
                    transferRead = read;
                    transferLastIoMillis = System.currentTimeMillis();
                    if (mark != null) {
                        keepLast(last, buf, n);
                        if (read >= EOF_MARK_LENGTH && Arrays.equals(last, mark)) {
                            ch.truncate(read - EOF_MARK_LENGTH); // the mark is not part of the file
                            break;
                        }
                    }
                }
                ch.force(true);
            }
            if (stopped) {
                return;
            }
            List<String[]> aux = new ArrayList<>();
            RdbFile.Parsed parsed = null;
            RdbFile.LoadError error = null;
            try {
                parsed = RdbFile.parse(Files.readAllBytes(temp), server.keyspace().count(),
                        RdbValues.Limits.of(server.config()), true, auxCollector(aux));
            } catch (RdbFile.LoadError e) {
                error = e;
            }
            handedOver = true; // the load renames it over dbfilename
            if (!repl.loadFullSyncFromDisk(this, parsed, error, aux, temp, replId, offset, cachedMaster)) {
                throw new LinkError(null); // logged already
            }
        } finally {
            if (!handedOver) {
                Files.deleteIfExists(temp); // as Redis: a broken transfer leaves no temp file behind
            }
        }
    }

    /**
     * on-empty-db (empty replica) and swapdb: the RDB parsed as it comes from the socket; only the
     * parser's window of it is in memory. Returns the input the stream follows on (bytes the parser
     * read past the RDB's end, then the socket).
     */
    private InputStream socketLoad(InputStream in, byte[] mark, long size, String replId, long offset,
                                   boolean cachedMaster, Replication.Load mode) throws IOException, LinkError {
        repl.socketLoadStarting(this, mode, size, cachedMaster);
        LoadInput counted = new LoadInput(in);
        RdbStrings.Reader reader = mark != null ? new RdbStrings.Reader(counted, true)
                : new RdbStrings.Reader(counted, size, true);
        RdbFile.Parsed parsed;
        try {
            parsed = RdbFile.parse(reader, server.keyspace().count(), RdbValues.Limits.of(server.config()), true,
                    auxLogger());
        } catch (RdbFile.LoadError e) {
            if (stopped) {
                return in;
            }
            if (counted.failure != null) {
                throw counted.failure; // a timeout or a reset: the link's failure line, as before the load
            }
            throw socketLoadFailed(e);
        }
        InputStream rest = in;
        if (mark != null) {
            rest = new SequenceInputStream(new ByteArrayInputStream(reader.unconsumed()), in);
            if (!Arrays.equals(rest.readNBytes(EOF_MARK_LENGTH), mark)) {
                throw new LinkError("Replication stream EOF marker is broken");
            }
        } else {
            // bytes of the bulk after the RDB's checksum, which the parser leaves unread
            counted.skipNBytes(size - counted.count);
        }
        if (!stopped) {
            repl.loadFullSync(this, parsed, replId, offset, mode, cachedMaster);
        }
        return rest;
    }

    /**
     * A socket load that failed, logged as Redis logs it (the parser's error, then the failure).
     * When the connection was lost, the parser met the end of its input, as Redis's does.
     */
    private LinkError socketLoadFailed(RdbFile.LoadError e) {
        if (e.kind == RdbFile.LoadError.Kind.TRUNCATED) {
            server.log().warning("Short read or OOM loading DB. Unrecoverable error, aborting now.");
        }
        server.log().warning(loadErrorLine(e, ". Failure loading rdb format from socket, assuming connection error, "
                + "resuming operation."));
        // Redis appends errno, which a lost connection leaves at EAGAIN
        return new LinkError("Failed trying to load the MASTER synchronization DB from socket: "
                + "Resource temporarily unavailable");
    }

    private static String loadErrorLine(RdbFile.LoadError e, String suffix) {
        String what = switch (e.kind) {
            case TRUNCATED -> "Unexpected EOF reading RDB file";
            case CHECKSUM -> "RDB CRC error";
            default -> e.getMessage();
        };
        return "Internal error in RDB reading offset " + e.offset + " -> " + what + suffix;
    }

    /** Parser progress that logs the RDB's aux fields as they are read. */
    private RdbFile.Progress auxLogger() {
        Persistence p = Persistence.of(server);
        return new RdbFile.Progress() {
            @Override
            public void keyRead(long offset) {
                // the transfer is already read whole
            }

            @Override
            public void aux(String key, String value) {
                p.logRdbAux(key, value);
            }
        };
    }

    /** Parser progress that keeps the aux fields, logged where Redis logs them (after the flush). */
    private static RdbFile.Progress auxCollector(List<String[]> aux) {
        return new RdbFile.Progress() {
            @Override
            public void keyRead(long offset) {
                // nothing to publish: the file is on disk already
            }

            @Override
            public void aux(String key, String value) {
                aux.add(new String[] {key, value});
            }
        };
    }

    /** Keeps in last the last bytes read, with n more from buf. */
    private static void keepLast(byte[] last, byte[] buf, int n) {
        if (n >= last.length) {
            System.arraycopy(buf, n - last.length, last, 0, last.length);
        } else {
            System.arraycopy(last, n, last, 0, last.length - n);
            System.arraycopy(buf, 0, last, last.length - n, n);
        }
    }

    /**
     * The socket under a socket load: counts what it read for INFO's loading figures and
     * repl-timeout, and keeps the I/O error that ended it (a timeout or a reset is the link's
     * failure, not a parse error).
     */
    private final class LoadInput extends FilterInputStream {
        long count;
        IOException failure;

        LoadInput(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n;
            try {
                n = in.read(b, off, len);
            } catch (IOException e) {
                failure = e;
                throw e;
            }
            if (n > 0) {
                count += n;
                transferLastIoMillis = System.currentTimeMillis(); // for repl-timeout
                socketRead = count;
                repl.socketLoadProgress(count);
            }
            return n;
        }
    }

    /** The master client: flag M, replies dropped, its commands propagate to the AOF only. */
    Client createMasterClient() {
        ByteBuf sink = Unpooled.buffer(256);
        RespWriter w = new RespWriter();
        w.target(sink);
        Client c = new Client(server.clients().newId(), server, new LinkConnection(sink), w);
        c.flags |= ClientFlags.MASTER;
        c.authenticated(true);
        c.propagationMask(dev.cinnabar.server.propagate.PropagationSink.AOF);
        return c;
    }

    /** Reads the stream and applies it batch by batch. */
    private void stream(InputStream in) throws IOException {
        StreamParser parser = new StreamParser();
        byte[] chunk = new byte[1 << 16];
        while (!stopped) {
            int n;
            try {
                n = in.read(chunk);
            } catch (SocketTimeoutException e) {
                continue; // the cron decides about timeouts (repl-timeout)
            }
            if (n < 0) {
                throw new EOFException();
            }
            lastIoMillis = System.currentTimeMillis();
            readOffset += n;
            parser.feed(chunk, n);
            List<StreamParser.Command> batch = parser.commands();
            if (!batch.isEmpty()) {
                repl.applyFromMaster(this, batch); // what came before a protocol error is applied, as Redis
            }
            if (parser.error() != null) {
                server.log().warning("Protocol error from master (" + parser.error() + "): closing the link");
                return;
            }
        }
    }

    private String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                break;
            }
            if (c != '\r') {
                b.write(c);
            }
            if (b.size() > 1 << 16) {
                throw new IOException("line too long from master");
            }
        }
        if (c == -1) {
            throw new EOFException();
        }
        lastIoMillis = System.currentTimeMillis();
        return b.toString(StandardCharsets.UTF_8);
    }

    /** The master client's transport: our socket to the master; replies go nowhere. */
    /** The error the last command from the master answered, if it did (taken by {@link #takeReplyError}). */
    private String replyError;

    /** The error reply of the command just applied, or null; clears it. Under the lock. */
    String takeReplyError() {
        String e = replyError;
        replyError = null;
        return e;
    }

    private final class LinkConnection implements Connection {
        private final ByteBuf sink;

        LinkConnection(ByteBuf sink) {
            this.sink = sink;
        }

        @Override
        public String peerAddress() {
            return host + ":" + port;
        }

        @Override
        public String localAddress() {
            Socket s = socket;
            return s == null || s.getLocalSocketAddress() == null ? ""
                    : s.getLocalAddress().getHostAddress() + ":" + s.getLocalPort();
        }

        @Override
        public void flush() {
            if (sink.readableBytes() > 1 && sink.getByte(sink.readerIndex()) == '-') {
                int end = sink.indexOf(sink.readerIndex(), sink.writerIndex(), (byte) '\r');
                int to = end < 0 ? sink.writerIndex() : end;
                replyError = sink.toString(sink.readerIndex() + 1, to - sink.readerIndex() - 1,
                        java.nio.charset.StandardCharsets.ISO_8859_1);
            }
            sink.clear();
        }

        @Override
        public void close() {
            drop();
        }

        @Override
        public long pendingOutputBytes() {
            return 0;
        }

        @Override
        public void execute(Runnable task) {
            task.run();
        }

        @Override
        public void deliver(java.util.function.Consumer<Reply> message) {
            // nothing is sent to a master but REPLCONF ACK
        }
    }

    /**
     * Splits the stream into commands (arrays of bulk strings, the only form a master sends),
     * keeping each command's exact bytes for the backlog.
     */
    static final class StreamParser {
        record Command(byte[][] argv, byte[] raw) {
        }

        private byte[] buf = new byte[1 << 16];
        private int len;
        private String error;

        void feed(byte[] b, int n) {
            if (len + n > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + n));
            }
            System.arraycopy(b, 0, buf, len, n);
            len += n;
        }

        String error() {
            return error;
        }

        List<Command> commands() {
            List<Command> out = new ArrayList<>();
            int pos = 0;
            while (pos < len && error == null) {
                int end = parseOne(pos, out);
                if (end < 0) {
                    break;
                }
                pos = end;
            }
            System.arraycopy(buf, pos, buf, 0, len - pos);
            len -= pos;
            return out;
        }

        /** Parses one command at pos; returns the position after it, or -1 when incomplete. */
        private int parseOne(int pos, List<Command> out) {
            if (buf[pos] != '*') {
                error = "expected '*', got '" + (char) buf[pos] + "'";
                return -1;
            }
            int[] p = {pos + 1};
            long n = number(p);
            if (n == Long.MIN_VALUE) {
                return -1;
            }
            if (n < 0 || n > 1024 * 1024) {
                error = "invalid multibulk length";
                return -1;
            }
            byte[][] argv = new byte[(int) n][];
            for (int i = 0; i < n; i++) {
                if (p[0] >= len) {
                    return -1;
                }
                if (buf[p[0]] != '$') {
                    error = "expected '$', got '" + (char) buf[p[0]] + "'";
                    return -1;
                }
                p[0]++;
                long l = number(p);
                if (l == Long.MIN_VALUE) {
                    return -1;
                }
                if (l < 0 || l > 512L * 1024 * 1024) {
                    error = "invalid bulk length";
                    return -1;
                }
                if (p[0] + l + 2 > len) {
                    return -1;
                }
                argv[i] = Arrays.copyOfRange(buf, p[0], p[0] + (int) l);
                p[0] += (int) l + 2;
            }
            out.add(new Command(argv, Arrays.copyOfRange(buf, pos, p[0])));
            return p[0];
        }

        /** A decimal number ended by CRLF at p[0]; Long.MIN_VALUE when incomplete. */
        private long number(int[] p) {
            int i = p[0];
            long v = 0;
            boolean neg = false;
            if (i < len && buf[i] == '-') {
                neg = true;
                i++;
            }
            int digits = 0;
            while (i < len && buf[i] >= '0' && buf[i] <= '9') {
                v = v * 10 + (buf[i] - '0');
                i++;
                if (++digits > 18) {
                    error = "number too long";
                    return Long.MIN_VALUE;
                }
            }
            if (i + 1 >= len) {
                return Long.MIN_VALUE;
            }
            if (buf[i] != '\r' || buf[i + 1] != '\n' || digits == 0) {
                error = "malformed length";
                return Long.MIN_VALUE;
            }
            p[0] = i + 2;
            return neg ? -v : v;
        }
    }
}
