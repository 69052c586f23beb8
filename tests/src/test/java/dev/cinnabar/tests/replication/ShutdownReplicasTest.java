package dev.cinnabar.tests.replication;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.server.CinnabarServer;
import dev.cinnabar.testkit.RealRedis;
import dev.cinnabar.testkit.RespClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * SHUTDOWN with replicas under shutdown-timeout, differential: a real Redis 7.0 master and ours,
 * each with a real Redis replica kept from acknowledging (DEBUG SLEEP), must log the same lines
 * and answer the same: the SHUTDOWN client blocks while the master waits for its replica (writes
 * paused, reads served), SHUTDOWN ABORT cancels the wait (the blocked client gets the error, the
 * master runs on), the timeout ends the wait with the lagging replica logged, a replica that
 * catches up ends it early, and NOW does not wait.
 */
class ShutdownReplicasTest {

    /** A master under test, with its log. */
    private interface Master extends AutoCloseable {
        int port();

        Path log();

        @Override
        void close();
    }

    private static Master redisMaster() {
        RealRedis r = RealRedis.start("--shutdown-timeout", "3");
        return new Master() {
            public int port() {
                return r.port();
            }

            public Path log() {
                return r.dir().resolve("redis.log");
            }

            public void close() {
                r.close();
            }
        };
    }

    private static Master ourMaster() throws Exception {
        Path dir = Files.createTempDirectory("shutdown-replicas");
        Path log = dir.resolve("server.log");
        CinnabarServer s = CinnabarServer.builder().setting("dir", dir.toString()).setting("save", "")
                .setting("logfile", log.toString()).setting("loglevel", "notice")
                .setting("shutdown-timeout", "3").start();
        return new Master() {
            public int port() {
                return s.port();
            }

            public Path log() {
                return log;
            }

            public void close() {
                s.close();
            }
        };
    }

    private interface Scenario {
        List<String> run(Master m, RealRedis replica, RespClient mc) throws Exception;
    }

    /** Runs the scenario against both masters, each with its own real replica; returns both transcripts. */
    private static void sameAsRedis(Scenario sc) throws Exception {
        RealRedis.assumeAvailable();
        List<String> redis;
        try (Master m = redisMaster()) {
            redis = withReplica(m, sc);
        }
        List<String> ours;
        try (Master m = ourMaster()) {
            ours = withReplica(m, sc);
        }
        assertThat(ours).isEqualTo(redis);
    }

    private static List<String> withReplica(Master m, Scenario sc) throws Exception {
        try (RealRedis replica = RealRedis.start("--enable-debug-command", "yes", "--replicaof", "127.0.0.1",
                Integer.toString(m.port()));
             RespClient mc = new RespClient(m.port());
             RespClient rc = replica.client()) {
            mc.call("SET", "before", "1");
            Replicas.awaitInSync(mc, rc);
            List<String> out = sc.run(m, replica, mc);
            out.addAll(shutdownLines(m.log()));
            return out;
        }
    }

    /** Keeps the replica from answering for that many seconds (DEBUG SLEEP on its own connection). */
    private static CompletableFuture<Void> sleepReplica(RealRedis replica, double seconds) throws Exception {
        RespClient c = new RespClient("127.0.0.1", replica.port(), 60_000);
        CompletableFuture<Void> done = CompletableFuture.runAsync(() -> {
            c.call("DEBUG", "SLEEP", Double.toString(seconds));
            c.close();
        });
        Thread.sleep(200); // the sleep has begun (a PING on another connection would wait for it)
        return done;
    }

    /** SHUTDOWN from its own connection: its reply, or "closed" when the connection closed. */
    private static CompletableFuture<String> shutdown(int port, String... flags) {
        RespClient c = new RespClient("127.0.0.1", port, 60_000);
        List<String> argv = new ArrayList<>(List.of("SHUTDOWN"));
        argv.addAll(List.of(flags));
        return CompletableFuture.supplyAsync(() -> {
            try {
                return c.call(argv).toString();
            } catch (RuntimeException e) {
                return "closed";
            } finally {
                c.close();
            }
        });
    }

