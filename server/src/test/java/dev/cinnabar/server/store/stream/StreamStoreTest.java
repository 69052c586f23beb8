package dev.cinnabar.server.store.stream;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The stream store without a server: ID parsing, node splitting, deletion, trimming, ranges. */
class StreamStoreTest {
    private static StreamId.Parsed parse(String s, boolean strict, boolean star) {
        return StreamId.parse(s.getBytes(StandardCharsets.ISO_8859_1), strict, star, 0);
    }

    private static byte[][] fields(String... f) {
        byte[][] out = new byte[f.length][];
        for (int i = 0; i < f.length; i++) {
            out[i] = f[i].getBytes(StandardCharsets.ISO_8859_1);
        }
        return out;
    }

    private static Stream filled(int n, int nodeMax) {
        Stream s = new Stream();
        for (int i = 1; i <= n; i++) {
            byte[][] f = fields("f", "v" + i);
            s.append(new StreamId(i, 0), f, 0, f.length, nodeMax, 0);
        }
        return s;
    }

    private static List<Long> ids(Stream s, boolean reverse) {
        List<Long> out = new ArrayList<>();
        s.range(StreamId.MIN, StreamId.MAX, reverse, 0, (id, f) -> out.add(id.ms()));
        return out;
    }

    @Test
    void idsParseAsRedisDoes() {
        assertThat(parse("5", true, false).id()).isEqualTo(new StreamId(5, 0));
        assertThat(parse("5-7", true, false).id()).isEqualTo(new StreamId(5, 7));
        assertThat(parse("18446744073709551615-18446744073709551615", true, false).id()).isEqualTo(StreamId.MAX);
        assertThat(parse("18446744073709551616", true, false)).isNull();
        assertThat(parse("-1", true, false)).isNull();
        assertThat(parse(" 7", true, false).id().ms()).isEqualTo(7);
        assertThat(parse("-", true, false)).isNull();
        assertThat(parse("-", false, false).id()).isEqualTo(StreamId.MIN);
        assertThat(parse("+", false, false).id()).isEqualTo(StreamId.MAX);
        assertThat(parse("5-*", true, true).seqGiven()).isFalse();
        assertThat(parse("5-*", true, false)).isNull();
        assertThat(parse("", true, false)).isNull();
        assertThat(StreamId.MAX.next()).isNull();
        assertThat(StreamId.MIN.prev()).isNull();
        assertThat(new StreamId(1, -1L).next()).isEqualTo(new StreamId(2, 0));
        assertThat(new StreamId(-1L, 0).compareTo(new StreamId(1, 0))).isPositive();
    }

    @Test
    void nextIdRules() {
        Stream s = filled(3, 100);
        assertThat(s.nextId(new StreamId(3, 0), true, 0)).isNull();
        assertThat(s.nextId(new StreamId(3, 0), false, 0)).isEqualTo(new StreamId(3, 1));
        assertThat(s.nextId(new StreamId(2, 0), false, 0)).isNull();
        assertThat(s.nextId(null, true, 1000)).isEqualTo(new StreamId(1000, 0));
        assertThat(s.nextId(null, true, 1)).isEqualTo(new StreamId(3, 1));
    }

    @Test
    void nodesSplitAtMaxEntriesAndRangesCrossThem() {
        Stream s = filled(25, 10);
        assertThat(s.nodeCount()).isEqualTo(3);
        assertThat(ids(s, false)).hasSize(25).startsWith(1L, 2L).endsWith(24L, 25L);
        assertThat(ids(s, true)).startsWith(25L, 24L).endsWith(1L);
        List<Long> part = new ArrayList<>();
        s.range(new StreamId(9, 0), new StreamId(12, 0), true, 3, (id, f) -> part.add(id.ms()));
        assertThat(part).containsExactly(12L, 11L, 10L);
        assertThat(new String(s.get(new StreamId(7, 0))[1], StandardCharsets.ISO_8859_1)).isEqualTo("v7");
    }

    @Test
    void deletionMarksEntriesAndDropsEmptyNodes() {
        Stream s = filled(4, 2);
        assertThat(s.delete(new StreamId(1, 0))).isTrue();
        assertThat(s.delete(new StreamId(1, 0))).isFalse();
        assertThat(s.recordedFirstId()).isEqualTo(new StreamId(2, 0));
        assertThat(s.delete(new StreamId(2, 0))).isTrue();
        assertThat(s.nodeCount()).isEqualTo(1);
        assertThat(s.maxDeletedId()).isEqualTo(new StreamId(2, 0));
        assertThat(s.length()).isEqualTo(2);
        assertThat(s.delete(new StreamId(3, 0)) && s.delete(new StreamId(4, 0))).isTrue();
        assertThat(s.length()).isZero();
        assertThat(s.isEmpty()).isFalse();
        assertThat(s.lastId()).isEqualTo(new StreamId(4, 0));
        assertThat(s.recordedFirstId()).isEqualTo(StreamId.MIN);
    }

    @Test
    void trimmingExactApproximateAndLimited() {
        Stream s = filled(95, 10);
        assertThat(s.trim(50, null, true, 0)).isEqualTo(40);
        assertThat(s.length()).isEqualTo(55);
        assertThat(s.trim(50, null, false, 0)).isEqualTo(5);
        assertThat(ids(s, false).get(0)).isEqualTo(46L);
        assertThat(s.trim(0, new StreamId(58, 0), true, 0)).isEqualTo(5);
        assertThat(s.trim(0, null, true, 10)).isEqualTo(10);
        assertThat(s.trim(0, new StreamId(80, 0), false, 0)).isEqualTo(19); // node 61-70 whole, then 71-79
        assertThat(ids(s, false).get(0)).isEqualTo(80L);
        Stream copy = s.copy();
        assertThat(copy.trim(0, null, false, 0)).isEqualTo(16);
        assertThat(s.length()).isEqualTo(16);
    }
}
