package dev.cinnabar.server.persistence;

import dev.cinnabar.server.ServerContext;
import dev.cinnabar.server.ServerCron;
import dev.cinnabar.server.command.CommandFlag;
import dev.cinnabar.server.command.CommandSpec;
import dev.cinnabar.server.command.Dispatcher;
import dev.cinnabar.server.config.SaveParam;
import dev.cinnabar.server.config.ServerConfig;
import dev.cinnabar.server.persistence.rdb.RdbBuffer;
import dev.cinnabar.server.persistence.rdb.RdbFile;
import dev.cinnabar.server.persistence.rdb.RdbValues;
import dev.cinnabar.server.protocol.Errors;
import dev.cinnabar.server.scripting.FunctionRegistry;
import dev.cinnabar.server.scripting.ScriptException;
import dev.cinnabar.server.scripting.ScriptsUsed;
import dev.cinnabar.server.session.Client;
import dev.cinnabar.server.store.Db;
import dev.cinnabar.server.store.Keyspace;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.locks.LockSupport;

/**
 * RDB persistence of one server, as Redis 7.0 does it: SAVE (synchronous, under the execution
 * lock), BGSAVE (a forkless {@link Snapshot} on its own thread), the save points checked by the
 * cron, the final save of SHUTDOWN and SIGTERM, FLUSHALL's save, DEBUG RELOAD through the file,
 * and loading dir/dbfilename at start-up while clients get LOADING errors. It also owns two gate
 * stages: LOADING (refuses commands without the loading flag while the dataset loads) and
 * WRITES_REFUSED (MISCONF while the last background save failed, save points exist and
 * stop-writes-on-bgsave-error is on).
 *
 * <p>State is read and changed under the execution lock, except the loading figures, which the
 * start-up loader thread publishes through volatile fields while it parses without the lock.
 */
public final class Persistence {
    /** Seconds a failed background save waits before a save point may try again (Redis's 5). */
    static final int BGSAVE_RETRY_DELAY = 5;

    private final ServerContext server;
    /** The AOF's state, looked up on first use (features cannot be created inside each other). */
    private dev.cinnabar.server.persistence.aof.Aof aof;
    private final long pid = ProcessHandle.current().pid();

    /** Unix time (s) of the last successful save; the start time until one happens. */
    private volatile long lastSave;
    private volatile boolean lastBgsaveOk = true;
    private volatile long lastBgsaveTry;
    private volatile long lastBgsaveSeconds = -1;
    private volatile long saves;
    private volatile long lastCowBytes;
    /** The snapshot running (a BGSAVE, a diskless sync or an AOF rewrite), or null. */
    private volatile Snapshot running;
    /** BGSAVE SCHEDULE waits for the running AOF rewrite (Redis's rdb_bgsave_scheduled). */
    private volatile boolean bgsaveScheduled;

    private volatile boolean loading;
    private volatile long loadingStartMillis;
    private volatile long loadingTotalBytes;
    private volatile long loadingLoadedBytes;
    /** DEBUG SET-SKIP-CHECKSUM-VALIDATION: RESTORE payloads and loaded files are not checksummed. */
    public volatile boolean skipChecksumValidation;
    /** Keys of the file being loaded left out because their value had no element. */
    private long emptyKeysSkipped;
    private volatile long loadingRdbUsedMem;
    private volatile long lastLoadKeysLoaded;
    private volatile long lastLoadKeysExpired;

    private Persistence(ServerContext server) {
        this.server = server;
        this.lastSave = server.startMillis() / 1000;
    }

    /** The persistence state of a server (created on first use). */
    public static Persistence of(ServerContext s) {
        return s.feature(Persistence.class, () -> new Persistence(s));
    }

    /** Installs the gate stages, the save-point cron task and the stop of a running BGSAVE at shutdown. */
    public static void install(ServerContext ctx, ServerCron cron) {
        Persistence p = of(ctx);
        ctx.dispatcher().install(Dispatcher.Stage.LOADING, p::loadingCheck);
        CommandSpec ping = ctx.commands().spec("ping");
        ctx.dispatcher().install(Dispatcher.Stage.WRITES_REFUSED, (c, cmd) -> p.writesRefused(c, cmd, ping));
        cron.add(p::cron);
        ctx.addShutdownListener(() -> {
            Snapshot s = p.running;
            if (s != null) {
                s.abortAsync();
            }
        });
    }

    private String loadingCheck(Client c, CommandSpec cmd) {
        return loading && !cmd.has(CommandFlag.LOADING) ? Errors.LOADING : null;
    }

    /** Redis's writeCommandsDeniedByDiskError for RDB: write commands and PING get MISCONF. */
    private String writesRefused(Client c, CommandSpec cmd, CommandSpec ping) {
        // the RDB's error first, else the AOF's (a failed write or fsync: persistence.aof)
        String error = !lastBgsaveOk && config().stopWritesOnBgsaveError && !config().save.isEmpty() ? Errors.MISCONF
                : aof().writeError();
        if (error == null) {
            return null;
        }
        if (dev.cinnabar.server.session.ClientFlags.mustObey(c.flags) && (cmd == ping || cmd.has(CommandFlag.WRITE))) {
            return obeyDespiteDiskError(cmd, ping);
        }
        if (cmd == ping || cmd.has(CommandFlag.WRITE)) {
            return error;
        }
        // a script that declared it writes counts as a write command (shebang flags, as Redis)
        Dispatcher.ScriptDeclarations sd = server.dispatcher().scriptDeclarations;
        if (cmd.runsScript() && sd != null && c.argc() > 1 && sd.declared(c, cmd) == Dispatcher.Declared.WRITES) {
            return error;
        }
        return null;
    }

