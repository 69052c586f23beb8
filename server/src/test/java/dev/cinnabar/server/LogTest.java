package dev.cinnabar.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LogTest {

    @Test
    void theStampIsRedisFormatAsTheJdkFormatterWritesIt() {
        DateTimeFormatter jdk = DateTimeFormatter.ofPattern("dd MMM yyyy HH:mm:ss.SSS", Locale.ENGLISH);
        SplittableRandom r = new SplittableRandom(13);
        LocalDateTime t = LocalDateTime.of(2026, 1, 2, 3, 4, 5, 6_000_000);
        assertThat(Log.stamp(t)).isEqualTo("02 Jan 2026 03:04:05.006");
        for (int i = 0; i < 10_000; i++) {
            t = LocalDateTime.of(1970 + r.nextInt(200), 1 + r.nextInt(12), 1 + r.nextInt(28), r.nextInt(24),
                    r.nextInt(60), r.nextInt(60), r.nextInt(1_000_000_000));
            assertThat(Log.stamp(t)).isEqualTo(t.format(jdk));
        }
    }

    @Test
    void aLineHasPidRoleStampMarkAndMessage() {
        assertThat(Log.line(42, 'M', Log.NOTICE, "hello"))
                .matches("42:M \\d\\d [A-Z][a-z][a-z] \\d{4} \\d\\d:\\d\\d:\\d\\d\\.\\d{3} \\* hello");
    }
}
