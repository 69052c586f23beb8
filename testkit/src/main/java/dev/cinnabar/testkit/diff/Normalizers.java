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
        return List.of(unordered(unorderedCommands(table)), ttlTolerance(), helloClientId());
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
