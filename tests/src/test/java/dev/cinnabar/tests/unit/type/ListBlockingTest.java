package dev.cinnabar.tests.unit.type;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.testkit.CinnabarExtension;
import dev.cinnabar.testkit.Resp;
import dev.cinnabar.testkit.RespClient;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Blocking list commands through the network: several clients, FIFO order, timeouts, wake-ups. */
class ListBlockingTest {
    @RegisterExtension
    static CinnabarExtension server = new CinnabarExtension();

    private static Resp arr(String... items) {
        return new Resp.Agg('*', java.util.Arrays.stream(items).map(s -> (Resp) bulk(s)).toList());
    }

    private static Resp bulk(String s) {
        return new Resp.Bulk(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** Waits until the server reports n blocked clients (INFO-free: polls CLIENT-independent state). */
    private static void awaitBlocked(int n) {
        long deadline = System.currentTimeMillis() + 5000;
        while (System.currentTimeMillis() < deadline) {
            var ctx = server.server().context();
            ctx.lock().lock();
            try {
                if (dev.cinnabar.server.blocking.BlockingManager.of(ctx).blockedClients() == n) {
                    return;
                }
            } finally {
                ctx.lock().unlock();
            }
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }
        throw new AssertionError("expected " + n + " blocked clients");
    }

    @Test
    void pushFromAnotherClientWakesTheBlockedOne() {
        try (RespClient a = server.client(); RespClient b = server.client()) {
            a.send("BLPOP", "q", "0");
            awaitBlocked(1);
            assertThat(b.call("RPUSH", "q", "x", "y")).isEqualTo(new Resp.Int(2));
            assertThat(a.read()).isEqualTo(arr("q", "x"));
            assertThat(b.call("LRANGE", "q", "0", "-1")).isEqualTo(arr("y"));
            awaitBlocked(0);
        }
    }

    @Test
    void clientsAreServedInTheOrderTheyBlocked() {
        try (RespClient a = server.client(); RespClient b = server.client(); RespClient c = server.client();
             RespClient p = server.client()) {
            a.send("BLPOP", "q", "0");
            awaitBlocked(1);
            b.send("BRPOP", "q", "0");
            awaitBlocked(2);
            c.send("BLPOP", "other", "q", "0");
            awaitBlocked(3);
            // one push of three elements serves all three, first blocked first
            assertThat(p.call("RPUSH", "q", "1", "2", "3")).isEqualTo(new Resp.Int(3));
            assertThat(a.read()).isEqualTo(arr("q", "1"));
            assertThat(b.read()).isEqualTo(arr("q", "3"));
            assertThat(c.read()).isEqualTo(arr("q", "2"));
            assertThat(p.call("EXISTS", "q")).isEqualTo(new Resp.Int(0));
            awaitBlocked(0);
        }
    }

    @Test
    void oneElementAtATimeGoesToTheLongestWaiter() {
        try (RespClient a = server.client(); RespClient b = server.client(); RespClient p = server.client()) {
            a.send("BLPOP", "q", "0");
            awaitBlocked(1);
            b.send("BLPOP", "q", "0");
            awaitBlocked(2);
            p.call("LPUSH", "q", "first");
            assertThat(a.read()).isEqualTo(arr("q", "first"));
            awaitBlocked(1);
            p.call("LPUSH", "q", "second");
            assertThat(b.read()).isEqualTo(arr("q", "second"));
        }
    }

    @Test
    void timeoutRepliesWithNullArrayAfterFractionalSeconds() {
        try (RespClient a = server.client()) {
            long t0 = System.nanoTime();
            assertThat(a.call("BLPOP", "q", "0.05")).isEqualTo(new Resp.Null('*'));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertThat(ms).isBetween(45L, 2000L);
            assertThat(a.call("BLMOVE", "q", "d", "LEFT", "RIGHT", "0.01")).isEqualTo(new Resp.Null('*'));
            assertThat(a.call("BLMPOP", "0.01", "1", "q", "LEFT")).isEqualTo(new Resp.Null('*'));
            assertThat(a.call("PING").asText()).isEqualTo("PONG");
            awaitBlocked(0);
        }
    }

    @Test
    void timeoutErrors() {
        try (RespClient a = server.client()) {
            assertThat(a.call("BLPOP", "q", "abc")).isEqualTo(new Resp.Err("ERR timeout is not a float or out of range"));
            assertThat(a.call("BLPOP", "q", "-1")).isEqualTo(new Resp.Err("ERR timeout is negative"));
            assertThat(a.call("BRPOP", "q", "inf")).isEqualTo(new Resp.Err("ERR timeout is negative"));
            assertThat(a.call("BLPOP", "q", " 1")).isEqualTo(new Resp.Err("ERR timeout is not a float or out of range"));
            assertThat(a.call("BLPOP", "q", "nan")).isEqualTo(new Resp.Err("ERR timeout is not a float or out of range"));
            assertThat(a.call("BLPOP", "q", "0.0001")).isEqualTo(new Resp.Null('*'));
        }
    }

    @Test
    void wrongTypeWhileWaitingKeepsWaitingThenDeleteAndPushServes() {
        try (RespClient a = server.client(); RespClient p = server.client()) {
            a.send("BLPOP", "q", "0");
            awaitBlocked(1);
            p.call("SET", "q", "string");
            awaitBlocked(1);
            p.call("DEL", "q");
            p.call("RPUSH", "q", "v");
            assertThat(a.read()).isEqualTo(arr("q", "v"));
        }
    }

    @Test
    void renameOntoTheWaitedKeyServes() {
        try (RespClient a = server.client(); RespClient p = server.client()) {
            p.call("RPUSH", "src", "v1", "v2");
            a.send("BRPOP", "dst", "0");
            awaitBlocked(1);
            p.call("RENAME", "src", "dst");
            assertThat(a.read()).isEqualTo(arr("dst", "v2"));
            assertThat(p.call("LRANGE", "dst", "0", "-1")).isEqualTo(arr("v1"));
        }
    }

    @Test
    void renameChainEndingOnTheWaitedKeyServes() {
        try (RespClient a = server.client(); RespClient p = server.client()) {
            a.send("BLPOP", "q", "0");
            awaitBlocked(1);
            p.call("RPUSH", "other", "x");
            p.call("RENAME", "other", "q2");
            awaitBlocked(1);
            p.call("RENAME", "q2", "q");
            assertThat(a.read()).isEqualTo(arr("q", "x"));
        }
    }

    @Test
    void disconnectWhileBlockedRemovesTheWaiter() {
        try (RespClient p = server.client()) {
            RespClient a = server.client();
            a.send("BLPOP", "q", "0");
            awaitBlocked(1);
            a.close();
            awaitBlocked(0);
            p.call("RPUSH", "q", "kept");
            assertThat(p.call("LRANGE", "q", "0", "-1")).isEqualTo(arr("kept"));
        }
    }

    @Test
    void pipelinedCommandsWaitUntilTheBlockingOneIsServed() throws Exception {
        try (RespClient a = server.client(); RespClient p = server.client()) {
            byte[] b1 = RespClient.encode("BLPOP".getBytes(), "q".getBytes(), "0".getBytes());
            byte[] b2 = RespClient.encode("RPUSH".getBytes(), "q".getBytes(), "after".getBytes());
            byte[] b3 = RespClient.encode("PING".getBytes());
            byte[] all = new byte[b1.length + b2.length + b3.length];
            System.arraycopy(b1, 0, all, 0, b1.length);
            System.arraycopy(b2, 0, all, b1.length, b2.length);
            System.arraycopy(b3, 0, all, b1.length + b2.length, b3.length);
            a.writeRaw(all);
            awaitBlocked(1);
            Thread.sleep(50);
            // the RPUSH behind the BLPOP has not run: the list does not exist
            assertThat(p.call("EXISTS", "q")).isEqualTo(new Resp.Int(0));
            a.send("PING", "late");
            p.call("RPUSH", "q", "x");
            assertThat(a.read()).isEqualTo(arr("q", "x"));
            assertThat(a.read()).isEqualTo(new Resp.Int(1));
            assertThat(a.read().asText()).isEqualTo("PONG");
            assertThat(a.read()).isEqualTo(bulk("late"));
            assertThat(p.call("LRANGE", "q", "0", "-1")).isEqualTo(arr("after"));
        }
    }

    @Test
    void clientUnblockWithTimeoutOrError() {
        try (RespClient a = server.client()) {
            long id = a.call("CLIENT", "ID") instanceof Resp.Int i ? i.value() : idOf(a);
            clientUnblock(a, id);
        }
    }

    private void clientUnblock(RespClient a, long id) {
        try (RespClient p = server.client()) {
            a.send("BLPOP", "q", "0");
            awaitBlocked(1);
            assertThat(p.call("CLIENT", "UNBLOCK", Long.toString(id))).isEqualTo(new Resp.Int(1));
            assertThat(a.read()).isEqualTo(new Resp.Null('*'));
            a.send("BLMOVE", "q", "d", "LEFT", "LEFT", "0");
            awaitBlocked(1);
            assertThat(p.call("CLIENT", "UNBLOCK", Long.toString(id), "error")).isEqualTo(new Resp.Int(1));
            assertThat(a.read()).isEqualTo(new Resp.Err("UNBLOCKED client unblocked via CLIENT UNBLOCK"));
            assertThat(p.call("CLIENT", "UNBLOCK", Long.toString(id))).isEqualTo(new Resp.Int(0));
            assertThat(p.call("CLIENT", "UNBLOCK", Long.toString(id), "maybe"))
                    .isEqualTo(new Resp.Err("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR"));
            assertThat(p.call("CLIENT", "UNBLOCK", "x"))
                    .isEqualTo(new Resp.Err("ERR value is not an integer or out of range"));
            assertThat(a.call("PING").asText()).isEqualTo("PONG");
        }
    }

    /** CLIENT ID belongs to the connection family; until it exists, the newest client is a (just connected). */
    private static long idOf(RespClient a) {
        var ctx = server.server().context();
        ctx.lock().lock();
        try {
            return ctx.clients().all().stream().mapToLong(dev.cinnabar.server.session.Client::id).max().orElseThrow();
        } finally {
            ctx.lock().unlock();
        }
    }

    @Test
    void blmoveChainsIntoAnotherBlockedClient() {
        try (RespClient a = server.client(); RespClient b = server.client(); RespClient p = server.client()) {
            a.send("BLMOVE", "src", "dst", "RIGHT", "LEFT", "0");
            awaitBlocked(1);
            b.send("BLPOP", "dst", "0");
            awaitBlocked(2);
            p.call("RPUSH", "src", "v");
            assertThat(a.read()).isEqualTo(bulk("v"));
            assertThat(b.read()).isEqualTo(arr("dst", "v"));
            assertThat(p.call("EXISTS", "src", "dst")).isEqualTo(new Resp.Int(0));
        }
    }

    @Test
    void blmoveToWrongTypeDestinationFailsAndLeavesTheElementForTheNext() {
        try (RespClient a = server.client(); RespClient b = server.client(); RespClient p = server.client()) {
            a.send("BRPOPLPUSH", "src", "dst", "0");
            awaitBlocked(1);
            b.send("BLPOP", "src", "0");
            awaitBlocked(2);
            p.call("SET", "dst", "x");
            p.call("LPUSH", "src", "v");
            assertThat(a.read()).isEqualTo(new Resp.Err("WRONGTYPE Operation against a key holding the wrong kind of value"));
            assertThat(b.read()).isEqualTo(arr("src", "v"));
        }
    }

    @Test
    void blmpopServesUpToCount() {
        try (RespClient a = server.client(); RespClient p = server.client()) {
            a.send("BLMPOP", "0", "2", "k1", "k2", "RIGHT", "COUNT", "2");
            awaitBlocked(1);
            p.call("RPUSH", "k2", "a", "b", "c");
            assertThat(a.read()).isEqualTo(new Resp.Agg('*', List.of(bulk("k2"), arr("c", "b"))));
        }
    }

    @Test
    void swapdbMakesWaitedKeysReady() {
        try (RespClient a = server.client(); RespClient p = server.client()) {
            a.send("BLPOP", "q", "0");
            awaitBlocked(1);
            p.call("SELECT", "1");
            p.call("RPUSH", "q", "from1");
            p.call("SWAPDB", "0", "1");
            assertThat(a.read()).isEqualTo(arr("q", "from1"));
        }
    }

    @Test
    void existingDataIsReturnedWithoutBlocking() {
        try (RespClient a = server.client()) {
            a.call("RPUSH", "q", "a", "b");
            assertThat(a.call("BLPOP", "none", "q", "0")).isEqualTo(arr("q", "a"));
            assertThat(a.call("BRPOP", "q", "0")).isEqualTo(arr("q", "b"));
            a.call("SET", "s", "x");
            assertThat(a.call("BLPOP", "none", "s", "0"))
                    .isEqualTo(new Resp.Err("WRONGTYPE Operation against a key holding the wrong kind of value"));
        }
    }

    @Test
    void blockingCommandsInsideMultiDoNotBlock() {
        try (RespClient a = server.client()) {
            a.call("MULTI");
            a.call("BLPOP", "q", "0");
            a.call("BRPOPLPUSH", "q", "d", "0");
            a.call("BLMPOP", "0", "1", "q", "LEFT");
            a.call("BLMOVE", "q", "d", "LEFT", "LEFT", "0");
            assertThat(a.call("EXEC")).isEqualTo(new Resp.Agg('*', List.of(new Resp.Null('*'), new Resp.Null('$'),
                    new Resp.Null('*'), new Resp.Null('$'))));
            awaitBlocked(0);
        }
    }

    @Test
    void waitersAreServedOnlyAfterTheWholeTransaction() {
        try (RespClient a = server.client(); RespClient p = server.client()) {
            a.send("BLPOP", "q", "0");
            awaitBlocked(1);
            p.call("MULTI");
            p.call("RPUSH", "q", "x");
            p.call("LPOP", "q");
            p.call("RPUSH", "q", "y");
            assertThat(p.call("EXEC")).isEqualTo(new Resp.Agg('*', List.of(new Resp.Int(1), bulk("x"), new Resp.Int(1))));
            assertThat(a.read()).isEqualTo(arr("q", "y"));
        }
    }

    @Test
    void infoCountsBlockedClientsAndTimeouts() {
        try (RespClient a = server.client(); RespClient b = server.client(); RespClient p = server.client()) {
            a.send("BLPOP", "q", "0");
            awaitBlocked(1);
            b.send("BLPOP", "q", "30");
            awaitBlocked(2);
            String info = p.call("INFO", "clients").asText();
            assertThat(info).contains("blocked_clients:2\r\n", "clients_in_timeout_table:1\r\n");
            p.call("RPUSH", "q", "1", "2");
            a.read();
            b.read();
            assertThat(p.call("INFO", "clients").asText()).contains("blocked_clients:0\r\n",
                    "clients_in_timeout_table:0\r\n");
        }
    }
}
