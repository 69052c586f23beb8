package dev.cinnabar.server.persistence;

import dev.cinnabar.server.ServerContext;
import dev.cinnabar.server.persistence.rdb.RdbBuffer;
import dev.cinnabar.server.persistence.rdb.RdbFile;
import dev.cinnabar.server.store.Db;
import dev.cinnabar.server.store.Dict;
import dev.cinnabar.server.store.Keyspace;
import dev.cinnabar.server.store.WriteBarrier;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;

/**
 * BGSAVE without fork: a point-in-time RDB image written while writers keep running.
 *
 * <p>At the start (under the execution lock) each non-empty database's main dict finishes any
 * rehash and stops resizing, so its buckets keep their identity; the snapshot records each
 * table's length and installs itself as the keyspace's {@link WriteBarrier}. Its thread then walks
 * the buckets in index order, a slice at a time under the execution lock (about a thousand keys),
 * and writes the serialised slice to the temp file with the lock released. A bucket is serialised
 * exactly once, in one of two ways: by the walk when it reaches it, or, when a writer is about to
 * touch a key (add, delete, new value, in-place change, expiry) in a bucket the walk has not reached,
 * by that writer first, under the lock it already holds (Dragonfly's versioned buckets; here a
 * per-snapshot bitmap of buckets done ahead of the walk replaces per-bucket epochs). Either way the
 * bucket is written as it was when the snapshot started. A flush, SWAPDB, or a table that must grow
 * past load factor 5 first serialises the rest of that database.
 *
 * <p>Serialised bytes wait in a queue in order; the file gets them in that order, each chunk headed
 * by SELECTDB when its database differs from the previous chunk's (RDB loaders accept SELECTDB
 * anywhere). The queue is bounded: a writer that finds more than {@link #PENDING_LIMIT} bytes
 * waiting writes them to the file itself before going on, so the memory cost of a snapshot is that
 * buffer, not a copy of the dataset. The file is written as by SAVE (temp file, fsync, rename under
 * the lock so an aborted snapshot can never replace a newer file).
 */
final class Snapshot implements WriteBarrier {
    /** Most bytes waiting for the file before writers write them out themselves. */
    static final long PENDING_LIMIT = 8L << 20;
    /** Keys serialised per slice of the walk (one bucket per slice with rdb-key-save-delay). */
    private static final int SLICE_KEYS = 1024;

    /** Progress of the walk over one database's main table. */
    private static final class DbState {
        final int length;
        final long size;
        final long expires;
        int cursor;
        long[] aheadDone;
        boolean complete;
        boolean announced;

        DbState(int length, long size, long expires) {
            this.length = length;
            this.size = size;
            this.expires = expires;
            this.aheadDone = new long[(length + 63) >>> 6];
        }

        boolean done(int bucket) {
            return bucket < cursor || (aheadDone[bucket >>> 6] & (1L << bucket)) != 0;
        }

        void markAhead(int bucket) {
            aheadDone[bucket >>> 6] |= 1L << bucket;
        }
    }

    private final Persistence persistence;
    private final ServerContext server;
    private final Keyspace ks;
    private final long dirtyAtStart;
    private final long startMillis = System.currentTimeMillis();
    private final boolean lru;
    private final boolean checksum;
    private final int keyDelay;
    private final DbState[] states;
    private final long keysTotal;
    private final Thread thread;
    private final Path temp;
    private RdbSink sink;
    private IOException openFailure;

    // under the execution lock
    private final RdbBuffer walkBuf;
    private final RdbBuffer aheadBuf;
    private int lastDb = -1;
    private int walkDb;
    private boolean walkDone;
    private volatile long keysProcessed;
    private volatile long aheadBytes;

    // the queue of serialised chunks, guarded by itself; the file, guarded by fileLock
    private final ArrayDeque<byte[]> pending = new ArrayDeque<>();
    private long pendingBytes;
    private volatile long peakPending;
    private final Object fileLock = new Object();

    private volatile boolean aborted;
    private volatile IOException writerFailure;

