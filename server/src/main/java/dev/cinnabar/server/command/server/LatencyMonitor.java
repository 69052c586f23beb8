package dev.cinnabar.server.command.server;

import dev.cinnabar.server.ServerContext;
import dev.cinnabar.server.command.CommandFlag;
import dev.cinnabar.server.command.CommandSpec;
import dev.cinnabar.server.command.CommandTable;
import dev.cinnabar.server.command.LatencyHistogram;
import dev.cinnabar.server.command.Dispatcher;
import dev.cinnabar.server.protocol.Errors;
import dev.cinnabar.server.protocol.Reply;
import dev.cinnabar.server.protocol.Texts;
import dev.cinnabar.server.session.Client;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The latency monitor (LATENCY LATEST / HISTORY / GRAPH / RESET / DOCTOR): when latency-monitor-threshold
 * is above 0, every event that took at least that many milliseconds is recorded in its class
 * ("command", "fast-command" from the dispatcher; other features may add their own through
 * {@link #addSampleIfNeeded}). Each class keeps the last 160 one-second samples (the worst latency
 * of each second) and its all-time maximum, so memory is bounded by the number of classes.
 * Mutated under the execution lock.
 */
public final class LatencyMonitor implements Dispatcher.Observer {
    static final int HISTORY = 160;

    /** One event class's samples, a ring of (unix seconds, milliseconds). */
    static final class Series {
        final long[] times = new long[HISTORY];
        final long[] millis = new long[HISTORY];
        int next;
        int count;
        long max;

        void add(long time, long ms) {
            int last = (next + HISTORY - 1) % HISTORY;
            if (count > 0 && times[last] == time) {
                millis[last] = Math.max(millis[last], ms);
            } else {
                times[next] = time;
                millis[next] = ms;
                next = (next + 1) % HISTORY;
                count = Math.min(HISTORY, count + 1);
            }
            max = Math.max(max, ms);
        }

        int at(int i) {
            return (next - count + i + HISTORY) % HISTORY;
        }

        int latest() {
            return (next + HISTORY - 1) % HISTORY;
        }
    }

    private final ServerContext server;
    final Map<String, Series> events = new TreeMap<>();

    private LatencyMonitor(ServerContext server) {
        this.server = server;
    }

    static LatencyMonitor of(ServerContext s) {
        return s.feature(LatencyMonitor.class, () -> new LatencyMonitor(s));
    }

    /** Records a sample for an event class when monitoring is on and it reaches the threshold. */
    public static void addSampleIfNeeded(ServerContext s, String event, long millis) {
        long threshold = s.config().latencyMonitorThreshold;
        if (threshold > 0 && millis >= threshold) {
            of(s).events.computeIfAbsent(event, k -> new Series()).add(s.clock().millis() / 1000, millis);
        }
    }

    @Override
    public void afterCall(Client c, CommandSpec cmd, long durationMicros, boolean dirty) {
        if (server.config().latencyMonitorThreshold > 0) {
            addSampleIfNeeded(server, cmd.has(CommandFlag.FAST) ? "fast-command" : "command", durationMicros / 1000);
        }
    }

    @Override
    public void afterUnblock(Client c, CommandSpec cmd, long durationMicros, long replyMicros) {
        addSampleIfNeeded(server, "command-unblocking", replyMicros / 1000);
    }

    private static final String[] HELP = {
        "LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "DOCTOR",
        "    Describe the recorded latency events in plain words.",
        "GRAPH <event>",
        "    Draw the samples of the <event> class as an ASCII chart, labelled with their age.",
        "HISTORY <event>",
        "    Return the [time, latency] samples of the <event> class.",
        "LATEST",
        "    Return [event, time, latest latency, max latency] for every event class.",
        "RESET [<event> ...]",
        "    Forget the samples of the given event classes (all of them by default).",
        "HISTOGRAM [COMMAND ...]",
        "    Reply the cumulative latency distribution (microsecond buckets) of the named commands,",
        "    or of every command that has one when none is named.",
        "HELP",
        "    Print this help.",
    };

    static void help(Client c) {
        ServerCommands.help(c, HELP);
    }

    /**
     * LATENCY HISTOGRAM [command ...]: a map of command full name to {calls, histogram_usec}. A
     * named container command also reports its subcommands; unknown names are skipped.
     */
    static void histogram(Client c) {
        List<CommandSpec> cmds = new ArrayList<>();
        CommandTable t = c.server().commands();
        if (c.argc() == 2) {
            for (CommandSpec cmd : t.commands()) {
                cmds.add(cmd);
                cmds.addAll(cmd.subcommands());
            }
        } else {
            for (int i = 2; i < c.argc(); i++) {
                CommandSpec cmd = t.lookup(Texts.str(c.arg(i)));
                if (cmd != null) {
                    cmds.add(cmd);
                    cmds.addAll(cmd.subcommands());
                }
            }
        }
        cmds.removeIf(cmd -> cmd.latency == null || cmd.latency.count() == 0);
        Reply r = c.reply();
        r.map(cmds.size());
        for (CommandSpec cmd : cmds) {
            LatencyHistogram h = cmd.latency;
            r.bulk(cmd.fullName());
            r.map(2);
            r.bulk("calls");
            r.integer(h.count());
            r.bulk("histogram_usec");
            r.map(h.bucketCount());
            h.forEachBucket((micros, count) -> {
                r.integer(micros);
                r.integer(count);
            });
        }
    }

    static void latest(Client c) {
        LatencyMonitor m = of(c.server());
        Reply r = c.reply();
        r.array(m.events.size());
        for (Map.Entry<String, Series> e : m.events.entrySet()) {
            Series s = e.getValue();
            int l = s.latest();
            r.array(4);
            r.bulk(e.getKey());
            r.integer(s.times[l]);
            r.integer(s.millis[l]);
            r.integer(s.max);
        }
    }

    static void history(Client c) {
        Series s = of(c.server()).events.get(Texts.str(c.arg(2)));
        Reply r = c.reply();
        if (s == null) {
            r.array(0);
            return;
        }
        r.array(s.count);
        for (int i = 0; i < s.count; i++) {
            int k = s.at(i);
            r.array(2);
            r.integer(s.times[k]);
            r.integer(s.millis[k]);
        }
    }

    /** LATENCY GRAPH event: the samples' chart, with the age of each below it. */
    static void graph(Client c) {
        String event = Texts.str(c.arg(2));
        Series s = of(c.server()).events.get(event);
        if (s == null) {
            c.error(Errors.noLatencySamples(event));
            return;
        }
        c.reply().verbatim("txt", graph(event, s, c.server().clock().millis() / 1000));
    }

    static final int GRAPH_COLUMNS = 80;
    static final int GRAPH_ROWS = 4;

    /** The text of LATENCY GRAPH for a series, ages counted back from {@code nowSeconds}. */
    static String graph(String event, Series s, long nowSeconds) {
        List<Sparkline.Sample> samples = new ArrayList<>(s.count);
        long low = Long.MAX_VALUE;
        long high = Long.MIN_VALUE;
        for (int i = 0; i < s.count; i++) {
            int k = s.at(i);
            low = Math.min(low, s.millis[k]);
            high = Math.max(high, s.millis[k]);
            samples.add(new Sparkline.Sample(s.millis[k], age(nowSeconds - s.times[k])));
        }
        return event + " - high " + high + " ms, low " + low + " ms (all time high " + s.max + " ms)\n"
                + "-".repeat(GRAPH_COLUMNS) + "\n"
                + Sparkline.render(samples, GRAPH_COLUMNS, GRAPH_ROWS);
    }

    /** An age as the graph labels it: whole seconds, minutes, hours or days. */
    static String age(long seconds) {
        if (seconds < 60) {
            return seconds + "s";
        } else if (seconds < 3600) {
            return seconds / 60 + "m";
        } else if (seconds < 86400) {
            return seconds / 3600 + "h";
        }
        return seconds / 86400 + "d";
    }

    static void reset(Client c) {
        LatencyMonitor m = of(c.server());
        int n;
        if (c.argc() == 2) {
            n = m.events.size();
            m.events.clear();
        } else {
            n = 0;
            for (int i = 2; i < c.argc(); i++) {
                n += m.events.remove(Texts.str(c.arg(i))) != null ? 1 : 0;
            }
        }
        c.reply().integer(n);
    }

    static void doctor(Client c) {
        LatencyMonitor m = of(c.server());
        long threshold = c.server().config().latencyMonitorThreshold;
        StringBuilder sb = new StringBuilder();
        if (m.events.isEmpty()) {
            sb.append(threshold > 0
                    ? "No event has reached the latency threshold of " + threshold + " ms since the monitor started.\n"
                    : "The latency monitor is off (latency-monitor-threshold is 0): enable it with "
                    + "CONFIG SET latency-monitor-threshold <milliseconds>.\n");
        } else {
            sb.append("Latency events at or above ").append(threshold).append(" ms:\n\n");
            int i = 1;
            for (Map.Entry<String, Series> e : m.events.entrySet()) {
                Series s = e.getValue();
                long sum = 0;
                for (int k = 0; k < s.count; k++) {
                    sum += s.millis[s.at(k)];
                }
                sb.append(i++).append(". ").append(e.getKey()).append(": ").append(s.count)
                        .append(" latency spikes (average ").append(s.count == 0 ? 0 : sum / s.count)
                        .append("ms, worst ").append(s.max).append("ms, latest ")
                        .append(s.millis[s.latest()]).append("ms at ").append(s.times[s.latest()]).append(").\n");
            }
            sb.append('\n');
            if (m.events.containsKey("command") || m.events.containsKey("fast-command")) {
                sb.append("- Slow commands: SLOWLOG GET shows which ones; O(N) commands on large values block ")
                        .append("the server while they run.\n");
            }
        }
        c.reply().verbatim("txt", sb.toString());
    }
}
