package dev.cinnabar.testkit.stress;

import dev.cinnabar.testkit.Ports;
import dev.cinnabar.testkit.RealRedis;
import dev.cinnabar.testkit.RespClient;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A server under stress, run as a separate process: {@code bin/cinnabar-server} (through the
 * launcher, which builds the server when its jar is missing or stale) or the reference
 * redis-server. A separate process is what a hang, a crash or a memory test needs: the test can
 * kill it whatever state it is in, read its resident memory from /proc, and read everything it
 * wrote (the log file, plus standard output and error, where an uncaught exception's stack trace
 * would land).
 *
 * <p>Both bind 127.0.0.1 on a free port, in a temporary directory, with persistence off.
 */
public final class ServerProcess implements AutoCloseable {
    private final String name;
    private final Process process;
    private final int port;
    private final Path dir;

    private ServerProcess(String name, Process process, int port, Path dir) {
        this.name = name;
        this.process = process;
        this.port = port;
        this.dir = dir;
    }

    /** The repository root (holding bin/cinnabar-server), found upwards from the working directory. */
    public static Path repositoryRoot() {
        Path p = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        while (p != null && !Files.isExecutable(p.resolve("bin/cinnabar-server"))) {
            p = p.getParent();
        }
        if (p == null) {
            throw new IllegalStateException("no bin/cinnabar-server above " + System.getProperty("user.dir"));
        }
        return p;
    }

    /** Starts {@code bin/cinnabar-server} with extra directives (e.g. "--io-threads", "2"). */
    public static ServerProcess cinnabar(String... extraArgs) {
        return cinnabarWithJavaOpts(null, extraArgs);
    }

    /**
     * Starts {@code bin/cinnabar-server} with the JVM options given (CINNABAR_JAVA_OPTS, e.g. a
     * small "-Xmx128m"); null keeps the launcher's defaults.
     */
    public static ServerProcess cinnabarWithJavaOpts(String javaOpts, String... extraArgs) {
        Path root = repositoryRoot();
        return start("cinnabar", root, List.of(root.resolve("bin/cinnabar-server").toString()), javaOpts, extraArgs);
    }

    /** Starts the reference redis-server (skips the test when absent outside CI, fails in CI). */
    public static ServerProcess redis(String... extraArgs) {
        RealRedis.assumeAvailable();
        return start("redis", Path.of(System.getProperty("user.dir")), List.of(RealRedis.binary()), null, extraArgs);
    }

