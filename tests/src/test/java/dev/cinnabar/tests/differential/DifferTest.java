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

    /** Several connections in a fixed interleaving: WATCH/MULTI/EXEC, blocking-free pub/sub. */
    @Test
    void multiClientScenariosAgreeWithRedis() {
        try (Differ d = Differ.start()) {
            d.assertSame(Sequence.of("SET k 1", "WATCH k", "c1 INCR k", "MULTI", "GET k", "EXEC", "GET k"));
            d.assertSame(Sequence.of("WATCH k", "c1 GET k", "MULTI", "SET k 2", "EXEC", "c1 GET k"));
            d.assertSame(Sequence.of("MULTI", "c1 SET k 1", "GET k", "c1 DEL k", "EXEC", "c1 EXISTS k"));
            d.assertSame(Sequence.of("MULTI", "SET k", "GET k", "EXEC", "GET k"));
            // The harness reads one reply per command, so once c1 holds a pushed message its replies lag by one:
            // each c1 PING reads what the server sent before it, which also proves c1's previous command ran
            // before the next PUBLISH (without it, "PUBLISH ch again" races the UNSUBSCRIBE).
            d.assertSame(Sequence.of("c1 SUBSCRIBE ch", "PUBLISH ch hi", "PUBLISH other x", "c1 PING",
                    "c1 UNSUBSCRIBE ch", "c1 PING", "PUBLISH ch again"));
            d.assertSame(Sequence.of("SELECT 2", "SET k a", "c1 GET k", "c1 SELECT 2", "c1 GET k", "SWAPDB 0 2",
                    "c1 GET k", "GET k"));
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