    private long lastObeyWarning;

    /**
     * A write from our master (or the AOF) while the disk refuses writes: Redis never refuses it.
     * With replica-ignore-disk-write-errors no (the default) a write is a panic, since the replica
     * can no longer persist what it applies; with yes (and for PING) it is applied, with a warning
     * at most every 10 seconds.
     */
    private String obeyDespiteDiskError(CommandSpec cmd, CommandSpec ping) {
        if (cmd != ping && !"yes".equals(config().get("replica-ignore-disk-write-errors"))) {
            dev.cinnabar.server.Crash.of(server).panic("Replica was unable to write command to disk.");
            return Errors.MISCONF; // not applied: the server is stopping
        }
        long now = server.now();
        if (now > lastObeyWarning + 10_000) {
            lastObeyWarning = now;
            server.log().warning("Replica is applying a command even though it is unable to write to disk.");
        }
        return null;
    }

    private dev.cinnabar.server.persistence.aof.Aof aof() {
        if (aof == null) {
            aof = dev.cinnabar.server.persistence.aof.Aof.of(server);
        }
        return aof;
    }

    ServerConfig config() {
        return server.config();
    }

    ServerContext server() {
        return server;
    }

    Path file() {
        return Path.of(config().dir).resolve(config().dbfilename);
    }

    /** SAVE's (and the shutdown save's) temp file, temp-<pid>.rdb in dir, as Redis names it. */
    private Path saveTempFile() {
        return Path.of(config().dir).resolve("temp-" + pid + ".rdb");
    }

    /**
     * Removes a save's temp file (Redis's rdbRemoveTempFile, which a second SIGINT calls before
     * exiting in the middle of the shutdown save); any thread.
     */
    public void removeSaveTempFile() {
        try {
            Files.deleteIfExists(saveTempFile());
        } catch (IOException e) {
            // exiting anyway
        }
    }

    // ------------------------------------------------------------------ state for INFO and LASTSAVE

    public long lastSave() {
        return lastSave;
    }

    /** An RDB snapshot runs (BGSAVE or a diskless sync; Redis's rdb_child_pid). */
    public boolean bgsaveInProgress() {
        Snapshot s = running;
        return s != null && s.kind() != Snapshot.Kind.AOF_REWRITE;
    }

    /** The running snapshot, or null. */
    public Snapshot running() {
        return running;
    }

    public boolean lastBgsaveOk() {
        return lastBgsaveOk;
    }

    public long lastBgsaveSeconds() {
        return lastBgsaveSeconds;
    }

    /** Seconds the running BGSAVE has taken so far, or -1. */
    public long currentBgsaveSeconds() {
        Snapshot s = running;
        return s == null || s.kind() == Snapshot.Kind.AOF_REWRITE ? -1 : (System.currentTimeMillis() - s.startMillis()) / 1000;
    }

    public long saves() {
        return saves;
    }

    /** Keys the running snapshot has serialised so far and its total (0 and 0 when none runs). */
    public long[] currentSaveKeys() {
        Snapshot s = running;
        return s == null ? new long[] {0, 0} : new long[] {s.keysProcessed(), s.keysTotal()};
    }

    /**
     * Bytes the running snapshot serialised ahead of its walk because writers touched buckets it
     * had not reached (our counterpart of fork's copy-on-write; 0 when none runs), and that figure
     * for the last finished snapshot.
     */
    public long[] cow() {
        Snapshot s = running;
        return new long[] {s == null ? 0 : s.aheadBytes(), lastCowBytes};
    }

    /** Most bytes the running snapshot held waiting for the file so far (0 when none runs). */
    public long currentBufferPeak() {
        Snapshot s = running;
        return s == null ? 0 : s.peakPending();
    }

    public boolean loading() {
        return loading;
    }

    public long[] loadingFigures() {
        return new long[] {loadingStartMillis / 1000, loadingTotalBytes, loadingRdbUsedMem, loadingLoadedBytes};
    }

    public long lastLoadKeysLoaded() {
        return lastLoadKeysLoaded;
    }

    public long lastLoadKeysExpired() {
        return lastLoadKeysExpired;
    }

    // ------------------------------------------------------------------ SAVE

    /** rdb-save-incremental-fsync: fsync the file every 4 MB written (Redis's REDIS_AUTOSYNC_BYTES) rather than only at the end. */
    private long incrementalFsync() {
        return "yes".equals(config().get("rdb-save-incremental-fsync")) ? RdbSink.AUTOSYNC_BYTES : 0;
    }

    /**
     * SAVE's save, counted in rdb_saves: Redis counts SAVE and BGSAVE there, not the saves of
     * FLUSHALL, SHUTDOWN or DEBUG RELOAD.
     */
    public boolean saveCommand() {
        if (!save()) {
            return false;
        }
        saves++;
        return true;
    }

