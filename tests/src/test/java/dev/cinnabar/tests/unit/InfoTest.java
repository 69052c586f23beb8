package dev.cinnabar.tests.unit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.testkit.CinnabarExtension;
import dev.cinnabar.testkit.Resp;
import dev.cinnabar.testkit.RespClient;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** INFO: Redis 7.0's sections, field names and order, and values that follow what the server does (tests/unit/info.tcl). */
class InfoTest {
    @RegisterExtension
    static CinnabarExtension server = new CinnabarExtension().keepDataBetweenTests();
    @RegisterExtension
    static DifferentialPair d = new DifferentialPair(server);


    /** section title → field → value, in order. */
    static Map<String, Map<String, String>> parse(Resp r) {
        String text = r instanceof Resp.Verbatim v ? v.text() : r.asText();
        Map<String, Map<String, String>> out = new LinkedHashMap<>();
        Map<String, String> cur = null;
        for (String line : text.split("\r\n", -1)) {
            if (line.startsWith("# ")) {
                cur = new LinkedHashMap<>();
                out.put(line.substring(2), cur);
            } else if (!line.isEmpty()) {
                int i = line.indexOf(':');
                cur.put(line.substring(0, i), line.substring(i + 1));
            }
        }
        return out;
    }

    static final List<String> ACL_STATS = List.of("acl_access_denied_auth", "acl_access_denied_cmd",
            "acl_access_denied_key", "acl_access_denied_channel");

    static List<String> fields(Map<String, String> section) {
        return new ArrayList<>(section.keySet());
    }

    @Test
    void sectionsAndFieldsInRedisOrder() {
        {
            RespClient ours = d.ours;
            RespClient theirs = d.real;
            for (List<String> args : List.of(List.of("INFO"), List.of("INFO", "default"), List.of("INFO", "all"),
                    List.of("INFO", "server", "STATS"), List.of("INFO", "nosuchsection"))) {
                Map<String, Map<String, String>> a = parse(ours.call(args));
                Map<String, Map<String, String>> b = parse(theirs.call(args));
                assertThat(a.keySet()).as(args.toString()).containsExactlyElementsOf(b.keySet());
                for (String section : List.of("Clients", "Memory", "Persistence", "Stats", "Replication", "CPU",
                        "Cluster")) {
                    if (b.containsKey(section)) {
                        List<String> ours1 = fields(a.get(section));
                        if (section.equals("Stats")) {
                            // Redis 7.2's ACL counters, printed last as 7.2 does; 7.0 has none
                            assertThat(ours1.subList(ours1.size() - ACL_STATS.size(), ours1.size())).isEqualTo(ACL_STATS);
                            ours1 = ours1.subList(0, ours1.size() - ACL_STATS.size());
                        }
                        assertThat(ours1).as(section).isEqualTo(fields(b.get(section)));
                    }
                }
                if (b.containsKey("Server")) {
                    List<String> ours2 = fields(a.get("Server"));
                    assertThat(ours2.get(ours2.size() - 1)).isEqualTo("cinnabar_version");
                    assertThat(ours2.subList(0, ours2.size() - 1)).isEqualTo(fields(b.get("Server")));
                }
            }
        }
    }

