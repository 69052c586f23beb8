package dev.cinnabar.server.persistence.rdb;

import dev.cinnabar.server.store.Db;
import dev.cinnabar.server.store.Dict;
import dev.cinnabar.server.store.Keyspace;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A whole dataset in Redis 7.0's RDB file format (version 10): "REDIS0010", auxiliary fields,
 * then per non-empty database SELECTDB and RESIZEDB, each key as [EXPIRETIME_MS] [IDLE | FREQ]
 * type, key, value ({@link RdbValues}), and finally EOF and the CRC-64 of everything before it.
 * Files written here load in Redis 7.0 and files Redis writes (without modules or functions)
 * load here.
 *
 * <p>Loading parses and validates the whole file before the keyspace is touched, so a corrupt
 * file changes nothing. Keys already expired are skipped, as a master does on load.
 */
public final class RdbFile {
    private static final int OP_FUNCTION2 = 0xf5;
    private static final int OP_MODULE_AUX = 0xf7;
    private static final int OP_IDLE = 0xf8;
    private static final int OP_FREQ = 0xf9;
    private static final int OP_AUX = 0xfa;
    private static final int OP_RESIZEDB = 0xfb;
    private static final int OP_EXPIRETIME_MS = 0xfc;
    private static final int OP_EXPIRETIME = 0xfd;
    private static final int OP_SELECTDB = 0xfe;
    private static final int OP_EOF = 0xff;

    private RdbFile() {
    }

    /**
     * The dataset as an RDB file's bytes. As Redis, each key's LFU counter is kept under an LFU
     * policy and its idle time only under an LRU one (lruPolicy).
     */
    public static byte[] save(Keyspace ks, long nowMillis, long usedMemory, boolean lruPolicy) {
        RdbBuffer out = new RdbBuffer(true);
        writeHeader(out, nowMillis, usedMemory);
        for (int i = 0; i < ks.count(); i++) {
            Db db = ks.db(i);
            if (db.size() > 0) {
                writeSelectDb(out, i, db.size(), db.expiresSize());
                db.dict().forEach(e -> writeKey(out, ks, db, e, lruPolicy));
            }
        }
        out.write(OP_EOF);
        byte[] body = out.toByteArray();
        writeLe(out, Crc64.of(body, 0, body.length));
        return out.toByteArray();
    }

    /** The signature, version and aux fields that open a file. */
    public static void writeHeader(ByteArrayOutputStream out, long nowMillis, long usedMemory) {
        out.writeBytes(("REDIS" + String.format("%04d", RdbValues.RDB_VERSION)).getBytes(StandardCharsets.US_ASCII));
        aux(out, "redis-ver", "7.0.15");
        aux(out, "redis-bits", "64");
        aux(out, "ctime", Long.toString(nowMillis / 1000));
        aux(out, "used-mem", Long.toString(usedMemory));
        aux(out, "aof-base", "0");
    }

    /**
     * The function libraries, as Redis 7.0 writes them after the aux fields: FUNCTION2 and each
     * library's source code as a string.
     */
    public static void writeFunctions(ByteArrayOutputStream out, java.util.Collection<String> codes) {
        for (String code : codes) {
            out.write(OP_FUNCTION2);
            RdbStrings.writeRawString(out, code.getBytes(StandardCharsets.UTF_8));
        }
    }

    /**
     * SELECTDB id, then RESIZEDB with the sizes when size >= 0 (a hint to the loader; a file may
     * select the same database again later, which every loader accepts).
     */
    public static void writeSelectDb(ByteArrayOutputStream out, int id, long size, long expires) {
        out.write(OP_SELECTDB);
        RdbStrings.writeLength(out, id);
        if (size >= 0) {
            out.write(OP_RESIZEDB);
            RdbStrings.writeLength(out, size);
            RdbStrings.writeLength(out, expires);
        }
    }

    /** One key: [EXPIRETIME_MS] [FREQ | IDLE] type key value. */
    public static void writeKey(ByteArrayOutputStream out, Keyspace ks, Db db, Dict.Entry e, boolean lruPolicy) {
        int op = metaOp(ks, lruPolicy);
        writeKey(out, e.key(), e.value(), db.getExpire(e.key()), op, meta(ks, e, op));
    }