    private static ServerProcess start(String name, Path workDir, List<String> program, String javaOpts,
            String... extraArgs) {
        int port = Ports.free();
        try {
            Path dir = Files.createTempDirectory("stress-" + name);
            List<String> cmd = new ArrayList<>(program);
            cmd.addAll(List.of("--port", Integer.toString(port), "--bind", "127.0.0.1", "--save", "",
                    "--appendonly", "no", "--dir", dir.toString(), "--logfile", dir.resolve("server.log").toString()));
            cmd.addAll(Arrays.asList(extraArgs));
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(workDir.toFile()).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("stdout.log").toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            if (javaOpts != null) {
                pb.environment().put("CINNABAR_JAVA_OPTS", javaOpts);
            }
            Process p = pb.start();
            ServerProcess s = new ServerProcess(name, p, port, dir);
            s.awaitReady();
            return s;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void awaitReady() {
        // generous: the launcher may build the server first, on a loaded machine
        long deadline = System.currentTimeMillis() + 240_000;
        while (System.currentTimeMillis() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited at start-up:\n" + output());
            }
            try (RespClient c = new RespClient("127.0.0.1", port, 2000)) {
                if (c.call("PING").asText().equals("PONG")) {
                    return;
                }
            } catch (RuntimeException e) {
                sleep(50);
            }
        }
        close();
        throw new IllegalStateException(name + " did not answer PING on port " + port + ":\n" + output());
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public String name() {
        return name;
    }

    public int port() {
        return port;
    }

    /** The server's process id (the launcher execs the JVM, so it is the JVM's). */
    public long pid() {
        return process.pid();
    }

    public RespClient client() {
        return new RespClient("127.0.0.1", port, 10_000);
    }

    public RespClient client(int timeoutMillis) {
        return new RespClient("127.0.0.1", port, timeoutMillis);
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Sends SIGTERM, as an operator stopping the server would. */
    public void terminate() {
        process.destroy();
    }

    /** Waits for the process to exit; true when it did within the time. */
    public boolean awaitExit(long millis) {
        try {
            return process.waitFor(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * True when a fresh connection gets an answer to PING (PONG, or any reply such as BUSY if
     * {@code anyReply}) within the time.
     */
    public boolean answersPing(int timeoutMillis, boolean anyReply) {
        try (RespClient c = new RespClient("127.0.0.1", port, timeoutMillis)) {
            return anyReply ? c.call("PING") != null : c.call("PING").asText().equals("PONG");
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** VmRSS / VmHWM (peak) of the process in kB, read from /proc; -1 when unavailable. */
    public long rssKb() {
        return procStatus("VmRSS:");
    }

    public long peakRssKb() {
        return procStatus("VmHWM:");
    }

    private long procStatus(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.substring(field.length()).replace("kB", "").trim());
                }
            }
        } catch (IOException | RuntimeException e) {
            // gone, or not Linux
        }
        return -1;
    }

    /** Everything the server wrote so far: its log file, then its standard output and error. */
    public String output() {
        return read(dir.resolve("server.log")) + read(dir.resolve("stdout.log"));
    }

    /** A position in the server's output (its log file and its standard output). */
    public record Mark(long log, long stdout) {
    }

    /** Where the output ends now: {@link #internalErrorsSince} then reports only what follows. */
    public Mark mark() {
        return new Mark(size(dir.resolve("server.log")), size(dir.resolve("stdout.log")));
    }

    private static long size(Path f) {
        try {
            return Files.exists(f) ? Files.size(f) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    /**
     * The lines of {@link #output()} that report an internal error: a connection closed after an
     * internal error, an exception or a JVM error (stack traces, "Exception in thread").
     */
    public List<String> internalErrors() {
        return internalErrorsSince(new Mark(0, 0));
    }

    /** {@link #internalErrors()} written after the mark. */
    public List<String> internalErrorsSince(Mark m) {
        String text = readFrom(dir.resolve("server.log"), m.log()) + readFrom(dir.resolve("stdout.log"), m.stdout());
        List<String> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.contains("after an internal error") || line.contains("Exception") || line.contains("Error:")
                    || line.contains("\tat ") || line.contains("# Internal error")) {
                out.add(line);
            }
        }
        return out;
    }

    /**
     * The JVM's thread dump (jcmd Thread.print), to see where a hung Cinnabar waits; a note instead
     * when it cannot be taken (redis-server, or no jcmd).
     */
    public String threadDump() {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        if (!name.equals("cinnabar") || !Files.isExecutable(jcmd) || !process.isAlive()) {
            return "<no thread dump: " + name + (process.isAlive() ? "" : " has exited") + ">";
        }
        try {
            Path out = dir.resolve("threads.txt");
            Process p = new ProcessBuilder(jcmd.toString(), Long.toString(process.pid()), "Thread.print")
                    .redirectErrorStream(true).redirectOutput(out.toFile()).start();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
            return read(out);
        } catch (IOException e) {
            return "<no thread dump: " + e.getMessage() + ">";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "<no thread dump: interrupted>";
        }
    }

    /**
     * Saves the output (and a thread dump, if {@code dump}) under target/stress-reports of the
     * working directory, where CI keeps them, and returns the directory.
     */
    public Path saveReport(String label, boolean dump) {
        try {
            Path reports = Path.of(System.getProperty("user.dir"), "target", "stress-reports");
            Files.createDirectories(reports);
            String base = label + "-" + name + "-" + process.pid();
            if (dump) {
                Files.writeString(reports.resolve(base + "-threads.txt"), threadDump(), StandardCharsets.UTF_8);
            }
            Files.writeString(reports.resolve(base + "-output.log"), output(), StandardCharsets.UTF_8);
            return reports;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The last {@code n} lines of the output, for failure messages. */
    public String outputTail(int n) {
        String[] lines = output().split("\n");
        return String.join("\n", Arrays.copyOfRange(lines, Math.max(0, lines.length - n), lines.length));
    }

    private static String readFrom(Path f, long offset) {
        try (var ch = java.nio.channels.FileChannel.open(f)) {
            long n = ch.size() - offset;
            if (n <= 0) {
                return "";
            }
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate((int) Math.min(n, 64 << 20));
            ch.read(b, offset);
            return new String(b.array(), 0, b.position(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private static String read(Path f) {
        try {
            return Files.exists(f) ? Files.readString(f, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "<cannot read " + f + ": " + e.getMessage() + ">\n";
        }
    }

    /** Kills the process (SIGKILL if SIGTERM does not stop it within 5 s) and removes its directory. */
    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroy();
            if (!awaitExit(5000)) {
                process.destroyForcibly();
                awaitExit(5000);
            }
        }
        File[] files = dir.toFile().listFiles();
        if (files != null) {
            for (File f : files) {
                f.delete();
            }
        }
        dir.toFile().delete();
    }

    @Override
    public String toString() {
        return name + " pid " + process.pid() + " port " + port;
    }
}
