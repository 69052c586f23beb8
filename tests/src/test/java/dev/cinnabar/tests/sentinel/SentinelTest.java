package dev.cinnabar.tests.sentinel;

import static dev.cinnabar.tests.sentinel.Sentinels.await;
import static dev.cinnabar.tests.sentinel.Sentinels.call;
import static dev.cinnabar.tests.sentinel.Sentinels.list;
import static dev.cinnabar.tests.sentinel.Sentinels.master;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.server.Main;
import dev.cinnabar.server.config.ConfigFile;
import dev.cinnabar.testkit.RealRedis;
import dev.cinnabar.testkit.Resp;
import dev.cinnabar.testkit.RespClient;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sentinel mode against redis-sentinel 7.0: the same start-up errors for bad sentinel.conf lines,
 * the same SENTINEL replies (field names, order, values that do not depend on timing) and errors
 * when both watch one real master, each discovering the replica and the other sentinel.
 */
class SentinelTest {
    private static final List<String> STABLE_MASTER_FIELDS = List.of("name", "ip", "port", "runid", "flags",
            "down-after-milliseconds", "role-reported", "config-epoch", "num-slaves", "num-other-sentinels", "quorum",
            "failover-timeout", "parallel-syncs");
    private static final List<String> STABLE_REPLICA_FIELDS = List.of("name", "ip", "port", "runid", "flags",
            "role-reported", "master-link-status", "master-host", "master-port", "slave-priority", "replica-announced");

    /** The fatal block redis-sentinel prints for a bad file, and ours. */
    @Test
    void badSentinelLinesStopStartUpWithRedisMessages(@TempDir Path dir) throws Exception {
        Sentinels.assumeAvailable();
        String[] bad = {
            "sentinel monitor m 127.0.0.1 6379",
            "sentinel monitor m 127.0.0.1 6379 0",
            "sentinel down-after-milliseconds m 1000",
            "sentinel monitor m 127.0.0.1 6379 2\nsentinel down-after-milliseconds m 0",
            "sentinel monitor m 127.0.0.1 6379 2\nsentinel foo m 0",
            "sentinel myid abc",
            "sentinel monitor m nosuchhost.invalid 6379 2",
            "sentinel monitor m 127.0.0.1 6379 2\nsentinel monitor m 127.0.0.1 6380 2",
            "sentinel deny-scripts-reconfig maybe",
            "sentinel resolve-hostnames perhaps",
            "sentinel monitor m 127.0.0.1 6379 2\nsentinel notification-script m /nonexistent/script",
            "sentinel monitor m 127.0.0.1 6379 2\nsentinel master-reboot-down-after-period m -1",
        };
        int i = 0;
        for (String text : bad) {
            Path conf = dir.resolve("bad" + i++ + ".conf");
            Files.writeString(conf, "port " + Sentinels.freePort() + "\n" + text + "\n");
            Process p = new ProcessBuilder(Sentinels.realBinary(), conf.toString()).redirectErrorStream(true).start();
            assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
            String real = new String(p.getInputStream().readAllBytes());
            String theirs = real.substring(real.indexOf("*** FATAL")).strip();
            String ours;
            try {
                Main.launch(new String[] {conf.toString(), "--sentinel"}, InputStream.nullInputStream(), false).server()
                        .close();
                ours = "(started)";
            } catch (ConfigFile.FatalConfigError e) {
                ours = e.getMessage().strip();
            }
            assertThat(ours).as(text).isEqualTo(theirs);
        }
        // not in sentinel mode, a sentinel line is an error of its own
        Path conf = dir.resolve("server.conf");
        Files.writeString(conf, "sentinel monitor m 127.0.0.1 6379 2\n");
        Process p = new ProcessBuilder(RealRedis.binary(), conf.toString()).redirectErrorStream(true).start();
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        String real = new String(p.getInputStream().readAllBytes());
        try {
            Main.launch(new String[] {conf.toString()}, InputStream.nullInputStream(), false).server().close();
            throw new AssertionError("started");
        } catch (ConfigFile.FatalConfigError e) {
            assertThat(e.getMessage().strip()).isEqualTo(real.substring(real.indexOf("*** FATAL")).strip());
        }
    }

