package dev.cinnabar.tests.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.server.CinnabarServer;
import dev.cinnabar.testkit.RespClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Random damage to valid AOF files (a cut at a random offset, a flipped bit, in the base or the
 * incremental file): start-up either refuses cleanly (IllegalStateException after logging why) or
 * comes up with a working server, never hangs or crashes otherwise, with aof-load-truncated yes
 * and no. A cut of the last file with aof-load-truncated yes always loads.
 */
class CorruptAofTest {
    private static final int CASES = 40;
    private final Path dir = Servers.tempDir();
    private final Path aofDir = dir.resolve("appendonlydir");

    @AfterEach
    void clean() {
        Servers.delete(dir);
    }

    @ParameterizedTest
    @ValueSource(strings = {"yes", "no"})
    void randomCutsAndBitFlipsLoadOrRefuseCleanly(String preamble) throws Exception {
        try (CinnabarServer s = Servers.start(dir, "appendonly", "yes", "aof-use-rdb-preamble", preamble);
             RespClient c = Servers.client(s)) {
            AofTest.populate(c);
            c.call("BGREWRITEAOF");
            while (!Servers.info(c, "aof_rewrite_in_progress").equals("0")) {
                Thread.sleep(10);
            }
            for (int i = 0; i < 100; i++) {
                c.call("INCR", "n");
                c.call("RPUSH", "list", "v" + i);
            }
            c.call("MULTI");
            c.call("SET", "tx", "1");
            c.call("INCR", "n");
            c.call("EXEC");
        }
        Path base = aofDir.resolve("appendonly.aof.2.base." + (preamble.equals("yes") ? "rdb" : "aof"));
        Path incr = aofDir.resolve("appendonly.aof.2.incr.aof");
        byte[] baseBytes = Files.readAllBytes(base);
        byte[] incrBytes = Files.readAllBytes(incr);
        Random rnd = new Random(preamble.hashCode());
        int started = 0;
        int refused = 0;
        for (int i = 0; i < CASES; i++) {
            boolean inBase = rnd.nextInt(3) == 0;
            boolean cut = rnd.nextBoolean();
            byte[] victim = (inBase ? baseBytes : incrBytes).clone();
            if (cut) {
                victim = java.util.Arrays.copyOf(victim, rnd.nextInt(victim.length));
            } else {
                int at = rnd.nextInt(victim.length);
                victim[at] ^= (byte) (1 << rnd.nextInt(8));
            }
            Files.write(base, inBase ? victim : baseBytes);
            Files.write(incr, inBase ? incrBytes : victim);
            String truncatedOk = rnd.nextBoolean() ? "yes" : "no";
            String what = (inBase ? "base " : "incr ") + (cut ? "cut" : "flip") + " aof-load-truncated " + truncatedOk;
            boolean ok = Assertions.assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
                try (CinnabarServer s = Servers.start(dir, "appendonly", "yes", "aof-load-truncated", truncatedOk);
                     RespClient c = Servers.client(s)) {
                    assertThat(c.call("PING").asText()).isEqualTo("PONG");
                    c.call("DBSIZE");
                    return true;
                } catch (IllegalStateException e) {
                    return false;
                }
            }, what);
            if (ok) {
                started++;
            } else {
                refused++;
                assertThat(cut && !inBase && truncatedOk.equals("yes")).as("a cut incr file loads: " + what).isFalse();
            }
        }
        assertThat(started + refused).isEqualTo(CASES);
        assertThat(started).isPositive();
        assertThat(refused).isPositive();
    }
}
