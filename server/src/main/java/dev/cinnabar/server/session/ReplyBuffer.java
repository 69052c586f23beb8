package dev.cinnabar.server.session;

/**
 * A client's reply buffer as Redis 7.0 sizes it (CLIENT LIST rbs and rbp, counted in tot-mem).
 *
 * <p>Redis gives each client a fixed buffer for its replies, 16 KiB at first, that the cron
 * resizes to what the client needs: when the peak seen since the last reset is less than half the
 * size (and half is still at least 1 KiB) the buffer shrinks to the peak plus one byte (at least 1
 * KiB); when the peak reached the whole size it doubles, up to 16 KiB. Every {@code
 * reply-buffer-peak-reset-time} milliseconds (5 s, DEBUG REPLYBUFFER PEAK-RESET-TIME; never when
 * negative) the peak goes back to what the buffer holds then, so an idle client's buffer shrinks.
 * A new client's peak is its size until the cron's first pass resets it.
 *
 * <p>Here the replies of one batch go into one buffer allocated with this size as its initial
 * capacity; the bytes a batch (or a write of deliveries) leaves for the socket, up to the size,
 * are the fill the peak follows ({@link #filled}). The fields are written by the connection's
 * thread (the fill) and the cron (the resize) without a common lock; both are figures, and a lost
 * update only delays a resize by one cron tick.
 */
public final class ReplyBuffer {
    /** Redis's PROTO_REPLY_CHUNK_BYTES: the first size, and the largest the cron grows to. */
    public static final int CHUNK = 16 * 1024;
    /** Redis's PROTO_REPLY_MIN_BYTES: the smallest size the cron shrinks to. */
    public static final int MIN = 1024;
    /** Redis's default reply buffer peak reset time (ms). */
    public static final long DEFAULT_PEAK_RESET_MILLIS = 5000;

    private volatile int size = CHUNK;
    private volatile int peak = CHUNK;
    private long lastReset;

    public ReplyBuffer(long nowMillis) {
        // Redis stamps a new client's last reset with the time in seconds while the cron compares
        // milliseconds, so the first cron pass resets the peak, and a new client that does not
        // fill its buffer shrinks at the next one: kept, since CLIENT LIST shows it
        this.lastReset = nowMillis / 1000;
    }

    /** rbs: the buffer's size. */
    public int size() {
        return size;
    }

    /** rbp: the highest fill since the last reset. */
    public int peak() {
        return peak;
    }

    /** n bytes of replies were buffered for the socket at once (the connection's thread). */
    public void filled(long n) {
        int s = size;
        int fill = n >= s ? s : (int) n;
        if (fill > peak) {
            peak = fill;
        }
    }

    /**
     * The cron's resize (Redis's clientsCronResizeOutputBuffer): the new size is decided on the
     * peak, then the peak is reset to {@code heldBytes} (what the buffer holds now, at most its
     * new size) when {@code resetMillis} (negative: never) passed since the last reset. Returns
     * 1 when the buffer grew, -1 when it shrank, 0 otherwise.
     */
    public int resize(long nowMillis, long resetMillis, long heldBytes) {
        int s = size;
        int p = peak;
        int next = 0;
        int change = 0;
        if (s / 2 >= MIN && p < s / 2) {
            next = Math.max(MIN, p + 1);
            change = -1;
        } else if (s * 2 < CHUNK * 2 && p == s) {
            next = Math.min(CHUNK, s * 2);
            change = 1;
        }
        if (next != 0) {
            size = next;
            s = next;
        }
        if (resetMillis >= 0 && nowMillis - lastReset >= resetMillis) {
            peak = (int) Math.min(s, Math.max(0, heldBytes));
            lastReset = nowMillis;
        }
        return change;
    }
}