    @Test
    void sameRepliesAsRedisSentinelWatchingOneMaster(@TempDir Path dir) throws Exception {
        Sentinels.assumeAvailable();
        try (RealRedis m = RealRedis.start();
             RealRedis r = RealRedis.start("--replicaof", "127.0.0.1", Integer.toString(m.port()), "--replica-priority",
                     "42")) {
            String[] extra = {"sentinel down-after-milliseconds mymaster 3000", "sentinel failover-timeout mymaster 30000",
                "sentinel deny-scripts-reconfig no"};
            try (Sentinels.Running real = Sentinels.real(Sentinels.conf(dir, "real", Sentinels.freePort(), m.port(), 2,
                         extra));
                 Sentinels.Running ours = Sentinels.ours(Sentinels.conf(dir, "ours", Sentinels.freePort(), m.port(), 2,
                         extra))) {
                int[] ports = {real.port(), ours.port()};
                for (int port : ports) {
                    await(60, "sentinel " + port + " sees the replica and the other sentinel", () -> {
                        Map<String, String> f = master(port);
                        return f.get("num-slaves").equals("1") && f.get("num-other-sentinels").equals("1")
                                && !f.get("runid").isEmpty()
                                && !list(call(port, "SENTINEL", "REPLICAS", "mymaster")).get(0).get("runid").isEmpty()
                                && list(call(port, "SENTINEL", "REPLICAS", "mymaster")).get(0).get("slave-priority")
                                        .equals("42");
                    });
                }
                Map<String, String> theirMaster = master(real.port());
                Map<String, String> ourMaster = master(ours.port());
                assertThat(new ArrayList<>(ourMaster.keySet())).isEqualTo(new ArrayList<>(theirMaster.keySet()));
                for (String f : STABLE_MASTER_FIELDS) {
                    assertThat(ourMaster.get(f)).as(f).isEqualTo(theirMaster.get(f));
                }
                Map<String, String> theirReplica = list(call(real.port(), "SENTINEL", "REPLICAS", "mymaster")).get(0);
                Map<String, String> ourReplica = list(call(ours.port(), "SENTINEL", "REPLICAS", "mymaster")).get(0);
                assertThat(new ArrayList<>(ourReplica.keySet())).isEqualTo(new ArrayList<>(theirReplica.keySet()));
                for (String f : STABLE_REPLICA_FIELDS) {
                    assertThat(ourReplica.get(f)).as(f).isEqualTo(theirReplica.get(f));
                }
                // each sees the other: same fields; the names are the ids
                Map<String, String> theyOnUs = list(call(real.port(), "SENTINEL", "SENTINELS", "mymaster")).get(0);
                Map<String, String> weOnThem = list(call(ours.port(), "SENTINEL", "SENTINELS", "mymaster")).get(0);
                assertThat(new ArrayList<>(weOnThem.keySet())).isEqualTo(new ArrayList<>(theyOnUs.keySet()));
                assertThat(theyOnUs.get("name")).isEqualTo(call(ours.port(), "SENTINEL", "MYID").asText());
                assertThat(weOnThem.get("name")).isEqualTo(call(real.port(), "SENTINEL", "MYID").asText());
                assertThat(theyOnUs.get("port")).isEqualTo(Integer.toString(ours.port()));
                assertThat(weOnThem.get("port")).isEqualTo(Integer.toString(real.port()));

                List<String[]> same = List.of(
                        new String[] {"SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster"},
                        new String[] {"SENTINEL", "GET-MASTER-ADDR-BY-NAME", "nope"},
                        new String[] {"SENTINEL", "MASTER", "nope"},
                        new String[] {"SENTINEL", "REPLICAS", "nope"},
                        new String[] {"SENTINEL", "CKQUORUM", "mymaster"},
                        new String[] {"SENTINEL", "IS-MASTER-DOWN-BY-ADDR", "127.0.0.1", Integer.toString(m.port()), "0", "*"},
                        new String[] {"SENTINEL", "IS-MASTER-DOWN-BY-ADDR", "127.0.0.1", "x", "0", "*"},
                        new String[] {"SENTINEL", "SET", "mymaster", "quorum", "0"},
                        new String[] {"SENTINEL", "SET", "mymaster", "foo", "1"},
                        new String[] {"SENTINEL", "SET", "mymaster", "down-after-milliseconds", "-1"},
                        new String[] {"SENTINEL", "SET", "nope", "quorum", "1"},
                        new String[] {"SENTINEL", "MONITOR", "mymaster", "127.0.0.1", Integer.toString(m.port()), "2"},
                        new String[] {"SENTINEL", "MONITOR", "x", "127.0.0.1", Integer.toString(m.port()), "0"},
                        new String[] {"SENTINEL", "MONITOR", "x", "host.invalid", "1", "1"},
                        new String[] {"SENTINEL", "REMOVE", "nope"},
                        new String[] {"SENTINEL", "FAILOVER", "nope"},
                        new String[] {"SENTINEL", "RESET", "nomatch*"},
                        new String[] {"SENTINEL", "CONFIG", "GET", "*"},
                        new String[] {"SENTINEL", "CONFIG", "SET", "resolve-hostnames", "maybe"},
                        new String[] {"SENTINEL", "CONFIG", "SET", "foo", "1"},
                        new String[] {"SENTINEL", "SIMULATE-FAILURE", "foo"},
                        new String[] {"SENTINEL", "DEBUG"},
                        new String[] {"SENTINEL", "DEBUG", "info-period", "abc"},
                        new String[] {"SENTINEL", "DEBUG", "info-period"},
                        new String[] {"SENTINEL", "DEBUG", "foo", "1"},
                        new String[] {"SENTINEL", "SET", "mymaster", "notification-script", "/nonexistent/script"},
                        new String[] {"SENTINEL", "PENDING-SCRIPTS"},
                        new String[] {"SENTINEL", "FOO"},
                        new String[] {"SENTINEL"},
                        new String[] {"PUBLISH", "foo", "bar"},
                        new String[] {"GET", "x"},
                        new String[] {"CONFIG", "GET", "port"},
                        new String[] {"ROLE"},
                        new String[] {"COMMAND", "COUNT"},
                        new String[] {"PING"});
                for (String[] cmd : same) {
                    Resp theirs = call(real.port(), cmd);
                    Resp mine = call(ours.port(), cmd);
                    assertThat(mine.toString()).as(String.join(" ", cmd)).isEqualTo(theirs.toString());
                }
                assertThat(Sentinels.infoField(ours.port(), "sentinel", "master0"))
                        .isEqualTo(Sentinels.infoField(real.port(), "sentinel", "master0"));
                assertThat(Sentinels.infoField(ours.port(), "server", "redis_mode")).isEqualTo("sentinel");
                // SENTINEL SET takes effect and is saved in the file, as in Redis
                for (int port : ports) {
                    assertThat(call(port, "SENTINEL", "SET", "mymaster", "parallel-syncs", "3", "quorum", "1").asText())
                            .isEqualTo("OK");
                    assertThat(master(port).get("parallel-syncs")).isEqualTo("3");
                }
                // a notification script runs for each warning event, with its type and text
                for (int port : ports) {
                    Path script = dir.resolve("notify-" + port + ".sh");
                    Files.writeString(script, "#!/bin/sh\necho \"$@\" >> " + dir.resolve("events-" + port) + "\n");
                    script.toFile().setExecutable(true);
                    // relative to "dir", where Redis runs (our JVM cannot change directory: it resolves it there)
                    assertThat(call(port, "SENTINEL", "SET", "mymaster", "notification-script",
                            script.getFileName().toString()).asText()).isEqualTo("OK");
                    assertThat(call(port, "SENTINEL", "SET", "mymaster", "quorum", "2").asText()).isEqualTo("OK");
                    Path events = dir.resolve("events-" + port);
                    // both +set events (the script's own setting included) reach it
                    await(30, "the notification script ran twice on " + port,
                            () -> Files.exists(events) && lines(events) == 2);
                }
                // the two runs are concurrent processes in Redis too: their order in the file is not fixed
                assertThat(Files.readString(dir.resolve("events-" + ours.port())).replace("notify-" + ours.port(), "notify")
                        .lines().sorted().toList())
                        .isEqualTo(Files.readString(dir.resolve("events-" + real.port())).replace("notify-" + real.port(),
                                "notify").lines().sorted().toList());
                for (Sentinels.Running s : List.of(real, ours)) {
                    String text = Files.readString(s.conf());
                    assertThat(text).as(s.conf().toString())
                            .contains("sentinel monitor mymaster 127.0.0.1 " + m.port() + " 2")
                            .contains("sentinel notification-script mymaster notify-")
                            .contains("sentinel parallel-syncs mymaster 3")
                            .contains("sentinel known-replica mymaster 127.0.0.1 " + r.port())
                            .contains("sentinel known-sentinel mymaster 127.0.0.1 ")
                            .contains("sentinel current-epoch 0")
                            .containsPattern("sentinel myid [0-9a-f]{40}");
                }
                // a file that cannot be written (a directory in its place): applied, not saved, an error
                for (Sentinels.Running s : List.of(real, ours)) {
                    Path saved = s.conf().resolveSibling(s.conf().getFileName() + ".bak");
                    Files.move(s.conf(), saved);
                    Files.createDirectory(s.conf());
                    try {
                        assertThat(call(s.port(), "SENTINEL", "SET", "mymaster", "quorum", "1").toString())
                                .as(s.conf().toString()).isEqualTo("-ERR Failed to save config file. Check server logs.");
                        assertThat(call(s.port(), "SENTINEL", "FLUSHCONFIG").toString())
                                .isEqualTo("-ERR Failed to save config file. Check server logs.");
                        assertThat(master(s.port()).get("quorum")).isEqualTo("1");
                    } finally {
                        Files.delete(s.conf());
                        Files.move(saved, s.conf());
                    }
                }
            }
        }
    }

