package dev.cinnabar.server.propagate;

import java.nio.charset.StandardCharsets;

/**
 * A sink that writes SELECT before a command whose database differs from the last one it wrote,
 * as Redis's replication feed and AOF do (a new sink has selected no database, so its first
 * command is preceded by SELECT). Subclasses receive the resulting commands in order.
 */
public abstract class SelectingSink implements PropagationSink {
    private static final byte[] SELECT = "SELECT".getBytes(StandardCharsets.US_ASCII);
    private final int targets;
    private int selected = -1;

    protected SelectingSink(int targets) {
        this.targets = targets;
    }

    @Override
    public final int targets() {
        return targets;
    }

    @Override
    public final void append(int dbId, byte[][] argv) {
        if (dbId != selected) {
            write(new byte[][] {SELECT, Integer.toString(dbId).getBytes(StandardCharsets.US_ASCII)});
            selected = dbId;
        }
        write(argv);
    }

    /** Forgets the selected database: the next command is preceded by SELECT (a new replica, a rewritten AOF). */
    public void reselect() {
        selected = -1;
    }

    /** One command of the stream (SELECT included). */
    protected abstract void write(byte[][] argv);
}
