package dev.cinnabar.ops;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import redis.clients.jedis.Jedis;

/**
 * {@code cinnabar monitor}: the design notes' per-instance report (redis_multi_monitor.sh) from
 * INFO: memory used against maxmemory, clients, ops/s, hit rate, with an alert past a memory
 * threshold (and for an instance that does not answer). Exit code 0, or 2 when an alert fired.
 */
@Command(name = "monitor",
        description = "Report memory, clients, ops/s and hit rate per instance from INFO, with alerts.")
final class Monitor implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    // not picocli's standard help options: their -h is this command's --host (redis-cli's letter), and
    // the clash made picocli drop --help altogether
    @Option(names = "--help", usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    @Option(names = "--root", description = "Report every instance of this root (as given to instances create).")
    Path root;

    @Option(names = {"-p", "--port"}, split = ",", description = "Ports to report (with --host).")
    List<Integer> ports = new ArrayList<>();

    @Option(names = {"-h", "--host"}, description = "Host of the --port instances (default ${DEFAULT-VALUE}).")
    String host = "127.0.0.1";

    @Option(names = {"-a", "--password"}, description = "Password for the --port instances.")
    String password;

    @Option(names = "--alert-memory", description = "Alert when used_memory passes this percentage of maxmemory "
            + "(default ${DEFAULT-VALUE}).")
    int alertMemory = 80;

    @Option(names = "--watch", description = "Repeat every this many seconds until interrupted.")
    int watch;

    @Option(names = "--json", description = "One JSON object per instance and round, one per line.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        List<Instance> targets = new ArrayList<>();
        if (root != null) {
            targets.addAll(Instance.all(root, List.of()));
        }
        for (int p : ports) {
            targets.add(new Instance(p, null, host, password, null, null, false));
        }
        if (targets.isEmpty()) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "give --root or --port");
        }
        PrintWriter out = spec.commandLine().getOut();
        int code;
        do {
            code = 0;
            for (Instance i : targets) {
                code = Math.max(code, report(out, i));
            }
            out.flush();
            if (watch > 0) {
                Thread.sleep(watch * 1000L);
            }
        } while (watch > 0);
        return code;
    }

    /** One instance's report; 2 when it raised an alert. */
    private int report(PrintWriter out, Instance i) {
        Map<String, String> info;
        try (Jedis j = i.connect()) {
            info = Info.parse(j.info());
        } catch (RuntimeException e) {
            if (json) {
                out.println("{\"instance\":\"" + i.address() + "\",\"up\":false,\"alerts\":[\"instance down\"]}");
            } else {
                out.println("=== Instance " + i.address() + " ===");
                out.println("ALERT: instance down (" + e.getMessage() + ")");
                out.println();
            }
            return 2;
        }
        long used = Info.num(info.get("used_memory"));
        long max = Info.num(info.get("maxmemory"));
        long clients = Info.num(info.get("connected_clients"));
        long ops = Info.num(info.get("instantaneous_ops_per_sec"));
        long hits = Info.num(info.get("keyspace_hits"));
        long misses = Info.num(info.get("keyspace_misses"));
        double hitRate = hits + misses == 0 ? 0 : hits * 100.0 / (hits + misses);
        double memPct = max == 0 ? 0 : used * 100.0 / max;
        List<String> alerts = new ArrayList<>();
        if (max != 0 && memPct >= alertMemory) {
            alerts.add(String.format(Locale.ROOT, "memory usage %.1f%% is above %d%%", memPct, alertMemory));
        }
        if (json) {
            StringBuilder sb = new StringBuilder("{\"instance\":\"").append(i.address()).append("\",\"up\":true");
            sb.append(",\"used_memory\":").append(used).append(",\"maxmemory\":").append(max);
            sb.append(String.format(Locale.ROOT, ",\"memory_usage_percent\":%.2f", memPct));
            sb.append(",\"connected_clients\":").append(clients).append(",\"ops_per_sec\":").append(ops);
            sb.append(",\"keyspace_hits\":").append(hits).append(",\"keyspace_misses\":").append(misses);
            sb.append(String.format(Locale.ROOT, ",\"hit_rate_percent\":%.2f", hitRate));
            sb.append(",\"alerts\":[");
            for (int k = 0; k < alerts.size(); k++) {
                sb.append(k == 0 ? "" : ",").append('"').append(alerts.get(k)).append('"');
            }
            out.println(sb.append("]}"));
        } else {
            out.println("=== Instance " + i.address() + " ===");
            out.println(max == 0 ? "Memory Usage: " + used + " bytes (no maxmemory)"
                    : String.format(Locale.ROOT, "Memory Usage: %.1f%% (%d/%d)", memPct, used, max));
            out.println("Connected Clients: " + clients);
            out.println("Ops/sec: " + ops);
            out.println(String.format(Locale.ROOT, "Hit Rate: %.2f%% (%d hits, %d misses)", hitRate, hits, misses));
            for (String a : alerts) {
                out.println("ALERT: " + a);
            }
            out.println();
        }
        return alerts.isEmpty() ? 0 : 2;
    }
}
