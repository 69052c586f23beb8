package dev.cinnabar.server.persistence;

import dev.cinnabar.server.ServerContext;
import dev.cinnabar.server.persistence.rdb.KeyBatch;
import dev.cinnabar.server.persistence.rdb.RdbBuffer;
import dev.cinnabar.server.persistence.rdb.RdbFile;
import dev.cinnabar.server.store.Db;
import dev.cinnabar.server.store.Dict;
import dev.cinnabar.server.store.Keyspace;
import dev.cinnabar.server.store.WriteBarrier;
import java.io.IOException;
import java.util.ArrayDeque;

/**
 * A point-in-time image of the dataset written while writers keep running: what BGSAVE writes to
 * its file, a diskless full sync streams to replicas' sockets, and an AOF rewrite writes as the new
 * base (Redis forks a child for each of the three; only one runs at a time, as Redis allows one
 * child).
 *
 * <p>At the start (under the execution lock) each non-empty database's main dict finishes any
 * rehash and stops resizing, so its buckets keep their identity; the snapshot records each
 * table's length and installs itself as the keyspace's {@link WriteBarrier}. Its thread then walks
 * the buckets in index order, a slice at a time (about a thousand keys), and hands the serialised
 * slice to its {@link Target} with the lock released. With a format that encodes off the lock (RDB:
 * {@link Format#batch}) the walk only takes the slice under the lock (its keys, values, expiries
 * and LRU/LFU; in a database without expiries just its buckets' chain heads, one array copy) and
 * encodes it after releasing it; until that slice is encoded, a writer or reader about to touch a
 * key of its buckets waits for it (a slice's encoding, about a millisecond), so the slice is still
 * written as it was. Otherwise (AOF commands) the slice is serialised under the lock. A bucket is serialised
 * exactly once, in one of two ways: by the walk when it reaches it, or, when a writer is about to
 * touch a key (add, delete, new value, in-place change, expiry) in a bucket the walk has not reached,
 * by that writer first, under the lock it already holds (Dragonfly's versioned buckets; here a
 * per-snapshot bitmap of buckets done ahead of the walk replaces per-bucket epochs). Either way the
 * bucket is written as it was when the snapshot started. A flush, SWAPDB, or a table that must grow
 * past load factor 5 first serialises the rest of that database.
 *
 * <p>What a key becomes is the {@link Format}'s (RDB records, or AOF commands); where the bytes go
 * is the {@link Target}'s (a temp file renamed at the end, replicas' sockets). Serialised bytes wait
 * in a queue in order; the target gets them in that order, each chunk headed by the format's
 * database switch when its database differs from the previous chunk's (RDB loaders accept SELECTDB
 * anywhere). The queue is bounded: a writer that finds more than {@link #PENDING_LIMIT} bytes waiting
 * hands them to the target itself before going on, so the memory cost of a snapshot is that buffer,
 * not a copy of the dataset.
 */
public final class Snapshot implements WriteBarrier {
    /** Most bytes waiting for the target before writers hand them over themselves. */
    static final long PENDING_LIMIT = 8L << 20;
    /**
     * Keys serialised per slice of the walk (one bucket per slice with rdb-key-save-delay); a
     * database without expiries is taken by buckets, this many at a time.
     */
    private static final int SLICE_KEYS = 1024;

    /** What runs the snapshot: Redis's child types (a diskless sync is an RDB child there too). */
    public enum Kind {
        /** BGSAVE to dir/dbfilename (also for a disk-based full sync). */
        BGSAVE,
        /** A diskless full sync: the RDB goes to replicas' sockets. */
        REPLICAS,
        /** BGREWRITEAOF: the new base file. */
        AOF_REWRITE
    }

    /** How keys are written (called under the execution lock). */
    public interface Format {
        /** What announces the keys of database id that follow; size and expires are -1 after its first chunk. */
        void selectDb(RdbBuffer out, int id, long size, long expires);

