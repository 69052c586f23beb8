package dev.cinnabar.tests.acl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.testkit.CinnabarExtension;
import dev.cinnabar.testkit.RealRedis;
import dev.cinnabar.testkit.Resp;
import dev.cinnabar.testkit.RespClient;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * ACL against a real Redis 7.0, reply by reply: random users (passwords, key and channel patterns
 * with R/W, commands, categories, first arguments, selectors) described by ACL LIST and GETUSER,
 * random commands run as those users (NOPERM texts, AUTH failures), and what ACL LOG recorded;
 * then MULTI, scripts, DRYRUN and the ACL subcommands' errors. Rule strings and logs are compared
 * in canonical form ({@link AclReplies}): Redis orders single-command rules by a per-process hash.
 * Seeded: {@code -Dseed=N} reruns a failure.
 */
class AclDifferentialTest {
    @RegisterExtension
    static CinnabarExtension server = new CinnabarExtension();

    private static RealRedis redis;
    private RespClient real;
    private RespClient ours;
    private final long seed = Long.getLong("seed", System.nanoTime());
    private final Random rnd = new Random(seed);

    @BeforeAll
    static void startRedis() {
        redis = RealRedis.start();
    }

    @AfterAll
    static void stopRedis() {
        if (redis != null) {
            redis.close();
        }
    }

    @BeforeEach
    void connect() {
        real = redis.client();
        ours = server.client();
        for (RespClient c : List.of(real, ours)) {
            c.call("FLUSHALL");
            List<String> del = new ArrayList<>(List.of("ACL", "DELUSER"));
            del.addAll(List.of("u0", "u1", "u2", "u3", "alice", "bob"));
            c.call(del);
            c.call("ACL", "SETUSER", "default", "reset", "on", "nopass", "~*", "&*", "+@all");
            c.call("ACL", "LOG", "RESET");
        }
    }

    @AfterEach
    void close() {
        real.close();
        ours.close();
    }

    private Resp both(String... args) {
        Resp expected = AclReplies.canonical(real.call(args));
        Resp actual = AclReplies.canonical(ours.call(args));
        assertThat(actual).as("reply to %s (seed %d)", Arrays.toString(args), seed).isEqualTo(expected);
        return actual;
    }

    // ---- random rules

    private static final String[] COMMANDS = {"get", "set", "hset", "hget", "hdel", "lpush", "lrange", "del", "exists",
        "mget", "mset", "rename", "copy", "select", "publish", "subscribe", "ping", "echo", "incr", "sort", "eval",
        "config", "config|get", "config|set", "client", "client|list", "object|encoding", "debug", "info", "keys",
        "scan", "flushall", "acl", "acl|whoami", "bitfield", "lmove", "sinterstore", "getdel", "expire", "spublish"};
    private static final String[] CATEGORIES = {"keyspace", "read", "write", "set", "sortedset", "list", "hash", "string",
        "bitmap", "hyperloglog", "geo", "stream", "pubsub", "admin", "fast", "slow", "blocking", "dangerous",
        "connection", "transaction", "scripting", "all"};
    private static final String[] KEYS = {"k1", "k2", "r1", "w1", "x1", "other"};
    private static final String[] CHANNELS = {"c1", "c2", "d1"};

    private String pick(String[] a) {
        return a[rnd.nextInt(a.length)];
    }

    private String selectorRule() {
        return switch (rnd.nextInt(14)) {
            case 0 -> "~k*";
            case 1 -> "~" + pick(KEYS);
            case 2 -> "%R~r*";
            case 3 -> "%W~w*";
            case 4 -> "%RW~x?";
            case 5 -> rnd.nextInt(4) == 0 ? "allkeys" : "resetkeys";
            case 6 -> "&c*";
            case 7 -> rnd.nextBoolean() ? "&" + pick(CHANNELS) : (rnd.nextBoolean() ? "allchannels" : "resetchannels");
            case 8, 9 -> (rnd.nextBoolean() ? "+" : "-") + pick(COMMANDS);
            case 10, 11 -> (rnd.nextBoolean() ? "+@" : "-@") + pick(CATEGORIES);
            case 12 -> pick(new String[] {"+select|0", "+select|1", "+debug|object", "allcommands", "nocommands"});
            default -> "~*";
        };
    }

