package dev.cinnabar.server.command.server;

import dev.cinnabar.server.command.CommandTable;
import dev.cinnabar.server.protocol.Errors;
import dev.cinnabar.server.protocol.Reply;
import dev.cinnabar.server.protocol.Texts;
import dev.cinnabar.server.session.Client;
import dev.cinnabar.server.store.Db;
import dev.cinnabar.server.store.MemoryUsage;
import dev.cinnabar.server.store.Numbers;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.util.Locale;

/**
 * MEMORY USAGE / STATS / DOCTOR / MALLOC-STATS / PURGE / HELP. Redis's replies and field names;
 * the figures come from the JVM (see {@link MemoryReport}) and, for USAGE, from a layout-based
 * estimate of the key's objects ({@link dev.cinnabar.server.store.MemoryUsage}).
 */
final class MemoryCommands {
    private static final String[] HELP = {
        "MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "DOCTOR",
        "    Report memory problems found, with advice.",
        "MALLOC-STATS",
        "    Report the JVM's heap and memory pool figures (the allocator here).",
        "PURGE",
        "    Ask the JVM for a full collection so unused heap can be returned.",
        "STATS",
        "    Report the server's memory use, broken down.",
        "USAGE <key> [SAMPLES <count>]",
        "    Estimate the bytes used by <key> and its value; aggregates are sampled",
        "    <count> elements deep (default: 5, 0 means all of them).",
        "HELP",
        "    Print this help.",
    };

    private MemoryCommands() {
    }

    static void bind(CommandTable t) {
        t.bind("memory", "usage", MemoryCommands::usage);
        t.bind("memory", "stats", MemoryCommands::stats);
        t.bind("memory", "doctor", MemoryCommands::doctor);
        t.bind("memory", "malloc-stats", MemoryCommands::mallocStats);
        t.bind("memory", "purge", MemoryCommands::purge);
        t.bind("memory", "help", c -> ServerCommands.help(c, HELP));
    }

    static void usage(Client c) {
        int samples = 5;
        for (int i = 3; i < c.argc(); i++) {
            if (Texts.str(c.arg(i)).equalsIgnoreCase("samples") && i + 1 < c.argc()) {
                Long n = Numbers.parseLong(c.arg(++i));
                if (n == null) {
                    c.error(Errors.NOT_INTEGER);
                    return;
                }
                if (n < 0) {
                    c.error(Errors.SYNTAX);
                    return;
                }
                samples = n == 0 || n > Integer.MAX_VALUE ? 0 : (int) (long) n;
            } else {
                c.error(Errors.SYNTAX);
                return;
            }
        }
        byte[] key = c.arg(2);
        Object v = c.db().lookup(key, Db.LOOKUP_NOTOUCH);
        if (v == null) {
            c.reply().nullBulk();
            return;
        }
        c.reply().integer(MemoryUsage.of(key, v, samples));
    }

    static void stats(Client c) {
        MemoryReport m = MemoryReport.take(c.server());
        Reply r = c.reply();
        r.map(27 + m.dbOverheads().length);
        r.bulk("peak.allocated");
        r.integer(m.peak());
        r.bulk("total.allocated");
        r.integer(m.used());
        r.bulk("startup.allocated");
        r.integer(m.startup());
        r.bulk("replication.backlog");
        r.integer(0);
        r.bulk("clients.slaves");
        r.integer(m.clientsReplicas());
        r.bulk("clients.normal");
        r.integer(m.clientsNormal());
        r.bulk("cluster.links");
        r.integer(0);
        r.bulk("aof.buffer");
        r.integer(0);
        r.bulk("lua.caches");
        r.integer(m.luaCaches());
        r.bulk("functions.caches");
        r.integer(m.functionsCaches());
        for (long[] db : m.dbOverheads()) {
            r.bulk("db." + db[0]);
            r.map(3);
            r.bulk("overhead.hashtable.main");
            r.integer(db[1]);
            r.bulk("overhead.hashtable.expires");
            r.integer(db[2]);
            r.bulk("overhead.hashtable.slot-to-keys");
            r.integer(0);
        }
        r.bulk("overhead.total");
        r.integer(m.overhead());
        r.bulk("keys.count");
        r.integer(m.keys());
        r.bulk("keys.bytes-per-key");
        r.integer(m.keys() == 0 ? 0 : m.netUsage() / m.keys());
        r.bulk("dataset.bytes");
        r.integer(m.dataset());
        r.bulk("dataset.percentage");
        r.dbl(m.datasetPercentage());
        r.bulk("peak.percentage");
        r.dbl(m.peakPercentage());
        r.bulk("allocator.allocated");
        r.integer(m.heap());
        r.bulk("allocator.active");
        r.integer(m.committed());
        r.bulk("allocator.resident");
        r.integer(m.rss());
        r.bulk("allocator-fragmentation.ratio");
        r.dbl(ratio(m.committed(), m.heap()));
        r.bulk("allocator-fragmentation.bytes");
        r.integer(m.committed() - m.heap());
        r.bulk("allocator-rss.ratio");
        r.dbl(ratio(m.rss(), m.committed()));
        r.bulk("allocator-rss.bytes");
        r.integer(m.rss() - m.committed());
        r.bulk("rss-overhead.ratio");
        r.dbl(1.0);
        r.bulk("rss-overhead.bytes");
        r.integer(0);
        r.bulk("fragmentation");
        r.dbl(ratio(m.rss(), m.used()));
        r.bulk("fragmentation.bytes");
        r.integer(m.rss() - m.used());
    }

