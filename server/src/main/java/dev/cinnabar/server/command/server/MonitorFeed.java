package dev.cinnabar.server.command.server;

import dev.cinnabar.server.ServerContext;
import dev.cinnabar.server.command.CommandFlag;
import dev.cinnabar.server.command.CommandSpec;
import dev.cinnabar.server.command.Dispatcher;
import dev.cinnabar.server.config.ConfigFile;
import dev.cinnabar.server.protocol.Errors;
import dev.cinnabar.server.session.Client;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * MONITOR: clients that receive every executed command as a status line
 * {@code 1339518083.107412 [0 127.0.0.1:60866] "keys" "*"}. Fed after execution (so SELECT shows
 * the new database, and commands the gate rejected are not shown), skipping administrative and
 * skip_monitor commands; secrets show as "(redacted)" ({@link Redaction}).
 *
 * <p>Lines go through {@link Client#deliver}, so a monitor's output is bounded by its
 * client-output-buffer-limit like any other pushed data. The list is copy-on-write: feeding runs
 * under the execution lock on every command, monitors come and go rarely.
 */
final class MonitorFeed implements Dispatcher.Observer {
    private final ServerContext server;
    private final List<Client> monitors = new CopyOnWriteArrayList<>();

    MonitorFeed(ServerContext server) {
        this.server = server;
        server.addClientCloseListener(monitors::remove);
        // EVAL/FCALL are skip_monitor: like Redis, the script command is shown before its body runs
        server.scriptMonitor = this::feed;
    }

    /** Shows c's current command to the monitors, whatever its flags (used for EVAL/FCALL). */
    void feed(Client c) {
        if (monitors.isEmpty() || c.argv() == null) {
            return;
        }
        String line = line(c);
        for (Client m : monitors) {
            m.deliver(r -> r.simple(line));
        }
    }

    static MonitorFeed of(ServerContext s) {
        return s.feature(MonitorFeed.class, () -> new MonitorFeed(s));
    }

    boolean isMonitor(Client c) {
        return monitors.contains(c);
    }

    /** MONITOR: no reply when already monitoring, refused inside EXEC (a reply per command is expected). */
    void monitor(Client c) {
        if (c.inExec()) {
            c.error(Errors.MONITOR_DENY_BLOCKING);
            return;
        }
        if (monitors.contains(c)) {
            return;
        }
        monitors.add(c);
        c.reply().ok();
    }

    @Override
    public void afterCall(Client c, CommandSpec cmd, long durationMicros, boolean dirty) {
        if (monitors.isEmpty() || cmd.has(CommandFlag.ADMIN) || cmd.has(CommandFlag.SKIP_MONITOR)
                || (cmd.parent() != null && cmd.parent().has(CommandFlag.ADMIN)) || c.argv() == null) {
            return;
        }
        String line = line(c);
        for (Client m : monitors) {
            m.deliver(r -> r.simple(line));
        }
    }

    private String line(Client c) {
        long micros = WallClock.micros(server);
        StringBuilder sb = new StringBuilder(64);
        sb.append(micros / 1_000_000).append('.').append(String.format(Locale.ROOT, "%06d", micros % 1_000_000));
        sb.append(" [").append(c.db().id()).append(' ');
        if (c.connection() == null || c.connection() == dev.cinnabar.server.session.Connection.NONE) {
            sb.append("lua");
        } else if ((c.flags & dev.cinnabar.server.session.ClientFlags.UNIX_SOCKET) != 0) {
            sb.append("unix:").append(server.config().unixsocket);
        } else {
            sb.append(c.connection().peerAddress());
        }
        sb.append(']');
        java.util.BitSet hide = Redaction.of(c);
        for (int i = 0; i < c.argc(); i++) {
            sb.append(' ');
            if (hide.get(i)) {
                sb.append("\"(redacted)\"");
            } else {
                sb.append(ConfigFile.repr(c.arg(i)));
            }
        }
        return sb.toString();
    }
}