    /** Prepares the snapshot; called under the execution lock, which makes this the snapshot's point in time. */
    Snapshot(Persistence persistence, long dirtyAtStart) {
        this.persistence = persistence;
        this.server = persistence.server();
        this.ks = server.keyspace();
        this.dirtyAtStart = dirtyAtStart;
        this.lru = persistence.lruPolicy();
        this.checksum = persistence.config().rdbchecksum;
        this.keyDelay = persistence.config().rdbKeySaveDelay;
        boolean compress = persistence.config().rdbcompression;
        this.walkBuf = new RdbBuffer(compress);
        this.aheadBuf = new RdbBuffer(compress);
        this.states = new DbState[ks.count()];
        long total = 0;
        for (int i = 0; i < ks.count(); i++) {
            Db db = ks.db(i);
            if (db.size() == 0) {
                continue;
            }
            Dict d = db.dict();
            d.finishRehash();
            d.resizeAllowed(false);
            states[i] = new DbState(d.tableLength(), db.size(), db.expiresSize());
            total += db.size();
        }
        this.keysTotal = total;
        this.thread = new Thread(this::run, "cinnabar-bgsave");
        thread.setDaemon(true);
        // as Redis names the temp file after the saving child's pid, ours is named after the saving thread
        this.temp = Path.of(persistence.config().dir).resolve("temp-" + thread.getId() + ".rdb");
        try {
            sink = RdbSink.create(temp);
        } catch (IOException e) {
            openFailure = e;
        }
        RdbBuffer header = new RdbBuffer(compress);
        RdbFile.writeHeader(header, startMillis, Persistence.usedMemory());
        pending.add(header.toByteArray());
        pendingBytes = header.size();
        ks.barrier(this);
    }

    void start() {
        thread.start();
    }

    long startMillis() {
        return startMillis;
    }

    long keysTotal() {
        return keysTotal;
    }

    long keysProcessed() {
        return keysProcessed;
    }

    long aheadBytes() {
        return aheadBytes;
    }

    long peakPending() {
        return peakPending;
    }

    // ------------------------------------------------------------------ the barrier (writers, under the lock)

    @Override
    public void beforeWrite(Db db, byte[] key) {
        DbState st = states[db.id()];
        if (st == null || st.complete) {
            return;
        }
        int b = db.dict().bucketOf(key);
        if (!st.done(b)) {
            serialiseAhead(db, st, b);
        }
    }

    @Override
    public void beforeLookup(Db db, byte[] key) {
        beforeWrite(db, key);
    }

    @Override
    public void beforeWholeDb(Db db) {
        DbState st = states[db.id()];
        if (st == null || st.complete) {
            return;
        }
        for (int b = st.cursor; b < st.length; b++) {
            if (!st.done(b)) {
                serialiseAhead(db, st, b);
            }
        }
        complete(db, st);
    }

    private void serialiseAhead(Db db, DbState st, int b) {
        st.markAhead(b);
        aheadBuf.reset();
        int n = serialiseBucket(aheadBuf, db, st, b);
        if (n > 0) {
            aheadBytes += aheadBuf.size();
            enqueue(aheadBuf.toByteArray());
            if (pendingBytes() > PENDING_LIMIT) {
                try {
                    drain();
                } catch (IOException e) {
                    writerFailure = e; // the walk sees it and fails the save
                }
            }
        }
    }

    /** Appends the keys of one bucket (SELECTDB first when the database changes); returns how many. */
    private int serialiseBucket(RdbBuffer out, Db db, DbState st, int b) {
        int[] n = {0};
        db.dict().forEachInBucket(b, e -> {
            if (lastDb != db.id()) {
                RdbFile.writeSelectDb(out, db.id(), st.announced ? -1 : st.size, st.expires);
                st.announced = true;
                lastDb = db.id();
            }
            RdbFile.writeKey(out, ks, db, e, lru);
            n[0]++;
        });
        keysProcessed += n[0];
        return n[0];
    }

    private void complete(Db db, DbState st) {
        st.complete = true;
        st.aheadDone = null;
        db.dict().resizeAllowed(true);
    }

    // ------------------------------------------------------------------ the queue and the file

    private void enqueue(byte[] chunk) {
        synchronized (pending) {
            pending.add(chunk);
            pendingBytes += chunk.length;
            if (pendingBytes > peakPending) {
                peakPending = pendingBytes;
            }
        }
    }

    private long pendingBytes() {
        synchronized (pending) {
            return pendingBytes;
        }
    }