    private String userRule() {
        return switch (rnd.nextInt(12)) {
            case 0 -> rnd.nextInt(3) == 0 ? "off" : "on";
            case 1 -> ">" + pick(new String[] {"p1", "p2"});
            case 2 -> pick(new String[] {"<p1", "nopass", "resetpass", "#" + "a".repeat(64), "!" + "a".repeat(64)});
            case 3 -> {
                StringBuilder b = new StringBuilder("(");
                int n = 1 + rnd.nextInt(3);
                for (int i = 0; i < n; i++) {
                    b.append(i == 0 ? "" : " ").append(selectorRule());
                }
                yield b.append(')').toString();
            }
            case 4 -> pick(new String[] {"clearselectors", "sanitize-payload", "skip-sanitize-payload", "reset"});
            default -> selectorRule();
        };
    }

    private List<String> randomSetuser(String name, int rules) {
        List<String> cmd = new ArrayList<>(List.of("ACL", "SETUSER", name));
        for (int i = 0; i < rules; i++) {
            cmd.add(userRule());
        }
        return cmd;
    }

    @Test
    void randomRulesAreAcceptedRefusedAndDescribedAsRedis() {
        for (int round = 0; round < 300; round++) {
            String name = "u" + rnd.nextInt(4);
            both(randomSetuser(name, 1 + rnd.nextInt(6)).toArray(new String[0]));
            both("ACL", "GETUSER", name);
            if (round % 10 == 0) {
                both("ACL", "LIST");
                both("ACL", "USERS");
            }
        }
        both("ACL", "LIST");
    }

    // ---- random commands as random users

    private static final String[] CALLS = {"GET $k", "SET $k v", "HSET $k f v", "HGET $k f", "DEL $k $k", "MGET $k $k",
        "MSET $k v $k v", "RENAME $k $k", "COPY $k $k", "LPUSH $k a", "LMOVE $k $k LEFT RIGHT", "SINTERSTORE $k $k $k",
        "SELECT 0", "SELECT 1", "PUBLISH $c m", "SPUBLISH $c m", "ECHO hi", "PING", "INCR $k", "EVAL return(1) 1 $k",
        "CONFIG GET maxmemory", "OBJECT ENCODING $k", "EXISTS $k", "TYPE $k", "APPEND $k x", "GETDEL $k",
        "SET $k v GET", "BITFIELD $k GET u8 0", "BITFIELD $k SET u8 0 1", "SORT $k", "SORT $k STORE $k",
        "EXPIRE $k 100", "ACL WHOAMI", "DBSIZE", "DEBUG OBJECT $k", "CLIENT GETNAME", "HDEL $k f", "LRANGE $k 0 -1"};

    private String[] call() {
        String[] words = pick(CALLS).split(" ");
        for (int i = 0; i < words.length; i++) {
            words[i] = switch (words[i]) {
                case "$k" -> pick(KEYS);
                case "$c" -> pick(CHANNELS);
                default -> words[i];
            };
        }
        return words;
    }

    @Test
    void randomCommandsAsRandomUsersAreAllowedAndDeniedAsRedis() {
        for (int scenario = 0; scenario < 40; scenario++) {
            String name = "u" + rnd.nextInt(4);
            List<String> setuser = randomSetuser(name, 2 + rnd.nextInt(6));
            setuser.add(rnd.nextInt(5) == 0 ? "off" : "on");
            setuser.add(">p1");
            both(setuser.toArray(new String[0]));
            try (RespClient r = redis.client(); RespClient o = server.client()) {
                for (String[] auth : List.of(new String[] {"AUTH", name, "p1"}, new String[] {"AUTH", name, "bad"})) {
                    assertThat(o.call(auth)).as("AUTH (seed %d)", seed).isEqualTo(r.call(auth));
                }
                for (int i = 0; i < 25; i++) {
                    String[] cmd = call();
                    assertThat(o.call(cmd)).as("%s as %s %s (seed %d)", Arrays.toString(cmd), name, setuser, seed)
                            .isEqualTo(r.call(cmd));
                }
            }
            both("ACL", "LOG", "100");
            both("ACL", "LOG", "RESET");
        }
    }

