package dev.cinnabar.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.RedisClient;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class LockTest {
    @RegisterExtension
    static RedisFixture fx = new RedisFixture();
    static RedisClient client;

    @BeforeAll
    static void up() {
        client = fx.newClient();
    }

    @Test
    void aHolderThatStallsPastItsLeaseLosesTheLockAndItsTokenIsRejected() throws Exception {
        try (DistributedLock a = new DistributedLock(client, "lock:stall");
             DistributedLock b = new DistributedLock(client, "lock:stall");
             DistributedLock.FencedResource storage = new DistributedLock.FencedResource(client, "storage")) {
            long t1 = a.tryLock(Duration.ofSeconds(1), Duration.ofMillis(200), false); // no watchdog: it stalls
            assertThat(t1).isPositive();
            Thread.sleep(400); // GC pause / stall longer than the lease
            long t2 = CompletableFuture.supplyAsync(() -> {
                try {
                    return b.tryLock(Duration.ofSeconds(1), Duration.ofSeconds(5));
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }).get();
            assertThat(t2).isGreaterThan(t1);
            assertThat(storage.accept(t2)).isTrue();
            assertThat(storage.accept(t1)).as("the stale holder's write is fenced off").isFalse();
            assertThatThrownBy(a::unlock).isInstanceOf(IllegalMonitorStateException.class);
        }
    }

    @Test
    void theWatchdogKeepsALiveHoldersLock() throws Exception {
        try (DistributedLock a = new DistributedLock(client, "lock:dog");
             DistributedLock b = new DistributedLock(client, "lock:dog")) {
            long t = a.tryLock(Duration.ofSeconds(1), Duration.ofMillis(300));
            assertThat(t).isPositive();
            Thread.sleep(1000); // three leases
            assertThat(a.isHeldByCurrentThread()).isTrue();
            long other = CompletableFuture.supplyAsync(() -> {
                try {
                    return b.tryLock(Duration.ofMillis(100), Duration.ofSeconds(1));
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }).get();
            assertThat(other).isEqualTo(-1);
            a.unlock();
            assertThat(a.isHeldByCurrentThread()).isFalse();
        }
    }

    @Test
    void unlockByANonOwnerFailsAndReentrancyCounts() throws Exception {
        try (DistributedLock a = new DistributedLock(client, "lock:owner");
             DistributedLock b = new DistributedLock(client, "lock:owner")) {
            long t = a.tryLock(Duration.ofSeconds(1), Duration.ofSeconds(5));
            assertThat(a.tryLock(Duration.ofSeconds(1), Duration.ofSeconds(5))).as("reentrant, same token").isEqualTo(t);
            CompletableFuture<Throwable> err = CompletableFuture.supplyAsync(() -> {
                try {
                    b.unlock();
                    return null;
                } catch (Throwable e) {
                    return e;
                }
            });
            assertThat(err.get()).isInstanceOf(IllegalMonitorStateException.class);
            a.unlock();
            assertThat(a.isHeldByCurrentThread()).isTrue(); // one level left
            a.unlock();
            assertThat(a.isHeldByCurrentThread()).isFalse();
        }
    }

    @Test
    void stockDeductionNeverOversellsAndCasNeverLosesUpdates() throws Exception {
        try (Atomics atomics = new Atomics(client)) {
            client.connect().sync().set("stock:1", "100");
            AtomicInteger sold = new AtomicInteger();
            CompletableFuture<?>[] buyers = new CompletableFuture<?>[50];
            for (int i = 0; i < 50; i++) {
                buyers[i] = CompletableFuture.runAsync(() -> {
                    for (int j = 0; j < 5; j++) {
                        if (atomics.deductStock("stock:1", 1) == Atomics.Deduction.OK) {
                            sold.incrementAndGet();
                        }
                    }
                });
            }
            CompletableFuture.allOf(buyers).get();
            assertThat(sold).hasValue(100);
            assertThat(client.connect().sync().get("stock:1")).isEqualTo("0");
            assertThat(atomics.deductStock("nope", 1)).isEqualTo(Atomics.Deduction.NO_SUCH_ITEM);

            CompletableFuture<?>[] incs = new CompletableFuture<?>[8];
            for (int i = 0; i < 8; i++) {
                incs[i] = CompletableFuture.runAsync(() -> {
                    for (int j = 0; j < 25; j++) {
                        atomics.compareAndSet("counter", v -> Long.toString(v == null ? 1 : Long.parseLong(v) + 1), 1000);
                    }
                });
            }
            CompletableFuture.allOf(incs).get();
            assertThat(client.connect().sync().get("counter")).isEqualTo("200");
        }
    }
}
