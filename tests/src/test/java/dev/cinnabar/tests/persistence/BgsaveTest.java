package dev.cinnabar.tests.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.server.CinnabarServer;
import dev.cinnabar.testkit.RespClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * BGSAVE without fork: the file is the dataset at the BGSAVE point however hard clients write
 * meanwhile; save points; BGSAVE errors and MISCONF; FLUSHALL stopping a running BGSAVE.
 */
class BgsaveTest {
    private final Path dir = Servers.tempDir();

    @AfterEach
    void clean() {
        Servers.delete(dir);
    }

    /** Random mutations of every kind the barrier must see, over keys that exist at the BGSAVE point and new ones. */
    private static List<String[]> mutations(Random rnd, int n) {
        List<String[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String k = "key:" + rnd.nextInt(6000);
            String t = "t" + rnd.nextInt(300);
            String[] cmd = switch (rnd.nextInt(22)) {
                case 0 -> new String[] {"SET", k, "new" + i};
                case 1 -> new String[] {"DEL", k};
                case 2 -> new String[] {"APPEND", k, "+"};
                case 3 -> new String[] {"SETRANGE", k, "2", "zz"};
                case 4 -> new String[] {"EXPIRE", k, "1000"};
                case 5 -> new String[] {"PERSIST", "e" + rnd.nextInt(300)};
                case 6 -> new String[] {"RPUSH", "l" + t, "v" + i};
                case 7 -> new String[] {"LPOP", "l" + t};
                case 8 -> new String[] {"SADD", "s" + t, "m" + rnd.nextInt(50)};
                case 9 -> new String[] {"SREM", "s" + t, "m" + rnd.nextInt(50)};
                case 10 -> new String[] {"HSET", "h" + t, "f" + rnd.nextInt(40), "v" + i};
                case 11 -> new String[] {"HDEL", "h" + t, "f" + rnd.nextInt(40)};
                case 12 -> new String[] {"ZADD", "z" + t, Integer.toString(rnd.nextInt(100)), "m" + rnd.nextInt(60)};
                case 13 -> new String[] {"ZINCRBY", "z" + t, "1.5", "m" + rnd.nextInt(60)};
                case 14 -> new String[] {"XADD", "x" + rnd.nextInt(20), "*", "f", "v" + i};
                case 15 -> new String[] {"INCR", "c" + rnd.nextInt(100)};
                case 16 -> new String[] {"RENAME", "key:" + rnd.nextInt(6000), "ren" + rnd.nextInt(100)};
                case 17 -> new String[] {"MOVE", k, Integer.toString(1 + rnd.nextInt(3))};
                case 18 -> new String[] {"UNLINK", "h" + t, "z" + t};
                case 19 -> new String[] {"SWAPDB", "4", "5"};
                case 20 -> rnd.nextInt(10) == 0 ? new String[] {"FLUSHDB"} : new String[] {"GETDEL", k};
                default -> new String[] {"XGROUP", "CREATECONSUMER", "x" + rnd.nextInt(20), "g", "c" + rnd.nextInt(9)};
            };
            out.add(cmd);
        }
        return out;
    }

    private static void seed(RespClient c) {
        c.call("DEBUG", "POPULATE", "6000", "key", "20");
        Random rnd = new Random(7);
        for (int i = 0; i < 300; i++) {
            c.call("RPUSH", "lt" + i, "a", "b", "c");
            c.call("SADD", "st" + i, "m1", "m2", "m3");
            c.call("HSET", "ht" + i, "f1", "a", "f2", "b");
            c.call("ZADD", "zt" + i, "1", "m1", "2", "m2");
            c.call("SET", "e" + i, "v", "EX", Integer.toString(1000 + i));
        }
        for (int i = 0; i < 20; i++) {
            c.call("XADD", "x" + i, "*", "f", "v");
            c.call("XGROUP", "CREATE", "x" + i, "g", "0");
        }
        for (int db = 3; db <= 7; db++) {
            c.call("SELECT", Integer.toString(db));
            c.call("DEBUG", "POPULATE", Integer.toString(200 + rnd.nextInt(500)), "db" + db);
        }
        c.call("SELECT", "0");
    }