    // ---- fixed scenarios

    @Test
    void keySpecsDecideReadAndWriteNeeds() {
        both("ACL", "SETUSER", "alice", "on", "nopass", "%R~r*", "%W~w*", "~k*", "+@all");
        try (RespClient r = redis.client(); RespClient o = server.client()) {
            for (String line : List.of("AUTH alice x", "SET r1 v", "GET r1", "SET w1 v", "GET w1", "COPY r1 w1",
                    "COPY w1 r1", "LMOVE r1 w1 LEFT RIGHT", "RENAME w1 w2", "SET w1 v GET", "APPEND w1 x",
                    "SORT r1 STORE w1", "SORT r1", "BITFIELD w1 SET u8 0 1", "BITFIELD r1 GET u8 0", "DEL r1",
                    "EXISTS w1", "OBJECT ENCODING w1", "SINTERSTORE w1 r1 k1", "GETDEL r1", "SET k1 v", "GET k1")) {
                String[] cmd = line.split(" ");
                assertThat(o.call(cmd)).as(line).isEqualTo(r.call(cmd));
            }
        }
        both("ACL", "LOG", "100");
    }

    @Test
    void sortByAndGetPatternsNeedReadAccessToEveryKey() {
        both("RPUSH", "mylist", "1");
        both("SET", "v1", "1");
        for (String rules : List.of("(+sort ~mylist)", "(+sort ~mylist ~v*)", "(+sort ~mylist %W~*)",
                "(+sort ~mylist %R~*)", "(+sort allkeys)")) {
            both("ACL", "SETUSER", "alice", "reset", "on", "nopass", rules);
            try (RespClient r = redis.client(); RespClient o = server.client()) {
                for (String line : List.of("AUTH alice x", "SORT mylist BY v*", "SORT mylist BY nosort", "SORT mylist GET #",
                        "SORT mylist GET v*", "SORT mylist BY v", "EVAL return(redis.pcall('sort','mylist','by','v*')) 0")) {
                    String[] cmd = line.startsWith("EVAL") ? new String[] {"EVAL",
                        "return redis.pcall('sort','mylist','by','v*')", "0"} : line.split(" ");
                    assertThat(o.call(cmd)).as(rules + " " + line).isEqualTo(r.call(cmd));
                }
            }
        }
    }

    @Test
    void subscribersLosingAllchannelsAreDisconnected() {
        both("ACL", "SETUSER", "bob", "on", "nopass", "~*", "+@all", "allchannels");
        try (RespClient sub = server.client()) {
            sub.call("AUTH", "bob", "x");
            sub.call("PSUBSCRIBE", "foo");
            assertThat(ours.call("ACL", "SETUSER", "bob", "resetchannels")).isEqualTo(new Resp.Simple("OK"));
            sub.timeout(2000);
            assertThat(sub.isClosedByServer()).isTrue();
        }
    }

    @Test
    void channelsAreCheckedForPublishAndSubscribe() {
        both("ACL", "SETUSER", "bob", "on", "nopass", "~*", "+@all", "resetchannels", "&news.*", "&exact");
        try (RespClient r = redis.client(); RespClient o = server.client()) {
            for (String line : List.of("AUTH bob x", "PUBLISH news.1 m", "PUBLISH other m", "SPUBLISH exact m",
                    "PSUBSCRIBE news.1", "PSUBSCRIBE news.*", "SUBSCRIBE other", "SUBSCRIBE news.2 exact")) {
                String[] cmd = line.split(" ");
                assertThat(o.call(cmd)).as(line).isEqualTo(r.call(cmd));
            }
        }
        both("ACL", "LOG", "100");
    }

