package dev.cinnabar.tests.unit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.testkit.CinnabarExtension;
import dev.cinnabar.testkit.Resp;
import dev.cinnabar.testkit.RespClient;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Redis's tests/unit/introspection.tcl area, differential against Redis 7.0: COMMAND INFO, DOCS,
 * COUNT, LIST and GETKEYS for every command we bind, CLIENT and HELLO replies, RESP3 shapes.
 */
class IntrospectionTest {
    @RegisterExtension
    static CinnabarExtension server = new CinnabarExtension();
    @RegisterExtension
    static DifferentialPair d = new DifferentialPair(server);

    /** HELLO 3 on both connections (the replies differ by the connection id). */
    private static void hello3() {
        d.real.call("HELLO", "3");
        d.ours.call("HELLO", "3");
    }

    private static List<String> ourCommands(RespClient c) {
        List<String> names = new ArrayList<>();
        for (Resp r : ((Resp.Agg) c.call("COMMAND", "LIST")).items()) {
            names.add(((Resp.Bulk) r).text());
        }
        return names;
    }

    /** Real Redis's COMMAND INFO reply with the subcommands we do not implement removed. */
    private static Resp onlyOurSubcommands(Resp info, Set<String> ours) {
        if (!(info instanceof Resp.Agg outer) || outer.items().size() != 1
                || !(outer.items().get(0) instanceof Resp.Agg cmd)) {
            return info;
        }
        List<Resp> fields = new ArrayList<>(cmd.items());
        Resp.Agg subs = (Resp.Agg) fields.get(9);
        List<Resp> kept = new ArrayList<>();
        for (Resp s : subs.items()) {
            String name = ((Resp.Bulk) ((Resp.Agg) s).items().get(0)).text();
            if (ours.contains(name)) {
                kept.add(s);
            }
        }
        kept.sort(java.util.Comparator.comparing(Resp::toString));
        fields.set(9, new Resp.Agg(subs.kind(), kept));
        return new Resp.Agg(outer.kind(), List.of(new Resp.Agg(cmd.kind(), fields)));
    }

    private void commandInfoMatchesForEveryBoundCommand(int protocol) {
        if (protocol == 3) {
            hello3();
        }
        List<String> names = ourCommands(d.ours);
        Set<String> set = new HashSet<>(names);
        assertThat(names).contains("get", "client|list", "command|info");
        for (String n : names) {
            Resp expected = onlyOurSubcommands(d.real.call("COMMAND", "INFO", n), set);
            if (n.equals("client|setinfo")) {
                continue; // Redis 7.2, not in 7.0
            }
            set.remove("client|setinfo"); // Redis 7.2, not in 7.0
            assertThat(onlyOurSubcommands(d.ours.call("COMMAND", "INFO", n), set))
                    .as("COMMAND INFO %s (RESP%d)", n, protocol).isEqualTo(expected);
        }
    }

    @Test
    void commandInfoResp2() {
        commandInfoMatchesForEveryBoundCommand(2);
    }

    @Test
    void commandInfoResp3() {
        commandInfoMatchesForEveryBoundCommand(3);
    }

    @Test
    void commandInfoOfUnknownNamesIsNull() {
        d.both("COMMAND", "INFO", "nosuchcommand", "get");
        hello3();
        d.both("COMMAND", "INFO", "nosuchcommand");
    }

    @Test
    void commandDocsCarryTheFactsButNoProse() {
        hello3();
        List<String> names = ourCommands(d.ours);
        for (String n : names) {
            if (n.contains("|")) {
                continue;
            }
            Resp.Agg real = (Resp.Agg) d.real.call("COMMAND", "DOCS", n);
            Resp.Agg ours = (Resp.Agg) d.ours.call("COMMAND", "DOCS", n);
            assertThat(ours.items()).hasSize(2);
            Resp.Agg realDoc = (Resp.Agg) real.items().get(1);
            Resp.Agg ourDoc = (Resp.Agg) ours.items().get(1);
            for (int i = 0; i < ourDoc.items().size(); i += 2) {
                String field = ((Resp.Bulk) ourDoc.items().get(i)).text();
                if (field.equals("subcommands") || field.equals("arguments")) {
                    continue;
                }
                int j = realDoc.items().indexOf(ourDoc.items().get(i));
                assertThat(j).as("%s has %s in Redis", n, field).isGreaterThanOrEqualTo(0);
                assertThat(ourDoc.items().get(i + 1)).as("%s %s", n, field).isEqualTo(realDoc.items().get(j + 1));
            }
            assertThat(ourDoc.items()).as("no summary for %s", n).doesNotContain(new Resp.Bulk("summary".getBytes()));
        }
    }

