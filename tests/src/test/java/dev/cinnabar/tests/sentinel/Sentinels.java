package dev.cinnabar.tests.sentinel;

import dev.cinnabar.server.Main;
import dev.cinnabar.testkit.Ports;
import dev.cinnabar.testkit.RealRedis;
import dev.cinnabar.testkit.Resp;
import dev.cinnabar.testkit.RespClient;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/** Sentinels for tests: real redis-sentinel processes and ours (in this JVM), and reply helpers. */
final class Sentinels {
    private Sentinels() {
    }

    /** A running sentinel of either kind: its port, its configuration file, and how to stop it. */
    record Running(int port, Path conf, Runnable stop) implements AutoCloseable {
        @Override
        public void close() {
            stop.run();
        }
    }

    static String realBinary() {
        for (String p : new String[] {"/usr/bin/redis-sentinel", "/usr/local/bin/redis-sentinel"}) {
            if (new File(p).canExecute()) {
                return p;
            }
        }
        return null;
    }

    /** Skips outside CI when redis-sentinel is missing; fails in CI. */
    static void assumeAvailable() {
        RealRedis.assumeAvailable();
        if (realBinary() == null) {
            if (RealRedis.inCi()) {
                throw new AssertionError("redis-sentinel is required in CI but was not found");
            }
            org.junit.jupiter.api.Assumptions.assumeTrue(false, "redis-sentinel not installed; skipping");
        }
    }

    /** A sentinel.conf monitoring master "mymaster" at masterPort, with the given extra lines before it. */
    static Path conf(Path dir, String name, int port, int masterPort, int quorum, String... extra) {
        return conf(dir, name, port, "127.0.0.1", masterPort, quorum, extra);
    }

    /** The same, naming the master's host (an IP, or a name under "sentinel resolve-hostnames yes"). */
    static Path conf(Path dir, String name, int port, String masterHost, int masterPort, int quorum, String... extra) {
        try {
            Files.createDirectories(dir);
            Path conf = dir.resolve(name + ".conf");
            StringBuilder sb = new StringBuilder();
            sb.append("port ").append(port).append('\n');
            sb.append("bind 127.0.0.1\n");
            sb.append("dir ").append(dir).append('\n');
            sb.append("logfile ").append(dir.resolve(name + ".log")).append('\n');
            // the master's options before its monitor line, as Redis's own sentinel tests write them
            // (Redis reads the global options, then the monitor lines, then the rest)
            for (String e : extra) {
                sb.append(e).append('\n');
            }
            sb.append("sentinel monitor mymaster ").append(masterHost).append(' ').append(masterPort).append(' ')
                    .append(quorum).append('\n');
            Files.writeString(conf, sb.toString());
            return conf;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Running real(Path conf) {
        int port = portOf(conf);
        try {
            Process p = new ProcessBuilder(realBinary(), conf.toString()).redirectErrorStream(true)
                    .redirectOutput(conf.resolveSibling(conf.getFileName() + ".out").toFile()).start();
            Running r = new Running(port, conf, () -> {
                p.destroyForcibly();
                try {
                    p.waitFor();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            awaitPing(port, p::isAlive);
            return r;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Running ours(Path conf) {
        int port = portOf(conf);
        Main.Launched l;
        try {
            l = Main.launch(new String[] {conf.toString(), "--sentinel"}, InputStream.nullInputStream(), false);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        awaitPing(port, () -> true);
        return new Running(port, conf, () -> l.server().close());
    }

    private static int portOf(Path conf) {
        try {
            for (String l : Files.readAllLines(conf)) {
                if (l.startsWith("port ")) {
                    return Integer.parseInt(l.substring(5).strip());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new IllegalArgumentException("no port in " + conf);
    }

    private static void awaitPing(int port, BooleanSupplier alive) {
        await(60, "sentinel on port " + port + " answers PING", () -> {
            if (!alive.getAsBoolean()) {
                throw new IllegalStateException("sentinel on port " + port + " exited");
            }
            try (RespClient c = new RespClient("127.0.0.1", port, 1000)) {
                return c.call("PING").asText().equals("PONG");
            } catch (RuntimeException e) {
                return false;
            }
        });
    }

    /** Polls until the condition holds (every 100 ms), failing after the given seconds. */
    static void await(int seconds, String what, BooleanSupplier cond) {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for: " + what);
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    static Resp call(int port, String... args) {
        try (RespClient c = new RespClient("127.0.0.1", port, 5000)) {
            return c.call(args);
        }
    }

    /** A flat field/value reply (SENTINEL MASTER) as an ordered map. */
    static Map<String, String> fields(Resp r) {
        Map<String, String> m = new LinkedHashMap<>();
        List<Resp> items = ((Resp.Agg) r).items();
        for (int i = 0; i + 1 < items.size(); i += 2) {
            m.put(items.get(i).asText(), items.get(i + 1).asText());
        }
        return m;
    }

    /** An array of flat field/value replies (SENTINEL REPLICAS, SENTINELS, MASTERS). */
    static List<Map<String, String>> list(Resp r) {
        List<Map<String, String>> out = new ArrayList<>();
        for (Resp x : ((Resp.Agg) r).items()) {
            out.add(fields(x));
        }
        return out;
    }

    static Map<String, String> master(int port) {
        return fields(call(port, "SENTINEL", "MASTER", "mymaster"));
    }

    static String infoField(int port, String section, String field) {
        String info = call(port, "INFO", section).asText();
        for (String l : info.split("\r\n")) {
            if (l.startsWith(field + ":")) {
                return l.substring(field.length() + 1);
            }
        }
        return null;
    }

    static int freePort() {
        return Ports.free();
    }
}
