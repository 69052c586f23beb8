package dev.cinnabar.server.scripting;

import org.luaj.vm2.LuaClosure;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaFunction;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Prototype;
import org.luaj.vm2.Varargs;
import org.luaj.vm2.lib.DebugLib;

/**
 * Watches a running script from inside the interpreter: LuaJ calls {@link #onInstruction} for
 * every VM instruction when a debug library is installed, and every 1024 instructions this checks
 * the clock (marking the script busy past busy-reply-threshold, as Redis starts answering BUSY)
 * and whether SCRIPT KILL / FUNCTION KILL asked it to stop, in which case it raises Redis's error.
 *
 * <p>A kill, once seen, stays: from then on every instruction raises the error again, in whichever
 * thread runs Lua (a coroutine's included), so neither pcall nor coroutine.resume can swallow it
 * and carry on (Redis likewise re-raises it on every line).
 *
 * <p>While a FUNCTION LOAD runs the library's code ({@link #startLoad}), the same check ends it
 * after 500 ms with Redis's "FUNCTION LOAD timeout" (Redis 7.0 limits loading likewise; the lock
 * is held meanwhile, so loading must not hang the server).
 *
 * <p>It also keeps, per Java thread that runs Lua (the script's, a coroutine's), the prototype and
 * current instruction of each active Lua call, so that when an error is raised it can record where
 * ({@link #errorSite}): Lua 5.1 names the value at fault from the failing instruction ("attempt to
 * call field 'cal' (a nil value)", see {@link Lua51Errors}).
 *
 * <p>Installed as the globals' debug library without exposing a {@code debug} table to scripts;
 * per instruction it costs a counter increment and one store of the pc.
 */
final class ScriptWatchdog extends DebugLib {
    /** How long FUNCTION LOAD may run a library's code. */
    static final long LOAD_TIMEOUT_MILLIS = 500;
    private int counter;
    /**
     * 1023 while running normally (check every 1024 instructions); 0 once the script must end
     * (killed, or a FUNCTION LOAD past its time): from then on every instruction raises again.
     */
    private int mask = 1023;
    private LuaError ending;
    private volatile long loadDeadline;
    private volatile long startNanos;
    private volatile long thresholdNanos = Long.MAX_VALUE;
    private volatile boolean running;
    private volatile boolean busy;
    private volatile boolean killRequested;
    /**
     * Run at every check once the script is busy (the engine serves the clients waiting for the
     * execution lock from here, as Redis processes events while a script is busy).
     */
    volatile Runnable whileBusy;

    /** The active Lua calls of one Java thread: each call's prototype (null for pcall) and pc. */
    private static final class Frames {
        final Thread owner;
        Prototype[] protos = new Prototype[32];
        int[] pcs = new int[32];
        int depth = -1;

        Frames(Thread owner) {
            this.owner = owner;
        }

        void push(Prototype p) {
            if (++depth == protos.length) {
                protos = java.util.Arrays.copyOf(protos, depth * 2);
                pcs = java.util.Arrays.copyOf(pcs, depth * 2);
            }
            protos[depth] = p;
            pcs[depth] = -1;
        }

        void pop() {
            if (depth >= 0) {
                protos[depth--] = null;
            }
        }
    }

    /** The frames of the thread that ran Lua last (only one thread runs Lua at a time). */
    private Frames current;
    private final java.util.Map<Thread, Frames> framesByThread = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile Lua51Errors.Site errorSite;

    private Frames frames() {
        Frames f = current;
        Thread t = Thread.currentThread();
        if (f == null || f.owner != t) {
            f = framesByThread.computeIfAbsent(t, Frames::new);
            current = f;
        }
        return f;
    }

    /** Forgets the frames of the last script (called as a script or a load starts). */
    private void resetFrames() {
        framesByThread.clear();
        current = null;
        errorSite = null;
    }

    /** Where the last error of this script was raised (prototype and instruction), or null. */
    Lua51Errors.Site errorSite() {
        return errorSite;
    }

    void start(long thresholdMillis) {
        resetFrames();
        counter = 0;
        mask = 1023;
        ending = null;
        killRequested = false;
        busy = false;
        thresholdNanos = thresholdMillis <= 0 ? Long.MAX_VALUE : thresholdMillis * 1_000_000L;
        startNanos = System.nanoTime();
        running = true;
    }

    void stop() {
        running = false;
        busy = false;
        killRequested = false;
        mask = 1023;
        ending = null;
    }

    /** FUNCTION LOAD is about to run a library's code: it may run for LOAD_TIMEOUT_MILLIS. */
    void startLoad() {
        resetFrames();
        counter = 0;
        killRequested = false; // a kill that arrived as the last script ended must not end this load
        mask = 1023;
        ending = null;
        busy = false;
        thresholdNanos = Long.MAX_VALUE; // loading is never busy: the time limit ends it first
        loadDeadline = System.nanoTime() + LOAD_TIMEOUT_MILLIS * 1_000_000;
    }

    void stopLoad() {
        loadDeadline = 0;
        mask = 1023;
        ending = null;
    }

    /** True once the running script has exceeded busy-reply-threshold. */
    boolean busy() {
        return running && busy;
    }

    boolean running() {
        return running;
    }

    long elapsedMillis() {
        return running ? (System.nanoTime() - startNanos) / 1_000_000 : 0;
    }

    /** Asks the running script to stop at its next check (within about a thousand instructions). */
    void kill() {
        killRequested = true;
    }

    @Override
    public void onInstruction(int pc, Varargs v, int top) {
        Frames f = current;
        if (f == null || f.owner != Thread.currentThread()) {
            f = frames();
        }
        if (f.depth >= 0) {
            f.pcs[f.depth] = pc;
        }
        if ((++counter & mask) != 0) {
            return;
        }
        if (ending != null) {
            // a pcall (or a coroutine) caught it: raise it again at the next instruction
            throw ending();
        }
        if (killRequested) {
            end("ERR Script killed by user with SCRIPT KILL...");
        }
        long now = System.nanoTime();
        if (loadDeadline != 0 && now - loadDeadline > 0) {
            end("ERR FUNCTION LOAD timeout");
        }
        if (!busy && now - startNanos > thresholdNanos) {
            busy = true;
        }
        Runnable r = whileBusy;
        if (busy && r != null) {
            r.run();
        }
    }

    /** Raises Redis's error table now and at every instruction after. */
    private void end(String error) {
        ending = new LuaError(LuaValue.tableOf(new LuaValue[] {LuaValue.valueOf("err"), LuaValue.valueOf(error)}));
        mask = 0;
        throw ending();
    }

    /** A fresh error each time (LuaJ records the position on the error it catches). */
    private LuaError ending() {
        return new LuaError(ending.getMessageObject());
    }

    @Override
    public void onCall(LuaFunction f) {
        frames().push(null); // pcall / xpcall: a frame with no Lua code
    }

    @Override
    public void onCall(LuaClosure c, Varargs varargs, LuaValue[] stack) {
        frames().push(c.p);
    }

    @Override
    public void onReturn() {
        frames().pop();
    }

    /**
     * Called by LuaJ as an error is raised, in the innermost Lua call that sees it (before that
     * call is unwound): records the site. No traceback is given to scripts.
     */
    @Override
    public String traceback(int level) {
        Frames f = frames();
        if (f.depth >= 0 && f.protos[f.depth] != null && f.pcs[f.depth] >= 0) {
            errorSite = new Lua51Errors.Site(f.protos[f.depth], f.pcs[f.depth]);
        }
        return "";
    }
}
