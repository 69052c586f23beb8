package dev.cinnabar.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ExecutionLockTest {
    private long counter;

    @Test
    void excludesAndIsReentrant() throws Exception {
        ExecutionLock lock = new ExecutionLock();
        int threads = 4;
        int rounds = 20_000;
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> ts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread th = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < rounds; i++) {
                    lock.lock();
                    try {
                        lock.lock(); // reentrant, as EXEC and scripts re-enter the gate
                        try {
                            long v = counter;
                            Thread.onSpinWait();
                            counter = v + 1;
                        } finally {
                            lock.unlock();
                        }
                    } finally {
                        lock.unlock();
                    }
                }
            });
            th.start();
            ts.add(th);
        }
        start.countDown();
        for (Thread th : ts) {
            th.join(TimeUnit.SECONDS.toMillis(60));
        }
        assertThat(counter).isEqualTo((long) threads * rounds);
        assertThat(lock.isLocked()).isFalse();
    }

    @Test
    void aWaiterParksBehindALongHolderAndGetsTheLockAfterIt() throws Exception {
        ExecutionLock lock = new ExecutionLock();
        lock.lock();
        CountDownLatch got = new CountDownLatch(1);
        Thread waiter = new Thread(() -> {
            lock.lock();
            got.countDown();
            lock.unlock();
        });
        waiter.start();
        assertThat(got.await(100, TimeUnit.MILLISECONDS)).isFalse();
        assertThat(lock.hasQueuedThread(waiter)).as("past the spin it queues like a plain lock").isTrue();
        lock.unlock();
        assertThat(got.await(10, TimeUnit.SECONDS)).isTrue();
        waiter.join();
    }

    @Test
    void beforeReleaseRunsWhenTheOutermostHoldEndsOrAtOnceWhenFree() {
        ExecutionLock lock = new ExecutionLock();
        List<String> log = new ArrayList<>();
        lock.lock();
        lock.beforeRelease(() -> log.add("task held=" + lock.isHeldByCurrentThread()));
        lock.lock(); // a nested hold and release (EXEC, a script) must not run it nor loop
        lock.unlock();
        log.add("inner released");
        lock.unlock();
        assertThat(log).containsExactly("inner released", "task held=true");
        assertThat(lock.isLocked()).isFalse();
        lock.beforeRelease(() -> log.add("free"));
        assertThat(log).endsWith("free");
        assertThat(lock.isLocked()).isFalse();
    }
}
