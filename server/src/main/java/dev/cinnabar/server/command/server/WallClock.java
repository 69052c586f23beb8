package dev.cinnabar.server.command.server;

import dev.cinnabar.server.ServerContext;

/**
 * Wall-clock time in microseconds (TIME, MONITOR, INFO server_time_usec), derived from the
 * injected clock: the wall time read once, advanced by the monotonic nanosecond clock, so that
 * successive readings never go backwards and carry real microseconds.
 */
final class WallClock {
    private final ServerContext server;
    private final long baseMicros;
    private final long baseNanos;

    private WallClock(ServerContext s) {
        this.server = s;
        this.baseMicros = s.clock().millis() * 1000;
        this.baseNanos = s.clock().nanos();
    }

    static long micros(ServerContext s) {
        return s.feature(WallClock.class, () -> new WallClock(s)).now();
    }

    private long now() {
        return baseMicros + (server.clock().nanos() - baseNanos) / 1000;
    }
}
