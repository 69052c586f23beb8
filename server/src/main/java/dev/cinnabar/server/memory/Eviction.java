package dev.cinnabar.server.memory;

import dev.cinnabar.server.ServerContext;
import dev.cinnabar.server.ServerCron;
import dev.cinnabar.server.command.CommandFlag;
import dev.cinnabar.server.command.CommandSpec;
import dev.cinnabar.server.command.Dispatcher;
import dev.cinnabar.server.multi.Transactions;
import dev.cinnabar.server.persistence.Persistence;
import dev.cinnabar.server.propagate.Propagator;
import dev.cinnabar.server.protocol.Errors;
import dev.cinnabar.server.scripting.FunctionRegistry;
import dev.cinnabar.server.scripting.ScriptEngine;
import dev.cinnabar.server.scripting.ScriptFlags;
import dev.cinnabar.server.scripting.ScriptsUsed;
import dev.cinnabar.server.session.Client;
import dev.cinnabar.server.session.ClientFlags;
import dev.cinnabar.server.store.Db;
import dev.cinnabar.server.store.Dict;
import dev.cinnabar.server.store.Keyspace;
import dev.cinnabar.server.store.LazyFree;
import dev.cinnabar.server.store.MemoryAccounting;
import dev.cinnabar.server.store.Notify;

/**
 * maxmemory: eviction and the gate's OOM stage, as Redis 7.0's evict.c and processCommand run them.
 *
 * <p>Before every command (when a limit applies), {@link #performEvictions} frees
 * memory down to the limit with the configured policy: LRU, LFU and volatile-ttl sample
 * maxmemory-samples keys per database into an {@link EvictionPool} and evict the best candidate;
 * the random policies pick a random key, visiting databases in turn; volatile-* policies consider
 * only keys with a TTL. An evicted key is deleted (counted in lazyfreed_objects under
 * lazyfree-lazy-eviction, as Redis's background free), signalled (WATCH, client tracking: the
 * invalidation reaches a tracking client before the reply of the command that caused it), notified
 * ({@code evicted}) and propagated as DEL or UNLINK. A round stops after the time
 * maxmemory-eviction-tenacity allows (checked every 16 keys) and goes on in the cron; a
 * CONFIG SET of maxmemory starts a round once its command's batch is done.
 *
 * <p>The OOM stage refuses, when the limit is still exceeded after eviction, commands flagged
 * denyoom, anything queued inside MULTI but EXEC/DISCARD/QUIT/RESET, an EXEC whose queue holds a
 * denyoom command, and EVAL/FCALL of a script or function that declared flags without allow-oom or
 * no-writes. From a script (redis.call), Redis's rule: a denyoom command is refused when the state
 * at the script's start was out of memory and the script has not written yet, unless it declared
 * allow-oom.
 *
 * <p>The limit is maxmemory, and, whatever maxmemory says, the heap's own limit
 * ({@link HeapGuard}): used memory never grows into the JVM's OutOfMemoryError.
 */
public final class Eviction {
    /** performEvictions outcomes (Redis's EVICT_OK, EVICT_RUNNING, EVICT_FAIL). */
    enum Result { OK, RUNNING, FAIL }

    /** Redis's HASHTABLE_MAX_LOAD_FACTOR: beyond it a keyspace table grows even over maxmemory. */
    private static final double MAX_LOAD_FACTOR = 1.618;
    /** A bucket's bytes, as the accounting charges the databases' tables (a compressed reference). */
    private static final long BUCKET_BYTES = 4;

    private final ServerContext server;
    private final UsedMemory used;
    private final HeapGuard heap;
    private final EvictionPool pool = new EvictionPool();
    private final CommandSpec exec;
    private final CommandSpec discard;
    private final CommandSpec quit;
    private final CommandSpec reset;
    private String policyName;
    private Policy policy = Policy.NOEVICTION;
    private int nextDb;
    /** The eviction still has work after a round hit its time limit: the cron goes on with it. */
    private boolean running;
    /** Redis's pre_command_oom_state: the outcome at the start of the running top-level command. */
    private boolean preCommandOom;
    /** Nanos when the limit started being exceeded (0 = not exceeded), and the total of closed periods. */
    private long exceededSince;
    private long exceededTotalNanos;
    private boolean evicting;
    /** Looked up at first use: the feature is created after this one. */
    private Persistence persistence;

