package dev.cinnabar.server.store.list;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** The list encoding: listpack entries, quicklist node sizing and a model check per fill setting. */
class QuickListTest {
    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static List<String> contents(QuickList q) {
        List<String> out = new ArrayList<>();
        q.forEach(v -> out.add(new String(v, StandardCharsets.UTF_8)));
        return out;
    }

    @Test
    void listpackWalksBothWaysOverEveryLengthClass() {
        Listpack lp = new Listpack();
        int[] lens = {0, 1, 127, 128, 16383, 16384, 70000};
        for (int len : lens) {
            lp.append(new byte[len]);
        }
        assertThat(lp.count()).isEqualTo(lens.length);
        int p = 0;
        for (int len : lens) {
            assertThat(lp.len(p)).isEqualTo(len);
            p = lp.next(p);
        }
        assertThat(p).isEqualTo(lp.used());
        p = lp.used();
        for (int i = lens.length - 1; i >= 0; i--) {
            p = lp.prev(p);
            assertThat(lp.len(p)).isEqualTo(lens[i]);
        }
        assertThat(lp.prev(p)).isEqualTo(-1);
        assertThat(Listpack.entrySize(10)).isEqualTo(12); // 2 bytes of overhead for short strings
    }

    @Test
    void everyListReportsQuicklist() {
        QuickList q = new QuickList();
        q.pushTail(b("a"), -2);
        assertThat(q.encoding()).isEqualTo("quicklist");
        assertThat(q.type()).isEqualTo("list");
    }

    @Test
    void positiveFillCapsEntriesPerNode() {
        QuickList q = new QuickList();
        for (int i = 0; i < 10; i++) {
            q.pushTail(b("e" + i), 3);
        }
        assertThat(q.nodeCount()).isEqualTo(4);
        for (int i = 0; i < 5; i++) {
            q.pushHead(b("h" + i), 3);
        }
        assertThat(q.nodeCount()).isEqualTo(6);
        assertThat(q.size()).isEqualTo(15);
    }

    @Test
    void negativeFillCapsNodeBytes() {
        QuickList q = new QuickList();
        byte[] v = new byte[100];
        for (int i = 0; i < 1000; i++) {
            q.pushTail(v, -2); // 8 KB nodes: 80 entries of 102 bytes each
        }
        assertThat(q.nodeCount()).isEqualTo(13);
        QuickList small = new QuickList();
        for (int i = 0; i < 1000; i++) {
            small.pushTail(v, -1); // 4 KB
        }
        assertThat(small.nodeCount()).isEqualTo(25);
        QuickList big = new QuickList();
        big.pushTail(new byte[100_000], -2); // an element over the limit gets a node of its own
        big.pushTail(v, -2);
        big.pushHead(v, -2);
        assertThat(big.nodeCount()).isEqualTo(3);
    }

    @Test
    void shortElementsCostAboutTheirBytesPlusTwo() {
        QuickList q = new QuickList();
        for (int i = 0; i < 200_000; i++) {
            q.pushTail(b(Integer.toString(i % 100000)), -2);
        }
        double perElement = (double) q.bytes() / q.size();
        assertThat(perElement).isLessThan(8.0); // 5-6 bytes of text + 2: full nodes hold no slack
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 5, -1, -2})
    void behavesLikeAnArrayList(int fill) {
        Random r = new Random(fill + 100);
        QuickList q = new QuickList();
        List<String> model = new ArrayList<>();
        String[] vals = {"a", "b", "c", "", "x".repeat(200), "y".repeat(5000)};
        for (int step = 0; step < 4000; step++) {
            String v = vals[r.nextInt(vals.length)];
            switch (r.nextInt(9)) {
                case 0 -> {
                    q.pushHead(b(v), fill);
                    model.add(0, v);
                }
                case 1 -> {
                    q.pushTail(b(v), fill);
                    model.add(v);
                }
                case 2 -> {
                    boolean head = r.nextBoolean();
                    byte[] got = q.pop(head);
                    String want = model.isEmpty() ? null : model.remove(head ? 0 : model.size() - 1);
                    assertThat(got == null ? null : new String(got, StandardCharsets.UTF_8)).isEqualTo(want);
                }
                case 3 -> {
                    if (!model.isEmpty()) {
                        int i = r.nextInt(model.size());
                        q.set(i, b(v), fill);
                        model.set(i, v);
                    }
                }
                case 4 -> {
                    String pivot = vals[r.nextInt(vals.length)];
                    boolean after = r.nextBoolean();
                    int at = model.indexOf(pivot);
                    assertThat(q.insert(b(pivot), b(v), after, fill)).isEqualTo(at >= 0);
                    if (at >= 0) {
                        model.add(after ? at + 1 : at, v);
                    }
                }
                case 5 -> {
                    long n = Math.min(r.nextInt(3), model.size());
                    q.removeHead(n);
                    model.subList(0, (int) n).clear();
                    long m = Math.min(r.nextInt(3), model.size());
                    q.removeTail(m);
                    model.subList(model.size() - (int) m, model.size()).clear();
                }
                case 6 -> {
                    // LREM-style removal through a cursor, from the tail
                    QuickList.Cursor c = q.cursor(q.size() - 1, false);
                    int removed = 0;
                    while (c.valid() && removed < 2) {
                        if (c.equalsValue(b(v))) {
                            c.remove();
                            removed++;
                        } else {
                            c.advance();
                        }
                    }
                    for (int i = model.size() - 1, k = 0; i >= 0 && k < 2; i--) {
                        if (model.get(i).equals(v)) {
                            model.remove(i);
                            k++;
                        }
                    }
                }
                default -> {
                    if (!model.isEmpty()) {
                        int i = r.nextInt(model.size());
                        assertThat(new String(q.index(i), StandardCharsets.UTF_8)).isEqualTo(model.get(i));
                        assertThat(new String(q.index(i - model.size()), StandardCharsets.UTF_8)).isEqualTo(model.get(i));
                    }
                }
            }
            assertThat(q.size()).isEqualTo(model.size());
        }
        assertThat(contents(q)).isEqualTo(model);
        assertThat(contents(q.copy())).isEqualTo(model);
    }
}
