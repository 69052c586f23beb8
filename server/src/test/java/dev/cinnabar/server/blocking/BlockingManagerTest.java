package dev.cinnabar.server.blocking;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.server.ServerContext;
import dev.cinnabar.server.ServerCron;
import dev.cinnabar.server.config.ServerConfig;
import dev.cinnabar.server.protocol.Reply;
import dev.cinnabar.server.session.RecordingConnection;
import dev.cinnabar.server.store.ManualClock;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The blocking manager without a network: clients with a recording connection, commands through
 * the gate, time moved by a manual clock and the cron sweep driving timeouts.
 */
class BlockingManagerTest {
    private final ManualClock clock = new ManualClock(1_000_000);
    private final ServerContext ctx = dev.cinnabar.server.CinnabarServer.context(new ServerConfig(), clock);
    private final ServerCron cron = new ServerCron(ctx);
    private final BlockingManager bm;
    private long nextId = 1;

    BlockingManagerTest() {
        BlockingManager.install(ctx, cron);
        bm = BlockingManager.of(ctx);
    }

    @AfterEach
    void stop() {
        cron.close();
    }

    /** A client whose replies and deliveries are recorded as RESP text. */
    private RecordingConnection client() {
        return new RecordingConnection(ctx, nextId++, 2, "\r\n");
    }

    @Test
    void cronSweepTimesOutByTheInjectedClock() {
        RecordingConnection a = client();
        assertThat(a.call("BLPOP", "q", "1.5")).isEmpty();
        assertThat(bm.blockedClients()).isEqualTo(1);
        assertThat(a.client.blocked()).isTrue();
        clock.advance(1499);
        cron.tick();
        assertThat(a.take()).isEmpty();
        clock.advance(1);
        cron.tick();
        assertThat(a.take()).isEqualTo("*-1\r\n");
        assertThat(bm.blockedClients()).isZero();
        assertThat(a.client.blocked()).isFalse();
        assertThat(a.resumed).isEqualTo(1);
        assertThat(bm.waitersOn(ctx.keyspace().db(0), "q".getBytes())).isZero();
    }

    @Test
    void zeroTimeoutWaitsForever() {
        RecordingConnection a = client();
        a.call("BRPOP", "q", "0");
        clock.advance(365L * 24 * 3600 * 1000);
        cron.tick();
        assertThat(a.take()).isEmpty();
        assertThat(bm.blockedClients()).isEqualTo(1);
    }

    @Test
    void servesFirstBlockedFirstAndCleansUpEveryKey() {
        RecordingConnection a = client();
        RecordingConnection b = client();
        RecordingConnection p = client();
        a.call("BLPOP", "k1", "k2", "0");
        b.call("BLPOP", "k2", "0");
        assertThat(bm.blockingKeys()).isEqualTo(2);
        assertThat(p.call("RPUSH", "k2", "x")).isEqualTo(":1\r\n");
        assertThat(a.take()).isEqualTo("*2\r\n$2\r\nk2\r\n$1\r\nx\r\n");
        assertThat(b.take()).isEmpty();
        // a left both keys' queues; b still waits on k2 only
        assertThat(bm.waitersOn(ctx.keyspace().db(0), "k1".getBytes())).isZero();
        assertThat(bm.waitersOn(ctx.keyspace().db(0), "k2".getBytes())).isEqualTo(1);
        p.call("RPUSH", "k1", "y");
        assertThat(b.take()).isEmpty();
        p.call("RPUSH", "k2", "z");
        assertThat(b.take()).isEqualTo("*2\r\n$2\r\nk2\r\n$1\r\nz\r\n");
        assertThat(bm.blockedClients()).isZero();
        assertThat(bm.blockingKeys()).isZero();
    }

    @Test
    void closingABlockedClientForgetsIt() {
        RecordingConnection a = client();
        a.call("BLMOVE", "s", "d", "LEFT", "RIGHT", "0");
        ctx.lock().lock();
        try {
            ctx.clients().remove(a.client);
            ctx.clientClosed(a.client);
        } finally {
            ctx.lock().unlock();
        }
        assertThat(bm.blockedClients()).isZero();
        RecordingConnection p = client();
        p.call("RPUSH", "s", "v");
        assertThat(p.call("LLEN", "s")).isEqualTo(":1\r\n");
    }

