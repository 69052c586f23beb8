package dev.cinnabar.server.command.server;

import dev.cinnabar.server.store.Db;
import dev.cinnabar.server.store.Dict;
import dev.cinnabar.server.store.Keyspace;
import dev.cinnabar.server.store.Strings;
import dev.cinnabar.server.store.hash.RHash;
import dev.cinnabar.server.store.list.QuickList;
import dev.cinnabar.server.store.set.RSet;
import dev.cinnabar.server.store.stream.Stream;
import dev.cinnabar.server.store.stream.StreamId;
import dev.cinnabar.server.store.zset.ZSet;
import dev.cinnabar.server.util.Doubles;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The dataset and value signatures of DEBUG DIGEST and DEBUG DIGEST-VALUE, computed as Redis 7.0
 * computes them so that the same data gives the same 40 hex digits on both servers (tests compare
 * a dataset before and after a reload, or a key and its COPY).
 *
 * <p>Two SHA-1 combinators: "xor" adds SHA1(data) into the running digest (order-free, for the
 * elements of sets, hashes, sorted sets and for the keys of a database); "mix" xors SHA1(data) in
 * and then replaces the digest by its own SHA-1 (order-sensitive, for list elements, stream
 * entries and the parts of one element). A value's digest starts with its type code (Redis's
 * numbering: string 0, list 1, set 2, zset 3, hash 4, stream 6, big-endian 32-bit), then its
 * content; a key with a TTL also gets "!!expire!!" xored in. Scores are written with %.17g,
 * integers in decimal. Encodings do not matter: only the logical content is hashed.
 *
 * <p>Cost: one SHA-1 per element (two or three for pairs), so DEBUG DIGEST is O(dataset) under
 * the execution lock, as in Redis; it is a test and debugging aid.
 */
final class Digest {
    static final int LENGTH = 20;
    private static final byte[] EXPIRE_MARK = "!!expire!!".getBytes(StandardCharsets.US_ASCII);

    private final MessageDigest sha1;

    Digest() {
        try {
            sha1 = MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK must provide SHA-1", e);
        }
    }

    /** digest ^= SHA1(data). */
    void xor(byte[] digest, byte[] data) {
        byte[] h = sha1.digest(data);
        for (int j = 0; j < LENGTH; j++) {
            digest[j] ^= h[j];
        }
    }

    /** digest = SHA1(digest ^ SHA1(data)). */
    void mix(byte[] digest, byte[] data) {
        xor(digest, data);
        System.arraycopy(sha1.digest(digest), 0, digest, 0, LENGTH);
    }

    private static byte[] uint32(int v) {
        return new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** Redis's type codes (the RDB object types before encodings). */
    private static int typeCode(Object v) {
        if (Strings.isString(v)) {
            return 0;
        }
        if (v instanceof QuickList) {
            return 1;
        }
        if (v instanceof RSet) {
            return 2;
        }
        if (v instanceof ZSet) {
            return 3;
        }
        if (v instanceof RHash) {
            return 4;
        }
        if (v instanceof Stream) {
            return 6;
        }
        throw new IllegalArgumentException("no digest for " + v.getClass().getSimpleName());
    }

    /** Adds a value's digest (type, content, expire mark) into digest. */
    void value(byte[] digest, Object v, boolean hasExpire) {
        mix(digest, uint32(typeCode(v)));
        if (Strings.isString(v)) {
            mix(digest, Strings.bytes(v));
        } else if (v instanceof QuickList q) {
            q.forEach(el -> mix(digest, el));
        } else if (v instanceof RSet s) {
            s.forEach(m -> xor(digest, m));
        } else if (v instanceof ZSet z) {
            z.forEach((m, score) -> {
                byte[] e = new byte[LENGTH];
                mix(e, m);
                mix(e, ascii(Doubles.fmt17g(score)));
                xor(digest, e);
                return true;
            });
        } else if (v instanceof RHash h) {
            h.forEach((f, val) -> {
                byte[] e = new byte[LENGTH];
                mix(e, f);
                mix(e, val);
                xor(digest, e);
            });
        } else if (v instanceof Stream s) {
            s.range(StreamId.MIN, StreamId.MAX, false, 0, (id, fields) -> {
                mix(digest, ascii(Long.toUnsignedString(id.ms()) + "." + Long.toUnsignedString(id.seq())));
                for (byte[] f : fields) {
                    mix(digest, f);
                }
                return true;
            });
        }
        if (hasExpire) {
            xor(digest, EXPIRE_MARK);
        }
    }

    /** DEBUG DIGEST-VALUE of one key (logically expired keys included); all zeros when missing. */
    byte[] key(Db db, byte[] key) {
        byte[] digest = new byte[LENGTH];
        Dict.Entry e = db.rawEntry(key);
        if (e != null) {
            value(digest, e.value(), db.getExpire(key) != -1);
        }
        return digest;
    }

    /** DEBUG DIGEST: all zeros for an empty dataset. */
    byte[] dataset(Keyspace ks) {
        byte[] result = new byte[LENGTH];
        for (int j = 0; j < ks.count(); j++) {
            Db db = ks.db(j);
            if (db.size() == 0) {
                continue;
            }
            mix(result, uint32(j));
            db.dict().forEach(e -> {
                byte[] d = new byte[LENGTH];
                mix(d, e.key());
                value(d, e.value(), db.getExpire(e.key()) != -1);
                xor(result, d);
            });
        }
        return result;
    }

    static String hex(byte[] digest) {
        StringBuilder sb = new StringBuilder(2 * LENGTH);
        for (byte b : digest) {
            sb.append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
        }
        return sb.toString();
    }
}
