package dev.cinnabar.testkit;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * External programs the client tests drive (redis-cli, redis-benchmark, python3 with redis-py).
 * As with {@link RealRedis}: when one is missing the test is skipped on a developer machine and
 * fails in CI (CI=true), where .ci/run installs it.
 */
public final class Tools {
    private Tools() {
    }

    /** The exit code and the captured output of a finished program. */
    public record Run(int exitCode, String stdout, String stderr) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout\n" + stdout + "\n--- stderr\n" + stderr;
        }
    }

    /** The absolute path of a program from /usr/bin or /usr/local/bin, or skip (fail in CI). */
    public static String require(String name) {
        for (String dir : new String[] {"/usr/bin", "/usr/local/bin"}) {
            File f = new File(dir, name);
            if (f.canExecute()) {
                return f.getPath();
            }
        }
        unavailable(name + " not installed");
        return null;
    }

    /** /usr/bin/python3 with the redis module (Debian's python3-redis), or skip (fail in CI). */
    public static String requirePythonRedis() {
        String py = "/usr/bin/python3";
        if (!new File(py).canExecute() || run(List.of(py, "-c", "import redis"), null, 30, Map.of()).exitCode() != 0) {
            unavailable("/usr/bin/python3 with python3-redis not installed");
        }
        return py;
    }

    private static void unavailable(String what) {
        if (RealRedis.inCi()) {
            throw new AssertionError(what + ": required in CI (.ci/run installs it)");
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(false, what + "; skipping");
    }

    /**
     * Runs a program to completion with the given standard input (null for none), killing it
     * after {@code timeoutSeconds} (then the exit code is -1).
     */
    public static Run run(List<String> command, byte[] stdin, int timeoutSeconds, Map<String, String> env) {
        Path out = null;
        Path err = null;
        try {
            out = Files.createTempFile("tool", ".out");
            err = Files.createTempFile("tool", ".err");
            ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
            pb.environment().putAll(env);
            if (stdin == null) {
                pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            }
            Process p = pb.start();
            if (stdin != null) {
                try (var in = p.getOutputStream()) {
                    in.write(stdin);
                } catch (IOException e) {
                    // the program exited without reading all of it; its output tells why
                }
            }
            int code;
            if (p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                code = p.exitValue();
            } else {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
                code = -1;
            }
            return new Run(code, Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } finally {
            for (Path f : new Path[] {out, err}) {
                if (f != null) {
                    f.toFile().delete();
                }
            }
        }
    }

    public static Run run(List<String> command, String stdin, int timeoutSeconds) {
        return run(command, stdin == null ? null : stdin.getBytes(StandardCharsets.UTF_8), timeoutSeconds, Map.of());
    }
}