    @Test
    void transactionsAreCheckedWhenQueued() {
        both("ACL", "SETUSER", "bob", "on", "nopass", "~a*", "+@all", "-del");
        try (RespClient r = redis.client(); RespClient o = server.client()) {
            for (String line : List.of("AUTH bob x", "MULTI", "GET zz", "DEL a", "GET a", "EXEC", "MULTI", "GET a",
                    "EXEC")) {
                String[] cmd = line.split(" ");
                assertThat(o.call(cmd)).as(line).isEqualTo(r.call(cmd));
            }
        }
        both("ACL", "LOG", "100");
    }

    @Test
    void execChecksAgainTheRulesOfTheTimeOfExecution() {
        both("ACL", "SETUSER", "bob", "on", "nopass", "~*", "&*", "+@all");
        try (RespClient r = redis.client(); RespClient o = server.client()) {
            for (String line : List.of("AUTH bob x", "MULTI", "GET a", "SET b 1", "PUBLISH ch x", "EVAL return(1) 0")) {
                String[] cmd = line.split(" ");
                assertThat(o.call(cmd)).as(line).isEqualTo(r.call(cmd));
            }
            both("ACL", "SETUSER", "bob", "-get", "resetkeys", "~a", "resetchannels", "-eval");
            assertThat(o.call("EXEC")).isEqualTo(r.call("EXEC"));
        }
        both("ACL", "LOG", "100");
    }

    @Test
    void scriptsRunAsTheirCallersUser() {
        both("ACL", "SETUSER", "bob", "on", "nopass", "~a*", "&c*", "+@all", "-del");
        try (RespClient r = redis.client(); RespClient o = server.client()) {
            for (String[] cmd : List.of(new String[] {"AUTH", "bob", "x"},
                    new String[] {"EVAL", "return redis.call('get','zz')", "0"},
                    new String[] {"EVAL", "return redis.pcall('del','a')", "0"},
                    new String[] {"EVAL", "return redis.pcall('get','zz')", "0"},
                    new String[] {"EVAL", "return redis.call('publish','zz','x')", "0"},
                    new String[] {"EVAL", "return redis.call('get','a1')", "0"},
                    new String[] {"EVAL", "return redis.call('get','zz')", "1", "zz"},
                    new String[] {"EVAL", "return redis.acl_check_cmd('get','a1')", "0"},
                    new String[] {"EVAL", "return redis.acl_check_cmd('get','zz')", "0"},
                    new String[] {"EVAL", "return redis.acl_check_cmd('del','a1')", "0"},
                    new String[] {"EVAL", "return redis.acl_check_cmd('client','list')", "0"},
                    new String[] {"EVAL", "return redis.acl_check_cmd('nosuch','x')", "0"})) {
                assertThat(o.call(cmd)).as(Arrays.toString(cmd)).isEqualTo(r.call(cmd));
            }
        }
        both("ACL", "LOG", "100");
    }