    private Eviction(ServerContext server, UsedMemory used, HeapGuard heap) {
        this.server = server;
        this.used = used;
        this.heap = heap;
        this.exec = server.commands().spec("exec");
        this.discard = server.commands().spec("discard");
        this.quit = server.commands().spec("quit");
        this.reset = server.commands().spec("reset");
    }

    /** Installs accounting, the OOM stage, the cron step and the CONFIG SET maxmemory hook (one line in Features). */
    public static void install(ServerContext ctx, ServerCron cron) {
        MemoryAccounting accounting = MemoryAccounting.attach(ctx.keyspace());
        HeapGuard heap = HeapGuard.start(ctx);
        UsedMemory used = new UsedMemory(ctx, accounting, heap::inputBytes);
        Eviction e = ctx.featureIfAbsent(Eviction.class, new Eviction(ctx, used, heap));
        ctx.dispatcher().install(Dispatcher.Stage.OOM, e::check);
        // each command's writes are settled as it ends (EXEC's and scripts' inner commands too)
        ctx.dispatcher().observers.add((c, cmd, micros, dirty) -> accounting.settle());
        cron.add(now -> e.cron());
        ctx.config().implemented("maxmemory");
        ctx.config().implemented("maxmemory-policy");
        ctx.config().implemented("maxmemory-samples");
        ctx.config().implemented("maxmemory-eviction-tenacity");
        ctx.config().implemented("lazyfree-lazy-eviction");
        ctx.config().entry("maxmemory").onApply(v -> e.maxmemoryChanged());
        for (int i = 0; i < ctx.keyspace().count(); i++) {
            Db db = ctx.keyspace().db(i);
            db.dict().expandPolicy(e::expandAllowed);
            db.expiresDict().expandPolicy(e::expandAllowed);
        }
    }

    /**
     * Redis's dictExpandAllowed for the keyspace's dicts: while the load factor is at most the hard
     * ratio, a growth whose new bucket array would take used memory (less what eviction does not
     * count) over maxmemory is refused, so that growing a table does not evict keys; beyond the
     * ratio the table grows whatever the memory. Asked in the middle of a write, so it reads the
     * dataset as last settled.
     */
    private boolean expandAllowed(int newBuckets, double loadFactor) {
        long max = server.config().maxmemory;
        if (loadFactor > MAX_LOAD_FACTOR || max == 0) {
            return true;
        }
        long more = BUCKET_BYTES * newBuckets;
        long u = used.usedAsSettled();
        if (u + more <= max) {
            return true;
        }
        return Math.max(0, u - used.notCountedForEvict()) + more <= max;
    }

    public static Eviction of(ServerContext s) {
        return s.featureIfCreated(Eviction.class);
    }

    UsedMemory used() {
        return used;
    }

    public HeapGuard heap() {
        return heap;
    }

    // ------------------------------------------------------------------ the gate

    /** The OOM stage (top level and redis.call). */
    private String check(Client c, CommandSpec cmd) {
        if ((c.flags & ClientFlags.SCRIPT) != 0) {
            return scriptCheck(c, cmd);
        }
        if (!limited() || (c.flags & ClientFlags.MASTER) != 0) {
            return null;
        }
        boolean oom = performEvictions() == Result.FAIL;
        preCommandOom = oom;
        if (!oom) {
            return null;
        }
        CommandSpec top = cmd.parent() == null ? cmd : cmd.parent();
        boolean reject = denyOom(cmd, c.argc() > 1 ? c.arg(1) : null)
                || top == exec && Transactions.queues(c, (q, argv) -> denyOom(q, argv.length > 1 ? argv[1] : null));
        if (Transactions.inMulti(c) && top != exec && top != discard && top != quit && top != reset) {
            reject = true;
        }
        return reject ? Errors.OOM : null;
    }

