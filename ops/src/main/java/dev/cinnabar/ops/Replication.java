package dev.cinnabar.ops;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/**
 * {@code cinnabar replication check}: the design notes' replication checks (check_replication_sync
 * and validate_data_consistency) done so a script can trust them: the lag from INFO replication's
 * offsets with the link's state and the master's view of the replica, then a key-by-key
 * comparison (sampled with RANDOMKEY, or a full SCAN of both sides) of type, value (DUMP, then the
 * value itself when the two encodings differ) and TTL. Keys that differ are checked again once the
 * replica has caught up with the master's offset, so a write in flight is not reported. Exit code
 * 0 consistent, 2 lagging or different, 1 error (unreachable, not a replica of that master).
 */
@Command(name = "replication", mixinStandardHelpOptions = true,
        description = "Replication checks: lag from offsets and a key/value comparison of master and replica.",
        subcommands = {Replication.Check.class})
final class Replication {
    @Command(name = "check", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Check a replica against its master: link, lag in bytes (master_repl_offset against the "
                    + "replica's slave_repl_offset) and seconds (the master's slaveN line), then compare keys: "
                    + "type, value (DUMP) and TTL within a tolerance.",
                "Exit code: 0 consistent, 2 lagging or keys differ, 1 error."})
    static final class Check implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--master", required = true, paramLabel = "HOST:PORT", converter = HostPort.Converter.class,
                description = "The master.")
        HostPort master;

        @Option(names = "--replica", required = true, paramLabel = "HOST:PORT", converter = HostPort.Converter.class,
                description = "The replica (its master must be --master).")
        HostPort replica;

        @Option(names = {"-a", "--password"}, description = "Password for both (AUTH).")
        String password;

        @ArgGroup(exclusive = true)
        Mode mode = new Mode();

        static final class Mode {
            @Option(names = "--sample", paramLabel = "N", description = "Compare N random keys per database "
                    + "(RANDOMKEY; every key when a database has no more; default 100).")
            int sample = 100;

            @Option(names = "--full", description = "Compare every key: SCAN the master, then SCAN the replica for "
                    + "keys the master lacks.")
            boolean full;
        }

        @Option(names = "--max-lag", paramLabel = "BYTES", description = "Lagging past this many bytes "
                + "(default ${DEFAULT-VALUE}, as the notes' script).")
        long maxLag = 1000;

        @Option(names = "--ttl-tolerance", paramLabel = "MS", description = "TTLs differing by at most this many "
                + "milliseconds are equal (default ${DEFAULT-VALUE}).")
        long ttlTolerance = 2000;

        @Option(names = "--settle", paramLabel = "SECONDS", description = "Before reporting a difference, wait up to "
                + "this long for the replica to reach the master's offset and compare again (default ${DEFAULT-VALUE}).")
        int settle = 5;

        @Option(names = "--show", paramLabel = "N", description = "List at most N differing keys (default "
                + "${DEFAULT-VALUE}).")
        int show = 20;

        @Option(names = "--json", description = "One JSON object instead of the report.")
        boolean json;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            Map<String, Object> report = new LinkedHashMap<>();
            report.put("master", master.toString());
            report.put("replica", replica.toString());
            int code;
            try (Jedis m = master.open(password, "the master "); Jedis r = replica.open(password, "the replica ")) {
                code = check(m, r, report, json ? null : out);
            } catch (CheckError e) {
                report.put("result", "error");
                report.put("error", e.getMessage());
                if (json) {
                    out.println(Json.of(report));
                } else {
                    err.println("cinnabar replication check: " + e.getMessage());
                }
                return 1;
            }
            if (json) {
                out.println(Json.of(report));
            }
            return code;
        }

        private int check(Jedis m, Jedis r, Map<String, Object> report, PrintWriter out) {
            Map<String, String> mi = Info.read(m, "replication");
            Map<String, String> ri = Info.read(r, "replication");
            if (!"slave".equals(ri.get("role"))) {
                throw new CheckError(replica + " is not a replica (role:" + ri.get("role") + ")");
            }
            String mh = ri.get("master_host");
            int mp = (int) Info.num(ri.get("master_port"));
            if (!master.sameAs(mh, mp)) {
                throw new CheckError(replica + " replicates " + mh + ":" + mp + ", not " + master);
            }
            long masterOffset = Info.num(mi.get("master_repl_offset"));
            long replicaOffset = Info.num(ri.get("slave_repl_offset"));
            String link = ri.getOrDefault("master_link_status", "down");
            long lagBytes = Math.max(0, masterOffset - replicaOffset);
            Map<String, String> seen = slaveLine(mi, replica);
            report.put("master_role", mi.get("role"));
            report.put("master_repl_offset", masterOffset);
            report.put("slave_repl_offset", replicaOffset);
            report.put("link", link);
            report.put("lag_bytes", lagBytes);
            report.put("master_view", seen == null ? null : seen);
            boolean lagging = !"up".equals(link) || lagBytes > maxLag;
            report.put("lagging", lagging);
            if (out != null) {
                out.println("Master " + master + ": role " + mi.get("role") + ", master_repl_offset " + masterOffset
                        + ", " + mi.getOrDefault("connected_slaves", "0") + " replica(s) connected");
                out.println("Replica " + replica + ": replica of " + mh + ":" + mp + ", link " + link
                        + ("up".equals(link) ? ", last I/O " + ri.get("master_last_io_seconds_ago") + " s ago"
                                : "-1".equals(ri.get("master_link_down_since_seconds")) ? ", never up yet"
                                        : ri.containsKey("master_link_down_since_seconds")
                                                ? ", down for " + ri.get("master_link_down_since_seconds") + " s" : "")
                        + ", slave_repl_offset " + replicaOffset);
                out.println(seen == null ? "Master's view of the replica: not among its connected replicas"
                        : "Master's view of the replica: state " + seen.get("state") + ", offset " + seen.get("offset")
                                + ", lag " + seen.get("lag") + " s");
                out.println("Replication lag: " + lagBytes + " bytes (threshold " + maxLag + "): "
                        + (lagging ? ("up".equals(link) ? "LAGGING" : "LINK DOWN") : "OK"));
                out.flush();
            }
            Comparison c = new Comparison(m, r);
            List<Integer> dbs = databases(m, r);
            for (int db : dbs) {
                c.db(db);
                if (mode.full) {
                    c.scanBoth();
                } else {
                    c.sample(mode.sample);
                }
            }
            int firstSight = c.differing.size();
            if (firstSight > 0 || !counts(m, r).isEmpty()) {
                // a write in flight between the two reads: compare again once the replica has the master's offset
                long target = Info.num(Info.read(m, "replication").get("master_repl_offset"));
                long reached = awaitOffset(r, target, settle);
                report.put("recheck_offset", target);
                if (out != null) {
                    out.println((firstSight > 0 ? firstSight + " key(s) differed" : "Key counts differed")
                            + " at first sight; compared again after the replica "
                            + (reached >= target ? "reached" : "did not reach (" + reached + ")") + " offset " + target);
                }
                c.recheck();
            }
            Map<String, String> countDiffs = counts(m, r);
            report.put("mode", mode.full ? "full" : "sample " + mode.sample);
            report.put("keys_compared", c.compared);
            report.put("keys_differing", c.differing.size());
            report.put("key_count_differences", countDiffs);
            List<Map<String, Object>> shown = new ArrayList<>();
            for (Diff d : c.differing.values()) {
                if (shown.size() == show) {
                    break;
                }
                Map<String, Object> one = new LinkedHashMap<>();
                one.put("db", d.db());
                one.put("key", printable(d.key()));
                one.put("difference", d.reason());
                shown.add(one);
            }
            report.put("differences", shown);
            boolean consistent = c.differing.isEmpty() && countDiffs.isEmpty();
            report.put("result", lagging ? (consistent ? "lagging" : "lagging, keys differ")
                    : consistent ? "consistent" : "keys differ");
            if (out != null) {
                out.println("Compared " + c.compared + " key(s) in " + dbs.size() + " database(s) ("
                        + (mode.full ? "full scan" : "sample of " + mode.sample + " per database") + "; type, value, "
                        + "TTL within " + ttlTolerance + " ms): " + c.differing.size() + " differ");
                for (Map<String, Object> d : shown) {
                    out.println("  db" + d.get("db") + " " + d.get("key") + ": " + d.get("difference"));
                }
                if (c.differing.size() > shown.size()) {
                    out.println("  ... and " + (c.differing.size() - shown.size()) + " more");
                }
                countDiffs.forEach((db, what) -> out.println("Key count differs in " + db + ": " + what));
                out.println("Result: " + ((String) report.get("result")).toUpperCase(Locale.ROOT));
            }
            return lagging || !consistent ? 2 : 0;
        }

        /** The master's slaveN fields for this replica (matched by port, then address), or null. */
        private static Map<String, String> slaveLine(Map<String, String> masterInfo, HostPort replica) {
            for (Map.Entry<String, String> e : masterInfo.entrySet()) {
                if (e.getKey().matches("slave\\d+")) {
                    Map<String, String> p = Info.pairs(e.getValue());
                    if (replica.sameAs(p.getOrDefault("ip", ""), (int) Info.num(p.get("port")))) {
                        return p;
                    }
                }
            }
            return null;
        }

        /** Waits until the replica's offset reaches target or the time is up; returns the last offset read. */
        private static long awaitOffset(Jedis r, long target, int seconds) {
            long deadline = System.nanoTime() + seconds * 1_000_000_000L;
            while (true) {
                long now = Info.num(Info.read(r, "replication").get("slave_repl_offset"));
                if (now >= target || System.nanoTime() > deadline) {
                    return now;
                }
                sleep(50);
            }
        }

        /** Databases holding keys on either side, from INFO keyspace. */
        private static List<Integer> databases(Jedis m, Jedis r) {
            TreeSet<Integer> dbs = new TreeSet<>();
            for (Jedis j : List.of(m, r)) {
                for (String k : Info.read(j, "keyspace").keySet()) {
                    if (k.matches("db\\d+")) {
                        dbs.add(Integer.parseInt(k.substring(2)));
                    }
                }
            }
            return new ArrayList<>(dbs);
        }

        /** Per database whose key counts differ: "N on master, M on replica". */
        private static Map<String, String> counts(Jedis m, Jedis r) {
            Map<String, String> mk = Info.read(m, "keyspace");
            Map<String, String> rk = Info.read(r, "keyspace");
            Set<String> dbs = new TreeSet<>(mk.keySet());
            dbs.addAll(rk.keySet());
            Map<String, String> out = new TreeMap<>();
            for (String db : dbs) {
                long a = Info.num(Info.pairs(mk.get(db)).get("keys"));
                long b = Info.num(Info.pairs(rk.get(db)).get("keys"));
                if (a != b) {
                    out.put(db, a + " on master, " + b + " on replica");
                }
            }
            return out;
        }

        private record Diff(int db, byte[] key, String reason) {
        }

        /** Compares keys of one database at a time; collects the ones that differ. */
        private final class Comparison {
            private final Jedis m;
            private final Jedis r;
            private int db;
            long compared;
            final Map<String, Diff> differing = new LinkedHashMap<>();

            Comparison(Jedis m, Jedis r) {
                this.m = m;
                this.r = r;
            }

            void db(int index) {
                db = index;
                m.select(index);
                r.select(index);
            }

            void sample(int n) {
                long size = m.dbSize();
                if (size <= n) {
                    scan(m, key -> compare(key));
                    return;
                }
                Set<String> seen = new LinkedHashSet<>();
                for (int attempt = 0; attempt < 3 * n && seen.size() < n; attempt++) {
                    byte[] key = m.randomBinaryKey();
                    if (key != null && seen.add(new String(key, StandardCharsets.ISO_8859_1))) {
                        compare(key);
                    }
                }
            }

            void scanBoth() {
                scan(m, this::compare);
                scan(r, key -> {
                    if ("none".equals(m.type(key))) {
                        compare(key);
                    }
                });
            }

            void recheck() {
                List<Diff> again = new ArrayList<>(differing.values());
                differing.clear();
                compared -= again.size();
                for (Diff d : again) {
                    db(d.db());
                    compare(d.key());
                }
            }

            private void compare(byte[] key) {
                compared++;
                String reason = difference(key);
                if (reason != null) {
                    differing.put(db + " " + new String(key, StandardCharsets.ISO_8859_1), new Diff(db, key, reason));
                }
            }

            /** Why the key differs between the two, or null when it does not. */
            private String difference(byte[] key) {
                String tm = m.type(key);
                String tr = r.type(key);
                if (!tm.equals(tr)) {
                    return tm.equals("none") ? "only on the replica (" + tr + ")"
                            : tr.equals("none") ? "missing on the replica (" + tm + " on the master)"
                                    : "type " + tm + " on the master, " + tr + " on the replica";
                }
                if (tm.equals("none")) {
                    return null; // deleted or expired on both meanwhile
                }
                long pm = m.pttl(key);
                long pr = r.pttl(key);
                if (!Arrays.equals(m.dump(key), r.dump(key)) && !Values.same(m, r, key, tm)) {
                    return "value differs (" + tm + ")";
                }
                if ((pm < 0) != (pr < 0) || Math.abs(pm - pr) > ttlTolerance) {
                    return "TTL " + ttl(pm) + " on the master, " + ttl(pr) + " on the replica";
                }
                return null;
            }
        }

        private static String ttl(long ms) {
            return ms == -1 ? "none" : ms == -2 ? "gone" : ms + " ms";
        }
    }

    /** SCANs a database of the connection (COUNT 1000), giving each key to the action. */
    static void scan(Jedis j, java.util.function.Consumer<byte[]> action) {
        byte[] cursor = ScanParams.SCAN_POINTER_START_BINARY;
        ScanParams params = new ScanParams().count(1000);
        do {
            ScanResult<byte[]> page = j.scan(cursor, params);
            page.getResult().forEach(action);
            cursor = page.getCursorAsBytes();
        } while (!Arrays.equals(cursor, ScanParams.SCAN_POINTER_START_BINARY));
    }

    /** A key name as redis-cli shows it: printable ASCII as is, other bytes as \xNN. */
    static String printable(byte[] key) {
        StringBuilder sb = new StringBuilder();
        for (byte b : key) {
            int c = b & 0xff;
            if (c >= 0x20 && c < 0x7f && c != '\\') {
                sb.append((char) c);
            } else {
                sb.append(String.format("\\x%02x", c));
            }
        }
        return sb.toString();
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CheckError("interrupted");
        }
    }

    /** A check that cannot be made (exit code 1), with the reason. */
    static final class CheckError extends RuntimeException {
        CheckError(String message) {
            super(message);
        }
    }

    /**
     * The value itself, when the DUMP payloads differ: the same value can be encoded differently on
     * each side (a set loaded from an RDB as a listpack that the master still holds as a hash table,
     * or a server of another version), so the elements are read and compared.
     */
    static final class Values {
        private Values() {
        }

        static boolean same(Jedis m, Jedis r, byte[] key, String type) {
            return canonical(m, key, type).equals(canonical(r, key, type));
        }

        private static Object canonical(Jedis j, byte[] key, String type) {
            return switch (type) {
                case "string" -> text(j.sendCommand(Protocol.Command.GET, key));
                case "list" -> text(j.sendCommand(Protocol.Command.LRANGE, key, b("0"), b("-1")));
                case "set" -> new TreeSet<>(list(j.sendCommand(Protocol.Command.SMEMBERS, key)));
                case "zset" -> text(j.sendCommand(Protocol.Command.ZRANGE, key, b("0"), b("-1"), b("WITHSCORES")));
                case "hash" -> {
                    List<Object> flat = list(j.sendCommand(Protocol.Command.HGETALL, key));
                    TreeMap<String, Object> map = new TreeMap<>();
                    for (int i = 0; i + 1 < flat.size(); i += 2) {
                        map.put((String) flat.get(i), flat.get(i + 1));
                    }
                    yield map;
                }
                case "stream" -> text(j.sendCommand(Protocol.Command.XRANGE, key, b("-"), b("+")));
                default -> text(j.sendCommand(Protocol.Command.DUMP, key));
            };
        }

        private static byte[] b(String s) {
            return s.getBytes(StandardCharsets.US_ASCII);
        }

        @SuppressWarnings("unchecked")
        private static List<Object> list(Object reply) {
            return (List<Object>) text(reply);
        }

        /** Bulk strings as ISO-8859-1 strings (byte for byte), arrays as lists, so equals() compares values. */
        private static Object text(Object reply) {
            if (reply instanceof byte[] bytes) {
                return new String(bytes, StandardCharsets.ISO_8859_1);
            }
            if (reply instanceof List<?> l) {
                List<Object> out = new ArrayList<>(l.size());
                for (Object o : l) {
                    out.add(text(o));
                }
                return out;
            }
            return reply;
        }
    }
}
