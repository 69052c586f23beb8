package dev.cinnabar.server.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** rdb-save-incremental-fsync: the temp file is synced every 4 MB written, or only at the end. */
class RdbSinkTest {
    @TempDir
    Path dir;

    private int syncsFor(long autosync) throws Exception {
        byte[] chunk = new byte[64 * 1024];
        try (RdbSink s = RdbSink.create(dir.resolve("temp-" + autosync + ".rdb"), autosync)) {
            for (int i = 0; i < 160; i++) { // 10 MB
                s.write(chunk, 0, chunk.length);
            }
            s.finish(true);
            assertThat(Files.size(dir.resolve("temp-" + autosync + ".rdb"))).isEqualTo(160L * chunk.length + 9);
            return s.syncs();
        }
    }

    @Test
    void incrementalFsyncEveryFourMegabytes() throws Exception {
        assertThat(syncsFor(RdbSink.AUTOSYNC_BYTES)).isEqualTo(2);
        assertThat(syncsFor(0)).isZero();
    }
}
