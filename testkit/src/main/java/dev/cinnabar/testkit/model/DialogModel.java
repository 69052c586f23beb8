package dev.cinnabar.testkit.model;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A small simulation of how Redis 7.0 schedules the commands of a dialog: which connection is
 * blocked (on list keys, postponed by CLIENT PAUSE, running a busy script), what each connection
 * sent while blocked (it runs when the block ends), MULTI queues and WATCH, subscriptions, reply
 * mode, and which list holds how many elements (so it knows whether BLPOP blocks).
 *
 * <p>It serves the generator, not the verdict: it keeps generated dialogs inside the rules that make
 * them deterministic and meaningful ({@link #reject}), and derives the cleanup {@link #tail}
 * that ends every block so that every request is eventually answered. Replies themselves come from
 * real Redis; whether every request got its reply is checked by {@link ReplyAccounting}, which does
 * not use this class. Where the simulation is unsure (a CLIENT KILL by type, a transaction whose
 * WATCH outcome it cannot tell), it marks connections as possibly closed or blocked, and the
 * generator stops using them, while the tail still unblocks and resets them.
 */
public final class DialogModel {
    /** Commands whose second argument is a subcommand. */
    static final Set<String> CONTAINERS = Set.of("client", "script", "config", "function", "object", "pubsub",
            "command", "memory", "xinfo", "xgroup", "latency", "slowlog", "acl", "debug");
    /** The allow_busy commands of our vocabulary (Redis 7.0 command table). */
    static final Set<String> ALLOW_BUSY = Set.of("auth", "discard", "hello", "multi", "quit", "reset", "script|kill",
            "watch", "unwatch", "function|kill", "function|stats");
    /** Commands CLIENT PAUSE WRITE postpones (write or may-replicate in Redis 7.0). */
    static final Set<String> WRITES = Set.of("set", "incr", "append", "del", "lpush", "rpush", "lpop", "rpop", "lmove",
            "blpop", "brpop", "blmove", "publish", "eval", "evalsha", "flushall", "mset", "spublish");
    static final Set<String> BLOCKING = Set.of("blpop", "brpop", "blmove");
    static final Set<String> SUBSCRIBE_FAMILY = Set.of("subscribe", "unsubscribe", "psubscribe", "punsubscribe",
            "ssubscribe", "sunsubscribe");
    /** What a RESP2 connection with subscriptions may run. */
    static final Set<String> RESP2_SUBSCRIBED = Set.of("subscribe", "unsubscribe", "psubscribe", "punsubscribe",
            "ssubscribe", "sunsubscribe", "ping", "quit", "reset");
    /** Run at once inside MULTI instead of being queued. */
    static final Set<String> NOT_QUEUED = Set.of("exec", "discard", "multi", "watch", "quit", "reset");
    /** Commands with no effect on anything the model tracks: safe to send to a blocked connection. */
    static final Set<String> PLAIN_READS = Set.of("get", "mget", "exists", "llen", "lrange", "ping", "echo", "strlen");

    static final String BUSY_SCRIPT = "while true do end";

    enum Pause { NONE, WRITE, ALL }

    /** What the model knows about one connection. */
    static final class Conn {
        final int index;
        boolean open = true;
        boolean maybeClosed;
        int resp = 2;
        boolean replyOff;
        boolean skipNext;
        boolean multi;
        boolean multiAbort;
        final List<List<String>> queued = new ArrayList<>();
        final Set<String> watched = new LinkedHashSet<>();
        boolean watchDirty;
        final Set<String> channels = new LinkedHashSet<>();
        final Set<String> patterns = new LinkedHashSet<>();
        final Set<String> shardChannels = new LinkedHashSet<>();
        /** null, "keys" (a blocking pop), "postponed" (CLIENT PAUSE) or "script" (a busy script). */
        String blocked;
        List<String> blockedCommand;
        /** Commands sent while blocked, run when the block ends. */
        final Deque<List<String>> input = new ArrayDeque<>();
        boolean everBlocked;
        boolean tracking;
        boolean bcast;
        /** The connection this one's invalidations go to (CLIENT TRACKING ... REDIRECT), or -1. */
        int redirect = -1;

        Conn(int index) {
            this.index = index;
        }

        boolean subscribed() {
            return !channels.isEmpty() || !patterns.isEmpty() || !shardChannels.isEmpty();
        }

        boolean usable() {
            return open && !maybeClosed;
        }
    }

    private final int clients;
    private final Conn[] conns;
    private int busyOwner = -1;
    private Pause pause = Pause.NONE;
    private int asyncSteps;
    /** The pause ended for the step being judged: no step was applied since. */
    private boolean pauseEnding;
    private final Deque<Integer> postponed = new ArrayDeque<>();
    private final List<Integer> blockedOrder = new ArrayList<>();
    private final Map<String, Integer> lists = new HashMap<>();
    private final Set<String> strings = new LinkedHashSet<>();

    public DialogModel(int clients) {
        this.clients = clients;
        this.conns = new Conn[clients + 1];
        for (int i = 0; i <= clients; i++) {
            conns[i] = new Conn(i);
        }
    }

    Conn conn(int i) {
        return conns[i];
    }

    int clients() {
        return clients;
    }

    boolean busy() {
        return busyOwner >= 0;
    }

    Pause pause() {
        return pause;
    }

    int asyncSteps() {
        return asyncSteps;
    }

    // ---------------------------------------------------------------- generation rules

    /**
     * Why a step would leave the rules generated dialogs keep (null when it is fine). The rules
     * avoid races (a command sent while CLIENT PAUSE ALL holds everything must not depend on when
     * the pause ends), states the reply accounting cannot see (a refusal whose error reply is
     * suppressed), and spots where Redis 7.0.15 itself breaks its protocol (CLIENT REPLY or a
     * multi-reply subscribe queued in MULTI: EXEC's array header no longer matches its elements)
     * or never answers (QUIT under CLIENT REPLY OFF or SKIP keeps the connection open forever).
     */
    public String reject(Dialog.Step s) {
        Conn c = conns[s.client()];
        if (!c.usable()) {
            return "connection closed or possibly closed";
        }
        if (pause == Pause.ALL) {
            if (s.async()) {
                return allPlain(s, true) ? null : "only plain commands while CLIENT PAUSE ALL holds everyone";
            }
            // the harness waits for the pause to end before this step settles, and the step's
            // commands run after everything the pause held: judge it after the pause
            endPause();
            pauseEnding = true;
        }
        if (pauseEnding && startsBusyScript(s)) {
            // it would be held by the pause too, and run ahead of the harness's own PING, which
            // Redis then cannot answer until the script ends
            return "a busy script may not be the step that ends a CLIENT PAUSE ALL";
        }
        if (s.async() && !isPauseAll(s)) {
            return "async steps only during CLIENT PAUSE ALL";
        }
        if (c.blocked != null) {
            return allPlain(s, false) ? null : "a blocked connection only gets plain reads";
        }
        boolean multi = c.multi;
        boolean skip = c.skipNext;
        boolean pipelined = s.commands().size() > 1;
        for (List<String> cmd : s.commands()) {
            String name = Dialog.commandName(cmd);
            String why = rejectCommand(c, name, cmd, multi, skip, pipelined);
            if (why != null) {
                return why;
            }
            if (name.equals("multi")) {
                multi = true;
            } else if (name.equals("exec") || name.equals("discard")) {
                multi = false;
            }
            skip = name.equals("client|reply") && cmd.get(2).equalsIgnoreCase("skip");
        }
        return null;
    }

    private static boolean startsBusyScript(Dialog.Step s) {
        return s.commands().stream().anyMatch(c -> "eval".equals(Dialog.commandName(c)) && c.get(1).equals(BUSY_SCRIPT));
    }

    private static boolean isPauseAll(Dialog.Step s) {
        return s.commands().size() == 1 && "client|pause".equals(Dialog.commandName(s.commands().get(0)))
                && s.commands().get(0).get(3).equalsIgnoreCase("all");
    }

    private static boolean allPlain(Dialog.Step s, boolean writesToo) {
        for (List<String> cmd : s.commands()) {
            String n = Dialog.commandName(cmd);
            if (!PLAIN_READS.contains(n) && !(writesToo && PLAIN_WRITES.contains(n))) {
                return false;
            }
        }
        return true;
    }

    /** Writes with no effect on connections (nothing blocked or subscribed can depend on them). */
    static final Set<String> PLAIN_WRITES = Set.of("set", "incr", "append");

    private String rejectCommand(Conn c, String name, List<String> cmd, boolean multi, boolean skip, boolean pipelined) {
        boolean sub2 = c.resp == 2 && c.subscribed();
        boolean silent = c.replyOff || skip;
        boolean othersBusy = busyOwner >= 0 && busyOwner != c.index;
        if (pipelined && !PIPELINE_OK.contains(name)) {
            return name + " is not pipelined";
        }
        switch (name) {
            case "client|reply":
                if (multi) {
                    return "CLIENT REPLY inside MULTI breaks EXEC's reply in Redis";
                }
                if (sub2 || othersBusy) {
                    return "CLIENT REPLY would be refused";
                }
                return null;
            case "hello":
                if (multi || sub2) {
                    return "HELLO would be queued or refused";
                }
                return othersBusy && silent ? "HELLO during a busy script from a silent connection" : null;
            case "quit":
                return silent ? "QUIT with replies off never closes in Redis 7.0" : null;
            case "subscribe", "psubscribe", "ssubscribe", "unsubscribe", "punsubscribe", "sunsubscribe":
                if (multi && cmd.size() != 2) {
                    return "a multi-reply subscribe command queued in MULTI breaks EXEC's reply";
                }
                if (cmd.size() == 1 && subscriptions(c, name).size() > 1) {
                    return "unsubscribing from several at once answers in hash-table order";
                }
                return othersBusy && silent ? "subscribe refusal with BUSY would be invisible" : null;
            case "publish", "spublish":
                return multi && pushesToItself(c) ? PUSH_IN_EXEC : null;
            case "client|kill", "client|unblock", "client|pause", "client|unpause", "script|kill", "client|tracking":
                if (multi) {
                    return name + " is not queued in dialogs";
                }
                if (name.equals("client|kill") && cmd.size() == 3 && silent && target(cmd.get(2)) == c) {
                    return "killing itself with replies off never closes in Redis 7.0 (as QUIT)";
                }
                if (name.equals("client|unblock") && target(cmd.get(2)) != null
                        && "postponed".equals(target(cmd.get(2)).blocked)) {
                    return "CLIENT UNBLOCK of a connection held by CLIENT PAUSE crashes Redis 7.0.15";
                }
                if (name.equals("client|pause") && (pause != Pause.NONE || busyOwner >= 0)) {
                    return "CLIENT PAUSE only from an unpaused, idle server";
                }
                if (name.equals("client|tracking") && sub2) {
                    return "CLIENT TRACKING would be refused";
                }
                if (name.equals("client|tracking") && cmd.indexOf("REDIRECT") > 0
                        && target(cmd.get(cmd.indexOf("REDIRECT") + 1)) != null
                        && target(cmd.get(cmd.indexOf("REDIRECT") + 1)).multi) {
                    return PUSH_IN_EXEC;
                }
                return null;
            case "eval":
                if (cmd.get(1).equals(BUSY_SCRIPT) && (multi || busyOwner >= 0 || pause != Pause.NONE)) {
                    return "a busy script only starts outside MULTI on an idle, unpaused server";
                }
                return multi && pushesToItself(c) ? PUSH_IN_EXEC : null;
            default:
                return multi && WRITES.contains(name) && pushesToItself(c) ? PUSH_IN_EXEC : null;
        }
    }

    static final String PUSH_IN_EXEC = "Redis 7.0 writes a message or invalidation for a connection inside its own"
            + " EXEC array (a broken stream): no writes in MULTI from a subscriber or a tracking redirect target";

    /**
     * Whether a write queued by this connection could send a push to itself while its EXEC runs:
     * it has subscriptions (or queued a subscribe), or another connection's invalidations are
     * redirected to it.
     */
    private boolean pushesToItself(Conn c) {
        if (c.subscribed() || c.queued.stream().anyMatch(q -> SUBSCRIBE_FAMILY.contains(Dialog.commandName(q)))) {
            return true;
        }
        for (Conn x : conns) {
            if (x.open && x.tracking && x.redirect == c.index) {
                return true;
            }
        }
        return false;
    }

    /** Commands that may share a write with others (the rest are sent alone). */
    static final Set<String> PIPELINE_OK = Set.of("get", "set", "incr", "append", "mget", "exists", "del", "llen",
            "lrange", "lpush", "rpush", "lpop", "rpop", "lmove", "blpop", "brpop", "blmove", "ping", "echo", "publish",
            "multi", "exec", "discard", "watch", "unwatch", "strlen", "eval", "subscribe", "unsubscribe", "psubscribe",
            "punsubscribe");

    // ---------------------------------------------------------------- simulation

    /** Applies a step (which {@link #reject} accepted) to the state. */
    public void apply(Dialog.Step s) {
        if (pause == Pause.ALL && !s.async()) {
            endPause();
        }
        if (s.async()) {
            asyncSteps++;
        }
        for (List<String> cmd : s.commands()) {
            deliver(s.client(), cmd);
        }
        pauseEnding = false;
    }

    private void deliver(int ci, List<String> cmd) {
        Conn c = conns[ci];
        if (!c.open) {
            return;
        }
        if (c.blocked != null) {
            c.input.add(cmd);
            return;
        }
        execute(ci, cmd);
    }

    private void execute(int ci, List<String> cmd) {
        Conn c = conns[ci];
        String name = Dialog.commandName(cmd);
        boolean skipWas = c.skipNext;
        c.skipNext = false;
        if (c.resp == 2 && c.subscribed() && !RESP2_SUBSCRIBED.contains(name)) {
            refuse(c, name);
            return;
        }
        if (busyOwner >= 0 && busyOwner != ci && !ALLOW_BUSY.contains(name)) {
            refuse(c, name);
            return;
        }
        if (pause == Pause.ALL || pause == Pause.WRITE && isWrite(c, name)) {
            c.skipNext = skipWas;
            c.blocked = "postponed";
            c.input.addFirst(cmd);
            postponed.add(ci);
            return;
        }
        if (c.multi && !NOT_QUEUED.contains(name)) {
            c.queued.add(cmd);
            return;
        }
        run(ci, cmd, false);
    }

    /** A refused command marks the transaction; a refused EXEC discards it (EXECABORT). */
    private void refuse(Conn c, String name) {
        if (c.multi && name.equals("exec")) {
            c.multi = false;
            c.queued.clear();
            unwatch(c);
        } else if (c.multi) {
            c.multiAbort = true;
        }
    }

    private boolean isWrite(Conn c, String name) {
        if (WRITES.contains(name)) {
            return true;
        }
        if (name.equals("exec") && c.multi) {
            for (List<String> q : c.queued) {
                if (WRITES.contains(Dialog.commandName(q))) {
                    return true;
                }
            }
        }
        return false;
    }

    private void run(int ci, List<String> cmd, boolean inExec) {
        Conn c = conns[ci];
        String name = Dialog.commandName(cmd);
        switch (name) {
            case "multi" -> {
                if (!c.multi) {
                    c.multi = true;
                    c.multiAbort = false;
                    c.queued.clear();
                }
            }
            case "exec" -> {
                if (c.multi) {
                    c.multi = false;
                    List<List<String>> q = new ArrayList<>(c.queued);
                    c.queued.clear();
                    boolean runs = !c.multiAbort && !c.watchDirty;
                    unwatch(c);
                    if (runs) {
                        for (List<String> x : q) {
                            run(ci, x, true);
                        }
                    }
                }
            }
            case "discard" -> {
                c.multi = false;
                c.queued.clear();
                unwatch(c);
            }
            case "watch" -> {
                if (!c.multi) {
                    c.watched.addAll(cmd.subList(1, cmd.size()));
                }
            }
            case "unwatch" -> unwatch(c);
            case "set", "append" -> touchString(cmd.get(1));
            case "incr" -> touchString(cmd.get(1));
            case "mset" -> {
                for (int i = 1; i + 1 < cmd.size(); i += 2) {
                    touchString(cmd.get(i));
                }
            }
            case "del" -> {
                for (String k : cmd.subList(1, cmd.size())) {
                    if (strings.remove(k) || lists.getOrDefault(k, 0) > 0) {
                        lists.remove(k);
                        touch(k);
                    }
                }
            }
            case "flushall" -> {
                for (String k : new ArrayList<>(strings)) {
                    touch(k);
                }
                for (Map.Entry<String, Integer> e : lists.entrySet()) {
                    if (e.getValue() > 0) {
                        touch(e.getKey());
                    }
                }
                strings.clear();
                lists.clear();
            }
            case "lpush", "rpush" -> push(cmd.get(1), cmd.size() - 2);
            case "lpop", "rpop" -> pop(cmd.get(1));
            case "lmove" -> {
                if (pop(cmd.get(1))) {
                    push(cmd.get(2), 1);
                }
            }
            case "blpop", "brpop", "blmove" -> blockingPop(ci, cmd, inExec);
            case "eval" -> {
                String script = cmd.get(1);
                if (script.equals(BUSY_SCRIPT)) {
                    busyOwner = ci;
                    c.blocked = "script";
                } else if (script.contains("'incr'")) {
                    touchString(cmd.get(3));
                } else if (script.contains("'rpush'")) {
                    push(cmd.get(3), 1);
                }
            }
            case "hello" -> c.resp = Integer.parseInt(cmd.get(1));
            case "client|reply" -> {
                String mode = cmd.get(2).toLowerCase();
                if (mode.equals("on")) {
                    c.replyOff = false;
                } else if (mode.equals("off")) {
                    c.replyOff = true;
                } else if (!c.replyOff) {
                    c.skipNext = true;
                }
            }
            case "client|kill" -> kill(ci, cmd);
            case "client|unblock" -> {
                Conn t = target(cmd.get(2));
                if (t != null && "keys".equals(t.blocked)) {
                    unblock(t);
                    drainInput(t);
                }
            }
            case "client|pause" -> pause = cmd.get(3).equalsIgnoreCase("all") ? Pause.ALL : Pause.WRITE;
            case "client|unpause" -> endPause();
            case "script|kill" -> {
                if (busyOwner >= 0) {
                    Conn owner = conns[busyOwner];
                    busyOwner = -1;
                    if ("script".equals(owner.blocked)) {
                        unblock(owner);
                    }
                }
            }
            case "subscribe" -> c.channels.addAll(cmd.subList(1, cmd.size()));
            case "psubscribe" -> c.patterns.addAll(cmd.subList(1, cmd.size()));
            case "ssubscribe" -> c.shardChannels.addAll(cmd.subList(1, cmd.size()));
            case "unsubscribe" -> unsubscribe(c.channels, cmd);
            case "punsubscribe" -> unsubscribe(c.patterns, cmd);
            case "sunsubscribe" -> unsubscribe(c.shardChannels, cmd);
            case "client|tracking" -> {
                boolean on = cmd.get(2).equalsIgnoreCase("on");
                boolean bcast = cmd.stream().anyMatch(a -> a.equalsIgnoreCase("bcast"));
                int r = cmd.indexOf("REDIRECT");
                if (!on) {
                    c.tracking = false;
                    c.bcast = false;
                    c.redirect = -1;
                } else if (!c.tracking || c.bcast == bcast) {
                    c.tracking = true;
                    c.bcast = bcast;
                    Conn t = r > 0 ? target(cmd.get(r + 1)) : null;
                    c.redirect = t == null ? -1 : t.index;
                }
            }
            case "reset" -> {
                c.multi = false;
                c.queued.clear();
                unwatch(c);
                c.channels.clear();
                c.patterns.clear();
                c.shardChannels.clear();
                c.resp = 2;
                c.replyOff = false;
                c.skipNext = false;
                c.tracking = false;
                c.bcast = false;
                c.redirect = -1;
            }
            case "quit" -> close(c);
            default -> {
                // reads, PING, ECHO, PUBLISH: nothing the model tracks
            }
        }
    }

    private static Set<String> subscriptions(Conn c, String command) {
        return switch (command) {
            case "unsubscribe", "subscribe" -> c.channels;
            case "punsubscribe", "psubscribe" -> c.patterns;
            default -> c.shardChannels;
        };
    }

    private void unsubscribe(Set<String> set, List<String> cmd) {
        if (cmd.size() == 1) {
            set.clear();
        } else {
            cmd.subList(1, cmd.size()).forEach(set::remove);
        }
    }

    private void unwatch(Conn c) {
        c.watched.clear();
        c.watchDirty = false;
    }

    private void touchString(String key) {
        strings.add(key);
        touch(key);
    }

    private void touch(String key) {
        for (Conn x : conns) {
            if (x.watched.contains(key)) {
                x.watchDirty = true;
            }
        }
    }

    private void push(String key, int n) {
        lists.merge(key, n, Integer::sum);
        touch(key);
        serve(key);
    }

    private boolean pop(String key) {
        int n = lists.getOrDefault(key, 0);
        if (n == 0) {
            return false;
        }
        if (n == 1) {
            lists.remove(key);
        } else {
            lists.put(key, n - 1);
        }
        touch(key);
        return true;
    }

    private void blockingPop(int ci, List<String> cmd, boolean inExec) {
        Conn c = conns[ci];
        List<String> keys = blockKeys(cmd);
        for (String k : keys) {
            if (lists.getOrDefault(k, 0) > 0) {
                pop(k);
                if (Dialog.commandName(cmd).equals("blmove")) {
                    push(cmd.get(2), 1);
                }
                return;
            }
        }
        if (inExec) {
            return;
        }
        c.blocked = "keys";
        c.blockedCommand = cmd;
        c.everBlocked = true;
        blockedOrder.add(ci);
    }

    static List<String> blockKeys(List<String> cmd) {
        String name = Dialog.commandName(cmd);
        if (name.equals("blmove")) {
            return List.of(cmd.get(1));
        }
        return cmd.subList(1, cmd.size() - 1);
    }

    /** Serves connections blocked on key, in blocking order, while it has elements. */
    private void serve(String key) {
        boolean served = true;
        while (served && lists.getOrDefault(key, 0) > 0) {
            served = false;
            for (int ci : new ArrayList<>(blockedOrder)) {
                Conn b = conns[ci];
                if ("keys".equals(b.blocked) && blockKeys(b.blockedCommand).contains(key)) {
                    List<String> cmd = b.blockedCommand;
                    unblock(b);
                    pop(key);
                    if (Dialog.commandName(cmd).equals("blmove")) {
                        push(cmd.get(2), 1);
                    }
                    drainInput(b);
                    served = true;
                    break;
                }
            }
        }
    }

    /** Ends a block without running the connection's pending input (the caller does). */
    private void unblock(Conn b) {
        boolean wasKeys = "keys".equals(b.blocked);
        b.blocked = null;
        b.blockedCommand = null;
        blockedOrder.remove((Integer) b.index);
        if (!wasKeys) {
            drainInput(b);
        }
    }

    private void drainInput(Conn b) {
        while (b.open && b.blocked == null && !b.input.isEmpty()) {
            execute(b.index, b.input.poll());
        }
    }

    private void endPause() {
        pause = Pause.NONE;
        asyncSteps = 0;
        List<Integer> order = new ArrayList<>(postponed);
        postponed.clear();
        for (int ci : order) {
            Conn b = conns[ci];
            if ("postponed".equals(b.blocked)) {
                b.blocked = null;
                drainInput(b);
            }
        }
    }

    private Conn target(String placeholder) {
        if (placeholder.startsWith("$c")) {
            int i = placeholder.charAt(2) - '0';
            if (i >= 0 && i < conns.length) {
                return conns[i];
            }
        }
        return null;
    }

    /** CLIENT KILL: the old form (an address) may kill the caller, the filter form skips it (SKIPME). */
    private void kill(int ci, List<String> cmd) {
        if (cmd.size() == 3) {
            Conn t = target(cmd.get(2));
            if (t != null) {
                close(t);
            }
            return;
        }
        String filter = cmd.get(2).toLowerCase();
        if (filter.equals("id") || filter.equals("addr")) {
            Conn t = target(cmd.get(3));
            if (t != null && t.index != ci) {
                close(t);
            }
        } else if (filter.equals("type") && cmd.get(3).equalsIgnoreCase("pubsub")) {
            for (Conn x : conns) {
                if (x.open && x.subscribed() && x.index != ci) {
                    x.maybeClosed = true;
                }
            }
        }
    }

    private void close(Conn c) {
        c.open = false;
        c.blocked = null;
        c.input.clear();
        blockedOrder.remove((Integer) c.index);
        postponed.remove((Integer) c.index);
        if (busyOwner == c.index) {
            busyOwner = -1;
        }
    }

    // ---------------------------------------------------------------- tail

    /**
     * The cleanup after a body: SCRIPT KILL if a busy script may still run, CLIENT UNPAUSE if a
     * WRITE pause may hold connections, CLIENT UNBLOCK for every connection that ever blocked on
     * keys, all from the spare connection, then RESET on every connection that may still be open.
     * RESET answers whatever state the connection is in, so each connection's stream ends with a
     * reply that proves nothing was left pending.
     */
    public List<Dialog.Step> tail(List<Dialog.Step> body) {
        for (Dialog.Step s : body) {
            apply(s);
        }
        List<Dialog.Step> tail = new ArrayList<>();
        int spare = clients;
        if (pause == Pause.ALL) {
            endPause();
        }
        if (busyOwner >= 0) {
            add(tail, Dialog.Step.of(spare, "SCRIPT", "KILL"));
        }
        if (pause == Pause.WRITE || !postponed.isEmpty()) {
            add(tail, Dialog.Step.of(spare, "CLIENT", "UNPAUSE"));
        }
        for (int i = 0; i < clients; i++) {
            // a pipeline may hold several blocking pops: unblock until none is left
            for (int n = 0; conns[i].open && (n == 0 && conns[i].everBlocked || "keys".equals(conns[i].blocked))
                    && n < 4; n++) {
                add(tail, Dialog.Step.of(spare, "CLIENT", "UNBLOCK", "$c" + i + ".id"));
            }
        }
        for (int i = 0; i < clients; i++) {
            if (conns[i].open && conns[i].skipNext) {
                // CLIENT REPLY SKIP would eat RESET's reply: give it a PING to eat
                add(tail, new Dialog.Step(i, List.of(List.of("PING"), List.of("RESET")), false));
            } else if (conns[i].open) {
                add(tail, Dialog.Step.of(i, "RESET"));
            }
        }
        return tail;
    }

    private void add(List<Dialog.Step> tail, Dialog.Step s) {
        tail.add(s);
        apply(s);
    }

    /** Whether every step of a body keeps the rules (used when shrinking). */
    public static boolean valid(int clients, List<Dialog.Step> body) {
        return firstViolation(clients, body) == null;
    }

    /** The first step of a body that breaks the rules and why ("step 3: ..."), or null. */
    public static String firstViolation(int clients, List<Dialog.Step> body) {
        DialogModel m = new DialogModel(clients);
        for (int i = 0; i < body.size(); i++) {
            String why = m.reject(body.get(i));
            if (why != null) {
                return "step " + i + ": " + why;
            }
            m.apply(body.get(i));
        }
        return null;
    }
}
