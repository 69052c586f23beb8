package dev.cinnabar.server.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OomScoreAdjTest {
    @Test
    void theReplicaClassAppliesWhileReplicatingAndTheMasterClassOtherwise(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("oom_score_adj");
        Files.writeString(file, "5\n");
        OomScoreAdj adj = new OomScoreAdj(file);
        int[] values = {10, 20, 30};
        adj.update("relative", values, false);
        assertThat(Files.readString(file).trim()).isEqualTo("15");
        adj.update("relative", values, true);
        assertThat(Files.readString(file).trim()).isEqualTo("25");
        adj.update("absolute", values, true);
        assertThat(Files.readString(file).trim()).isEqualTo("20");
        adj.update("relative", values, false);
        assertThat(Files.readString(file).trim()).isEqualTo("15");
        adj.update("no", values, true);
        assertThat(Files.readString(file).trim()).isEqualTo("5");
    }
}