    @Test
    void subcommandErrorsAndShapesAreRedis() {
        both("ACL", "SETUSER", "alice", "on", ">pw", "~k*", "%R~r*", "&c*", "-@all", "+@hash", "+get",
                "+select|0", "(~x* +set)", "(%W~w* &d* +@list -lpush)");
        for (String line : List.of("ACL GETUSER alice", "ACL GETUSER nobody", "ACL GETUSER default", "ACL USERS",
                "ACL LIST", "ACL CAT", "ACL CAT nosuch", "ACL CAT hash x", "ACL DELUSER default", "ACL DELUSER nobody",
                "ACL WHOAMI", "ACL GENPASS 0", "ACL GENPASS 5000", "ACL GENPASS x", "ACL GENPASS 1 2", "ACL LOG x",
                "ACL LOG 1 2", "ACL LOG -1", "ACL DRYRUN alice get k1", "ACL DRYRUN alice get zz",
                "ACL DRYRUN alice set x1 v", "ACL DRYRUN alice hset k1 f v", "ACL DRYRUN alice select 0",
                "ACL DRYRUN alice select 1", "ACL DRYRUN nobody get k", "ACL DRYRUN alice nocmd",
                "ACL DRYRUN alice get", "ACL DRYRUN alice client nosuch", "ACL DRYRUN alice lpush w1 x",
                "ACL DRYRUN alice rpush w1 x", "ACL DRYRUN alice publish d1 x", "ACL LOAD", "ACL SAVE", "ACL NOSUCH",
                "ACL SETUSER", "ACL SETUSER bad\tname", "AUTH alice wrong", "AUTH nobody x", "ACL LOG 2",
                "ACL DELUSER alice bob", "ACL USERS")) {
            both(line.split(" "));
        }
        assertThat(ours.call("ACL", "GENPASS")).isInstanceOfSatisfying(Resp.Bulk.class,
                b -> assertThat(new String(b.value())).matches("[0-9a-f]{64}"));
        assertThat(ours.call("ACL", "GENPASS", "5")).isInstanceOfSatisfying(Resp.Bulk.class,
                b -> assertThat(new String(b.value())).matches("[0-9a-f]{2}"));
        for (String cat : List.of("hash", "admin", "dangerous", "pubsub", "slow")) {
            assertThat(AclReplies.sorted(ours.call("ACL", "CAT", cat))).as(cat)
                    .isEqualTo(AclReplies.sorted(real.call("ACL", "CAT", cat)));
        }
        for (RespClient c : List.of(real, ours)) {
            c.call("HELLO", "3");
        }
        both("ACL", "SETUSER", "alice", "on", ">pw", "(~x* +set)");
        both("ACL", "GETUSER", "alice");
        both("ACL", "GETUSER", "default");
        both("AUTH", "alice", "nope");
        both("ACL", "LOG", "1");
    }

    @Test
    void requirepassIsTheDefaultUsersPassword() {
        try (RespClient r = redis.client(); RespClient o = server.client()) {
            for (String line : List.of("CONFIG SET requirepass secret", "ACL LIST", "ACL GETUSER default",
                    "AUTH secret", "AUTH default secret", "CONFIG SET requirepass \"\"")) {
                String[] cmd = line.split(" ");
                if (cmd.length == 4 && cmd[3].equals("\"\"")) {
                    cmd[3] = "";
                }
                assertThat(AclReplies.canonical(o.call(cmd))).as(line).isEqualTo(AclReplies.canonical(r.call(cmd)));
            }
        }
        both("ACL", "SETUSER", "default", "resetpass", ">x");
        try (RespClient r = redis.client(); RespClient o = server.client()) {
            for (String line : List.of("GET k", "AUTH x", "GET k", "ACL SETUSER default nopass", "RESET", "GET k")) {
                String[] cmd = line.split(" ");
                assertThat(o.call(cmd)).as(line).isEqualTo(r.call(cmd));
            }
        }
    }

    @Test
    void deletedUsersLoseTheirConnections() {
        both("ACL", "SETUSER", "alice", "on", "nopass", "~*", "&*", "+@all");
        try (RespClient o = server.client()) {
            assertThat(o.call("AUTH", "alice", "x")).isEqualTo(new Resp.Simple("OK"));
            assertThat(o.call("ACL", "WHOAMI")).isEqualTo(new Resp.Bulk("alice".getBytes()));
            assertThat(ours.call("ACL", "DELUSER", "alice")).isEqualTo(new Resp.Int(1));
            o.timeout(2000);
            assertThat(o.isClosedByServer()).isTrue();
        }
    }

    @Test
    void subscribersLosingAChannelAreDisconnected() {
        both("ACL", "SETUSER", "bob", "on", "nopass", "~*", "+@all", "resetchannels", "&news", "&sport");
        try (RespClient keep = server.client(); RespClient lose = server.client()) {
            keep.call("AUTH", "bob", "x");
            lose.call("AUTH", "bob", "x");
            keep.call("SUBSCRIBE", "news");
            lose.call("SUBSCRIBE", "sport");
            assertThat(ours.call("ACL", "SETUSER", "bob", "resetchannels", "&news")).isEqualTo(new Resp.Simple("OK"));
            lose.timeout(2000);
            assertThat(lose.isClosedByServer()).isTrue();
            assertThat(keep.call("PING")).isInstanceOf(Resp.Agg.class);
        }
    }
}
