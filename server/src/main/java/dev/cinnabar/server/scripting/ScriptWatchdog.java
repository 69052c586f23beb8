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
 * <p>Installed as the globals' debug library without exposing a {@code debug} table to scripts;
 * it keeps no call stack (scripts cannot see one anyway), so it costs one counter increment per
 * instruction.
 */
final class ScriptWatchdog extends DebugLib {
    private int counter;
    /** Set by this thread once a kill is seen: from then on every instruction raises it again. */
    private boolean killing;
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
        killing = false;
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
        if (killing) {
            // a pcall caught the kill: raise it again at the next instruction, outside the pcall
            throw killed();
        }
        if ((++counter & 1023) != 0) {
            return;
        }
        if (killRequested) {
            killing = true;
            throw killed();
        }
        if (!busy && System.nanoTime() - startNanos > thresholdNanos) {
            busy = true;
        }
        Runnable r = whileBusy;
        if (busy && r != null) {
            r.run();
        }
    }

    private static LuaError killed() {
        return new LuaError(LuaValue.tableOf(new LuaValue[] {LuaValue.valueOf("err"),
            LuaValue.valueOf("ERR Script killed by user with SCRIPT KILL...")}));
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