    @Test
    void abortCancelsTheWait() throws Exception {
        sameAsRedis((m, replica, mc) -> {
            CompletableFuture<Void> asleep = sleepReplica(replica, 4);
            mc.call("SET", "k", "v"); // the replica cannot acknowledge it
            CompletableFuture<String> first = shutdown(m.port());
            awaitLog(m.log(), "Waiting for replicas before shutting down.");
            List<String> out = new ArrayList<>();
            out.add("read while waiting: " + mc.call("GET", "k"));
            RespClient writer = new RespClient("127.0.0.1", m.port(), 60_000);
            CompletableFuture<String> write = CompletableFuture.supplyAsync(() -> writer.call("SET", "w", "1").toString());
            Thread.sleep(300);
            out.add("write answered while waiting: " + write.isDone()); // paused
            out.add("abort: " + mc.call("SHUTDOWN", "ABORT"));
            out.add("paused write: " + write.get(30, TimeUnit.SECONDS));
            writer.close();
            out.add("blocked client: " + first.get(30, TimeUnit.SECONDS));
            out.add("abort again: " + mc.call("SHUTDOWN", "ABORT"));
            out.add("write after: " + mc.call("SET", "k", "w"));
            asleep.get(30, TimeUnit.SECONDS);
            return out;
        });
    }

    @Test
    void timeoutEndsTheWaitWithTheLaggingReplicaLogged() throws Exception {
        sameAsRedis((m, replica, mc) -> {
            CompletableFuture<Void> asleep = sleepReplica(replica, 6);
            mc.call("SET", "k", "v");
            CompletableFuture<String> first = shutdown(m.port());
            awaitLog(m.log(), "Waiting for replicas before shutting down.");
            List<String> out = new ArrayList<>();
            out.add("blocked client: " + first.get(30, TimeUnit.SECONDS));
            asleep.get(30, TimeUnit.SECONDS);
            return out;
        });
    }

    @Test
    void aReplicaThatCatchesUpEndsTheWait() throws Exception {
        sameAsRedis((m, replica, mc) -> {
            CompletableFuture<Void> asleep = sleepReplica(replica, 1);
            mc.call("SET", "k", "v");
            CompletableFuture<String> first = shutdown(m.port());
            List<String> out = new ArrayList<>();
            out.add("blocked client: " + first.get(30, TimeUnit.SECONDS));
            asleep.get(30, TimeUnit.SECONDS);
            try (RespClient rc = replica.client()) {
                out.add("replica has k: " + rc.call("GET", "k"));
            }
            return out;
        });
    }

    @Test
    void nowDoesNotWait() throws Exception {
        sameAsRedis((m, replica, mc) -> {
            CompletableFuture<Void> asleep = sleepReplica(replica, 2);
            mc.call("SET", "k", "v");
            List<String> out = new ArrayList<>();
            out.add("client: " + shutdown(m.port(), "NOW").get(30, TimeUnit.SECONDS));
            asleep.get(30, TimeUnit.SECONDS);
            return out;
        });
    }

    private static void awaitLog(Path log, String text) throws Exception {
        long deadline = System.currentTimeMillis() + 30_000;
        while (System.currentTimeMillis() < deadline) {
            if (Files.exists(log) && Files.readString(log).contains(text)) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no '" + text + "' in " + log + ":\n" + Files.readString(log));
    }

    /** The shutdown sequence's lines (digits as N: ports, offsets, lags). */
    private static List<String> shutdownLines(Path log) throws Exception {
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(log)) {
            int at = line.indexOf(" * ") >= 0 ? line.indexOf(" * ") : line.indexOf(" # ");
            if (at < 0) {
                continue;
            }
            String text = line.substring(at + 3);
            if (text.startsWith("User requested shutdown") || text.startsWith("Waiting for replicas")
                    || text.startsWith("Lagging replica") || text.contains("replicas are in sync when shutting down")
                    || text.startsWith("Shutdown manually aborted") || text.startsWith("Errors trying to shut down")) {
                out.add("log: " + text.replaceAll("\\d+", "N"));
            }
        }
        return out;
    }
}
