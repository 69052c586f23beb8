package dev.cinnabar.tests.stress;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the stress test asked for and what it was told: every request with a side effect carries a
 * unique id ("w3-1207": worker 3, its 1207th request) that the command records in the dataset
 * (a per-worker log list, a queue, a channel). Each request ends in one outcome, read from its
 * reply: ACKED (it ran), REJECTED (BUSY, killed, EXECABORT: it did not run), or UNKNOWN (the test
 * closed the connection before the reply: it may have run, at most once). The final dataset and
 * what subscribers and blocked poppers received are then checked against the outcomes.
 *
 * <p>Thread-safe: workers issue and resolve their own requests concurrently.
 */
final class Ledger {
    enum Kind {
        /** No side effect (ECHO, read-only scripts): only its reply is checked. */
        NONE,
        /** Appends its id to the worker's log list. */
        LOG,
        /** Appends its id to the worker's log list and increments the worker's counter, atomically. */
        LOG_INCR,
        /** Pushes its id onto queue {@code target}, where a blocked popper may take it. */
        QUEUE,
        /** Publishes its id on channel {@code target}. */
        PUBLISH
    }

    enum Outcome { PENDING, ACKED, REJECTED, UNKNOWN }

    static final class Op {
        final String id;
        final int owner;
        final long seq;
        final Kind kind;
        final int target;
        final String what;
        volatile Outcome outcome = Outcome.PENDING;

        Op(int owner, long seq, Kind kind, int target, String what) {
            this.id = "w" + owner + "-" + seq;
            this.owner = owner;
            this.seq = seq;
            this.kind = kind;
            this.target = target;
            this.what = what;
        }

        @Override
        public String toString() {
            return id + " (" + what + ", " + outcome + ")";
        }
    }

    private static final int MAX_KEPT = 40;
    private final Map<String, Op> ops = new ConcurrentHashMap<>();
    private final List<String> violations = Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger violationCount = new AtomicInteger();
    private final AtomicInteger[] outcomeCounts = new AtomicInteger[Outcome.values().length];

    Ledger() {
        for (int i = 0; i < outcomeCounts.length; i++) {
            outcomeCounts[i] = new AtomicInteger();
        }
    }

    Op issue(int owner, long seq, Kind kind, int target, String what) {
        Op op = new Op(owner, seq, kind, target, what);
        ops.put(op.id, op);
        return op;
    }

    void resolve(Op op, Outcome outcome) {
        op.outcome = outcome;
        outcomeCounts[outcome.ordinal()].incrementAndGet();
    }

    void violation(String message) {
        if (violationCount.incrementAndGet() <= MAX_KEPT) {
            violations.add(message);
        }
    }

    int violationCount() {
        return violationCount.get();
    }

    List<String> violations() {
        synchronized (violations) {
            return new ArrayList<>(violations);
        }
    }

    String summary() {
        return ops.size() + " requests with ids: " + outcomeCounts[Outcome.ACKED.ordinal()] + " acknowledged, "
                + outcomeCounts[Outcome.REJECTED.ordinal()] + " rejected (BUSY, killed, EXECABORT), "
                + outcomeCounts[Outcome.UNKNOWN.ordinal()] + " unknown (connection closed by the test)";
    }

    private Op known(String id, String where) {
        Op op = ops.get(id);
        if (op == null) {
            violation(where + " holds " + id + ", which no request carried");
        }
        return op;
    }

    private void mustNotHaveRun(Op op, String where) {
        if (op.outcome == Outcome.REJECTED) {
            violation(where + " holds " + op + ": the request was refused yet took effect");
        }
    }

    private List<Op> mine(int owner, Kind... kinds) {
        Set<Kind> k = Set.of(kinds);
        List<Op> out = new ArrayList<>();
        for (Op op : ops.values()) {
            if (op.owner == owner && k.contains(op.kind)) {
                out.add(op);
            }
        }
        out.sort((a, b) -> Long.compare(a.seq, b.seq));
        return out;
    }