    @Test
    void commandCountAndListAgree() {
        long count = ((Resp.Int) d.ours.call("COMMAND", "COUNT")).value();
        assertThat(((Resp.Agg) d.ours.call("COMMAND")).items()).hasSize((int) count);
        List<String> list = ourCommands(d.ours);
        assertThat(list.stream().filter(n -> !n.contains("|")).count()).isEqualTo(count);
        d.both("COMMAND", "LIST", "FILTERBY", "MODULE", "x");
        d.both("COMMAND", "LIST", "FILTERBY", "NOPE", "x");
        d.both("COMMAND", "LIST", "FILTERBY");
        d.both("COMMAND", "LIST", "FILTERBY", "PATTERN", "ech?");
        d.both("COMMAND", "LIST", "FILTERBY", "PATTERN", "CLIENT|GETN*");
        Resp conn = d.ours.call("COMMAND", "LIST", "FILTERBY", "ACLCAT", "connection");
        assertThat(((Resp.Agg) conn).items()).contains(new Resp.Bulk("ping".getBytes()));
    }

    @Test
    void clusterCommandsOfAStandaloneServerAnswerAsRedis() {
        d.both("CLUSTER", "HELP");
        d.both("CLUSTER", "INFO");
        d.both("CLUSTER", "NOSUCH");
        d.both("CLUSTER", "KEYSLOT");
        d.both("CLUSTER", "KEYSLOT", "k");
        d.both("CLUSTER");
        d.both("READONLY");
        d.both("READWRITE");
        d.both("ASKING");
        d.both("READONLY", "x");
        d.both("EVAL", "return redis.call('cluster','reset','hard')", "0");
        d.both("EVAL", "return redis.call('cluster','info')", "0");
        // Redis lists them in its dict's order: compare as sets.
        assertThat(new HashSet<>(((Resp.Agg) d.ours.call("COMMAND", "LIST", "FILTERBY", "PATTERN", "cluster|*")).items()))
                .isEqualTo(new HashSet<>(((Resp.Agg) d.real.call("COMMAND", "LIST", "FILTERBY", "PATTERN", "cluster|*")).items()))
                .hasSize(27);
        d.both("COMMAND", "GETKEYS", "CLUSTER", "INFO");
    }

    @Test
    void getkeysMatchesRedis() {
        Set<String> ours = new HashSet<>(ourCommands(d.ours));
        String[][] calls = {
            {"get", "k"}, {"set", "k", "v"}, {"mset", "a", "1", "b", "2"}, {"mset", "a", "1", "b"},
            {"del", "a", "b", "c"}, {"exists", "a"}, {"ping"}, {"echo", "x"}, {"nosuch", "x"},
            {"getrange", "k", "0"}, {"lmpop", "2", "a", "b", "LEFT"}, {"lmpop", "0", "a", "LEFT"},
            {"lmpop", "5", "a", "LEFT"}, {"lmpop", "x", "a", "LEFT"}, {"blmpop", "0", "2", "a", "b", "LEFT"},
            {"zunionstore", "d", "2", "a", "b"}, {"zunionstore", "d", "0", "a"}, {"zunion", "2", "a", "b"},
            {"zinterstore", "d", "3", "a", "b"}, {"sintercard", "2", "a", "b"}, {"zintercard", "1", "a"},
            {"sort", "k"}, {"sort", "k", "BY", "w*", "STORE", "dst"}, {"sort", "k", "LIMIT", "0", "1", "STORE", "d2"},
            {"sort_ro", "k", "BY", "x"}, {"eval", "return 1", "2", "a", "b", "c"}, {"eval", "return 1", "0"},
            {"eval", "return 1", "x"}, {"evalsha", "abc", "1", "k"}, {"fcall", "f", "1", "k"},
            {"xread", "COUNT", "2", "STREAMS", "a", "b", "0", "0"}, {"xread", "STREAMS", "a", "b", "0"},
            {"xreadgroup", "GROUP", "g", "c", "STREAMS", "s", ">"}, {"migrate", "h", "1", "k", "0", "1"},
            {"migrate", "h", "1", "", "0", "1", "KEYS", "a", "b"}, {"rename", "a", "b"}, {"lmove", "a", "b", "LEFT", "RIGHT"},
            {"bitop", "AND", "d", "a", "b"}, {"pfmerge", "d", "a"}, {"georadius", "k", "0", "0", "1", "m", "STORE", "s"},
            {"smove", "a", "b", "m"}, {"object", "encoding", "k"}, {"memory", "usage", "k"}, {"hset", "h", "f", "v"},
            {"client", "list"}, {"getex", "k"}, {"copy", "a", "b"}, {"blpop", "a", "b", "0"}, {"zmpop", "1", "a", "MIN"},
        };
        for (String[] call : calls) {
            if (!ours.contains(call[0]) && !call[0].equals("nosuch")) {
                continue;
            }
            String[] getkeys = new String[call.length + 2];
            getkeys[0] = "COMMAND";
            getkeys[1] = "GETKEYS";
            System.arraycopy(call, 0, getkeys, 2, call.length);
            d.both(getkeys);
            getkeys[1] = "GETKEYSANDFLAGS";
            d.both(getkeys);
        }
        d.both("COMMAND", "GETKEYS");
        d.both("COMMAND", "GETKEYS", "get");
    }

