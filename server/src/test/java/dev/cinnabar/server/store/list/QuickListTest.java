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
            q.pushTail(v, -2); // 8 KB nodes: 78 entries of 103 listpack bytes each
        }
        assertThat(q.nodeCount()).isEqualTo(13); // as Redis 7.0.15 (DEBUG OBJECT ql_nodes)
        QuickList small = new QuickList();
        for (int i = 0; i < 1000; i++) {
            small.pushTail(v, -1); // 4 KB: 39 entries per node
        }
        assertThat(small.nodeCount()).isEqualTo(26); // as Redis 7.0.15
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
        runModel(new QuickList(), fill, fill + 100, q -> { });
    }

    /**
     * list-compress-depth: the same model check with compression on, and after every step the
     * depth nodes at each end raw; interior nodes get compressed (MEMORY USAGE drops).
     */
    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3})
    void compressedListsBehaveLikeAnArrayList(int depth) {
        QuickList.compressDepth(depth);
        try {
            for (int fill : new int[] {2, -1}) {
                QuickList q = new QuickList();
                int[] compressedSeen = {0};
                runModel(q, fill, depth * 31 + fill, l -> {
                    assertThat(l.endsRaw()).isTrue();
                    compressedSeen[0] = Math.max(compressedSeen[0], l.compressedNodes());
                });
                assertThat(compressedSeen[0]).as("fill %d", fill).isPositive();
            }
            // a long list of compressible elements: all but the depth nodes at each end compressed
            QuickList q = new QuickList();
            QuickList.compressDepth(0);
            QuickList plain = new QuickList(); // made at depth 0: never compressed
            QuickList.compressDepth(depth);
            for (int i = 0; i < 20000; i++) {
                q.pushTail(b("element-number-" + i), -2);
                plain.pushTail(b("element-number-" + i), -2);
            }
            assertThat(q.compressDepth()).isEqualTo(depth);
            assertThat(plain.compressDepth()).isZero();
            assertThat(q.compressedNodes()).isEqualTo(q.nodeCount() - 2 * depth);
            assertThat(plain.compressedNodes()).isZero();
            assertThat(q.bytes()).isLessThan(plain.bytes() / 2);
            assertThat(contents(q)).isEqualTo(contents(plain));
            // reads leave it as it was; a write in the middle compresses its node again
            q.index(10000);
            assertThat(q.compressedNodes()).isEqualTo(q.nodeCount() - 2 * depth);
            q.set(10000, b("changed"), -2);
            assertThat(q.compressedNodes()).isEqualTo(q.nodeCount() - 2 * depth);
            assertThat(new String(q.index(10000), StandardCharsets.UTF_8)).isEqualTo("changed");
            // nodes under 48 listpack bytes are never compressed
            QuickList small = new QuickList();
            for (int i = 0; i < 20; i++) {
                small.pushTail(b("a" + i), 2);
            }
            assertThat(small.compressedNodes()).isZero();
        } finally {
            QuickList.compressDepth(0);
        }
    }

    private static void runModel(QuickList q, int fill, long seed, java.util.function.Consumer<QuickList> check) {
        Random r = new Random(seed);
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
            q.settle();
            assertThat(q.size()).isEqualTo(model.size());
            check.accept(q);
        }
        assertThat(contents(q)).isEqualTo(model);
        assertThat(contents(q.copy())).isEqualTo(model);
    }

    /**
     * Elements at least as long as the packed threshold get plain nodes of their own, through
     * every way in (pushes, LINSERT in the middle of a packed node, LSET both ways), and the list
     * keeps its order; a model list checks the contents.
     */
    @Test
    void largeElementsGetPlainNodesOfTheirOwn() {
        assertThat(QuickList.packedThreshold((1L << 32) - (1L << 20) + 1)).isFalse();
        assertThat(QuickList.packedThreshold(5)).isTrue();
        try {
            QuickList q = new QuickList();
            List<String> model = new ArrayList<>();
            for (String v : List.of("a", "b", "c", "d")) {
                q.pushTail(b(v), -2);
                model.add(v);
            }
            assertThat(q.nodeCount()).isEqualTo(1);
            q.pushHead(b("large1"), -2);
            model.add(0, "large1");
            q.pushTail(b("large2"), -2);
            model.add("large2");
            q.pushTail(b("e"), -2);
            model.add("e");
            assertThat(q.nodeCount()).isEqualTo(4); // [large1][a b c d][large2][e]: e cannot join a plain node
            assertThat(q.insert(b("b"), b("large3"), true, -2)).isTrue(); // splits [a b c d]
            model.add(model.indexOf("b") + 1, "large3");
            assertThat(q.nodeCount()).isEqualTo(6); // [large1][a b][large3][c d][large2][e]
            assertThat(q.set(1, b("large4"), -2)).isTrue(); // "a" leaves [a b] for a node of its own
            model.set(1, "large4");
            assertThat(q.nodeCount()).isEqualTo(7);
            assertThat(q.set(0, b("x"), -2)).isTrue(); // a plain node takes a small element back
            model.set(0, "x");
            assertThat(q.insert(b("large2"), b("y"), false, -2)).isTrue();
            model.add(model.indexOf("large2"), "y");
            assertThat(contents(q)).isEqualTo(model);
            assertThat(q.size()).isEqualTo(model.size());
            q.pushHead(b("z"), -2); // x's node is no longer plain: z joins it
            model.add(0, "z");
            int nodes = q.nodeCount();
            assertThat(contents(q)).isEqualTo(model);
            QuickList copy = q.copy();
            copy.pushTail(b("large5"), -2);
            assertThat(copy.nodeCount()).isEqualTo(nodes + 1);
            assertThat(QuickList.packedThreshold(0)).isTrue(); // back to 1 GB
            q.pushTail(b("large6"), -2);
            assertThat(q.nodeCount()).isEqualTo(nodes); // no longer large: joins [e]
        } finally {
            QuickList.packedThreshold(0);
        }
    }
}