    /** A command's own OOM flag; EVAL* and FCALL* by what their script or function declared. */
    private boolean denyOom(CommandSpec cmd, byte[] first) {
        Dispatcher.ScriptDeclarations sd = server.dispatcher().scriptDeclarations;
        if (cmd.runsScript() && sd != null && first != null) {
            return sd.denyOom(cmd, first);
        }
        return cmd.has(CommandFlag.DENYOOM);
    }

    /** Redis's scriptVerifyOOM for a command a script calls. */
    private String scriptCheck(Client c, CommandSpec cmd) {
        if (!preCommandOom || !cmd.has(CommandFlag.DENYOOM)) {
            return null;
        }
        ScriptEngine running = runningEngine();
        if (running == null) {
            return null;
        }
        ScriptFlags flags = running.runningFlags();
        if (flags != null && flags.allowOom() || running.wroteSinceStart()) {
            return null;
        }
        return Errors.OOM;
    }

    private ScriptEngine runningEngine() {
        if (!ScriptsUsed.any(server)) {
            return null; // without naming ScriptEngine (ScriptsUsed says why)
        }
        ScriptEngine eval = ScriptEngine.ifCreated(server);
        if (eval != null && eval.running()) {
            return eval;
        }
        FunctionRegistry fr = FunctionRegistry.ifCreated(server);
        return fr != null && fr.engine().running() ? fr.engine() : null;
    }

    // ------------------------------------------------------------------ eviction

    /** True when some limit applies: maxmemory, or the heap guard's. */
    private boolean limited() {
        return server.config().maxmemory > 0 || heap.active();
    }

    /** The limit used memory is held to: maxmemory and/or the heap guard's, 0 when none. */
    long limit() {
        long max = server.config().maxmemory;
        long h = heap.limit();
        if (max == 0) {
            return h;
        }
        return h == 0 ? max : Math.min(max, h);
    }

    /** Bytes over the limit (0 when within it or unlimited). */
    long excess() {
        long limit = limit();
        if (limit == 0) {
            return 0;
        }
        long u = used.used();
        if (u <= limit) {
            return 0;
        }
        long counted = u - used.notCountedForEvict();
        return Math.max(0, counted - limit);
    }

    private Persistence persistence() {
        Persistence p = persistence;
        if (p == null) {
            p = persistence = Persistence.of(server);
        }
        return p;
    }

    /** Redis's isPerformEvictions: not while loading, on a replica ignoring maxmemory, paused, or in a busy script. */
    private boolean mayEvict() {
        if (persistence().loading() || server.clients().pause().writesPaused()) {
            return false;
        }
        if (server.isReplica() && !"no".equals(server.config().get("replica-ignore-maxmemory"))) {
            return false;
        }
        if (!ScriptsUsed.any(server)) {
            return true;
        }
        ScriptEngine eval = ScriptEngine.ifCreated(server);
        FunctionRegistry fr = FunctionRegistry.ifCreated(server);
        return !(eval != null && eval.busy()) && !(fr != null && fr.engine().busy());
    }

    /** Redis's performEvictions: frees memory down to the limit, within the tenacity's time. */
    Result performEvictions() {
        if (evicting) {
            return Result.OK;
        }
        long toFree = excess();
        if (toFree == 0 && exceededSince == 0 && !heap.critical()) {
            return Result.OK; // the common case, decided before the costlier questions of mayEvict
        }
        if (!mayEvict()) {
            return Result.OK;
        }
        Result result = Result.FAIL;
        if (toFree > 0 && used.outputInFlight()) {
            // the client figures may hold replies that were about to be written: measure again
            used.refresh();
            toFree = excess();
        }
        if (toFree == 0) {
            result = Result.OK;
        } else if (heap.critical() && policy() == Policy.NOEVICTION) {
            result = Result.FAIL;
        } else if (policy() != Policy.NOEVICTION) {
            evicting = true;
            try {
                result = evict(toFree);
            } finally {
                evicting = false;
            }
        }
        if (result == Result.OK && heap.critical()) {
            result = Result.FAIL; // the heap itself is short, whatever the estimate says
        }
        long now = System.nanoTime();
        if (result != Result.OK) {
            if (exceededSince == 0) {
                exceededSince = now;
            }
        } else if (exceededSince != 0) {
            exceededTotalNanos += now - exceededSince;
            exceededSince = 0;
        }
        return result;
    }

