package dev.cinnabar.server.persistence.aof;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.server.CinnabarServer;
import dev.cinnabar.server.Crash;
import dev.cinnabar.server.ServerContext;
import dev.cinnabar.server.ServerCron;
import dev.cinnabar.server.config.ServerConfig;
import dev.cinnabar.server.session.RecordingConnection;
import dev.cinnabar.server.store.ManualClock;
import io.netty.channel.DefaultEventLoop;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * appendfsync always's group commit without a network: clients with a recording connection run
 * commands through the gate, and the group's fsync is replaced by one the test holds, releases or
 * fails, so what runs while an fsync is in flight, what each fsync covers and what a reply waits
 * for are observed exactly.
 */
class AofGroupCommitTest {
    private Path dir;
    private ServerContext ctx;
    private ServerCron cron;
    private Aof aof;
    private AofBarrier barrier;
    private final HeldFsync fsync = new HeldFsync();
    private long nextId = 1;

    /** An fsync that waits for the test's permit (or fails when told to), counting its calls. */
    private static final class HeldFsync implements AofGroupCommit.Fsync {
        final Semaphore permits = new Semaphore(0);
        final AtomicInteger started = new AtomicInteger();
        volatile IOException failWith;
        volatile Thread lastThread;

        @Override
        public void force(FileChannel ch) throws IOException {
            lastThread = Thread.currentThread();
            started.incrementAndGet();
            permits.acquireUninterruptibly();
            if (failWith != null) {
                throw failWith;
            }
            ch.force(false);
        }
    }

    @BeforeEach
    void start() throws Exception {
        dir = Files.createTempDirectory("cinnabar-groupcommit");
        ServerConfig cfg = new ServerConfig();
        cfg.dir = dir.toString();
        ctx = CinnabarServer.context(cfg, new ManualClock(1_000_000));
        ctx.config().set("logfile", dir.resolve("server.log").toString());
        ctx.config().set("appendonly", "yes");
        ctx.config().set("appendfsync", "always");
        cron = new ServerCron(ctx);
        Aof.install(ctx, cron);
        aof = Aof.of(ctx);
        barrier = AofBarrier.of(ctx);
        aof.group.fsync = fsync;
        assertThat(aof.loadAtStartup()).isTrue();
    }

