package dev.cinnabar.tests.unit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.testkit.CinnabarExtension;
import dev.cinnabar.testkit.RespClient;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * CLIENT LIST's output figures of a client that stops reading, against real Redis 7.0: the reply
 * buffer's bytes (obl) and the output beyond it (omem and oll, Redis's reply list: its blocks not
 * sent entirely, one per large reply), and tot-mem and
 * mem_clients_normal holding that output. The amounts differ with what each socket absorbed, so
 * the relations between the fields are compared, on both servers.
 */
class ClientOutputFiguresTest {
    @RegisterExtension
    static CinnabarExtension server = new CinnabarExtension();

    @RegisterExtension
    static DifferentialPair d = new DifferentialPair(server);

    private static Map<String, String> fields(RespClient c, String name) {
        for (String line : c.call("CLIENT", "LIST").asText().split("\n")) {
            if (line.contains(" name=" + name + " ")) {
                Map<String, String> f = new HashMap<>();
                for (String kv : line.trim().split(" ")) {
                    int eq = kv.indexOf('=');
                    f.put(kv.substring(0, eq), kv.substring(eq + 1));
                }
                return f;
            }
        }
        throw new AssertionError("no client " + name);
    }

    private static long info(RespClient c, String field) {
        for (String line : c.call("INFO", "memory").asText().split("\r\n")) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.substring(field.length() + 1));
            }
        }
        throw new AssertionError(field);
    }

    @Test
    void aClientThatStopsReadingHoldsItsRepliesInOmemNotObl() throws Exception {
        for (RespClient c : List.of(d.real, d.ours)) {
            int port = c == d.real ? d.redisPort() : server.port();
            c.call("SET", "big", "x".repeat(100_000));
            try (Socket slow = new Socket()) {
                slow.setReceiveBufferSize(4096);
                slow.connect(new java.net.InetSocketAddress("127.0.0.1", port));
                OutputStream out = slow.getOutputStream();
                out.write("*3\r\n$6\r\nCLIENT\r\n$7\r\nSETNAME\r\n$4\r\nslow\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                slow.getInputStream().readNBytes(5); // +OK\r\n
                Map<String, String> idle = fields(c, "slow");
                assertThat(idle).as("idle on port %d", port).containsEntry("obl", "0").containsEntry("oll", "0")
                        .containsEntry("omem", "0").containsEntry("rbs", "16384");
                out.write("*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n".repeat(200).getBytes(StandardCharsets.US_ASCII));
                out.flush();
                Map<String, String> f = null;
                long deadline = System.currentTimeMillis() + 5000;
                do {
                    Thread.sleep(50);
                    f = fields(c, "slow");
                } while (!"rw".equals(f.get("events")) || Long.parseLong(f.get("omem")) < 10_000_000
                        && System.currentTimeMillis() < deadline);
                long omem = Long.parseLong(f.get("omem"));
                assertThat(f).as("stuck on port %d", port).containsEntry("obl", "0").containsEntry("events", "rw");
                assertThat(omem).as("omem on port %d", port).isGreaterThan(10_000_000);
                long oll = Long.parseLong(f.get("oll"));
                // omem and oll are Redis's reply list: one block per 100 KB reply the socket has not
                // taken entirely, each counted whole (not the whole outbound buffer in one or two
                // entries, what the socket took of it included)
                assertThat(oll).as("oll on port %d", port).isBetween(100L, 200L);
                assertThat(omem / oll).as("omem per block on port %d", port).isBetween(100_000L, 100_200L);
                // the reply buffer counts whole besides the output beyond it
                assertThat(Long.parseLong(f.get("tot-mem"))).isGreaterThanOrEqualTo(omem + Long.parseLong(f.get("rbs")));
                // Redis's per-type sums catch up with a client that only writes in its clients cron
                // (the stuck client's output keeps draining into the kernel meanwhile, so the sum is
                // checked against the 10 MB it held at least, not the figure read a moment before)
                long normal = info(c, "mem_clients_normal");
                for (deadline = System.currentTimeMillis() + 3000; normal < 10_000_000
                        && System.currentTimeMillis() < deadline; ) {
                    Thread.sleep(50);
                    normal = info(c, "mem_clients_normal");
                }
                assertThat(normal).isGreaterThan(10_000_000);
            }
        }
    }
}
