package dev.cinnabar.testkit;

import dev.cinnabar.server.CinnabarServer;
import dev.cinnabar.server.propagate.PropagationSink;
import dev.cinnabar.server.propagate.SelectingSink;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * What an embedded server propagates, seen as a replica would see it: a replication-target sink
 * (SELECT on database changes included) attached to the server's propagation path, recording each
 * command as strings (ISO-8859-1, so any byte survives). Tests only: production code registers
 * its own sinks (AOF, replication backlog).
 */
public final class PropagationRecorder extends SelectingSink implements AutoCloseable {
    private final CinnabarServer server;
    private final List<List<String>> commands = new ArrayList<>();

    private PropagationRecorder(CinnabarServer server) {
        super(PropagationSink.REPL);
        this.server = server;
    }

    /** Attaches a recorder to the server (its first recorded command is a SELECT, as a new replica's). */
    public static PropagationRecorder attach(CinnabarServer server) {
        PropagationRecorder r = new PropagationRecorder(server);
        var ctx = server.context();
        ctx.lock().lock();
        try {
            ctx.dispatcher().propagator().addSink(r);
        } finally {
            ctx.lock().unlock();
        }
        return r;
    }

    @Override
    protected void write(byte[][] argv) {
        List<String> c = new ArrayList<>(argv.length);
        for (byte[] a : argv) {
            c.add(new String(a, StandardCharsets.ISO_8859_1));
        }
        synchronized (commands) {
            commands.add(c);
        }
    }

    /** The commands recorded since the last call, removed. */
    public List<List<String>> take() {
        synchronized (commands) {
            List<List<String>> out = new ArrayList<>(commands);
            commands.clear();
            return out;
        }
    }

    @Override
    public void close() {
        var ctx = server.context();
        ctx.lock().lock();
        try {
            ctx.dispatcher().propagator().removeSink(this);
        } finally {
            ctx.lock().unlock();
        }
    }
}
