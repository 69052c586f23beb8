package dev.cinnabar.testkit.diff;

import dev.cinnabar.server.CinnabarServer;
import dev.cinnabar.server.command.CommandTable;
import dev.cinnabar.testkit.CinnabarExtension;
import dev.cinnabar.testkit.RealRedis;
import dev.cinnabar.testkit.Resp;
import dev.cinnabar.testkit.RespClient;
import java.io.EOFException;
import java.io.UncheckedIOException;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs command sequences on a real Redis 7.0 and on an embedded Cinnabar in lock step and
 * compares every reply exactly, wire types included ({@link Resp} keeps simple vs bulk strings,
 * RESP3 maps, sets, doubles and nulls apart). Only the explicit {@link Normalizer}s may excuse a
 * difference.
 *
 * <p>Each sequence starts from a clean state: both keyspaces flushed (FLUSHALL; while Cinnabar
 * has no FLUSHALL, its embedded keyspace is flushed directly), the encoding parameters a
 * sequence changed restored, and fresh connections (so protocol version, selected database,
 * MULTI and WATCH state never leak between sequences). Each command is sent to Redis, then to
 * Cinnabar, on the connection of the same index, and both replies are read before the next
 * command, so several connections give a deterministic interleaving.
 *
 * <pre>{@code
 * try (Differ d = Differ.start()) {
 *     d.assertSame(Sequence.of("SET k v", "c1 GET k", "LPUSH k x"));
 * }
 * }</pre>
 */
public final class Differ implements AutoCloseable {
    private final int redisPort;
    private final int cinnabarPort;
    private final CommandTable table;
    private final List<Normalizer> normalizers;
    private final List<AutoCloseable> owned = new ArrayList<>();
    private final Map<String, String> configDefaults = new LinkedHashMap<>();
    private RespClient redisAdmin;
    private RespClient cinnabarAdmin;
    private int timeoutMillis = 5000;
    private Runnable cinnabarFlush;

    public Differ(int redisPort, int cinnabarPort, CommandTable table, List<Normalizer> normalizers) {
        this.redisPort = redisPort;
        this.cinnabarPort = cinnabarPort;
        this.table = table;
        this.normalizers = List.copyOf(normalizers);
        this.redisAdmin = new RespClient("127.0.0.1", redisPort, timeoutMillis);
        this.cinnabarAdmin = new RespClient("127.0.0.1", cinnabarPort, timeoutMillis);
        for (String p : SequenceGenerator.SAFE_CONFIG.keySet()) {
            Resp r = redisAdmin.call("CONFIG", "GET", p);
            if (r instanceof Resp.Agg a && a.items().size() == 2) {
                configDefaults.put(p, a.items().get(1).asText());
            }
        }
    }

    /**
     * Starts a real redis-server (skipping the test when it is absent outside CI) and an embedded
     * Cinnabar, both with default settings, and compares them with the standard normalisers.
     */
    public static Differ start() {
        RealRedis redis = RealRedis.start();
        CinnabarServer cinnabar;
        try {
            cinnabar = CinnabarServer.builder().port(0).start();
        } catch (RuntimeException e) {
            redis.close();
            throw e;
        }
        try {
            CommandTable t = cinnabar.context().commands();
            Differ d = new Differ(redis.port(), cinnabar.port(), t, Normalizers.defaults(t));
            d.cinnabarFlush(() -> CinnabarExtension.flushAll(cinnabar));
            d.owned.add(cinnabar);
            d.owned.add(redis);
            return d;
        } catch (RuntimeException e) {
            cinnabar.close();
            redis.close();
            throw e;
        }
    }

    public CommandTable table() {
        return table;
    }

    public int redisPort() {
        return redisPort;
    }

    public int cinnabarPort() {
        return cinnabarPort;
    }

    /**
     * How to empty Cinnabar's keyspace while it does not implement FLUSHALL (for an embedded
     * server: flush its keyspace under the execution lock).
     */
    public Differ cinnabarFlush(Runnable r) {
        this.cinnabarFlush = r;
        return this;
    }

