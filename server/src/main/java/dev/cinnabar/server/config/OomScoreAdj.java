package dev.cinnabar.server.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * oom-score-adj and oom-score-adj-values: how likely the Linux OOM killer is to pick this process,
 * written to /proc/self/oom_score_adj as Redis does. When enabled, the value of the process's class
 * (master, or replica while the server replicates; there is no fork child here) is used as is ("absolute") or
 * added to the score the process had before the server first took control ("relative", also
 * spelled "yes"), clamped to -1000..1000. Disabling restores that earlier score; while disabled
 * the file is never touched.
 *
 * <p>The score belongs to the process, so the state is too: one instance per JVM. Where the file
 * does not exist (not Linux) or cannot be written (lowering it needs privileges), {@link #update}
 * fails and the caller reports it.
 */
public final class OomScoreAdj {
    private static final OomScoreAdj PROCESS = new OomScoreAdj(Path.of("/proc/self/oom_score_adj"));
    /** Index of the master class in oom-score-adj-values (replica 1, background child 2). */
    static final int MASTER = 0;
    static final int REPLICA = 1;

    private final Path file;
    private boolean adjusted;
    private int base;

    OomScoreAdj(Path file) {
        this.file = file;
    }

    /** The one for this process. */
    public static OomScoreAdj process() {
        return PROCESS;
    }

    /**
     * Brings the score in line with the configuration (mode "no", "yes", "relative" or "absolute";
     * values per class) and the server's role (the replica class while it replicates a master).
     *
     * @throws IOException when the file cannot be read or written (the score is then unchanged)
     */
    public synchronized void update(String mode, int[] values, boolean replica) throws IOException {
        int val;
        if (!mode.equals("no")) {
            if (!adjusted) {
                base = Integer.parseInt(Files.readString(file, StandardCharsets.US_ASCII).trim());
            }
            val = values[replica ? REPLICA : MASTER] + (mode.equals("absolute") ? 0 : base);
            val = Math.max(-1000, Math.min(1000, val));
            Files.writeString(file, val + "\n", StandardCharsets.US_ASCII);
            adjusted = true;
        } else if (adjusted) {
            Files.writeString(file, base + "\n", StandardCharsets.US_ASCII);
            adjusted = false;
        }
    }
}
