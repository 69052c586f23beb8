package dev.cinnabar.server.command.zset;

import dev.cinnabar.server.command.CommandFamily;
import dev.cinnabar.server.command.CommandTable;
import dev.cinnabar.server.protocol.Errors;
import dev.cinnabar.server.session.Client;
import dev.cinnabar.server.store.Db;
import dev.cinnabar.server.store.Notify;
import dev.cinnabar.server.store.Numbers;
import dev.cinnabar.server.store.set.BytesTable;
import dev.cinnabar.server.store.set.RSet;
import dev.cinnabar.server.store.zset.Scores;
import dev.cinnabar.server.store.zset.ZSet;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Sorted-set algebra: ZUNION, ZINTER, ZDIFF, their STORE forms and ZINTERCARD. Inputs may be
 * sorted sets or plain sets (members of a plain set score 1).
 *
 * <p>As Redis 7.0: inputs are looked up (and type-checked) before the options are parsed; union
 * and intersection visit the inputs from the smallest to the largest (a stable sort, so SUM adds
 * in the same order as Redis and gives the same rounding); a weighted score or a sum that comes
 * out NaN (inf times 0, inf plus -inf) counts as 0.
 */
final class ZSetAlgebraCommands implements CommandFamily {
    private enum Op { UNION, INTER, DIFF }

    private enum Aggregate { SUM, MIN, MAX }

    @Override
    public void register(CommandTable t) {
        t.bind("zunion", c -> generic(c, null, 1, Op.UNION, false));
        t.bind("zinter", c -> generic(c, null, 1, Op.INTER, false));
        t.bind("zdiff", c -> generic(c, null, 1, Op.DIFF, false));
        t.bind("zunionstore", c -> generic(c, c.arg(1), 2, Op.UNION, false));
        t.bind("zinterstore", c -> generic(c, c.arg(1), 2, Op.INTER, false));
        t.bind("zdiffstore", c -> generic(c, c.arg(1), 2, Op.DIFF, false));
        t.bind("zintercard", c -> generic(c, null, 1, Op.INTER, true));
    }

    /** One input: a sorted set, a set, or missing (empty); with its weight. */
    private static final class Input {
        final Object value;
        double weight = 1;

        Input(Object value) {
            this.value = value;
        }

        int size() {
            if (value instanceof ZSet z) {
                return z.size();
            }
            return value instanceof RSet s ? s.size() : 0;
        }

        /** The member's (unweighted) score, or null when absent. */
        Double find(byte[] member) {
            if (value instanceof ZSet z) {
                return z.score(member);
            }
            return value instanceof RSet s && s.contains(member) ? 1.0 : null;
        }

        void forEach(ZSet.Visitor v) {
            if (value instanceof ZSet z) {
                z.forEach(v);
            } else if (value instanceof RSet s) {
                s.forEach(m -> v.visit(m, 1.0));
            }
        }
    }

    /** Accumulator node for unions: member → running score. */
    private static final class Acc extends BytesTable.Node {
        double score;

        Acc(byte[] member, double score) {
            super(member);
            this.score = score;
        }
    }

    private static double aggregate(Aggregate a, double target, double v) {
        switch (a) {
            case SUM: {
                double s = target + v;
                return Double.isNaN(s) ? 0.0 : s;
            }
            case MIN:
                return v < target ? v : target;
            default:
                return v > target ? v : target;
        }
    }

    private static String name(Client c) {
        return new String(c.arg(0), StandardCharsets.ISO_8859_1).toLowerCase();
    }