    /**
     * One key from its parts: expiry (-1 for none), metaOp {@link #OP_FREQ} or {@link #OP_IDLE}
     * with its argument, or 0 for neither. Reads nothing but key and value ({@link KeyBatch}
     * calls it without the execution lock).
     */
    static void writeKey(ByteArrayOutputStream out, byte[] key, Object v, long when, int metaOp, long meta) {
        if (when != -1) {
            out.write(OP_EXPIRETIME_MS);
            writeLe(out, when);
        }
        if (metaOp == OP_FREQ) {
            out.write(OP_FREQ);
            out.write((int) meta);
        } else if (metaOp == OP_IDLE) {
            out.write(OP_IDLE);
            RdbStrings.writeLength(out, meta);
        }
        int type = RdbValues.typeOf(v);
        if (type < 0) {
            throw new IllegalStateException("value of no RDB type");
        }
        out.write(type);
        RdbStrings.writeRawString(out, key);
        RdbValues.writeValue(out, v, type);
    }

    /** The opcode of a key's LFU frequency or idle time, as {@link #writeKey} takes it (0 for none). */
    static int metaOp(Keyspace ks, boolean lruPolicy) {
        return ks.lfuMode() ? OP_FREQ : lruPolicy ? OP_IDLE : 0;
    }

    /** The argument of metaOp for entry e (read under the execution lock). */
    static long meta(Keyspace ks, Dict.Entry e, int metaOp) {
        return metaOp == OP_FREQ ? ks.lfuDecrAndReturn(e) : metaOp == OP_IDLE ? ks.idleSeconds(e) : 0;
    }

    /** The EOF opcode (the caller appends the checksum). */
    public static int eofOpcode() {
        return OP_EOF;
    }

    /** One aux field (the replication fields after the header: repl-stream-db, repl-id, repl-offset). */
    public static void writeAux(ByteArrayOutputStream out, String k, String v) {
        aux(out, k, v);
    }

    private static void aux(ByteArrayOutputStream out, String k, String v) {
        out.write(OP_AUX);
        RdbStrings.writeRawString(out, k.getBytes(StandardCharsets.US_ASCII));
        RdbStrings.writeRawString(out, v.getBytes(StandardCharsets.US_ASCII));
    }

    static void writeLe(ByteArrayOutputStream out, long v) {
        for (int i = 0; i < 8; i++) {
            out.write((int) (v >>> (8 * i)));
        }
    }

    /** A key read from a file, not yet in the keyspace. */
    public record Loaded(int db, byte[] key, Object value, long expire, long idle, long freq) {
    }

    /**
     * A whole file read and validated: its keys in file order and its aux fields; end is the
     * offset after the checksum (an old AOF with an RDB preamble goes on with commands there).
     */
    public record Parsed(List<Loaded> keys, Map<String, String> aux, boolean checksumSkipped, int end,
                         List<String> functions) {
    }

    /** How many keys a load put in the keyspace and how many it skipped as already expired. */
    public record Counts(long loaded, long expired) {
    }

    /** Told after each key read (start-up loading reports its progress and applies key-load-delay). */
    @FunctionalInterface
    public interface Progress {
        Progress NONE = offset -> { };

        void keyRead(long offset);

        /** An aux field was read (start-up logs the version, age and memory of the file). */
        default void aux(String key, String value) {
        }

        /** A key whose value has no element was left out, as Redis 7.0 skips empty keys. */
        default void emptyKeySkipped(byte[] key) {
        }

        /** The time (ms) against which a failure's report counts keys already expired. */
        default long now() {
            return Long.MIN_VALUE;
        }
    }

    /**
     * Takes a file's keys as they are read (a start-up load inserts them while the rest of the file
     * is parsed, instead of holding every key of the file before the first insert).
     */
    public interface Sink {
        /** A RESIZEDB hint: the database's key and TTL counts (before any of its keys). */
        void resizeDb(int db, long size, long expires);

        /** The next keys, in file order (the list is the sink's to keep). */
        void keys(List<Loaded> keys);
    }

