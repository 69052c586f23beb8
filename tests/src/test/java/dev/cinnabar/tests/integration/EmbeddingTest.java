package dev.cinnabar.tests.integration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cinnabar.server.CinnabarServer;
import dev.cinnabar.testkit.Ports;
import dev.cinnabar.testkit.RespClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The embedding API: many start/stop cycles, in parallel, on free ports, leaving nothing behind. */
class EmbeddingTest {
    static long cinnabarThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith("cinnabar-")).count();
    }

    static void assertServes(CinnabarServer s, String key) {
        try (RespClient c = new RespClient(s.port())) {
            assertThat(c.call("PING").asText()).isEqualTo("PONG");
            assertThat(c.call("SET", key, "v").asText()).isEqualTo("OK");
            assertThat(c.call("GET", key).asText()).isEqualTo("v");
        }
    }

    static void assertPortReleased(int port) {
        assertThatThrownBy(() -> new RespClient("127.0.0.1", port, 1000)).isInstanceOf(UncheckedIOException.class);
        try (ServerSocket ss = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            assertThat(ss.getLocalPort()).isEqualTo(port);
        } catch (IOException e) {
            throw new AssertionError("port " + port + " still bound after close", e);
        }
    }

    @Test
    void startsAndStopsManyTimes() throws Exception {
        long before = cinnabarThreads();
        for (int i = 0; i < 25; i++) {
            CinnabarServer s = CinnabarServer.builder().start();
            int port = s.port();
            assertThat(port).isPositive();
            assertServes(s, "k" + i);
            s.close();
            assertThat(s.isClosed()).isTrue();
            s.close(); // idempotent
            assertPortReleased(port);
        }
        awaitThreadsBackTo(before);
    }

    @Test
    void listensOnTheRequestedPort() {
        int port = Ports.free();
        try (CinnabarServer s = CinnabarServer.builder().port(port).start()) {
            assertThat(s.port()).isEqualTo(port);
            assertServes(s, "fixed");
            // a second server on the same port must fail to start, not steal it
            assertThatThrownBy(() -> CinnabarServer.builder().port(port).start().close())
                    .isInstanceOf(RuntimeException.class);
            assertServes(s, "fixed2");
        }
        assertPortReleased(port);
    }

    @Test
    void manyServersInParallelAreIsolated() throws Exception {
        long before = cinnabarThreads();
        ExecutorService ex = Executors.newFixedThreadPool(6);
        Set<Integer> ports = java.util.Collections.synchronizedSet(new HashSet<>());
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < 6; t++) {
                int id = t;
                fs.add(ex.submit(() -> {
                    for (int i = 0; i < 5; i++) {
                        try (CinnabarServer s = CinnabarServer.builder().start();
                             RespClient c = new RespClient(s.port())) {
                            assertThat(ports.add(s.port())).as("port reused while in use").isTrue();
                            assertThat(c.call("EXISTS", "mine").asText()).isEqualTo("0");
                            assertThat(c.call("SET", "mine", "t" + id).asText()).isEqualTo("OK");
                            assertThat(c.call("GET", "mine").asText()).isEqualTo("t" + id);
                            ports.remove(s.port());
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) {
                f.get(120, TimeUnit.SECONDS);
            }
        } finally {
            ex.shutdownNow();
        }
        awaitThreadsBackTo(before);
    }

    @Test
    void badSettingFailsTheBuilder() {
        assertThatThrownBy(() -> CinnabarServer.builder().setting("maxmemory-policy", "nonsense").start())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxmemory-policy");
    }

    private static void awaitThreadsBackTo(long before) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 10_000;
        while (cinnabarThreads() > before && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
        }
        assertThat(cinnabarThreads()).as("server threads left running").isLessThanOrEqualTo(before);
    }
}