    private static double ratio(long a, long b) {
        return b == 0 ? 0 : (double) a / b;
    }

    /** Plain-words findings over the same figures as MEMORY STATS. */
    static void doctor(Client c) {
        MemoryReport m = MemoryReport.take(c.server());
        StringBuilder sb = new StringBuilder();
        if (m.used() < 5L << 20) {
            sb.append("This instance holds very little data (").append(InfoCommand.human(m.used()))
                    .append(" of used memory), too little for a memory analysis to say anything useful.\n");
            c.reply().verbatim("txt", sb.toString());
            return;
        }
        int n = 0;
        if (m.peak() > m.used() * 3 / 2) {
            sb.append(++n).append(". Peak memory: used memory once reached ").append(InfoCommand.human(m.peak()))
                    .append(", more than 150% of today's ").append(InfoCommand.human(m.used()))
                    .append(". Memory freed since is reused by the JVM; MEMORY PURGE runs a full collection.\n");
        }
        long clients = c.server().clients().all().size();
        if (clients > 0 && m.clientsNormal() / clients > 200 * 1024) {
            sb.append(++n).append(". Client output buffers: ").append(clients).append(" clients hold ")
                    .append(InfoCommand.human(m.clientsNormal())).append(" of pending replies, over 200K each on average.")
                    .append(" Check for slow readers or large MONITOR/pub/sub traffic; client-output-buffer-limit caps them.\n");
        }
        if (m.keys() > 0 && m.dataset() < m.netUsage() / 2) {
            sb.append(++n).append(". Overheads: only ").append(String.format(Locale.ROOT, "%.1f%%", m.datasetPercentage()))
                    .append(" of the memory added since start-up is data; the rest is dictionaries, buffers and scripts.\n");
        }
        long max = c.server().config().maxmemory;
        if (max > 0 && m.used() > max * 9 / 10) {
            sb.append(++n).append(". Maxmemory: used memory is within 10% of maxmemory (")
                    .append(InfoCommand.human(max)).append("); expect evictions or OOM errors per maxmemory-policy.\n");
        }
        if (n == 0) {
            sb.append("No memory problems found: peak, client buffers, overheads and maxmemory all look healthy.\n");
        }
        c.reply().verbatim("txt", sb.toString());
    }

    /** The JVM's own allocator figures: heap totals and every memory pool. */
    static void mallocStats(Client c) {
        StringBuilder sb = new StringBuilder("___ JVM memory statistics ___\n");
        java.lang.management.MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        java.lang.management.MemoryUsage nonHeap = ManagementFactory.getMemoryMXBean().getNonHeapMemoryUsage();
        line(sb, "heap", heap);
        line(sb, "non-heap", nonHeap);
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            line(sb, p.getName(), p.getUsage());
        }
        sb.append("--- End JVM memory statistics ---\n");
        c.reply().verbatim("txt", sb.toString());
    }

    private static void line(StringBuilder sb, String name, java.lang.management.MemoryUsage u) {
        sb.append(String.format(Locale.ROOT, "%-32s used=%d committed=%d max=%d%n", name, u.getUsed(),
                u.getCommitted(), u.getMax()));
    }

    /** The JVM analogue of returning dirty pages: a full collection, after which the heap may shrink. */
    static void purge(Client c) {
        System.gc();
        c.reply().ok();
    }
}
