package dev.cinnabar.server.command.server;

import dev.cinnabar.server.ServerContext;
import dev.cinnabar.server.command.CommandFlag;
import dev.cinnabar.server.command.CommandSpec;
import dev.cinnabar.server.command.Dispatcher;
import dev.cinnabar.server.protocol.Texts;
import dev.cinnabar.server.session.Client;
import java.util.ArrayDeque;
import java.util.Iterator;

/**
 * The slow log: a dispatcher observer keeping the last slowlog-max-len commands that ran for at
 * least slowlog-log-slower-than microseconds (negative disables, 0 logs everything). Arguments
 * are cut as Redis cuts them (32 arguments, 128 bytes each) so an entry's size is bounded, and
 * secrets are shown as "(redacted)" ({@link Redaction}). Mutated under the execution lock.
 */
final class SlowLog implements Dispatcher.Observer {
    static final int MAX_ARGC = 32;
    static final int MAX_STRING = 128;

    record Entry(long id, long timestamp, long micros, String[] args, String peer, String name) {
    }

    private final ServerContext server;
    private final ArrayDeque<Entry> entries = new ArrayDeque<>();
    private long nextId;

    SlowLog(ServerContext server) {
        this.server = server;
    }

    static SlowLog of(ServerContext s) {
        return s.feature(SlowLog.class, () -> new SlowLog(s));
    }

    @Override
    public void afterCall(Client c, CommandSpec cmd, long durationMicros, boolean dirty) {
        if (c.blocked()) {
            return; // logged when the blocked command ends, with its whole duration (afterUnblock)
        }
        log(c, cmd, durationMicros);
    }

    @Override
    public void afterUnblock(Client c, CommandSpec cmd, long durationMicros, long replyMicros) {
        log(c, cmd, durationMicros);
    }

    private void log(Client c, CommandSpec cmd, long durationMicros) {
        long threshold = server.config().slowlogLogSlowerThan;
        if (threshold < 0 || durationMicros < threshold || cmd.has(CommandFlag.SKIP_SLOWLOG)) {
            return;
        }
        if (c.argv() == null) {
            return;
        }
        add(c, durationMicros);
    }

    void add(Client c, long micros) {
        int argc = c.argc();
        int n = Math.min(argc, MAX_ARGC);
        String[] args = new String[n];
        java.util.BitSet hide = Redaction.of(c);
        for (int j = 0; j < n; j++) {
            if (n != argc && j == n - 1) {
                args[j] = "... (" + (argc - n + 1) + " more arguments)";
                break;
            }
            byte[] a = c.arg(j);
            if (hide.get(j)) {
                args[j] = "(redacted)";
            } else if (a.length > MAX_STRING) {
                args[j] = Texts.str(java.util.Arrays.copyOf(a, MAX_STRING)) + "... (" + (a.length - MAX_STRING)
                        + " more bytes)";
            } else {
                args[j] = Texts.str(a);
            }
        }
        String peer = c.connection() == null ? "" : c.connection().peerAddress();
        entries.addFirst(new Entry(nextId++, server.now() / 1000, micros, args, peer,
                c.name() == null ? "" : c.name()));
        trim();
    }

    private void trim() {
        int max = server.config().slowlogMaxLen;
        while (entries.size() > max) {
            entries.removeLast();
        }
    }

    int size() {
        trim();
        return entries.size();
    }

    void reset() {
        entries.clear();
    }

    /** Newest first. */
    Iterator<Entry> iterator() {
        trim();
        return entries.iterator();
    }
}
