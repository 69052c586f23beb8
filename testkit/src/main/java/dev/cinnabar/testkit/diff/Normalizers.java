package dev.cinnabar.testkit.diff;

import dev.cinnabar.server.command.CommandSpec;
import dev.cinnabar.server.command.CommandTable;
import dev.cinnabar.testkit.Resp;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The standard normalisers of the differential tests. There are exactly three, on purpose:
 *
 * <ol>
 *   <li>{@link #unordered}: commands whose metadata carries the {@code nondeterministic_output_order}
 *       tip (KEYS, SMEMBERS, HGETALL, SINTER...), and CONFIG GET, are compared as multisets (pairs
 *       for map-shaped replies), because their order depends on hash-table internals;
 *   <li>{@link #ttlTolerance}: TTL/PTTL/EXPIRETIME/PEXPIRETIME may differ by the time between the
 *       two servers running the same command (at most one second / 1000 ms);
 *   <li>{@link #helloClientId}: HELLO reports the connection's client id, which counts every
 *       connection the server ever accepted.
 * </ol>
 */
public final class Normalizers {
    private Normalizers() {
    }

    /** The standard list for a command table (the unordered-output set is read from its tips). */
    public static List<Normalizer> defaults(CommandTable table) {
        return List.of(unordered(unorderedCommands(table)), ttlTolerance(), helloClientId(), streamTimes());
    }

    /**
     * Full names of commands with the nondeterministic_output_order tip, plus CONFIG GET: its
     * metadata has no tip, but Redis 7.0 collects the matching parameters in a hash table, so
     * with several patterns the order is siphash order (unspecified).
     */
    public static Set<String> unorderedCommands(CommandTable table) {
        Set<String> out = new HashSet<>();
        out.add("config|get");
        for (CommandSpec s : table.allKnown()) {
            if (s.tips().contains("nondeterministic_output_order")) {
                out.add(s.fullName());
            }
            for (CommandSpec sub : s.subcommands()) {
                if (sub.tips().contains("nondeterministic_output_order")) {
                    out.add(sub.fullName());
                }
            }
        }
        return out;
    }

    /** Map-shaped replies that RESP2 flattens into [k1, v1, k2, v2...]: sorted by pair. */
    private static final Set<String> PAIRED = Set.of("hgetall", "config|get");

    public static Normalizer unordered(Set<String> commands) {
        return (call, redis, cinnabar) -> {
            if (call.command() == null || !commands.contains(call.command())) {
                return null;
            }
            boolean paired = PAIRED.contains(call.command());
            return new Normalizer.Pair(sorted(redis, paired), sorted(cinnabar, paired));
        };
    }

    static Resp sorted(Resp r, boolean paired) {
        if (!(r instanceof Resp.Agg a)) {
            return r;
        }
        Comparator<List<Resp>> byText = Comparator.comparing(List::toString);
        List<List<Resp>> groups = new ArrayList<>();
        int step = a.kind() == '%' || paired && a.items().size() % 2 == 0 ? 2 : 1;
        for (int i = 0; i + step <= a.items().size(); i += step) {
            groups.add(a.items().subList(i, i + step));
        }
        groups.sort(byText);
        List<Resp> flat = new ArrayList<>();
        groups.forEach(flat::addAll);
        return new Resp.Agg(a.kind(), flat);
    }

    public static Normalizer ttlTolerance() {
        return (call, redis, cinnabar) -> {
            long tolerance;
            String c = call.command();
            if ("ttl".equals(c) || "expiretime".equals(c)) {
                tolerance = 1;
            } else if ("pttl".equals(c) || "pexpiretime".equals(c)) {
                tolerance = 1000;
            } else {
                return null;
            }
            if (redis instanceof Resp.Int a && cinnabar instanceof Resp.Int b && a.value() >= 0 && b.value() >= 0
                    && Math.abs(a.value() - b.value()) <= tolerance) {
                return new Normalizer.Pair(redis, redis);
            }
            return null;
        };
    }

    /**
     * Stream consumer-group replies carry times taken from each server's clock when a command ran
     * (delivery times, consumers' seen-time) or idle times computed from them, so they differ by
     * the few milliseconds between the two servers' runs. Only those positions are compared with a
     * tolerance (1 s): XPENDING's per-entry idle (3rd of 4), XINFO CONSUMERS' "idle", and in XINFO
     * STREAM FULL the "seen-time" and the delivery times in the "pending" lists. Everything else,
     * including delivery counts, must match exactly.
     */
    public static Normalizer streamTimes() {
        return (call, redis, cinnabar) -> {
            String c = call.args().get(0).toLowerCase();
            if (c.equals("xinfo") && call.args().size() > 1) {
                c += "|" + call.args().get(1).toLowerCase();
            }
            if (!c.equals("xpending") && !c.equals("xinfo|consumers") && !c.equals("xinfo|stream")) {
                return null;
            }
            return new Normalizer.Pair(redis, alignTimes(c, redis, cinnabar, null));
        };
    }

    private static final long TIME_TOLERANCE_MS = 1000;

    /** Cinnabar's reply with its time values replaced by Redis's where both are within tolerance. */
    private static Resp alignTimes(String cmd, Resp redis, Resp ours, String mapKey) {
        if (redis instanceof Resp.Int a && ours instanceof Resp.Int b) {
            return Math.abs(a.value() - b.value()) <= TIME_TOLERANCE_MS && a.value() >= 0 && b.value() >= 0 ? a : b;
        }
        if (!(redis instanceof Resp.Agg ra) || !(ours instanceof Resp.Agg oa) || ra.items().size() != oa.items().size()) {
            return ours;
        }
        List<Resp> items = new ArrayList<>(oa.items());
        int n = items.size();
        for (int i = 0; i < n; i++) {
            Resp r = ra.items().get(i);
            Resp o = items.get(i);
            String key = i > 0 && items.get(i - 1) instanceof Resp.Bulk kb ? kb.text() : null;
            boolean pendingTuple = "pending".equals(mapKey) && (n == 4 && i == 2 || n == 3 && i == 1);
            boolean xpendingIdle = cmd.equals("xpending") && n == 4 && i == 2 && ra.items().get(0) instanceof Resp.Bulk;
            if (r instanceof Resp.Int && o instanceof Resp.Int) {
                if (pendingTuple || xpendingIdle || "idle".equals(key) || "seen-time".equals(key)) {
                    items.set(i, alignTimes(cmd, r, o, null));
                }
            } else if (r instanceof Resp.Agg) {
                // a pending list's tuples inherit the "pending" context; maps pass their keys down
                String ctx = "pending".equals(key) ? "pending" : "pending".equals(mapKey) ? "pending" : null;
                items.set(i, alignTimes(cmd, r, o, ctx));
            }
        }
        return new Resp.Agg(oa.kind(), items);
    }

    public static Normalizer helloClientId() {
        return (call, redis, cinnabar) -> "hello".equals(call.command())
                ? new Normalizer.Pair(zeroId(redis), zeroId(cinnabar)) : null;
    }

    private static Resp zeroId(Resp r) {
        if (!(r instanceof Resp.Agg a)) {
            return r;
        }
        List<Resp> items = new ArrayList<>(a.items());
        for (int i = 0; i + 1 < items.size(); i += 2) {
            if (items.get(i).asText().equals("id") && items.get(i + 1) instanceof Resp.Int) {
                items.set(i + 1, new Resp.Int(0));
            }
        }
        return new Resp.Agg(a.kind(), items);
    }
}