    @Test
    void helloRepliesAsRedis() {
        Resp real = d.real.call("HELLO", "3");
        Resp ours = d.ours.call("HELLO", "3");
        assertThat(normaliseId(ours)).isEqualTo(normaliseId(real));
        real = d.real.call("HELLO", "2", "SETNAME", "me");
        ours = d.ours.call("HELLO", "2", "SETNAME", "me");
        assertThat(normaliseId(ours)).isEqualTo(normaliseId(real));
        d.both("CLIENT", "GETNAME");
        d.both("HELLO", "4");
        d.both("HELLO", "1");
        d.both("HELLO", "abc");
        d.both("HELLO", "3", "SETNAME");
        d.both("HELLO", "3", "AUTH", "default");
        d.both("HELLO", "3", "FOO", "bar");
        d.both("HELLO", "3", "SETNAME", "has space");
        assertThat(normaliseId(d.ours.call("HELLO", "2", "AUTH", "default", "anything")))
                .isEqualTo(normaliseId(d.real.call("HELLO", "2", "AUTH", "default", "anything")));
        d.both("HELLO", "2", "AUTH", "bob", "pw");
    }

    private static Resp normaliseId(Resp r) {
        if (r instanceof Resp.Agg a) {
            List<Resp> items = new ArrayList<>(a.items());
            int i = items.indexOf(new Resp.Bulk("id".getBytes()));
            if (i >= 0) {
                items.set(i + 1, new Resp.Int(0));
            }
            return new Resp.Agg(a.kind(), items);
        }
        return r;
    }

    @Test
    void clientCommandsErrorsAndReplies() {
        d.both("CLIENT", "SETNAME", "a b");
        d.both("CLIENT", "SETNAME", "a\nb");
        d.both("CLIENT", "SETNAME", "ok-name");
        d.both("CLIENT", "GETNAME");
        d.both("CLIENT", "SETNAME", "");
        d.both("CLIENT", "GETNAME");
        d.both("CLIENT", "ID", "x");
        d.both("CLIENT", "NOSUCH");
        d.both("CLIENT", "KILL", "1.2.3.4:5");
        d.both("CLIENT", "KILL", "ID", "abc");
        d.both("CLIENT", "KILL", "ID", "0");
        d.both("CLIENT", "KILL", "ID", "999999");
        d.both("CLIENT", "KILL", "TYPE", "foo");
        d.both("CLIENT", "KILL", "TYPE", "pubsub");
        d.both("CLIENT", "KILL", "USER", "nobody");
        d.both("CLIENT", "KILL", "SKIPME", "maybe");
        d.both("CLIENT", "KILL", "FOO", "bar");
        d.both("CLIENT", "KILL", "ID", "1", "SKIPME");
        d.both("CLIENT", "KILL", "MAXAGE", "1");
        d.both("CLIENT", "LIST", "TYPE", "foo");
        d.both("CLIENT", "LIST", "ID", "abc");
        d.both("CLIENT", "LIST", "ID", "0");
        d.both("CLIENT", "LIST", "ID", "-5");
        d.both("CLIENT", "LIST", "ID", "999999");
        d.both("CLIENT", "LIST", "ID");
        d.both("CLIENT", "LIST", "FOO");
        d.both("CLIENT", "LIST", "TYPE", "master");
        d.both("CLIENT", "REPLY", "MAYBE");
        d.both("CLIENT", "PAUSE", "abc");
        d.both("CLIENT", "PAUSE", "-1");
        d.both("CLIENT", "PAUSE", "10", "FOO");
        d.both("CLIENT", "PAUSE", "10", "WRITE", "x");
        d.both("CLIENT", "UNPAUSE");
        d.both("CLIENT", "NO-EVICT", "maybe");
        d.both("CLIENT", "NO-EVICT", "on");
        d.both("CLIENT", "INFO", "x");
        d.both("SELECT", "16");
        d.both("SELECT", "-1");
        d.both("SELECT", "x");
        d.both("SELECT", "0");
        d.both("PING", "a", "b");
        d.both("ECHO");
        d.both("RESET", "x");
        d.both("RESET");
    }

