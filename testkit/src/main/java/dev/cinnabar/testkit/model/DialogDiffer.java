package dev.cinnabar.testkit.model;

import dev.cinnabar.server.CinnabarServer;
import dev.cinnabar.testkit.RealRedis;
import dev.cinnabar.testkit.Resp;
import dev.cinnabar.testkit.diff.Differ;
import dev.cinnabar.testkit.diff.Invocation;
import dev.cinnabar.testkit.diff.Normalizer;
import dev.cinnabar.testkit.diff.Normalizers;
import dev.cinnabar.testkit.diff.Observed;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The multi-client model test's driver: runs a dialog on real Redis 7.0 (the reference, which
 * also sets how many frames each connection should have after each step), then on Cinnabar,
 * checks the reply accounting ({@link ReplyAccounting}) on both transcripts and compares every
 * connection's complete stream frame by frame with the standard normalisers (applied as for the
 * request each frame answers on Redis). A reply accounting failure on Redis means the harness's
 * model is wrong, and is reported as such. Failing dialogs are shrunk ({@link #minimise}).
 *
 * <p>A Cinnabar that stops answering the harness's own connection (a script that cannot be
 * killed, a lock never released) fails the dialog as "stuck" and is replaced by a fresh server
 * for the following dialogs; the stuck one is abandoned (closing it could wait forever).
 *
 * <pre>{@code
 * try (DialogDiffer d = DialogDiffer.start()) {
 *     DialogDiffer.Outcome o = d.run(Dialog.parse("c0 SUBSCRIBE ch", "c1 PUBLISH ch m1"));
 *     assertThat(o.failed()).as(o.report("")).isFalse();
 * }
 * }</pre>
 */
public final class DialogDiffer implements AutoCloseable {
    /** busy-reply-threshold on both servers: a busy script makes others wait this long once. */
    public static final int BUSY_THRESHOLD_MS = 50;

    /** A server under test: how to reach it and how to get rid of it. */
    public record Target(DialogRunner runner, AutoCloseable server) {
    }

    private final DialogRunner redis;
    private final Supplier<Target> cinnabarFactory;
    private final List<Normalizer> normalizers;
    private final List<AutoCloseable> owned = new ArrayList<>();
    private Target cinnabar;

    /**
     * @param cinnabarFactory starts a fresh Cinnabar (called once here, then again whenever one got
     *     stuck); it may fill {@code normalizers} on its first call (they come from its command table)
     */
    public DialogDiffer(DialogRunner redis, Supplier<Target> cinnabarFactory, List<Normalizer> normalizers) {
        this.redis = redis;
        this.cinnabarFactory = cinnabarFactory;
        configure(redis);
        this.cinnabar = cinnabarFactory.get();
        this.normalizers = List.copyOf(normalizers);
        configure(cinnabar.runner());
    }

    private static void configure(DialogRunner r) {
        Resp ok = r.admin("CONFIG", "SET", "busy-reply-threshold", Integer.toString(BUSY_THRESHOLD_MS));
        if (ok instanceof Resp.Err e) {
            throw new IllegalStateException(r.name() + " refused busy-reply-threshold: " + e);
        }
    }

    /**
     * Starts a real redis-server (skipping the test when it is absent outside CI) and an embedded
     * Cinnabar, each with default settings but busy-reply-threshold, compared with the standard
     * normalisers.
     *
     * @param replyTimeoutMs how long Cinnabar may take for a frame Redis had sent (then: a stall)
     */
    public static DialogDiffer start(int replyTimeoutMs) {
        List<Normalizer> normalizers = new ArrayList<>();
        return create(replyTimeoutMs, () -> {
            CinnabarServer server = CinnabarServer.builder().port(0).start();
            if (normalizers.isEmpty()) {
                normalizers.addAll(Normalizers.defaults(server.context().commands()));
            }
            return new Target(new DialogRunner("cinnabar", server.port(), replyTimeoutMs), server);
        }, normalizers);
    }

    /**
     * Real Redis against a second real Redis, for testing the harness itself: every dialog must
     * agree and pass the accounting, whatever the seed, or the harness is not deterministic.
     * Only HELLO's client id is normalised.
     */
    public static DialogDiffer redisAgainstRedis(int replyTimeoutMs) {
        RealRedis second = RealRedis.start();
        try {
            return create(replyTimeoutMs, () -> new Target(new DialogRunner("redis-2", second.port(), replyTimeoutMs),
                    second), List.of(Normalizers.helloClientId()));
        } catch (RuntimeException e) {
            second.close();
            throw e;
        }
    }

    private static DialogDiffer create(int replyTimeoutMs, Supplier<Target> other, List<Normalizer> normalizers) {
        RealRedis reference = RealRedis.start();
        DialogRunner r = null;
        try {
            r = new DialogRunner("redis", reference.port(), replyTimeoutMs);
            DialogDiffer d = new DialogDiffer(r, other, normalizers);
            d.owned.add(r);
            d.owned.add(reference);
            return d;
        } catch (RuntimeException e) {
            if (r != null) {
                r.close();
            }
            reference.close();
            throw e;
        }
    }

    /** One dialog on both servers, with every check. */
    public record Outcome(Dialog dialog, Transcript redis, Transcript cinnabar, ReplyAccounting.Result redisAccounting,
                          ReplyAccounting.Result cinnabarAccounting, List<Problem> differences) {
        /** Redis itself breaks the accounting: the harness's model is wrong, not Cinnabar. */
        public boolean modelWrong() {
            return !redisAccounting.ok() || redis.stuck();
        }

        public boolean failed() {
            return modelWrong() || !cinnabarAccounting.ok() || !differences.isEmpty();
        }

        /** The kind of the first problem, to report each kind once. */
        public String signature() {
            if (modelWrong()) {
                return "model: " + (redis.stuck() ? "redis stuck" : redisAccounting.violations().get(0).signature());
            }
            if (!differences.isEmpty()) {
                return differences.get(0).signature();
            }
            if (!cinnabarAccounting.ok()) {
                return "accounting: " + cinnabarAccounting.violations().get(0).signature();
            }
            return "ok";
        }

        /** The dialog in redis-cli syntax, what differs, and both servers' streams. */
        public String report(String rerun) {
            StringBuilder sb = new StringBuilder();
            Dialog d = dialog;
            sb.append("Dialog seed ").append(d.seed()).append(" (").append(d.clients()).append(" clients, c")
                    .append(d.clients()).append(" is the cleanup connection): ")
                    .append(modelWrong() ? "the harness's reply accounting disagrees with Redis (a harness bug)"
                            : failed() ? "Cinnabar differs from Redis" : "Cinnabar agrees with Redis").append(" [").append(signature()).append("]\n");
            if (!rerun.isEmpty()) {
                sb.append("rerun: ").append(rerun).append(" -Dmodel.seed=").append(d.seed())
                        .append(" -Dmodel.dialogs=1\n");
            }
            sb.append("($cN.id / $cN.addr: connection N's client id / address; cN+ shares the previous line's write;"
                    + " cN~ is sent without waiting, while CLIENT PAUSE ALL holds everything)\n");
            sb.append(d.render());
            for (Problem p : differences) {
                sb.append("  differs: ").append(p).append('\n');
            }
            for (Problem p : cinnabarAccounting.violations()) {
                sb.append("  cinnabar accounting: ").append(p).append('\n');
            }
            for (Problem p : redisAccounting.violations()) {
                sb.append("  redis accounting: ").append(p).append('\n');
            }
            sb.append("streams ([step after which the frame was read] frame):\n");
            for (int k = 0; k < d.connections(); k++) {
                sb.append(line(redis, k)).append(line(cinnabar, k));
            }
            return sb.toString();
        }

        private static String line(Transcript t, int k) {
            StringBuilder sb = new StringBuilder(String.format("  c%d %-8s %-6s ", k, t.server(), "#" + t.id(k)));
            if (t.events(k).isEmpty()) {
                sb.append("(nothing)");
            }
            for (Transcript.Event e : t.events(k)) {
                sb.append(Transcript.cut(e.toString())).append("  ");
            }
            return sb.append('\n').toString();
        }
    }

    /** Runs a dialog on both servers (repeated up to twice when the harness missed its timing). */
    public Outcome run(Dialog d) {
        Outcome o = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            Transcript r = redis.run(d, null);
            Transcript c = cinnabar.runner().run(d, r);
            o = compare(d, r, c);
            int last = d.steps().size() - 1;
            if (c.stuck() || last >= 0 && c.busyAfter(last) && !r.busyAfter(last)) {
                // stuck, or still running a script after the cleanup killed Redis's: start afresh
                replaceCinnabar();
            }
            if (!r.timingMissed() && !c.timingMissed()) {
                return o;
            }
        }
        return o;
    }

    private void replaceCinnabar() {
        Target stuck = cinnabar;
        cinnabar = cinnabarFactory.get();
        configure(cinnabar.runner());
        abandon(stuck);
    }

    /** Closes a server on a daemon thread, waiting a little: a stuck server may never finish closing. */
    private static void abandon(Target t) {
        Thread closer = new Thread(() -> {
            try {
                t.runner().admin("SCRIPT", "KILL");
            } catch (RuntimeException ignored) {
                // stuck indeed
            }
            t.runner().close();
            try {
                t.server().close();
            } catch (Exception ignored) {
                // closing anyway
            }
        }, "abandon-" + t.runner().name());
        closer.setDaemon(true);
        closer.start();
        try {
            closer.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private Outcome compare(Dialog d, Transcript r, Transcript c) {
        ReplyAccounting.Result ra = ReplyAccounting.check(d, r);
        ReplyAccounting.Result ca = ReplyAccounting.check(d, c);
        List<Problem> diffs = new ArrayList<>();
        if (c.stuck()) {
            diffs.add(new Problem("stuck", null, c.stuckNote() + " (after step " + c.stuckAt() + ")"));
        }
        for (int k = 0; k < d.connections(); k++) {
            List<Transcript.Frame> rf = r.frames(k);
            List<Transcript.Frame> cf = c.frames(k);
            for (int i = 0; i < Math.max(rf.size(), cf.size()); i++) {
                Invocation answered = i < rf.size() ? ra.answers().get(k).get(i) : null;
                Resp a = i < rf.size() ? rf.get(i).reply() : null;
                Resp b = i < cf.size() ? cf.get(i).reply() : null;
                Invocation inv = answered != null ? answered : new Invocation(k, List.of("(push)"), null);
                if (a == null || b == null
                        || !Differ.equivalent(normalizers, inv, Observed.of(a), Observed.of(b))) {
                    String what = answered != null ? "reply to '" + answered.commandLine() + "'" : "frame";
                    String kind = a == null ? "extra frame" : b == null ? "missing frame"
                            : answered != null ? "reply differs" : "push differs";
                    diffs.add(new Problem(kind, answered != null ? Problem.nameOf(answered.args()) : null,
                            "c" + k + " " + what + " (#" + i + ", step " + (i < rf.size() ? rf.get(i).step()
                            : cf.get(i).step()) + "): redis " + (a == null ? "<nothing>" : Transcript.cut(a.toString()))
                            + ", cinnabar " + (b == null ? "<nothing>" : Transcript.cut(b.toString()))));
                    break;
                }
                if (early(d, cf.get(i).step(), rf.get(i).step())) {
                    String what = answered != null ? "reply to '" + answered.commandLine() + "'" : "frame " + a;
                    diffs.add(new Problem("early", answered != null ? Problem.nameOf(answered.args()) : null,
                            "c" + k + " " + what + " (#" + i + ") came after step " + cf.get(i).step()
                            + " on cinnabar, after step " + rf.get(i).step() + " on redis, which held it until then"));
                    break;
                }
            }
            boolean rc = r.closedAt(k) >= 0;
            boolean cc = c.closedAt(k) >= 0;
            if (rc != cc && !c.stuck()) {
                diffs.add(new Problem("close differs", null, "c" + k + " connection " + (rc ? "closed by redis after step "
                        + r.closedAt(k) + ", still open on cinnabar" : "closed by cinnabar after step " + c.closedAt(k)
                        + ", still open on redis")));
            }
        }
        for (String s : c.settles()) {
            diffs.add(new Problem("busy state", null, s));
        }
        for (String s : c.stalls()) {
            diffs.add(new Problem("stall", null, s));
        }
        return new Outcome(d, r, c, ra, ca, diffs);
    }

    /**
     * A frame Cinnabar sent at an earlier step than Redis: Redis held it (a blocked or postponed
     * command, a message not yet published) while Cinnabar did not. Two kinds of steps blur when
     * frames are read, so a span touching one says nothing: steps sent without settling (during
     * CLIENT PAUSE ALL), and SCRIPT KILL, after which Redis reads what the script's own connection
     * sent meanwhile in some later event-loop turn (the connection is protected while its script
     * runs).
     */
    private static boolean early(Dialog d, int cinnabarStep, int redisStep) {
        if (cinnabarStep >= redisStep) {
            return false;
        }
        for (int s = Math.max(0, cinnabarStep - 1); s <= redisStep; s++) {
            Dialog.Step step = d.steps().get(s);
            if (step.async() || step.commands().stream().anyMatch(c -> "script|kill".equals(Dialog.commandName(c)))) {
                return false;
            }
        }
        return true;
    }

    /**
     * Shrinks a failing dialog: drops runs of steps (halves, quarters... single steps) and single
     * commands of pipelined steps while the dialog still fails the same way (same
     * {@link Outcome#signature}) and stays inside the generator's rules. Stops after
     * {@code maxRuns} reruns or {@code maxMillis}.
     */
    public Outcome minimise(Outcome failing, int maxRuns, long maxMillis) {
        Shrinker sh = new Shrinker(failing, maxRuns, System.currentTimeMillis() + maxMillis);
        List<Dialog.Step> body = new ArrayList<>(failing.dialog().body());
        for (int chunk = Math.max(1, body.size() / 2); chunk >= 1 && sh.budget(); ) {
            boolean progress = false;
            for (int start = 0; start < body.size() && sh.budget(); ) {
                List<Dialog.Step> cand = new ArrayList<>(body);
                cand.subList(start, Math.min(body.size(), start + chunk)).clear();
                if (sh.stillFails(cand)) {
                    body = cand;
                    progress = true;
                } else {
                    start += chunk;
                }
            }
            if (!progress) {
                chunk = chunk == 1 ? 0 : Math.max(1, chunk / 2);
            }
        }
        // then single commands out of pipelined steps
        for (int i = 0; i < body.size() && sh.budget(); i++) {
            for (int j = 0; body.get(i).commands().size() > 1 && j < body.get(i).commands().size() && sh.budget(); j++) {
                Dialog.Step s = body.get(i);
                List<List<String>> cmds = new ArrayList<>(s.commands());
                cmds.remove(j);
                List<Dialog.Step> cand = new ArrayList<>(body);
                cand.set(i, new Dialog.Step(s.client(), cmds, s.async()));
                if (sh.stillFails(cand)) {
                    body = cand;
                    j--;
                }
            }
        }
        return sh.best;
    }

    /** The shrinking budget and the smallest failing dialog so far. */
    private final class Shrinker {
        Outcome best;
        final String signature;
        final long deadline;
        int runsLeft;

        Shrinker(Outcome failing, int maxRuns, long deadline) {
            this.best = failing;
            this.signature = failing.signature();
            this.runsLeft = maxRuns;
            this.deadline = deadline;
        }

        boolean budget() {
            return runsLeft > 0 && System.currentTimeMillis() < deadline;
        }

        /** Runs a smaller body (if it keeps the rules); true when it fails the same way. */
        boolean stillFails(List<Dialog.Step> body) {
            if (body.isEmpty() || !DialogModel.valid(best.dialog().clients(), body)) {
                return false;
            }
            runsLeft--;
            Outcome o = run(best.dialog().withBody(body));
            if (o.failed() && o.signature().equals(signature)) {
                best = o;
                return true;
            }
            return false;
        }
    }

    @Override
    public void close() {
        abandon(cinnabar);
        for (AutoCloseable c : owned) {
            try {
                c.close();
            } catch (Exception ignored) {
                // keep closing the rest
            }
        }
    }
}
