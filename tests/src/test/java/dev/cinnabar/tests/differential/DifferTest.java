package dev.cinnabar.tests.differential;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cinnabar.server.command.CommandTable;
import dev.cinnabar.server.command.Families;
import dev.cinnabar.testkit.RealRedis;
import dev.cinnabar.testkit.diff.Differ;
import dev.cinnabar.testkit.diff.Normalizers;
import dev.cinnabar.testkit.diff.Result;
import dev.cinnabar.testkit.diff.Sequence;
import org.junit.jupiter.api.Test;

/** The differential harness itself: it must catch a difference, report it readably and shrink it. */
class DifferTest {
    @Test
    void basicCommandsAgreeWithRedis() {
        try (Differ d = Differ.start()) {
            d.assertSame(Sequence.of("PING", "PING hello", "ECHO \"a b\"", "GET missing", "DEL a b", "EXISTS a a",
                    "DBSIZE", "NOSUCHCOMMAND x y", "GET", "ECHO", "c1 PING", "c1 GET missing"));
        }
    }

    /** Two real Redis servers that differ in one setting: the harness must notice. */
    @Test
    void reportsTheFirstDifferenceWithBothRepliesAndShrinksIt() {
        try (RealRedis a = RealRedis.start(); RealRedis b = RealRedis.start("--databases", "4")) {
            CommandTable t = CommandTable.create(Families.all());
            try (Differ d = new Differ(a.port(), b.port(), t, Normalizers.defaults(t))) {
                Sequence s = Sequence.of("PING", "ECHO a", "c1 SELECT 5", "PING");
                Result r = d.run(s);
                assertThat(r.failed()).as(r.report()).isTrue();
                assertThat(r.mismatchAt()).isEqualTo(2);
                assertThat(r.report()).contains("differs from Redis at command #2", "c1 SELECT 5",
                        "redis:    +OK", "cinnabar: -ERR DB index is out of range", "seed=0", "2 connections");
                Result small = d.minimise(r, 10);
                assertThat(small.sequence().steps()).hasSize(1);
                assertThat(small.report()).contains("> ", "SELECT 5");
                assertThatThrownBy(() -> d.assertSame(s)).isInstanceOf(AssertionError.class)
                        .hasMessageContaining("SELECT 5");
                assertThat(d.run(Sequence.of("PING", "ECHO a")).failed()).isFalse();
            }
        }
    }
}