    /**
     * resolve-hostnames / announce-hostnames and replica-announced, as redis-sentinel: a master
     * monitored by name and a replica announcing a name are shown by name (replies, the file), by
     * IP once announce-hostnames is off (a replica keeps the name it was first seen by); a replica
     * with replica-announced no is watched but left out of SENTINEL REPLICAS. Redis's Sentinel
     * suite: 08-hostname-conf, 10-replica-priority.
     */
    @Test
    void hostnamesAndUnannouncedReplicasAsRedisSentinel(@TempDir Path dir) throws Exception {
        Sentinels.assumeAvailable();
        try (RealRedis m = RealRedis.start();
             RealRedis r = RealRedis.start("--replicaof", "127.0.0.1", Integer.toString(m.port()),
                     "--replica-announce-ip", "localhost", "--replica-announced", "no")) {
            String[] extra = {"sentinel resolve-hostnames yes", "sentinel announce-hostnames yes",
                "sentinel down-after-milliseconds mymaster 3000"};
            try (Sentinels.Running real = Sentinels.real(Sentinels.conf(dir, "real", Sentinels.freePort(), "localhost",
                         m.port(), 2, extra));
                 Sentinels.Running ours = Sentinels.ours(Sentinels.conf(dir, "ours", Sentinels.freePort(), "localhost",
                         m.port(), 2, extra))) {
                List<Sentinels.Running> both = List.of(real, ours);
                for (Sentinels.Running s : both) {
                    await(60, "sentinel " + s.port() + " sees the replica and the other sentinel", () -> {
                        Map<String, String> f = master(s.port());
                        return f.get("num-slaves").equals("1") && f.get("num-other-sentinels").equals("1");
                    });
                }
                String[] addr = {"SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster"};
                String[] replicas = {"SENTINEL", "REPLICAS", "mymaster"};
                assertThat(call(real.port(), addr).toString()).contains("localhost");
                assertThat(call(ours.port(), addr).toString()).isEqualTo(call(real.port(), addr).toString());
                // watched (num-slaves 1) but not listed
                assertThat(call(ours.port(), replicas).toString()).isEqualTo(call(real.port(), replicas).toString())
                        .isEqualTo("*[]");
                r.client().call("CONFIG", "SET", "replica-announced", "yes");
                for (Sentinels.Running s : both) {
                    await(30, "sentinel " + s.port() + " lists the replica",
                            () -> list(call(s.port(), replicas)).size() == 1);
                }
                assertThat(replicaAddress(ours.port())).isEqualTo(replicaAddress(real.port()))
                        .containsExactly("localhost:" + r.port(), "localhost", Integer.toString(r.port()));
                for (Sentinels.Running s : both) {
                    call(s.port(), "SENTINEL", "FLUSHCONFIG");
                    assertThat(Files.readString(s.conf())).as(s.conf().toString())
                            .contains("sentinel monitor mymaster localhost " + m.port() + " 2")
                            .contains("sentinel known-replica mymaster localhost " + r.port());
                    assertThat(call(s.port(), "SENTINEL", "CONFIG", "SET", "announce-hostnames", "no").asText())
                            .isEqualTo("OK");
                }
                // IPs now; the replica keeps its name
                assertThat(call(ours.port(), addr).toString()).isEqualTo(call(real.port(), addr).toString())
                        .doesNotContain("localhost");
                assertThat(replicaAddress(ours.port())).isEqualTo(replicaAddress(real.port()))
                        .doesNotContain("localhost");
                assertThat(Sentinels.infoField(ours.port(), "sentinel", "master0"))
                        .isEqualTo(Sentinels.infoField(real.port(), "sentinel", "master0"));
                for (Sentinels.Running s : both) {
                    assertThat(Files.readString(s.conf())).as(s.conf().toString())
                            .doesNotContain("sentinel monitor mymaster localhost")
                            .doesNotContain("sentinel known-replica mymaster localhost");
                }
            }
        }
    }

