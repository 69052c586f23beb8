package dev.cinnabar.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cinnabar.server.store.Notify;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The redis.conf parser: types, bounds, Redis's fatal messages, special directives, includes, options. */
class ConfigFileTest {
    @TempDir
    Path tmp;

    private static ServerConfig load(String text) throws ConfigFile.FatalConfigError {
        ServerConfig c = new ServerConfig();
        new ConfigFile(c).loadString(text);
        return c;
    }

    private static String fatal(String text) {
        try {
            load(text);
        } catch (ConfigFile.FatalConfigError e) {
            return e.getMessage();
        }
        throw new AssertionError("accepted: " + text);
    }

    private static String fatalMessage(int line, String text, String reason) {
        return "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line " + line
                + "\n>>> '" + text + "'\n" + reason;
    }

    @Test
    void typedValuesAreParsed() throws Exception {
        ServerConfig c = load("port 7000\nmaxmemory 1mb\nprotected-mode NO\nmaxmemory-policy ALLKEYS-LRU\n"
                + "requirepass \"a b\"\n# comment\n\n   hz 20   \nmaxmemory-clients 10%\n");
        assertThat(c.port).isEqualTo(7000);
        assertThat(c.maxmemory).isEqualTo(1024 * 1024);
        assertThat(c.protectedMode).isFalse();
        assertThat(c.maxmemoryPolicy).isEqualTo("allkeys-lru");
        assertThat(c.requirepass).isEqualTo("a b");
        assertThat(c.hz).isEqualTo(20);
        assertThat(c.get("maxmemory-clients")).isEqualTo("10%");
        assertThat(c.get("maxmemory")).isEqualTo("1048576");
    }

    @Test
    void memoryUnitsAsRedis() throws Exception {
        assertThat(ServerConfig.memtoull("1k")).isEqualTo(1000);
        assertThat(ServerConfig.memtoull("1KB")).isEqualTo(1024);
        assertThat(ServerConfig.memtoull("2gb")).isEqualTo(2L << 30);
        assertThat(ServerConfig.memtoull("5m")).isEqualTo(5_000_000);
        assertThat(ServerConfig.memtoull("1.5mb")).isEqualTo(-1);
        assertThat(ServerConfig.memtoull("-1")).isEqualTo(-1);
        assertThat(ServerConfig.memtoull("99999999999999999gb")).isEqualTo(-1);
    }

    @Test
    void badValuesStopWithRedisMessages() {
        assertThat(fatal("daemonize maybe")).isEqualTo(fatalMessage(1, "daemonize maybe", "argument must be 'yes' or 'no'"));
        assertThat(fatal("\nport abc")).isEqualTo(fatalMessage(2, "port abc", "argument couldn't be parsed into an integer"));
        assertThat(fatal("port 70000")).endsWith("argument must be between 0 and 65535 inclusive");
        assertThat(fatal("hz 99999999999")).endsWith("argument must be between 0 and 2147483647 inclusive");
        assertThat(fatal("maxmemory 1x")).endsWith("argument must be a memory value");
        assertThat(fatal("proto-max-bulk-len 10")).endsWith("argument must be between 1048576 and 9223372036854775807 inclusive");
        assertThat(fatal("maxmemory-policy lru")).endsWith("argument(s) must be one of the following: volatile-lru, "
                + "volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction");
        assertThat(fatal("foo bar")).isEqualTo(fatalMessage(1, "foo bar", "Bad directive or wrong number of arguments"));
        assertThat(fatal("port 1 2")).endsWith("wrong number of arguments");
        assertThat(fatal("port \"1")).endsWith("Unbalanced quotes in configuration line");
        assertThat(fatal("maxmemory-clients 200%")).endsWith("percentage argument must be less or equal to 100");
        assertThat(fatal("rename-command get")).endsWith("Bad directive or wrong number of arguments");
    }

