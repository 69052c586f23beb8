package dev.cinnabar.tests.unit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.testkit.CinnabarExtension;
import dev.cinnabar.testkit.Resp;
import dev.cinnabar.testkit.RespClient;
import dev.cinnabar.tests.Differential;
import dev.cinnabar.tests.RealRedisPair;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** MULTI/EXEC/DISCARD/WATCH (Redis's tests/unit/multi.tcl), differential against real Redis. */
class MultiTest {
    @RegisterExtension
    static CinnabarExtension server = new CinnabarExtension();

    @RegisterExtension
    static RealRedisPair pair = new RealRedisPair(server);

    /** Runs the script on both servers (fresh connection each, keys deleted first) and compares. */
    private static List<Resp> same(String... script) {
        List<Resp> expected;
        List<Resp> actual;
        try (RespClient r = pair.redis().client(); RespClient c = server.client()) {
            r.call("DEL", "a", "b", "x", "y");
            c.call("DEL", "a", "b", "x", "y");
            expected = Differential.run(r, script);
            actual = Differential.run(c, script);
        }
        assertThat(actual).as(String.join(" | ", script)).isEqualTo(expected);
        return actual;
    }

    @Test
    void execRunsQueuedCommandsInOrder() {
        List<Resp> r = same("MULTI", "SET a 1", "GET a", "SET b 2", "EXEC", "GET b");
        assertThat(r.get(1).asText()).isEqualTo("QUEUED");
        assertThat(r.get(4).toString()).isEqualTo("*[+OK, \"1\", +OK]");
    }

    @Test
    void emptyTransactionAndDiscard() {
        same("MULTI", "EXEC", "MULTI", "SET a 1", "DISCARD", "GET a", "DISCARD", "EXEC");
    }

    @Test
    void queueTimeErrorsAbortExec() {
        List<Resp> r = same("SET a 0", "MULTI", "SET a 1", "NOSUCHCMD x y", "SET a", "EXEC", "GET a");
        assertThat(r.get(5).asText()).isEqualTo("-EXECABORT Transaction discarded because of previous errors.");
        assertThat(r.get(6).asText()).isEqualTo("0");
    }

    @Test
    void runTimeErrorsFailOnlyTheirCommand() {
        // SET with extra arguments passes the gate and fails when run; no rollback.
        List<Resp> r = same("MULTI", "SET a 1", "SET a 1 2", "GET a", "EXEC");
        assertThat(r.get(4).toString()).startsWith("*[+OK, -");
    }

    @Test
    void nestedMultiAndWatchInsideMultiAreRefusedWithoutAborting() {
        same("MULTI", "MULTI", "WATCH a", "SET a 1", "EXEC", "GET a");
    }

    @Test
    void refusedExecAbortsWithItsReason() {
        same("MULTI", "SET a 1", "EXEC extra", "EXEC", "GET a", "EXEC extra");
    }

    @Test
    void noMultiCommandsAreRefusedAndAbort() {
        // SAVE is no-multi; unbound commands here are unknown, so compare only the EXEC outcome.
        try (RespClient c = server.client(); RespClient r = pair.redis().client()) {
            for (RespClient x : List.of(c, r)) {
                x.call("MULTI");
                x.call("SAVE");
            }
            assertThat(c.call("EXEC")).isEqualTo(r.call("EXEC"));
        }
    }

    @Test
    void execAndDiscardWithoutMulti() {
        same("EXEC", "DISCARD", "UNWATCH");
    }

    @Test
    void watchedKeyModifiedByAnotherClientFailsExec() {
        for (boolean cinnabar : new boolean[] {true, false}) {
            try (RespClient a = cinnabar ? server.client() : pair.redis().client();
                 RespClient b = cinnabar ? server.client() : pair.redis().client()) {
                a.call("SET", "x", "1");
                assertThat(a.call("WATCH", "x").asText()).isEqualTo("OK");
                b.call("SET", "x", "2");
                a.call("MULTI");
                a.call("SET", "x", "3");
                assertThat(a.call("EXEC")).isEqualTo(new Resp.Null('*'));
                assertThat(a.call("GET", "x").asText()).isEqualTo("2");
            }
        }
    }

    @Test
    void deleteOfWatchedKeyAndUnwatch() {
        try (RespClient a = server.client(); RespClient b = server.client()) {
            a.call("SET", "x", "1");
            a.call("WATCH", "x");
            b.call("DEL", "x");
            a.call("MULTI");
            a.call("PING");
            assertThat(a.call("EXEC")).isEqualTo(new Resp.Null('*'));
            // UNWATCH forgets, and EXEC unwatches: later modifications do not matter.
            a.call("WATCH", "x");
            b.call("SET", "x", "9");
            a.call("UNWATCH");
            a.call("MULTI");
            a.call("PING");
            assertThat(a.call("EXEC").toString()).isEqualTo("*[+PONG]");
        }
    }

    @Test
    void watchOfMissingKeyStaysCleanAndOwnWritesDoNotDirty() {
        same("WATCH x", "MULTI", "SET x 1", "EXEC", "WATCH x", "SET x 2", "MULTI", "GET x", "EXEC");
    }

    @Test
    void selectInsideTransactionAffectsLaterCommands() {
        same("SET a 0", "MULTI", "SELECT 1", "SET a 1", "SELECT 0", "GET a", "EXEC", "SELECT 1", "GET a",
                "DEL a", "SELECT 0");
    }

    @Test
    void watchOnlyMatchesTheSameDatabase() {
        try (RespClient a = server.client(); RespClient b = server.client()) {
            a.call("WATCH", "y");
            b.call("SELECT", "1");
            b.call("SET", "y", "1");
            a.call("MULTI");
            a.call("PING");
            assertThat(a.call("EXEC").toString()).isEqualTo("*[+PONG]");
            b.call("DEL", "y");
        }
    }

    @Test
    void pipelinedTransaction() {
        try (RespClient c = server.client(); RespClient r = pair.redis().client()) {
            String[] script = {"MULTI", "SET a 1", "GET a", "EXEC"};
            assertThat(Differential.pipeline(c, 4, script)).isEqualTo(Differential.pipeline(r, 4, script));
        }
    }

    /** Optimistic increment: WATCH, read, MULTI, write, EXEC, retry on a null reply. */
    private static int increment(RespClient c, String key, int times) {
        int retries = 0;
        for (int i = 0; i < times; i++) {
            while (true) {
                c.call("WATCH", key);
                Resp v = c.call("GET", key);
                long n = v instanceof Resp.Bulk b ? Long.parseLong(b.text()) : 0;
                c.call("MULTI");
                c.call("SET", key, Long.toString(n + 1));
                if (!(c.call("EXEC") instanceof Resp.Null)) {
                    break;
                }
                retries++;
            }
        }
        return retries;
    }

    @Test
    void concurrentWatchIncrementsNeverLoseAnUpdate() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            int each = 300;
            List<Future<Integer>> fs = List.of(
                    pool.submit(() -> {
                        try (RespClient c = server.client()) {
                            return increment(c, "counter", each);
                        }
                    }),
                    pool.submit(() -> {
                        try (RespClient c = server.client()) {
                            return increment(c, "counter", each);
                        }
                    }));
            for (Future<Integer> f : fs) {
                f.get(30, TimeUnit.SECONDS);
            }
            try (RespClient c = server.client()) {
                assertThat(c.call("GET", "counter").asText()).isEqualTo(Integer.toString(2 * each));
                c.call("DEL", "counter");
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** Moves an order from PAID to target through WATCH; true if this client made the transition. */
    private static boolean transition(RespClient c, String order, String target) {
        while (true) {
            c.call("WATCH", order);
            if (!c.call("GET", order).asText().equals("PAID")) {
                c.call("UNWATCH");
                return false;
            }
            c.call("MULTI");
            c.call("SET", order, target);
            Resp r = c.call("EXEC");
            if (!(r instanceof Resp.Null)) {
                return true;
            }
        }
    }

    @Test
    void orderStateMachineCannotBeBothShippedAndRefunded() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (RespClient setup = server.client(); RespClient ship = server.client(); RespClient refund = server.client()) {
            for (int i = 0; i < 100; i++) {
                String order = "order:" + i;
                setup.call("SET", order, "PAID");
                Future<Boolean> s = pool.submit(() -> transition(ship, order, "SHIPPED"));
                Future<Boolean> r = pool.submit(() -> transition(refund, order, "REFUNDED"));
                boolean shipped = s.get(10, TimeUnit.SECONDS);
                boolean refunded = r.get(10, TimeUnit.SECONDS);
                assertThat(shipped ^ refunded).as("exactly one transition wins for " + order).isTrue();
                assertThat(setup.call("GET", order).asText()).isEqualTo(shipped ? "SHIPPED" : "REFUNDED");
                setup.call("DEL", order);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void watchedKeyThatExpiresBeforeExecFailsIt() {
        same("SET x 1 PX 30", "WATCH x", "#sleep 80", "MULTI", "PING", "EXEC");
    }

    @Test
    void keyAlreadyExpiredWhenWatchedDoesNotFailExec() {
        same("DEBUG SET-ACTIVE-EXPIRE 0", "SET x 1 PX 1", "#sleep 20", "WATCH x", "MULTI", "PING", "EXEC",
                "SET y 1 PX 1", "#sleep 20", "WATCH y", "EXISTS y", "MULTI", "PING", "EXEC",
                "DEBUG SET-ACTIVE-EXPIRE 1");
    }

    @Test
    void flushTouchesWatchedKeysThatExisted() {
        same("SET x 1", "WATCH x", "FLUSHALL", "MULTI", "PING", "EXEC",
                "WATCH x", "FLUSHALL", "MULTI", "PING", "EXEC",
                "SET x 1", "WATCH x", "FLUSHDB", "MULTI", "PING", "EXEC",
                "SET x 1", "WATCH x", "SELECT 1", "FLUSHDB", "SELECT 0", "MULTI", "PING", "EXEC");
    }

    @Test
    void swapdbTouchesWatchedKeysOnEitherSide() {
        same("SELECT 1", "FLUSHDB", "SELECT 0",
                "SET x 1", "WATCH x", "SWAPDB 0 1", "MULTI", "PING", "EXEC", "SWAPDB 0 1",
                "WATCH y", "SWAPDB 0 1", "MULTI", "PING", "EXEC", "SWAPDB 0 1",
                "SELECT 1", "SET y 1", "SELECT 0", "WATCH y", "SWAPDB 0 1", "MULTI", "PING", "EXEC", "SWAPDB 0 1",
                "SELECT 1", "FLUSHDB", "SELECT 0");
    }

    @Test
    void renameOntoWatchedKeyTouchesIt() {
        same("SET a 1", "WATCH b", "RENAME a b", "MULTI", "PING", "EXEC",
                "SET a 1", "WATCH a", "RENAME a x", "MULTI", "PING", "EXEC");
    }

    @Test
    void clientListShowsTransactionState() {
        try (RespClient c = server.client(); RespClient other = server.client()) {
            String id = c.call("CLIENT", "ID").asText();
            c.call("MULTI");
            c.call("SET", "a", "1");
            c.call("GET", "a");
            String info = other.call("CLIENT", "LIST", "ID", id).asText();
            assertThat(info).contains("flags=x").contains("multi=2");
            c.call("DISCARD");
            assertThat(other.call("CLIENT", "LIST", "ID", id).asText()).contains("flags=N").contains("multi=-1");
        }
    }
}
