package dev.cinnabar.server.persistence.rdb;

import dev.cinnabar.server.store.Db;
import dev.cinnabar.server.store.Dict;
import dev.cinnabar.server.store.Keyspace;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

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
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(("REDIS" + String.format("%04d", RdbValues.RDB_VERSION)).getBytes(StandardCharsets.US_ASCII));
        aux(out, "redis-ver", "7.0.15");
        aux(out, "redis-bits", "64");
        aux(out, "ctime", Long.toString(nowMillis / 1000));
        aux(out, "used-mem", Long.toString(usedMemory));
        aux(out, "aof-base", "0");
        boolean lfu = ks.lfuMode();
        for (int i = 0; i < ks.count(); i++) {
            Db db = ks.db(i);
            if (db.size() == 0) {
                continue;
            }
            out.write(OP_SELECTDB);
            RdbStrings.writeLength(out, i);
            out.write(OP_RESIZEDB);
            RdbStrings.writeLength(out, db.size());
            RdbStrings.writeLength(out, db.expiresSize());
            db.dict().forEach(e -> {
                long when = db.getExpire(e.key());
                if (when != -1) {
                    out.write(OP_EXPIRETIME_MS);
                    writeLe(out, when);
                }
                if (lfu) {
                    out.write(OP_FREQ);
                    out.write(ks.lfuDecrAndReturn(e));
                } else if (lruPolicy) {
                    out.write(OP_IDLE);
                    RdbStrings.writeLength(out, ks.idleSeconds(e));
                }
                ByteArrayOutputStream value = new ByteArrayOutputStream();
                if (!RdbValues.write(value, e.value())) {
                    throw new IllegalStateException("value of no RDB type");
                }
                byte[] v = value.toByteArray();
                out.write(v[0]);
                RdbStrings.writeRawString(out, e.key());
                out.write(v, 1, v.length - 1);
            });
        }
        out.write(OP_EOF);
        byte[] body = out.toByteArray();
        writeLe(out, Crc64.of(body, 0, body.length));
        return out.toByteArray();
    }

    private static void aux(ByteArrayOutputStream out, String k, String v) {
        out.write(OP_AUX);
        RdbStrings.writeRawString(out, k.getBytes(StandardCharsets.US_ASCII));
        RdbStrings.writeRawString(out, v.getBytes(StandardCharsets.US_ASCII));
    }

    private static void writeLe(ByteArrayOutputStream out, long v) {
        for (int i = 0; i < 8; i++) {
            out.write((int) (v >>> (8 * i)));
        }
    }

    /** A key read from a file, not yet in the keyspace. */
    private record Loaded(int db, byte[] key, Object value, long expire, long idle, long freq) {
    }

    /**
     * Loads a file into the keyspace. With replace, keys present are overwritten (DEBUG RELOAD
     * MERGE); otherwise a key already present fails the load. Returns the number of keys loaded;
     * IllegalArgumentException (nothing loaded) on a corrupt file, an unknown type or database,
     * a duplicate key.
     */
    public static long load(byte[] file, Keyspace ks, RdbValues.Limits limits, long nowMillis, boolean replace) {
        List<Loaded> keys = parse(file, ks.count(), limits);
        if (!replace) {
            for (Loaded k : keys) {
                if (ks.db(k.db()).dict().find(k.key()) != null) {
                    throw new IllegalArgumentException("duplicate key");
                }
            }
        }
        long n = 0;
        for (Loaded k : keys) {
            if (k.expire() != -1 && k.expire() < nowMillis) {
                continue;
            }
            Db db = ks.db(k.db());
            db.removeSilently(k.key());
            Dict.Entry e = db.add(k.key(), k.value());
            if (k.expire() != -1) {
                db.setExpire(k.key(), k.expire());
            }
            ks.setIdleOrFreq(e, k.idle(), k.freq());
            n++;
        }
        return n;
    }

    private static List<Loaded> parse(byte[] file, int databases, RdbValues.Limits limits) {
        if (file.length < 9 + 1 + 8 || !new String(file, 0, 5, StandardCharsets.US_ASCII).equals("REDIS")) {
            throw new IllegalArgumentException("not an RDB file");
        }
        int version = Integer.parseInt(new String(file, 5, 4, StandardCharsets.US_ASCII));
        if (version < 1 || version > RdbValues.RDB_VERSION) {
            throw new IllegalArgumentException("unsupported RDB version " + version);
        }
        long crc = Listpacks.le(file, file.length - 8, 8);
        if (version >= 5 && crc != 0 && Crc64.of(file, 0, file.length - 8) != crc) {
            throw new IllegalArgumentException("RDB checksum mismatch");
        }
        RdbStrings.Reader r = new RdbStrings.Reader(file, 9, file.length - 8);
        List<Loaded> keys = new ArrayList<>();
        java.util.Set<String> seen = new java.util.HashSet<>();
        int db = 0;
        long expire = -1;
        long idle = -1;
        long freq = -1;
        while (true) {
            int type = r.u8();
            switch (type) {
                case OP_EOF -> {
                    if (r.hasMore()) {
                        throw new IllegalArgumentException("bytes after EOF");
                    }
                    return keys;
                }
                case OP_SELECTDB -> {
                    long id = r.lengthPlain();
                    if (id >= databases) {
                        throw new IllegalArgumentException("database " + id + " out of range");
                    }
                    db = (int) id;
                }
                case OP_RESIZEDB -> {
                    r.lengthPlain();
                    r.lengthPlain();
                }
                case OP_AUX -> {
                    r.string();
                    r.string();
                }
                case OP_EXPIRETIME_MS -> expire = r.millis();
                case OP_EXPIRETIME -> {
                    long s = 0;
                    for (int i = 0; i < 4; i++) {
                        s |= (long) r.u8() << (8 * i);
                    }
                    expire = s * 1000;
                }
                case OP_IDLE -> idle = r.lengthPlain();
                case OP_FREQ -> freq = r.u8();
                case OP_FUNCTION2, OP_MODULE_AUX -> throw new IllegalArgumentException("functions and modules are not loaded");
                default -> {
                    byte[] key = r.string();
                    Object value = RdbValues.read(r, type, limits);
                    if (!seen.add(db + ":" + new String(key, StandardCharsets.ISO_8859_1))) {
                        throw new IllegalArgumentException("duplicate key in file");
                    }
                    keys.add(new Loaded(db, key, value, expire, idle, freq));
                    expire = -1;
                    idle = -1;
                    freq = -1;
                }
            }
        }
    }
}