    @Test
    void specialDirectives() throws Exception {
        assertThat(fatal("save 1")).endsWith("Invalid save parameters");
        assertThat(fatal("save abc 1")).endsWith("Invalid save parameters");
        assertThat(fatal("client-output-buffer-limit normal 0 0")).endsWith(
                "Wrong number of arguments in buffer limit configuration.");
        assertThat(fatal("client-output-buffer-limit master 0 0 0")).endsWith(
                "Invalid client class specified in buffer limit configuration.");
        assertThat(fatal("client-output-buffer-limit normal 1x 0 0")).endsWith(
                "Error in hard, soft or soft_seconds setting in buffer limit configuration.");
        assertThat(fatal("notify-keyspace-events Q")).endsWith("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
        assertThat(fatal("oom-score-adj-values 1 2")).endsWith("wrong number of arguments");
        assertThat(fatal("oom-score-adj-values 1 2 3000")).endsWith(
                "Invalid oom-score-adj-values, elements must be between -2000 and 2000.");
        assertThat(fatal("unixsocketperm 999")).endsWith("argument couldn't be parsed as an octal number");
        assertThat(fatal("replicaof a")).endsWith("wrong number of arguments");

        ServerConfig c = load("save 900 1\nsave 300 10\nbind 127.0.0.1 -::1\n"
                + "client-output-buffer-limit replica 1mb 2mb 3\nnotify-keyspace-events KEA\n"
                + "rename-command FLUSHALL \"\"\nslaveof 10.0.0.1 6380\nhash-max-ziplist-entries 7\n"
                + "list-max-ziplist-entries 4\nuser alice on >pw ~* +@all\noom-score-adj-values 1 2 3\n");
        assertThat(c.save).containsExactly(new SaveParam(900, 1), new SaveParam(300, 10));
        assertThat(c.get("save")).isEqualTo("900 1 300 10");
        assertThat(c.bind).containsExactly("127.0.0.1", "-::1");
        assertThat(c.clientOutputBufferLimits.replica()).isEqualTo(new ClientOutputBufferLimits.Limit(1 << 20, 2 << 20, 3));
        assertThat(c.get("client-output-buffer-limit")).isEqualTo(
                "normal 0 0 0 slave 1048576 2097152 3 pubsub 33554432 8388608 60");
        assertThat(c.notifyKeyspaceEvents).isEqualTo(Notify.ALL | Notify.KEYSPACE | Notify.KEYEVENT);
        assertThat(c.get("notify-keyspace-events")).isEqualTo("AKE");
        assertThat(c.renameCommands).containsExactly(
                new ServerConfig.RenameCommand("FLUSHALL", "", 6, "rename-command FLUSHALL \"\""));
        assertThat(c.get("replicaof")).isEqualTo("10.0.0.1 6380");
        assertThat(c.get("slaveof")).isEqualTo("10.0.0.1 6380");
        assertThat(c.hashMaxListpackEntries).isEqualTo(7);
        assertThat(c.users).containsExactly(java.util.List.of("alice", "on", ">pw", "~*", "+@all"));
        assertThat(c.get("oom-score-adj-values")).isEqualTo("1 2 3");
        assertThat(load("save \"\"").save).isEmpty();
        assertThat(load("save 1 1\nsave \"\"\nsave 2 2").save).containsExactly(new SaveParam(2, 2));
    }

    @Test
    void keyspaceEventsRoundTripAsRedis() throws Exception {
        assertThat(KeyspaceEvents.format(KeyspaceEvents.parse("Ex"))).isEqualTo("xE");
        assertThat(KeyspaceEvents.format(KeyspaceEvents.parse("gmn"))).isEqualTo("gnm");
        assertThat(KeyspaceEvents.format(KeyspaceEvents.parse("Kgx$lshzetd"))).isEqualTo("AK");
        assertThat(KeyspaceEvents.format(KeyspaceEvents.parse("nd"))).isEqualTo("dn");
        assertThat(KeyspaceEvents.format(KeyspaceEvents.parse(""))).isEqualTo("");
    }

    @Test
    void optionsAreAppendedAfterTheFileAndOverrideIt() throws Exception {
        Path f = tmp.resolve("a.conf");
        Files.writeString(f, "port 0\nmaxmemory 10mb\n");
        ServerConfig c = new ServerConfig();
        new ConfigFile(c).load(f, null, List.of("--maxmemory", "20mb", "--save", "--hz", "12"));
        assertThat(c.maxmemory).isEqualTo(20L << 20);
        assertThat(c.save).isEmpty();
        assertThat(c.hz).isEqualTo(12);
        // line numbers count the combined text: file (1 line + the final newline), then a newline
        ServerConfig c2 = new ServerConfig();
        assertThatThrownBy(() -> new ConfigFile(c2).load(f, null, List.of("--hz", "5", "--daemonize", "maybe")))
                .hasMessage(fatalMessage(5, "daemonize \"maybe\"", "argument must be 'yes' or 'no'"));
        ServerConfig c3 = new ServerConfig();
        assertThatThrownBy(() -> new ConfigFile(c3).load(null, null, List.of("--daemonize", "maybe")))
                .hasMessage(fatalMessage(2, "daemonize \"maybe\"", "argument must be 'yes' or 'no'"));
        ServerConfig c4 = new ServerConfig();
        assertThatThrownBy(() -> new ConfigFile(c4).load(f, "daemonize maybe\n", List.of("--hz", "5")))
                .hasMessage(fatalMessage(3, "daemonize maybe", "argument must be 'yes' or 'no'"));
    }

    @Test
    void includesWithAndWithoutWildcards() throws Exception {
        Files.writeString(tmp.resolve("x1.conf"), "maxmemory 1mb\n");
        Files.writeString(tmp.resolve("x2.conf"), "maxmemory 2mb\n");
        ServerConfig c = load("include " + tmp.resolve("x*.conf") + "\n");
        assertThat(c.maxmemory).isEqualTo(2L << 20);
        assertThat(load("include " + tmp.resolve("none*.conf")).maxmemory).isZero();
        assertThat(fatal("include " + tmp.resolve("missing.conf"))).isEqualTo(
                "Fatal error, can't open config file '" + tmp.resolve("missing.conf") + "': No such file or directory");
    }

    @Test
    void debianStockConfigLoadsUnchanged() throws Exception {
        Path stock = Path.of("/etc/redis/redis.conf");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isReadable(stock), "no /etc/redis/redis.conf here");
        ServerConfig c = new ServerConfig();
        ConfigFile cf = new ConfigFile(c);
        cf.load(stock, null, List.of("--dir", tmp.toString(), "--logfile", tmp.resolve("log").toString(),
                "--pidfile", tmp.resolve("pid").toString(), "--daemonize", "no"));
        assertThat(c.bind).containsExactly("127.0.0.1", "-::1");
        assertThat(c.dir).isEqualTo(tmp.toString());
        assertThat(c.get("client-output-buffer-limit")).isEqualTo(
                "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60");
        assertThat(c.get("auto-aof-rewrite-min-size")).isEqualTo("67108864");
        // appendonly no asks for nothing the server lacks; timeout's behaviour comes with a feature
        // (session.ClientsCron), which a bare configuration does not install
        assertThat(cf.unbuilt().notices()).contains("timeout")
                .doesNotContain("port", "bind", "dir", "appendonly", "always-show-logo");
        assertThat(cf.unbuilt().warnings()).isEmpty();
    }

