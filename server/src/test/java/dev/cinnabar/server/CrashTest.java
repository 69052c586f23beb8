package dev.cinnabar.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A dead cron stops the server instead of leaving it up without expiry and timeouts. */
class CrashTest {
    @Test
    void anErrorInTheCronIsACrash() throws Exception {
        try (CinnabarServer s = CinnabarServer.builder().start()) {
            CompletableFuture<String> crashed = new CompletableFuture<>();
            Crash.of(s.context()).onCrash(crashed::complete);
            s.cron().add(now -> {
                throw new OutOfMemoryError("simulated");
            });
            assertThat(crashed.get(10, TimeUnit.SECONDS)).isEqualTo(
                    "the cron thread failed (java.lang.OutOfMemoryError: simulated)");
            assertThat(Crash.of(s.context()).crashed()).isTrue();
        }
    }

    @Test
    void anExceptionInACronTaskIsLoggedAndTheCronGoesOn() throws Exception {
        try (CinnabarServer s = CinnabarServer.builder().start()) {
            CompletableFuture<String> crashed = new CompletableFuture<>();
            Crash.of(s.context()).onCrash(crashed::complete);
            int[] runs = {0};
            s.cron().add(now -> {
                if (runs[0]++ == 0) {
                    throw new IllegalStateException("one bad cycle");
                }
            });
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (runs[0] < 3 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(runs[0]).isGreaterThanOrEqualTo(3);
            assertThat(crashed).isNotDone();
        }
    }

    /** Without a handler of its own, an embedded server closes itself. */
    @Test
    void anEmbeddedServerClosesOnACrash() throws Exception {
        CinnabarServer s = CinnabarServer.builder().start();
        Crash.of(s.context()).threadDied("a test", null);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!s.isClosed() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(s.isClosed()).isTrue();
    }

    /** crash-log-enabled: the dead thread's stack trace follows the fatal line, or only that line with no. */
    @Test
    void crashLogEnabledAddsTheStackTrace(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        for (String enabled : new String[] {"yes", "no"}) {
            java.nio.file.Path log = dir.resolve("log-" + enabled);
            try (CinnabarServer s = CinnabarServer.builder().setting("logfile", log.toString())
                    .setting("crash-log-enabled", enabled).start()) {
                Crash.of(s.context()).onCrash(reason -> { });
                Crash.of(s.context()).threadDied("a test thread", new OutOfMemoryError("simulated"));
            }
            String text = java.nio.file.Files.readString(log);
            assertThat(text).contains("Fatal: a test thread (java.lang.OutOfMemoryError: simulated)");
            if (enabled.equals("yes")) {
                assertThat(text).contains("------ STACK TRACE ------", "java.lang.OutOfMemoryError: simulated",
                        "at dev.cinnabar.server.CrashTest.crashLogEnabledAddsTheStackTrace");
            } else {
                assertThat(text).doesNotContain("STACK TRACE");
            }
        }
    }
}