    @Test
    void theFileIsTheDatasetAtTheBgsavePointWhileClientsWriteHeavily() throws Exception {
        Path copy = Servers.tempDir();
        try (CinnabarServer s = Servers.start(dir, "rdb-key-save-delay", "40"); RespClient c = Servers.client(s)) {
            seed(c);
            // no writer runs yet: the digest is the dataset at the BGSAVE point (inside EXEC a
            // BGSAVE is only scheduled, as in Redis 7.0)
            String atBgsave = c.call("DEBUG", "DIGEST").asText();
            assertThat(c.call("BGSAVE").asText()).isEqualTo("Background saving started");
            atBgsaveDigest = atBgsave;

            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong done = new AtomicLong();
            List<Thread> writers = new ArrayList<>();
            for (int w = 0; w < 3; w++) {
                int seed = w;
                Thread t = new Thread(() -> {
                    Random rnd = new Random(seed);
                    try (RespClient wc = Servers.client(s)) {
                        if (seed == 2) {
                            wc.call("SELECT", "4"); // SWAPDB, FLUSHDB, MOVE from another database
                        }
                        while (!stop.get()) {
                            for (String[] cmd : mutations(rnd, 50)) {
                                wc.send(cmd);
                            }
                            for (int i = 0; i < 50; i++) {
                                wc.read();
                            }
                            done.addAndGet(50);
                        }
                    }
                });
                t.start();
                writers.add(t);
            }
            Servers.awaitBgsaveDone(c);
            stop.set(true);
            for (Thread t : writers) {
                t.join();
            }
            assertThat(done.get()).as("writes during the BGSAVE").isGreaterThan(500);
            assertThat(Servers.info(c, "rdb_last_bgsave_status")).isEqualTo("ok");
            assertThat(Long.parseLong(Servers.info(c, "rdb_last_cow_size"))).as("buckets serialised ahead").isPositive();
            String live = c.call("DEBUG", "DIGEST").asText();
            assertThat(live).isNotEqualTo(atBgsave);
            Files.copy(dir.resolve("dump.rdb"), copy.resolve("dump.rdb"));
            // the live dataset survived the snapshot intact (tables resize again, nothing lost)
            assertThat(c.call("DEBUG", "RELOAD").asText()).isEqualTo("OK");
            assertThat(c.call("DEBUG", "DIGEST").asText()).isEqualTo(live);
        }
        try (CinnabarServer s = Servers.start(copy); RespClient c = Servers.client(s)) {
            assertThat(c.call("DEBUG", "DIGEST").asText()).isEqualTo(atBgsaveDigest(copy));
        } finally {
            Servers.delete(copy);
        }
    }

    /**
     * The walk encodes a slice after releasing the lock; a writer growing a value of that slice
     * meanwhile (a hash of 300,000 fields, which takes a while to encode) must wait for it, or the
     * file would hold a half-changed hash (or the encoder would trip over its table growing).
     */
    @Test
    void aValueChangedWhileItsSliceIsEncodedIsSavedAsItWas() throws Exception {
        Path copy = Servers.tempDir();
        String atBgsave;
        try (CinnabarServer s = Servers.start(dir); RespClient c = Servers.client(s)) {
            for (int chunk = 0; chunk < 300; chunk++) {
                List<String> hset = new ArrayList<>(List.of("HSET", "big"));
                for (int f = 0; f < 1000; f++) {
                    hset.add("field:" + (chunk * 1000 + f));
                    hset.add("value:" + f);
                }
                c.send(hset.toArray(String[]::new));
            }
            for (int chunk = 0; chunk < 300; chunk++) {
                c.read();
            }
            atBgsave = c.call("DEBUG", "DIGEST").asText();
            assertThat(c.call("BGSAVE").asText()).isEqualTo("Background saving started");
            Thread.sleep(50); // let the walk take the only slice and start encoding it
            int i = 0;
            do {
                for (int k = 0; k < 100; k++, i++) {
                    c.send("HSET", "big", "new:" + i, "x");
                }
                for (int k = 0; k < 100; k++) {
                    c.read();
                }
            } while (Servers.info(c, "rdb_bgsave_in_progress").equals("1"));
            assertThat(Servers.info(c, "rdb_last_bgsave_status")).isEqualTo("ok");
            Files.copy(dir.resolve("dump.rdb"), copy.resolve("dump.rdb"));
        }
        try (CinnabarServer s = Servers.start(copy); RespClient c = Servers.client(s)) {
            assertThat(c.call("DEBUG", "DIGEST").asText()).isEqualTo(atBgsave);
        } finally {
            Servers.delete(copy);
        }
    }