    /**
     * Writes the dataset to dir/dbfilename now (Redis's rdbSave), under the execution lock: temp
     * file, fsync, rename. Resets the change counter and LASTSAVE on success; false (logged,
     * nothing on disk changed) on failure.
     */
    public boolean save() {
        Path temp = saveTempFile();
        RdbSink sink;
        try {
            sink = RdbSink.create(temp, incrementalFsync());
        } catch (IOException e) {
            server.log().warning("Failed opening the temp RDB file " + temp.getFileName() + " (in server root dir "
                    + config().dir + ") for saving: " + reason(e));
            return false;
        }
        try {
            writeDataset(sink);
            sink.finish(config().rdbchecksum);
            sink.commit(file());
        } catch (IOException | RuntimeException e) {
            sink.discard();
            server.log().warning("Write error saving DB on disk: " + reason(e));
            return false;
        }
        server.log().notice("DB saved on disk");
        server.dirty = 0;
        lastSave = System.currentTimeMillis() / 1000;
        lastBgsaveOk = true;
        return true;
    }

    private void writeDataset(RdbSink sink) throws IOException {
        Keyspace ks = server.keyspace();
        boolean lru = lruPolicy();
        RdbBuffer buf = new RdbBuffer(config().rdbcompression);
        buf.writeBytes(rdbHeader());
        int delay = config().rdbKeySaveDelay;
        for (int i = 0; i < ks.count(); i++) {
            Db db = ks.db(i);
            if (db.size() == 0) {
                continue;
            }
            RdbFile.writeSelectDb(buf, i, db.size(), db.expiresSize());
            IOException[] failed = {null};
            db.dict().forEach(e -> {
                if (failed[0] != null) {
                    return;
                }
                RdbFile.writeKey(buf, ks, db, e, lru);
                if (buf.size() >= 1 << 16) {
                    try {
                        sink.write(buf.array(), 0, buf.size());
                    } catch (IOException x) {
                        failed[0] = x;
                    }
                    buf.reset();
                }
                if (delay != 0) {
                    delay(delay);
                }
            });
            if (failed[0] != null) {
                throw failed[0];
            }
        }
        sink.write(buf.array(), 0, buf.size());
    }

    boolean lruPolicy() {
        return config().maxmemoryPolicy.contains("lru");
    }

    static long usedMemory() {
        Runtime rt = Runtime.getRuntime();
        return rt.totalMemory() - rt.freeMemory();
    }

    /** Redis's debugDelay: microseconds, or nanoseconds when negative. */
    static void delay(int usec) {
        LockSupport.parkNanos(usec > 0 ? usec * 1000L : -(long) usec);
    }

