package dev.cinnabar.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDateTime;
import org.junit.jupiter.api.Test;

/** The datagram text, as the C library's syslog(3) writes it for Redis's openlog(ident, LOG_PID, facility). */
class SyslogTest {
    @Test
    void priorityIsFacilityTimesEightPlusSeverityAndTheDayIsSpacePadded() {
        LocalDateTime t = LocalDateTime.of(2026, 12, 3, 4, 5, 6);
        assertThat(Syslog.format("local0", "redis", 42, Log.NOTICE, "DB saved on disk", t))
                .isEqualTo("<133>Dec  3 04:05:06 redis[42]: DB saved on disk");
        assertThat(Syslog.format("user", "x", 7, Log.WARNING, "m", t.withDayOfMonth(13)))
                .isEqualTo("<12>Dec 13 04:05:06 x[7]: m");
        assertThat(Syslog.format("local7", "r", 1, Log.DEBUG, "d", t)).startsWith("<191>");
        assertThat(Syslog.format("local3", "r", 1, Log.VERBOSE, "v", t)).startsWith("<158>");
    }
}