    private String atBgsaveDigest;

    private String atBgsaveDigest(Path ignored) {
        return atBgsaveDigest;
    }

    @Test
    void aSecondBgsaveIsRefusedAndTheChangeCounterKeepsWritesMadeDuringTheSave() throws Exception {
        try (CinnabarServer s = Servers.start(dir, "rdb-key-save-delay", "200"); RespClient c = Servers.client(s)) {
            c.call("DEBUG", "POPULATE", "3000");
            for (int i = 0; i < 10; i++) {
                c.call("SET", "w" + i, "v");
            }
            assertThat(c.call("BGSAVE").asText()).isEqualTo("Background saving started");
            assertThat(c.call("BGSAVE").toString()).isEqualTo("-ERR Background save already in progress");
            assertThat(c.call("BGSAVE", "SCHEDULE").toString()).isEqualTo("-ERR Background save already in progress");
            assertThat(c.call("SAVE").toString()).isEqualTo("-ERR Background save already in progress");
            assertThat(Servers.info(c, "rdb_bgsave_in_progress")).isEqualTo("1");
            assertThat(Long.parseLong(Servers.info(c, "rdb_current_bgsave_time_sec"))).isGreaterThanOrEqualTo(0);
            assertThat(Long.parseLong(Servers.info(c, "current_save_keys_total"))).isEqualTo(3010);
            for (int i = 0; i < 7; i++) {
                c.call("SET", "during" + i, "v");
            }
            Servers.awaitBgsaveDone(c);
            assertThat(Servers.info(c, "rdb_changes_since_last_save")).isEqualTo("7");
            assertThat(Servers.info(c, "rdb_saves")).isEqualTo("1");
            assertThat(Servers.info(c, "rdb_current_bgsave_time_sec")).isEqualTo("-1");
            assertThat(Long.parseLong(Servers.info(c, "rdb_last_bgsave_time_sec"))).isGreaterThanOrEqualTo(0);
        }
    }

    @Test
    void savePointsStartABgsaveAndSaveEmptyStringHasNone() throws Exception {
        try (CinnabarServer s = Servers.start(dir, "save", "1 1 100 1000"); RespClient c = Servers.client(s)) {
            c.call("SET", "a", "1");
            long deadline = System.currentTimeMillis() + 10_000;
            while (!Servers.info(c, "rdb_saves").equals("1")) {
                assertThat(System.currentTimeMillis()).as("save point 1 1").isLessThan(deadline);
                Thread.sleep(50);
            }
            assertThat(dir.resolve("dump.rdb")).exists();
            assertThat(c.call("CONFIG", "SET", "save", "").asText()).isEqualTo("OK");
            c.call("SET", "b", "2");
            Thread.sleep(2200);
            assertThat(Servers.info(c, "rdb_saves")).isEqualTo("1");
        }
    }

