package dev.cinnabar.testkit.model;

import dev.cinnabar.testkit.Resp;
import dev.cinnabar.testkit.diff.Invocation;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The invariant of the model test, checked on one server's transcript without looking at any
 * other server: every request a connection sent got its reply, in order, or is documented as
 * unanswered; and nothing else arrived but pushes.
 *
 * <p>Per connection, requests are matched with the frames it received, in order (a connection
 * answers its requests in the order it sent them, whatever blocks in between). Pushes (pub/sub
 * messages, tracking invalidations, RESP3 {@code >} frames other than subscribe confirmations) may
 * come anywhere and answer nothing. A request answers with:
 * <ul>
 *   <li>no frame when replies are suppressed: after CLIENT REPLY OFF (that command included), and
 *       for CLIENT REPLY SKIP and the one command after it, even if that command blocks first;
 *   <li>one confirmation per channel for (P|S)SUBSCRIBE and (P|S)UNSUBSCRIBE outside MULTI (the
 *       number of current subscriptions of that kind, at least one, when it names none),
 *       whatever the reply mode, or one error when refused;
 *   <li>for an EXEC whose reply is suppressed, the confirmations of the (P|S)(UN)SUBSCRIBE it
 *       ran (Redis writes pushes whatever the reply mode), none if it was refused;
 *   <li>one frame for CLIENT REPLY ON whatever the reply mode, and for RESET unless it is the
 *       command after CLIENT REPLY SKIP (RESET turns OFF off before answering, SKIP still applies);
 *   <li>otherwise one frame (an error is a reply).
 * </ul>
 * A connection may stop answering only when the server closed it for a documented reason: its
 * own QUIT (after the +OK), or a CLIENT KILL in the step after which the close was seen. The
 * number of connections closed by a CLIENT KILL must be what its reply says.
 *
 * <p>State that changes the count (reply mode, RESP version, MULTI, subscriptions) follows the
 * observed replies; when a reply is suppressed the command is assumed to have succeeded unless a
 * RESP2 connection with subscriptions sent it (then it was refused). The generator keeps dialogs
 * where that assumption would be unsafe out ({@link DialogModel#reject}).
 */
public final class ReplyAccounting {
    private ReplyAccounting() {
    }

    /**
     * The violations found (empty when the invariant holds) and, per connection and frame, the
     * request the frame answers (null for a push, or a frame that answers nothing).
     */
    public record Result(List<Problem> violations, List<List<Invocation>> answers) {
        public boolean ok() {
            return violations.isEmpty();
        }
    }

    /** One request as sent. */
    private record Request(int step, List<String> args, String name) {
        Invocation invocation(int client) {
            return new Invocation(client, args, name);
        }

        @Override
        public String toString() {
            return "'" + new Invocation(0, args, null).commandLine() + "' (step " + step + ")";
        }
    }

    /** What the accounting tracks per connection. */
    private static final class State {
        int resp = 2;
        boolean off;
        boolean skipNext;
        boolean multi;
        final List<Request> queued = new ArrayList<>();
        final Set<String> channels = new LinkedHashSet<>();
        final Set<String> patterns = new LinkedHashSet<>();
        final Set<String> shard = new LinkedHashSet<>();

        boolean subscribed() {
            return !channels.isEmpty() || !patterns.isEmpty() || !shard.isEmpty();
        }

        Set<String> kind(String name) {
            return switch (name) {
                case "subscribe", "unsubscribe" -> channels;
                case "psubscribe", "punsubscribe" -> patterns;
                default -> shard;
            };
        }
    }

    public static Result check(Dialog d, Transcript t) {
        List<Dialog.Step> steps = d.steps();
        List<Problem> violations = new ArrayList<>();
        List<List<Invocation>> answers = new ArrayList<>();
        // per step: the CLIENT KILL reply (number of connections it says it closed), if seen
        List<Request> kills = new ArrayList<>();
        List<Integer> killCounts = new ArrayList<>();
        for (int k = 0; k < t.connections(); k++) {
            List<Request> requests = new ArrayList<>();
            for (int i = 0; i < steps.size(); i++) {
                Dialog.Step s = steps.get(i);
                if (s.client() == k && t.sent(i)) {
                    for (List<String> cmd : s.commands()) {
                        requests.add(new Request(i, cmd, Dialog.commandName(cmd)));
                    }
                }
            }
            answers.add(account(k, requests, t, steps, violations, kills, killCounts));
        }
        checkKills(t, kills, killCounts, violations);
        return new Result(violations, answers);
    }

    private static List<Invocation> account(int k, List<Request> requests, Transcript t, List<Dialog.Step> steps,
                                            List<Problem> violations, List<Request> kills, List<Integer> killCounts) {
        List<Transcript.Frame> frames = t.frames(k);
        List<Invocation> answer = new ArrayList<>();
        frames.forEach(f -> answer.add(null));
        State st = new State();
        int fi = 0;
        Request quit = null;
        Request unanswered = null;
        outer:
        for (Request r : requests) {
            boolean skipped = st.skipNext;
            boolean silent = st.off || skipped;
            st.skipNext = false;
            boolean refusedByContext = st.resp == 2 && st.subscribed() && !DialogModel.RESP2_SUBSCRIBED.contains(r.name);
            boolean queues = st.multi && !DialogModel.NOT_QUEUED.contains(r.name);
            boolean confirms = !queues && DialogModel.SUBSCRIBE_FAMILY.contains(r.name);
            // a silent EXEC still pushes the confirmations of the subscribe commands it runs
            List<String> pushed = r.name.equals("exec") && st.multi && silent && !refusedByContext
                    ? confirmations(st) : null;
            int count;
            if (pushed != null) {
                count = pushed.size();
            } else if (confirms) {
                int named = r.args.size() - 1;
                count = named > 0 ? named : Math.max(1, st.kind(r.name).size());
            } else if (r.name.equals("reset")) {
                // RESET turns CLIENT REPLY OFF off before answering, but a SKIP still eats its reply
                count = skipped ? 0 : 1;
            } else if (r.name.equals("client|reply") && arg(r, 2).equals("on") && !refusedByContext && !queues) {
                count = 1;
            } else if (r.name.equals("client|reply") && !refusedByContext && !queues) {
                count = 0;
            } else {
                count = silent ? 0 : 1;
            }
            Resp first = null;
            for (int j = 0; j < count; j++) {
                fi = nextReply(frames, fi);
                if (pushed != null && (fi >= frames.size() || !isConfirmation(frames.get(fi).reply(), pushed.get(j)))) {
                    break; // the EXEC was refused (EXECABORT, suppressed): it ran nothing
                }
                if (fi >= frames.size()) {
                    unanswered = r;
                    break outer;
                }
                Resp f = frames.get(fi).reply();
                if (isResetReply(f) != r.name.equals("reset") && !(f instanceof Resp.Err)) {
                    // +RESET answers RESET only: this request's reply is missing (or RESET's is)
                    violations.add(new Problem("no reply", Problem.nameOf(r.args), t.server() + " c" + k
                            + ": no reply to " + r + " (the next frame is " + Transcript.cut(f.toString()) + ")"));
                    break;
                }
                answer.set(fi, r.invocation(k));
                fi++;
                if (j == 0) {
                    first = f;
                }
                if (confirms && f instanceof Resp.Err) {
                    break;
                }
                if (confirms && !isConfirmation(f, r.name)) {
                    violations.add(new Problem("confirmation", Problem.nameOf(r.args), t.server() + " c" + k + ": "
                            + r + " expected " + count + " " + r.name + " confirmation(s), frame " + (fi - 1) + " is "
                            + f));
                }
            }
            if (r.name.equals("client|kill") && !(first instanceof Resp.Err) && first != null) {
                kills.add(r);
                killCounts.add(first instanceof Resp.Int n ? (int) n.value() : 1);
            }
            update(st, r, first, refusedByContext, queues);
            if (r.name.equals("quit") && (first == null || !(first instanceof Resp.Err))) {
                quit = r;
            }
        }
        // whatever is left must be pushes
        int extra = nextReply(frames, fi);
        if (extra < frames.size()) {
            Request last = requests.isEmpty() ? null : requests.get(requests.size() - 1);
            violations.add(new Problem("extra reply", last == null ? null : Problem.nameOf(last.args), t.server()
                    + " c" + k + ": frame " + extra + " " + Transcript.cut(frames.get(extra).toString())
                    + " answers no request (" + requests.size() + " sent, the last " + last + ")"));
        }
        int closed = t.closedAt(k);
        boolean documented = closed >= 0 && (quit != null || killedAt(steps, closed));
        if (closed >= 0 && !documented) {
            violations.add(new Problem("undocumented close", null, t.server() + " c" + k
                    + ": connection closed after step " + closed + " without QUIT or CLIENT KILL"));
        }
        if (unanswered != null && !documented) {
            violations.add(new Problem("no reply", Problem.nameOf(unanswered.args), t.server() + " c" + k
                    + ": no reply to " + unanswered + (closed >= 0 ? " (connection closed after step " + closed + ")"
                    : "")));
        }
        return answer;
    }

    private static boolean killedAt(List<Dialog.Step> steps, int step) {
        for (List<String> cmd : steps.get(step).commands()) {
            if ("client|kill".equals(Dialog.commandName(cmd))) {
                return true;
            }
        }
        return false;
    }

    /** Each CLIENT KILL closed as many connections as its reply says (seen after its step). */
    private static void checkKills(Transcript t, List<Request> kills, List<Integer> counts, List<Problem> violations) {
        for (int i = 0; i < kills.size(); i++) {
            int step = kills.get(i).step;
            if (kills.stream().filter(r -> r.step == step).count() > 1) {
                continue;
            }
            int closed = 0;
            for (int k = 0; k < t.connections(); k++) {
                if (t.closedAt(k) == step) {
                    closed++;
                }
            }
            if (closed != counts.get(i)) {
                violations.add(new Problem("kill count", "CLIENT KILL", t.server() + ": " + kills.get(i) + " reported "
                        + counts.get(i) + " connection(s) killed, " + closed + " were closed"));
            }
        }
    }

    private static void update(State st, Request r, Resp first, boolean refusedByContext, boolean queues) {
        boolean ok = first != null ? !(first instanceof Resp.Err) : !refusedByContext;
        if (queues) {
            if (ok) {
                st.queued.add(r);
            }
            return;
        }
        switch (r.name) {
            case "client|reply" -> {
                if (ok) {
                    switch (arg(r, 2)) {
                        case "on" -> st.off = false;
                        case "off" -> st.off = true;
                        default -> st.skipNext = !st.off;
                    }
                }
            }
            case "hello" -> {
                if (ok && r.args.size() > 1) {
                    st.resp = Integer.parseInt(r.args.get(1));
                }
            }
            case "multi" -> {
                if (ok && !st.multi) {
                    st.multi = true;
                    st.queued.clear();
                }
            }
            case "exec" -> {
                // EXEC ends the transaction whatever happens (a refused EXEC answers EXECABORT)
                if (st.multi) {
                    st.multi = false;
                    boolean ran = first == null || first instanceof Resp.Agg;
                    if (ran) {
                        for (Request q : st.queued) {
                            subscribe(st, q);
                        }
                    }
                    st.queued.clear();
                }
            }
            case "discard" -> {
                if (ok) {
                    st.multi = false;
                    st.queued.clear();
                }
            }
            case "reset" -> {
                st.resp = 2;
                st.off = false;
                st.skipNext = false;
                st.multi = false;
                st.queued.clear();
                st.channels.clear();
                st.patterns.clear();
                st.shard.clear();
            }
            default -> {
                if (ok) {
                    subscribe(st, r);
                }
            }
        }
    }

    /** The confirmations (by command name) that EXEC of st's queue pushes, in order. */
    private static List<String> confirmations(State st) {
        State copy = new State();
        copy.channels.addAll(st.channels);
        copy.patterns.addAll(st.patterns);
        copy.shard.addAll(st.shard);
        List<String> names = new ArrayList<>();
        for (Request q : st.queued) {
            if (DialogModel.SUBSCRIBE_FAMILY.contains(q.name)) {
                int named = q.args.size() - 1;
                int n = named > 0 ? named : Math.max(1, copy.kind(q.name).size());
                for (int i = 0; i < n; i++) {
                    names.add(q.name);
                }
                subscribe(copy, q);
            }
        }
        return names;
    }

    private static void subscribe(State st, Request r) {
        if (!DialogModel.SUBSCRIBE_FAMILY.contains(r.name)) {
            return;
        }
        Set<String> set = st.kind(r.name);
        List<String> named = r.args.subList(1, r.args.size());
        if (r.name.contains("unsubscribe")) {
            if (named.isEmpty()) {
                set.clear();
            } else {
                named.forEach(set::remove);
            }
        } else {
            set.addAll(named);
        }
    }

    private static String arg(Request r, int i) {
        return r.args.size() > i ? r.args.get(i).toLowerCase() : "";
    }

    /** Index of the first frame at or after {@code from} that is not a push. */
    private static int nextReply(List<Transcript.Frame> frames, int from) {
        int i = from;
        while (i < frames.size() && isPush(frames.get(i).reply())) {
            i++;
        }
        return i;
    }

    static final Set<String> PUSH_KINDS = Set.of("message", "pmessage", "smessage", "invalidate",
            "tracking-redir-broken");

    /** A pub/sub message or other out-of-band push (RESP3 '>' or RESP2 message arrays). */
    static boolean isPush(Resp r) {
        if (!(r instanceof Resp.Agg a) || a.items().isEmpty()) {
            return false;
        }
        String head = a.items().get(0).asText();
        if (a.kind() == '>') {
            return PUSH_KINDS.contains(head);
        }
        return a.kind() == '*' && (a.items().size() == 3 && (head.equals("message") || head.equals("smessage"))
                || a.items().size() == 4 && head.equals("pmessage"));
    }

    private static boolean isResetReply(Resp r) {
        return r instanceof Resp.Simple s && s.value().equals("RESET");
    }

    private static boolean isConfirmation(Resp r, String name) {
        return r instanceof Resp.Agg a && (a.kind() == '*' || a.kind() == '>') && a.items().size() == 3
                && a.items().get(0).asText().equals(name);
    }
}
