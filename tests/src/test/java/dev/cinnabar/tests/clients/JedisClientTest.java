package dev.cinnabar.tests.clients;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cinnabar.server.CinnabarServer;
import dev.cinnabar.testkit.CinnabarExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPool;
import redis.clients.jedis.JedisPoolConfig;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisDataException;

/** Jedis 5 (the most used Java client) against the embedded server: plain, pooled, pipelined, AUTH. */
class JedisClientTest {
    @RegisterExtension
    static CinnabarExtension server = new CinnabarExtension();

    @Test
    void basicStringAndKeyCommands() {
        try (Jedis j = new Jedis("127.0.0.1", server.port())) {
            assertThat(j.ping()).isEqualTo("PONG");
            assertThat(j.echo("héllo")).isEqualTo("héllo");
            assertThat(j.set("jedis:a", "1")).isEqualTo("OK");
            assertThat(j.get("jedis:a")).isEqualTo("1");
            assertThat(j.get("jedis:missing")).isNull();
            assertThat(j.exists("jedis:a", "jedis:missing", "jedis:a")).isEqualTo(2);
            assertThat(j.del("jedis:a", "jedis:missing")).isEqualTo(1);
            assertThat(j.exists("jedis:a")).isFalse();
            byte[] binary = {0, (byte) 0xff, '\r', '\n', 'x'};
            j.set("jedis:bin".getBytes(), binary);
            assertThat(j.get("jedis:bin".getBytes())).isEqualTo(binary);
            assertThatThrownBy(() -> j.sendCommand(() -> "NOSUCHCMD".getBytes(), "x"))
                    .isInstanceOf(JedisDataException.class)
                    .hasMessage("ERR unknown command 'NOSUCHCMD', with args beginning with: 'x' ");
            assertThat(j.clientInfo()).contains("resp=2", "db=0");
            assertThat(j.select(1)).isEqualTo("OK");
            assertThat(j.get("jedis:bin")).isNull();
            assertThat(j.dbSize()).isEqualTo(0);
        }
    }

    @Test
    void pooledClientsFromManyThreads() throws Exception {
        JedisPoolConfig cfg = new JedisPoolConfig();
        cfg.setMaxTotal(8);
        try (JedisPool pool = new JedisPool(cfg, "127.0.0.1", server.port());
             JedisPooled pooled = new JedisPooled("127.0.0.1", server.port())) {
            ExecutorService ex = Executors.newFixedThreadPool(8);
            try {
                List<Future<?>> fs = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    int id = t;
                    fs.add(ex.submit(() -> {
                        for (int i = 0; i < 200; i++) {
                            try (Jedis j = pool.getResource()) {
                                String k = "pool:" + id + ":" + i;
                                j.set(k, Integer.toString(i));
                                assertThat(j.get(k)).isEqualTo(Integer.toString(i));
                            }
                        }
                    }));
                }
                for (Future<?> f : fs) {
                    f.get(60, TimeUnit.SECONDS);
                }
            } finally {
                ex.shutdownNow();
            }
            assertThat(pooled.get("pool:7:199")).isEqualTo("199");
            assertThat(pooled.exists("pool:0:0")).isTrue();
            assertThat(pool.getNumActive()).isZero();
        }
    }

    @Test
    void pipelineOfThousandsOfCommands() {
        try (Jedis j = new Jedis("127.0.0.1", server.port())) {
            Pipeline p = j.pipelined();
            List<Response<String>> gets = new ArrayList<>();
            for (int i = 0; i < 5000; i++) {
                p.set("pipe:" + i, "v" + i);
                gets.add(p.get("pipe:" + i));
            }
            Response<Long> exists = p.exists("pipe:0", "pipe:4999", "pipe:5000");
            p.sync();
            for (int i = 0; i < 5000; i++) {
                assertThat(gets.get(i).get()).isEqualTo("v" + i);
            }
            assertThat(exists.get()).isEqualTo(2);
        }
    }

    @Test
    void authWithRequirepass() {
        try (CinnabarServer s = CinnabarServer.builder().setting("requirepass", "s3cret").start()) {
            HostAndPort hp = new HostAndPort("127.0.0.1", s.port());
            try (Jedis anonymous = new Jedis(hp)) {
                assertThatThrownBy(() -> anonymous.get("k")).isInstanceOf(JedisDataException.class)
                        .hasMessage("NOAUTH Authentication required.");
                assertThatThrownBy(() -> anonymous.auth("wrong")).isInstanceOf(JedisDataException.class)
                        .hasMessage("WRONGPASS invalid username-password pair or user is disabled.");
                assertThat(anonymous.auth("s3cret")).isEqualTo("OK");
                assertThat(anonymous.set("k", "v")).isEqualTo("OK");
            }
            try (Jedis j = new Jedis(hp, DefaultJedisClientConfig.builder().password("s3cret").build())) {
                assertThat(j.get("k")).isEqualTo("v");
            }
            try (JedisPooled p = new JedisPooled(hp, DefaultJedisClientConfig.builder().password("s3cret").build())) {
                assertThat(p.get("k")).isEqualTo("v");
            }
        }
    }
}
