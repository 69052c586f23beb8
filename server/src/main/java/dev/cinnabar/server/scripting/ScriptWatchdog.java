package dev.cinnabar.server.scripting;

import org.luaj.vm2.LuaClosure;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaFunction;
import org.luaj.vm2.LuaValue;
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
 * <p>Installed as the globals' debug library without exposing a {@code debug} table to scripts;
 * it keeps no call stack (scripts cannot see one anyway), so it costs one counter increment per
 * instruction.
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

    void start(long thresholdMillis) {
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
    }

    @Override
    public void onCall(LuaClosure c, Varargs varargs, LuaValue[] stack) {
    }

    @Override
    public void onReturn() {
    }

    @Override
    public String traceback(int level) {
        return "";
    }
}
