package dev.cinnabar.server.persistence.aof;

import dev.cinnabar.server.persistence.Persistence;
import dev.cinnabar.server.ServerContext;
import dev.cinnabar.server.command.CommandSpec;
import dev.cinnabar.server.persistence.rdb.RdbFile;
import dev.cinnabar.server.persistence.rdb.RdbValues;
import dev.cinnabar.server.protocol.RespWriter;
import dev.cinnabar.server.protocol.Texts;
import dev.cinnabar.server.propagate.PropagationErrors;
import dev.cinnabar.server.session.Client;
import dev.cinnabar.server.session.Connection;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * Replays one file of an AOF (Redis's loadSingleAppendOnlyFile): an RDB image when the file starts
 * with "REDIS" (a base written with aof-use-rdb-preamble), then commands in RESP, each run through
 * the dispatcher's execute with a client nothing may refuse (no ACL, OOM, pause or loading check:
 * the file is the dataset's history, as Redis's fake AOF client calls the command directly). A
 * MULTI's commands are kept until its EXEC and then run together; a MULTI with no EXEC at the end
 * of the file is dropped as a short read. Annotations ('#' lines) are skipped.
 *
 * <p>The commands run under the execution lock in slices of at most {@link #SLICE} commands or
 * about 20 ms, the lock released between slices so clients are answered (LOADING) while a large
 * file loads, as Redis serves events every 1024 commands.
 */
final class AofLoader {
    /** Commands replayed per hold of the execution lock. */
    static final int SLICE = 1024;
    /** Longest hold of the lock between two slices (clients wait at most about this long). */
    private static final long MAX_HOLD_NANOS = 20_000_000L;
    /** Longest line Redis reads with fgets when it expects a header or an annotation. */
    private static final int LINE_MAX = 1024;

    enum Result { OK, NOT_EXIST, EMPTY, OPEN_ERR, FAILED, TRUNCATED }

    /** Told how many bytes have been read so far, file after file. */
    interface Progress {
        void bytes(long delta);
    }

    private final ServerContext server;
    private final Aof aof;
    private final Client client;
    private final ByteBuf sink = Unpooled.buffer(256);
    private final CommandSpec multi;
    private final CommandSpec exec;

    AofLoader(ServerContext server, Aof aof) {
        this.server = server;
        this.aof = aof;
        RespWriter w = new RespWriter();
        w.target(sink);
        this.client = new Client(server.clients().newId(), server, Connection.NONE, w);
        this.client.flags |= dev.cinnabar.server.session.ClientFlags.AOF_LOADER;
        this.client.propagationMask(0); // replayed history is not propagated again (Redis calls the commands directly)
        this.multi = server.commands().spec("multi");
        this.exec = server.commands().spec("exec");
    }

    /** Counts of keys an RDB base put in the keyspace. */
    long keysLoaded;

    Result load(Path path, String name, boolean oldStyle, Progress progress) {
        if (!Files.exists(path)) {
            aof.log().warning("The append log file " + name + " doesn't exist: No such file or directory");
            return Result.NOT_EXIST;
        }
        long size;
        try {
            size = Files.size(path);
        } catch (IOException e) {
            aof.log().warning("Fatal error: can't open the append log file " + name + " for reading: " + Aof.reason(e));
            return Result.OPEN_ERR;
        }
        if (size == 0) {
            return Result.EMPTY;
        }
        try (InputStream raw = Files.newInputStream(path)) {
            Reader in = new Reader(new BufferedInputStream(raw, 1 << 16));
            long start = 0;
            if (startsWithRdb(path)) {
                aof.log().notice(oldStyle ? "Reading RDB preamble from AOF file..." : "Reading RDB base file on AOF loading...");
                byte[] data = Files.readAllBytes(path);
                RdbFile.Parsed parsed;
                try {
                    parsed = RdbFile.parse(data, server.keyspace().count(), RdbValues.Limits.of(server.config()),
                            server.config().rdbchecksum, RdbFile.Progress.NONE);
                } catch (RdbFile.LoadError e) {
                    aof.log().warning(e.getMessage());
                    aof.log().warning(oldStyle
                            ? "Error reading the RDB preamble of the AOF file " + name + ", AOF loading aborted"
                            : "Error reading the RDB base file " + name + ", AOF loading aborted");
                    return Result.FAILED;
                }
                String failed = Persistence.of(server).loadFunctions(parsed.functions(), false);
                if (failed != null) {
                    aof.log().warning("Failed loading library, " + failed);
                    aof.log().warning(oldStyle
                            ? "Error reading the RDB preamble of the AOF file " + name + ", AOF loading aborted"
                            : "Error reading the RDB base file " + name + ", AOF loading aborted");
                    return Result.FAILED;
                }
                insert(parsed.keys());
                start = parsed.end();
                progress.bytes(start);
                if (oldStyle) {
                    aof.log().notice("Reading the remaining AOF tail...");
                }
                in.skip(start);
            }
            return replay(in, path, name, progress, start);
        } catch (IOException e) {
            aof.log().warning("Unrecoverable error reading the append only file " + name + ": " + Aof.reason(e));
            return Result.FAILED;
        }
    }

    private static boolean startsWithRdb(Path path) throws IOException {
        try (InputStream in = Files.newInputStream(path)) {
            byte[] sig = in.readNBytes(5);
            return sig.length == 5 && new String(sig, java.nio.charset.StandardCharsets.US_ASCII).equals("REDIS");
        }
    }

    /** The keys of an RDB base, in slices under the lock; an expired key is loaded too (Redis's AOF preamble rule). */
    private void insert(List<RdbFile.Loaded> keys) {
        for (int from = 0; from < keys.size(); from += 65536) {
            List<RdbFile.Loaded> slice = keys.subList(from, Math.min(keys.size(), from + 65536));
            server.lock().lock();
            try {
                keysLoaded += RdbFile.insert(slice, server.keyspace(), Long.MIN_VALUE, true).loaded();
            } finally {
                server.lock().unlock();
            }
        }
    }

    /** Why reading stopped early. */
    private enum Stop { NONE, EOF_SHORT, FORMAT }

    private Result replay(Reader in, Path path, String name, Progress progress, long start) throws IOException {
        long validUpTo = start;
        long validBeforeMulti = start;
        long reported = start;
        boolean truncatedOk = aof.loadTruncated();
        boolean inMulti = false;
        List<byte[][]> queued = new ArrayList<>();
        Stop stop = Stop.NONE;
        long badAt = -1;
        int inSlice = 0;
        server.lock().lock();
        long heldSince = System.nanoTime();
        try {
            while (true) {
                if (++inSlice >= SLICE || (inSlice % 64 == 0 && System.nanoTime() - heldSince > MAX_HOLD_NANOS)) {
                    inSlice = 0;
                    progress.bytes(in.pos - reported);
                    reported = in.pos;
                    letClientsIn();
                    heldSince = System.nanoTime();
                }
                long cmdStart = in.pos;
                byte[] line = in.line(LINE_MAX);
                if (line == null) {
                    break;
                }
                if (line[0] == '#') {
                    continue;
                }
                if (line[0] != '*') {
                    stop = Stop.FORMAT;
                    badAt = cmdStart;
                    break;
                }
                if (line.length == 1) {
                    stop = Stop.EOF_SHORT; // "*" and nothing else: cut while writing the header
                    break;
                }
                long argc = atoi(line, 1);
                if (argc < 1 || argc > Integer.MAX_VALUE / 8) {
                    stop = Stop.FORMAT;
                    badAt = cmdStart;
                    break;
                }
                byte[][] argv = new byte[(int) Math.min(argc, 1024)][];
                int n = 0;
                for (long j = 0; j < argc && stop == Stop.NONE; j++) {
                    long at = in.pos;
                    byte[] h = in.line(LINE_MAX);
                    if (h == null) {
                        stop = Stop.EOF_SHORT;
                        break;
                    }
                    if (h[0] != '$') {
                        stop = Stop.FORMAT;
                        badAt = at;
                        break;
                    }
                    long len = atoi(h, 1);
                    if (len < 0 || len > Integer.MAX_VALUE - 16) {
                        stop = Stop.FORMAT;
                        badAt = at;
                        break;
                    }
                    byte[] arg = in.bytes((int) len);
                    if (arg == null || in.bytes(2) == null) {
                        stop = Stop.EOF_SHORT;
                        break;
                    }
                    if (n == argv.length) {
                        argv = java.util.Arrays.copyOf(argv, (int) Math.min(argc, argv.length * 2L));
                    }
                    argv[n++] = arg;
                }
                if (stop != Stop.NONE) {
                    break;
                }
                CommandSpec cmd = lookup(argv);
                if (cmd == null) {
                    aof.log().warning("Unknown command '" + Texts.str(argv[0]) + "' reading the append only file " + name);
                    return Result.FAILED;
                }
                if (cmd == multi) {
                    validBeforeMulti = validUpTo;
                    inMulti = true;
                    queued.clear();
                } else if (inMulti && cmd != exec) {
                    queued.add(argv);
                } else if (cmd == exec) {
                    for (byte[][] q : queued) {
                        if (!run(q, lookup(q))) {
                            return Result.FAILED;
                        }
                    }
                    queued.clear();
                    inMulti = false;
                } else if (!run(argv, cmd)) {
                    return Result.FAILED;
                }
                validUpTo = in.pos;
                int delay = server.config().keyLoadDelay;
                if (delay != 0) {
                    // key-load-delay (tests): the pause is taken without the lock, so clients are answered
                    progress.bytes(in.pos - reported);
                    reported = in.pos;
                    boolean nested = server.lock().getHoldCount() > 1;
                    if (!nested) {
                        server.lock().unlock();
                    }
                    LockSupport.parkNanos(delay > 0 ? delay * 1000L : -(long) delay);
                    if (nested) {
                        server.lock().serveWaiters();
                    } else {
                        server.lock().lock();
                    }
                    heldSince = System.nanoTime();
                }
            }
        } finally {
            server.lock().unlock();
        }
        progress.bytes(in.pos - reported);
        if (stop == Stop.FORMAT) {
            // Redis's line comes last: it is what the log ends with when start-up stops
            aof.log().warning("The command that could not be read starts at offset " + badAt + " of " + name);
            aof.log().warning("Bad file format reading the append only file " + name
                    + ": make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>");
            return Result.FAILED;
        }
        if (stop == Stop.NONE && !inMulti) {
            return Result.OK;
        }
        if (stop == Stop.NONE) {
            aof.log().warning("Revert incomplete MULTI/EXEC transaction in AOF file " + name);
            validUpTo = validBeforeMulti;
        }
        return shortRead(path, name, validUpTo, truncatedOk);
    }

    /**
     * Lets waiting clients be answered (LOADING, or INFO and the other commands allowed while
     * loading): the lock is released for a moment at start-up; under DEBUG LOADAOF, whose command
     * holds the lock around the load, the waiters are served from here, as Redis processes events
     * while it loads.
     */
    private void letClientsIn() {
        if (server.lock().getHoldCount() > 1) {
            server.lock().serveWaiters();
        } else {
            server.lock().unlock();
            server.lock().lock();
        }
    }

    private Result shortRead(Path path, String name, long validUpTo, boolean truncatedOk) {
        if (truncatedOk) {
            aof.log().warning("!!! Warning: short read while loading the AOF file " + name + "!!!");
            aof.log().warning("!!! Truncating the AOF " + name + " at offset " + validUpTo + " !!!");
            try (FileChannel ch = FileChannel.open(path, StandardOpenOption.WRITE)) {
                ch.truncate(validUpTo);
                aof.log().warning("AOF " + name + " loaded anyway because aof-load-truncated is enabled");
                return Result.TRUNCATED;
            } catch (IOException e) {
                aof.log().warning("Error truncating the AOF file " + name + ": " + Aof.reason(e));
            }
        }
        aof.log().warning("Unexpected end of file reading the append only file " + name + ". You can: "
                + "1) Make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. "
                + "2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart "
                + "the server.");
        return Result.FAILED;
    }

    private CommandSpec lookup(byte[][] argv) {
        CommandSpec cmd = server.commands().lookup(argv[0]);
        if (cmd != null && cmd.hasSubcommands() && argv.length >= 2) {
            CommandSpec sub = cmd.subcommand(argv[1]);
            return sub;
        }
        return cmd;
    }

    /**
     * Runs one command as the AOF client (under the lock); its reply is dropped. An error reply is
     * handled as Redis's afterErrorReply (propagation-error-behavior); false when that panicked.
     */
    private boolean run(byte[][] argv, CommandSpec cmd) {
        if (cmd == null) {
            return true;
        }
        client.request(argv, argv.length);
        client.cmd(cmd);
        long errors = client.reply().errorCount();
        server.dispatcher().execute(client, cmd);
        sink.clear();
        return client.reply().errorCount() == errors || !PropagationErrors.afterErrorReply(server,
                PropagationErrors.To.AOF, client.reply().lastError(), cmd.fullName(), null);
    }

    /** C's atoi/strtol over a header's digits: optional sign, digits up to the first other byte. */
    private static long atoi(byte[] b, int from) {
        int i = from;
        boolean neg = false;
        if (i < b.length && (b[i] == '-' || b[i] == '+')) {
            neg = b[i] == '-';
            i++;
        }
        long v = 0;
        for (; i < b.length && b[i] >= '0' && b[i] <= '9'; i++) {
            v = v * 10 + (b[i] - '0');
            if (v > Integer.MAX_VALUE * 4L) {
                return neg ? -v : v;
            }
        }
        return neg ? -v : v;
    }

    /** A byte stream with the position read so far, reading lines as fgets does. */
    static final class Reader {
        private final InputStream in;
        long pos;

        Reader(InputStream in) {
            this.in = in;
        }

        void skip(long n) throws IOException {
            long left = n;
            while (left > 0) {
                long s = in.skip(left);
                if (s <= 0) {
                    if (in.read() < 0) {
                        break;
                    }
                    s = 1;
                }
                left -= s;
            }
            pos += n - left;
        }

        /** Up to and including '\n', at most max - 1 bytes; null at the end of the file with nothing read. */
        byte[] line(int max) throws IOException {
            java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream(32);
            while (b.size() < max - 1) {
                int c = in.read();
                if (c < 0) {
                    break;
                }
                pos++;
                b.write(c);
                if (c == '\n') {
                    break;
                }
            }
            return b.size() == 0 ? null : b.toByteArray();
        }

        /** Exactly n bytes, or null when the file ends first. */
        byte[] bytes(int n) throws IOException {
            byte[] out = in.readNBytes(n);
            pos += out.length;
            return out.length == n ? out : null;
        }
    }
}