    private void generic(Client c, byte[] dst, int numkeysIdx, Op op, boolean cardOnly) {
        Long nk = Numbers.parseLong(c.arg(numkeysIdx));
        if (nk == null) {
            c.error(Errors.NOT_INTEGER);
            return;
        }
        if (nk < 1) {
            c.error(Errors.atLeastOneKey(name(c)));
            return;
        }
        if (nk > c.argc() - numkeysIdx - 1) {
            c.error(Errors.SYNTAX);
            return;
        }
        int n = nk.intValue();
        Db db = c.db();
        List<Input> inputs = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            byte[] key = c.arg(numkeysIdx + 1 + i);
            Object v = dst != null ? db.lookupWrite(key) : db.lookupRead(key);
            if (v != null && !(v instanceof ZSet) && !(v instanceof RSet)) {
                c.error(Errors.WRONGTYPE);
                return;
            }
            inputs.add(new Input(v));
        }
        Aggregate agg = Aggregate.SUM;
        boolean withScores = false;
        long limit = 0;
        int j = numkeysIdx + 1 + n;
        while (j < c.argc()) {
            int remaining = c.argc() - j;
            String o = new String(c.arg(j), StandardCharsets.ISO_8859_1).toLowerCase();
            if (op != Op.DIFF && !cardOnly && remaining >= n + 1 && o.equals("weights")) {
                j++;
                for (int i = 0; i < n; i++, j++) {
                    double w = Scores.parse(c.arg(j));
                    if (Double.isNaN(w)) {
                        c.error(Errors.WEIGHT_NOT_FLOAT);
                        return;
                    }
                    inputs.get(i).weight = w;
                }
            } else if (op != Op.DIFF && !cardOnly && remaining >= 2 && o.equals("aggregate")) {
                String a = new String(c.arg(j + 1), StandardCharsets.ISO_8859_1).toLowerCase();
                switch (a) {
                    case "sum" -> agg = Aggregate.SUM;
                    case "min" -> agg = Aggregate.MIN;
                    case "max" -> agg = Aggregate.MAX;
                    default -> {
                        c.error(Errors.SYNTAX);
                        return;
                    }
                }
                j += 2;
            } else if (dst == null && !cardOnly && o.equals("withscores")) {
                withScores = true;
                j++;
            } else if (cardOnly && remaining >= 2 && o.equals("limit")) {
                Long l = Numbers.parseLong(c.arg(j + 1));
                if (l == null || l < 0) {
                    c.error(Errors.LIMIT_NEGATIVE);
                    return;
                }
                limit = l;
                j += 2;
            } else {
                c.error(Errors.SYNTAX);
                return;
            }
        }
        if (op != Op.DIFF) {
            inputs.sort(Comparator.comparingInt(Input::size));
        }
        ZSet.Limits limits = ZSetCommands.limits(c);
        ZSet result = ZSet.skiplist();
        long card = 0;
        switch (op) {
            case INTER:
                card = inter(inputs, agg, result, cardOnly, limit);
                break;
            case UNION:
                union(inputs, agg, result, limits);
                break;
            default:
                diff(inputs, result, limits);
        }
        if (cardOnly) {
            c.reply().integer(card);
            return;
        }
        if (dst != null) {
            store(c, dst, result, limits, op);
            return;
        }
        ZSetCommands.replyWindow(c, result, new ZSetCommands.Window(0, result.size(), false), withScores);
    }

    private static long inter(List<Input> in, Aggregate agg, ZSet result, boolean cardOnly, long limit) {
        Input first = in.get(0);
        if (first.size() == 0) {
            return 0;
        }
        long[] card = {0};
        ZSet.Limits unbounded = new ZSet.Limits(0, 0);
        first.forEach((m, s) -> {
            if (cardOnly && limit > 0 && card[0] >= limit) {
                return false;
            }
            double score = first.weight * s;
            if (Double.isNaN(score)) {
                score = 0;
            }
            for (int k = 1; k < in.size(); k++) {
                Input o = in.get(k);
                Double v = o.value == first.value ? Double.valueOf(s) : o.find(m);
                if (v == null) {
                    return true;
                }
                score = aggregate(agg, score, v * o.weight);
            }
            card[0]++;
            if (!cardOnly) {
                    result.put(m, score, unbounded);
            }
            return true;
        });
        return card[0];
    }

    private static void union(List<Input> in, Aggregate agg, ZSet result, ZSet.Limits limits) {
        BytesTable<Acc> acc = new BytesTable<>();
        List<Acc> order = new ArrayList<>();
        for (Input i : in) {
            i.forEach((m, s) -> {
                double score = i.weight * s;
                if (Double.isNaN(score)) {
                    score = 0;
                }
                Acc a = acc.find(m);
                if (a == null) {
                    a = new Acc(m, score);
                    acc.addNew(a);
                    order.add(a);
                } else {
                    a.score = aggregate(agg, a.score, score);
                }
                return true;
            });
        }
        ZSet.Limits unbounded = new ZSet.Limits(0, 0);
        for (Acc a : order) {
            result.put(a.member(), a.score, unbounded);
        }
    }

    private static void diff(List<Input> in, ZSet result, ZSet.Limits limits) {
        Input first = in.get(0);
        ZSet.Limits unbounded = new ZSet.Limits(0, 0);
        first.forEach((m, s) -> {
            for (int k = 1; k < in.size(); k++) {
                Input o = in.get(k);
                if (o.value == first.value || o.find(m) != null) {
                    return true;
                }
            }
            result.put(m, s, unbounded);
            return true;
        });
    }

    private static void store(Client c, byte[] dst, ZSet result, ZSet.Limits limits, Op op) {
        Db db = c.db();
        if (result.isEmpty()) {
            if (db.delete(dst)) {
                db.notify(Notify.GENERIC, "del", dst);
                c.dirty(1);
            }
            c.reply().integer(0);
            return;
        }
        result.fitToLimits(limits);
        db.setKey(dst, result, false);
        db.notify(Notify.ZSET, switch (op) {
            case UNION -> "zunionstore";
            case INTER -> "zinterstore";
            default -> "zdiffstore";
        }, dst);
        c.dirty(1);
        c.reply().integer(result.size());
    }
}