    @Test
    void clientListFieldsInRedisOrder() {
        String ours = ((Resp.Bulk) d.ours.call("CLIENT", "INFO")).text();
        String real = ((Resp.Bulk) d.real.call("CLIENT", "INFO")).text();
        assertThat(fieldNames(ours)).isEqualTo(fieldNames(real));
        assertThat(ours).contains(" flags=N ", " db=0 ", " cmd=client|info ", " user=default ", " resp=2", " multi=-1 ");
        // argv-mem: the running command's arguments ("client" + "info"), as Redis counts them
        assertThat(ours).contains(" argv-mem=10 ");
        assertThat(real).contains(" argv-mem=10 ");
        d.ours.call("CLIENT", "SETNAME", "n1");
        String line = ((Resp.Bulk) d.ours.call("CLIENT", "INFO")).text();
        assertThat(line).contains(" name=n1 ");
        d.ours.call("HELLO", "3");
        assertThat(d.ours.call("CLIENT", "INFO")).isInstanceOf(Resp.Verbatim.class);
    }

    private static List<String> fieldNames(String line) {
        List<String> names = new ArrayList<>();
        for (String f : line.trim().split(" ")) {
            names.add(f.substring(0, f.indexOf('=')));
        }
        return names;
    }

    @Test
    void clientReplyOffAndSkip() {
        try (RespClient c = server.client()) {
            c.send("CLIENT", "REPLY", "OFF");
            c.send("SET", "k", "v");
            c.send("CLIENT", "REPLY", "ON");
            assertThat(c.read()).isEqualTo(new Resp.Simple("OK"));
            c.send("CLIENT", "REPLY", "SKIP");
            c.send("GET", "k");
            c.send("ECHO", "after");
            assertThat(c.read()).isEqualTo(new Resp.Bulk("after".getBytes()));
        }
    }

    @Test
    void resetRestoresTheConnectionState() {
        try (RespClient c = server.client()) {
            c.call("HELLO", "3", "SETNAME", "x");
            c.call("SELECT", "2");
            assertThat(c.call("RESET")).isEqualTo(new Resp.Simple("RESET"));
            assertThat(c.call("CLIENT", "GETNAME")).isEqualTo(new Resp.Null('$'));
            String info = ((Resp.Bulk) c.call("CLIENT", "INFO")).text();
            assertThat(info).contains(" db=0 ", " resp=2");
        }
    }

    @Test
    void clientKillClosesTheOtherConnection() {
        try (RespClient victim = server.client(); RespClient killer = server.client()) {
            long id = ((Resp.Int) victim.call("CLIENT", "ID")).value();
            assertThat(killer.call("CLIENT", "KILL", "ID", Long.toString(id))).isEqualTo(new Resp.Int(1));
            victim.timeout(2000);
            assertThat(victim.isClosedByServer()).isTrue();
            assertThat(killer.call("CLIENT", "KILL", "ID", Long.toString(((Resp.Int) killer.call("CLIENT", "ID")).value()),
                    "SKIPME", "no")).isEqualTo(new Resp.Int(1));
            assertThat(killer.isClosedByServer()).isTrue();
        }
    }

    @Test
    void clientPauseDelaysWritesNotReads() throws Exception {
        try (RespClient pauser = server.client(); RespClient writer = server.client()) {
            assertThat(pauser.call("CLIENT", "PAUSE", "400", "WRITE")).isEqualTo(new Resp.Simple("OK"));
            long t0 = System.nanoTime();
            assertThat(writer.call("GET", "k")).isEqualTo(new Resp.Null('$'));
            assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(300);
            assertThat(writer.call("SET", "k", "v")).isEqualTo(new Resp.Simple("OK"));
            assertThat((System.nanoTime() - t0) / 1_000_000).isGreaterThanOrEqualTo(300);
            pauser.call("CLIENT", "PAUSE", "5000", "ALL");
            writer.send("PING");
            Thread.sleep(100);
            assertThat(pauser.call("CLIENT", "UNPAUSE")).isEqualTo(new Resp.Simple("OK"));
            assertThat(writer.read()).isEqualTo(new Resp.Simple("PONG"));
        }
    }

    /** qbuf as Redis counts it: the running request's bytes, and what follows it in the pipeline. */
    @Test
    void qbufHoldsTheRunningRequest() {
        assertThat(qbuf(d.ours, false)).isEqualTo(qbuf(d.real, false)).isEqualTo("26");
        assertThat(qbuf(d.ours, true)).isEqualTo(qbuf(d.real, true));
    }

    private static String qbuf(RespClient c, boolean pipelined) {
        if (pipelined) {
            c.writeRaw("*2\r\n$6\r\nclient\r\n$4\r\ninfo\r\n*1\r\n$4\r\nPING\r\n");
        } else {
            c.send("client", "info");
        }
        String info = ((Resp.Bulk) c.read()).text();
        if (pipelined) {
            c.read(); // PONG
        }
        for (String f : info.trim().split(" ")) {
            if (f.startsWith("qbuf=")) {
                return f.substring(5);
            }
        }
        return null;
    }
}
