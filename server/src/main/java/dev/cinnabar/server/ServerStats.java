package dev.cinnabar.server;

import java.util.HashMap;
import java.util.Map;

/** Server-wide counters INFO stats reports. Mutated under the execution lock unless atomic. */
public final class ServerStats {
    public long totalCommandsProcessed;
    public final java.util.concurrent.atomic.AtomicLong totalConnectionsReceived = new java.util.concurrent.atomic.AtomicLong();
    public final java.util.concurrent.atomic.AtomicLong rejectedConnections = new java.util.concurrent.atomic.AtomicLong();
    public final java.util.concurrent.atomic.AtomicLong netInputBytes = new java.util.concurrent.atomic.AtomicLong();
    public final java.util.concurrent.atomic.AtomicLong netOutputBytes = new java.util.concurrent.atomic.AtomicLong();
    public long totalErrorReplies;
    public long unexpectedErrorReplies;
    /** Listpacks, ziplists, intsets and zipmaps RESTORE sanitized (sanitize-dump-payload yes/clients). */
    public long dumpPayloadSanitizations;
    /**
     * Access denials by reason, as Redis's acl_info (INFO stats acl_access_denied_*, Redis 7.2+):
     * failed AUTH / HELLO AUTH attempts, and commands refused by ACL rules for the command, a key or
     * a channel. Like Redis, CONFIG RESETSTAT does not reset them.
     */
    public long aclDeniedAuth;
    public long aclDeniedCmd;
    public long aclDeniedKey;
    public long aclDeniedChannel;
    /** errorstats: error code (first word, e.g. "ERR", "WRONGTYPE") → count. */
    public final Map<String, Long> errorCodes = new HashMap<>();
    /** Instantaneous ops/sec sampling (Redis's STATS_METRIC_COMMAND), updated by the cron. */
    public final InstantaneousMetric opsPerSec = new InstantaneousMetric();
    public final InstantaneousMetric inputKbps = new InstantaneousMetric();
    public final InstantaneousMetric outputKbps = new InstantaneousMetric();

    /** Unix time (s) of the last successful save; -1 until one happens (LASTSAVE then reports the start time). */
    public volatile long lastSaveSeconds = -1;

    public void countError(String msg) {
        totalErrorReplies++;
        int sp = msg.indexOf(' ');
        String code = sp < 0 ? msg : msg.substring(0, sp);
        errorCodes.merge(code, 1L, Long::sum);
    }

    public void reset() {
        totalCommandsProcessed = 0;
        totalConnectionsReceived.set(0);
        rejectedConnections.set(0);
        netInputBytes.set(0);
        netOutputBytes.set(0);
        totalErrorReplies = 0;
        unexpectedErrorReplies = 0;
        dumpPayloadSanitizations = 0;
        errorCodes.clear();
    }

    /** A rate sampled at every cron tick over the last 16 samples, as Redis's trackInstantaneousMetric. */
    public static final class InstantaneousMetric {
        private static final int SAMPLES = 16;
        private final double[] samples = new double[SAMPLES];
        private int idx;
        private long lastReading;
        private long lastTimeMs;

        public void sample(long currentReading, long nowMs) {
            if (lastTimeMs != 0) {
                long dt = nowMs - lastTimeMs;
                if (dt > 0) {
                    samples[idx] = (currentReading - lastReading) * 1000.0 / dt;
                    idx = (idx + 1) % SAMPLES;
                }
            }
            lastReading = currentReading;
            lastTimeMs = nowMs;
        }

        public double value() {
            double s = 0;
            for (double d : samples) {
                s += d;
            }
            return s / SAMPLES;
        }
    }
}