    /**
     * A relative logfile is under dir, where redis-sentinel (which changes into dir) writes it:
     * Redis's Sentinel suite reads each instance's dir/log.txt.
     */
    @Test
    void relativeLogfileIsUnderDirAsRedisSentinel(@TempDir Path dir) throws Exception {
        Sentinels.assumeAvailable();
        for (String kind : List.of("real", "ours")) {
            Path home = Files.createDirectories(dir.resolve(kind));
            Path conf = home.resolve("sentinel.conf");
            int port = Sentinels.freePort();
            Files.writeString(conf, "port " + port + "\nbind 127.0.0.1\ndir " + home + "\nlogfile " + kind + "-log.txt\n"
                    + "sentinel monitor mymaster 127.0.0.1 " + Sentinels.freePort() + " 2\n");
            try (Sentinels.Running s = kind.equals("real") ? Sentinels.real(conf) : Sentinels.ours(conf)) {
                Path log = home.resolve(kind + "-log.txt");
                await(30, kind + " writes " + log, () -> Files.exists(log) && lines(log) > 0);
                assertThat(Files.readString(log)).as(kind).contains("+monitor master mymaster");
                assertThat(Path.of(kind + "-log.txt")).as(kind).doesNotExist();
            }
        }
    }

    /**
     * master-reboot-down-after-period as redis-sentinel: a master that restarts (a new run id) is
     * SDOWN only once it has gone that long without answering PONG, loading its dataset say, and
     * is SDOWN until it answers PONG. Redis's Sentinel suite: 12-master-reboot.
     */
    @Test
    void masterRebootDownAfterPeriodAsRedisSentinel(@TempDir Path dir) throws Exception {
        Sentinels.assumeAvailable();
        int port = Sentinels.freePort();
        Path data = Files.createDirectories(dir.resolve("master"));
        Process master = startRedis(port, data);
        try {
            try (RespClient c = new RespClient("127.0.0.1", port, 5000)) {
                c.call("DEBUG", "POPULATE", "2000");
                assertThat(c.call("SAVE").asText()).isEqualTo("OK");
            }
            // a quorum no one reaches: no failover, only each sentinel's own view
            String[] extra = {"sentinel master-reboot-down-after-period mymaster 1000",
                "sentinel down-after-milliseconds mymaster 30000"};
            try (Sentinels.Running real = Sentinels.real(Sentinels.conf(dir, "real", Sentinels.freePort(), port, 3, extra));
                 Sentinels.Running ours = Sentinels.ours(Sentinels.conf(dir, "ours", Sentinels.freePort(), port, 3,
                         extra))) {
                List<Sentinels.Running> both = List.of(real, ours);
                for (Sentinels.Running s : both) {
                    // INFO (which tells the new run id) while the master is loading
                    assertThat(call(s.port(), "SENTINEL", "DEBUG", "info-period", "200").asText()).isEqualTo("OK");
                    await(60, "sentinel " + s.port() + " knows the master's run id",
                            () -> !master(s.port()).get("runid").isEmpty());
                }
                // restarted with every key taking 5 ms to load: about 10 s of LOADING replies
                String runid = master(real.port()).get("runid");
                master.destroyForcibly().waitFor();
                master = startRedis(port, data, "--key-load-delay", "5000");
                for (Sentinels.Running s : both) {
                    await(60, "sentinel " + s.port() + " finds the master rebooted and SDOWN", () -> {
                        Map<String, String> f = master(s.port());
                        return !f.get("runid").equals(runid) && f.get("flags").contains("s_down");
                    });
                }
                for (Sentinels.Running s : both) {
                    await(60, "sentinel " + s.port() + " finds the master up again",
                            () -> !master(s.port()).get("flags").contains("s_down"));
                    // not before it answers PONG: done loading
                    assertThat(call(port, "PING").toString()).as("sentinel " + s.port()).isEqualTo("+PONG");
                }
            }
        } finally {
            master.destroyForcibly().waitFor();
        }
    }