    /** How long to wait for one reply before reporting "timeout" (default 5 s). */
    public Differ timeoutMillis(int ms) {
        this.timeoutMillis = ms;
        return this;
    }

    /** Runs a sequence and throws an AssertionError with the report when a reply differs. */
    public void assertSame(Sequence s) {
        Result r = run(s);
        if (r.failed()) {
            throw new AssertionError(r.report());
        }
    }

    /** Runs a sequence up to its first difference. */
    public Result run(Sequence s) {
        reset(s);
        RespClient[] rc = new RespClient[s.clients()];
        RespClient[] cc = new RespClient[s.clients()];
        List<Result.Step> steps = new ArrayList<>();
        try {
            for (int i = 0; i < s.clients(); i++) {
                rc[i] = new RespClient("127.0.0.1", redisPort, timeoutMillis);
                cc[i] = new RespClient("127.0.0.1", cinnabarPort, timeoutMillis);
            }
            // per connection: the commands Redis queued since MULTI (null outside MULTI), so the
            // normalisers also apply to the elements of EXEC's reply
            List<List<Invocation>> queued = new ArrayList<>();
            for (int i = 0; i < s.clients(); i++) {
                queued.add(null);
            }
            for (int i = 0; i < s.steps().size(); i++) {
                Invocation inv = s.steps().get(i);
                Observed a = exec(rc, inv);
                Observed b = exec(cc, inv);
                List<Invocation> q = queued.get(inv.client());
                boolean same = "exec".equals(inv.command()) && q != null ? sameExec(q, a, b) : same(inv, a, b);
                String cmd = inv.command();
                if ("multi".equals(cmd) && a.reply() instanceof Resp.Simple ok && ok.value().equals("OK")) {
                    queued.set(inv.client(), new ArrayList<>());
                } else if (q != null && a.reply() instanceof Resp.Simple ok && ok.value().equals("QUEUED")) {
                    q.add(inv);
                } else if ("exec".equals(cmd) || "discard".equals(cmd) || "reset".equals(cmd)) {
                    queued.set(inv.client(), null);
                }
                steps.add(new Result.Step(inv, a, b, same));
                if (!same) {
                    return new Result(s, steps, i);
                }
            }
            return new Result(s, steps, -1);
        } finally {
            for (int i = 0; i < s.clients(); i++) {
                if (rc[i] != null) {
                    rc[i].close();
                }
                if (cc[i] != null) {
                    cc[i].close();
                }
            }
        }
    }

    /**
     * Shrinks a failing sequence: drops commands one at a time while some reply still differs
     * (at most {@code budget} reruns). Returns the result of the smallest failing sequence found.
     */
    public Result minimise(Result failing, int budget) {
        Result best = failing;
        boolean progress = true;
        while (progress && budget > 0) {
            progress = false;
            List<Invocation> cur = best.sequence().steps().subList(0, best.mismatchAt() + 1);
            for (int i = cur.size() - 1; i >= 0 && budget > 0; i--) {
                List<Invocation> cand = new ArrayList<>(cur);
                cand.remove(i);
                if (cand.isEmpty()) {
                    continue;
                }
                budget--;
                Result r = run(best.sequence().withSteps(cand));
                if (r.failed()) {
                    best = r;
                    progress = true;
                    break;
                }
            }
        }
        return best;
    }

    private Observed exec(RespClient[] conns, Invocation inv) {
        RespClient c = conns[inv.client()];
        if (c == null) {
            return Observed.failed("connection closed");
        }
        try {
            return Observed.of(c.call(inv.args()));
        } catch (UncheckedIOException e) {
            c.close();
            conns[inv.client()] = null;
            Throwable cause = e.getCause();
            if (cause instanceof SocketTimeoutException) {
                return Observed.failed("no reply within " + timeoutMillis + " ms");
            }
            if (cause instanceof EOFException) {
                return Observed.failed("connection closed");
            }
            return Observed.failed("connection error: " + cause);
        }
    }

    private boolean same(Invocation inv, Observed a, Observed b) {
        return equivalent(normalizers, inv, a, b);
    }

    private boolean sameExec(List<Invocation> queued, Observed a, Observed b) {
        return equivalentExec(normalizers, queued, a, b);
    }

