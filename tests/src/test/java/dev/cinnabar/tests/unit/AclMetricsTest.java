package dev.cinnabar.tests.unit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.testkit.CinnabarExtension;
import dev.cinnabar.testkit.Resp;
import dev.cinnabar.testkit.RespClient;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * INFO stats acl_access_denied_* through a real client (the "ACL-Metrics" cases of Redis's
 * tests/unit/acl.tcl): failed AUTH and HELLO AUTH attempts are counted, nothing else is.
 *
 * <p>Redis 7.0 does not print these fields (7.2 added them), so their values cannot be compared
 * with the reference; AuthTest compares the AUTH and HELLO replies themselves with Redis 7.0.
 * The counters are server-wide and, as in Redis, survive CONFIG RESETSTAT, so each test works
 * with differences.
 */
class AclMetricsTest {
    @RegisterExtension
    static CinnabarExtension server = new CinnabarExtension().setting("requirepass", "pw");

    private static final Resp.Simple OK = new Resp.Simple("OK");
    private static final Resp WRONGPASS = new Resp.Err("WRONGPASS invalid username-password pair or user is disabled.");

    private static Map<String, String> stats() {
        try (RespClient admin = server.client()) {
            assertThat(admin.call("AUTH", "default", "pw")).isEqualTo(OK); // also fine while there is no password
            return InfoTest.parse(admin.call("INFO", "stats")).get("Stats");
        }
    }

    private static long deniedAuth() {
        return Long.parseLong(stats().get("acl_access_denied_auth"));
    }

    @Test
    void failedAuthAndHelloAuthAttemptsAreCounted() {
        long before = deniedAuth();
        try (RespClient c = server.client()) {
            assertThat(c.call("AUTH", "wrong")).isEqualTo(WRONGPASS);
            assertThat(c.call("AUTH", "nosuchuser", "pw")).isEqualTo(WRONGPASS);
            assertThat(c.call("HELLO", "3", "AUTH", "default", "wrong")).isEqualTo(WRONGPASS);
            assertThat(deniedAuth()).isEqualTo(before + 3);
            // successes count nothing
            assertThat(c.call("HELLO", "2", "AUTH", "default", "pw")).isInstanceOf(Resp.Agg.class);
            assertThat(c.call("AUTH", "pw")).isEqualTo(OK);
            assertThat(c.call("AUTH", "default", "pw")).isEqualTo(OK);
        }
        assertThat(deniedAuth()).isEqualTo(before + 3);
    }

    @Test
    void pipelinedGuessesAreEachCounted() {
        long before = deniedAuth();
        try (RespClient c = server.client()) {
            for (int i = 0; i < 50; i++) {
                c.send("AUTH", "guess" + i);
            }
            for (int i = 0; i < 50; i++) {
                assertThat(c.read()).isEqualTo(WRONGPASS);
            }
        }
        assertThat(deniedAuth()).isEqualTo(before + 50);
    }

    @Test
    void noauthRefusalsAndAuthWithoutAPasswordAreNotAuthFailures() {
        long before = deniedAuth();
        try (RespClient c = server.client()) {
            assertThat(c.call("GET", "k")).isInstanceOf(Resp.Err.class); // NOAUTH: not an authentication attempt
            assertThat(c.call("AUTH", "pw")).isEqualTo(OK);
            assertThat(c.call("CONFIG", "SET", "requirepass", "")).isEqualTo(OK);
            try {
                assertThat(c.call("AUTH", "anything")).isInstanceOf(Resp.Err.class); // no password configured
                assertThat(c.call("AUTH", "default", "anything")).isEqualTo(OK); // nopass takes any password
                assertThat(deniedAuth()).isEqualTo(before);
            } finally {
                assertThat(c.call("CONFIG", "SET", "requirepass", "pw")).isEqualTo(OK);
            }
        }
    }

    @Test
    void printedLastInStatsAndKeptByConfigResetstat() {
        try (RespClient c = server.client()) {
            assertThat(c.call("AUTH", "wrong")).isEqualTo(WRONGPASS);
        }
        long before = deniedAuth();
        assertThat(before).isPositive();
        try (RespClient admin = server.client()) {
            assertThat(admin.call("AUTH", "pw")).isEqualTo(OK);
            assertThat(admin.call("CONFIG", "RESETSTAT")).isEqualTo(OK);
        }
        Map<String, String> stats = stats();
        assertThat(Long.parseLong(stats.get("acl_access_denied_auth"))).isEqualTo(before);
        assertThat(stats.get("total_error_replies")).isEqualTo("0"); // this one is reset
        // no ACL rules exist, so nothing else is denied
        assertThat(stats).containsEntry("acl_access_denied_cmd", "0").containsEntry("acl_access_denied_key", "0")
                .containsEntry("acl_access_denied_channel", "0");
        assertThat(new java.util.ArrayList<>(stats.keySet()).subList(stats.size() - 4, stats.size()))
                .isEqualTo(InfoTest.ACL_STATS);
    }
}