    @AfterEach
    void stop() throws IOException {
        fsync.permits.release(1000); // nothing stays blocked on the group thread
        cron.close();
        ctx.lock().lock();
        try {
            aof.stopAppendOnly();
        } finally {
            ctx.lock().unlock();
        }
        // a background rewrite a test started may still be writing or renaming its temporary file:
        // a file gone during the walk is retried (CI failed once on that race)
        for (int attempt = 0; ; attempt++) {
            try (var files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
                return;
            } catch (java.io.UncheckedIOException | java.nio.file.NoSuchFileException
                     | java.nio.file.DirectoryNotEmptyException e) {
                if (attempt == 100) {
                    throw e;
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    private RecordingConnection client() {
        return new RecordingConnection(ctx, nextId++, 2, " ");
    }

    private long position() {
        ctx.lock().lock();
        try {
            return barrier.position();
        } finally {
            ctx.lock().unlock();
        }
    }

    private String incrementalFile() throws IOException {
        return Files.readString(dir.resolve("appendonlydir").resolve("appendonly.aof.1.incr.aof"),
                StandardCharsets.ISO_8859_1);
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as(what).isLessThan(deadline);
            Thread.sleep(1);
        }
    }

    @Test
    void onAnEventLoopTheGroupClosesAtTheEndOfThePassWithOneWriteAndOneFsyncOnTheLoop() throws Exception {
        RecordingConnection a = client();
        RecordingConnection b = client();
        RecordingConnection c = client();
        fsync.permits.release(10);
        DefaultEventLoop loop = new DefaultEventLoop();
        try {
            // one pass of the loop: three clients' commands, each releasing the lock
            AtomicReference<String> fileInPass = new AtomicReference<>();
            AtomicInteger fsyncsInPass = new AtomicInteger(-1);
            AtomicReference<Boolean> durableInPass = new AtomicReference<>();
            long end = loop.submit(() -> {
                assertThat(a.call("SET", "a", "1")).isEqualTo("+OK ");
                assertThat(b.call("SET", "b", "2")).isEqualTo("+OK ");
                assertThat(c.call("INCR", "n")).isEqualTo(":1 ");
                fileInPass.set(incrementalFile());
                fsyncsInPass.set(fsync.started.get());
                durableInPass.set(barrier.passed(position()));
                return position();
            }).get(10, TimeUnit.SECONDS);
            assertThat(fileInPass.get()).as("nothing written before the pass ends").doesNotContain("$1\r\na\r\n");
            assertThat(fsyncsInPass.get()).isZero();
            assertThat(durableInPass.get()).as("no reply may go before the fsync").isFalse();
            await(() -> barrier.passed(end), "the pass's group is durable");
            assertThat(fsync.started.get()).as("one fsync for the pass").isEqualTo(1);
            assertThat(fsync.lastThread).as("fsynced by the loop, no hand-off").isSameAs(
                    loop.submit(Thread::currentThread).get(10, TimeUnit.SECONDS));
            assertThat(incrementalFile()).contains("$1\r\na\r\n").contains("$1\r\nb\r\n")
                    .contains("$4\r\nINCR\r\n$1\r\nn\r\n");
        } finally {
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @Test
    void withEverysecALoopsPassIsWrittenOnceAtItsEndAndItsRepliesWaitForThatWrite() throws Exception {
        ctx.config().set("appendfsync", "everysec");
        RecordingConnection a = client();
        RecordingConnection b = client();
        DefaultEventLoop loop = new DefaultEventLoop();
        try {
            AtomicReference<String> fileInPass = new AtomicReference<>();
            AtomicReference<Boolean> writtenInPass = new AtomicReference<>();
            long end = loop.submit(() -> {
                assertThat(a.call("SET", "a", "1")).isEqualTo("+OK ");
                assertThat(b.call("LPUSH", "l", "x")).isEqualTo(":1 ");
                fileInPass.set(incrementalFile());
                writtenInPass.set(barrier.passed(position()));
                return position();
            }).get(10, TimeUnit.SECONDS);
            assertThat(fileInPass.get()).as("no write per batch: one at the end of the pass")
                    .doesNotContain("$1\r\na\r\n");
            assertThat(writtenInPass.get()).as("no reply may go before its command is written").isFalse();
            await(() -> barrier.passed(end), "the pass's write releases its replies");
            assertThat(incrementalFile()).contains("$1\r\na\r\n").contains("$5\r\nLPUSH\r\n$1\r\nl\r\n");
            assertThat(fsync.started.get()).as("everysec: no fsync per write").isZero();
        } finally {
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @Test
    void commandsRunWhileAGroupSyncsJoinTheNextGroupInOneWriteAndOneFsync() throws Exception {
        RecordingConnection a = client();
        RecordingConnection b = client();
        RecordingConnection c = client();
        assertThat(a.call("SET", "a", "1")).isEqualTo("+OK ");
        long first = position();
        await(() -> fsync.started.get() == 1, "the first group's fsync starts");
        assertThat(barrier.passed(first)).as("the reply waits for its fsync").isFalse();

        // the fsync runs off the execution lock: other clients execute meanwhile
        assertThat(b.call("SET", "b", "2")).isEqualTo("+OK ");
        assertThat(c.call("INCR", "n")).isEqualTo(":1 ");
        assertThat(c.call("INCR", "n")).isEqualTo(":2 ");
        long second = position();
        assertThat(second).isEqualTo(first + 3);
        assertThat(incrementalFile()).contains("$1\r\na\r\n").doesNotContain("$1\r\nb\r\n");
        assertThat(fsync.started.get()).as("no fsync while one is in flight").isEqualTo(1);

        fsync.permits.release();
        await(() -> barrier.passed(first), "the first group is durable");
        await(() -> fsync.started.get() == 2, "the commands that ran meanwhile go as the next group");
        assertThat(barrier.passed(first + 1)).as("the next group is not durable before its fsync").isFalse();
        assertThat(incrementalFile()).contains("$1\r\nb\r\n").contains("$4\r\nINCR\r\n$1\r\nn\r\n");

        fsync.permits.release();
        await(() -> barrier.passed(second), "the second group is durable");
        Thread.sleep(20);
        assertThat(fsync.started.get()).as("two fsyncs for four commands").isEqualTo(2);
    }

    @Test
    void aDeliveryWaitingForAPositionRunsOnlyOnceTheFsyncCoveringItEnded() throws Exception {
        RecordingConnection a = client();
        a.call("RPUSH", "l", "x");
        long pos = position();
        LinkedBlockingQueue<Boolean> ran = new LinkedBlockingQueue<>();
        barrier.whenPassed(pos, () -> ran.add(barrier.passed(pos)));
        await(() -> fsync.started.get() == 1, "the fsync starts");
        assertThat(ran.poll(100, TimeUnit.MILLISECONDS)).as("nothing runs while the fsync is held").isNull();
        fsync.permits.release();
        assertThat(ran.poll(10, TimeUnit.SECONDS)).as("run once durable, and only then").isTrue();
        assertThat(ran).isEmpty();
    }

    @Test
    void leavingAlwaysWhileAGroupSyncsReleasesItsWaitersAtOnce() throws Exception {
        RecordingConnection a = client();
        a.call("SET", "k", "v");
        long pos = position();
        await(() -> fsync.started.get() == 1, "the fsync starts");
        assertThat(a.call("CONFIG", "SET", "appendfsync", "everysec")).isEqualTo("+OK ");
        assertThat(barrier.passed(pos)).as("everysec promises nothing: the waiters go").isTrue();
        assertThat(a.call("SET", "k2", "v2")).isEqualTo("+OK ");
        assertThat(incrementalFile()).contains("$2\r\nk2\r\n");
        fsync.permits.release();
        assertThat(a.call("CONFIG", "SET", "appendfsync", "always")).isEqualTo("+OK ");
        a.call("SET", "k3", "v3");
        long after = position();
        fsync.permits.release(); // the group of k3 (the in-flight one ended meanwhile)
        await(() -> barrier.passed(after), "always again: the next group is fsynced and released");
    }

    @Test
    void appendonlyNoWhileAGroupSyncsFsyncsUnderTheLockAndReleasesTheWaiters() throws Exception {
        RecordingConnection a = client();
        a.call("INCR", "n");
        long pos = position();
        await(() -> fsync.started.get() == 1, "the fsync starts");
        assertThat(a.call("CONFIG", "SET", "appendonly", "no")).isEqualTo("+OK ");
        assertThat(barrier.passed(pos)).isTrue();
        assertThat(aof.enabled()).isFalse();
        fsync.permits.release(); // the held fsync ends on a closed file: covered, not an error
        Thread.sleep(50);
        assertThat(Crash.of(ctx).crashed()).isFalse();
        assertThat(incrementalFile()).contains("$4\r\nINCR\r\n");
    }

    @Test
    void aFailedFsyncStopsTheServerAndItsRepliesNeverGo() throws Exception {
        AtomicReference<String> stopped = new AtomicReference<>();
        Crash.of(ctx).onCrash(stopped::set);
        fsync.failWith = new IOException("Input/output error");
        RecordingConnection a = client();
        a.call("SET", "lost", "1");
        long pos = position();
        fsync.permits.release();
        await(() -> stopped.get() != null, "the server stops");
        assertThat(barrier.passed(pos)).as("no reply of the failed group is released").isFalse();
        assertThat(aof.enabled()).isFalse();
        assertThat(Files.readString(dir.resolve("server.log"))).contains(
                "Can't persist AOF for fsync error when the AOF fsync policy is 'always': Input/output error. Exiting...");
        a.call("SET", "after", "2");
        assertThat(barrier.passed(position())).as("later replies wait too").isFalse();
    }

    @Test
    void aRewriteStartingWhileAGroupSyncsFsyncsTheOldFileBeforeSwitching() throws Exception {
        RecordingConnection a = client();
        a.call("SET", "before", "1");
        long pos = position();
        await(() -> fsync.started.get() == 1, "the fsync starts");
        a.call("SET", "joined", "2"); // waits in the buffer for the group in flight
        assertThat(a.call("BGREWRITEAOF")).startsWith("+Background append only file rewriting");
        assertThat(barrier.passed(pos + 1)).as("written and fsynced before the file changed").isTrue();
        fsync.permits.release(100);
        assertThat(Crash.of(ctx).crashed()).isFalse();
    }
}
