package dev.cinnabar.server.multi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.server.ServerContext;
import dev.cinnabar.server.ServerCron;
import dev.cinnabar.server.config.ServerConfig;
import dev.cinnabar.server.protocol.Reply;
import dev.cinnabar.server.protocol.RespWriter;
import dev.cinnabar.server.pubsub.PubSub;
import dev.cinnabar.server.session.Client;
import dev.cinnabar.server.session.Connection;
import dev.cinnabar.server.store.ManualClock;
import dev.cinnabar.server.tracking.Tracking;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * MULTI/WATCH, pub/sub delivery and tracking without a network: recording connections, commands
 * through the gate, time moved by a manual clock (expiry between WATCH and EXEC, no sleeps).
 */
class TransactionsTest {
    private final ManualClock clock = new ManualClock(1_000_000);
    private final ServerContext ctx = new ServerContext(new ServerConfig(), clock);
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

    /** A client whose replies and deliveries are recorded as RESP text. */
    final class FakeClient implements Connection {
        final ByteBuf out = Unpooled.buffer();
        final RespWriter writer = new RespWriter();
        final Client client;

        FakeClient(int protocol) {
            writer.target(out);
            writer.protocol(protocol);
            client = new Client(nextId++, ctx, this, writer);
            ctx.clients().add(client);
        }

        String call(String... args) {
            byte[][] argv = new byte[args.length][];
            for (int i = 0; i < args.length; i++) {
                argv[i] = args[i].getBytes(StandardCharsets.UTF_8);
            }
            ctx.lock().lock();
            try {
                client.request(argv, argv.length);
                ctx.dispatcher().call(client);
            } finally {
                ctx.lock().unlock();
            }
            return take();
        }

        String take() {
            String s = out.toString(StandardCharsets.UTF_8).replace("\r\n", " ");
            out.clear();
            return s;
        }

        @Override
        public void deliver(Consumer<Reply> message) {
            message.accept(writer);
        }

        @Override
        public String peerAddress() {
            return "127.0.0.1:1";
        }

        @Override
        public String localAddress() {
            return "127.0.0.1:2";
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }

        @Override
        public long pendingOutputBytes() {
            return 0;
        }

        @Override
        public void execute(Runnable task) {
            task.run();
        }
    }

    @Test
    void watchedKeyExpiringBeforeExecAbortsIt() {
        FakeClient c = new FakeClient(2);
        c.call("SET", "k", "v", "PX", "100");
        c.call("WATCH", "k");
        clock.advance(200);
        c.call("MULTI");
        c.call("PING");
        assertThat(c.call("EXEC")).isEqualTo("*-1 ");
    }

    @Test
    void keyExpiredWhenWatchedAndThenDeletedIsNoChange() {
        FakeClient c = new FakeClient(2);
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
        FakeClient c = new FakeClient(2);
        c.call("MULTI");
        assertThat(c.call("SET", "k", "1")).isEqualTo("+QUEUED ");
        c.call("INCR", "k");
        assertThat(c.call("EXEC")).isEqualTo("*2 +OK :2 ");
        assertThat(Transactions.queuedCount(c.client)).isEqualTo(-1);
    }

    @Test
    void resp3PublishIsAPushAndResp2AnArray() {
        FakeClient r3 = new FakeClient(3);
        FakeClient r2 = new FakeClient(2);
        FakeClient pub = new FakeClient(2);
        r3.call("SUBSCRIBE", "ch");
        r2.call("SUBSCRIBE", "ch");
        assertThat(pub.call("PUBLISH", "ch", "hi")).isEqualTo(":2 ");
        assertThat(r3.take()).isEqualTo(">3 $7 message $2 ch $2 hi ");
        assertThat(r2.take()).isEqualTo("*3 $7 message $2 ch $2 hi ");
    }

    @Test
    void trackingInvalidatesOtherWritersAndOwnWritesAfterTheReply() {
        FakeClient t = new FakeClient(3);
        FakeClient w = new FakeClient(2);
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
        FakeClient t = new FakeClient(3);
        t.call("CLIENT", "TRACKING", "on");
        String r = t.call("MGET", "x", "y", "z");
        // The reply, then the invalidation of the two keys evicted to get back under the limit.
        assertThat(r).startsWith("*3 _ _ _ ");
        assertThat(r.split("invalidate", -1)).hasSize(3);
        assertThat(Tracking.of(ctx).trackedKeys()).isEqualTo(1);
    }
}