        /** One key with its value and expiry. */
        void key(RdbBuffer out, Keyspace ks, Db db, Dict.Entry e);

        /**
         * A batch the walk fills with a slice's keys under the lock and encodes without it, or null
         * when this format writes keys only under the lock (with {@link #key}). With a batch,
         * {@link #selectDb} may be called without the lock too.
         */
        default KeyBatch batch() {
            return null;
        }
    }

    /** Redis's RDB format (BGSAVE, diskless sync, an AOF base with aof-use-rdb-preamble). */
    public static Format rdbFormat(boolean lruPolicy) {
        return new Format() {
            @Override
            public void selectDb(RdbBuffer out, int id, long size, long expires) {
                RdbFile.writeSelectDb(out, id, size, expires);
            }

            @Override
            public void key(RdbBuffer out, Keyspace ks, Db db, Dict.Entry e) {
                RdbFile.writeKey(out, ks, db, e, lruPolicy);
            }

            @Override
            public KeyBatch batch() {
                return new KeyBatch(lruPolicy);
            }
        };
    }

    /** An RDB's last bytes: EOF and the CRC-64 of everything before it and the EOF (0 with rdbchecksum no). */
    public static byte[] rdbTrailer(long crcBefore, boolean checksum) {
        byte[] eof = {(byte) RdbFile.eofOpcode()};
        long crc = checksum ? dev.cinnabar.server.persistence.rdb.Crc64.update(crcBefore, eof, 0, 1) : 0;
        byte[] t = new byte[9];
        t[0] = eof[0];
        for (int i = 0; i < 8; i++) {
            t[1 + i] = (byte) (crc >>> (8 * i));
        }
        return t;
    }

    /**
     * Where the bytes go. {@link #write} gets every byte in order, from the snapshot's thread
     * without the lock or from a writer under it; {@link #finish} runs on the thread after the last
     * byte; {@link #commit} under the lock when finish succeeded and the snapshot was not aborted;
     * {@link #ended} exactly once under the lock; {@link #discard} on the thread at the end when
     * the snapshot did not commit.
     */
    public interface Target {
        void write(byte[] b, int off, int len) throws IOException;

        /** The last bytes (EOF and checksum for an RDB), flush, fsync. */
        void finish() throws IOException;

        /** Makes the result visible (a rename); false, logged, when that failed. */
        default boolean commit() {
            return true;
        }

        /** The snapshot ended: ok when committed, aborted when stopped by FLUSHALL, SHUTDOWN or its owner. */
        void ended(boolean ok, boolean aborted);

