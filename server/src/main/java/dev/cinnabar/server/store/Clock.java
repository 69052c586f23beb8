package dev.cinnabar.server.store;

/**
 * The one source of time. Production uses the system clock; tests inject a {@link ManualClock}
 * and move time. No command reads the wall clock directly: the server caches "now" once per
 * command (as Redis's commandTimeSnapshot) from this clock.
 */
public interface Clock {
    /** Wall-clock milliseconds since the epoch. */
    long millis();

    /** A monotonic nanosecond counter for durations. */
    long nanos();

    Clock SYSTEM = new Clock() {
        @Override
        public long millis() {
            return System.currentTimeMillis();
        }

        @Override
        public long nanos() {
            return System.nanoTime();
        }
    };
}
