package dev.cinnabar.cache.internal;

import java.nio.ByteBuffer;

/**
 * How a cached entry is stored in Redis: one kind byte (0 = value, 1 = "absent" marker), the
 * logical expiry in epoch ms (0 = none), then the codec's payload. Nine bytes of overhead buy null
 * caching and logical expiry without a second key.
 */
final class Envelope {
    static final byte VALUE = 0;
    static final byte ABSENT = 1;
    static final int HEADER = 9;

    final byte kind;
    final long logicalExpireAt;
    final byte[] payload;

    private Envelope(byte kind, long logicalExpireAt, byte[] payload) {
        this.kind = kind;
        this.logicalExpireAt = logicalExpireAt;
        this.payload = payload;
    }

    static byte[] encode(byte kind, long logicalExpireAt, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(HEADER + (payload == null ? 0 : payload.length));
        b.put(kind).putLong(logicalExpireAt);
        if (payload != null) {
            b.put(payload);
        }
        return b.array();
    }

    /** Decodes; returns null for bytes that are not an envelope (treated as a miss and overwritten). */
    static Envelope decode(byte[] raw) {
        if (raw == null || raw.length < HEADER || (raw[0] != VALUE && raw[0] != ABSENT)) {
            return null;
        }
        ByteBuffer b = ByteBuffer.wrap(raw);
        byte kind = b.get();
        long exp = b.getLong();
        byte[] payload = new byte[raw.length - HEADER];
        b.get(payload);
        return new Envelope(kind, exp, payload);
    }

    boolean absent() {
        return kind == ABSENT;
    }
}