    @Test
    void rewriteKeepsCommentsAndOrderAndAppendsChanges() throws Exception {
        ServerConfig c = load("# top\nport 7000\nslaveof 1.2.3.4 5\nsave 1 1\nsave 2 2\nrename-command foo bar\n");
        c.set("maxmemory", "2mb");
        c.set("port", "7001");
        c.entry("save").apply(List.of(new SaveParam(5, 5)));
        c.dir = "/data";
        String out = ConfigRewrite.rewrite(c, List.of("# top", "port 7000", "slaveof 1.2.3.4 5", "save 1 1",
                "save 2 2", "rename-command foo bar"));
        assertThat(out).isEqualTo("# top\nport 7001\nreplicaof 1.2.3.4 5\nsave 5 5\n\nrename-command foo bar\n\n"
                + ConfigRewrite.MARKER + "\ndir \"/data\"\nlatency-tracking-info-percentiles 50 99 99.9\n"
                + "maxmemory 2mb\n");
        // bind at its default and an unset replicaof lose their lines; a default value replaces its line
        ServerConfig d = load("bind 127.0.0.1\nslaveof 1.2.3.4 5\nhz 10\n");
        d.set("bind", List.of("*", "-::*"));
        d.entry("replicaof").apply("");
        d.dir = "/data";
        assertThat(ConfigRewrite.rewrite(d, List.of("bind 127.0.0.1", "slaveof 1.2.3.4 5", "hz 10",
                "client-output-buffer-limit pubsub 32mb 8mb 60")))
                .isEqualTo("\n\nhz 10\nclient-output-buffer-limit normal 0 0 0\n\n" + ConfigRewrite.MARKER
                        + "\ndir \"/data\"\nlatency-tracking-info-percentiles 50 99 99.9\n"
                        + "save 3600 1\nsave 300 100\nsave 60 10000\n");
    }

    /** Redis 7.0.15's own output for these lines (a build without active defrag, as Debian's). */
    @Test
    void platformAndShutdownDirectivesAsRedisReadsThem() throws Exception {
        assertThat(fatal("activedefrag yes")).isEqualTo(fatalMessage(1, "activedefrag yes",
                "Active defragmentation cannot be enabled: it requires a Redis server compiled with a modified "
                        + "Jemalloc like the one shipped by default with the Redis source distribution"));
        assertThat(load("activedefrag no").get("activedefrag")).isEqualTo("no");
        assertThat(fatal("lua-enable-deprecated-api yes")).isEqualTo(fatalMessage(1, "lua-enable-deprecated-api yes",
                Defaults.LUA_DEPRECATED_UNAVAILABLE));
        assertThat(load("lua-enable-deprecated-api no").get("lua-enable-deprecated-api")).isEqualTo("no");
        ServerConfig c = load("shutdown-on-sigterm save now\nshutdown-on-sigint force\nshutdown-timeout 3\n");
        assertThat(c.get("shutdown-on-sigterm")).isEqualTo("save now");
        assertThat(c.shutdownOnSigterm).isEqualTo(ShutdownFlags.SAVE | ShutdownFlags.NOW);
        assertThat(c.get("shutdown-on-sigint")).isEqualTo("force");
        assertThat(c.shutdownTimeout).isEqualTo(3);
        assertThat(fatal("shutdown-on-sigterm nosave save")).isEqualTo(fatalMessage(1,
                "shutdown-on-sigterm nosave save", "shutdown options SAVE and NOSAVE can't be used simultaneously"));
    }
}
