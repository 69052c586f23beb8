package dev.cinnabar.server.persistence;

import dev.cinnabar.server.persistence.rdb.Crc64;
import dev.cinnabar.server.persistence.rdb.RdbFile;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * An RDB file being written, as Redis writes one: into a temp file in the same directory, the
 * CRC-64 computed over everything written, then EOF and the checksum (0 with rdbchecksum no),
 * flush, fsync, and only then a rename over the target and an fsync of the directory, so a crash
 * or a full disk at any point leaves the previous file intact. {@link #discard} deletes the temp file.
 */
final class RdbSink implements AutoCloseable {
    /** Redis's REDIS_AUTOSYNC_BYTES: rdb-save-incremental-fsync syncs every 4 MB written. */
    static final long AUTOSYNC_BYTES = 4L * 1024 * 1024;
    private final Path temp;
    /** Bytes between fsyncs while writing (rdb-save-incremental-fsync), 0 for none until the end. */
    private final long autosync;
    private long synced;
    private int syncs;
    private final FileChannel channel;
    private final OutputStream out;
    private long crc;
    private long written;
    private boolean closed;

    private RdbSink(Path temp, FileChannel channel, long autosync) {
        this.temp = temp;
        this.autosync = autosync;
        this.channel = channel;
        this.out = new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16);
    }

    /** Creates (truncates) the temp file. */
    static RdbSink create(Path temp) throws IOException {
        return create(temp, 0);
    }

    /**
     * Creates (truncates) the temp file; with {@code autosync} > 0 the data is flushed and fsynced
     * each time that many more bytes were written, so the kernel never holds a large dirty backlog
     * that one final fsync would have to write at once (Redis's rioSetAutoSync).
     */
    static RdbSink create(Path temp, long autosync) throws IOException {
        FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
        return new RdbSink(temp, ch, autosync);
    }

    /** Intermediate fsyncs done so far (rdb-save-incremental-fsync). */
    int syncs() {
        return syncs;
    }

    Path temp() {
        return temp;
    }

    void write(byte[] b, int off, int len) throws IOException {
        crc = Crc64.update(crc, b, off, len);
        out.write(b, off, len);
        written += len;
        if (autosync > 0 && written - synced >= autosync) {
            out.flush();
            channel.force(false);
            synced = written;
            syncs++;
        }
    }

    long written() {
        return written;
    }

    /** Writes EOF and the checksum, flushes and fsyncs the temp file. */
    void finish(boolean checksum) throws IOException {
        byte[] eof = {(byte) RdbFile.eofOpcode()};
        write(eof, 0, 1);
        long sum = checksum ? crc : 0;
        byte[] le = new byte[8];
        for (int i = 0; i < 8; i++) {
            le[i] = (byte) (sum >>> (8 * i));
        }
        out.write(le);
        out.flush();
        channel.force(true);
    }

    /** Closes the temp file, renames it over target and fsyncs the directory. */
    void commit(Path target) throws IOException {
        close();
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        try (FileChannel dir = FileChannel.open(target.toAbsolutePath().getParent(), StandardOpenOption.READ)) {
            dir.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // some file systems cannot fsync a directory; the rename itself is done
        }
    }

    /** Closes and deletes the temp file (after a failure or an abort). */
    void discard() {
        try {
            close();
        } catch (IOException e) {
            // deleting is what matters
        }
        try {
            Files.deleteIfExists(temp);
        } catch (IOException e) {
            // nothing more to do: the target was never touched
        }
    }

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            out.close();
        } finally {
            channel.close();
        }
    }
}
