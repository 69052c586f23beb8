package dev.cinnabar.server.persistence.rdb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.server.store.Keyspace;
import dev.cinnabar.server.store.zset.ZSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/** FUNCTION2 records (Redis 7.0's function libraries in an RDB file) are written after the aux fields and read back. */
class RdbFunctionsTest {
    @Test
    void librariesRoundTripBeforeTheKeys() {
        String small = "#!lua name=a\nredis.register_function('f', function() return 1 end)";
        String big = "#!lua name=b\n" + "-- padding that compresses\n".repeat(20)
                + "redis.register_function('g', function() return 2 end)";
        RdbBuffer out = new RdbBuffer(true);
        RdbFile.writeHeader(out, 0, 0);
        RdbFile.writeFunctions(out, List.of(small, big));
        RdbFile.writeSelectDb(out, 0, 0, 0);
        out.write(RdbFile.eofOpcode());
        for (int i = 0; i < 8; i++) {
            out.write(0); // checksum 0: not checked
        }
        byte[] file = out.toByteArray();
        RdbFile.Parsed p = RdbFile.parse(file, 16, new RdbValues.Limits(-2, 512, 128, 64, ZSet.Limits.DEFAULT), true,
                RdbFile.Progress.NONE);
        assertThat(p.functions()).containsExactly(small, big);
        assertThat(p.keys()).isEmpty();
        assertThat(RdbFile.load(file, new Keyspace(16, () -> 0L), new RdbValues.Limits(-2, 512, 128, 64,
                ZSet.Limits.DEFAULT), 0, false)).isZero();
    }
}
