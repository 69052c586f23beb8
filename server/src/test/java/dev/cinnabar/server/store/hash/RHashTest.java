package dev.cinnabar.server.store.hash;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The hash type's encodings: listpack → hashtable at the limits, one way, and a model check per encoding. */
class RHashTest {
    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String s(byte[] b) {
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    @Test
    void convertsWhenEntriesPassTheLimit() {
        RHash h = new RHash();
        for (int i = 0; i < 4; i++) {
            h.set(b("f" + i), b("v"), 4, 64);
        }
        assertThat(h.encoding()).isEqualTo("listpack");
        h.set(b("f0"), b("changed"), 4, 64);
        assertThat(h.encoding()).isEqualTo("listpack");
        h.set(b("f4"), b("v"), 4, 64);
        assertThat(h.encoding()).isEqualTo("hashtable");
        assertThat(h.size()).isEqualTo(5);
        assertThat(s(h.get(b("f0")))).isEqualTo("changed");
        h.delete(b("f4"));
        h.delete(b("f3"));
        assertThat(h.encoding()).isEqualTo("hashtable"); // never back
    }

    @Test
    void convertsWhenAFieldOrValueIsLongerThanTheLimit() {
        RHash a = new RHash();
        a.set(b("f"), b("x".repeat(64)), 128, 64);
        assertThat(a.encoding()).isEqualTo("listpack");
        a.set(b("g"), b("x".repeat(65)), 128, 64);
        assertThat(a.encoding()).isEqualTo("hashtable");
        RHash f = new RHash();
        f.set(b("k".repeat(65)), b("v"), 128, 64);
        assertThat(f.encoding()).isEqualTo("hashtable");
        RHash c = new RHash();
        c.convertIfTooLong(10, 64);
        assertThat(c.encoding()).isEqualTo("listpack");
        c.convertIfTooLong(65, 64);
        assertThat(c.encoding()).isEqualTo("hashtable");
        RHash zero = new RHash();
        zero.set(b("a"), b("1"), 0, 64); // hash-max-listpack-entries 0: the first field converts
        assertThat(zero.encoding()).isEqualTo("hashtable");
    }

    @ParameterizedTest
    @ValueSource(ints = {1_000_000, 3})
    void behavesLikeAHashMap(int maxEntries) {
        Random r = new Random(maxEntries);
        RHash h = new RHash();
        Map<String, String> model = new HashMap<>();
        for (int step = 0; step < 3000; step++) {
            String f = "f" + r.nextInt(20);
            switch (r.nextInt(4)) {
                case 0, 1 -> {
                    String v = "v" + r.nextInt(1000);
                    assertThat(h.set(b(f), b(v), maxEntries, 64)).isEqualTo(!model.containsKey(f));
                    model.put(f, v);
                }
                case 2 -> assertThat(h.delete(b(f))).isEqualTo(model.remove(f) != null);
                default -> {
                    assertThat(s(h.get(b(f)))).isEqualTo(model.get(f));
                    assertThat(h.contains(b(f))).isEqualTo(model.containsKey(f));
                    assertThat(h.valueLength(b(f))).isEqualTo(model.containsKey(f) ? model.get(f).length() : 0);
                }
            }
            assertThat(h.size()).isEqualTo(model.size());
        }
        assertThat(h.encoding()).isEqualTo(maxEntries == 3 ? "hashtable" : "listpack");
        Map<String, String> seen = new HashMap<>();
        h.forEach((f, v) -> seen.put(s(f), s(v)));
        assertThat(seen).isEqualTo(model);
        Map<String, String> copied = new HashMap<>();
        h.copy().forEach((f, v) -> copied.put(s(f), s(v)));
        assertThat(copied).isEqualTo(model);
        if (!model.isEmpty()) {
            byte[][] p = h.random(r);
            assertThat(model.get(s(p[0]))).isEqualTo(s(p[1]));
        }
    }
}
