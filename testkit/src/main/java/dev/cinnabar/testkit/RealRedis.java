package dev.cinnabar.testkit;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A real redis-server (the behaviour reference, Redis 7.0) started on a free loopback port for
 * differential tests. When the binary is missing, tests are skipped on a developer machine but
 * fail in CI (environment variable CI=true), where .ci/run installs it.
 */
public final class RealRedis implements AutoCloseable {
    private final Process process;
    private final int port;
    private final Path dir;

    private RealRedis(Process process, int port, Path dir) {
        this.process = process;
        this.port = port;
        this.dir = dir;
    }

    public static String binary() {
        for (String p : new String[] {"/usr/bin/redis-server", "/usr/local/bin/redis-server"}) {
            if (new File(p).canExecute()) {
                return p;
            }
        }
        return null;
    }

    public static boolean inCi() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /**
     * Skips the calling test (JUnit assumption) when redis-server is absent outside CI; fails in CI.
     */
    public static void assumeAvailable() {
        if (binary() == null) {
            if (inCi()) {
                throw new AssertionError("redis-server is required in CI (.ci/run installs it) but was not found");
            }
            org.junit.jupiter.api.Assumptions.assumeTrue(false, "redis-server not installed; skipping");
        }
    }

    /** Starts redis-server with the given extra arguments (e.g. "--maxmemory", "10mb"). */
    public static RealRedis start(String... extraArgs) {
        assumeAvailable();
        int port = Ports.free();
        try {
            Path dir = Files.createTempDirectory("real-redis");
            List<String> cmd = new ArrayList<>(List.of(binary(), "--port", Integer.toString(port), "--bind",
                    "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir.toString(), "--daemonize", "no",
                    "--logfile", dir.resolve("redis.log").toString()));
            cmd.addAll(Arrays.asList(extraArgs));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("stdout.log").toFile()).start();
            RealRedis r = new RealRedis(p, port, dir);
            r.awaitReady();
            return r;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void awaitReady() {
        long deadline = System.currentTimeMillis() + 10_000;
        while (System.currentTimeMillis() < deadline) {
            try (RespClient c = new RespClient("127.0.0.1", port, 1000)) {
                if (c.call("PING").asText().equals("PONG")) {
                    return;
                }
            } catch (RuntimeException e) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("redis-server exited: see " + dir.resolve("stdout.log"));
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(ie);
                }
            }
        }
        throw new IllegalStateException("redis-server did not start on port " + port);
    }

    public int port() {
        return port;
    }

    public Path dir() {
        return dir;
    }

    public RespClient client() {
        return new RespClient(port);
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
