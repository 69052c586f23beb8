package dev.cinnabar.tests.unit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.testkit.CinnabarExtension;
import dev.cinnabar.testkit.Resp;
import dev.cinnabar.testkit.RespClient;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** CONFIG GET/SET/RESETSTAT/REWRITE/HELP, compared with real Redis 7.0 (tests/unit/introspection.tcl). */
class ConfigTest {
    @RegisterExtension
    static CinnabarExtension server = new CinnabarExtension().keepDataBetweenTests()
            .setting("save", "").setting("appendonly", "no");
    @RegisterExtension
    static DifferentialPair d = new DifferentialPair(server);

    /**
     * Directives whose value depends on how each server was started (port, paths) or that
     * deviate on purpose: io-threads reports 1 like Redis's default but means "automatic" here.
     */
    private static final Set<String> STARTUP_DEPENDENT = Set.of("port", "bind", "dir", "logfile", "loglevel",
            "daemonize", "pidfile");


    private static Map<String, String> asMap(Resp r) {
        Map<String, String> m = new HashMap<>();
        List<Resp> items = ((Resp.Agg) r).items();
        for (int i = 0; i < items.size(); i += 2) {
            m.put(items.get(i).asText(), items.get(i + 1).asText());
        }
        return m;
    }

    @Test
    void everyDirectiveReportsRedisDefault() {
        {
            RespClient ours = d.ours;
            RespClient theirs = d.real;
            Map<String, String> a = asMap(ours.call("CONFIG", "GET", "*"));
            Map<String, String> b = asMap(theirs.call("CONFIG", "GET", "*"));
            assertThat(a.keySet()).isEqualTo(b.keySet());
            for (String k : b.keySet()) {
                if (!STARTUP_DEPENDENT.contains(k)) {
                    assertThat(a.get(k)).as(k).isEqualTo(b.get(k));
                }
            }
        }
    }

    @Test
    void hiddenDirectivesOnlyByExactName() {
        {
            RespClient ours = d.ours;
            RespClient theirs = d.real;
            for (String q : List.of("key-load-delay", "key-load-*", "watchdog-period", "MAXMEMORY", "slaveof")) {
                assertThat(ours.call("CONFIG", "GET", q)).as(q).isEqualTo(theirs.call("CONFIG", "GET", q));
            }
            assertThat(asMap(ours.call("CONFIG", "GET", "*ziplist*", "maxmemory-p*")))
                    .isEqualTo(asMap(theirs.call("CONFIG", "GET", "*ziplist*", "maxmemory-p*")));
        }
    }

    @Test
    void configSetErrorsMatchRedis() {
        List<List<String>> cases = List.of(
                List.of("CONFIG", "SET", "port", "1", "2"),
                List.of("CONFIG", "SET", "port"),
                List.of("CONFIG", "SET", "foo", "bar"),
                List.of("CONFIG", "SET", "hz", "1", "maxmemory", "1", "hz", "3"),
                List.of("CONFIG", "SET", "daemonize", "yes"),
                List.of("CONFIG", "SET", "slaveof", "1 2"),
                List.of("CONFIG", "SET", "dir", "/tmp"),
                List.of("CONFIG", "SET", "maxmemory", "-1"),
                List.of("CONFIG", "SET", "maxmemory", "1.5mb"),
                List.of("CONFIG", "SET", "proto-max-bulk-len", "10"),
                List.of("CONFIG", "SET", "maxmemory-clients", "200%"),
                List.of("CONFIG", "SET", "hz", "abc"),
                List.of("CONFIG", "SET", "activerehashing", "maybe"),
                List.of("CONFIG", "SET", "maxmemory-policy", "bad"),
                List.of("CONFIG", "SET", "save", "1"),
                List.of("CONFIG", "SET", "client-output-buffer-limit", "normal 1 2"),
                List.of("CONFIG", "SET", "client-output-buffer-limit", "master 1 2 3"),
                List.of("CONFIG", "SET", "oom-score-adj-values", "1 2"),
                List.of("CONFIG", "SET", "oom-score-adj-values", "1 2 x"),
                List.of("CONFIG", "SET", "notify-keyspace-events", "Q"),
                List.of("CONFIG", "SET", "latency-tracking-info-percentiles", "50 101"),
                List.of("CONFIG", "SET", "bind", "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17"),
                List.of("CONFIG", "SET", "enable-debug-command", "yes"),
                List.of("CONFIG", "BOGUS"),
                List.of("CONFIG", "GET"),
                List.of("CONFIG"));
        {
            RespClient ours = d.ours;
            RespClient theirs = d.real;
            for (List<String> cmd : cases) {
                assertThat(ours.call(cmd)).as(cmd.toString()).isEqualTo(theirs.call(cmd));
            }
        }
    }