    static String reason(Throwable e) {
        if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        if (e instanceof NoSuchFileException) {
            return "No such file or directory";
        }
        if (e instanceof AccessDeniedException) {
            return "Permission denied";
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    // ------------------------------------------------------------------ BGSAVE

    /** What BGSAVE [SCHEDULE] did. */
    public enum Bgsave {
        STARTED,
        /** Another snapshot (an AOF rewrite) runs or EXEC is running: it starts once possible. */
        SCHEDULED,
        /** A BGSAVE (or a diskless sync) runs. */
        IN_PROGRESS,
        /** An AOF rewrite runs and SCHEDULE was not given. */
        CHILD_ACTIVE
    }

    /** BGSAVE (the disk-based full sync's too): null when started, else the error to reply. */
    public String bgsave() {
        Bgsave b = bgsave(false);
        return b == Bgsave.STARTED ? null : b == Bgsave.IN_PROGRESS ? Errors.BGSAVE_IN_PROGRESS : Errors.CHILD_ACTIVE_BGSAVE;
    }

    /**
     * BGSAVE [SCHEDULE] as Redis 7.0's bgsaveCommand: refused while an RDB snapshot runs; while an
     * AOF rewrite runs (or inside EXEC), scheduled when asked, else refused.
     */
    public Bgsave bgsave(boolean schedule) {
        Snapshot s = running;
        if (s != null && s.kind() != Snapshot.Kind.AOF_REWRITE) {
            return Bgsave.IN_PROGRESS;
        }
        if (s != null || server.dispatcher().executionDepth() > 1) {
            if (schedule || s == null) {
                bgsaveScheduled = true;
                return Bgsave.SCHEDULED;
            }
            return Bgsave.CHILD_ACTIVE;
        }
        startBgsave();
        return Bgsave.STARTED;
    }

    private void startBgsave() {
        lastBgsaveTry = System.currentTimeMillis() / 1000;
        bgsaveScheduled = false;
        FileTarget t = new FileTarget(server.dirty);
        Snapshot s = startSnapshot(Snapshot.Kind.BGSAVE, rdbHeader(), Snapshot.rdbFormat(lruPolicy()), t);
        t.snapshot = s;
        server.log().notice("Background saving started");
    }

    /**
     * Starts a snapshot of the dataset (under the lock) unless one runs (Redis's one child at a
     * time): null then. The target gets header first, then every key in format.
     */
    public Snapshot startSnapshot(Snapshot.Kind kind, byte[] header, Snapshot.Format format, Snapshot.Target target) {
        if (running != null) {
            return null;
        }
        Snapshot s = new Snapshot(this, kind, header, format, target);
        running = s;
        lastStartMicros = s.startMicros();
        s.start();
        return s;
    }

    private volatile long lastStartMicros;

    /** Microseconds the last snapshot's start held the lock (Redis's latest_fork_usec). */
    public long lastStartMicros() {
        return lastStartMicros;
    }

    /** A snapshot of any kind runs (Redis's hasActiveChildProcess). */
    public boolean childActive() {
        return running != null;
    }

    /** The replication state an RDB header records (repl-stream-db, repl-id, repl-offset). */
    public record ReplInfo(int streamDb, String replId, long offset) {
    }

    private volatile java.util.function.Supplier<ReplInfo> replInfo = () -> null;

    /** Replication tells what goes in the RDB header's aux fields (null: nothing, as Redis without a backlog). */
    public void replInfoSource(java.util.function.Supplier<ReplInfo> source) {
        replInfo = source;
    }

    /**
     * The header of an RDB file of this server now, with the replication aux fields when there are
     * some, and the function libraries.
     */
    public byte[] rdbHeader() {
        return rdbHeader(true);
    }

    /** As {@link #rdbHeader()}, with the function libraries or without (a replica's rdb-filter-only). */
    public byte[] rdbHeader(boolean functions) {
        RdbBuffer header = new RdbBuffer(config().rdbcompression);
        RdbFile.writeHeader(header, System.currentTimeMillis(), usedMemory());
        ReplInfo ri = replInfo.get();
        if (ri != null) {
            RdbFile.writeAux(header, "repl-stream-db", Integer.toString(ri.streamDb()));
            RdbFile.writeAux(header, "repl-id", ri.replId());
            RdbFile.writeAux(header, "repl-offset", Long.toString(ri.offset()));
        }
        // after the aux fields, as Redis's rdbSaveRio: the function libraries (FUNCTION2)
        if (functions) {
            RdbFile.writeFunctions(header, functionCodes());
        }
        return header.toByteArray();
    }

    /** BGSAVE's target: the temp file renamed over dir/dbfilename, then the stats and the listeners. */
    private final class FileTarget implements Snapshot.Target {
        private final long dirtyAtStart;
        private final Path temp;
        private RdbSink sink;
        private IOException openFailure;
        Snapshot snapshot;

        FileTarget(long dirtyAtStart) {
            this.dirtyAtStart = dirtyAtStart;
            // as Redis names the temp file after the saving child's pid, ours is named after a counter of saves
            this.temp = Path.of(config().dir).resolve("temp-" + pid + "-" + TEMP_IDS.incrementAndGet() + ".rdb");
            try {
                sink = RdbSink.create(temp, incrementalFsync());
            } catch (IOException e) {
                openFailure = e;
            }
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (openFailure != null) {
                throw openFailure;
            }
            sink.write(b, off, len);
        }

        @Override
        public void finish() throws IOException {
            if (openFailure != null) {
                server.log().warning("Failed opening the temp RDB file " + temp.getFileName() + " (in server root dir "
                        + config().dir + ") for saving: " + reason(openFailure));
                throw openFailure;
            }
            sink.finish(config().rdbchecksum);
        }

        @Override
        public boolean commit() {
            try {
                sink.commit(file());
            } catch (IOException e) {
                server.log().warning("Error moving temp DB file " + temp.getFileName() + " on the final destination "
                        + config().dbfilename + " (in server root dir " + config().dir + "): " + reason(e));
                return false;
            }
            server.log().notice("DB saved on disk");
            // our counterpart of Redis's "Fork CoW for RDB" line: what writes cost this snapshot
            server.log().notice(String.format(Locale.ROOT, "Snapshot buffer: peak %.2f MB, serialised ahead of the walk %.2f MB",
                    snapshot.peakPending() / 1048576.0, snapshot.aheadBytes() / 1048576.0));
            return true;
        }

        @Override
        public void ended(boolean ok, boolean aborted) {
            try {
                bgsaveDoneStats(snapshot, ok, aborted, dirtyAtStart);
            } finally {
                for (BgsaveListener l : bgsaveListeners) {
                    l.bgsaveEnded(ok, aborted, file());
                }
            }
        }

        @Override
        public void discard() {
            if (sink != null) {
                sink.discard();
            }
        }
    }

    private static final java.util.concurrent.atomic.AtomicLong TEMP_IDS = new java.util.concurrent.atomic.AtomicLong();

    /** Told when a background save ends (replication ships the file it wrote). */
    @FunctionalInterface
    public interface BgsaveListener {
        /**
         * Under the execution lock, right after the snapshot ended: ok when the file at
         * {@code file} now holds it (open it now: a later save may replace it), aborted when
         * FLUSHALL or SHUTDOWN stopped it.
         */
        void bgsaveEnded(boolean ok, boolean aborted, Path file);
    }

    private final List<BgsaveListener> bgsaveListeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    public void addBgsaveListener(BgsaveListener l) {
        bgsaveListeners.add(l);
    }

    private final List<Runnable> snapshotEndListeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** Told (under the lock) when a snapshot of any kind ended, so work waiting for one may start. */
    public void addSnapshotEndListener(Runnable l) {
        snapshotEndListeners.add(l);
    }

    /** Called by a snapshot under the execution lock when it ends (ok, failed or aborted). */
    void snapshotEnded(Snapshot s, boolean ok, boolean aborted) {
        if (running == s) {
            running = null;
        }
        if (s.kind() != Snapshot.Kind.AOF_REWRITE) {
            lastBgsaveSeconds = (System.currentTimeMillis() - s.startMillis()) / 1000;
            lastCowBytes = s.aheadBytes();
        }
        for (Runnable l : snapshotEndListeners) {
            l.run();
        }
    }

    private void bgsaveDoneStats(Snapshot s, boolean ok, boolean aborted, long dirtyAtStart) {
        if (aborted) {
            return;
        }
        if (ok) {
            server.log().notice("Background saving terminated with success");
            server.dirty = Math.max(0, server.dirty - dirtyAtStart);
            lastSave = System.currentTimeMillis() / 1000;
            lastBgsaveOk = true;
            saves++;
        } else {
            server.log().warning("Background saving error");
            lastBgsaveOk = false;
        }
    }

    /** Stops a running BGSAVE, deleting its temp file (FLUSHALL, SHUTDOWN). Under the lock. */
    public void abortBgsave() {
        Snapshot s = running;
        if (s != null && s.kind() == Snapshot.Kind.BGSAVE) {
            s.abort();
        }
    }

    /** The save points, checked once per cron tick with Redis's rules. */
    private void cron(long nowMillis) {
        List<SaveParam> points = config().save;
        if (running != null || loading) {
            return;
        }
        long now = System.currentTimeMillis() / 1000;
        if (bgsaveScheduled && (now - lastBgsaveTry > BGSAVE_RETRY_DELAY || lastBgsaveOk)) {
            startBgsave(); // BGSAVE SCHEDULE, or a BGSAVE refused during an AOF rewrite or EXEC
            return;
        }
        for (SaveParam sp : points) {
            if (server.dirty >= sp.changes() && now - lastSave > sp.seconds()
                    && (now - lastBgsaveTry > BGSAVE_RETRY_DELAY || lastBgsaveOk)) {
                server.log().notice(sp.changes() + " changes in " + sp.seconds() + " seconds. Saving...");
                startBgsave();
                return;
            }
        }
    }

    // ------------------------------------------------------------------ FLUSHALL, SHUTDOWN

    /** Before FLUSHALL empties the dataset: a running BGSAVE is stopped, as Redis kills its child. */
    public void beforeFlushAll() {
        abortBgsave();
    }

    /**
     * After FLUSHALL: with save points, the empty dataset is saved, and as any save it zeroes the
     * change counter (Redis 7.0: rdb_changes_since_last_save is 0 after it; FLUSHALL still reaches
     * the AOF and replicas by forced propagation).
     */
    public void afterFlushAll() {
        if (!config().save.isEmpty()) {
            save();
        }
    }

    /**
     * The final save of SHUTDOWN or a signal: stops a running BGSAVE, then saves when asked
     * (save) or when save points exist and nosave was not given; never while the dataset is still
     * loading. False when the save failed.
     */
    public boolean shutdownSave(boolean save, boolean nosave) {
        if (loading) {
            return true; // as Redis: a dataset still loading is never saved over the file it comes from
        }
        if (bgsaveInProgress()) {
            server.log().warning("There is a child saving an .rdb. Killing it!");
            running.abort();
        }
        if (save || (!nosave && !config().save.isEmpty())) {
            server.log().notice("Saving the final RDB snapshot before exiting.");
            if (!save()) {
                server.log().warning("Error trying to save the DB, can't exit.");
                return false;
            }
        }
        return true;
    }

    // ------------------------------------------------------------------ DEBUG RELOAD

    /**
     * DEBUG RELOAD: saves (unless nosave), empties the dataset (unless noflush) and loads the file
     * back (merge: loaded keys replace existing ones). Null on success, else the error to reply.
     */
    public String debugReload(boolean nosave, boolean flush, boolean merge) {
        if (!nosave && !save()) {
            return Errors.ERR;
        }
        byte[] data;
        try {
            data = Files.readAllBytes(file());
        } catch (IOException e) {
            server.log().warning("Error loading the RDB file " + file() + ": " + reason(e));
            return Errors.RELOAD_FAILED;
        }
        RdbFile.Parsed parsed;
        try {
            parsed = RdbFile.parse(data, server.keyspace().count(), RdbValues.Limits.of(config()),
                    config().rdbchecksum && !skipChecksumValidation, RdbFile.Progress.NONE);
        } catch (RdbFile.LoadError e) {
            server.log().warning(e.getMessage());
            return Errors.RELOAD_FAILED;
        }
        if (flush) {
            // as Redis's emptyData: the function libraries go with the keys, the file's replace them
            server.keyspace().flushAll();
            flushFunctions();
        }
        // NOFLUSH without MERGE keeps the libraries: one of the file's by the same name fails the load
        String failed = loadFunctions(parsed.functions(), merge);
        if (failed != null) {
            server.log().warning("Failed loading library, " + failed);
            return Errors.RELOAD_FAILED;
        }
        try {
            RdbFile.insert(parsed, server.keyspace(), server.now(), merge);
        } catch (IllegalArgumentException e) {
            server.log().warning("Error loading the RDB file: " + e.getMessage());
            return Errors.RELOAD_FAILED;
        }
        server.log().notice("DB reloaded by DEBUG RELOAD");
        return null;
    }

    /** The source code of every function library, as an RDB file holds them (FUNCTION2). */
    /**
     * Drops every function library, as Redis's emptyData does for a full sync, DEBUG RELOAD and
     * DEBUG LOADAOF before the file's libraries come in (FLUSHALL keeps them).
     */
    public void flushFunctions() {
        FunctionRegistry f = ScriptsUsed.any(server) ? FunctionRegistry.ifCreated(server) : null; // no LuaJ without scripts
        if (f != null) {
            f.flush();
        }
    }

    /** The source code of each function library, as RDB files and AOF bases carry them. */
    public java.util.List<String> functionCodes() {
        FunctionRegistry f = ScriptsUsed.any(server) ? FunctionRegistry.ifCreated(server) : null; // no LuaJ without scripts
        return f == null ? List.of() : f.libraries().stream().map(l -> l.code()).toList();
    }

    /**
     * Registers the libraries a file held (one of the same name is replaced, as DEBUG RELOAD of
     * the server's own file finds it); the error of the first that fails to load, else null.
     * Under the execution lock.
     */
    /** Creates the file's function libraries; with {@code replace} one of the same name is replaced. */
    public String loadFunctions(List<String> codes, boolean replace) {
        if (codes.isEmpty()) {
            return null;
        }
        FunctionRegistry f = FunctionRegistry.of(server);
        for (String code : codes) {
            try {
                f.load(code, replace);
            } catch (ScriptException e) {
                return e.getMessage();
            }
        }
        return null;
    }

    // ------------------------------------------------------------------ start-up load

    /** A start-up load that failed: the reason is logged in Redis's words; the server must exit with 1. */
    public static final class FatalLoadError extends RuntimeException {
        FatalLoadError(String message) {
            super(message, null, false, false);
        }
    }

    /** Keys per batch handed from the parsing thread to the inserting one. */
    private static final int LOAD_BATCH = 8192;
    /** Batches parsed ahead of the insertion at most (bounds the memory of parsed, not yet inserted, keys). */
    private static final int LOAD_AHEAD = 8;

    /**
     * Loads dir/dbfilename at start-up, if it exists, as Redis's loadDataFromDisk: the file is read,
     * then parsed on a thread of its own while this thread puts the keys parsed so far into the
     * keyspace, a batch at a time under the execution lock (clients get LOADING meanwhile and INFO
     * shows the progress), so parsing and inserting overlap and parsed keys do not pile up. As in
     * Redis, a file found corrupt part-way (or failing its checksum at the end) stops the server
     * with the keys read so far in memory, never served.
     *
     * @throws FatalLoadError after logging Redis's message, when the file cannot be read or is corrupt
     */
    public void loadAtStartup() {
        Path f = file();
        if (!Files.exists(f)) {
            return;
        }
        long start = System.nanoTime();
        loadingStartMillis = System.currentTimeMillis();
        loadingLoadedBytes = 0;
        loadingRdbUsedMem = 0;
        long readAt;
        ParallelLoad load;
        boolean read = false;
        try (java.io.InputStream in = Files.newInputStream(f)) {
            loadingTotalBytes = Files.size(f);
            loading = true; // reading the file is part of loading: clients get LOADING from now on
            readAt = System.nanoTime();
            load = new ParallelLoad(in, loadingTotalBytes);
            load.run();
            read = true;
        } catch (IOException e) {
            String msg = "Fatal error loading the DB: " + reason(e) + ". Exiting.";
            server.log().warning(msg);
            throw new FatalLoadError(msg);
        } finally {
            if (!read) {
                loading = false;
            }
        }
        lastLoadKeysLoaded = load.loaded;
        lastLoadKeysExpired = load.expired;
        if (load.parsed.checksumSkipped()) {
            server.log().warning("RDB file was saved with checksum disabled: no check performed.");
        }
        server.log().verbose(String.format(Locale.ROOT, "RDB opened in %.3f s, read and inserted in %.3f s "
                        + "(inserting %.3f s of it)", (readAt - start) / 1e9, (System.nanoTime() - readAt) / 1e9,
                load.insertNanos / 1e9));
        if (emptyKeysSkipped > 0) {
            server.log().warning("Done loading RDB, keys loaded: " + load.loaded + ", keys expired: " + load.expired
                    + ", empty keys skipped: " + emptyKeysSkipped + ".");
        } else {
            server.log().notice("Done loading RDB, keys loaded: " + load.loaded + ", keys expired: " + load.expired
                    + ".");
        }
        server.log().notice(String.format(Locale.ROOT, "DB loaded from disk: %.3f seconds",
                (System.nanoTime() - start) / 1e9));
        // only now do clients get past LOADING: whoever sees the data finds the load's lines in the
        // log, as with Redis, which serves no client before its start-up load has ended
        loading = false;
    }

    /**
     * One start-up load: a parsing thread hands batches of keys (and RESIZEDB hints, which size a
     * database's tables before its first key) through a bounded queue to the calling thread, which
     * inserts them. The end of the file, or the parser's failure, comes through the queue last.
     */
    private final class ParallelLoad implements RdbFile.Sink {
        private final java.io.InputStream in;
        private final long size;
        private final java.util.concurrent.BlockingQueue<Object> queue =
                new java.util.concurrent.ArrayBlockingQueue<>(LOAD_AHEAD);
        private volatile boolean cancelled;
        RdbFile.Parsed parsed;
        long loaded;
        long expired;
        long insertNanos;

        ParallelLoad(java.io.InputStream in, long size) {
            this.in = in;
            this.size = size;
        }

        private record Resize(int db, long size, long expires) {
        }

        private record End(RdbFile.Parsed parsed, RuntimeException failure, Error error) {
        }

        @Override
        public void resizeDb(int db, long size, long expires) {
            put(new Resize(db, size, expires));
        }

        @Override
        public void keys(List<RdbFile.Loaded> keys) {
            put(keys);
        }

        private void put(Object o) {
            try {
                while (!queue.offer(o, 100, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                    if (cancelled) {
                        throw new java.util.concurrent.CancellationException();
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.util.concurrent.CancellationException();
            }
        }

        private void parse() {
            End end;
            try {
                end = new End(RdbFile.parse(in, size, server.keyspace().count(), RdbValues.Limits.of(config()),
                        config().rdbchecksum && !skipChecksumValidation, new LoadProgress(), this, LOAD_BATCH),
                        null, null);
            } catch (java.util.concurrent.CancellationException e) {
                return; // the inserting side failed and stopped listening
            } catch (RuntimeException e) {
                end = new End(null, e, null);
            } catch (OutOfMemoryError e) {
                end = new End(null, null, e);
            }
            try {
                put(end);
            } catch (java.util.concurrent.CancellationException e) {
                // nobody listens any more
            }
        }

        @SuppressWarnings("unchecked")
        void run() {
            StartupLoadHooks hooks = loadHooks;
            boolean master = true;
            if (hooks != null) {
                server.lock().lock();
                try {
                    master = hooks.beforeKeys();
                } finally {
                    server.lock().unlock();
                }
            }
            Thread parser = new Thread(this::parse, "cinnabar-rdb-load");
            parser.setDaemon(true);
            parser.start();
            try {
                while (true) {
                    Object o;
                    try {
                        o = queue.take();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new FatalLoadError("Loading interrupted");
                    }
                    if (o instanceof End e) {
                        finish(e);
                        if (hooks != null) {
                            server.lock().lock();
                            try {
                                hooks.loaded(parsed.aux());
                            } finally {
                                server.lock().unlock();
                            }
                        }
                        return;
                    }
                    long t = System.nanoTime();
                    server.lock().lock();
                    try {
                        if (o instanceof Resize r) {
                            // a hint is trusted only as far as the file could hold that many keys
                            long cap = Math.min(size, 1 << 30);
                            server.keyspace().db(r.db()).presize((int) Math.min(r.size(), cap),
                                    (int) Math.min(r.expires(), cap));
                        } else {
                            // a master drops keys whose TTL passed (and tells its replicas); a replica keeps
                            // them for its master's DELs
                            long now = master ? System.currentTimeMillis() : Long.MIN_VALUE;
                            if (hooks != null && master) {
                                for (RdbFile.Loaded k : (List<RdbFile.Loaded>) o) {
                                    if (k.expire() != -1 && k.expire() < now) {
                                        hooks.expired(k.db(), k.key());
                                    }
                                }
                            }
                            RdbFile.Counts n = RdbFile.insert((List<RdbFile.Loaded>) o, server.keyspace(),
                                    now, false, false);
                            loaded += n.loaded();
                            expired += n.expired();
                        }
                    } catch (IllegalArgumentException e) {
                        server.log().warning(e.getMessage()); // a key twice in the file: the server stops
                        throw new FatalLoadError("Duplicated key found in RDB file");
                    } finally {
                        server.lock().unlock();
                    }
                    insertNanos += System.nanoTime() - t;
                }
            } finally {
                cancelled = true;
                queue.clear();
            }
        }

        private void finish(End e) {
            if (e.failure() instanceof RdbFile.LoadError le) {
                throw fatal(le);
            }
            if (e.failure() != null) {
                String msg = "Fatal error loading the DB: " + reason(e.failure()) + ". Exiting.";
                server.log().warning(msg);
                throw new FatalLoadError(msg);
            }
            if (e.error() != null) {
                String msg = "Short read or OOM loading DB. Unrecoverable error, aborting now.";
                server.log().warning(msg);
                throw new FatalLoadError(msg);
            }
            parsed = e.parsed();
            server.lock().lock();
            try {
                String failed = loadFunctions(parsed.functions(), true);
                if (failed != null) {
                    String msg = "Failed loading library, " + failed;
                    server.log().warning(msg);
                    throw new FatalLoadError(msg);
                }
            } finally {
                server.lock().unlock();
            }
        }
    }

    /** Replication's part in the start-up load of the RDB file (Redis's loadDataFromDisk). */
    public interface StartupLoadHooks {
        /** Under the lock, before the first key goes in: true on a master (expired keys are dropped and told). */
        boolean beforeKeys();

        /** Under the lock: a key of the file a master drops because its TTL passed. */
        void expired(int db, byte[] key);

        /** Under the lock, after the last key: the file's aux fields (repl-id, repl-offset, repl-stream-db...). */
        void loaded(java.util.Map<String, String> aux);
    }

    private volatile StartupLoadHooks loadHooks;

    public void startupLoadHooks(StartupLoadHooks hooks) {
        loadHooks = hooks;
    }

    /**
     * Logs why an RDB file failed to load as Redis does before it exits (the loader's lines, then
     * redis-check-rdb's report on the file): a replica's corrupt sync file in disk mode.
     */
    public void reportLoadFailure(RdbFile.LoadError e) {
        fatal(e);
    }

    private FatalLoadError fatal(RdbFile.LoadError e) {
        String msg = switch (e.kind) {
            case SIGNATURE, VERSION -> {
                server.log().warning(e.getMessage());
                yield "Fatal error loading the DB: Invalid argument. Exiting.";
            }
            case TRUNCATED -> {
                server.log().warning("Short read or OOM loading DB. Unrecoverable error, aborting now.");
                yield "Internal error in RDB reading offset " + e.offset + " -> " + e.getMessage();
            }
            case CHECKSUM -> {
                server.log().warning(e.getMessage());
                yield "Internal error in RDB reading offset " + e.offset + " -> RDB CRC error";
            }
            case CORRUPT -> "Internal error in RDB reading offset " + e.offset + " -> " + e.getMessage();
        };
        server.log().warning(msg);
        if (e.kind != RdbFile.LoadError.Kind.SIGNATURE && e.kind != RdbFile.LoadError.Kind.VERSION) {
            // as Redis, which runs redis-check-rdb on the file at this point and exits: its report,
            // from what this load read (the same bytes, so the same offsets): the file, its aux
            // fields and database switches, where reading stopped and what it was reading
            RdbFile.Where w = e.where;
            if (w != null) {
                server.log().raw("[offset 0] Checking RDB file " + config().get("dbfilename"));
                w.lines.forEach(server.log()::raw);
            }
            server.log().raw("--- RDB ERROR DETECTED ---");
            server.log().raw("[offset " + e.offset + "] " + (e.kind == RdbFile.LoadError.Kind.CHECKSUM
                    ? "RDB CRC error" : e.getMessage()));
            if (w != null) {
                server.log().raw("[additional info] While doing: " + w.doing);
                if (w.key != null) {
                    server.log().raw("[additional info] Reading key '"
                            + new String(w.key, java.nio.charset.StandardCharsets.ISO_8859_1) + "'");
                }
                if (w.type >= 0) {
                    server.log().raw("[additional info] Reading type " + w.type + " (" + RdbValues.typeName(w.type)
                            + ")");
                }
                // redis-check-rdb counts a key once its name is read
                long keys = w.keys + ("read-object-value".equals(w.doing) ? 1 : 0);
                server.log().raw("[info] " + keys + " keys read");
                server.log().raw("[info] " + w.expires + " expires");
                server.log().raw("[info] " + w.alreadyExpired + " already expired");
            } else {
                server.log().warning("Terminating server after rdb file reading failure.");
            }
        }
        return new FatalLoadError(msg);
    }

    /** Publishes the loader's position, logs the aux fields as Redis does, applies key-load-delay. */
    private final class LoadProgress implements RdbFile.Progress {
        LoadProgress() {
            emptyKeysSkipped = 0;
        }

        @Override
        public void emptyKeySkipped(byte[] key) {
            // as Redis: the first ten are named
            if (emptyKeysSkipped++ < 10) {
                server.log().warning("rdbLoadObject skipping empty key: "
                        + new String(key, java.nio.charset.StandardCharsets.ISO_8859_1));
            }
        }

        @Override
        public long now() {
            return server.clock().millis();
        }

        @Override
        public void keyRead(long offset) {
            loadingLoadedBytes = offset;
            int d = config().keyLoadDelay;
            if (d != 0) {
                delay(d);
            }
        }

        @Override
        public void aux(String key, String value) {
            logRdbAux(key, value);
        }
    }

    /**
     * Logs an RDB aux field as Redis does while loading (version, age, memory when created);
     * the replica's full sync logs them too.
     */
    public void logRdbAux(String key, String value) {
        switch (key) {
            case "redis-ver" -> server.log().notice("Loading RDB produced by version " + value);
            case "ctime" -> {
                try {
                    long age = System.currentTimeMillis() / 1000 - Long.parseLong(value);
                    server.log().notice("RDB age " + Math.max(0, age) + " seconds");
                } catch (NumberFormatException e) {
                    // Redis logs nothing for an unreadable ctime either
                }
            }
            case "used-mem" -> {
                try {
                    long mem = Long.parseLong(value);
                    loadingRdbUsedMem = mem;
                    server.log().notice(String.format(Locale.ROOT, "RDB memory usage when created %.2f Mb",
                            mem / 1024.0 / 1024.0));
                } catch (NumberFormatException e) {
                    // as above
                }
            }
            default -> {
            }
        }
    }

    // ------------------------------------------------------------------ loading by another source

    /**
     * Another loader (the AOF, persistence.aof) starts reading totalBytes: clients get LOADING and
     * INFO shows the progress, as for an RDB file.
     */
    public void beginLoading(long totalBytes) {
        beginLoading(totalBytes, false);
    }

    /**
     * As {@link #beginLoading(long)}; async (a replica's async load, replication.Replication.Load):
     * only the progress figures, clients are served meanwhile.
     */
    public void beginLoading(long totalBytes, boolean async) {
        loadingStartMillis = System.currentTimeMillis();
        loadingTotalBytes = totalBytes;
        loadingLoadedBytes = 0;
        loadingRdbUsedMem = 0;
        loading = !async;
    }

    /** The used-mem the file being loaded declares (INFO's estimate when its size is unknown). */
    public void loadingRdbUsedMem(long bytes) {
        loadingRdbUsedMem = bytes;
    }

    /** Bytes the other loader has read so far. */
    public void loadingProgress(long loadedBytes) {
        loadingLoadedBytes = loadedBytes;
    }

    public void endLoading() {
        loading = false;
    }
}