    /** Why a file was refused; {@code offset} is where reading stopped. */
    public static final class LoadError extends IllegalArgumentException {
        public enum Kind { SIGNATURE, VERSION, TRUNCATED, CHECKSUM, CORRUPT }

        public final Kind kind;
        public final long offset;
        /** Where the reader was, for the report a failed load logs (as redis-check-rdb prints it). */
        public final Where where;

        LoadError(Kind kind, long offset, String message) {
            this(kind, offset, message, null);
        }

        LoadError(Kind kind, long offset, String message, Where where) {
            super(message, null);
            this.kind = kind;
            this.offset = offset;
            this.where = where;
        }
    }

    /** The reader's state: what it was doing, the key and type it was reading, the counts so far. */
    public static final class Where {
        public String doing = "start";
        public byte[] key;
        public int type = -1;
        public long keys;
        public long expires;
        /**
         * redis-check-rdb's lines up to where reading stopped ("[offset N] AUX FIELD k = 'v'",
         * "[offset N] Selecting DB ID n"), each with the offset after what it names.
         */
        public final List<String> lines = new ArrayList<>();
        /** Keys read whose expiry is before {@link Progress#now()}. */
        public long alreadyExpired;
        long now = Long.MIN_VALUE;
    }

    /**
     * Loads a file into the keyspace. With replace, keys present are overwritten (DEBUG RELOAD
     * MERGE); otherwise a key already present fails the load. Returns the number of keys loaded;
     * IllegalArgumentException (nothing loaded) on a corrupt file, an unknown type or database,
     * a duplicate key.
     */
    public static long load(byte[] file, Keyspace ks, RdbValues.Limits limits, long nowMillis, boolean replace) {
        return insert(parse(file, ks.count(), limits, true, Progress.NONE), ks, nowMillis, replace).loaded();
    }

    /**
     * Puts parsed keys in the keyspace, skipping those already expired (as a master loads). With
     * replace, keys present are overwritten; otherwise a key already in the keyspace fails before
     * anything changes, and a key the file holds twice fails when its second copy comes (Redis
     * stops there too).
     */
    public static Counts insert(Parsed parsed, Keyspace ks, long nowMillis, boolean replace) {
        return insert(parsed.keys(), ks, nowMillis, replace);
    }

    /** As {@link #insert(Parsed, Keyspace, long, boolean)} for some of a file's keys. */
    public static Counts insert(List<Loaded> keys, Keyspace ks, long nowMillis, boolean replace) {
        return insert(keys, ks, nowMillis, replace, !replace);
    }

    /**
     * As above; checkFirst=false skips the look-up of every key before the first change (for a
     * keyspace known to hold none of them: a start-up load).
     */
    public static Counts insert(List<Loaded> keys, Keyspace ks, long nowMillis, boolean replace, boolean checkFirst) {
        if (checkFirst) {
            for (Loaded k : keys) {
                if (ks.db(k.db()).dict().find(k.key()) != null) {
                    throw new IllegalArgumentException("duplicate key");
                }
            }
        }
        long n = 0;
        long expired = 0;
        for (Loaded k : keys) {
            if (k.expire() != -1 && k.expire() < nowMillis) {
                expired++;
                continue;
            }
            Db db = ks.db(k.db());
            if (db.rawEntry(k.key()) != null) {
                if (!replace) {
                    throw new IllegalArgumentException("RDB has duplicated key '"
                            + new String(k.key(), StandardCharsets.ISO_8859_1) + "' in DB " + k.db());
                }
                db.removeSilently(k.key());
            }
            Dict.Entry e = db.add(k.key(), k.value());
            if (k.expire() != -1) {
                db.setExpire(k.key(), k.expire());
            }
            ks.setIdleOrFreq(e, k.idle(), k.freq());
            n++;
        }
        return new Counts(n, expired);
    }