    @Test
    void configSetIsAtomicAndRoundTrips() {
        {
            RespClient ours = d.ours;
            RespClient theirs = d.real;
            for (RespClient c : List.of(ours, theirs)) {
                assertThat(c.call("CONFIG", "SET", "maxmemory", "10mb", "hz", "abc").toString()).startsWith("-ERR");
                assertThat(c.call("CONFIG", "GET", "maxmemory").toString()).contains("\"0\"");
            }
            List<List<String>> sets = List.of(
                    List.of("CONFIG", "SET", "maxmemory", "10mb", "hz", "20", "slave-priority", "7"),
                    List.of("CONFIG", "SET", "save", "100 1 200 2"),
                    List.of("CONFIG", "SET", "client-output-buffer-limit", "pubsub 1mb 2mb 3"),
                    List.of("CONFIG", "SET", "notify-keyspace-events", "KEA"),
                    List.of("CONFIG", "SET", "maxmemory-clients", "10%"),
                    List.of("CONFIG", "SET", "hz", "0"),
                    List.of("CONFIG", "SET", "MAXMEMORY-POLICY", "ALLKEYS-LRU"));
            for (List<String> s : sets) {
                assertThat(ours.call(s)).as(s.toString()).isEqualTo(theirs.call(s));
            }
            for (String q : List.of("maxmemory", "hz", "replica-priority", "save", "client-output-buffer-limit",
                    "notify-keyspace-events", "maxmemory-clients", "maxmemory-policy")) {
                assertThat(ours.call("CONFIG", "GET", q)).as(q).isEqualTo(theirs.call("CONFIG", "GET", q));
            }
            List<List<String>> restore = List.of(
                    List.of("CONFIG", "SET", "maxmemory", "0", "hz", "10", "replica-priority", "100", "save", "",
                            "notify-keyspace-events", "", "maxmemory-clients", "0", "maxmemory-policy", "noeviction"),
                    List.of("CONFIG", "SET", "client-output-buffer-limit", "pubsub 32mb 8mb 60"));
            for (List<String> s : restore) {
                assertThat(ours.call(s)).isEqualTo(theirs.call(s));
            }
        }
    }

    @Test
    void helpResetstatAndRewriteWithoutFile() {
        {
            RespClient ours = d.ours;
            RespClient theirs = d.real;
            for (String sub : List.of("RESETSTAT", "REWRITE")) {
                assertThat(ours.call("CONFIG", sub)).as(sub).isEqualTo(theirs.call("CONFIG", sub));
            }
            // HELP: the same shape as Redis's (status lines), in our own words
            assertThat(ours.call("CONFIG", "HELP").toString()).startsWith("*[+CONFIG <subcommand>");
        }
    }

