package dev.cinnabar.tests.persistence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.cinnabar.server.CinnabarServer;
import dev.cinnabar.server.persistence.rdb.RdbFile;
import dev.cinnabar.server.persistence.rdb.RdbValues;
import dev.cinnabar.server.store.zset.ZSet;
import dev.cinnabar.testkit.RespClient;
import dev.cinnabar.testkit.Tools;
import dev.cinnabar.testkit.stress.ServerProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Bad RDB input: random truncations and bit flips of a valid file are refused cleanly (a
 * {@link RdbFile.LoadError}, never another exception, a hang or a huge allocation), and a server
 * started on a corrupt file exits with code 1 and Redis's message, without a stack trace.
 */
class CorruptRdbTest {
    private static final RdbValues.Limits LIMITS = new RdbValues.Limits(-2, 512, 128, 64, new ZSet.Limits(128, 64));
    private final Path dir = Servers.tempDir();
    private byte[] good;

    @BeforeEach
    void writeAValidFile() throws Exception {
        try (CinnabarServer s = Servers.start(dir); RespClient c = Servers.client(s)) {
            SaveLoadTest.populate(c);
            for (int i = 0; i < 150; i++) {
                c.call("ZADD", "bigz", Integer.toString(i), "m" + i);
                c.call("HSET", "bigh", "f" + i, "v".repeat(i % 90));
                c.call("RPUSH", "bigl", "e" + i);
                c.call("XADD", "bigx", "*", "f", "v" + i);
            }
            c.call("XGROUP", "CREATE", "bigx", "g", "0");
            c.call("XREADGROUP", "GROUP", "g", "c1", "COUNT", "5", "STREAMS", "bigx", ">");
            c.call("SAVE");
        }
        good = Files.readAllBytes(dir.resolve("dump.rdb"));
    }

    @AfterEach
    void clean() {
        Servers.delete(dir);
    }

    @Test
    void truncationsAndBitFlipsAreRefusedCleanly() {
        assertThat(RdbFile.parse(good, 16, LIMITS, true, RdbFile.Progress.NONE).keys()).hasSize(2014);
        Random rnd = new Random(42);
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            for (int i = 0; i < 400; i++) {
                byte[] cut = Arrays.copyOf(good, rnd.nextInt(good.length));
                assertThatThrownBy(() -> RdbFile.parse(cut, 16, LIMITS, true, RdbFile.Progress.NONE))
                        .isInstanceOf(RdbFile.LoadError.class);
            }
            for (int i = 0; i < 400; i++) {
                byte[] flipped = good.clone();
                int at = 9 + rnd.nextInt(good.length - 9);
                flipped[at] ^= (byte) (1 << rnd.nextInt(8));
                assertThatThrownBy(() -> RdbFile.parse(flipped, 16, LIMITS, true, RdbFile.Progress.NONE))
                        .isInstanceOf(RdbFile.LoadError.class);
                // without the checksum the value decoders themselves must refuse or accept, never fail otherwise
                try {
                    RdbFile.parse(flipped, 16, LIMITS, false, RdbFile.Progress.NONE);
                } catch (RdbFile.LoadError expected) {
                    // a clean refusal
                }
            }
        });
    }

    @Test
    void aServerStartedOnACorruptFileExitsWithRedisMessageAndNoStackTrace() throws Exception {
        String launcher = ServerProcess.repositoryRoot().resolve("bin/cinnabar-server").toString();
        byte[] badCrc = good.clone();
        badCrc[good.length - 3] ^= 0x10; // the stored checksum itself, as Redis's test corrupts it
        byte[] flipped = good.clone();
        flipped[good.length / 2] ^= 0x10; // a value or the checksum: found where reading stops
        byte[] cut = Arrays.copyOf(good, good.length / 3);
        byte[] notRdb = "XEDIS0010garbage".getBytes();
        for (Object[] c : List.of(new Object[] {badCrc, "RDB CRC error"},
                new Object[] {flipped, "Internal error in RDB reading offset"},
                new Object[] {cut, "Short read or OOM loading DB. Unrecoverable error, aborting now."},
                new Object[] {notRdb, "Wrong signature trying to load DB from file"})) {
            Files.write(dir.resolve("dump.rdb"), (byte[]) c[0]);
            Tools.Run r = Tools.run(List.of(launcher, "--port", Integer.toString(dev.cinnabar.testkit.Ports.free()), "--bind", "127.0.0.1", "--dir", dir.toString(),
                    "--save", ""), (String) null, 120);
            assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
            String all = r.stdout() + r.stderr();
            assertThat(all).contains((String) c[1]).doesNotContain("Exception").doesNotContain("\tat ");
        }
    }
}
