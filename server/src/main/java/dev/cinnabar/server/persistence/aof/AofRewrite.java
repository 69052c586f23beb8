package dev.cinnabar.server.persistence.aof;

import dev.cinnabar.server.persistence.Persistence;
import dev.cinnabar.server.persistence.Snapshot;
import dev.cinnabar.server.persistence.rdb.Crc64;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * BGREWRITEAOF without fork (Redis's rewriteAppendOnlyFileBackground and
 * backgroundRewriteDoneHandler). Under the execution lock, at one point in time: the buffer is
 * written, commands from now on go to a new incremental file (named in the manifest at once when
 * the AOF is on; a temporary one while CONFIG SET appendonly yes waits for its first rewrite), and
 * a {@link Snapshot} of the dataset starts whose target is {@code temp-rewriteaof-bg-<pid>-<n>.aof} in
 * dir, in the base's form ({@link AofBase}: an RDB image with aof-use-rdb-preamble, else commands).
 * The snapshot serialises lazily (writers keep running; a bucket a writer touches first is written
 * as it was at the point), fsyncing every 4 MB with aof-rewrite-incremental-fsync. Back under the
 * lock the temp file becomes {@code <appendfilename>.<seq>.base.rdb|aof}, the old base and the
 * incremental files it replaces become history, and the manifest is replaced atomically (temp
 * file, fsync, rename). History files are then deleted unless aof-disable-auto-gc.
 *
 * <p>Consistency: base + the new incremental file = the dataset, because the switch of file and
 * the snapshot's point happen in the same hold of the lock. Only one snapshot runs at a time (a
 * BGSAVE or a diskless sync makes the rewrite wait: scheduled, as Redis with one child).
 */
final class AofRewrite implements Snapshot.Target {
    private final Aof aof;
    private final long startMillis = System.currentTimeMillis();
    private final Path temp;
    private final boolean preamble;
    private final boolean checksum;
    private final boolean incrementalFsync;
    private FileChannel channel;
    private OutputStream out;
    private IOException openFailure;
    private long crc;
    private long sinceSync;
    private volatile boolean aborted;
    private Snapshot snapshot;

    private static final java.util.concurrent.atomic.AtomicLong TEMP_IDS = new java.util.concurrent.atomic.AtomicLong();