    @Test
    void configSetPortAndBindMoveTheListener() throws Exception {
        int oldPort = server.port();
        int newPort = dev.cinnabar.testkit.Ports.free();
        try (RespClient c = server.client()) {
            assertThat(c.call("CONFIG", "SET", "port", Integer.toString(newPort)).asText()).isEqualTo("OK");
            try (RespClient moved = new RespClient(newPort)) {
                assertThat(moved.call("PING").asText()).isEqualTo("PONG");
            }
            // the connection made on the old port stays open
            assertThat(c.call("CONFIG", "GET", "port").toString()).contains("\"" + newPort + "\"");
            // a port someone else holds: Redis's error, and the listener stays where it was
            try (java.net.ServerSocket busy = new java.net.ServerSocket(0, 1,
                    java.net.InetAddress.getByName("127.0.0.1"))) {
                String busyPort = Integer.toString(busy.getLocalPort());
                Resp ours = c.call("CONFIG", "SET", "port", busyPort);
                Resp theirs = d.real.call("CONFIG", "SET", "port", busyPort);
                assertThat(ours).isEqualTo(theirs);
            }
            assertThat(c.call("CONFIG", "GET", "port").toString()).contains("\"" + newPort + "\"");
            try (RespClient again = new RespClient(newPort)) {
                assertThat(again.call("PING").asText()).isEqualTo("PONG");
            }
            Resp badBind = c.call("CONFIG", "SET", "bind", "10.255.255.1");
            assertThat(badBind).isEqualTo(d.real.call("CONFIG", "SET", "bind", "10.255.255.1"));
            assertThat(c.call("CONFIG", "SET", "bind", "127.0.0.1", "port", Integer.toString(oldPort)).asText())
                    .isEqualTo("OK");
        }
        try (RespClient back = new RespClient(oldPort)) {
            assertThat(back.call("PING").asText()).isEqualTo("PONG");
        }
    }

    private static int oomScore(long pid) throws Exception {
        return Integer.parseInt(java.nio.file.Files.readString(
                java.nio.file.Path.of("/proc/" + pid + "/oom_score_adj")).trim());
    }

    /** oom-score-adj moves the process's OOM score as Redis moves its own (oom-score-adj.tcl). */
    @Test
    void oomScoreAdjMovesTheProcessScore() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(
                java.nio.file.Files.isWritable(java.nio.file.Path.of("/proc/self/oom_score_adj")), "no writable oom_score_adj");
        long ours = ProcessHandle.current().pid();
        String info = d.real.call("INFO", "server").asText();
        long theirs = Long.parseLong(info.replaceAll("(?s).*process_id:(\\d+).*", "$1"));
        int ourBase = oomScore(ours);
        int theirBase = oomScore(theirs);
        try {
            d.both("CONFIG", "SET", "oom-score-adj-values", "9 9 9", "oom-score-adj", "yes");
            assertThat(oomScore(ours) - ourBase).isEqualTo(oomScore(theirs) - theirBase).isEqualTo(9);
            d.both("CONFIG", "SET", "oom-score-adj-values", "15 20 30");
            assertThat(oomScore(ours) - ourBase).isEqualTo(oomScore(theirs) - theirBase).isEqualTo(15);
            d.both("CONFIG", "SET", "oom-score-adj", "absolute");
            assertThat(oomScore(ours)).isEqualTo(oomScore(theirs)).isEqualTo(15);
            d.both("CONFIG", "GET", "oom-score-adj");
            d.both("CONFIG", "GET", "oom-score-adj-values");
            d.both("CONFIG", "SET", "oom-score-adj-values", "-2001 0 0");
            d.both("CONFIG", "SET", "oom-score-adj", "maybe");
        } finally {
            d.both("CONFIG", "SET", "oom-score-adj", "no");
            d.both("CONFIG", "SET", "oom-score-adj-values", "0 200 800");
        }
        assertThat(oomScore(ours)).isEqualTo(ourBase);
        assertThat(oomScore(theirs)).isEqualTo(theirBase);
    }

    /** lfu-log-factor changes how fast OBJECT FREQ's counter grows (0: every access counts), as Redis. */
    @Test
    void lfuLogFactorDrivesTheCounter() {
        try {
            d.both("CONFIG", "SET", "maxmemory-policy", "allkeys-lfu", "lfu-log-factor", "0", "lfu-decay-time", "0");
            d.both("SET", "lfu", "v");
            for (int i = 0; i < 30; i++) {
                d.both("GET", "lfu");
            }
            d.both("OBJECT", "FREQ", "lfu");
            d.both("CONFIG", "GET", "lfu-log-factor");
        } finally {
            d.both("CONFIG", "SET", "maxmemory-policy", "noeviction", "lfu-log-factor", "10", "lfu-decay-time", "1");
            d.both("DEL", "lfu");
        }
    }
}
