package dev.cinnabar.server.scripting;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.luaj.vm2.Globals;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaFunction;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaThread;
import org.luaj.vm2.LuaUserdata;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.OrphanedThread;
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
 *
 * <p>Busy scripts: past busy-reply-threshold the script's own thread (the owner, which holds the
 * execution lock) serves the clients waiting for the lock from the watchdog's hook, and only the
 * lock's holder may. A coroutine runs on another thread while the owner is parked inside LuaJ's
 * resume, so a busy loop inside a coroutine would never serve them (no BUSY reply, no SCRIPT
 * KILL: the server stuck). Hence the owner never parks inside LuaJ: it hands its resumes to a
 * helper thread and waits at a desk, where a busy coroutine's hook asks it to serve
 * ({@link #whileBusy}) and waits until it has; the coroutine and the owner never run at the same
 * time. The helper thread ends with the script, like the coroutine threads.
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
    /** The thread running the script (it holds the execution lock), from {@link #begin}. */
    private volatile Thread owner;
    /** What the owner runs when a busy script must serve the clients waiting for the lock. */
    private volatile Runnable serve = () -> { };
    /** Runs the owner's resumes (created on the first one of a script, ended with it). */
    private ExecutorService helper;
    /** Where the owner waits while its resume runs, and a busy coroutine asks it to serve. */
    private final Object desk = new Object();
    private boolean ownerAtDesk; // guarded by desk
    private boolean serviceAsked; // guarded by desk

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

    /** The script about to run runs on this thread; serve is what it runs for waiting clients when busy. */
    void begin(Runnable serve) {
        this.owner = Thread.currentThread();
        this.serve = serve;
    }

    /**
     * The watchdog's hook once the script is busy: serves the waiting clients on the owner's
     * thread; on a coroutine's thread, asks the owner to and waits until it has.
     */
    void whileBusy() {
        if (Thread.currentThread() == owner) {
            serve.run();
            return;
        }
        synchronized (desk) {
            if (!ownerAtDesk) {
                return;
            }
            serviceAsked = true;
            desk.notifyAll();
            while (serviceAsked && ownerAtDesk) {
                try {
                    desk.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
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
        Varargs r = Thread.currentThread() == owner ? resumeAtDesk(co, args) : co.resume(args);
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

    /** The owner's resume: run by the helper thread while the owner waits at the desk, serving when asked. */
    private Varargs resumeAtDesk(LuaThread co, Varargs args) {
        if (helper == null) {
            helper = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "cinnabar-lua-resume");
                t.setDaemon(true);
                return t;
            });
        }
        FutureTask<Varargs> task = new FutureTask<>(() -> co.resume(args)) {
            @Override
            protected void done() {
                synchronized (desk) {
                    desk.notifyAll();
                }
            }
        };
        synchronized (desk) {
            ownerAtDesk = true;
        }
        boolean interrupted = false;
        try {
            helper.execute(task);
            while (true) {
                synchronized (desk) {
                    while (!serviceAsked && !task.isDone()) {
                        try {
                            desk.wait();
                        } catch (InterruptedException e) {
                            interrupted = true;
                        }
                    }
                    if (!serviceAsked) {
                        break;
                    }
                }
                try {
                    serve.run(); // the asking coroutine waits meanwhile: never both at once
                } finally {
                    synchronized (desk) {
                        serviceAsked = false;
                        desk.notifyAll();
                    }
                }
            }
        } finally {
            synchronized (desk) {
                ownerAtDesk = false;
                serviceAsked = false;
                desk.notifyAll();
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            return task.get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof Error err) {
                throw err;
            }
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OrphanedThread();
        }
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
        owner = null;
        ExecutorService h = helper;
        helper = null;
        if (h != null) {
            h.shutdown(); // idle: the script's resumes are over
        }
        List<Body> bodies;
        synchronized (started) {
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
        try {
            if (h != null && !h.awaitTermination(Math.max(1, (deadline - System.nanoTime()) / 1_000_000),
                    TimeUnit.MILLISECONDS)) {
                stuck++;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return stuck;
    }
}