    private Result evict(long toFree) {
        long limitNanos = timeLimitNanos();
        long start = System.nanoTime();
        running = false;
        long freed = 0;
        int keysFreed = 0;
        Keyspace ks = server.keyspace();
        Policy p = policy();
        while (freed < toFree) {
            Db[] chosen = new Db[1];
            byte[] best = p.pooled() ? fromPool(ks, p, chosen) : randomKey(ks, p, chosen);
            if (best == null) {
                return Result.FAIL;
            }
            freed += delete(chosen[0], best);
            keysFreed++;
            if (keysFreed % 16 == 0) {
                if (excess() == 0) {
                    break;
                }
                if (System.nanoTime() - start > limitNanos) {
                    running = true; // the cron goes on with it
                    break;
                }
            }
        }
        return running ? Result.RUNNING : Result.OK;
    }

    /** maxmemory-eviction-tenacity as a time limit: 50 µs per step up to 10, then +15% per step, none at 100. */
    private long timeLimitNanos() {
        long t = intConfig("maxmemory-eviction-tenacity", 10);
        if (t <= 10) {
            return 50_000L * t;
        }
        if (t < 100) {
            return (long) (500_000.0 * Math.pow(1.15, t - 10.0));
        }
        return Long.MAX_VALUE;
    }

    private long intConfig(String name, long def) {
        try {
            return Long.parseLong(server.config().get(name));
        } catch (RuntimeException e) {
            return def;
        }
    }

    private Policy policy() {
        String name = server.config().maxmemoryPolicy;
        if (!name.equals(policyName)) {
            policy = Policy.of(name);
            policyName = name;
            pool.clear();
        }
        return policy;
    }

    /** The entries of one sampling (reused; emptied after each use, so it holds no key). */
    private Dict.Entry[] sample = new Dict.Entry[0];

    /** Fills the pool from every database and takes the best candidate that still exists. */
    private byte[] fromPool(Keyspace ks, Policy p, Db[] chosen) {
        int samples = Math.max(1, server.config().maxmemorySamples);
        if (sample.length != samples) {
            sample = new Dict.Entry[samples];
        }
        while (true) {
            long total = 0;
            for (int i = 0; i < ks.count(); i++) {
                Db db = ks.db(i);
                Dict sampled = p.allKeys ? db.dict() : db.expiresDict();
                if (sampled.size() == 0) {
                    continue;
                }
                total += sampled.size();
                // as Redis's evictionPoolPopulate: neighbouring buckets from a random one, not a
                // random bucket per sample (most of the eviction's cost was those misses)
                int n = sampled.someEntries(sample);
                for (int j = 0; j < n; j++) {
                    Dict.Entry e = sample[j];
                    sample[j] = null;
                    long score = score(ks, db, p, e);
                    if (score >= 0) {
                        pool.offer(i, e.key(), score);
                    }
                }
            }
            if (total == 0) {
                return null;
            }
            byte[][] found = new byte[1][];
            boolean got = pool.takeBest((dbId, key) -> {
                Db db = ks.db(dbId);
                Dict d = p.allKeys ? db.dict() : db.expiresDict();
                if (d.find(key) == null) {
                    return false; // a ghost: deleted since it was sampled
                }
                chosen[0] = db;
                found[0] = key;
                return true;
            });
            if (got) {
                return found[0];
            }
        }
    }

