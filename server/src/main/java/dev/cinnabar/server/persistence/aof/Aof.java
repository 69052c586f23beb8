package dev.cinnabar.server.persistence.aof;

import dev.cinnabar.server.Crash;
import dev.cinnabar.server.Log;
import dev.cinnabar.server.ServerContext;
import dev.cinnabar.server.ServerCron;
import dev.cinnabar.server.config.ConfigException;
import dev.cinnabar.server.persistence.Persistence;
import dev.cinnabar.server.protocol.Errors;
import dev.cinnabar.server.propagate.PropagationSink;
import dev.cinnabar.server.propagate.SelectingSink;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The append-only file of one server, as Redis 7.0 keeps it (aof.c): a directory (appenddirname)
 * holding a manifest ({@link AofManifest}), one base file and incremental files named after
 * appendfilename. Every command the propagation path hands to the AOF target is appended to a
 * buffer (RESP, SELECT when the database changes, #TS annotations with aof-timestamp-enabled)
 * and written to the last incremental file once per event-loop pass, at its end (Redis's
 * flushAppendOnlyFile in beforeSleep; {@link AofGroupCommit#closeAtPassEnd}), or, off an event
 * loop, when the execution lock is released after the commands. Replies wait for that write
 * ({@link AofBarrier}), so no client hears of a write before it is in the file:
 *
 * <ul>
 *   <li>{@code appendfsync always}: a group commit ({@link AofGroupCommit}): the write is followed
 *       by an fdatasync on a thread of its own, off the execution lock; commands executed while it
 *       runs, by any client, wait in the buffer and go as the next group, one write and one fsync
 *       for all of them (Redis: one per event-loop iteration). Every reply and every delivery to
 *       another connection waits for the fsync that covers what it follows ({@link AofBarrier});
 *       the replication stream does not. A failed write or fsync stops the server, as Redis
 *       exits: an acknowledged write must be on disk. Rare flushes that must be complete at once
 *       (a rewrite's start, appendonly no, DEBUG LOADAOF, SHUTDOWN) write and fsync under the
 *       lock.</li>
 *   <li>{@code everysec}: a background thread (Redis's bio) fsyncs at most once per second; while
 *       an fsync is still running a write is postponed up to 2 seconds, then done anyway and
 *       counted in aof_delayed_fsync.</li>
 *   <li>{@code no}: the OS decides. {@code no-appendfsync-on-rewrite} skips fsyncs while a
 *       rewrite or a BGSAVE runs.</li>
 * </ul>
 *
 * <p>A failed write (full disk, permissions) with everysec/no keeps the data in the buffer, marks
 * aof_last_write_status:err (write commands then get MISCONF through the gate's WRITES_REFUSED
 * stage), lets the replies go as Redis does, and is retried by the cron until it succeeds.
 *
 * <p>Rewrites ({@link AofRewrite}) and loading ({@link AofLoader}) are in their own classes. All
 * state is read and changed under the execution lock, except the counters INFO reads (volatile)
 * and the background fsync's status.
 */
public final class Aof {
    enum State { OFF, ON, WAIT_REWRITE }

    static final String TEMP_PREFIX = "temp-";
    /** Seconds between two logs of the same write error (Redis's AOF_WRITE_LOG_ERROR_RATE). */
    private static final int WRITE_ERROR_LOG_RATE = 30;

    private final ServerContext server;
    private final long pid = ProcessHandle.current().pid();
    volatile State state = State.OFF;
    AofManifest manifest = new AofManifest();
    /** The file commands are appended to: the last incremental file, or the temporary one while WAIT_REWRITE. */
    FileChannel fd;
    private final Sink sink = new Sink();
    private boolean sinkAdded;
    final AofBuffer buf = new AofBuffer(4096);
    private boolean flushScheduled;
    private final Runnable flushTask = () -> {
        flushScheduled = false;
        if (state != State.OFF) {
            flush(false);
        }
    };

    volatile long currentSize;
    volatile long baseSize;
    long lastIncrSize;
    private long fsyncOffset;
    private long lastFsyncSec;
    private long flushPostponedStart;
    volatile long delayedFsync;
    private long curTimestamp;
    volatile boolean lastWriteOk = true;
    private volatile String lastWriteError = "";
    private long lastWriteErrorLog;
    private boolean stopping;
    /** DEBUG AOF-FLUSH-SLEEP: microseconds each write of a non-empty buffer waits first (tests widen the window). */
    private volatile long flushSleepMicros;
    /** Replies wait for the write (and fsync) of the commands they follow, with always (see AofBarrier). */
    private final AofBarrier barrier;
    /** appendfsync always: the fsync off the lock, one per group of commands. */
    final AofGroupCommit group;
    /**
     * appendfsync and aof-timestamp-enabled, read for every command: kept here from the
     * directives (read at construction, refreshed by CONFIG SET's apply hooks) rather than looked
     * up by name each time.
     */
    private volatile String policy;
    private volatile boolean timestamps;

    /** Redis's bio thread for AOF fsyncs (and closing a replaced file after its fsync). */
    private final ExecutorService bio;
    private final AtomicInteger pendingFsync = new AtomicInteger();
    private volatile boolean bioFsyncOk = true;
    private volatile String bioFsyncError = "";

    // rewrite state, see AofRewrite
    volatile AofRewrite rewrite;
    volatile boolean rewriteScheduled;
    volatile long lastRewriteSeconds = -1;
    volatile boolean lastBgrewriteOk = true;
    volatile long rewrites;
    volatile int consecutiveFailures;
    private long nextRewriteTime;
    private int nextDelayMinutes;

    private Aof(ServerContext server, AofBarrier barrier) {
        this.server = server;
        this.barrier = barrier;
        this.group = new AofGroupCommit(server, barrier, this);
        settingsChanged();
        this.bio = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "cinnabar-aof-fsync");
            t.setDaemon(true);
            return t;
        });
    }

    public static Aof of(ServerContext s) {
        AofBarrier barrier = AofBarrier.of(s); // not inside feature(): its map does not nest
        return s.feature(Aof.class, () -> new Aof(s, barrier));
    }

    /**
     * Wires the AOF into a server: the directives it implements, CONFIG SET appendonly (yes starts
     * a rewrite, as Redis), the cron (postponed writes, retries after a write error, everysec
     * fsyncs with no new writes, scheduled and automatic rewrites) and the final flush and fsync
     * when the server stops.
     */
    public static void install(ServerContext ctx, ServerCron cron) {
        Aof aof = of(ctx);
        for (String d : new String[] {"appendonly", "appendfilename", "appenddirname", "appendfsync",
            "no-appendfsync-on-rewrite", "auto-aof-rewrite-percentage", "auto-aof-rewrite-min-size",
            "aof-load-truncated", "aof-use-rdb-preamble", "aof-timestamp-enabled", "aof-disable-auto-gc",
            "aof-rewrite-incremental-fsync"}) {
            ctx.config().implemented(d);
        }
        ctx.config().entry("appendonly").onApply(v -> aof.appendonlyChanged((Boolean) v));
        ctx.config().entry("appendfsync").onApply(v -> aof.fsyncPolicyChanged());
        ctx.config().entry("aof-timestamp-enabled").onApply(v -> aof.settingsChanged());
        ctx.config().entry("aof-disable-auto-gc").onApply(v -> {
            if (!((Boolean) v) && aof.state != State.OFF) {
                aof.deleteHistoryFiles();
            }
        });
        cron.add(aof::cron);
        ctx.addShutdownListener(aof::shutdown);
    }

    // ------------------------------------------------------------------ configuration

    boolean enabledInConfig() {
        return bool("appendonly");
    }

    private boolean bool(String name) {
        return "yes".equals(server.config().get(name));
    }

    String prefix() {
        return server.config().get("appendfilename");
    }

    Path dir() {
        return Path.of(server.config().dir).resolve(server.config().get("appenddirname"));
    }

    Path workDir() {
        return Path.of(server.config().dir);
    }

    Path file(String name) {
        return dir().resolve(name);
    }

    String fsyncPolicy() {
        return policy;
    }

    private void settingsChanged() {
        policy = server.config().get("appendfsync");
        timestamps = bool("aof-timestamp-enabled");
    }

    boolean loadTruncated() {
        return bool("aof-load-truncated");
    }

    boolean rdbPreamble() {
        return bool("aof-use-rdb-preamble");
    }

    Log log() {
        return server.log();
    }

    ServerContext server() {
        return server;
    }

    long pid() {
        return pid;
    }

    // ------------------------------------------------------------------ the sink and the buffer

    /** The AOF's place on the propagation path: each command appended to the buffer. */
    private final class Sink extends SelectingSink {
        Sink() {
            super(PropagationSink.AOF);
        }

        @Override
        protected void write(byte[][] argv) {
            feed(argv);
        }
    }

    private void feed(byte[][] argv) {
        // as Redis: while waiting for the first rewrite, commands are kept only once it runs
        if (state == State.OFF || (state == State.WAIT_REWRITE && rewrite == null)) {
            return;
        }
        if (timestamps) {
            long now = server.now() / 1000;
            if (curTimestamp < now) {
                curTimestamp = now;
                buf.timestamp(now);
            }
        }
        buf.command(argv);
        barrier.fed();
        if (!flushScheduled) {
            flushScheduled = true;
            server.lock().beforeRelease(flushTask);
        }
    }

    private void addSink() {
        if (!sinkAdded) {
            sink.reselect();
            server.dispatcher().propagator().addSink(sink);
            sinkAdded = true;
        }
    }

    private void removeSink() {
        if (sinkAdded) {
            server.dispatcher().propagator().removeSink(sink);
            sinkAdded = false;
        }
    }

    /** The next command is preceded by SELECT (a new file). */
    void reselect() {
        sink.reselect();
    }

    long nowSeconds() {
        return System.currentTimeMillis() / 1000;
    }

    /**
     * Redis's flushAppendOnlyFile: writes the buffer to the file and fsyncs per the policy.
     * {@code force} writes even while an everysec fsync is still running, and with always fsyncs
     * here, under the lock, everything written so far (the file may be switched or closed next).
     * Without {@code force}, always writes only when no group is in flight and leaves the fsync
     * to the group commit.
     */
    void flush(boolean force) {
        if (fd == null) {
            return;
        }
        long now = nowSeconds();
        boolean everysec = "everysec".equals(fsyncPolicy());
        boolean always = "always".equals(fsyncPolicy());
        boolean grouped = always && !force && !stopping;
        if (grouped && group.inFlight()) {
            return; // these commands join the next group, written when the fsync in flight ends
        }
        if (!force && !stopping && buf.length() > 0 && group.closeAtPassEnd()) {
            return; // on an event loop: one write at the end of its pass takes in all that the pass runs
        }
        boolean syncInProgress = false;
        if (buf.length() == 0) {
            // everysec also fsyncs what an earlier write left unsynced once the second has passed
            if (everysec && fsyncOffset != currentSize && now > lastFsyncSec && pendingFsync.get() == 0) {
                fsyncPerPolicy(now, false, false, true);
            }
            if (!always) {
                barrier.reached(); // the policy changed from always: nothing is promised any more
            } else if (force && !barrier.passed(barrier.position())) {
                syncNow(); // a group's fsync is in flight: its file is complete before it changes
            }
            return;
        }
        if (everysec) {
            syncInProgress = pendingFsync.get() != 0;
            if (syncInProgress && !force) {
                if (flushPostponedStart == 0 || now - flushPostponedStart < 2) {
                    if (flushPostponedStart == 0) {
                        flushPostponedStart = now;
                    }
                    barrier.reached(); // everysec promises nothing about replies (the policy was always before)
                    return;
                }
                delayedFsync++;
                log().notice("Asynchronous AOF fsync is taking too long (disk is busy?). Writing the AOF buffer "
                        + "without waiting for fsync to complete, this may slow down Redis.");
            }
        }
        long sleep = flushSleepMicros;
        if (sleep > 0) {
            sleepUninterruptibly(sleep);
        }
        int len = buf.length();
        int written = 0;
        IOException error = null;
        ByteBuffer bb = buf.view();
        try {
            while (bb.hasRemaining()) {
                written += fd.write(bb);
            }
        } catch (IOException e) {
            error = e;
        }
        flushPostponedStart = 0;
        if (written != len) {
            boolean canLog = now - lastWriteErrorLog > WRITE_ERROR_LOG_RATE;
            if (canLog) {
                lastWriteErrorLog = now;
            }
            String why = error == null ? "No space left on device" : reason(error);
            if (written == 0) {
                if (canLog) {
                    log().warning("Error writing to the AOF file: " + why);
                }
            } else {
                if (canLog) {
                    log().warning("Short write while writing to the AOF file: (nwritten=" + written + ", expected="
                            + len + ")");
                }
                try {
                    fd.truncate(lastIncrSize);
                    written = 0; // nothing partial is left in the file
                } catch (IOException e) {
                    if (canLog) {
                        log().warning("Could not remove short write from the append-only file.  Redis may refuse to "
                                + "load the AOF the next time it starts.  ftruncate: " + reason(e));
                    }
                }
                why = "No space left on device";
            }
            lastWriteError = why;
            if (always) {
                log().warning("Can't recover from AOF write error when the AOF fsync policy is 'always'. Exiting...");
                fatal("the AOF could not be written with appendfsync always");
                return;
            }
            lastWriteOk = false;
            if (written > 0) {
                currentSize += written;
                lastIncrSize += written;
                buf.consume(written);
            }
            barrier.reached(); // as Redis's: the replies go; writes from now on get MISCONF until a retry succeeds
            return;
        }
        if (!lastWriteOk) {
            log().warning("AOF write error looks solved, Redis can write again.");
            lastWriteOk = true;
        }
        currentSize += written;
        lastIncrSize += written;
        buf.clear();
        if (grouped && !fsyncSkippedOnRewrite()) {
            fsyncOffset = currentSize;
            lastFsyncSec = now;
            group.start(fd);
            return;
        }
        if (fsyncPerPolicy(now, always, everysec, syncInProgress)) {
            barrier.reached();
        }
    }

    /**
     * Under the lock: the end of an event loop's pass, or (always) of a group's fsync: the buffer
     * is written (with always, what joined meanwhile goes as the next group).
     */
    void groupEnded() {
        if (state != State.OFF && buf.length() > 0) {
            flush(false);
        }
    }

    /** Under the lock: fsyncs what was written, now; with always its replies go (a failure stops the server). */
    void syncNow() {
        if (fd != null && fsyncPerPolicy(nowSeconds(), true, false, false)) {
            barrier.reached();
        }
    }

    private boolean fsyncSkippedOnRewrite() {
        return bool("no-appendfsync-on-rewrite") && (rewrite != null || Persistence.of(server).childActive());
    }

    /** Replies waiting for the AOF go without it (the buffer was dropped with nothing promised). */
    void releaseReplies() {
        barrier.reached();
    }

    /** DEBUG AOF-FLUSH-SLEEP: later writes of a non-empty buffer first wait {@code micros} (0: not). */
    public void debugFlushSleep(long micros) {
        flushSleepMicros = Math.max(0, micros);
    }

    private static void sleepUninterruptibly(long micros) {
        long end = System.nanoTime() + micros * 1000;
        boolean interrupted = false;
        for (long left; (left = end - System.nanoTime()) > 0; ) {
            try {
                java.util.concurrent.TimeUnit.NANOSECONDS.sleep(left);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** False when an fsync that always needs failed (the server is stopping). */
    private boolean fsyncPerPolicy(long now, boolean always, boolean everysec, boolean syncInProgress) {
        if (fsyncSkippedOnRewrite()) {
            return true; // the user's choice: replies go once written, as Redis's
        }
        if (always || stopping) {
            try {
                fd.force(false);
            } catch (IOException e) {
                if (stopping && !always) {
                    log().warning("Fail to fsync the AOF file: " + reason(e));
                    return true;
                }
                log().warning("Can't persist AOF for fsync error when the AOF fsync policy is 'always': " + reason(e)
                        + ". Exiting...");
                fatal("the AOF could not be fsynced with appendfsync always");
                return false;
            }
            fsyncOffset = currentSize;
            lastFsyncSec = now;
        } else if ((everysec || "everysec".equals(fsyncPolicy())) && now > lastFsyncSec) {
            if (!syncInProgress) {
                backgroundFsync(fd, false);
                fsyncOffset = currentSize;
            }
            lastFsyncSec = now;
        }
        return true;
    }

    /** Under the lock: the AOF cannot keep its promise; the server stops (nothing waiting is sent). */
    void fatal(String what) {
        state = State.OFF; // nothing more is acknowledged through this file
        removeSink();
        Crash.of(server).threadDied(what, null);
    }

    /** Queues an fsync of a file on the bio thread (and closes it afterwards when it was replaced). */
    void backgroundFsync(FileChannel ch, boolean close) {
        pendingFsync.incrementAndGet();
        try {
            bio.execute(() -> {
                try {
                    ch.force(false);
                    bioFsyncOk = true;
                } catch (IOException e) {
                    if (ch.isOpen()) {
                        bioFsyncOk = false;
                        bioFsyncError = reason(e);
                        log().warning("Fail to fsync the AOF file: " + reason(e));
                    }
                } finally {
                    pendingFsync.decrementAndGet();
                    if (close) {
                        closeQuietly(ch);
                    }
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            pendingFsync.decrementAndGet();
        }
    }

    static void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException e) {
            // nothing to do: the data was flushed before
        }
    }

    // ------------------------------------------------------------------ the gate's refusal

    /**
     * Redis's writeCommandsDeniedByDiskError for the AOF: while the last write (or background
     * fsync) failed, the MISCONF text naming the error; null otherwise.
     */
    public String writeError() {
        if (state == State.OFF) {
            return null;
        }
        if (!lastWriteOk) {
            return Errors.MISCONF_AOF + lastWriteError;
        }
        if (!bioFsyncOk) {
            return Errors.MISCONF_AOF + bioFsyncError;
        }
        return null;
    }

    // ------------------------------------------------------------------ the manifest on disk

    /**
     * Writes a manifest (temp file, fsync, rename, fsync of the directory), as Redis's
     * writeAofManifestFile: on failure the previous manifest file is untouched.
     */
    boolean persistManifest(AofManifest m) {
        String name = prefix() + ".manifest";
        String tempName = TEMP_PREFIX + name;
        Path temp = file(tempName);
        try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer b = ByteBuffer.wrap(m.format().getBytes(StandardCharsets.UTF_8));
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(true);
        } catch (IOException e) {
            log().warning("Can't open the AOF manifest file " + tempName + ": " + reason(e));
            return false;
        }
        try {
            Files.move(temp, file(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            log().warning("Error trying to rename the temporary AOF manifest file " + tempName + " into " + name + ": "
                    + reason(e));
            return false;
        }
        fsyncDir(dir());
        return true;
    }

    static void fsyncDir(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // some file systems cannot open a directory for fsync; the rename is still atomic
        }
    }

    /**
     * Reads the manifest from the AOF directory (Redis's aofLoadManifestFromDisk): none when the
     * directory or the file does not exist.
     *
     * @throws Fatal after logging Redis's lines for an unreadable or invalid manifest
     */
    AofManifest readManifest() {
        Path f = file(prefix() + ".manifest");
        if (!Files.isDirectory(dir()) || !Files.exists(f)) {
            return new AofManifest();
        }
        byte[] data;
        try {
            data = Files.readAllBytes(f);
        } catch (IOException e) {
            String msg = "Fatal error: can't open the AOF manifest file " + f + " for reading: " + reason(e);
            log().warning(msg);
            throw new Fatal(msg);
        }
        try {
            return AofManifest.parse(data);
        } catch (AofManifest.FormatError e) {
            log().warning("\n*** FATAL AOF MANIFEST FILE ERROR ***\n");
            if (e.text != null) {
                log().warning("Reading the manifest file, at line " + e.line + "\n");
                log().warning(">>> '" + e.text + "'\n");
            }
            log().warning(e.getMessage() + "\n");
            throw new Fatal(e.getMessage());
        }
    }

    /** A start-up the AOF cannot allow: the reason is logged in Redis's words; the server must exit with 1. */
    public static final class Fatal extends RuntimeException {
        Fatal(String message) {
            super(message, null, false, false);
        }
    }

    /** Deletes the history files (unless aof-disable-auto-gc) and writes the manifest without them. */
    void deleteHistoryFiles() {
        if (bool("aof-disable-auto-gc") || manifest.history.isEmpty()) {
            return;
        }
        AofManifest m = manifest.copy();
        for (AofManifest.Info h : m.history) {
            log().notice("Removing the history file " + h.name() + " in the background");
            Path p = file(h.name());
            bio.execute(() -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // Redis's background unlink does not report either
                }
            });
        }
        m.history.clear();
        if (persistManifest(m)) {
            manifest = m;
        }
    }

    static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return 0;
        }
    }

    // ------------------------------------------------------------------ start-up

    /**
     * Start-up with appendonly yes (Redis's loadDataFromDisk, AOF branch, then
     * aofOpenIfNeededOnServerStart): upgrades an old single-file AOF, replays the base and
     * incremental files (clients get LOADING meanwhile), then opens the last incremental file for
     * appending, creating a base first when there was no AOF. With appendonly no, only reads the
     * manifest (a later CONFIG SET appendonly yes continues its numbering). Returns true when the
     * AOF was the source of the dataset (the RDB file must then not be loaded).
     *
     * @throws Fatal when the AOF cannot be loaded or opened (logged as Redis does)
     */
    public boolean loadAtStartup() {
        manifest = readManifest();
        if (!enabledInConfig()) {
            return false;
        }
        long start = System.nanoTime();
        AofLoader.Result r = new AofLoading(this).loadAll(true);
        if (r == AofLoader.Result.FAILED || r == AofLoader.Result.OPEN_ERR) {
            throw new Fatal("AOF loading failed");
        }
        if (r != AofLoader.Result.NOT_EXIST) {
            log().notice(String.format(Locale.ROOT, "DB loaded from append only file: %.3f seconds",
                    (System.nanoTime() - start) / 1e9));
        }
        server.lock().lock();
        try {
            openOnStart();
        } finally {
            server.lock().unlock();
        }
        return true;
    }

    private void openOnStart() {
        try {
            Files.createDirectories(dir());
        } catch (IOException e) {
            String msg = "Can't open or create append-only dir " + server.config().get("appenddirname") + ": "
                    + reason(e);
            log().warning(msg);
            throw new Fatal(msg);
        }
        boolean hadIncr = !manifest.incr.isEmpty();
        if (manifest.isEmpty()) {
            String base = manifest.newBase(prefix(), rdbPreamble());
            if (!AofRewrite.writeBaseNow(this, file(base))) {
                throw new Fatal("Can't create the AOF base file");
            }
            log().notice("Creating AOF base file " + base + " on server start");
        }
        String name = manifest.lastIncr(prefix());
        try {
            fd = FileChannel.open(file(name), StandardOpenOption.WRITE, StandardOpenOption.APPEND,
                    StandardOpenOption.CREATE);
        } catch (IOException e) {
            String msg = "Can't open the append-only file " + name + ": " + reason(e);
            log().warning(msg);
            throw new Fatal(msg);
        }
        if (!persistManifest(manifest)) {
            throw new Fatal("Can't persist the AOF manifest");
        }
        lastIncrSize = size(file(name));
        state = State.ON;
        lastFsyncSec = nowSeconds();
        addSink();
        log().notice((hadIncr ? "Opening" : "Creating") + " AOF incr file " + name + " on server start");
    }

    /**
     * DEBUG LOADAOF (under the lock): the buffer written, the dataset emptied and loaded again from
     * the manifest's files, history files deleted. False (logged) when the files cannot be loaded.
     */
    public boolean debugLoadAof() {
        if (state == State.ON) {
            flush(true);
        }
        server.keyspace().flushAll();
        Persistence.of(server).flushFunctions();
        try {
            manifest = readManifest();
        } catch (Fatal e) {
            return false;
        }
        deleteHistoryFiles();
        AofLoader.Result r = new AofLoading(this).loadAll(false);
        if (r != AofLoader.Result.OK && r != AofLoader.Result.EMPTY && r != AofLoader.Result.NOT_EXIST
                && r != AofLoader.Result.TRUNCATED) {
            return false;
        }
        server.dirty = 0;
        log().warning("Append Only File loaded by DEBUG LOADAOF");
        return true;
    }

    // ------------------------------------------------------------------ CONFIG SET appendonly

    private void appendonlyChanged(boolean on) throws ConfigException {
        if (on && state == State.OFF) {
            if (!startAppendOnly()) {
                throw new ConfigException("Unable to turn on AOF. Check server logs.");
            }
        } else if (!on && state != State.OFF) {
            stopAppendOnly();
        }
    }

    /** Redis's startAppendOnly: WAIT_REWRITE, and a rewrite now (or scheduled while a BGSAVE or EXEC runs). */
    boolean startAppendOnly() {
        state = State.WAIT_REWRITE;
        addSink();
        if (Persistence.of(server).childActive()) {
            rewriteScheduled = true;
            log().warning("AOF was enabled but there is already another background operation. An AOF background was "
                    + "scheduled to start when possible.");
        } else if (server.dispatcher().executionDepth() > 1) {
            rewriteScheduled = true;
            log().warning("AOF was enabled during a transaction. An AOF background was scheduled to start when possible.");
        } else if (!AofRewrite.start(this)) {
            state = State.OFF;
            removeSink();
            log().warning("Redis needs to enable the AOF but can't trigger a background AOF rewrite operation. Check "
                    + "the above logs for more info about the error.");
            return false;
        }
        lastFsyncSec = nowSeconds();
        if (!bioFsyncOk) {
            log().warning("AOF reopen, just ignore the AOF fsync error in bio job");
            bioFsyncOk = true;
        }
        if (!lastWriteOk) {
            log().warning("AOF reopen, just ignore the last error.");
            lastWriteOk = true;
        }
        return true;
    }

    /** Redis's stopAppendOnly: flush, fsync, close; a running rewrite is abandoned. */
    void stopAppendOnly() {
        flush(true);
        if (fd != null) {
            try {
                fd.force(false);
                fsyncOffset = currentSize;
                lastFsyncSec = nowSeconds();
            } catch (IOException e) {
                log().warning("Fail to fsync the AOF file: " + reason(e));
            }
            closeQuietly(fd);
            fd = null;
        }
        removeSink();
        state = State.OFF;
        barrier.reached(); // appendonly no: nothing more is promised
        rewriteScheduled = false;
        lastIncrSize = 0;
        AofRewrite r = rewrite;
        if (r != null) {
            log().notice("Killing running AOF rewrite child: " + pid);
            r.abort();
        }
        buf.clear();
    }

    /**
     * CONFIG SET appendfsync: leaving always ends its promise at once, so replies waiting for a
     * group in flight go now (its fsync still ends normally; a failure of it is then only logged).
     */
    private void fsyncPolicyChanged() {
        settingsChanged();
        if (!"always".equals(fsyncPolicy())) {
            barrier.reached();
        }
    }

    // ------------------------------------------------------------------ cron, shutdown

    private void cron(long nowMillis) {
        if (rewrite == null && rewriteScheduled && !Persistence.of(server).childActive()) {
            AofRewrite.start(this);
        }
        if (state == State.ON && rewrite == null && !Persistence.of(server).childActive()) {
            autoRewrite();
        }
        if (state != State.OFF) {
            // postponed everysec writes, retries after a write error, everysec fsync of old writes
            flush(false);
        }
    }

    private void autoRewrite() {
        long perc = Long.parseLong(server.config().get("auto-aof-rewrite-percentage"));
        long min = Long.parseLong(server.config().get("auto-aof-rewrite-min-size"));
        if (perc == 0 || currentSize <= min) {
            return;
        }
        long base = baseSize == 0 ? 1 : baseSize;
        long growth = currentSize * 100 / base - 100;
        if (growth >= perc && !rewriteLimited()) {
            log().notice("Starting automatic rewriting of AOF on " + growth + "% growth");
            AofRewrite.start(this);
        }
    }

    /** Redis's aofRewriteLimited: after 3 failures in a row, automatic rewrites wait 1, 2, 4... 60 minutes. */
    private boolean rewriteLimited() {
        if (consecutiveFailures < 3) {
            nextDelayMinutes = 0;
            nextRewriteTime = 0;
            return false;
        }
        long now = nowSeconds();
        if (nextRewriteTime != 0) {
            if (now < nextRewriteTime) {
                return true;
            }
            nextRewriteTime = 0;
            return false;
        }
        nextDelayMinutes = nextDelayMinutes == 0 ? 1 : Math.min(60, nextDelayMinutes * 2);
        nextRewriteTime = now + nextDelayMinutes * 60L;
        log().warning("Background AOF rewrite has repeatedly failed and triggered the limit, will retry in "
                + nextDelayMinutes + " minutes");
        return true;
    }

    /** What BGREWRITEAOF did. */
    public enum Bgrewrite { IN_PROGRESS, SCHEDULED, STARTED, FAILED }

    /** BGREWRITEAOF (under the lock): scheduled while a BGSAVE runs or inside EXEC, as Redis. */
    public Bgrewrite bgrewriteaof(boolean inExec) {
        if (rewrite != null) {
            return Bgrewrite.IN_PROGRESS;
        }
        if (inExec || Persistence.of(server).childActive()) {
            rewriteScheduled = true;
            consecutiveFailures = 0;
            return Bgrewrite.SCHEDULED;
        }
        return AofRewrite.start(this) ? Bgrewrite.STARTED : Bgrewrite.FAILED;
    }

    /** BGREWRITEAOF and a manual trigger reset the failure count, as Redis. */
    void resetFailures() {
        consecutiveFailures = 0;
    }

    /**
     * SHUTDOWN and SIGTERM: a running rewrite is stopped, the buffer written and the file fsynced
     * ("Calling fsync() on the AOF file."); commands that still run until the listeners close are
     * written and fsynced batch by batch.
     */
    public void shutdown() {
        server.lock().lock();
        try {
            if (state == State.OFF && fd == null) {
                return;
            }
            AofRewrite r = rewrite;
            if (r != null) {
                log().warning("There is a child rewriting the AOF. Killing it!");
                r.abort();
            }
            stopping = true;
            log().notice("Calling fsync() on the AOF file.");
            flush(true);
            if (fd != null) {
                try {
                    fd.force(false);
                } catch (IOException e) {
                    log().warning("Fail to fsync the AOF file: " + reason(e));
                }
            }
        } finally {
            server.lock().unlock();
        }
    }

    // ------------------------------------------------------------------ INFO

    public boolean enabled() {
        return state != State.OFF;
    }

    public boolean rewriteInProgress() {
        return rewrite != null;
    }

    /** The aof_* fields of INFO persistence, in Redis 7.0's order (those shown only when AOF is on included). */
    public Map<String, Object> info() {
        Map<String, Object> m = new LinkedHashMap<>();
        AofRewrite r = rewrite;
        m.put("aof_enabled", state != State.OFF ? 1 : 0);
        m.put("aof_rewrite_in_progress", r != null ? 1 : 0);
        m.put("aof_rewrite_scheduled", rewriteScheduled ? 1 : 0);
        m.put("aof_last_rewrite_time_sec", lastRewriteSeconds);
        m.put("aof_current_rewrite_time_sec", r == null ? -1 : (System.currentTimeMillis() - r.startMillis()) / 1000);
        m.put("aof_last_bgrewrite_status", lastBgrewriteOk ? "ok" : "err");
        m.put("aof_rewrites", rewrites);
        m.put("aof_rewrites_consecutive_failures", consecutiveFailures);
        m.put("aof_last_write_status", lastWriteOk && bioFsyncOk ? "ok" : "err");
        m.put("aof_last_cow_size", 0);
        return m;
    }

    /** The fields Redis adds when the AOF is on (after module_fork_*). */
    public Map<String, Object> infoWhenOn() {
        Map<String, Object> m = new LinkedHashMap<>();
        if (state == State.OFF) {
            return m;
        }
        m.put("aof_current_size", currentSize);
        m.put("aof_base_size", baseSize);
        m.put("aof_pending_rewrite", rewriteScheduled ? 1 : 0);
        m.put("aof_buffer_length", buf.length());
        m.put("aof_pending_bio_fsync", pendingFsync.get());
        m.put("aof_delayed_fsync", delayedFsync);
        return m;
    }

    /**
     * Microseconds the last rewrite's start held the execution lock to take its snapshot (the
     * counterpart of Redis's fork time, INFO stats latest_fork_usec), 0 before the first.
     */
    public long lastSnapshotMicros() {
        return Persistence.of(server).lastStartMicros();
    }

    /** Bytes waiting in the AOF buffer (INFO memory's mem_aof_buffer). */
    public long bufferLength() {
        return buf.length();
    }

    static String reason(Throwable e) {
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        if (e instanceof NoSuchFileException) {
            return "No such file or directory";
        }
        if (e instanceof AccessDeniedException) {
            return "Permission denied";
        }
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m;
    }
}
