package dev.cinnabar.tests.unit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.server.CinnabarServer;
import dev.cinnabar.testkit.CinnabarExtension;
import dev.cinnabar.testkit.Resp;
import dev.cinnabar.testkit.RespClient;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** TIME, LASTSAVE and SHUTDOWN (tests/unit/shutdown.tcl, other.tcl). */
class ShutdownTimeTest {
    @RegisterExtension
    static CinnabarExtension server = new CinnabarExtension();
    @RegisterExtension
    static DifferentialPair d = new DifferentialPair(server);


    @Test
    void timeIsWallClockWithMicroseconds() {
        try (RespClient c = server.client()) {
            List<Resp> t = ((Resp.Agg) c.call("TIME")).items();
            assertThat(t).hasSize(2).allMatch(r -> r instanceof Resp.Bulk);
            long secs = Long.parseLong(t.get(0).asText());
            long usec = Long.parseLong(t.get(1).asText());
            assertThat(secs).isBetween(System.currentTimeMillis() / 1000 - 2, System.currentTimeMillis() / 1000 + 2);
            assertThat(usec).isBetween(0L, 999_999L);
            List<Resp> t2 = ((Resp.Agg) c.call("TIME")).items();
            long a = secs * 1_000_000 + usec;
            long b = Long.parseLong(t2.get(0).asText()) * 1_000_000 + Long.parseLong(t2.get(1).asText());
            assertThat(b).isGreaterThanOrEqualTo(a);
        }
    }

    @Test
    void lastsaveIsTheStartTimeWithoutSaves() {
        try (RespClient c = server.client()) {
            long t = ((Resp.Int) c.call("LASTSAVE")).value();
            assertThat(t).isEqualTo(server.server().context().startMillis() / 1000);
            assertThat(c.call("INFO", "persistence").asText()).contains("rdb_last_save_time:" + t + "\r\n");
        }
    }

    @Test
    void shutdownArgumentErrorsMatchRedis() {
        {
            RespClient ours = d.ours;
            RespClient theirs = d.real;
            for (List<String> cmd : List.of(List.of("SHUTDOWN", "ABORT"), List.of("SHUTDOWN", "abort", "now"),
                    List.of("SHUTDOWN", "SAVE", "NOSAVE"), List.of("SHUTDOWN", "foo"),
                    List.of("SHUTDOWN", "NOW", "FORCE", "ABORT"), List.of("LASTSAVE", "x"), List.of("TIME", "x"))) {
                assertThat(ours.call(cmd)).as(cmd.toString()).isEqualTo(theirs.call(cmd));
            }
        }
    }

    @Test
    void shutdownStopsAnEmbeddedServerButNotTheJvm() throws Exception {
        CinnabarServer s = CinnabarServer.builder().start();
        try (RespClient c = new RespClient(s.port())) {
            c.send("SHUTDOWN", "NOSAVE", "NOW");
            assertThat(c.isClosedByServer()).isTrue();
        }
        long deadline = System.currentTimeMillis() + 10_000;
        while (!s.isClosed() && System.currentTimeMillis() < deadline) {
            Thread.sleep(10);
        }
        assertThat(s.isClosed()).isTrue();
        // the JVM (this test) is still running, and the port is free again
        try (java.net.ServerSocket ss = new java.net.ServerSocket()) {
            ss.setReuseAddress(true);
            ss.bind(new java.net.InetSocketAddress("127.0.0.1", s.port()));
        }
    }
}
