package dev.cinnabar.tests.integration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import dev.cinnabar.testkit.CinnabarExtension;
import dev.cinnabar.testkit.RespClient;
import java.io.UncheckedIOException;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;

/**
 * The JUnit 5 extension: one embedded server per class on a free port, settings applied, every
 * database emptied before each test (or kept), the server stopped after the class. The fixture
 * classes run through the JUnit launcher so the whole lifecycle is observed.
 */
class CinnabarExtensionTest {
    static volatile int fixturePort;

    /** Run by the launcher below, not by Surefire (its name does not end in Test). */
    @TestMethodOrder(MethodOrderer.OrderAnnotation.class)
    static class FlushingFixture {
        @RegisterExtension
        static CinnabarExtension server = new CinnabarExtension().setting("databases", "4");

        @Test
        @Order(1)
        void writes() {
            fixturePort = server.port();
            try (RespClient c = server.client()) {
                assertThat(c.call("SET", "k", "1").asText()).isEqualTo("OK");
                assertThat(c.call("SELECT", "3").asText()).isEqualTo("OK");
                assertThat(c.call("SET", "k3", "1").asText()).isEqualTo("OK");
                assertThat(c.call("SELECT", "4").toString()).isEqualTo("-ERR DB index is out of range");
            }
        }

        @Test
        @Order(2)
        void startsEmpty() {
            assertThat(server.port()).isEqualTo(fixturePort);
            try (RespClient c = server.client()) {
                assertThat(c.call("EXISTS", "k").asText()).isEqualTo("0");
                c.call("SELECT", "3");
                assertThat(c.call("EXISTS", "k3").asText()).isEqualTo("0");
            }
        }
    }

    @TestMethodOrder(MethodOrderer.OrderAnnotation.class)
    static class KeepingFixture {
        @RegisterExtension
        static CinnabarExtension server = new CinnabarExtension().keepDataBetweenTests()
                .setting("requirepass", "pw");

        @Test
        @Order(1)
        void writes() {
            try (RespClient c = server.client()) {
                assertThat(c.call("GET", "k").toString()).isEqualTo("-NOAUTH Authentication required.");
            }
            server.server().context().keyspace().db(0).setKey("k".getBytes(), "kept".getBytes(), false);
        }

        @Test
        @Order(2)
        void stillThere() {
            assertThat(server.server().context().keyspace().db(0).exists("k".getBytes())).isTrue();
        }
    }

    static TestExecutionSummary run(Class<?> fixture) {
        SummaryGeneratingListener l = new SummaryGeneratingListener();
        LauncherFactory.create().execute(LauncherDiscoveryRequestBuilder.request().selectors(selectClass(fixture))
                .build(), l);
        return l.getSummary();
    }

    @Test
    void flushesBeforeEachTestAndStopsAfterTheClass() {
        TestExecutionSummary s = run(FlushingFixture.class);
        assertThat(s.getFailures()).as("fixture failures").isEmpty();
        assertThat(s.getTestsSucceededCount()).isEqualTo(2);
        assertThat(fixturePort).isPositive();
        assertThatThrownBy(() -> new RespClient("127.0.0.1", fixturePort, 1000))
                .isInstanceOf(UncheckedIOException.class);
    }

    @Test
    void keepsDataWhenAskedAndWorksWithAPassword() {
        TestExecutionSummary s = run(KeepingFixture.class);
        assertThat(s.getFailures()).as("fixture failures").isEmpty();
        assertThat(s.getTestsSucceededCount()).isEqualTo(2);
    }
}