        /** Releases what an uncommitted snapshot left (a temp file). */
        default void discard() {
        }
    }

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
            return bucket < cursor || ahead(bucket);
        }

        boolean ahead(int bucket) {
            return (aheadDone[bucket >>> 6] & (1L << bucket)) != 0;
        }

        void markAhead(int bucket) {
            aheadDone[bucket >>> 6] |= 1L << bucket;
        }
    }

    private final Persistence persistence;
    private final ServerContext server;
    private final Keyspace ks;
    private final Kind kind;
    private final Format format;
    private final Target target;
    private final long startMillis = System.currentTimeMillis();
    private final long startMicros;
    private final int keyDelay;
    private final DbState[] states;
    private final long keysTotal;
    private final Thread thread;

    // under the execution lock (walkBuf and batch: the walk's thread)
    private final RdbBuffer walkBuf;
    private final RdbBuffer aheadBuf;
    private final KeyBatch batch;
    private int walkDb;
    private boolean walkDone;
    private final java.util.concurrent.atomic.AtomicLong keysProcessed = new java.util.concurrent.atomic.AtomicLong();
    private volatile long aheadBytes;

    // the slice taken into the batch and not yet encoded: buckets [sliceFrom, sliceTo) of database
    // sliceDb (set under the lock; sliceOpen cleared by the walk's thread, under sliceMonitor)
    private int sliceDb = -1;
    private int sliceFrom;
    private int sliceTo;
    private volatile boolean sliceOpen;
    private final Object sliceMonitor = new Object();

    // the queue of serialised chunks, guarded by itself; the target, guarded by targetLock
    private final ArrayDeque<byte[]> pending = new ArrayDeque<>();
    private long pendingBytes;
    private int lastDb = -1;
    private volatile long peakPending;
    private final java.util.concurrent.locks.ReentrantLock targetLock = new java.util.concurrent.locks.ReentrantLock();

    private volatile boolean aborted;
    private volatile boolean ended;
    private volatile IOException writerFailure;

    /**
     * Prepares the snapshot; called under the execution lock, which makes this the snapshot's
     * point in time. header is what the target gets first (an RDB header with its aux fields).
     */
    Snapshot(Persistence persistence, Kind kind, byte[] header, Format format, Target target) {
        long t0 = System.nanoTime();
        this.persistence = persistence;
        this.server = persistence.server();
        this.ks = server.keyspace();
        this.kind = kind;
        this.format = format;
        this.target = target;
        this.keyDelay = persistence.config().rdbKeySaveDelay;
        boolean compress = persistence.config().rdbcompression;
        this.walkBuf = new RdbBuffer(compress);
        this.aheadBuf = new RdbBuffer(compress);
        this.batch = format.batch();
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
        this.thread = new Thread(this::run, kind == Kind.AOF_REWRITE ? "cinnabar-aof-rewrite"
                : kind == Kind.REPLICAS ? "cinnabar-rdb-to-replicas" : "cinnabar-bgsave");
        thread.setDaemon(true);
        if (header.length > 0) {
            pending.add(header);
            pendingBytes = header.length;
        }
        ks.barrier(this);
        this.startMicros = (System.nanoTime() - t0) / 1000;
    }

    void start() {
        thread.start();
    }

    /** The saving thread's id (our counterpart of the child's pid in temp file names). */
    public long threadId() {
        return thread.getId();
    }

    public Kind kind() {
        return kind;
    }

    long startMillis() {
        return startMillis;
    }

    /** Microseconds the start took under the lock (Redis's latest_fork_usec). */
    public long startMicros() {
        return startMicros;
    }

    long keysTotal() {
        return keysTotal;
    }

    long keysProcessed() {
        return keysProcessed.get();
    }

    long aheadBytes() {
        return aheadBytes;
    }

    long peakPending() {
        return peakPending;
    }

    // ------------------------------------------------------------------ the barrier (writers, under the lock)

    @Override
    public void beforeWrite(Db db, byte[] key, Dict.Entry live) {
        DbState st = states[db.id()];
        if (st == null || st.complete) {
            return;
        }
        int b = db.dict().bucketOf(key);
        if (!st.done(b)) {
            serialiseAhead(db, st, b);
        } else if (sliceOpen && sliceDb == db.id() && b >= sliceFrom && b < sliceTo && !st.ahead(b)) {
            awaitSlice();
        }
    }

    @Override
    public void beforeLookup(Db db, byte[] key) {
        beforeWrite(db, key, null);
    }

    @Override
    public void beforeWholeDb(Db db) {
        DbState st = states[db.id()];
        if (st == null || st.complete) {
            return;
        }
        if (sliceDb == db.id()) {
            awaitSlice();
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
        int n = serialiseBucket(aheadBuf, db, b);
        if (n > 0) {
            aheadBytes += aheadBuf.size();
            enqueue(db.id(), st, aheadBuf);
            if (pendingBytes() > PENDING_LIMIT) {
                try {
                    drain(true);
                } catch (IOException e) {
                    writerFailure = e; // the walk sees it and fails the snapshot
                }
            }
        }
    }

    /** Appends the keys of one bucket (under the lock); returns how many. */
    private int serialiseBucket(RdbBuffer out, Db db, int b) {
        int[] n = {0};
        db.dict().forEachInBucket(b, e -> {
            format.key(out, ks, db, e);
            n[0]++;
        });
        keysProcessed.addAndGet(n[0]);
        return n[0];
    }

    /**
     * Takes buckets [cursor, to) of a database without expiries into the batch by their heads
     * alone (under the lock: an array copy), skipping those done ahead; returns how many hold keys.
     */
    private int takeBuckets(Db db, DbState st, int to) {
        int from = st.cursor;
        Dict.Entry[] heads = batch.heads(to - from);
        db.dict().bucketHeads(from, to, heads);
        int taken = 0;
        for (int i = 0; i < to - from; i++) {
            if (heads[i] != null) {
                if (st.ahead(from + i)) {
                    heads[i] = null;
                } else {
                    taken++;
                }
            }
        }
        batch.chains(ks, to - from);
        st.cursor = to;
        return taken;
    }

    /** Takes the keys of one bucket into the batch (under the lock); returns how many. */
    private int takeBucket(Db db, int b) {
        int before = batch.size();
        db.dict().forEachInBucket(b, e -> batch.add(ks, db, e));
        return batch.size() - before;
    }

    /**
     * Waits (a writer, under the lock) until the walk's thread has encoded the slice it took, so
     * its values may change. The wait is the encoding of one slice; that thread needs no lock.
     */
    private void awaitSlice() {
        boolean interrupted = false;
        synchronized (sliceMonitor) {
            while (sliceOpen) {
                try {
                    sliceMonitor.wait();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** The walk's thread: the slice is encoded (or abandoned); writers may go on. */
    private void closeSlice() {
        synchronized (sliceMonitor) {
            sliceOpen = false;
            sliceMonitor.notifyAll();
        }
    }

    private void complete(Db db, DbState st) {
        st.complete = true;
        st.aheadDone = null;
        db.dict().resizeAllowed(true);
    }

    // ------------------------------------------------------------------ the queue and the target

    /**
     * Queues the bytes of buf, keys of database db, headed by the format's database switch when
     * the chunk before was of another database (RESIZEDB with its first one).
     */
    private void enqueue(int db, DbState st, RdbBuffer buf) {
        byte[] chunk = buf.toByteArray();
        synchronized (pending) {
            if (lastDb != db) {
                RdbBuffer head = new RdbBuffer(false, 32);
                format.selectDb(head, db, st.announced ? -1 : st.size, st.announced ? -1 : st.expires);
                st.announced = true;
                lastDb = db;
                add(head.toByteArray());
            }
            add(chunk);
        }
    }

    private void add(byte[] chunk) {
        pending.add(chunk);
        pendingBytes += chunk.length;
        if (pendingBytes > peakPending) {
            peakPending = pendingBytes;
        }
    }

    private long pendingBytes() {
        synchronized (pending) {
            return pendingBytes;
        }
    }

    /**
     * Hands the queued chunks to the target, in order (from the walk or a writer over the limit).
     * A writer finding the walk's thread in here goes on: that thread takes the writer's chunks too
     * before it leaves, and a target that needs the execution lock (a socket) cannot wait for it.
     */
    private void drain(boolean writer) throws IOException {
        if (writer) {
            if (!targetLock.tryLock()) {
                return;
            }
        } else {
            targetLock.lock();
        }
        try {
            while (true) {
                byte[] c;
                synchronized (pending) {
                    c = pending.poll();
                    if (c == null) {
                        return;
                    }
                    pendingBytes -= c.length;
                }
                if (!aborted) {
                    target.write(c, 0, c.length);
                }
            }
        } finally {
            targetLock.unlock();
        }
    }

    // ------------------------------------------------------------------ the walk (its own thread)

    /**
     * One slice of the walk, under the lock, within one database: serialises it, or with a batch
     * takes its keys and opens the slice for {@link #encodeSlice}. Returns the keys taken. A
     * database is completed (resizing allowed again) by the step after its last slice, once that
     * slice is encoded.
     */
    private int step() {
        int keys = 0;
        int limit = keyDelay != 0 ? 1 : SLICE_KEYS;
        while (walkDb < states.length) {
            DbState st = states[walkDb];
            Db db = ks.db(walkDb);
            if (st != null && !st.complete && st.cursor == st.length) {
                complete(db, st);
            }
            if (st == null || st.complete) {
                walkDb++;
                continue;
            }
            walkBuf.reset();
            int from = st.cursor;
            if (batch != null && db.expiresSize() == 0) {
                keys = takeBuckets(db, st, Math.min(st.length, from + limit));
            } else {
                while (st.cursor < st.length && keys < limit) {
                    int b = st.cursor;
                    boolean ahead = st.done(b);
                    st.cursor++;
                    if (!ahead) {
                        keys += batch != null ? takeBucket(db, b) : serialiseBucket(walkBuf, db, b);
                    }
                }
            }
            if (batch != null && keys == 0) {
                batch.clear();
            } else if (keys > 0) {
                if (batch != null) {
                    sliceDb = walkDb;
                    sliceFrom = from;
                    sliceTo = st.cursor;
                    sliceOpen = true;
                } else {
                    enqueue(walkDb, st, walkBuf);
                }
            }
            break;
        }
        walkDone = walkDb >= states.length;
        return keys;
    }

    /** The walk's thread, without the lock: encodes the slice taken by {@link #step} and queues it. */
    private void encodeSlice() {
        try {
            walkBuf.reset();
            keysProcessed.addAndGet(batch.writeTo(walkBuf));
            enqueue(sliceDb, states[sliceDb], walkBuf);
        } finally {
            batch.clear();
            closeSlice();
        }
    }

    private void run() {
        boolean written = false;
        long paced = 0; // walk steps rdb-key-save-delay was applied to
        try {
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
                if (sliceOpen) {
                    encodeSlice();
                }
                drain(false);
                if (walkDone) {
                    break;
                }
                if (keyDelay != 0 && keys > 0) {
                    Persistence.delay(keyDelay);
                    paced++;
                }
            }
            // rdb-key-save-delay makes a snapshot last its keys times the delay, as a forked child
            // would, even when writers serialised most of it ahead of the walk (replicas waiting for
            // it keep holding the replication stream meanwhile, as with Redis)
            while (keyDelay != 0 && !aborted && writerFailure == null && paced < keysTotal) {
                Persistence.delay(keyDelay);
                paced++;
            }
            if (writerFailure != null) {
                throw writerFailure;
            }
            if (!aborted) {
                target.finish();
                written = true;
            }
        } catch (IOException | RuntimeException e) {
            if (!aborted) {
                server.log().warning(kind == Kind.AOF_REWRITE ? "Write error writing append only file on disk: "
                        + Persistence.reason(e) : "Write error saving DB on disk: " + Persistence.reason(e));
            }
        } finally {
            finish(written);
        }
    }

    /** Ends the snapshot under the lock: the target commits only when complete and not aborted. */
    private void finish(boolean written) {
        boolean ok = false;
        server.lock().lock();
        try {
            if (!aborted) {
                ok = written && target.commit();
                release();
                end(ok, false);
            }
        } finally {
            server.lock().unlock();
        }
        if (!ok) {
            target.discard();
        }
    }

    private void end(boolean ok, boolean wasAborted) {
        if (ended) {
            return;
        }
        ended = true;
        try {
            target.ended(ok, wasAborted);
        } finally {
            persistence.snapshotEnded(this, ok, wasAborted);
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

    /** Stops now (under the lock): FLUSHALL, SHUTDOWN, or the snapshot's owner; the thread discards. */
    public void abort() {
        if (aborted) {
            return;
        }
        awaitSlice(); // the walk's thread reads the slice's values until then; the barrier goes below
        aborted = true;
        release();
        end(false, true);
    }

    /** The server is stopping (no lock held): the thread stops at its next slice. */
    void abortAsync() {
        aborted = true;
    }
}
