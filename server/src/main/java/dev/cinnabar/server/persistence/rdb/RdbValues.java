package dev.cinnabar.server.persistence.rdb;

import dev.cinnabar.server.store.Numbers;
import dev.cinnabar.server.store.RawString;
import dev.cinnabar.server.store.Strings;
import dev.cinnabar.server.store.hash.RHash;
import dev.cinnabar.server.store.list.QuickList;
import dev.cinnabar.server.store.set.RSet;
import dev.cinnabar.server.store.stream.Stream;
import dev.cinnabar.server.store.stream.StreamGroup;
import dev.cinnabar.server.store.stream.StreamId;
import dev.cinnabar.server.store.zset.ZSet;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Values in Redis 7.0's RDB encoding (RDB version 10): a type byte, then the value. This is what
 * DUMP payloads carry and what an RDB file holds per key.
 *
 * <p>Written: strings (type 0, integers in the RDB integer forms), lists as quicklist 2 (18: one
 * listpack per node, plain nodes as raw strings), sets as intset (11) or a plain set (2), sorted
 * sets as listpack (17) or ZSET_2 (5: binary doubles, highest rank first as Redis writes its
 * skiplist), hashes as listpack (16) or a plain hash (4), streams as STREAM_LISTPACKS_2 (19: one
 * listpack per node with Redis's master-entry layout, then the counters and the consumer groups).
 * Strings are written as Redis writes them ({@link RdbStrings#writeRawString}: RDB integers,
 * LZF over 20 bytes, as with rdbcompression on), so payloads are byte for byte Redis's except
 * where Redis's hash-table order or list node boundaries differ from ours.
 *
 * <p>Read: all of the above plus the older forms Redis 7.0 still loads: linked lists (1), ZSET
 * with string scores (3), zipmap (9), ziplist lists, sorted sets and hashes (10, 12, 13),
 * quicklists of ziplists (14) and STREAM_LISTPACKS (15). Loaded values take the encoding the
 * current configuration gives them (a listpack hash over hash-max-listpack-entries becomes a
 * hashtable, as Redis converts on load). Everything read is validated; a malformed value throws
 * IllegalArgumentException (the caller answers "Bad data format").
 */
public final class RdbValues {
    public static final int RDB_VERSION = 10;

    public static final int STRING = 0;
    public static final int LIST = 1;
    public static final int SET = 2;
    public static final int ZSET = 3;
    public static final int HASH = 4;
    public static final int ZSET_2 = 5;
    public static final int HASH_ZIPMAP = 9;
    public static final int LIST_ZIPLIST = 10;
    public static final int SET_INTSET = 11;
    public static final int ZSET_ZIPLIST = 12;
    public static final int HASH_ZIPLIST = 13;
    public static final int LIST_QUICKLIST = 14;
    public static final int STREAM_LISTPACKS = 15;
    public static final int HASH_LISTPACK = 16;
    public static final int ZSET_LISTPACK = 17;
    public static final int LIST_QUICKLIST_2 = 18;
    public static final int STREAM_LISTPACKS_2 = 19;

    private static final int QUICKLIST_PLAIN = 1;
    private static final int QUICKLIST_PACKED = 2;
    private static final int STREAM_DELETED = 1;
    private static final int STREAM_SAMEFIELDS = 2;

    /** The encoding limits loaded values are built with (from the configuration). */
    public record Limits(int listFill, long setMaxIntset, long hashMaxEntries, long hashMaxValue, ZSet.Limits zset) {
        /** The limits the configuration sets now. */
        public static Limits of(dev.cinnabar.server.config.ServerConfig cfg) {
            return new Limits(cfg.listMaxListpackSize, cfg.setMaxIntsetEntries, cfg.hashMaxListpackEntries,
                    cfg.hashMaxListpackValue, new ZSet.Limits((int) Math.min(Integer.MAX_VALUE, cfg.zsetMaxListpackEntries),
                            (int) Math.min(Integer.MAX_VALUE, cfg.zsetMaxListpackValue)));
        }
    }

    private RdbValues() {
    }

    // ------------------------------------------------------------------ writing

    /** Writes the type byte and the value; false (nothing written) for a value of no RDB type. */
    public static boolean write(ByteArrayOutputStream out, Object v) {
        int type = typeOf(v);
        if (type < 0) {
            return false;
        }
        out.write(type);
        writeValue(out, v, type);
        return true;
    }

    /** The RDB type a value is written as, -1 for a value of no RDB type. */
    public static int typeOf(Object v) {
        if (Strings.isString(v)) {
            return STRING;
        } else if (v instanceof QuickList) {
            return LIST_QUICKLIST_2;
        } else if (v instanceof RSet s) {
            return s.intsetWidth() > 0 ? SET_INTSET : SET;
        } else if (v instanceof ZSet z) {
            return z.encoding().equals("listpack") ? ZSET_LISTPACK : ZSET_2;
        } else if (v instanceof RHash h) {
            return h.isListpack() ? HASH_LISTPACK : HASH;
        } else if (v instanceof Stream) {
            return STREAM_LISTPACKS_2;
        }
        return -1;
    }

    /** Writes a value (without its type byte) as the type {@link #typeOf} gave. */
    public static void writeValue(ByteArrayOutputStream out, Object v, int type) {
        switch (type) {
            case STRING -> writeStringValue(out, v);
            case LIST_QUICKLIST_2 -> writeList(out, (QuickList) v);
            case SET_INTSET, SET -> writeSet(out, (RSet) v, type);
            case ZSET_LISTPACK, ZSET_2 -> writeZset(out, (ZSet) v, type);
            case HASH_LISTPACK, HASH -> writeHash(out, (RHash) v, type);
            case STREAM_LISTPACKS_2 -> writeStream(out, (Stream) v);
            default -> throw new IllegalArgumentException("not a type we write: " + type);
        }
    }

    private static void writeStringValue(ByteArrayOutputStream out, Object v) {
        if (v instanceof Long || v instanceof dev.cinnabar.server.store.IntCounter) {
            writeLongAsString(out, Strings.toLong(v));
        } else if (v instanceof RawString r) {
            writeString(out, r.toBytes());
        } else {
            writeString(out, (byte[]) v);
        }
    }

    /** A string as Redis writes one (see {@link RdbStrings#writeRawString}). */
    static void writeString(ByteArrayOutputStream out, byte[] s) {
        RdbStrings.writeRawString(out, s);
    }

    private static void writeLongAsString(ByteArrayOutputStream out, long v) {
        if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
            RdbStrings.writeInt(out, v);
        } else {
            writeString(out, Long.toString(v).getBytes(StandardCharsets.US_ASCII));
        }
    }

    private static void writeList(ByteArrayOutputStream out, QuickList q) {
        RdbStrings.writeLength(out, q.nodeCount());
        q.forEachNode((plain, elements) -> {
            if (plain) {
                RdbStrings.writeLength(out, QUICKLIST_PLAIN);
                writeString(out, elements.get(0));
            } else {
                RdbStrings.writeLength(out, QUICKLIST_PACKED);
                writeString(out, Listpacks.encode(elements));
            }
        });
    }

    private static void writeSet(ByteArrayOutputStream out, RSet s, int type) {
        if (type == SET_INTSET) {
            int width = s.intsetWidth();
            long[] values = new long[s.size()];
            int[] i = {0};
            s.forEach(m -> values[i[0]++] = Numbers.parseLong(m));
            java.util.Arrays.sort(values);
            writeString(out, Ziplists.intsetBytes(values, width));
            return;
        }
        RdbStrings.writeLength(out, s.size());
        s.forEach(m -> writeString(out, m));
    }

    private static void writeZset(ByteArrayOutputStream out, ZSet z, int type) {
        if (type == ZSET_LISTPACK) {
            // encoded straight from the set's own array into a reused buffer
            RdbBuffer lp = RdbBuffer.scratchFor(out);
            Listpacks.begin(lp);
            z.walkSlices(0, z.size(), false, (buf, off, len, score) -> {
                Listpacks.append(lp, buf, off, len);
                if (score == Math.rint(score) && Math.abs(score) < 1e17) {
                    Listpacks.appendInt(lp, (long) score);
                } else {
                    byte[] f = formatScore(score);
                    Listpacks.append(lp, f, 0, f.length);
                }
                return true;
            });
            Listpacks.end(lp, 2 * z.size());
            RdbStrings.writeRawString(out, lp.array(), 0, lp.size());
            return;
        }
        RdbStrings.writeLength(out, z.size());
        z.walk(z.size() - 1, z.size(), true, (m, score) -> {
            writeString(out, m);
            long bits = Double.doubleToRawLongBits(score);
            for (int i = 0; i < 8; i++) {
                out.write((int) (bits >>> (8 * i)));
            }
            return true;
        });
    }

    /** A score as Redis's listpack holds it: integral values as integers, others in full precision. */
    static byte[] formatScore(double d) {
        String s;
        if (Double.isInfinite(d)) {
            s = d > 0 ? "inf" : "-inf";
        } else if (d == Math.rint(d) && Math.abs(d) < 1e17) {
            s = Long.toString((long) d);
        } else {
            s = Double.toString(d);
        }
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static void writeHash(ByteArrayOutputStream out, RHash h, int type) {
        if (type == HASH_LISTPACK) {
            RdbBuffer lp = RdbBuffer.scratchFor(out);
            Listpacks.begin(lp);
            h.forEachSlice((f, fo, fl, v, vo, vl) -> {
                Listpacks.append(lp, f, fo, fl);
                Listpacks.append(lp, v, vo, vl);
            });
            Listpacks.end(lp, 2 * h.size());
            RdbStrings.writeRawString(out, lp.array(), 0, lp.size());
            return;
        }
        RdbStrings.writeLength(out, h.size());
        h.forEachSlice((f, fo, fl, v, vo, vl) -> {
            RdbStrings.writeRawString(out, f, fo, fl);
            RdbStrings.writeRawString(out, v, vo, vl);
        });
    }

    private static void writeStream(ByteArrayOutputStream out, Stream s) {
        List<byte[][]> nodes = new ArrayList<>();
        s.forEachNode((ids, deleted, fields) -> nodes.add(new byte[][] {idBytes(ids[0]), streamNode(ids, deleted, fields)}));
        RdbStrings.writeLength(out, nodes.size());
        for (byte[][] n : nodes) {
            writeString(out, n[0]);
            writeString(out, n[1]);
        }
        RdbStrings.writeLength(out, s.length());
        writeId(out, s.lastId());
        writeId(out, s.recordedFirstId());
        writeId(out, s.maxDeletedId());
        RdbStrings.writeLength(out, s.entriesAdded());
        Map<byte[], StreamGroup> groups = s.groups();
        RdbStrings.writeLength(out, groups.size());
        for (Map.Entry<byte[], StreamGroup> e : groups.entrySet()) {
            StreamGroup g = e.getValue();
            writeString(out, e.getKey());
            writeId(out, g.lastId());
            RdbStrings.writeLength(out, g.entriesRead());
            RdbStrings.writeLength(out, g.pel().size());
            for (Map.Entry<StreamId, StreamGroup.Nack> n : g.pel().entrySet()) {
                out.writeBytes(idBytes(n.getKey()));
                writeMillis(out, n.getValue().deliveryTime);
                RdbStrings.writeLength(out, n.getValue().deliveryCount);
            }
            RdbStrings.writeLength(out, g.consumers().size());
            for (StreamGroup.Consumer c : g.consumers().values()) {
                writeString(out, c.name());
                writeMillis(out, c.seenTime);
                RdbStrings.writeLength(out, c.pel().size());
                for (StreamId id : c.pel().keySet()) {
                    out.writeBytes(idBytes(id));
                }
            }
        }
    }

    private static void writeId(ByteArrayOutputStream out, StreamId id) {
        RdbStrings.writeLength(out, id.ms());
        RdbStrings.writeLength(out, id.seq());
    }

    private static void writeMillis(ByteArrayOutputStream out, long t) {
        for (int i = 0; i < 8; i++) {
            out.write((int) (t >>> (8 * i)));
        }
    }

    /** An ID as 16 big-endian bytes (the radix tree key and the PEL's raw IDs). */
    private static byte[] idBytes(StreamId id) {
        byte[] b = new byte[16];
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (id.ms() >>> (56 - 8 * i));
            b[8 + i] = (byte) (id.seq() >>> (56 - 8 * i));
        }
        return b;
    }

    private static byte[] num(long v) {
        return Long.toString(v).getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * One stream node as Redis lays out its listpack: the master entry (live count, deleted count,
     * the first entry's field names, 0), then per entry its flags, the ID as differences from the
     * master ID, the values alone when the names are the master's (SAMEFIELDS) else the field
     * count and pairs, and the entry's element count (for walking backwards).
     */
    private static byte[] streamNode(StreamId[] ids, boolean[] deleted, byte[][][] fields) {
        List<byte[]> lp = new ArrayList<>();
        int live = 0;
        for (boolean d : deleted) {
            live += d ? 0 : 1;
        }
        byte[][] master = fields[0];
        int masterFields = master.length / 2;
        lp.add(num(live));
        lp.add(num(ids.length - live));
        lp.add(num(masterFields));
        for (int i = 0; i < masterFields; i++) {
            lp.add(master[2 * i]);
        }
        lp.add(num(0));
        StreamId base = ids[0];
        for (int e = 0; e < ids.length; e++) {
            byte[][] f = fields[e];
            int n = f.length / 2;
            boolean same = n == masterFields;
            for (int i = 0; same && i < n; i++) {
                same = java.util.Arrays.equals(f[2 * i], master[2 * i]);
            }
            lp.add(num((deleted[e] ? STREAM_DELETED : 0) | (same ? STREAM_SAMEFIELDS : 0)));
            lp.add(num(ids[e].ms() - base.ms()));
            lp.add(num(ids[e].seq() - base.seq()));
            if (same) {
                for (int i = 0; i < n; i++) {
                    lp.add(f[2 * i + 1]);
                }
                lp.add(num(n + 3));
            } else {
                lp.add(num(n));
                for (byte[] x : f) {
                    lp.add(x);
                }
                lp.add(num(2L * n + 4));
            }
        }
        return Listpacks.encode(lp);
    }

    // ------------------------------------------------------------------ reading

    private static final String[] TYPE_NAMES = {"string", "list-linked", "set-hashtable", "zset-v1",
        "hash-hashtable", "zset-v2", "module-pre-release", "module-value", "", "hash-zipmap", "list-ziplist",
        "set-intset", "zset-ziplist", "hash-ziplist", "quicklist", "stream", "hash-listpack", "zset-listpack",
        "quicklist-v2", "stream-v2"};

    /** The name redis-check-rdb gives an RDB value type ("unknown" past the known ones). */
    public static String typeName(int type) {
        return type >= 0 && type < TYPE_NAMES.length ? TYPE_NAMES[type] : "unknown";
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new IllegalArgumentException(what);
        }
    }

    /**
     * A value with no element (an empty list, set, hash, sorted set or packed blob): Redis 7.0
     * skips such a key when it loads a file ("rdbLoadObject skipping empty key") and refuses it in
     * RESTORE.
     */
    public static final class EmptyKey extends IllegalArgumentException {
        EmptyKey() {
            super("empty key");
        }
    }

    private static void nonEmpty(boolean ok) {
        if (!ok) {
            throw new EmptyKey();
        }
    }

    /**
     * Decodes a packed blob (ziplist, listpack, intset, zipmap) and checks what was decoded; any
     * failure becomes Redis's reason for that blob type (e.g. "Hash ziplist integrity check
     * failed."), the text its log shows and the suite looks for.
     */
    private static <T> T integrity(String reason, java.util.function.Supplier<T> decode) {
        try {
            return decode.get();
        } catch (EmptyKey e) {
            throw e;
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(reason);
        }
    }

    /** Reads a value of the given RDB type; throws IllegalArgumentException on bad data. */
    public static Object read(RdbStrings.Reader r, int type, Limits lim) {
        switch (type) {
            case STRING:
                return Strings.encode(r.string());
            case LIST: {
                long n = r.lengthPlain();
                nonEmpty(n > 0);
                QuickList q = new QuickList();
                for (long i = 0; i < n; i++) {
                    q.pushTail(r.string(), lim.listFill());
                }
                return q;
            }
            case LIST_ZIPLIST: {
                byte[] b = packed(r);
                return listOf(integrity("List ziplist integrity check failed.", () -> Ziplists.ziplist(b)), lim);
            }
            case LIST_QUICKLIST:
            case LIST_QUICKLIST_2: {
                long nodes = r.lengthPlain();
                nonEmpty(nodes > 0);
                QuickList q = new QuickList();
                for (long i = 0; i < nodes; i++) {
                    long container = type == LIST_QUICKLIST ? QUICKLIST_PACKED : r.lengthPlain();
                    byte[] blob = r.string();
                    check(blob.length > 0, "empty quicklist node");
                    if (container == QUICKLIST_PLAIN) {
                        q.pushTail(blob, lim.listFill());
                        continue;
                    }
                    check(container == QUICKLIST_PACKED, "bad quicklist container");
                    r.packedBlobs++;
                    List<byte[]> elements = type == LIST_QUICKLIST
                            ? integrity("Ziplist integrity check failed.", () -> Ziplists.ziplist(blob))
                            : integrity("Listpack integrity check failed.", () -> Listpacks.decode(blob));
                    // an empty node is skipped, as Redis does; a list left with none is an empty key
                    for (byte[] e : elements) {
                        q.pushTail(e, lim.listFill());
                    }
                }
                nonEmpty(q.size() > 0);
                return q;
            }
            case SET: {
                long n = r.lengthPlain();
                nonEmpty(n > 0);
                RSet s = new RSet();
                for (long i = 0; i < n; i++) {
                    check(s.add(r.string(), lim.setMaxIntset()), "Duplicate set members detected");
                }
                return s;
            }
            case SET_INTSET: {
                byte[] b = packed(r);
                long[] values = integrity("Intset integrity check failed.", () -> Ziplists.intset(b));
                nonEmpty(values.length > 0);
                RSet s = new RSet();
                for (long v : values) {
                    s.add(num(v), lim.setMaxIntset());
                }
                return s;
            }
            case ZSET:
            case ZSET_2: {
                long n = r.lengthPlain();
                nonEmpty(n > 0);
                ZSet z = n > lim.zset().maxListpackEntries() ? ZSet.skiplist() : new ZSet();
                for (long i = 0; i < n; i++) {
                    byte[] m = r.string();
                    double score = type == ZSET_2 ? r.binaryDouble() : r.stringDouble();
                    check(!Double.isNaN(score), "Zset with NAN score detected");
                    check(z.put(m, score, lim.zset()), "Duplicate zset fields detected");
                }
                return z;
            }
            case ZSET_ZIPLIST: {
                byte[] b = packed(r);
                return integrity("Zset ziplist integrity check failed.", () -> zsetOf(Ziplists.ziplist(b), lim));
            }
            case ZSET_LISTPACK: {
                byte[] b = packed(r);
                return integrity("Zset listpack integrity check failed.", () -> zsetOf(Listpacks.decode(b), lim));
            }
            case HASH: {
                long n = r.lengthPlain();
                nonEmpty(n > 0);
                RHash h = new RHash();
                for (long i = 0; i < n; i++) {
                    check(h.set(r.string(), r.string(), lim.hashMaxEntries(), lim.hashMaxValue()),
                            "Duplicate hash fields detected");
                }
                return h;
            }
            case HASH_ZIPMAP: {
                byte[] b = packed(r);
                // an empty zipmap fails Redis's zipmap check itself (not an empty key)
                return integrity("Zipmap integrity check failed.", () -> {
                    List<byte[]> e = Ziplists.zipmap(b);
                    check(!e.isEmpty(), "empty zipmap");
                    return hashOf(e, lim);
                });
            }
            case HASH_ZIPLIST: {
                byte[] b = packed(r);
                return integrity("Hash ziplist integrity check failed.", () -> hashOf(Ziplists.ziplist(b), lim));
            }
            case HASH_LISTPACK: {
                byte[] b = packed(r);
                return integrity("Hash listpack integrity check failed.", () -> hashOf(Listpacks.decode(b), lim));
            }
            case STREAM_LISTPACKS:
            case STREAM_LISTPACKS_2:
                return readStream(r, type == STREAM_LISTPACKS_2);
            default:
                throw new IllegalArgumentException("unknown RDB type " + type);
        }
    }

    /**
     * A string holding a listpack, ziplist, intset or zipmap: counted in the reader, as Redis
     * counts each such blob it sanitizes (INFO's dump_payload_sanitizations).
     */
    private static byte[] packed(RdbStrings.Reader r) {
        r.packedBlobs++;
        return r.string();
    }

    private static QuickList listOf(List<byte[]> elements, Limits lim) {
        nonEmpty(!elements.isEmpty());
        QuickList q = new QuickList();
        for (byte[] e : elements) {
            q.pushTail(e, lim.listFill());
        }
        return q;
    }

    private static ZSet zsetOf(List<byte[]> elements, Limits lim) {
        nonEmpty(!elements.isEmpty());
        check(elements.size() % 2 == 0, "bad zset listpack");
        ZSet z = elements.size() / 2 > lim.zset().maxListpackEntries() ? ZSet.skiplist() : new ZSet();
        for (int i = 0; i < elements.size(); i += 2) {
            double score = parseScore(elements.get(i + 1));
            check(z.put(elements.get(i), score, lim.zset()), "duplicate zset member");
        }
        return z;
    }

    private static RHash hashOf(List<byte[]> elements, Limits lim) {
        nonEmpty(!elements.isEmpty());
        check(elements.size() % 2 == 0, "bad hash listpack");
        RHash h = new RHash();
        for (int i = 0; i < elements.size(); i += 2) {
            check(h.set(elements.get(i), elements.get(i + 1), lim.hashMaxEntries(), lim.hashMaxValue()),
                    "duplicate hash field");
        }
        return h;
    }

    static double parseScore(byte[] b) {
        String s = new String(b, StandardCharsets.US_ASCII);
        double d;
        switch (s.toLowerCase(java.util.Locale.ROOT)) {
            case "inf", "+inf", "infinity", "+infinity" -> d = Double.POSITIVE_INFINITY;
            case "-inf", "-infinity" -> d = Double.NEGATIVE_INFINITY;
            default -> {
                check(!s.isEmpty() && !s.contains("n") && !s.contains("N") && !s.contains("x") && !s.contains("X")
                        && !Character.isWhitespace(s.charAt(0)) && !s.endsWith("d") && !s.endsWith("D")
                        && !s.endsWith("f") && !s.endsWith("F"), "bad score");
                try {
                    d = Double.parseDouble(s);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("bad score");
                }
            }
        }
        check(!Double.isNaN(d), "NaN score");
        return d;
    }

    private static StreamId rawId(byte[] b) {
        check(b.length == 16, "bad stream ID");
        long ms = 0;
        long seq = 0;
        for (int i = 0; i < 8; i++) {
            ms = (ms << 8) | (b[i] & 0xff);
            seq = (seq << 8) | (b[8 + i] & 0xff);
        }
        return new StreamId(ms, seq);
    }

    private static long lpInt(List<byte[]> lp, int i) {
        check(i < lp.size(), "truncated stream node");
        Long v = Numbers.parseLong(lp.get(i));
        check(v != null, "bad stream node integer");
        return v;
    }

    /** One stream node: its listpack checked entry by entry (master entry, flags, IDs, counts). */
    private static void readStreamNode(Stream s, StreamId master, List<byte[]> lp) {
        int p = 0;
        long live = lpInt(lp, p++);
        long dead = lpInt(lp, p++);
        long mf = lpInt(lp, p++);
        check(live >= 0 && dead >= 0 && mf >= 0 && mf < lp.size(), "bad master entry");
        List<byte[]> masterFields = lp.subList(p, p + (int) mf);
        p += (int) mf;
        check(lpInt(lp, p++) == 0, "bad master entry terminator");
        int total = (int) (live + dead);
        check(total > 0 && total <= lp.size(), "bad stream node counts");
        StreamId[] ids = new StreamId[total];
        boolean[] deleted = new boolean[total];
        byte[][][] fields = new byte[total][][];
        int liveSeen = 0;
        for (int e = 0; e < total; e++) {
            int start = p;
            long flags = lpInt(lp, p++);
            long ms = master.ms() + lpInt(lp, p++);
            long seq = master.seq() + lpInt(lp, p++);
            ids[e] = new StreamId(ms, seq);
            deleted[e] = (flags & STREAM_DELETED) != 0;
            liveSeen += deleted[e] ? 0 : 1;
            byte[][] f;
            if ((flags & STREAM_SAMEFIELDS) != 0) {
                f = new byte[2 * (int) mf][];
                check(p + mf <= lp.size(), "truncated stream entry");
                for (int i = 0; i < mf; i++) {
                    f[2 * i] = masterFields.get(i);
                    f[2 * i + 1] = lp.get(p++);
                }
            } else {
                long n = lpInt(lp, p++);
                check(n >= 0 && p + 2 * n <= lp.size(), "truncated stream entry");
                f = new byte[2 * (int) n][];
                for (int i = 0; i < 2 * n; i++) {
                    f[i] = lp.get(p++);
                }
            }
            fields[e] = f;
            check(lpInt(lp, p) == p - start, "bad stream entry count");
            p++;
        }
        check(p == lp.size() && liveSeen == live, "bad stream node");
        check(ids[0].equals(master) || ids[0].compareTo(master) > 0, "stream node before its key");
        s.loadNode(ids, deleted, fields);
    }

    private static Stream readStream(RdbStrings.Reader r, boolean v2) {
        Stream s = new Stream();
        long nodes = r.lengthPlain();
        for (long k = 0; k < nodes; k++) {
            byte[] key = r.string();
            check(key.length == 16, "Stream node key entry is not the size of a stream ID");
            StreamId master = rawId(key);
            byte[] blob = packed(r);
            List<byte[]> lp = integrity("Stream listpack integrity check failed.", () -> Listpacks.decode(blob));
            check(!lp.isEmpty(), "Empty listpack inside stream");
            integrity("Stream listpack integrity check failed.", () -> {
                readStreamNode(s, master, lp);
                return null;
            });
        }
        long length = r.lengthPlain();
        StreamId last = new StreamId(r.lengthPlain(), r.lengthPlain());
        StreamId first = null;
        StreamId maxDeleted = StreamId.MIN;
        long added = length;
        if (v2) {
            first = new StreamId(r.lengthPlain(), r.lengthPlain());
            maxDeleted = new StreamId(r.lengthPlain(), r.lengthPlain());
            added = r.lengthPlain();
        }
        check(s.loadCounters(length, last, first, maxDeleted, added), "inconsistent stream counters");
        long groups = r.lengthPlain();
        for (long gi = 0; gi < groups; gi++) {
            byte[] name = r.string();
            StreamId gid = new StreamId(r.lengthPlain(), r.lengthPlain());
            long entriesRead = v2 ? r.lengthPlain() : s.estimateDistanceFromFirstEverEntry(gid);
            StreamGroup g = s.createGroup(name, gid, entriesRead);
            check(g != null, "duplicate consumer group");
            long pel = r.lengthPlain();
            for (long i = 0; i < pel; i++) {
                StreamId id = rawId(r.bytes(16));
                long time = r.millis();
                long count = r.lengthPlain();
                check(g.pel().get(id) == null, "duplicate pending entry");
                g.createOwnerless(id, time).deliveryCount = count;
            }
            long consumers = r.lengthPlain();
            for (long ci = 0; ci < consumers; ci++) {
                byte[] cname = r.string();
                long seen = r.millis();
                StreamGroup.Consumer c = g.createConsumer(cname, seen);
                check(c != null, "Duplicate stream consumer detected.");
                long n = r.lengthPlain();
                for (long i = 0; i < n; i++) {
                    StreamId id = rawId(r.bytes(16));
                    StreamGroup.Nack nack = g.pel().get(id);
                    check(nack != null && nack.consumer() == null, "consumer entry not pending in the group");
                    g.claim(id, c, nack.deliveryTime, nack.deliveryCount, true);
                }
            }
            for (StreamGroup.Nack nack : g.pel().values()) {
                check(nack.consumer() != null, "pending entry without a consumer");
            }
        }
        return s;
    }
}
