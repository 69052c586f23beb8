package dev.cinnabar.tests.sentinel;

import static dev.cinnabar.tests.sentinel.Sentinels.await;
import static dev.cinnabar.tests.sentinel.Sentinels.master;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.testkit.RealRedis;
import dev.cinnabar.testkit.RespClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.concurrent.TimeUnit;
import org.redisson.Redisson;
import org.redisson.api.RBucket;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;
import org.redisson.config.Config;
import org.redisson.config.ReadMode;
import org.springframework.data.redis.connection.RedisSentinelConfiguration;
import org.springframework.data.redis.connection.jedis.JedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
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
 * there. With Cinnabar servers too: Redisson, Spring Data Redis (Lettuce and Jedis), Jedis's pool
 * and python-redis's Sentinel across one failover.
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
                    // Lettuce takes the first sentinel's answer: wait until every sentinel has
                    // switched (the leader's followers learn it from its hello, a moment later;
                    // Jedis followed the first +switch-master it saw)
                    for (Sentinels.Running s : all) {
                        await(30, "sentinel " + s.port() + " names the promoted replica", () -> Sentinels.call(s.port(),
                                "SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster").toString()
                                .contains("\"" + replica.port() + "\""));
                    }
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

    /** A python-redis Sentinel client: finds the master, writes, waits for a line, writes again (retrying). */
    static final String PYTHON_SENTINEL = String.join("\n",
            "import sys, time, redis",
            "from redis.sentinel import Sentinel",
            "ports = [int(p) for p in sys.argv[1:]]",
            "s = Sentinel([('127.0.0.1', p) for p in ports], socket_timeout=2)",
            "m = s.master_for('mymaster', socket_timeout=2)",
            "assert m.set('py', 'before') is True",
            "print('before', s.discover_master('mymaster')[1], flush=True)",
            "sys.stdin.readline()",
            "deadline = time.time() + 60",
            "while True:",
            "    try:",
            "        assert m.set('py', 'after') is True",
            "        break",
            "    except (redis.ConnectionError, redis.TimeoutError, redis.ReadOnlyError) as e:",
            "        if time.time() > deadline:",
            "            raise",
            "        time.sleep(0.1)",
            "print('after', m.connection_pool.get_master_address()[1], flush=True)",
            "");

    /**
     * Cinnabar sentinels and Cinnabar servers (bin/cinnabar-server processes): Redisson's sentinel
     * mode, Spring Data Redis's RedisSentinelConfiguration with Lettuce and with Jedis, Jedis's
     * pool and python-redis's Sentinel each find the master and write; after kill -9 of the master
     * each writes again through the same object, which must land on the promoted replica.
     */
    @Test
    void clientsFollowAFailoverOfCinnabarServers(@TempDir Path dir) throws Exception {
        String py = dev.cinnabar.testkit.Tools.requirePythonRedis();
        List<Deployment.Kind> ours = List.of(Deployment.Kind.CINNABAR, Deployment.Kind.CINNABAR, Deployment.Kind.CINNABAR);
        try (Deployment d = Deployment.start(dir, Deployment.Kind.CINNABAR, 1, ours)) {
            int oldPort = d.servers.get(0).port();
            int replicaPort = d.servers.get(1).port();
            List<Integer> ports = d.sentinels.stream().map(Sentinels.Running::port).toList();
            RedisSentinelConfiguration sentinelConfig = new RedisSentinelConfiguration().master("mymaster");
            ports.forEach(p -> sentinelConfig.sentinel("127.0.0.1", p));
            Config rc = new Config();
            rc.setThreads(2).setNettyThreads(4);
            rc.useSentinelServers().setMasterName("mymaster").setReadMode(ReadMode.MASTER).setScanInterval(500)
                    .setTimeout(2000).setRetryAttempts(1).setRetryInterval(200)
                    .addSentinelAddress(ports.stream().map(p -> "redis://127.0.0.1:" + p).toArray(String[]::new));
            Set<String> jedisSentinels = new java.util.HashSet<>();
            ports.forEach(p -> jedisSentinels.add("127.0.0.1:" + p));
            List<String> pyCmd = new ArrayList<>(List.of(py, "-c", PYTHON_SENTINEL));
            ports.forEach(p -> pyCmd.add(Integer.toString(p)));
            Process python = new ProcessBuilder(pyCmd).redirectError(dir.resolve("python.err").toFile()).start();
            RedissonClient redisson = Redisson.create(rc);
            LettuceConnectionFactory lettuce = new LettuceConnectionFactory(sentinelConfig);
            JedisConnectionFactory jedis = new JedisConnectionFactory(sentinelConfig);
            try (JedisSentinelPool pool = new JedisSentinelPool("mymaster", jedisSentinels);
                 BufferedReader pyOut = new BufferedReader(new InputStreamReader(python.getInputStream()));
                 Writer pyIn = new OutputStreamWriter(python.getOutputStream())) {
                for (var f : List.of(lettuce, jedis)) {
                    f.afterPropertiesSet();
                    f.start();
                }
                StringRedisTemplate viaLettuce = new StringRedisTemplate(lettuce);
                StringRedisTemplate viaJedis = new StringRedisTemplate(jedis);
                RBucket<String> bucket = redisson.getBucket("redisson", StringCodec.INSTANCE);
                // before: every client reaches the master
                bucket.set("before");
                viaLettuce.opsForValue().set("spring-lettuce", "before");
                viaJedis.opsForValue().set("spring-jedis", "before");
                try (Jedis j = pool.getResource()) {
                    assertThat(port(j)).isEqualTo(oldPort);
                    j.set("jedis", "before");
                }
                assertThat(pyOut.readLine()).isEqualTo("before " + oldPort);
                try (RespClient c = new RespClient(oldPort)) {
                    assertThat(c.call("MGET", "redisson", "spring-lettuce", "spring-jedis", "jedis", "py").toString())
                            .isEqualTo("*[\"before\", \"before\", \"before\", \"before\", \"before\"]");
                }
                Deployment.Failover f = d.killMasterAndFailOver(60);
                assertThat(f.newPort()).isEqualTo(replicaPort);
                // after: the same client objects write again, retrying while they catch up
                pyIn.write("go\n");
                pyIn.flush();
                awaitWrite("Redisson", () -> bucket.set("after"));
                awaitWrite("Spring Data Redis with Lettuce", () -> viaLettuce.opsForValue().set("spring-lettuce", "after"));
                awaitWrite("Spring Data Redis with Jedis", () -> viaJedis.opsForValue().set("spring-jedis", "after"));
                awaitWrite("JedisSentinelPool", () -> {
                    try (Jedis j = pool.getResource()) {
                        j.set("jedis", "after");
                    }
                });
                assertThat(pyOut.readLine()).isEqualTo("after " + replicaPort);
                assertThat(python.waitFor(30, TimeUnit.SECONDS)).isTrue();
                assertThat(python.exitValue()).as(Files.readString(dir.resolve("python.err"))).isZero();
                try (RespClient c = new RespClient(replicaPort)) {
                    assertThat(c.call("MGET", "redisson", "spring-lettuce", "spring-jedis", "jedis", "py").toString())
                            .isEqualTo("*[\"after\", \"after\", \"after\", \"after\", \"after\"]");
                }
            } finally {
                python.destroyForcibly();
                redisson.shutdown(0, 2, TimeUnit.SECONDS);
                lettuce.destroy();
                jedis.destroy();
            }
        }
    }

    /** Retries a client's write (each attempt may fail while it finds the new master) for up to 60 s. */
    private static void awaitWrite(String client, Runnable write) {
        await(60, client + " writes to the new master", () -> {
            try {
                write.run();
                return true;
            } catch (RuntimeException notYet) {
                return false;
            }
        });
    }

    /** The port of the server a pooled connection reaches (as that server reports it). */
    private static int port(Jedis j) {
        return Integer.parseInt(j.configGet("port").get("port"));
    }
}
