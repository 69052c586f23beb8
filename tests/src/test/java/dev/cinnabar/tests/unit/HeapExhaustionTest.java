package dev.cinnabar.tests.unit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.testkit.Resp;
import dev.cinnabar.testkit.RespClient;
import dev.cinnabar.testkit.stress.ServerProcess;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Issue 13 item 4: the JVM itself is never the limit. A server with a 128 MB heap is driven toward
 * exhaustion (big values, many clients holding big query buffers, pipelines whose replies would
 * not fit) with maxmemory 0, with a maxmemory larger than the heap, and with an evicting policy:
 * writes get Redis's OOM error, clients holding huge buffers (input, or the replies of a pipeline)
 * are disconnected, keys are evicted,
 * and never does the process throw an OutOfMemoryError; afterwards it still answers PING and INFO
 * and accepts writes again once memory is freed. Runs the real launcher in a separate process
 * (the heap size is a JVM option).
 */
class HeapExhaustionTest {
    private static final String SMALL_HEAP = "-XX:+UseParallelGC -Xmx128m";
    private static final byte[] MB = filled(1 << 20, 'v');

    private static byte[] filled(int n, char c) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) c);
        return b;
    }

    @Test
    void bigValuesGetOomErrorsBeforeTheHeapRunsOut() {
        try (ServerProcess s = ServerProcess.cinnabarWithJavaOpts(SMALL_HEAP);
                RespClient c = s.client(30_000)) {
            int stored = fillUntilOom(c, "a:", 400);
            assertThat(stored).as("1 MB values stored before the first OOM").isBetween(10, 128);
            assertHealthy(s);
            assertThat(((Resp.Bulk) c.call("GET", "a:0")).value()).hasSize(MB.length);

            // freeing memory lets writes in again (the guard re-checks the heap by itself)
            c.call("FLUSHALL");
            assertThat(acceptsWritesWithin(c, 10_000)).as("SET accepted after FLUSHALL").isTrue();

            // a maxmemory larger than the heap changes nothing: the heap's own limit holds
            c.call("CONFIG", "SET", "maxmemory", "1gb");
            assertThat(fillUntilOom(c, "b:", 400)).isBetween(10, 128);
            assertHealthy(s);
        }
    }

    @Test
    void anEvictingPolicyEvictsInsteadOfFailing() {
        try (ServerProcess s = ServerProcess.cinnabarWithJavaOpts(SMALL_HEAP, "--maxmemory", "48mb",
                "--maxmemory-policy", "allkeys-lru");
                RespClient c = s.client(30_000)) {
            long peak = 0;
            for (int i = 0; i < 160; i++) {
                Resp r = c.call("SET".getBytes(StandardCharsets.US_ASCII), ("k:" + i).getBytes(StandardCharsets.US_ASCII), MB);
                assertThat(r).as("SET #%d", i).isEqualTo(new Resp.Simple("OK"));
                if (i % 10 == 0) {
                    peak = Math.max(peak, infoLong(c, "used_memory"));
                }
            }
            assertThat(infoLong(c, "evicted_keys")).isGreaterThan(100);
            assertThat(peak).as("used_memory peak").isLessThan(48L * 1024 * 1024 * 11 / 10);
            assertHealthy(s);
        }
    }

    @Test
    void clientsHoldingHugeQueryBuffersAreDroppedNotTheServer() throws Exception {
        try (ServerProcess s = ServerProcess.cinnabarWithJavaOpts(SMALL_HEAP)) {
            // 24 clients each announce a 32 MB value and send 4 MB of it: 96 MB of input pending
            int clients = 24;
            byte[] chunk = filled(256 * 1024, 'q');
            List<RespClient> conns = new ArrayList<>();
            ExecutorService pool = Executors.newFixedThreadPool(clients);
            AtomicInteger cut = new AtomicInteger();
            try {
                List<Future<?>> sends = new ArrayList<>();
                for (int i = 0; i < clients; i++) {
                    RespClient rc = s.client(30_000);
                    conns.add(rc);
                    String head = "*3\r\n$3\r\nSET\r\n$4\r\nq:" + (i % 10) + "x\r\n$" + (32 << 20) + "\r\n";
                    sends.add(pool.submit(() -> {
                        try {
                            rc.writeRaw(head);
                            for (int j = 0; j < 16; j++) {
                                rc.writeRaw(chunk);
                            }
                        } catch (RuntimeException e) {
                            cut.incrementAndGet(); // the server closed it
                        }
                    }));
                }
                for (Future<?> f : sends) {
                    f.get(60, TimeUnit.SECONDS);
                }
                assertHealthy(s);
                assertThat(cut.get() + closedCount(conns)).as("clients disconnected").isGreaterThan(0);
            } finally {
                conns.forEach(RespClient::close);
                pool.shutdownNow();
            }
            try (RespClient c = s.client(30_000)) {
                assertThat(acceptsWritesWithin(c, 10_000)).isTrue();
            }
            assertHealthy(s);
        }
    }

    @Test
    void pipelinesWhoseRepliesWouldNotFitDoNotExhaustTheHeap() throws Exception {
        try (ServerProcess s = ServerProcess.cinnabarWithJavaOpts(SMALL_HEAP)) {
            try (RespClient c = s.client(30_000)) {
                c.call("SET".getBytes(StandardCharsets.US_ASCII), "big".getBytes(StandardCharsets.US_ASCII), MB);
            }
            // 8 clients pipeline 4000 GETs of a 1 MB value each and read nothing: 32 GB of replies
            byte[] get = RespClient.encode("GET".getBytes(StandardCharsets.US_ASCII), "big".getBytes(StandardCharsets.US_ASCII));
            byte[] pipeline = new byte[get.length * 4000];
            for (int i = 0; i < 4000; i++) {
                System.arraycopy(get, 0, pipeline, i * get.length, get.length);
            }
            List<RespClient> conns = new ArrayList<>();
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                List<Future<?>> sends = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    RespClient rc = s.client(30_000);
                    conns.add(rc);
                    sends.add(pool.submit(() -> {
                        try {
                            rc.writeRaw(pipeline);
                        } catch (RuntimeException e) {
                            // closed by the server, or by us below
                        }
                    }));
                }
                Thread.sleep(2000);
                assertHealthy(s);
                // each pipelining client got some replies, then was closed (none waits forever)
                for (RespClient rc : conns) {
                    assertThat(drainedToEof(rc)).as("pipelining client closed by the server").isTrue();
                }
                assertHealthy(s);
            } finally {
                conns.forEach(RespClient::close);
                pool.shutdownNow();
                pool.awaitTermination(10, TimeUnit.SECONDS);
            }
            assertHealthy(s);
        }
    }

    /** SETs 1 MB values (key prefix + i) until the first error; it must be the OOM error. */
    private static int fillUntilOom(RespClient c, String prefix, int max) {
        for (int i = 0; i < max; i++) {
            Resp r = c.call("SET".getBytes(StandardCharsets.US_ASCII), (prefix + i).getBytes(StandardCharsets.US_ASCII), MB);
            if (r instanceof Resp.Err e) {
                assertThat(e.message()).startsWith("OOM command not allowed when used memory > 'maxmemory'");
                return i;
            }
            assertThat(r).isEqualTo(new Resp.Simple("OK"));
        }
        throw new AssertionError(max + " MB stored in a 128 MB heap without an OOM error");
    }

    private static boolean acceptsWritesWithin(RespClient c, long millis) {
        long deadline = System.currentTimeMillis() + millis;
        while (System.currentTimeMillis() < deadline) {
            if (c.call("SET".getBytes(StandardCharsets.US_ASCII), "probe".getBytes(StandardCharsets.US_ASCII), MB)
                    .equals(new Resp.Simple("OK"))) {
                return true;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }

    /** Reads replies until the server closes the connection (true) or nothing comes for 10 s (false). */
    private static boolean drainedToEof(RespClient rc) {
        rc.timeout(10_000);
        try {
            while (true) {
                rc.read();
            }
        } catch (java.io.UncheckedIOException e) {
            return !(e.getCause() instanceof java.net.SocketTimeoutException);
        }
    }

    private static int closedCount(List<RespClient> conns) {
        int n = 0;
        for (RespClient rc : conns) {
            rc.timeout(200);
            if (rc.isClosedByServer()) {
                n++;
            }
        }
        return n;
    }

    /** Alive, answers PING and INFO on a fresh connection, and never threw OutOfMemoryError. */
    private static void assertHealthy(ServerProcess s) {
        assertThat(s.isAlive()).as("server alive\n%s", s.outputTail(40)).isTrue();
        try (RespClient c = s.client(30_000)) {
            assertThat(c.call("PING")).isEqualTo(new Resp.Simple("PONG"));
            assertThat(infoLong(c, "used_memory")).isPositive();
        }
        assertThat(s.output()).as("server output").doesNotContain("OutOfMemoryError");
    }

    private static long infoLong(RespClient c, String field) {
        String info = new String(((Resp.Bulk) c.call("INFO", "all")).value(), StandardCharsets.UTF_8);
        for (String line : info.split("\r\n")) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.substring(field.length() + 1));
            }
        }
        throw new AssertionError("no " + field + " in INFO");
    }
}