    /**
     * Reads and validates a whole file, in order as Redis reads one: signature, version, then
     * opcodes and keys up to EOF, then (version 5 and later) the CRC-64 of everything before it,
     * checked when verifyChecksum and not zero (a file saved with rdbchecksum no). Bytes after the
     * checksum are ignored, as Redis does. Throws {@link LoadError} on any problem.
     */
    public static Parsed parse(byte[] file, int databases, RdbValues.Limits limits, boolean verifyChecksum,
                               Progress progress) {
        return parse(file, databases, limits, verifyChecksum, progress, null, 0);
    }

    /**
     * As above, handing the keys to sink in lists of batch keys as they are read (the returned
     * Parsed then has none); a RESIZEDB hint goes to the sink after the keys before it. The checksum
     * is checked at the end, after the sink has had every key, as Redis checks it after loading.
     */
    public static Parsed parse(byte[] file, int databases, RdbValues.Limits limits, boolean verifyChecksum,
                               Progress progress, Sink sink, int batch) {
        return parse(new RdbStrings.Reader(file, 0, file.length), databases, limits, verifyChecksum, progress, sink,
                batch);
    }

    /**
     * As above for a file of size bytes read from in as it is parsed (a file of any size: only a
     * window of it is in memory at a time, and the checksum is computed as the bytes go by).
     */
    public static Parsed parse(java.io.InputStream in, long size, int databases, RdbValues.Limits limits,
                               boolean verifyChecksum, Progress progress, Sink sink, int batch) {
        return parse(new RdbStrings.Reader(in, size, verifyChecksum), databases, limits, verifyChecksum, progress,
                sink, batch);
    }

    /**
     * As above from a reader over a stream (a replica's socket load, parsed as it arrives); the
     * reader's {@link RdbStrings.Reader#unconsumed} bytes follow the RDB.
     */
    public static Parsed parse(RdbStrings.Reader r, int databases, RdbValues.Limits limits, boolean verifyChecksum,
                               Progress progress) {
        return parse(r, databases, limits, verifyChecksum, progress, null, 0);
    }

    private static Parsed parse(RdbStrings.Reader r, int databases, RdbValues.Limits limits, boolean verifyChecksum,
                                Progress progress, Sink sink, int batch) {
        byte[] head;
        try {
            head = r.bytes(9);
        } catch (RdbStrings.Truncated e) {
            throw new LoadError(LoadError.Kind.TRUNCATED, r.offset(), "Unexpected EOF reading RDB file");
        }
        if (!new String(head, 0, 5, StandardCharsets.US_ASCII).equals("REDIS")) {
            throw new LoadError(LoadError.Kind.SIGNATURE, 0, "Wrong signature trying to load DB from file");
        }
        int version = atoi(head, 5, 4);
        if (version < 1 || version > RdbValues.RDB_VERSION) {
            throw new LoadError(LoadError.Kind.VERSION, 5, "Can't handle RDB format version " + version);
        }
        Where where = new Where();
        where.now = progress.now();
        try {
            return parseBody(r, version, databases, limits, verifyChecksum, progress, sink, batch, where);
        } catch (LoadError e) {
            throw e.where != null ? e : new LoadError(e.kind, e.offset, e.getMessage(), where);
        } catch (RdbStrings.Truncated | java.io.UncheckedIOException e) {
            throw new LoadError(LoadError.Kind.TRUNCATED, r.offset(), "Unexpected EOF reading RDB file", where);
        } catch (IllegalArgumentException | IllegalStateException | IndexOutOfBoundsException | ArithmeticException
                 | NegativeArraySizeException e) {
            throw new LoadError(LoadError.Kind.CORRUPT, r.offset(), e.getMessage() == null ? "Bad data format"
                    : e.getMessage(), where);
        }
    }

    /** C's atoi over a fixed field: leading digits, 0 when there are none. */
    private static int atoi(byte[] b, int off, int len) {
        int v = 0;
        for (int i = off; i < off + len && b[i] >= '0' && b[i] <= '9'; i++) {
            v = v * 10 + (b[i] - '0');
        }
        return v;
    }

