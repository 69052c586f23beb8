package dev.cinnabar.server.persistence.rdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cinnabar.server.store.Db;
import dev.cinnabar.server.store.Keyspace;
import dev.cinnabar.server.store.Strings;
import dev.cinnabar.server.store.zset.ZSet;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The RDB reader over a stream (start-up loading reads the file a window at a time, so a file is
 * not limited to one array's 2 GB): the same keys and checksum as the array reader whatever the
 * window boundaries, offsets past 2^31 counted in longs, and a length longer than the rest of the
 * stream refused as a truncation before anything is allocated for it.
 */
class RdbStreamReaderTest {
    private static final RdbValues.Limits LIMITS = new RdbValues.Limits(-2, 512, 128, 64, ZSet.Limits.DEFAULT);

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** Hands out at most chunk bytes per read, so windows end anywhere. */
    private static InputStream trickle(byte[] data, int chunk) {
        return new ByteArrayInputStream(data) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                return super.read(b, off, Math.min(len, chunk));
            }
        };
    }

    /**
     * A replica's socket load of an RDB sent with an EOF mark: the size is unknown and the socket
     * sends nothing after the mark until the replica answers, so the reader must end at the RDB's
     * end without waiting for more (the old reader waited to fill its window: a hang), hand back
     * what it read past the end, and hold only a window (a corrupt length makes it read on, never
     * allocate the length up front).
     */
    @Test
    void aStreamOfUnknownSizeEndsAtTheRdbsEndWithoutWaitingForMore() throws Exception {
        Keyspace ks = new Keyspace(16, System::currentTimeMillis);
        for (int i = 0; i < 2000; i++) {
            ks.db(0).add(b("key:" + i), Strings.encode(b("v".repeat(i % 500))));
        }
        byte[] file = RdbFile.save(ks, 0, 0, false);
        byte[] mark = b("0123456789012345678901234567890123456789");
        java.io.PipedInputStream socket = new java.io.PipedInputStream(1 << 16);
        java.io.PipedOutputStream master = new java.io.PipedOutputStream(socket);
        Thread sender = new Thread(() -> {
            try {
                for (int off = 0; off < file.length; off += 5000) {
                    master.write(file, off, Math.min(5000, file.length - off));
                }
                master.write(mark);
                master.flush(); // and then nothing: the connection stays open
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        sender.setDaemon(true);
        sender.start();
        RdbStrings.Reader r = new RdbStrings.Reader(socket, true);
        java.util.concurrent.CompletableFuture<RdbFile.Parsed> parsed = java.util.concurrent.CompletableFuture
                .supplyAsync(() -> RdbFile.parse(r, 16, LIMITS, true, RdbFile.Progress.NONE));
        assertThat(parsed.get(20, java.util.concurrent.TimeUnit.SECONDS).keys()).hasSize(2000);
        byte[] after = r.unconsumed();
        byte[] rest = new byte[mark.length - after.length];
        new java.io.DataInputStream(socket).readFully(rest);
        assertThat(java.nio.ByteBuffer.allocate(mark.length).put(after).put(rest).array()).isEqualTo(mark);

        // a string claiming 1 GB in a stream that ends after a few bytes: a truncation, read in a window
        java.io.ByteArrayOutputStream corrupt = new java.io.ByteArrayOutputStream();
        corrupt.writeBytes(b("REDIS0010"));
        corrupt.write(0); // a string key
        corrupt.writeBytes(new byte[] {(byte) 0x80, 0x40, 0, 0, 0}); // length 2^30
        corrupt.writeBytes(new byte[100]);
        assertThatThrownBy(() -> RdbFile.parse(new RdbStrings.Reader(new ByteArrayInputStream(corrupt.toByteArray()),
                true), 16, LIMITS, true, RdbFile.Progress.NONE))
                .isInstanceOfSatisfying(RdbFile.LoadError.class,
                        e -> assertThat(e.kind).isEqualTo(RdbFile.LoadError.Kind.TRUNCATED));
    }

    @Test
    void aStreamedFileParsesAsTheArray() {
        Keyspace ks = new Keyspace(16, System::currentTimeMillis);
        Db db = ks.db(0);
        for (int i = 0; i < 3000; i++) {
            db.add(b("key:" + i), Strings.encode(b(i % 7 == 0 ? "v".repeat(3000 + i) : "val:" + i)));
        }
        byte[] file = RdbFile.save(ks, 0, 0, false);
        RdbFile.Parsed whole = RdbFile.parse(file, 16, LIMITS, true, RdbFile.Progress.NONE);
        for (int chunk : new int[] {1, 7, 4096, 1 << 20}) {
            List<RdbFile.Loaded> got = new ArrayList<>();
            RdbFile.Parsed p = RdbFile.parse(trickle(file, chunk), file.length, 16, LIMITS, true, RdbFile.Progress.NONE,
                    new RdbFile.Sink() {
                        @Override
                        public void resizeDb(int db, long size, long expires) {
                            assertThat(size).isEqualTo(3000);
                        }

                        @Override
                        public void keys(List<RdbFile.Loaded> keys) {
                            got.addAll(keys);
                        }
                    }, 100);
            assertThat(p.end()).isEqualTo(file.length);
            assertThat(got).hasSameSizeAs(whole.keys());
            for (int i = 0; i < got.size(); i++) {
                assertThat(got.get(i).key()).isEqualTo(whole.keys().get(i).key());
                assertThat(Strings.bytes(got.get(i).value())).isEqualTo(Strings.bytes(whole.keys().get(i).value()));
            }
        }
        // a flipped byte fails the streamed checksum as it fails the array's
        byte[] bad = file.clone();
        bad[file.length / 2] ^= 0x01;
        assertThatThrownBy(() -> RdbFile.parse(trickle(bad, 999), bad.length, 16, LIMITS, true, RdbFile.Progress.NONE,
                null, 100)).isInstanceOf(RdbFile.LoadError.class);
        // cut short: a truncation at the offset where the bytes ran out
        assertThatThrownBy(() -> RdbFile.parse(trickle(file, 999), file.length - 5, 16, LIMITS, true,
                RdbFile.Progress.NONE, null, 100))
                .isInstanceOfSatisfying(RdbFile.LoadError.class,
                        e -> assertThat(e.kind).isEqualTo(RdbFile.LoadError.Kind.TRUNCATED));
    }

    /**
     * size bytes: zeros and then the given tail. Only the tail is written: the reader's window is
     * never written elsewhere, so what it holds before the tail is zeros.
     */
    private static InputStream zerosThen(long size, byte[] tail) {
        return new InputStream() {
            long pos;

            @Override
            public int read() {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (pos >= size) {
                    return -1;
                }
                int n = (int) Math.min(len, size - pos);
                long tailStart = size - tail.length;
                for (long at = Math.max(pos, tailStart); at < pos + n; at++) {
                    b[off + (int) (at - pos)] = tail[(int) (at - tailStart)];
                }
                pos += n;
                return n;
            }
        };
    }

    @Test
    void offsetsPastTwoGigabytesAreLongs() {
        long size = (1L << 31) + (1 << 21) + 11;
        byte[] tail = {3, 'a', 'b', 'c', 0x40 | 0x3f, (byte) 0xff, 9, 9, 9, 9, 9};
        RdbStrings.Reader r = new RdbStrings.Reader(zerosThen(size, tail), size, false);
        long target = size - tail.length;
        for (long skipped = 0; skipped < target; ) {
            int step = (int) Math.min(1 << 20, target - skipped);
            assertThat(r.bytes(step)).hasSize(step);
            skipped += step;
        }
        assertThat(r.offset()).isEqualTo(target).isGreaterThan(Integer.MAX_VALUE);
        assertThat(new String(r.string(), StandardCharsets.US_ASCII)).isEqualTo("abc");
        assertThat(r.length()).isEqualTo(16383);
        assertThat(r.offset()).isEqualTo(size - 5);
        // a length beyond the 5 bytes left is a truncation, not a 16 KB allocation
        assertThatThrownBy(() -> r.bytes(16383)).isInstanceOf(RdbStrings.Truncated.class);
        assertThat(r.bytes(5)).containsExactly(9, 9, 9, 9, 9);
        assertThat(r.hasMore()).isFalse();
    }
}