    @Test
    void unblockByRequestRepliesAsTimeoutOrError() {
        RecordingConnection a = client();
        RecordingConnection p = client();
        a.call("BLMPOP", "0", "1", "q", "LEFT");
        assertThat(p.call("CLIENT", "UNBLOCK", Long.toString(a.client.id()), "TIMEOUT")).isEqualTo(":1\r\n");
        assertThat(a.take()).isEqualTo("*-1\r\n");
        a.call("BLPOP", "q", "0");
        assertThat(p.call("CLIENT", "UNBLOCK", Long.toString(a.client.id()), "ERROR")).isEqualTo(":1\r\n");
        assertThat(a.take()).isEqualTo("-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n");
        assertThat(p.call("CLIENT", "UNBLOCK", Long.toString(a.client.id()))).isEqualTo(":0\r\n");
        assertThat(p.call("CLIENT", "UNBLOCK", "999")).isEqualTo(":0\r\n");
    }

    @Test
    void aFailingWaiterUnblocksItsClientAndTheOthersAreServed() {
        RecordingConnection a = client();
        RecordingConnection b = client();
        RecordingConnection p = client();
        ctx.lock().lock();
        try {
            bm.block(a.client, List.of("q".getBytes()), 0, "list", (c, db, k) -> {
                throw new IllegalStateException("boom");
            }, Reply::nullArray);
        } finally {
            ctx.lock().unlock();
        }
        b.call("BLPOP", "q", "0");
        assertThat(p.call("RPUSH", "q", "v")).isEqualTo(":1\r\n");
        assertThat(a.take()).isEqualTo("*-1\r\n");
        assertThat(b.take()).isEqualTo("*2\r\n$1\r\nq\r\n$1\r\nv\r\n");
        assertThat(bm.blockedClients()).isZero();
    }

    @Test
    void timeoutParsingFollowsRedis() {
        List<String> bad = new ArrayList<>();
        for (String s : new String[] {"", " 1", "1 ", "abc", "nan", "1.5x", "e5", "1e", "--1", "1e99999"}) {
            if (Timeouts.parseSeconds(s.getBytes(StandardCharsets.UTF_8)) != Timeouts.NOT_FLOAT) {
                bad.add(s);
            }
        }
        assertThat(bad).as("should be 'not a float'").isEmpty();
        assertThat(Timeouts.parseSeconds("-1".getBytes())).isEqualTo(Timeouts.NEGATIVE);
        assertThat(Timeouts.parseSeconds("inf".getBytes())).isEqualTo(Timeouts.NEGATIVE);
        assertThat(Timeouts.parseSeconds("-inf".getBytes())).isEqualTo(Timeouts.NEGATIVE);
        assertThat(Timeouts.parseSeconds("1e30".getBytes())).isEqualTo(Timeouts.NEGATIVE);
        assertThat(Timeouts.parseSeconds("9223372036854775.808".getBytes())).isEqualTo(Timeouts.NEGATIVE);
        assertThat(Timeouts.parseSeconds("0".getBytes())).isZero();
        assertThat(Timeouts.parseSeconds("-0".getBytes())).isZero();
        assertThat(Timeouts.parseSeconds("-0.0001".getBytes())).isZero();
        assertThat(Timeouts.parseSeconds("0.0001".getBytes())).isEqualTo(1);
        assertThat(Timeouts.parseSeconds("1e-400".getBytes())).isEqualTo(1);
        assertThat(Timeouts.parseSeconds("1.5".getBytes())).isEqualTo(1500);
        assertThat(Timeouts.parseSeconds(".5".getBytes())).isEqualTo(500);
        assertThat(Timeouts.parseSeconds("+2".getBytes())).isEqualTo(2000);
        assertThat(Timeouts.parseSeconds("0x10".getBytes())).isEqualTo(16000);
        assertThat(Timeouts.parseSeconds("1E3".getBytes())).isEqualTo(1_000_000);
    }
}