    /** Writes the queued chunks to the file, in order (from the walk or a writer over the limit). */
    private void drain() throws IOException {
        synchronized (fileLock) {
            while (true) {
                byte[] c;
                synchronized (pending) {
                    c = pending.poll();
                    if (c == null) {
                        return;
                    }
                    pendingBytes -= c.length;
                }
                if (sink != null) {
                    sink.write(c, 0, c.length);
                }
            }
        }
    }

    // ------------------------------------------------------------------ the walk (its own thread)

    /** One slice of the walk, under the lock: returns the keys serialised. */
    private int step() {
        walkBuf.reset();
        int keys = 0;
        int limit = keyDelay != 0 ? 1 : SLICE_KEYS;
        while (walkDb < states.length) {
            DbState st = states[walkDb];
            if (st == null || st.complete) {
                walkDb++;
                continue;
            }
            Db db = ks.db(walkDb);
            while (st.cursor < st.length && keys < limit) {
                int b = st.cursor;
                boolean ahead = st.done(b);
                st.cursor++;
                if (!ahead) {
                    keys += serialiseBucket(walkBuf, db, st, b);
                }
            }
            if (st.cursor == st.length) {
                complete(db, st);
                walkDb++;
            }
            if (keys >= limit) {
                break;
            }
        }
        walkDone = walkDb >= states.length;
        if (walkBuf.size() > 0) {
            enqueue(walkBuf.toByteArray());
        }
        return keys;
    }

    private void run() {
        boolean ok = false;
        try {
            if (openFailure != null) {
                server.log().warning("Failed opening the temp RDB file " + temp.getFileName() + " (in server root dir "
                        + persistence.config().dir + ") for saving: " + Persistence.reason(openFailure));
                return;
            }
            while (true) {
                int keys;
                server.lock().lock();
                try {
                    if (aborted || writerFailure != null) {
                        break;
                    }
                    keys = step();
                } finally {
                    server.lock().unlock();
                }
                drain();
                if (walkDone) {
                    break;
                }
                if (keyDelay != 0 && keys > 0) {
                    Persistence.delay(keyDelay);
                }
            }
            if (writerFailure != null) {
                throw writerFailure;
            }
            if (!aborted) {
                sink.finish(checksum);
                ok = true;
            }
        } catch (IOException | RuntimeException e) {
            server.log().warning("Write error saving DB on disk: " + Persistence.reason(e));
        } finally {
            finish(ok);
        }
    }

    /** Ends the snapshot under the lock: renames the file over the target only when complete and not aborted. */
    private void finish(boolean written) {
        server.lock().lock();
        try {
            boolean ok = false;
            if (written && !aborted) {
                try {
                    sink.commit(persistence.file());
                    ok = true;
                    server.log().notice("DB saved on disk");
                    // our counterpart of Redis's "Fork CoW for RDB" line: what writes cost this snapshot
                    server.log().notice(String.format(java.util.Locale.ROOT,
                            "Snapshot buffer: peak %.2f MB, serialised ahead of the walk %.2f MB",
                            peakPending / 1048576.0, aheadBytes / 1048576.0));
                } catch (IOException e) {
                    server.log().warning("Error moving temp DB file " + temp.getFileName() + " on the final destination "
                            + persistence.config().dbfilename + " (in server root dir " + persistence.config().dir + "): "
                            + Persistence.reason(e));
                }
            }
            if (!ok && sink != null) {
                sink.discard();
            }
            boolean wasAborted = aborted;
            release();
            if (!wasAborted) {
                persistence.bgsaveDone(this, ok, false, dirtyAtStart);
            }
        } finally {
            server.lock().unlock();
        }
    }

    /** Stops the barrier and lets every table resize again (under the lock). */
    private void release() {
        if (ks.barrier() == this) {
            ks.barrier(null);
        }
        for (int i = 0; i < states.length; i++) {
            if (states[i] != null && !states[i].complete) {
                complete(ks.db(i), states[i]);
            }
        }
        synchronized (pending) {
            pending.clear();
            pendingBytes = 0;
        }
    }

    /** FLUSHALL, SHUTDOWN: stops now (under the lock); the thread deletes the temp file. */
    void abort() {
        aborted = true;
        release();
        persistence.bgsaveDone(this, false, true, dirtyAtStart);
    }

    /** The server is stopping (no lock held): the thread stops at its next slice. */
    void abortAsync() {
        aborted = true;
    }
}
