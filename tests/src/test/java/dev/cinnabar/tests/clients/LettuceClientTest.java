package dev.cinnabar.tests.clients;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.testkit.CinnabarExtension;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.LettuceFutures;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.StatefulRedisConnectionImpl;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.protocol.ProtocolVersion;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Lettuce 6 (Netty-based, RESP3 by default) against the embedded server: sync, async, pipelining. */
class LettuceClientTest {
    @RegisterExtension
    static CinnabarExtension server = new CinnabarExtension();

    static RedisClient client;

    @BeforeAll
    static void client() {
        client = RedisClient.create();
        client.setDefaultTimeout(Duration.ofSeconds(10));
    }

    @AfterAll
    static void shutdown() {
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }

    private StatefulRedisConnection<String, String> connect(ProtocolVersion v) {
        client.setOptions(ClientOptions.builder().protocolVersion(v).build());
        return client.connect(RedisURI.create("127.0.0.1", server.port()));
    }

    @Test
    void syncCommandsOverResp2() {
        try (StatefulRedisConnection<String, String> c = connect(ProtocolVersion.RESP2)) {
            RedisCommands<String, String> r = c.sync();
            assertThat(r.ping()).isEqualTo("PONG");
            assertThat(r.set("lettuce:a", "1")).isEqualTo("OK");
            assertThat(r.get("lettuce:a")).isEqualTo("1");
            assertThat(r.get("lettuce:missing")).isNull();
            assertThat(r.exists("lettuce:a", "lettuce:missing")).isEqualTo(1);
            assertThat(r.echo("x y")).isEqualTo("x y");
            assertThat(r.del("lettuce:a")).isEqualTo(1);
        }
    }

    @Test
    void asyncCommands() throws Exception {
        try (StatefulRedisConnection<String, String> c = connect(ProtocolVersion.RESP2)) {
            RedisAsyncCommands<String, String> a = c.async();
            List<RedisFuture<String>> sets = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                sets.add(a.set("async:" + i, "v" + i));
            }
            assertThat(LettuceFutures.awaitAll(Duration.ofSeconds(30), sets.toArray(new RedisFuture[0]))).isTrue();
            assertThat(a.get("async:999").get(10, TimeUnit.SECONDS)).isEqualTo("v999");
            assertThat(a.dbsize().get(10, TimeUnit.SECONDS)).isGreaterThanOrEqualTo(1000);
        }
    }

    @Test
    void pipeliningWithManualFlush() throws Exception {
        try (StatefulRedisConnection<String, String> c = connect(ProtocolVersion.RESP2)) {
            c.setAutoFlushCommands(false);
            RedisAsyncCommands<String, String> a = c.async();
            List<RedisFuture<?>> fs = new ArrayList<>();
            List<RedisFuture<String>> gets = new ArrayList<>();
            for (int i = 0; i < 2000; i++) {
                fs.add(a.set("lpipe:" + i, Integer.toString(i)));
                RedisFuture<String> g = a.get("lpipe:" + i);
                gets.add(g);
                fs.add(g);
            }
            assertThat(gets.get(0).isDone()).isFalse(); // nothing sent before the flush
            c.flushCommands();
            assertThat(LettuceFutures.awaitAll(Duration.ofSeconds(30), fs.toArray(new RedisFuture[0]))).isTrue();
            for (int i = 0; i < 2000; i++) {
                assertThat(gets.get(i).get()).isEqualTo(Integer.toString(i));
            }
        }
    }

    /** Lettuce's default: HELLO 3 on connect, then RESP3 replies. */
    @Test
    void resp3ByDefault() {
        client.setOptions(ClientOptions.create());
        try (StatefulRedisConnection<String, String> c = client.connect(RedisURI.create("127.0.0.1", server.port()))) {
            RedisCommands<String, String> r = c.sync();
            assertThat(r.set("resp3:a", "1")).isEqualTo("OK");
            assertThat(r.get("resp3:a")).isEqualTo("1");
            assertThat(r.get("resp3:missing")).isNull();
            assertThat(r.clientInfo()).contains("resp=3");
            // Lettuce falls back to RESP2 silently when HELLO fails: check what was negotiated
            assertThat(((StatefulRedisConnectionImpl<String, String>) c).getConnectionState()
                    .getNegotiatedProtocolVersion()).isEqualTo(ProtocolVersion.RESP3);
        }
    }
}
