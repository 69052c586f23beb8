package dev.cinnabar.tests.unit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.server.CinnabarServer;
import dev.cinnabar.testkit.RealRedis;
import dev.cinnabar.testkit.Resp;
import dev.cinnabar.testkit.RespClient;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * watchdog-period against real Redis 7.0: the value as CONFIG GET reports it once applied (0 is
 * off, others are raised to two cron periods at the hz of the time), and the report a command
 * running past the period leaves in the log ("--- WATCHDOG TIMER EXPIRED ---", a stack trace,
 * the closing line), once for that command, none once the period is 0 again.
 */
class WatchdogTest {
    private static final String HEADER = "--- WATCHDOG TIMER EXPIRED ---";

    private static void same(RespClient real, RespClient ours, String... cmd) {
        Resp expected = real.call(cmd);
        assertThat(ours.call(cmd)).as(String.join(" ", cmd)).isEqualTo(expected);
    }

    @Test
    void periodIsRaisedToTwoCronPeriods(@TempDir Path tmp) {
        try (RealRedis redis = RealRedis.start("--watchdog-period", "5", "--hz", "100");
             CinnabarServer server = CinnabarServer.builder().setting("watchdog-period", "5").setting("hz", "100")
                     .start();
             RespClient real = redis.client();
             RespClient ours = new RespClient(server.port())) {
            same(real, ours, "CONFIG", "GET", "watchdog-period"); // 20: hz read after the whole configuration
            same(real, ours, "CONFIG", "SET", "hz", "10");
            same(real, ours, "CONFIG", "GET", "watchdog-period"); // unchanged by hz alone
            for (String v : new String[] {"5", "199", "201", "0", "-1", "x", "3", "1000"}) {
                same(real, ours, "CONFIG", "SET", "watchdog-period", v);
                same(real, ours, "CONFIG", "GET", "watchdog-period");
            }
            same(real, ours, "CONFIG", "SET", "hz", "3");
            same(real, ours, "CONFIG", "SET", "watchdog-period", "1");
            same(real, ours, "CONFIG", "GET", "watchdog-period"); // (1000 / 3) * 2 = 666
            same(real, ours, "CONFIG", "SET", "watchdog-period", "0");
        }
    }

    @Test
    void aCommandPastThePeriodIsReportedWithItsStack(@TempDir Path tmp) throws Exception {
        Path ourLog = tmp.resolve("cinnabar.log");
        try (RealRedis redis = RealRedis.start("--enable-debug-command", "yes");
             CinnabarServer server = CinnabarServer.builder().setting("enable-debug-command", "yes")
                     .setting("logfile", ourLog.toString()).start();
             RespClient real = redis.client();
             RespClient ours = new RespClient(server.port())) {
            Path realLog = redis.dir().resolve("redis.log");
            same(real, ours, "DEBUG", "SLEEP", "0.5"); // off by default: nothing logged
            assertThat(count(realLog, HEADER)).isZero();
            assertThat(count(ourLog, HEADER)).isZero();

            same(real, ours, "CONFIG", "SET", "watchdog-period", "200");
            same(real, ours, "DEBUG", "SLEEP", "1");
            for (Path log : new Path[] {realLog, ourLog}) {
                String text = Files.readString(log);
                assertThat(count(log, HEADER)).as(log.toString()).isEqualTo(1);
                assertThat(text).as(log.toString()).contains("------ STACK TRACE ------", "EIP:", "Backtrace:");
                assertThat(text).as(log.toString()).containsPattern("\\d+:signal-handler \\(\\d+\\) \n" + HEADER);
                assertThat(text).as(log.toString()).containsPattern("\\d+:signal-handler \\(\\d+\\) --------\n");
            }
            // ours names the code the command was running: DEBUG SLEEP's sleep
            assertThat(Files.readString(ourLog)).contains("DebugCommand");

            same(real, ours, "CONFIG", "SET", "watchdog-period", "0");
            same(real, ours, "DEBUG", "SLEEP", "0.5");
            assertThat(count(realLog, HEADER)).isEqualTo(1);
            assertThat(count(ourLog, HEADER)).isEqualTo(1);
        }
    }

    private static int count(Path log, String s) throws Exception {
        String text = Files.exists(log) ? Files.readString(log) : "";
        int n = 0;
        for (int i = text.indexOf(s); i >= 0; i = text.indexOf(s, i + 1)) {
            n++;
        }
        return n;
    }
}
