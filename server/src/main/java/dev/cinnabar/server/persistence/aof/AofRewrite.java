package dev.cinnabar.server.persistence.aof;

import dev.cinnabar.server.ServerContext;
import dev.cinnabar.server.persistence.rdb.Crc64;
import dev.cinnabar.server.persistence.rdb.RdbBuffer;
import dev.cinnabar.server.persistence.rdb.RdbFile;
import dev.cinnabar.server.store.Db;
import dev.cinnabar.server.store.Keyspace;
import java.io.IOException;
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
 * the dataset is serialised as the new base's content ({@link AofBase}: an RDB image with
 * aof-use-rdb-preamble, else commands). A thread writes that content to
 * {@code temp-rewriteaof-bg-<pid>.aof} in dir and fsyncs it without the lock; back under the lock
 * the temp file becomes {@code <appendfilename>.<seq>.base.rdb|aof}, the old base and the
 * incremental files it replaces become history, and the manifest is replaced atomically (temp
 * file, fsync, rename). History files are then deleted unless aof-disable-auto-gc.
 *
 * <p>Consistency: base + the new incremental file = the dataset, because the switch of file and
 * the serialisation happen in the same hold of the lock. Cost: the serialisation runs under the
 * lock (clients wait for it, as they wait for fork on a large Redis), and the image is held in
 * memory until written (about the size of an RDB file of the dataset). The forkless snapshot of
 * BGSAVE (persistence.Snapshot, which serialises buckets lazily behind a write barrier) would
 * remove both costs; it is bound to BGSAVE's RDB file today.
 */
final class AofRewrite {
    private final Aof aof;
    private final long startMillis = System.currentTimeMillis();
    private final Path temp;
    private final byte[] content;
    private volatile boolean aborted;
    private Thread thread;

    private AofRewrite(Aof aof, byte[] content) {
        this.aof = aof;
        this.content = content;
        this.temp = aof.workDir().resolve("temp-rewriteaof-bg-" + aof.pid() + ".aof");
    }

    long startMillis() {
        return startMillis;
    }

    /** Starts a rewrite (under the lock); false, logged, when it cannot. */
    static boolean start(Aof aof) {
        if (aof.rewrite != null) {
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
        long t0 = System.nanoTime();
        byte[] content = AofBase.serialise(aof);
        aof.lastSnapshotMicros = (System.nanoTime() - t0) / 1000;
        AofRewrite r = new AofRewrite(aof, content);
        aof.rewrite = r;
        aof.rewriteScheduled = false;
        aof.log().notice("Background append only file rewriting started by pid " + aof.pid());
        r.thread = new Thread(r::run, "cinnabar-aof-rewrite");
        r.thread.setDaemon(true);
        r.thread.start();
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

    /** The rewrite's thread: the temp file written and fsynced, then the switch under the lock. */
    private void run() {
        boolean ok = writeFile(temp, content);
        if (ok && !aborted) {
            aof.log().notice("Successfully created the temporary AOF base file " + temp.getFileName());
        }
        ServerContext server = aof.server();
        server.lock().lock();
        try {
            if (aborted || aof.rewrite != this) {
                deleteQuietly(temp);
                return;
            }
            done(ok);
        } finally {
            server.lock().unlock();
        }
    }

    private boolean writeFile(Path p, byte[] data) {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer b = ByteBuffer.wrap(data);
            int chunk = 4 << 20;
            boolean incremental = "yes".equals(aof.server().config().get("aof-rewrite-incremental-fsync"));
            while (b.hasRemaining() && !aborted) {
                int lim = Math.min(b.limit(), b.position() + chunk);
                ByteBuffer slice = b.duplicate();
                slice.limit(lim);
                while (slice.hasRemaining()) {
                    ch.write(slice);
                }
                b.position(lim);
                if (incremental) {
                    ch.force(false); // as Redis's 4 MB autosync: no huge burst of dirty pages at the end
                }
            }
            ch.force(true);
            return !aborted;
        } catch (IOException e) {
            aof.log().warning("Write error writing append only file on disk: " + Aof.reason(e));
            deleteQuietly(p);
            return false;
        }
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
            aof.rewriteScheduled = true;
        }
    }

    /** Stops the rewrite (CONFIG SET appendonly no, SHUTDOWN); its files are removed. Under the lock. */
    void abort() {
        aborted = true;
        aof.rewrite = null;
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
        AofRewrite r = new AofRewrite(aof, new byte[0]);
        if (!r.writeFile(temp, AofBase.serialise(aof))) {
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

    /** The RDB image of a base (aof-use-rdb-preamble yes): the whole dataset as BGSAVE would write it. */
    static byte[] rdbImage(ServerContext server) {
        Keyspace ks = server.keyspace();
        boolean lru = server.config().maxmemoryPolicy.contains("lru");
        RdbBuffer out = new RdbBuffer(server.config().rdbcompression);
        Runtime rt = Runtime.getRuntime();
        RdbFile.writeHeader(out, System.currentTimeMillis(), rt.totalMemory() - rt.freeMemory());
        for (int i = 0; i < ks.count(); i++) {
            Db db = ks.db(i);
            if (db.size() == 0) {
                continue;
            }
            RdbFile.writeSelectDb(out, i, db.size(), db.expiresSize());
            db.dict().forEach(e -> RdbFile.writeKey(out, ks, db, e, lru));
        }
        out.write(RdbFile.eofOpcode());
        long crc = server.config().rdbchecksum ? Crc64.of(out.array(), 0, out.size()) : 0;
        for (int i = 0; i < 8; i++) {
            out.write((int) (crc >>> (8 * i)));
        }
        return out.toByteArray();
    }
}
