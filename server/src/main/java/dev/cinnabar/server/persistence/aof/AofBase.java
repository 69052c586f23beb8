package dev.cinnabar.server.persistence.aof;

import dev.cinnabar.server.persistence.Persistence;
import dev.cinnabar.server.ServerContext;
import dev.cinnabar.server.persistence.Snapshot;
import dev.cinnabar.server.persistence.rdb.Crc64;
import dev.cinnabar.server.persistence.rdb.RdbBuffer;
import dev.cinnabar.server.persistence.rdb.RdbFile;
import dev.cinnabar.server.store.Db;
import dev.cinnabar.server.store.Dict;
import dev.cinnabar.server.store.Keyspace;
import dev.cinnabar.server.store.Strings;
import dev.cinnabar.server.store.hash.RHash;
import dev.cinnabar.server.store.list.QuickList;
import dev.cinnabar.server.store.set.RSet;
import dev.cinnabar.server.store.stream.Stream;
import dev.cinnabar.server.store.stream.StreamGroup;
import dev.cinnabar.server.store.stream.StreamId;
import dev.cinnabar.server.store.zset.ZSet;
import dev.cinnabar.server.util.Doubles;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The content of a new base file: with aof-use-rdb-preamble an RDB image, otherwise the commands
 * that rebuild the dataset as Redis's rewriteAppendOnlyFileRio writes them (a #TS annotation first
 * with aof-timestamp-enabled; per non-empty database SELECT, then per key SET / RPUSH / SADD / ZADD
 * / HMSET with at most 64 items per command, a stream as XADDs, XSETID with its counters, XGROUP
 * CREATE with ENTRIESREAD, an XCLAIM ... JUSTID FORCE per pending entry and XGROUP CREATECONSUMER
 * for consumers with none; PEXPIREAT after a key with a TTL). As a {@link Snapshot.Format} for a
 * background rewrite, or whole for the base of a new AOF ({@link #serialise}). Called under the
 * execution lock.
 */
final class AofBase {
    /** Redis's AOF_REWRITE_ITEMS_PER_CMD. */
    static final int ITEMS_PER_CMD = 64;

    private AofBase() {
    }

    /** What a base starts with: the RDB header (no replication fields, as Redis), or the #TS annotation. */
    static byte[] header(Aof aof) {
        ServerContext server = aof.server();
        if (aof.rdbPreamble()) {
            RdbBuffer out = new RdbBuffer(server.config().rdbcompression);
            Runtime rt = Runtime.getRuntime();
            RdbFile.writeHeader(out, System.currentTimeMillis(), rt.totalMemory() - rt.freeMemory());
            RdbFile.writeFunctions(out, Persistence.of(server).functionCodes());
            return out.toByteArray();
        }
        AofBuffer out = new AofBuffer(32);
        if ("yes".equals(server.config().get("aof-timestamp-enabled"))) {
            out.timestamp(System.currentTimeMillis() / 1000);
        }
        // the function libraries before the keys, as Redis's rewriteFunctions: FUNCTION LOAD each
        for (String code : Persistence.of(server).functionCodes()) {
            out.arrayHeader(3);
            out.bulk("FUNCTION");
            out.bulk("LOAD");
            out.bulk(code.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        return java.util.Arrays.copyOf(out.array(), out.length());
    }

    /** How keys are written into a base. */
    static Snapshot.Format format(Aof aof) {
        if (aof.rdbPreamble()) {
            return Snapshot.rdbFormat(aof.server().config().maxmemoryPolicy.contains("lru"));
        }
        return new Snapshot.Format() {
            private final AofBuffer scratch = new AofBuffer(1 << 12);

            @Override
            public void selectDb(RdbBuffer out, int id, long size, long expires) {
                scratch.clear();
                scratch.arrayHeader(2);
                scratch.bulk("SELECT");
                scratch.bulk(id);
                out.write(scratch.array(), 0, scratch.length());
            }

            @Override
            public void key(RdbBuffer out, Keyspace ks, Db db, Dict.Entry e) {
                scratch.clear();
                AofBase.key(scratch, e.key(), e.value());
                long when = db.getExpire(e.key());
                if (when != -1) {
                    scratch.arrayHeader(3);
                    scratch.bulk("PEXPIREAT");
                    scratch.bulk(e.key());
                    scratch.bulk(when);
                }
                out.write(scratch.array(), 0, scratch.length());
            }
        };
    }

    /** A whole base of the dataset now (the first base of a new AOF). */
    static byte[] serialise(Aof aof) {
        ServerContext server = aof.server();
        Keyspace ks = server.keyspace();
        Snapshot.Format f = format(aof);
        RdbBuffer out = new RdbBuffer(server.config().rdbcompression);
        out.writeBytes(header(aof));
        for (int i = 0; i < ks.count(); i++) {
            Db db = ks.db(i);
            if (db.size() == 0) {
                continue;
            }
            f.selectDb(out, i, db.size(), db.expiresSize());
            db.dict().forEach(e -> f.key(out, ks, db, e));
        }
        if (aof.rdbPreamble()) {
            out.writeBytes(Snapshot.rdbTrailer(Crc64.of(out.array(), 0, out.size()), server.config().rdbchecksum));
        }
        return out.toByteArray();
    }

    private static void key(AofBuffer out, byte[] key, Object v) {
        if (Strings.isString(v)) {
            out.arrayHeader(3);
            out.bulk("SET");
            out.bulk(key);
            out.bulk(Strings.bytes(v));
        } else if (v instanceof QuickList q) {
            List<byte[]> items = new ArrayList<>();
            q.forEachNode((plain, elements) -> items.addAll(elements));
            variadic(out, "RPUSH", key, items, 1);
        } else if (v instanceof RSet s) {
            List<byte[]> items = new ArrayList<>(s.size());
            s.forEach(items::add);
            variadic(out, "SADD", key, items, 1);
        } else if (v instanceof ZSet z) {
            List<byte[]> items = new ArrayList<>(2 * z.size());
            z.forEach((m, score) -> {
                items.add(Doubles.fmt17g(score).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                items.add(m);
                return true;
            });
            variadic(out, "ZADD", key, items, 2);
        } else if (v instanceof RHash h) {
            List<byte[]> items = new ArrayList<>(2 * h.size());
            h.forEach((f, x) -> {
                items.add(f);
                items.add(x);
            });
            variadic(out, "HMSET", key, items, 2);
        } else if (v instanceof Stream s) {
            stream(out, key, s);
        } else {
            throw new IllegalStateException("value of no AOF form: " + v.getClass().getSimpleName());
        }
    }

    /** Commands of at most 64 items (an item is {@code width} arguments). */
    private static void variadic(AofBuffer out, String cmd, byte[] key, List<byte[]> args, int width) {
        int items = args.size() / width;
        int i = 0;
        while (items > 0) {
            int n = Math.min(ITEMS_PER_CMD, items);
            out.arrayHeader(2 + n * width);
            out.bulk(cmd);
            out.bulk(key);
            for (int k = 0; k < n * width; k++) {
                out.bulk(args.get(i++));
            }
            items -= n;
        }
    }

    private static void stream(AofBuffer out, byte[] key, Stream s) {
        if (s.length() > 0) {
            s.forEachNode((ids, deleted, fields) -> {
                for (int e = 0; e < ids.length; e++) {
                    if (deleted[e]) {
                        continue;
                    }
                    out.arrayHeader(3 + fields[e].length);
                    out.bulk("XADD");
                    out.bulk(key);
                    out.bulk(ids[e].toString());
                    for (byte[] f : fields[e]) {
                        out.bulk(f);
                    }
                }
            });
        } else {
            // an empty stream: XADD MAXLEN 0 creates it and leaves it empty (Redis's trick)
            out.arrayHeader(7);
            out.bulk("XADD");
            out.bulk(key);
            out.bulk("MAXLEN");
            out.bulk("0");
            out.bulk(new StreamId(0, 1).toString());
            out.bulk("x");
            out.bulk("y");
        }
        out.arrayHeader(7);
        out.bulk("XSETID");
        out.bulk(key);
        out.bulk(s.lastId().toString());
        out.bulk("ENTRIESADDED");
        out.bulk(s.entriesAdded());
        out.bulk("MAXDELETEDID");
        out.bulk(s.maxDeletedId().toString());
        for (Map.Entry<byte[], StreamGroup> ge : s.groups().entrySet()) {
            StreamGroup g = ge.getValue();
            out.arrayHeader(7);
            out.bulk("XGROUP");
            out.bulk("CREATE");
            out.bulk(key);
            out.bulk(ge.getKey());
            out.bulk(g.lastId().toString());
            out.bulk("ENTRIESREAD");
            out.bulk(g.entriesRead());
            for (StreamGroup.Consumer c : g.consumers().values()) {
                if (c.pel().isEmpty()) {
                    out.arrayHeader(5);
                    out.bulk("XGROUP");
                    out.bulk("CREATECONSUMER");
                    out.bulk(key);
                    out.bulk(ge.getKey());
                    out.bulk(c.name());
                    continue;
                }
                for (Map.Entry<StreamId, StreamGroup.Nack> n : c.pel().entrySet()) {
                    out.arrayHeader(12);
                    out.bulk("XCLAIM");
                    out.bulk(key);
                    out.bulk(ge.getKey());
                    out.bulk(c.name());
                    out.bulk("0");
                    out.bulk(n.getKey().toString());
                    out.bulk("TIME");
                    out.bulk(n.getValue().deliveryTime);
                    out.bulk("RETRYCOUNT");
                    out.bulk(n.getValue().deliveryCount);
                    out.bulk("JUSTID");
                    out.bulk("FORCE");
                }
            }
        }
    }
}
