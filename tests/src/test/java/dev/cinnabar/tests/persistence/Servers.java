package dev.cinnabar.tests.persistence;

import dev.cinnabar.server.CinnabarServer;
import dev.cinnabar.testkit.RespClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Embedded servers on a shared data directory, for restart tests (start, stop, start again on the same files). */
final class Servers {
    private Servers() {
    }

    static Path tempDir() {
        try {
            return Files.createTempDirectory("cinnabar-persist");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void delete(Path dir) {
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A server on dir with DEBUG enabled and the given extra directives (name, value pairs). */
    static CinnabarServer start(Path dir, String... settings) {
        CinnabarServer.Builder b = CinnabarServer.builder().setting("dir", dir.toString())
                .setting("enable-debug-command", "yes");
        List<String> s = new ArrayList<>(List.of(settings));
        for (int i = 0; i < s.size(); i += 2) {
            b.setting(s.get(i), s.get(i + 1).isEmpty() ? new String[] {""} : s.get(i + 1).split(" "));
        }
        return b.start();
    }

    static RespClient client(CinnabarServer s) {
        return new RespClient(s.port());
    }

    /** INFO persistence's field. */
    static String info(RespClient c, String field) {
        for (String line : c.call("INFO", "persistence").asText().split("\r\n")) {
            if (line.startsWith(field + ":")) {
                return line.substring(field.length() + 1);
            }
        }
        throw new AssertionError("no " + field + " in INFO persistence");
    }

    /** Waits until no AOF rewrite runs or is scheduled (30 s at most). */
    static void awaitRewrite(RespClient c) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 30_000;
        while (!info(c, "aof_rewrite_in_progress").equals("0") || !info(c, "aof_rewrite_scheduled").equals("0")) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("rewrite still running");
            }
            Thread.sleep(20);
        }
    }

    static void awaitBgsaveDone(RespClient c) {
        long deadline = System.currentTimeMillis() + 30_000;
        while (info(c, "rdb_bgsave_in_progress").equals("1")) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("BGSAVE did not finish");
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