    private static Parsed parseBody(RdbStrings.Reader r, int version, int databases,
                                    RdbValues.Limits limits, boolean verifyChecksum, Progress progress,
                                    Sink sink, int batch, Where where) {
        List<Loaded> keys = new ArrayList<>(sink == null ? 16 : batch);
        Map<String, String> aux = new LinkedHashMap<>();
        List<String> functions = new ArrayList<>();
        int db = 0;
        long expire = -1;
        long idle = -1;
        long freq = -1;
        while (true) {
            where.doing = "read-type";
            int type = r.u8();
            switch (type) {
                case OP_EOF -> {
                    where.doing = "check-sum";
                    boolean skipped = false;
                    if (version >= 5) {
                        long computed = verifyChecksum ? r.checksum() : 0;
                        long stored = r.millis();
                        if (verifyChecksum) {
                            if (stored == 0) {
                                skipped = true;
                            } else {
                                if (computed != stored) {
                                    throw new LoadError(LoadError.Kind.CHECKSUM, r.offset(), "Wrong RDB checksum expected: ("
                                            + Long.toHexString(computed) + ") but got (" + Long.toHexString(stored)
                                            + "). Aborting now.");
                                }
                            }
                        }
                    }
                    if (sink != null && !keys.isEmpty()) {
                        sink.keys(keys);
                        keys = new ArrayList<>();
                    }
                    return new Parsed(keys, aux, skipped, (int) Math.min(r.offset(), Integer.MAX_VALUE), functions);
                }
                case OP_SELECTDB -> {
                    long id = r.lengthPlain();
                    if (id < 0 || id >= databases) {
                        throw new LoadError(LoadError.Kind.CORRUPT, r.offset(), "FATAL: Data file was created with a "
                                + "Redis server configured to handle more than " + databases + " databases. Exiting");
                    }
                    db = (int) id;
                    where.lines.add("[offset " + r.offset() + "] Selecting DB ID " + id);
                }
                case OP_RESIZEDB -> {
                    long size = r.lengthPlain();
                    long expires = r.lengthPlain();
                    if (sink != null) {
                        if (!keys.isEmpty()) {
                            sink.keys(keys);
                            keys = new ArrayList<>(batch);
                        }
                        sink.resizeDb(db, size, expires);
                    }
                }
                case OP_AUX -> {
                    where.doing = "read-aux";
                    byte[] k = r.string();
                    byte[] v = r.string();
                    String ak = new String(k, StandardCharsets.ISO_8859_1);
                    String av = new String(v, StandardCharsets.ISO_8859_1);
                    aux.put(ak, av);
                    where.lines.add("[offset " + r.offset() + "] AUX FIELD " + ak + " = '" + av + "'");
                    progress.aux(ak, av);
                }
                case OP_EXPIRETIME_MS -> expire = r.millis();
                case OP_EXPIRETIME -> {
                    long sec = 0;
                    for (int i = 0; i < 4; i++) {
                        sec |= (long) r.u8() << (8 * i);
                    }
                    expire = sec * 1000;
                }
                case OP_IDLE -> idle = r.lengthPlain();
                case OP_FREQ -> freq = r.u8();
                case OP_FUNCTION2 -> functions.add(new String(r.string(), StandardCharsets.UTF_8));
                case OP_MODULE_AUX -> throw new IllegalArgumentException("modules are not loaded");
                default -> {
                    where.doing = "read-key";
                    where.type = type;
                    byte[] key = r.string();
                    where.key = key;
                    where.doing = "read-object-value";
                    Object value;
                    try {
                        value = RdbValues.read(r, type, limits);
                    } catch (RdbValues.EmptyKey e) {
                        progress.emptyKeySkipped(key);
                        expire = -1;
                        idle = -1;
                        freq = -1;
                        continue;
                    }
                    keys.add(new Loaded(db, key, value, expire, idle, freq));
                    where.keys++;
                    where.expires += expire != -1 ? 1 : 0;
                    where.alreadyExpired += expire != -1 && expire < where.now ? 1 : 0;
                    where.key = null; // as redis-check-rdb: a report names a key only while reading it
                    where.type = -1;
                    if (sink != null && keys.size() >= batch) {
                        sink.keys(keys);
                        keys = new ArrayList<>(batch);
                    }
                    expire = -1;
                    idle = -1;
                    freq = -1;
                    progress.keyRead(r.offset());
                }
            }
        }
    }
}
