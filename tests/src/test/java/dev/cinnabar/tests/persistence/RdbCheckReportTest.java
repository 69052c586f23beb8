package dev.cinnabar.tests.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.testkit.RealRedis;
import dev.cinnabar.testkit.RespClient;
import dev.cinnabar.testkit.Tools;
import dev.cinnabar.testkit.stress.ServerProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The report a server started on a damaged RDB prints before it exits: Redis runs redis-check-rdb
 * on the file (the file's name, each aux field and database switch with its offset, where reading
 * stopped and why, what it was reading, the counts); ours prints the same report from what its
 * load read. The file is Redis's own, truncated inside a value and with a wrong checksum; both
 * servers start on the same bytes and their report lines must be equal.
 */
class RdbCheckReportTest {

    @Test
    void aDamagedFilesReportIsRedisCheckRdbs() throws Exception {
        byte[] good;
        try (RealRedis r = RealRedis.start("--enable-debug-command", "yes"); RespClient c = r.client()) {
            c.call("DEBUG", "POPULATE", "300", "str", "20");
            for (int i = 0; i < 30; i++) {
                c.call("RPUSH", "list:" + i % 3, "a" + i);
                c.call("HSET", "hash:" + i % 3, "f" + i, "v" + i);
                c.call("ZADD", "z", Integer.toString(i), "m" + i);
            }
            c.call("SET", "soon", "v", "PX", "1");
            c.call("SET", "later", "v", "EX", "1000");
            c.call("SELECT", "3");
            c.call("SET", "other", "v");
            Thread.sleep(5);
            c.call("SAVE");
            good = Files.readAllBytes(r.dir().resolve("dump.rdb"));
        }
        byte[] badCrc = good.clone();
        badCrc[good.length - 3] ^= 0x10;
        for (byte[] file : List.of(Arrays.copyOf(good, good.length / 2), badCrc)) {
            List<String> redis = report(file, List.of(RealRedis.binary()));
            List<String> ours = report(file,
                    List.of(ServerProcess.repositoryRoot().resolve("bin/cinnabar-server").toString()));
            assertThat(redis).as("Redis's report").isNotEmpty();
            assertThat(ours).containsExactlyElementsOf(redis);
        }
    }

    /** The server's report lines: from "Checking RDB file" to "already expired". */
    private static List<String> report(byte[] file, List<String> server) throws Exception {
        Path dir = Files.createTempDirectory("rdb-check");
        try {
            Files.write(dir.resolve("dump.rdb"), file);
            List<String> cmd = new ArrayList<>(server);
            cmd.addAll(List.of("--port", Integer.toString(dev.cinnabar.testkit.Ports.free()), "--bind", "127.0.0.1",
                    "--dir", dir.toString(), "--save", ""));
            Tools.Run r = Tools.run(cmd, (String) null, 120);
            assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
            List<String> out = new ArrayList<>();
            boolean in = false;
            for (String line : (r.stdout() + r.stderr()).split("\n")) {
                in |= line.startsWith("[offset 0] Checking RDB file");
                if (in) {
                    out.add(line);
                }
                if (line.endsWith("already expired")) {
                    break;
                }
            }
            return out;
        } finally {
            try (var s = Files.walk(dir)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
