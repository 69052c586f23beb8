package dev.cinnabar.server.persistence.aof;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.server.CinnabarServer;
import dev.cinnabar.server.ServerContext;
import dev.cinnabar.server.config.ServerConfig;
import dev.cinnabar.server.session.ClientFlags;
import dev.cinnabar.server.session.RecordingConnection;
import dev.cinnabar.server.store.ManualClock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The reply barrier's ordering: what waits for a position runs once, and only after the AOF
 * reached it, whatever thread moves the AOF and in whatever order groups report.
 */
class AofBarrierTest {
    private final AofBarrier barrier = new AofBarrier();

    @Test
    void aPositionPassesOnlyOnceReachedAndNeverGoesBack() {
        barrier.fed();
        barrier.fed();
        long two = barrier.position();
        assertThat(two).isEqualTo(2);
        assertThat(barrier.passed(0)).isTrue();
        assertThat(barrier.passed(1)).isFalse();
        barrier.reached(1);
        assertThat(barrier.passed(1)).isTrue();
        assertThat(barrier.passed(two)).isFalse();
        barrier.reached(2);
        barrier.reached(1); // a group reporting late moves nothing back
        assertThat(barrier.passed(two)).isTrue();
    }

    @Test
    void waitersRunInTheOrderOfTheirPositionsAsGroupsEnd() {
        List<String> ran = new ArrayList<>();
        barrier.fed();
        barrier.whenPassed(barrier.position(), () -> ran.add("first"));
        barrier.fed();
        barrier.fed();
        barrier.whenPassed(barrier.position(), () -> ran.add("third"));
        barrier.whenPassed(0, () -> ran.add("nothing to wait for"));
        assertThat(ran).containsExactly("nothing to wait for");
        barrier.reached(2);
        assertThat(ran).containsExactly("nothing to wait for", "first");
        barrier.reached(3);
        assertThat(ran).containsExactly("nothing to wait for", "first", "third");
        barrier.reached(3);
        assertThat(ran).hasSize(3);
    }

    @Test
    void theEndOfThePromiseReleasesEveryWaiter() {
        AtomicInteger ran = new AtomicInteger();
        for (int i = 0; i < 5; i++) {
            barrier.fed();
            barrier.whenPassed(barrier.position(), ran::incrementAndGet);
        }
        barrier.reached(); // appendonly no, or the policy left always
        assertThat(ran.get()).isEqualTo(5);
    }

    /**
     * A feeder (the execution lock's holder) counts commands and registers waiters while another
     * thread (the group commit's) reports groups: every waiter runs exactly once, and when it runs
     * its position has passed.
     */
    @Test
    void concurrentGroupsReleaseEveryWaiterOnceAndNeverEarly() throws Exception {
        int commands = 200_000;
        AtomicLong fedSoFar = new AtomicLong();
        ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
        AtomicInteger ran = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(1);
        Thread syncer = new Thread(() -> {
            long durable = 0;
            while (durable < commands) {
                long upTo = fedSoFar.get(); // what was written when this group started
                if (upTo > durable) {
                    barrier.reached(upTo);
                    durable = upTo;
                } else {
                    Thread.onSpinWait();
                }
            }
            done.countDown();
        });
        syncer.start();
        int waiters = 0;
        for (int i = 0; i < commands; i++) {
            barrier.fed();
            long pos = barrier.position();
            if (i % 7 == 0) {
                waiters++;
                barrier.whenPassed(pos, () -> {
                    if (!barrier.passed(pos)) {
                        errors.add("ran early at " + pos);
                    }
                    ran.incrementAndGet();
                });
            }
            fedSoFar.set(pos);
        }
        assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(errors).isEmpty();
        assertThat(ran.get()).isEqualTo(waiters);
    }

    @Test
    void onlyAReplicasStreamGoesWithoutWaiting() {
        ServerContext ctx = CinnabarServer.context(new ServerConfig(), new ManualClock(1_000_000));
        RecordingConnection c = new RecordingConnection(ctx, 1, 2, " ");
        assertThat(AofBarrier.waits(c.client)).isTrue();
        c.client.flags |= ClientFlags.REPLICA;
        assertThat(AofBarrier.waits(c.client)).isFalse();
        c.client.flags |= ClientFlags.MONITOR; // MONITOR carries the replica flag, and waits
        assertThat(AofBarrier.waits(c.client)).isTrue();
    }
}