    /** A real redis-server on the given port and directory, not waited for (it may be loading). */
    private static Process startRedis(int port, Path dir, String... extra) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(RealRedis.binary(), "--port", Integer.toString(port), "--bind",
                "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir.toString(), "--enable-debug-command",
                "yes", "--loading-process-events-interval-bytes", "1024", "--logfile", "redis.log"));
        cmd.addAll(List.of(extra));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("out.log").toFile())
                .start();
        await(30, "redis-server on port " + port + " answers", () -> {
            try (RespClient c = new RespClient("127.0.0.1", port, 1000)) {
                String r = c.call("PING").toString();
                return r.equals("+PONG") || r.startsWith("-LOADING");
            } catch (RuntimeException e) {
                return false;
            }
        });
        return p;
    }

    private static List<String> replicaAddress(int port) {
        Map<String, String> f = list(call(port, "SENTINEL", "REPLICAS", "mymaster")).get(0);
        return List.of(f.get("name"), f.get("ip"), f.get("port"));
    }

    /**
     * SENTINEL CONFIG SET sentinel-user / sentinel-pass reconnect the links to the other sentinels
     * with the new credentials, as redis-sentinel's: once the sentinels require a user, each loses
     * the other (CKQUORUM fails, with Redis's text), and finds it again after the change. Redis's
     * Sentinel suite: 09-acl-support.
     */
    @Test
    void sentinelCredentialsChangeOnTheFlyAsRedisSentinel(@TempDir Path dir) throws Exception {
        Sentinels.assumeAvailable();
        try (RealRedis m = RealRedis.start()) {
            String[] extra = {"sentinel down-after-milliseconds mymaster 2000"};
            try (Sentinels.Running real = Sentinels.real(Sentinels.conf(dir, "real", Sentinels.freePort(), m.port(), 2,
                         extra));
                 Sentinels.Running ours = Sentinels.ours(Sentinels.conf(dir, "ours", Sentinels.freePort(), m.port(), 2,
                         extra))) {
                List<Sentinels.Running> both = List.of(real, ours);
                for (Sentinels.Running s : both) {
                    // no link is closed for looking stale during the test: only the change may reconnect them
                    assertThat(call(s.port(), "SENTINEL", "DEBUG", "min-link-reconnect-period", "3600000").asText())
                            .isEqualTo("OK");
                    await(60, "sentinel " + s.port() + " reaches the quorum",
                            () -> call(s.port(), "SENTINEL", "CKQUORUM", "mymaster").asText().startsWith("OK"));
                }
                for (Sentinels.Running s : both) {
                    try (RespClient c = new RespClient("127.0.0.1", s.port(), 5000)) {
                        assertThat(c.call("ACL", "SETUSER", "u", ">p", "+@all", "on").asText()).isEqualTo("OK");
                        assertThat(c.call("ACL", "SETUSER", "default", "off").asText()).isEqualTo("OK");
                        c.call("CLIENT", "KILL", "USER", "default", "SKIPME", "no"); // this connection too
                    } catch (RuntimeException closed) {
                        // the reply may not arrive before the connection closes
                    }
                }
                String[] ckquorum = {"SENTINEL", "CKQUORUM", "mymaster"};
                for (Sentinels.Running s : both) {
                    await(60, "sentinel " + s.port() + " loses the other",
                            () -> callAs(s.port(), ckquorum).toString().startsWith("-NOQUORUM"));
                }
                assertThat(callAs(ours.port(), ckquorum).toString()).isEqualTo(callAs(real.port(), ckquorum).toString());
                for (Sentinels.Running s : both) {
                    assertThat(callAs(s.port(), "SENTINEL", "CONFIG", "SET", "sentinel-user", "u").asText())
                            .isEqualTo("OK");
                    assertThat(callAs(s.port(), "SENTINEL", "CONFIG", "SET", "sentinel-pass", "p").asText())
                            .isEqualTo("OK");
                }
                for (Sentinels.Running s : both) {
                    await(60, "sentinel " + s.port() + " finds the other again",
                            () -> callAs(s.port(), ckquorum).asText().startsWith("OK"));
                }
                assertThat(callAs(ours.port(), ckquorum).toString()).isEqualTo(callAs(real.port(), ckquorum).toString());
                assertThat(callAs(ours.port(), "SENTINEL", "CONFIG", "GET", "sentinel-*").toString())
                        .isEqualTo(callAs(real.port(), "SENTINEL", "CONFIG", "GET", "sentinel-*").toString());
            }
        }
    }

    /** A command as user u (password p). */
    private static Resp callAs(int port, String... args) {
        try (RespClient c = new RespClient("127.0.0.1", port, 5000)) {
            c.call("AUTH", "u", "p");
            return c.call(args);
        }
    }

    private static int lines(Path p) {
        try {
            return Files.readAllLines(p).size();
        } catch (java.io.IOException e) {
            return -1;
        }
    }
}