    @Test
    void valuesFollowTheServer() {
        try (RespClient c = server.client()) {
            c.call("CONFIG", "RESETSTAT");
            c.call("SET", "k", "v");
            c.call("SET", "e", "v", "EX", "100");
            c.call("GET", "k");
            c.call("GET", "missing");
            c.call("NOSUCHCOMMAND");
            c.call("SET", "k");
            c.call("CONFIG", "GET", "maxmemory");
            Map<String, Map<String, String>> info = parse(c.call("INFO", "everything"));
            Map<String, String> server2 = info.get("Server");
            assertThat(server2.get("redis_version")).isEqualTo("7.0.15");
            assertThat(server2.get("tcp_port")).isEqualTo(Integer.toString(server.port()));
            assertThat(server2.get("process_id")).isEqualTo(Long.toString(ProcessHandle.current().pid()));
            assertThat(server2.get("run_id")).hasSize(40);
            // this client and the differential pair's
            assertThat(info.get("Clients").get("connected_clients")).isEqualTo("2");
            assertThat(Long.parseLong(info.get("Memory").get("used_memory"))).isPositive();
            assertThat(info.get("Memory").get("maxmemory_policy")).isEqualTo("noeviction");
            Map<String, String> stats = info.get("Stats");
            assertThat(stats.get("keyspace_hits")).isEqualTo("1");
            assertThat(stats.get("keyspace_misses")).isEqualTo("1");
            assertThat(stats.get("total_error_replies")).isEqualTo("2");
            assertThat(info.get("Errorstats")).containsEntry("errorstat_ERR", "count=2");
            Map<String, String> cs = info.get("Commandstats");
            assertThat(cs.get("cmdstat_set")).matches("calls=2,usec=\\d+,usec_per_call=\\d+\\.\\d\\d,rejected_calls=1,"
                    + "failed_calls=0");
            assertThat(cs.get("cmdstat_config|get")).startsWith("calls=1,");
            assertThat(cs).containsKey("cmdstat_config|resetstat");
            assertThat(info.get("Keyspace").get("db0")).startsWith("keys=2,expires=1,avg_ttl=");
            assertThat(info.get("Replication").get("role")).isEqualTo("master");
            assertThat(Double.parseDouble(info.get("CPU").get("used_cpu_user"))).isPositive();

            c.call("CONFIG", "RESETSTAT");
            Map<String, Map<String, String>> after = parse(c.call("INFO", "stats", "commandstats", "errorstats"));
            assertThat(after.get("Stats").get("keyspace_hits")).isEqualTo("0");
            assertThat(after.get("Errorstats")).isEmpty();
            assertThat(after.get("Commandstats").keySet()).containsExactly("cmdstat_config|resetstat");
        }
    }

    @Test
    void resp3RepliesVerbatimLikeRedis() {
        {
            RespClient ours = d.ours;
            RespClient theirs = d.real;
            Resp a = ours.call("HELLO", "3");
            Resp b = theirs.call("HELLO", "3");
            org.junit.jupiter.api.Assumptions.assumeTrue(!(a instanceof Resp.Err), "HELLO not bound yet");
            assertThat(ours.call("INFO", "cluster")).isEqualTo(theirs.call("INFO", "cluster"));
            assertThat(b).isNotNull();
        }
    }

    /** Clients postponed by CLIENT PAUSE count as blocked_clients, as in Redis (pause.tcl waits on it). */
    @Test
    void pausedClientsCountAsBlocked() throws Exception {
        for (int port : List.of(server.port(), d.redisPort())) {
            try (RespClient admin = new RespClient(port); RespClient writer = new RespClient(port)) {
                assertThat(admin.call("CLIENT", "PAUSE", "100000", "WRITE").asText()).isEqualTo("OK");
                writer.send("SET", "paused", "1");
                long deadline = System.currentTimeMillis() + 5000;
                String blocked = "";
                while (System.currentTimeMillis() < deadline) {
                    blocked = parse(admin.call("INFO", "clients")).get("Clients").get("blocked_clients");
                    if (blocked.equals("1")) {
                        break;
                    }
                    Thread.sleep(10);
                }
                assertThat(blocked).as("port %d", port).isEqualTo("1");
                assertThat(admin.call("CLIENT", "UNPAUSE").asText()).isEqualTo("OK");
                assertThat(writer.read().asText()).isEqualTo("OK");
                assertThat(parse(admin.call("INFO", "clients")).get("Clients").get("blocked_clients")).isEqualTo("0");
                admin.call("DEL", "paused"); // this class keeps data between tests
            }
        }
    }
}