    /** EXEC's replies element by element, each normalised as the queued command it answers. */
    public static boolean equivalentExec(List<Normalizer> normalizers, List<Invocation> queued, Observed a,
                                         Observed b) {
        if (a.reply() instanceof Resp.Agg x && b.reply() instanceof Resp.Agg y && x.kind() == y.kind()
                && x.items().size() == queued.size() && y.items().size() == queued.size()) {
            for (int i = 0; i < queued.size(); i++) {
                if (!equivalent(normalizers, queued.get(i), Observed.of(x.items().get(i)),
                        Observed.of(y.items().get(i)))) {
                    return false;
                }
            }
            return true;
        }
        return equivalent(normalizers, new Invocation(0, List.of("EXEC"), "exec"), a, b);
    }

    /**
     * True when two observations agree: both failed the same way, or the replies are equal after
     * the normalisers (applied in order) rewrote them.
     */
    public static boolean equivalent(List<Normalizer> normalizers, Invocation inv, Observed a, Observed b) {
        if (a.reply() == null || b.reply() == null) {
            return a.reply() == null && b.reply() == null && a.failure().equals(b.failure());
        }
        Resp x = a.reply();
        Resp y = b.reply();
        for (Normalizer n : normalizers) {
            Normalizer.Pair p = n.apply(inv, x, y);
            if (p != null) {
                x = p.redis();
                y = p.cinnabar();
            }
        }
        return x.equals(y);
    }

    /** Brings both servers back to an empty keyspace and default encoding parameters. */
    private void reset(Sequence s) {
        List<List<String>> redisCmds = new ArrayList<>();
        List<List<String>> cinnabarCmds = new ArrayList<>();
        redisCmds.add(List.of("FLUSHALL"));
        if (table.lookup("flushall") != null) {
            cinnabarCmds.add(List.of("FLUSHALL"));
        } else if (cinnabarFlush != null) {
            cinnabarFlush.run();
        } else {
            // Without FLUSHALL or access to the keyspace: delete the keys sequences normally use.
            boolean select = table.lookup("select") != null;
            for (int db = 0; db < (select ? 16 : 1); db++) {
                if (select) {
                    cinnabarCmds.add(List.of("SELECT", Integer.toString(db)));
                }
                List<String> del = new ArrayList<>(List.of("DEL"));
                del.addAll(SequenceGenerator.KEYS);
                cinnabarCmds.add(del);
            }
        }
        if (s.steps().stream().anyMatch(i -> "config|set".equals(i.command()))) {
            configDefaults.forEach((k, v) -> {
                redisCmds.add(List.of("CONFIG", "SET", k, v));
                cinnabarCmds.add(List.of("CONFIG", "SET", k, v));
            });
        }
        redisAdmin = resetOn(redisAdmin, redisPort, redisCmds, "redis");
        cinnabarAdmin = resetOn(cinnabarAdmin, cinnabarPort, cinnabarCmds, "cinnabar");
    }

    private RespClient resetOn(RespClient admin, int port, List<List<String>> cmds, String who) {
        RespClient c = admin;
        for (int attempt = 0; ; attempt++) {
            try {
                for (List<String> cmd : cmds) {
                    c.send(cmd.toArray(new String[0]));
                }
                for (List<String> cmd : cmds) {
                    Resp r = c.read();
                    if (r instanceof Resp.Err e) {
                        throw new IllegalStateException(who + " refused reset command " + cmd + ": " + e);
                    }
                }
                return c;
            } catch (UncheckedIOException e) {
                // the previous sequence may have broken the admin connection (e.g. RESET, a protocol error)
                c.close();
                if (attempt > 0) {
                    throw new IllegalStateException(who + " unreachable while resetting: " + e.getMessage(), e);
                }
                c = new RespClient("127.0.0.1", port, timeoutMillis);
            }
        }
    }

    @Override
    public void close() {
        redisAdmin.close();
        cinnabarAdmin.close();
        for (AutoCloseable c : owned) {
            try {
                c.close();
            } catch (Exception ignored) {
                // keep closing the rest
            }
        }
    }
}
