package dev.cinnabar.testkit.diff;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.server.command.CommandSpec;
import dev.cinnabar.server.command.CommandTable;
import dev.cinnabar.server.command.Families;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SequenceGeneratorTest {
    static final CommandTable TABLE = CommandTable.create(Families.all());

    @Test
    void sameSeedGivesTheSameSequence() {
        SequenceGenerator g = new SequenceGenerator(TABLE, 30);
        for (long seed = 0; seed < 50; seed++) {
            assertThat(g.generate(seed)).isEqualTo(g.generate(seed));
        }
        assertThat(g.generate(1)).isNotEqualTo(g.generate(2));
        assertThat(g.generate(7).steps()).hasSize(30);
    }

    @Test
    void drawsFromImplementedAllowedCommandsOnly() {
        SequenceGenerator g = new SequenceGenerator(TABLE, 20);
        assertThat(g.commands()).isNotEmpty().allSatisfy(s -> {
            assertThat(s.handler()).isNotNull();
            assertThat(Exclusions.allowed(s)).isTrue();
        });
        assertThat(g.commands()).extracting(CommandSpec::fullName).contains("get", "set", "ping")
                .doesNotContain("quit");
    }

    @Test
    void coversTokensOptionalArgumentsBadArityAndUnknownCommands() {
        SequenceGenerator g = new SequenceGenerator(TABLE, 20);
        SplittableRandom r = new SplittableRandom(42);
        List<Invocation> all = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            all.add(g.invocation(r, 0));
        }
        List<Invocation> sets = all.stream().filter(i -> "set".equals(i.command())).toList();
        assertThat(sets).anySatisfy(i -> assertThat(i.args()).contains("EX"));
        assertThat(sets).anySatisfy(i -> assertThat(i.args()).contains("KEEPTTL"));
        assertThat(sets).anySatisfy(i -> assertThat(i.args()).containsAnyOf("NX", "XX"));
        assertThat(sets).anySatisfy(i -> assertThat(i.args()).hasSize(3));
        // wrong arity: SET with fewer than 3 arguments
        assertThat(sets).anySatisfy(i -> assertThat(i.args().size()).isLessThan(3));
        assertThat(all).anySatisfy(i -> assertThat(i.command()).isNull());
        // keys come from the small shared alphabet (or, rarely, from a deliberate garbling)
        assertThat(sets.stream().filter(i -> i.args().size() >= 3
                && SequenceGenerator.KEYS.contains(i.args().get(1))).count()).isGreaterThan(sets.size() * 8L / 10);
        // never a millisecond expiry short enough to race between the two servers
        assertThat(sets).noneSatisfy(i -> {
            int px = i.args().indexOf("PX");
            assertThat(px).isPositive();
            assertThat(px + 1 < i.args().size() && i.args().get(px + 1).matches("[1-9][0-9]{0,4}")).isTrue();
        });
    }

    @Test
    void parsesHandWrittenSequences() {
        Sequence s = Sequence.of("SET k \"a b\\x00\"", "c1 GET k");
        assertThat(s.clients()).isEqualTo(2);
        assertThat(s.steps().get(0).args()).containsExactly("SET", "k", "a b\0");
        assertThat(s.steps().get(1).client()).isEqualTo(1);
        assertThat(s.steps().get(0).commandLine()).isEqualTo("SET k \"a b\\x00\"");
    }
}
