package dev.cinnabar.server.command.bitmap;

import dev.cinnabar.server.session.Client;
import dev.cinnabar.server.store.Db;
import dev.cinnabar.server.store.RawString;
import dev.cinnabar.server.store.Strings;

/**
 * The bytes of a string value without copying (Redis's getObjectReadOnlyString): {@code b} may be
 * longer than {@code len} for a raw string with spare capacity. An int-encoded value is viewed as
 * its decimal digits. A missing value is an empty view.
 */
public record StringView(byte[] b, int len) {
    static final StringView EMPTY = new StringView(new byte[0], 0);

    public static StringView of(Object v) {
        if (v == null) {
            return EMPTY;
        }
        if (v instanceof byte[] a) {
            return new StringView(a, a.length);
        }
        if (v instanceof RawString r) {
            return new StringView(r.array(), r.length());
        }
        byte[] digits = Strings.bytes(v);
        return new StringView(digits, digits.length);
    }

    /** A writable string and whether preparing it created or lengthened it. */
    public record Target(RawString str, boolean grew) {
    }

    /**
     * The key's string value made writable and at least {@code minLen} bytes long, zero padded
     * (Redis's lookupStringForBitCommand): created when missing, converted to a private raw string
     * when stored as an immutable or int encoding. The TTL is kept. Returns null after replying
     * WRONGTYPE when the key holds another type.
     */
    public static Target forWrite(Client c, byte[] key, long minLen) {
        Db db = c.db();
        Object v = db.lookupWrite(key);
        RawString r;
        if (v == null) {
            r = new RawString(new byte[(int) minLen]);
            db.add(key, r);
            return new Target(r, true);
        }
        if (!Strings.isString(v)) {
            c.error(dev.cinnabar.server.protocol.Errors.WRONGTYPE);
            return null;
        }
        if (v instanceof RawString raw) {
            r = raw;
        } else {
            r = new RawString(Strings.bytes(v).clone());
            db.overwrite(key, r);
        }
        int before = r.length();
        r.growZero((int) minLen);
        return new Target(r, r.length() > before);
    }
}