    @Test
    void aFailedBgsaveRefusesWritesWithMisconfUntilASaveSucceeds() throws Exception {
        Path gone = Servers.tempDir();
        try (CinnabarServer s = Servers.start(dir, "save", "3600 1", "enable-protected-configs", "yes");
             RespClient c = Servers.client(s)) {
            c.call("SET", "x", "x");
            c.call("CONFIG", "SET", "dir", gone.toString());
            Servers.delete(gone);
            assertThat(c.call("BGSAVE").asText()).isEqualTo("Background saving started");
            Servers.awaitBgsaveDone(c);
            assertThat(Servers.info(c, "rdb_last_bgsave_status")).isEqualTo("err");
            assertThat(c.call("GET", "x").asText()).isEqualTo("x");
            assertThat(c.call("SET", "x", "y").toString()).startsWith("-MISCONF Redis is configured to save RDB snapshots");
            assertThat(c.call("PING").toString()).startsWith("-MISCONF");
            assertThat(c.call("EVAL", "#!lua\nreturn redis.call('set','x',1)", "1", "x").toString()).startsWith("-MISCONF");
            assertThat(c.call("EVAL", "#!lua flags=no-writes\nreturn redis.call('get','x')", "1", "x").asText())
                    .isEqualTo("x");
            c.call("CONFIG", "SET", "stop-writes-on-bgsave-error", "no");
            assertThat(c.call("SET", "x", "y").asText()).isEqualTo("OK");
            c.call("CONFIG", "SET", "stop-writes-on-bgsave-error", "yes");
            assertThat(c.call("SET", "x", "z").toString()).startsWith("-MISCONF");
            c.call("CONFIG", "SET", "dir", dir.toString());
            c.call("BGSAVE");
            Servers.awaitBgsaveDone(c);
            assertThat(Servers.info(c, "rdb_last_bgsave_status")).isEqualTo("ok");
            assertThat(c.call("SET", "x", "z").asText()).isEqualTo("OK");
        }
    }

    @Test
    void flushallStopsARunningBgsave() throws Exception {
        try (CinnabarServer s = Servers.start(dir, "rdb-key-save-delay", "1000"); RespClient c = Servers.client(s)) {
            c.call("DEBUG", "POPULATE", "5000");
            c.call("BGSAVE");
            assertThat(Servers.info(c, "rdb_bgsave_in_progress")).isEqualTo("1");
            c.call("FLUSHALL");
            assertThat(Servers.info(c, "rdb_bgsave_in_progress")).isEqualTo("0");
            assertThat(Long.parseLong(Servers.info(c, "rdb_changes_since_last_save"))).isGreaterThan(999);
            assertThat(c.call("SET", "x", "xx").asText()).isEqualTo("OK");
            long deadline = System.currentTimeMillis() + 5000;
            while (true) {
                try (var files = Files.list(dir)) {
                    if (files.findAny().isEmpty()) {
                        break; // the aborted snapshot's temp file is gone, no dump written
                    }
                }
                assertThat(System.currentTimeMillis()).isLessThan(deadline);
                Thread.sleep(20);
            }
        }
    }

    @Test
    void aFullDiskFailsTheBgsaveAndLeavesTheExistingFileIntact() throws Exception {
        Path small = Servers.tempDir();
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", small.toString())
                .redirectErrorStream(true).start();
        boolean mounted = mount.waitFor() == 0;
        Assumptions.assumeTrue(mounted, "needs a small tmpfs (root with mount rights)");
        try {
            try (CinnabarServer s = Servers.start(small, "save", "3600 1", "rdbcompression", "no");
                 RespClient c = Servers.client(s)) {
                c.call("DEBUG", "POPULATE", "1000", "key", "50");
                assertThat(c.call("SAVE").asText()).isEqualTo("OK");
                byte[] before = Files.readAllBytes(small.resolve("dump.rdb"));
                c.call("DEBUG", "POPULATE", "6000", "more", "100");
                c.call("BGSAVE");
                Servers.awaitBgsaveDone(c);
                assertThat(Servers.info(c, "rdb_last_bgsave_status")).isEqualTo("err");
                assertThat(c.call("SET", "a", "b").toString()).startsWith("-MISCONF");
                assertThat(c.call("SAVE").toString()).isEqualTo("-ERR");
                assertThat(Files.readAllBytes(small.resolve("dump.rdb"))).isEqualTo(before);
                try (var files = Files.list(small)) {
                    assertThat(files.map(p -> p.getFileName().toString())).containsExactly("dump.rdb");
                }
            }
        } finally {
            new ProcessBuilder("umount", small.toString()).start().waitFor();
            Servers.delete(small);
        }
    }
}
