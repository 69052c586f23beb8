package dev.cinnabar.server.scripting;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.luaj.vm2.Globals;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaFunction;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaThread;
import org.luaj.vm2.LuaUserdata;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;
import org.luaj.vm2.lib.VarArgFunction;

/**
 * Lua 5.1's coroutine library over LuaJ's coroutines, which keeps their threads bounded.
 *
 * <p>LuaJ 3.0.1 runs each coroutine on a Java thread of its own, started by its first resume
 * ({@code LuaThread.State.lua_resume}); a suspended coroutine's thread waits in
 * {@code lua_yield} and only ends once the coroutine object has been garbage-collected (LuaJ
 * checks a weak reference every five seconds and then throws {@code OrphanedThread}), so a script
 * that leaves coroutines suspended used to leave their threads behind it. Here:
 *
 * <ul>
 *   <li>every coroutine a script starts is recorded, with its thread (the body wrapper records
 *       it when it starts running on it);
 *   <li>at most {@link ScriptLimits#MAX_COROUTINES} may be alive (started, not finished) at a
 *       time: starting one more is the error "too many coroutines";
 *   <li>when the script ends ({@link #endAll}), each thread still alive is interrupted, which
 *       makes LuaJ end the coroutine ({@code lua_yield} turns the interrupt into
 *       {@code OrphanedThread}, which no Lua code can catch), and joined, so no coroutine thread
 *       outlives its script. A coroutine kept by a function library across FCALLs is therefore
 *       dead in the next call (Redis would resume it).
 * </ul>
 *
 * <p>The body wrapper also carries a coroutine's failure back to the resumer intact: a Lua error's
 * value (a table stays a table, a message is worded as Lua 5.1 words it), and an error of the JVM
 * (out of memory, stack overflow), which ends the whole script instead of being reported to
 * Lua as the coroutine's error. {@code coroutine.running()} returns nil on the main thread, as in
 * Lua 5.1.
 */
final class Coroutines {
    /** The body returned this marker and the coroutine's error value: it failed. */
    private static final LuaValue FAILED = new LuaUserdata(new Object());
    /** The body returned this marker and a userdata holding an error of the JVM. */
    private static final LuaValue FATAL = new LuaUserdata(new Object());
    private static final long JOIN_MILLIS = 2000;

    private final Globals globals;
    private final Function<LuaError, LuaValue> errorValue;
    private final Function<RuntimeException, LuaValue> javaErrorValue;
    /** Coroutines started by the running script whose threads may still be alive. */
    private final List<Body> started = new ArrayList<>();

    /**
     * errorValue turns a Lua error into the value Lua 5.1 gives its catcher; javaErrorValue does
     * the same for a Java exception (never with the exception's text).
     */
    Coroutines(Globals globals, Function<LuaError, LuaValue> errorValue,
               Function<RuntimeException, LuaValue> javaErrorValue) {
        this.globals = globals;
        this.errorValue = errorValue;
        this.javaErrorValue = javaErrorValue;
    }

    /** A coroutine's function, run on the coroutine's thread. */
    private final class Body extends VarArgFunction {
        private final LuaValue fn;
        private volatile Thread thread;

        Body(LuaValue fn) {
            this.fn = fn;
        }

        @Override
        public Varargs invoke(Varargs args) {
            thread = Thread.currentThread();
            try {
                return fn.invoke(args);
            } catch (LuaError e) {
                return LuaValue.varargsOf(FAILED, errorValue.apply(e));
            } catch (VirtualMachineError e) {
                return LuaValue.varargsOf(FATAL, new LuaUserdata(e));
            } catch (RuntimeException e) {
                return LuaValue.varargsOf(FAILED, javaErrorValue.apply(e));
            }
        }
    }

    /** The coroutine table: create, resume, running, status, wrap, yield. */
    LuaTable library() {
        LuaTable t = new LuaTable();
        t.set("create", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs a) {
                return create(a.checkfunction(1));
            }
        });
        t.set("resume", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs a) {
                return resume(a.checkthread(1), a.subargs(2));
            }
        });
        t.set("running", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs a) {
                LuaThread r = globals.running;
                return r == null || r.isMainThread() ? LuaValue.NIL : r;
            }
        });
        t.set("status", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs a) {
                return LuaValue.valueOf(a.checkthread(1).getStatus());
            }
        });
        t.set("wrap", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs a) {
                LuaThread co = create(a.checkfunction(1));
                return new VarArgFunction() {
                    @Override
                    public Varargs invoke(Varargs args) {
                        Varargs r = resume(co, args);
                        if (r.arg1().toboolean()) {
                            return r.subargs(2);
                        }
                        LuaValue err = r.arg(2);
                        // Lua 5.1 adds the caller's position to a message, and passes other values as they are
                        throw err.type() == LuaValue.TSTRING || err.type() == LuaValue.TNUMBER
                                ? new LuaError(err.tojstring()) : new LuaError(err);
                    }
                };
            }
        });
        t.set("yield", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs a) {
                return globals.yield(a);
            }
        });
        return t;
    }

    private LuaThread create(LuaFunction fn) {
        return new LuaThread(globals, new Body(fn));
    }

    private Varargs resume(LuaThread co, Varargs args) {
        if (co.state.status == LuaThread.STATUS_INITIAL && co.state.function instanceof Body body) {
            admit(body);
        }
        Varargs r = co.resume(args);
        if (r.arg1().toboolean() && r.narg() >= 2) {
            LuaValue marker = r.arg(2);
            if (marker == FAILED) {
                return LuaValue.varargsOf(LuaValue.FALSE, r.arg(3));
            }
            if (marker == FATAL) {
                throw (VirtualMachineError) r.arg(3).touserdata();
            }
        }
        return r;
    }

    /** Records a coroutine about to start its thread, within the limit. */
    private void admit(Body body) {
        synchronized (started) {
            started.removeIf(b -> b.thread != null && !b.thread.isAlive());
            int alive = 0;
            for (Body b : started) {
                if (b.thread == null || b.thread.isAlive()) {
                    alive++;
                }
            }
            if (alive >= ScriptLimits.MAX_COROUTINES) {
                throw new LuaError("too many coroutines (a script may have at most " + ScriptLimits.MAX_COROUTINES
                        + " alive at a time)");
            }
            started.add(body);
        }
    }

    /**
     * Ends the threads of the coroutines the finished script started (suspended ones included)
     * and waits for them; returns how many did not end in time (then logged by the caller).
     */
    int endAll() {
        List<Body> bodies;
        synchronized (started) {
            if (started.isEmpty()) {
                return 0;
            }
            bodies = new ArrayList<>(started);
            started.clear();
        }
        for (Body b : bodies) {
            Thread t = b.thread;
            if (t != null && t.isAlive()) {
                t.interrupt();
            }
        }
        long deadline = System.nanoTime() + JOIN_MILLIS * 1_000_000;
        int stuck = 0;
        for (Body b : bodies) {
            Thread t = b.thread;
            if (t == null) {
                continue;
            }
            try {
                long left = (deadline - System.nanoTime()) / 1_000_000;
                if (left > 0) {
                    t.join(left);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (t.isAlive()) {
                stuck++;
            }
        }
        return stuck;
    }
}
