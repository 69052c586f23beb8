package dev.cinnabar.server.acl;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Rule parsing and description without a server: the words Redis's sdssplitargs gives, selectors
 * spread over words, and the property ACL SAVE relies on: a user rebuilt from its own description
 * has the same rules (same bitmap, first arguments, patterns, flags), for random rule sets.
 */
class UserRulesTest {
    @Test
    void splitsLikeSdssplitargs() {
        assertThat(Rules.splitArgs("  ~a*  +get \"x y\" 'it\\'s' \"\\x41\\n\"")).containsExactly("~a*", "+get", "x y",
                "it's", "A\n");
        assertThat(Rules.splitArgs("\"open")).isEmpty();
        assertThat(Rules.splitArgs("\"a\"b")).isEmpty();
    }

    @Test
    void mergesSelectorsSpreadOverWords() {
        assertThat(Rules.mergeSelectors(List.of("on", "(~x", "+get)", "+set")).rules())
                .containsExactly("on", "(~x +get)", "+set");
        assertThat(Rules.mergeSelectors(List.of("on", "(~x", "+get")).unclosedAt()).isEqualTo(1);
        assertThat(Rules.mergeSelectors(List.of("(~x)")).rules()).containsExactly("(~x)");
    }

    private static final String[] OPS = {"+@all", "-@all", "+@read", "-@write", "+@hash", "-@dangerous", "+@admin",
        "-@slow", "+@fast", "+get", "-get", "+client", "-client|kill", "+config|get", "+select|0", "+select|1",
        "+debug|object", "-flushall", "allcommands", "nocommands", "+@pubsub", "-@keyspace", "+acl|whoami", "-acl"};

    @Test
    void aDescriptionRebuildsTheSameRules() {
        Random rnd = new Random(7);
        for (int round = 0; round < 500; round++) {
            User u = new User("u", false);
            for (int i = rnd.nextInt(8); i >= 0; i--) {
                u.apply(OPS[rnd.nextInt(OPS.length)], false);
            }
            u.apply(rnd.nextBoolean() ? "~k*" : "%R~r*", false);
            u.apply("(" + OPS[rnd.nextInt(OPS.length)] + " &c*)", false);
            String described = u.describe();
            User again = new User("u", false);
            for (String op : Rules.mergeSelectors(List.of(described.split(" "))).rules()) {
                assertThat(again.apply(op, false)).as("%s in %s", op, described).isNull();
            }
            assertThat(again.describe()).isEqualTo(described);
            for (int s = 0; s < u.selectors.size(); s++) {
                assertThat(again.selectors.get(s).allowed).as(described).isEqualTo(u.selectors.get(s).allowed);
                // first arguments matter only for denied commands (Redis keeps, and never prints, others)
                assertThat(effectiveFirstArgs(again.selectors.get(s))).as(described)
                        .isEqualTo(effectiveFirstArgs(u.selectors.get(s)));
            }
        }
    }

    private static java.util.Map<Integer, List<String>> effectiveFirstArgs(Selector s) {
        java.util.Map<Integer, List<String>> out = new java.util.TreeMap<>();
        if (s.firstArgs != null) {
            s.firstArgs.forEach((id, args) -> {
                if (!s.allowed.get(id)) {
                    out.put(id, args);
                }
            });
        }
        return out;
    }

    @Test
    void passwordsAreKeptAsDigests() {
        User u = new User("u", false);
        assertThat(u.apply(">secret", false)).isNull();
        assertThat(u.passwords).containsExactly(User.hash("secret".getBytes()));
        assertThat(u.accepts("secret".getBytes())).isFalse(); // still off
        u.apply("on", false);
        assertThat(u.accepts("secret".getBytes())).isTrue();
        assertThat(u.accepts("other".getBytes())).isFalse();
        assertThat(u.apply("<other", false)).isNotNull();
        assertThat(u.apply("nopass", false)).isNull();
        assertThat(u.passwords).isEmpty();
        assertThat(u.accepts("anything".getBytes())).isTrue();
    }
}
