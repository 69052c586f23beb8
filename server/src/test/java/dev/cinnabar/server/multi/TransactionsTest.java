package dev.cinnabar.server.multi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.server.ServerContext;
import dev.cinnabar.server.ServerCron;
import dev.cinnabar.server.config.ServerConfig;
import dev.cinnabar.server.pubsub.PubSub;
import dev.cinnabar.server.session.RecordingConnection;
import dev.cinnabar.server.store.ManualClock;
import dev.cinnabar.server.tracking.Tracking;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * MULTI/WATCH, pub/sub delivery and tracking without a network: recording connections, commands
 * through the gate, time moved by a manual clock (expiry between WATCH and EXEC, no sleeps).
 */
class TransactionsTest {
    private final ManualClock clock = new ManualClock(1_000_000);
    private final ServerContext ctx = dev.cinnabar.server.CinnabarServer.context(new ServerConfig(), clock);
    private final ServerCron cron = new ServerCron(ctx);
    private long nextId = 1;

    TransactionsTest() {
        Transactions.install(ctx);
        PubSub.install(ctx);
        Tracking.install(ctx, cron);
    }

    @AfterEach
    void stop() {
        cron.close();
    }

    /** A client whose replies and deliveries are recorded as RESP text, CRLFs shown as spaces. */
    private RecordingConnection client(int protocol) {
        return new RecordingConnection(ctx, nextId++, protocol, " ");
    }

    @Test
    void watchedKeyExpiringBeforeExecAbortsIt() {
        RecordingConnection c = client(2);
        c.call("SET", "k", "v", "PX", "100");
        c.call("WATCH", "k");
        clock.advance(200);
        c.call("MULTI");
        c.call("PING");
        assertThat(c.call("EXEC")).isEqualTo("*-1 ");
    }

    @Test
    void keyExpiredWhenWatchedAndThenDeletedIsNoChange() {
        RecordingConnection c = client(2);
        c.call("SET", "k", "v", "PX", "100");
        clock.advance(200);
        c.call("WATCH", "k");
        assertThat(c.call("GET", "k")).isEqualTo("$-1 "); // lazy expiry deletes it
        c.call("MULTI");
        c.call("PING");
        assertThat(c.call("EXEC")).isEqualTo("*1 +PONG ");
    }

    @Test
    void queuedCommandsRunInOneExecWithFrozenTime() {
        RecordingConnection c = client(2);
        c.call("MULTI");
        assertThat(c.call("SET", "k", "1")).isEqualTo("+QUEUED ");
        c.call("INCR", "k");
        assertThat(c.call("EXEC")).isEqualTo("*2 +OK :2 ");
        assertThat(Transactions.queuedCount(c.client)).isEqualTo(-1);
    }

    @Test
    void resp3PublishIsAPushAndResp2AnArray() {
        RecordingConnection r3 = client(3);
        RecordingConnection r2 = client(2);
        RecordingConnection pub = client(2);
        r3.call("SUBSCRIBE", "ch");
        r2.call("SUBSCRIBE", "ch");
        assertThat(pub.call("PUBLISH", "ch", "hi")).isEqualTo(":2 ");
        assertThat(r3.take()).isEqualTo(">3 $7 message $2 ch $2 hi ");
        assertThat(r2.take()).isEqualTo("*3 $7 message $2 ch $2 hi ");
    }

    @Test
    void trackingInvalidatesOtherWritersAndOwnWritesAfterTheReply() {
        RecordingConnection t = client(3);
        RecordingConnection w = client(2);
        t.call("CLIENT", "TRACKING", "on");
        t.call("GET", "a");
        w.call("SET", "a", "1");
        assertThat(t.take()).isEqualTo(">2 $10 invalidate *1 $1 a ");
        t.call("GET", "a");
        assertThat(t.call("SET", "a", "2")).isEqualTo("+OK >2 $10 invalidate *1 $1 a ");
    }

    @Test
    void trackingTableIsBoundedAfterEachCommand() {
        ctx.config().trackingTableMaxKeys = 1;
        RecordingConnection t = client(3);
        t.call("CLIENT", "TRACKING", "on");
        String r = t.call("MGET", "x", "y", "z");
        // The reply, then the invalidation of the two keys evicted to get back under the limit.
        assertThat(r).startsWith("*3 _ _ _ ");
        assertThat(r.split("invalidate", -1)).hasSize(3);
        assertThat(Tracking.of(ctx).trackedKeys()).isEqualTo(1);
    }
}
