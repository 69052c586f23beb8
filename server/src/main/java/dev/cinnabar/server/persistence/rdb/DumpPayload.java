package dev.cinnabar.server.persistence.rdb;

/**
 * DUMP / RESTORE payloads, in Redis's format: the value in RDB encoding (type byte and value),
 * then the RDB version as 2 bytes little-endian, then a CRC-64 (Jones, as in RDB files) of
 * everything before it, 8 bytes little-endian. Payloads are interchangeable with Redis 7.0's.
 */
public final class DumpPayload {
    private DumpPayload() {
    }

    /** The payload for a stored value with strings compressed, or null when the value has no RDB type. */
    public static byte[] dump(Object value) {
        return dump(value, true);
    }

    /**
     * The payload for a stored value, or null when the value has no RDB type. As Redis's DUMP, strings
     * over 20 bytes are LZF-compressed only with compression (rdbcompression yes).
     */
    public static byte[] dump(Object value, boolean compression) {
        RdbBuffer out = new RdbBuffer(compression, 64);
        if (!RdbValues.write(out, value)) {
            return null;
        }
        out.write(RdbValues.RDB_VERSION);
        out.write(RdbValues.RDB_VERSION >>> 8);
        byte[] body = out.toByteArray();
        long crc = Crc64.of(body, 0, body.length);
        for (int i = 0; i < 8; i++) {
            out.write((int) (crc >>> (8 * i)));
        }
        return out.toByteArray();
    }

    /** True when the footer's RDB version is one we read and the checksum matches. */
    public static boolean verify(byte[] p) {
        return verify(p, false);
    }

    /**
     * {@link #verify(byte[])}; {@code skipChecksum}: only the version is checked (DEBUG
     * SET-SKIP-CHECKSUM-VALIDATION 1, as Redis's skip_checksum_validation).
     */
    public static boolean verify(byte[] p, boolean skipChecksum) {
        if (p.length < 10) {
            return false;
        }
        int footer = p.length - 10;
        int version = (p[footer] & 0xff) | ((p[footer + 1] & 0xff) << 8);
        if (version > RdbValues.RDB_VERSION) {
            return false;
        }
        if (skipChecksum) {
            return true;
        }
        long crc = Listpacks.le(p, footer + 2, 8);
        return Crc64.of(p, 0, footer + 2) == crc;
    }

    /** Why a payload's value was refused, and where its reading stopped (RESTORE logs both). */
    public static final class Corrupt extends IllegalArgumentException {
        public final long offset;

        Corrupt(long offset, String reason) {
            super(reason);
            this.offset = offset;
        }
    }

    /**
     * The value of a verified payload, built with the given limits; IllegalArgumentException when
     * the value is malformed or followed by extra bytes.
     */
    public static Object restore(byte[] p, RdbValues.Limits limits) {
        return read(p, limits).value();
    }

    /** A restored value and the number of listpacks, ziplists, intsets and zipmaps it was read from. */
    public record Restored(Object value, int packedBlobs) {
    }

    /**
     * Reads a verified payload whole. Every element of the value is decoded and checked into our own
     * structures (no serialized blob is kept as it came), so the result is either a value that
     * answers every command, or IllegalArgumentException with nothing half-built: this is what
     * Redis calls deep sanitization, and it is always done. {@link Restored#packedBlobs} is what
     * Redis counts as sanitizations when sanitize-dump-payload asks for them.
     */
    public static Restored read(byte[] p, RdbValues.Limits limits) {
        RdbStrings.Reader r = new RdbStrings.Reader(p, 0, p.length - 10);
        try {
            int type = r.u8();
            Object v = RdbValues.read(r, type, limits);
            if (r.hasMore()) {
                throw new IllegalArgumentException("trailing bytes after the value");
            }
            return new Restored(v, r.packedBlobs);
        } catch (RdbStrings.Truncated e) {
            throw new Corrupt(r.offset(), "Unexpected EOF reading RDB file");
        } catch (RdbValues.EmptyKey e) {
            throw e; // refused without a log line, as Redis
        } catch (RuntimeException e) {
            throw new Corrupt(r.offset(), e.getMessage() == null ? "Bad data format" : e.getMessage());
        }
    }
}