    private AofRewrite(Aof aof) {
        this.aof = aof;
        // one name per rewrite, as Redis's carries its child's pid: an aborted rewrite whose walk ends
        // later deletes its own file, never the next rewrite's (they shared one name before)
        this.temp = aof.workDir().resolve("temp-rewriteaof-bg-" + aof.pid() + "-" + TEMP_IDS.incrementAndGet() + ".aof");
        this.preamble = aof.rdbPreamble();
        this.checksum = aof.server().config().rdbchecksum;
        this.incrementalFsync = "yes".equals(aof.server().config().get("aof-rewrite-incremental-fsync"));
        try {
            channel = FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.CREATE,
                    StandardOpenOption.TRUNCATE_EXISTING);
            out = new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16);
        } catch (IOException e) {
            openFailure = e;
        }
    }

    long startMillis() {
        return startMillis;
    }

    /** Starts a rewrite (under the lock); false, logged, when it cannot. */
    static boolean start(Aof aof) {
        Persistence persistence = Persistence.of(aof.server());
        if (aof.rewrite != null || persistence.childActive()) {
            return false;
        }
        try {
            Files.createDirectories(aof.dir());
        } catch (IOException e) {
            aof.log().warning("Can't open or create append-only dir " + aof.dir().getFileName() + ": " + Aof.reason(e));
            aof.lastBgrewriteOk = false;
            return false;
        }
        aof.reselect();
        aof.flush(true);
        if (!openNewIncr(aof)) {
            aof.lastBgrewriteOk = false;
            return false;
        }
        aof.rewrites++;
        AofRewrite r = new AofRewrite(aof);
        aof.rewrite = r;
        aof.rewriteScheduled = false;
        r.snapshot = persistence.startSnapshot(Snapshot.Kind.AOF_REWRITE, AofBase.header(aof), AofBase.format(aof), r);
        aof.log().notice("Background append only file rewriting started by pid " + aof.pid());
        return true;
    }

    /**
     * Redis's openNewIncrAofForAppend: with the AOF on, a new incremental file named in a copy of
     * the manifest, written to disk before anything switches; while waiting for the first rewrite,
     * the temporary incremental file. The old file is fsynced and closed in the background.
     */
    private static boolean openNewIncr(Aof aof) {
        if (aof.state == Aof.State.OFF) {
            return true;
        }
        AofManifest m = null;
        String name;
        if (aof.state == Aof.State.WAIT_REWRITE) {
            name = tempIncrName(aof);
        } else {
            m = aof.manifest.copy();
            name = m.newIncr(aof.prefix());
        }
        FileChannel ch;
        try {
            ch = FileChannel.open(aof.file(name), StandardOpenOption.WRITE, StandardOpenOption.CREATE,
                    StandardOpenOption.TRUNCATE_EXISTING);
        } catch (IOException e) {
            aof.log().warning("Can't open the append-only file " + name + ": " + Aof.reason(e));
            return false;
        }
        if (m != null && !aof.persistManifest(m)) {
            Aof.closeQuietly(ch);
            return false;
        }
        aof.log().notice("Creating AOF incr file " + name + " on background rewrite");
        if (aof.fd != null) {
            aof.backgroundFsync(aof.fd, true);
        }
        aof.fd = ch;
        aof.lastIncrSize = 0;
        if (m != null) {
            aof.manifest = m;
        }
        return true;
    }

    static String tempIncrName(Aof aof) {
        return Aof.TEMP_PREFIX + aof.prefix() + ".incr";
    }

    // ------------------------------------------------------------------ the snapshot's target

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (openFailure != null) {
            throw openFailure;
        }
        if (preamble) {
            crc = Crc64.update(crc, b, off, len);
        }
        out.write(b, off, len);
        sinceSync += len;
        if (incrementalFsync && sinceSync >= 4 << 20) {
            // as Redis's 4 MB autosync: no huge burst of dirty pages at the end
            out.flush();
            channel.force(false);
            sinceSync = 0;
        }
    }

    @Override
    public void finish() throws IOException {
        if (openFailure != null) {
            throw openFailure;
        }
        if (preamble) {
            out.write(Snapshot.rdbTrailer(crc, checksum));
        }
        out.flush();
        channel.force(true);
        out.close();
        aof.log().notice("Successfully created the temporary AOF base file " + temp.getFileName());
    }

    @Override
    public void ended(boolean ok, boolean snapshotAborted) {
        if (aborted || aof.rewrite != this) {
            return;
        }
        if (snapshotAborted) {
            aof.rewrite = null;
            return;
        }
        done(ok);
    }

    @Override
    public void discard() {
        if (out != null) {
            try {
                out.close();
            } catch (IOException e) {
                // deleting is what matters
            }
        }
        deleteQuietly(temp);
    }

    /** Redis's backgroundRewriteDoneHandler, under the lock. */
    private void done(boolean ok) {
        try {
            if (!ok) {
                aof.log().warning("Background AOF rewrite terminated with error");
                failed();
                return;
            }
            aof.log().notice("Background AOF rewrite terminated with success");
            AofManifest m = aof.manifest.copy();
            String base = m.newBase(aof.prefix(), aof.rdbPreamble());
            Path basePath = aof.file(base);
            try {
                Files.move(temp, basePath, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                aof.log().warning("Error trying to rename the temporary AOF base file " + temp.getFileName() + " into "
                        + base + ": " + Aof.reason(e));
                deleteQuietly(temp);
                failed();
                return;
            }
            aof.log().notice("Successfully renamed the temporary AOF base file " + temp.getFileName() + " into " + base);
            Path newIncr = null;
            if (aof.state == Aof.State.WAIT_REWRITE) {
                String tempIncr = tempIncrName(aof);
                String incr = m.newIncr(aof.prefix());
                newIncr = aof.file(incr);
                try {
                    Files.move(aof.file(tempIncr), newIncr, StandardCopyOption.ATOMIC_MOVE);
                } catch (IOException e) {
                    aof.log().warning("Error trying to rename the temporary AOF incr file " + aof.file(tempIncr) + " into "
                            + newIncr + ": " + Aof.reason(e));
                    deleteQuietly(basePath);
                    failed();
                    return;
                }
                aof.log().notice("Successfully renamed the temporary AOF incr file " + tempIncr + " into " + incr);
            }
            m.markRewrittenIncrAsHistory(aof.fd != null);
            if (!aof.persistManifest(m)) {
                deleteQuietly(basePath);
                if (newIncr != null) {
                    deleteQuietly(newIncr);
                }
                failed();
                return;
            }
            aof.manifest = m;
            if (aof.fd != null) {
                aof.reselect();
                aof.currentSize = Aof.size(basePath) + aof.lastIncrSize;
                aof.baseSize = aof.currentSize;
            }
            aof.deleteHistoryFiles();
            aof.log().notice("Background AOF rewrite finished successfully");
            if (aof.state == Aof.State.WAIT_REWRITE) {
                aof.state = Aof.State.ON;
            }
            aof.lastBgrewriteOk = true;
            aof.consecutiveFailures = 0;
        } finally {
            aof.rewrite = null;
            aof.lastRewriteSeconds = (System.currentTimeMillis() - startMillis) / 1000;
        }
    }

    private void failed() {
        aof.lastBgrewriteOk = false;
        aof.consecutiveFailures++;
        if (aof.state == Aof.State.WAIT_REWRITE) {
            // the temporary incremental file is dropped and the rewrite tried again, as Redis
            String tempIncr = tempIncrName(aof);
            aof.log().notice("Removing the temp incr aof file " + tempIncr + " in the background");
            if (aof.fd != null) {
                Aof.closeQuietly(aof.fd);
                aof.fd = null;
            }
            deleteQuietly(aof.file(tempIncr));
            aof.buf.clear();
            aof.releaseReplies(); // what was dropped was never promised (AOF not on yet): its replies go
            aof.rewriteScheduled = true;
        }
    }

    /** Stops the rewrite (CONFIG SET appendonly no, SHUTDOWN); its files are removed. Under the lock. */
    void abort() {
        aborted = true;
        aof.rewrite = null;
        if (snapshot != null) {
            snapshot.abort();
        }
        if (aof.state == Aof.State.WAIT_REWRITE || aof.state == Aof.State.OFF) {
            deleteQuietly(aof.file(tempIncrName(aof)));
        }
    }

    static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            // a leftover temp file is harmless: the next rewrite truncates it
        }
    }

    /**
     * Redis's rewriteAppendOnlyFile, synchronously: the base of a new AOF at start-up (empty
     * dataset), through {@code temp-rewriteaof-<pid>.aof}.
     */
    static boolean writeBaseNow(Aof aof, Path target) {
        Path temp = aof.workDir().resolve("temp-rewriteaof-" + aof.pid() + ".aof");
        try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer b = ByteBuffer.wrap(AofBase.serialise(aof));
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(true);
        } catch (IOException e) {
            aof.log().warning("Write error writing append only file on disk: " + Aof.reason(e));
            deleteQuietly(temp);
            return false;
        }
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return true;
        } catch (IOException e) {
            aof.log().warning("Error moving temp append only file on the final destination: " + Aof.reason(e));
            deleteQuietly(temp);
            return false;
        }
    }
}
