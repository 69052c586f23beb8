package dev.cinnabar.tests.sentinel;

import static dev.cinnabar.tests.sentinel.Sentinels.await;
import static dev.cinnabar.tests.sentinel.Sentinels.master;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.testkit.RealRedis;
import dev.cinnabar.testkit.RespClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisSentinelPool;

/**
 * Clients that follow Sentinel, unchanged, against three of our sentinels (quorum 2, as the
 * notes deploy them) watching a real master and replica: Jedis's JedisSentinelPool and Lettuce's
 * sentinel URI find the master, and after kill -9 of it both reach the promoted replica and write
 * there.
 */
class SentinelClientsTest {

    @Test
    void jedisAndLettuceFollowAFailover(@TempDir Path dir) throws Exception {
        Sentinels.assumeAvailable();
        RealRedis m = RealRedis.start("--repl-diskless-sync-delay", "0");
        int oldPort = m.port();
        try (RealRedis replica = RealRedis.start("--replicaof", "127.0.0.1", Integer.toString(oldPort))) {
            String[] extra = {"sentinel down-after-milliseconds mymaster 2000", "sentinel failover-timeout mymaster 20000"};
            try (Sentinels.Running s1 = Sentinels.ours(Sentinels.conf(dir, "s1", Sentinels.freePort(), oldPort, 2, extra));
                 Sentinels.Running s2 = Sentinels.ours(Sentinels.conf(dir, "s2", Sentinels.freePort(), oldPort, 2, extra));
                 Sentinels.Running s3 = Sentinels.ours(Sentinels.conf(dir, "s3", Sentinels.freePort(), oldPort, 2, extra))) {
                List<Sentinels.Running> all = List.of(s1, s2, s3);
                for (Sentinels.Running s : all) {
                    await(90, "sentinel " + s.port() + " sees the replica and 2 sentinels", () -> {
                        var f = master(s.port());
                        return f.get("num-slaves").equals("1") && f.get("num-other-sentinels").equals("2");
                    });
                }
                Set<String> sentinels = Set.of("127.0.0.1:" + s1.port(), "127.0.0.1:" + s2.port(), "127.0.0.1:" + s3.port());
                RedisURI uri = RedisURI.Builder.sentinel("127.0.0.1", s1.port(), "mymaster")
                        .withSentinel("127.0.0.1", s2.port()).withSentinel("127.0.0.1", s3.port())
                        .withTimeout(Duration.ofSeconds(5)).build();
                RedisClient lettuce = RedisClient.create();
                try (JedisSentinelPool pool = new JedisSentinelPool("mymaster", sentinels)) {
                    try (Jedis j = pool.getResource()) {
                        assertThat(port(j)).isEqualTo(oldPort);
                        j.set("k", "before");
                    }
                    try (StatefulRedisConnection<String, String> c = lettuce.connect(uri)) {
                        assertThat(c.sync().get("k")).isEqualTo("before");
                    }
                    try (RespClient c = new RespClient(oldPort)) {
                        assertThat(c.call("WAIT", "1", "5000").asText()).isEqualTo("1");
                    }
                    long pid = Long.parseLong(Sentinels.infoField(oldPort, "server", "process_id"));
                    ProcessHandle.of(pid).orElseThrow().destroyForcibly(); // SIGKILL
                    // Jedis follows +switch-master on its sentinel subscription; Lettuce asks on connect
                    await(90, "Jedis's pool hands out the promoted replica", () -> {
                        try (Jedis j = pool.getResource()) {
                            return port(j) == replica.port() && "OK".equals(j.set("k", "after"));
                        } catch (RuntimeException notYet) {
                            return false;
                        }
                    });
                    try (StatefulRedisConnection<String, String> c = lettuce.connect(uri)) {
                        assertThat(c.sync().get("k")).isEqualTo("after");
                        assertThat(c.sync().set("k2", "by lettuce")).isEqualTo("OK");
                    }
                    try (RespClient c = new RespClient(replica.port())) {
                        assertThat(c.call("GET", "k2").asText()).isEqualTo("by lettuce");
                        assertThat(Sentinels.infoField(replica.port(), "replication", "role")).isEqualTo("master");
                    }
                } finally {
                    lettuce.shutdown();
                }
            }
        } finally {
            m.close();
        }
    }

    /** The port of the server a pooled connection reaches (as that server reports it). */
    private static int port(Jedis j) {
        return Integer.parseInt(j.configGet("port").get("port"));
    }
}