    /** The candidate's score (higher = evict first), or -1 when it cannot be scored. */
    private static long score(Keyspace ks, Db db, Policy p, Dict.Entry sampled) {
        switch (p.rank) {
            case TTL:
                return Long.MAX_VALUE - (Long) sampled.value();
            case IDLE:
            case FREQUENCY: {
                Dict.Entry e = p.allKeys ? sampled : db.dict().find(sampled.key());
                if (e == null) {
                    return -1;
                }
                return p.rank == Policy.Rank.IDLE ? ks.idleSeconds(e) : 255 - ks.lfuDecrAndReturn(e);
            }
            default:
                return -1;
        }
    }

    /** volatile-random / allkeys-random: a random key of the next database that has candidates. */
    private byte[] randomKey(Keyspace ks, Policy p, Db[] chosen) {
        for (int i = 0; i < ks.count(); i++) {
            nextDb = (nextDb + 1) % ks.count();
            Db db = ks.db(nextDb);
            Dict d = p.allKeys ? db.dict() : db.expiresDict();
            if (d.size() > 0) {
                Dict.Entry e = d.randomEntry();
                if (e != null) {
                    chosen[0] = db;
                    return e.key();
                }
            }
        }
        return null;
    }

    /** Evicts one key (Redis's order: delete, signal, notify, propagate); returns the bytes freed. */
    private long delete(Db db, byte[] key) {
        MemoryAccounting a = used.accounting();
        long before = a.bytesOf(db);
        Dict.Entry e = db.rawEntry(key);
        boolean lazy = "yes".equals(server.config().get("lazyfree-lazy-eviction"));
        if (lazy && e != null) {
            LazyFree.unlinked(server.keyspace(), e.value());
        }
        db.removeSilently(key);
        long freed = before - a.bytesOf(db);
        server.keyspace().stats().evictedKeys++;
        db.signalModified(key);
        db.notify(Notify.EVICTED, "evicted", key);
        Propagator prop = server.dispatcher().propagator();
        prop.also(db.id(), new byte[][] {Propagator.deleteVerb(server, "lazyfree-lazy-eviction"), key}, Propagator.ALL);
        prop.flush();
        return freed;
    }

    // ------------------------------------------------------------------ cron, config

    /**
     * Refreshes the figures and goes on with an eviction a round left unfinished. As in Redis, the
     * cron does not start evictions: the next command does (its figures are then measured again
     * if they may have caught replies in flight, see {@link UsedMemory#outputInFlight}).
     */
    private void cron() {
        used.refresh();
        heap.cron(used);
        continueEviction();
    }

    /** Redis's eviction time proc: one more round of a running eviction. */
    private void continueEviction() {
        if (running) {
            running = false;
            if (limited()) {
                performEvictions();
            }
        }
    }

    /**
     * CONFIG SET maxmemory: Redis's warning when the limit is below usage, and an eviction round
     * once the current command and its batch are done (Redis starts its eviction time proc: a
     * CONFIG SET inside MULTI does not evict under the transaction's later commands).
     */
    private void maxmemoryChanged() {
        long max = server.config().maxmemory;
        if (max == 0) {
            return;
        }
        long u = used.used() - used.notCountedForEvict();
        if (max < u) {
            server.log().warning("WARNING: the new maxmemory value set via CONFIG SET (" + max
                    + ") is smaller than the current memory usage (" + u
                    + "). This will result in key eviction and/or the inability to accept new write commands "
                    + "depending on the maxmemory-policy.");
        }
        running = true;
        server.lock().beforeRelease(this::continueEviction);
    }

    // ------------------------------------------------------------------ INFO

    /** evicted_clients is 0 until maxmemory-clients evicts clients. */
    public long totalEvictionExceededMillis() {
        long t = exceededTotalNanos + (exceededSince != 0 ? System.nanoTime() - exceededSince : 0);
        return t / 1_000_000;
    }

    public long currentEvictionExceededMillis() {
        return exceededSince != 0 ? (System.nanoTime() - exceededSince) / 1_000_000 : 0;
    }

    /** CONFIG RESETSTAT. */
    public void resetStats() {
        exceededTotalNanos = 0;
        if (exceededSince != 0) {
            exceededSince = System.nanoTime();
        }
    }
}
