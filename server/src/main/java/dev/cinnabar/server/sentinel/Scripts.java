package dev.cinnabar.server.sentinel;

import dev.cinnabar.server.Log;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * notification-script and client-reconfig-script runs, as Redis Sentinel queues them: at most
 * {@value #MAX_QUEUE} waiting (the oldest not running is dropped), {@value #MAX_RUNNING} at once,
 * a script exiting with 1 retried up to {@value #MAX_RETRY} times after script-retry-delay (doubled
 * each time), one running longer than script-max-runtime killed. Driven by the timer, under the
 * execution lock; scripts run as child processes with no input and their output discarded.
 */
final class Scripts {
    static final int MAX_QUEUE = 256;
    static final int MAX_RUNNING = 16;
    static final int MAX_RETRY = 10;

    /** One queued run: its argv, retries so far, and its process while running. */
    static final class Job {
        final List<String> argv;
        int retryNum;
        /** Running: when it started; waiting: not before this time (0: at once). */
        long startTime;
        Process process;

        Job(List<String> argv) {
            this.argv = argv;
        }
    }

    private final Sentinel st;
    final List<Job> queue = new ArrayList<>();
    int running;

    Scripts(Sentinel st) {
        this.st = st;
    }

    void schedule(String path, String... args) {
        List<String> argv = new ArrayList<>();
        argv.add(path);
        argv.addAll(List.of(args));
        queue.add(new Job(argv));
        if (queue.size() > MAX_QUEUE) {
            for (Iterator<Job> it = queue.iterator(); it.hasNext();) {
                if (it.next().process == null) {
                    it.remove();
                    break;
                }
            }
        }
    }

    /** One timer cycle: start what may start, collect what ended, kill what ran too long. */
    void cycle() {
        long now = st.now();
        for (Job j : queue) {
            if (running >= MAX_RUNNING) {
                break;
            }
            if (j.process != null || (j.startTime != 0 && j.startTime > now)) {
                continue;
            }
            try {
                List<String> argv = new ArrayList<>(j.argv);
                argv.set(0, st.scriptPath(argv.get(0)).toString());
                j.process = new ProcessBuilder(argv).directory(new java.io.File(st.config().dir)).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD)
                        .start();
                j.startTime = now;
                running++;
                st.event(Log.DEBUG, "+script-child", null, Long.toString(j.process.pid()));
            } catch (IOException e) {
                j.retryNum = MAX_RETRY;
                st.event(Log.WARNING, "-script-error", null, j.argv.get(0) + " 0 2");
                j.startTime = -1; // removed below
            }
        }
        for (Iterator<Job> it = queue.iterator(); it.hasNext();) {
            Job j = it.next();
            if (j.startTime == -1) {
                it.remove();
                continue;
            }
            if (j.process == null) {
                continue;
            }
            if (j.process.isAlive()) {
                if (now - j.startTime > st.t(Timing.SCRIPT_MAX_RUNTIME)) {
                    st.event(Log.WARNING, "-script-timeout", null, j.argv.get(0) + " " + j.process.pid());
                    j.process.destroyForcibly();
                }
                continue;
            }
            running--;
            int code = j.process.exitValue();
            j.process = null;
            if (code == 1 && j.retryNum < MAX_RETRY) {
                j.retryNum++;
                j.startTime = now + st.t(Timing.SCRIPT_RETRY_DELAY) * (1L << (j.retryNum - 1));
            } else {
                if (code != 0) {
                    // killed by a signal: the JVM reports 128 + signal
                    boolean bySignal = code > 128;
                    st.event(Log.WARNING, "-script-error", null, j.argv.get(0) + " " + (bySignal ? 1 : 0) + " " + code);
                }
                it.remove();
            }
        }
    }

    /** The jobs, as SENTINEL PENDING-SCRIPTS lists them. */
    List<Job> pending() {
        return queue;
    }

    void killAll() {
        for (Job j : queue) {
            if (j.process != null) {
                j.process.destroyForcibly();
            }
        }
        queue.clear();
        running = 0;
    }
}