    /**
     * A worker's log list: only its own LOG/LOG_INCR ids, each at most once, none refused, every
     * acknowledged one present, acknowledged ones in the order they were sent; its counter equals
     * the number of LOG_INCR ids in the list (they were applied atomically with the append).
     */
    void checkLog(int owner, List<String> log, long counter) {
        String where = "log of worker " + owner;
        Set<String> seen = new HashSet<>();
        long lastAcked = -1;
        long incrs = 0;
        for (String id : log) {
            Op op = known(id, where);
            if (op == null) {
                continue;
            }
            if (!seen.add(id)) {
                violation(where + " holds " + op + " twice: it ran more than once");
                continue;
            }
            if (op.owner != owner || (op.kind != Kind.LOG && op.kind != Kind.LOG_INCR)) {
                violation(where + " holds " + op + ", which was not meant for it");
                continue;
            }
            mustNotHaveRun(op, where);
            if (op.kind == Kind.LOG_INCR) {
                incrs++;
            }
            if (op.outcome == Outcome.ACKED) {
                if (op.seq < lastAcked) {
                    violation(where + ": " + op + " ran after w" + owner + "-" + lastAcked + " but was sent before it");
                }
                lastAcked = op.seq;
            }
        }
        for (Op op : mine(owner, Kind.LOG, Kind.LOG_INCR)) {
            if (op.outcome == Outcome.ACKED && !seen.contains(op.id)) {
                violation(where + " lacks " + op + ": acknowledged but never applied");
            }
        }
        if (counter != incrs) {
            violation("counter of worker " + owner + " is " + counter + " but its log holds " + incrs
                    + " script/transaction entries (each incremented it once)");
        }
    }

    /**
     * Queues: every id pushed is either still in its queue or was popped, exactly once overall;
     * acknowledged pushes are all accounted for, refused ones never appear.
     */
    void checkQueues(Map<Integer, List<String>> remaining, List<String[]> popped) {
        Map<String, Integer> count = new HashMap<>();
        for (Map.Entry<Integer, List<String>> e : remaining.entrySet()) {
            for (String id : e.getValue()) {
                account(id, e.getKey(), "queue " + e.getKey(), count);
            }
        }
        for (String[] p : popped) { // consumer, id, queue index
            account(p[1], Integer.parseInt(p[2]), "a pop by " + p[0], count);
        }
        for (Op op : ops.values()) {
            if (op.kind == Kind.QUEUE && op.outcome == Outcome.ACKED && !count.containsKey(op.id)) {
                violation(op + " was acknowledged but is neither in its queue nor was it popped");
            }
        }
    }

    private void account(String id, int queue, String where, Map<String, Integer> count) {
        Op op = known(id, where);
        if (op == null) {
            return;
        }
        if (op.kind != Kind.QUEUE || op.target != queue) {
            violation(where + " holds " + op + ", which was not pushed there");
            return;
        }
        mustNotHaveRun(op, where);
        if (count.merge(id, 1, Integer::sum) > 1) {
            violation(op + " was found twice (remaining or popped): pushed or popped more than once");
        }
    }

    /**
     * One subscriber's messages on one channel (subscribed before the first publish, until the
     * end): each publish at most once, every acknowledged one received, refused ones never, and a
     * worker's acknowledged publishes in the order it sent them.
     */
    void checkSubscriber(String subscriber, int channel, List<String> received, Map<String, Integer> timesSeen) {
        String where = subscriber + " on channel " + channel;
        Set<String> seen = new HashSet<>();
        Map<Integer, Long> lastAckedOf = new HashMap<>();
        for (String id : received) {
            Op op = known(id, where);
            if (op == null) {
                continue;
            }
            if (op.kind != Kind.PUBLISH || op.target != channel) {
                violation(where + " received " + op + ", which was not published there");
                continue;
            }
            if (!seen.add(id)) {
                violation(where + " received " + op + " twice");
                continue;
            }
            timesSeen.merge(id, 1, Integer::sum);
            mustNotHaveRun(op, where);
            if (op.outcome == Outcome.ACKED) {
                Long last = lastAckedOf.get(op.owner);
                if (last != null && op.seq < last) {
                    violation(where + " received " + op + " after w" + op.owner + "-" + last + ", sent later");
                }
                lastAckedOf.put(op.owner, op.seq);
            }
        }
        for (Op op : ops.values()) {
            if (op.kind == Kind.PUBLISH && op.target == channel && op.outcome == Outcome.ACKED && !seen.contains(op.id)) {
                violation(where + " never received " + op);
            }
        }
    }

    /** A publish reaches every subscriber or none: each id was seen by all or by none of them. */
    void checkAllOrNone(Map<String, Integer> timesSeen, int subscribers) {
        for (Map.Entry<String, Integer> e : timesSeen.entrySet()) {
            if (e.getValue() != subscribers) {
                violation(ops.get(e.getKey()) + " reached " + e.getValue() + " of " + subscribers + " subscribers");
            }
        }
    }

    /** Requests still pending when their worker stopped count as unknown. */
    void settle() {
        for (Op op : ops.values()) {
            if (op.outcome == Outcome.PENDING) {
                resolve(op, Outcome.UNKNOWN);
            }
        }
    }
}
