package dev.cinnabar.server.store.stream;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Consumer groups without a server: PEL bookkeeping, claims, copies, read counters, lag, radix figures. */
class StreamGroupTest {
    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static StreamId id(long ms) {
        return new StreamId(ms, 0);
    }

    private static Stream filled(int n, int nodeMax) {
        Stream s = new Stream();
        for (int i = 1; i <= n; i++) {
            byte[][] f = {b("f"), b("v" + i)};
            s.append(id(i), f, 0, f.length, nodeMax, 0);
        }
        return s;
    }

    /** Every nack in the group PEL is in its owner's PEL and nowhere else; consumer PELs hold nothing else. */
    private static void assertConsistent(StreamGroup g) {
        int inConsumers = 0;
        for (StreamGroup.Consumer c : g.consumers().values()) {
            for (var e : c.pel().entrySet()) {
                assertThat(g.pel().get(e.getKey())).isSameAs(e.getValue());
                assertThat(e.getValue().consumer()).isSameAs(c);
                inConsumers++;
            }
        }
        assertThat(inConsumers).isEqualTo(g.pel().size());
    }

    @Test
    void deliveriesFillBothPelsAndAdvanceTheGroup() {
        Stream s = filled(5, 100);
        StreamGroup g = s.createGroup(b("g"), StreamId.MIN, StreamGroup.INVALID_ENTRIES_READ);
        assertThat(s.createGroup(b("g"), StreamId.MIN, 0)).isNull();
        StreamGroup.Consumer a = g.createConsumer(b("a"), 100);
        StreamGroup.Consumer c = g.createConsumer(b("c"), 100);
        assertThat(g.createConsumer(b("a"), 5)).isNull();
        g.delivered(s, id(1), a, false, 200);
        g.delivered(s, id(2), a, false, 200);
        g.delivered(s, id(3), c, true, 200); // NOACK: advances, no PEL entry
        assertThat(g.lastId()).isEqualTo(id(3));
        assertThat(g.entriesRead()).isEqualTo(3);
        assertThat(g.pel().keySet()).containsExactly(id(1), id(2));
        assertThat(a.pel().keySet()).containsExactly(id(1), id(2));
        assertThat(g.pel().get(id(1)).deliveryTime).isEqualTo(200);
        assertConsistent(g);
        // a re-delivery after SETID moves the entry to the new reader with a fresh count
        g.setId(StreamId.MIN, 0);
        g.delivered(s, id(1), c, false, 300);
        assertThat(g.pel().get(id(1)).consumer()).isSameAs(c);
        assertThat(g.pel().get(id(1)).deliveryCount).isEqualTo(1);
        assertThat(a.pel().keySet()).containsExactly(id(2));
        assertConsistent(g);
        assertThat(g.ack(id(1))).isTrue();
        assertThat(g.ack(id(1))).isFalse();
        assertThat(g.deleteConsumer(a)).isEqualTo(1);
        assertThat(g.pel()).isEmpty();
        assertThat(g.consumers().keySet()).containsExactly(b("c"));
        assertConsistent(g);
    }

    @Test
    void claimsMoveOwnershipAndCountDeliveries() {
        Stream s = filled(3, 100);
        StreamGroup g = s.createGroup(b("g"), StreamId.MIN, 0);
        StreamGroup.Consumer a = g.createConsumer(b("a"), 0);
        StreamGroup.Consumer d = g.createConsumer(b("d"), 0);
        g.delivered(s, id(1), a, false, 10);
        assertThat(g.claim(id(2), d, 50, -1, false)).isNull();
        g.claim(id(1), d, 50, -1, false);
        assertThat(g.pel().get(id(1)).deliveryCount).isEqualTo(2);
        assertThat(g.pel().get(id(1)).deliveryTime).isEqualTo(50);
        g.claim(id(1), d, 60, -1, true); // JUSTID: no increment
        assertThat(g.pel().get(id(1)).deliveryCount).isEqualTo(2);
        g.claim(id(1), a, 70, 9, false); // RETRYCOUNT wins
        assertThat(g.pel().get(id(1)).deliveryCount).isEqualTo(9);
        assertThat(d.pel()).isEmpty();
        g.createOwnerless(id(3), 80); // FORCE
        g.claim(id(3), d, 80, -1, false);
        assertThat(g.pel().get(id(3)).deliveryCount).isEqualTo(2);
        assertConsistent(g);
    }

    @Test
    void copiesShareNothing() {
        Stream s = filled(3, 2);
        StreamGroup g = s.createGroup(b("g"), StreamId.MIN, 0);
        StreamGroup.Consumer a = g.createConsumer(b("a"), 0);
        g.delivered(s, id(1), a, false, 10);
        g.delivered(s, id(2), a, false, 10);
        Stream copy = s.copy();
        StreamGroup cg = copy.group(b("g"));
        assertThat(cg).isNotSameAs(g);
        assertConsistent(cg);
        assertThat(cg.pel().keySet()).containsExactly(id(1), id(2));
        cg.ack(id(1));
        cg.consumer(b("a")).seenTime = 99;
        assertThat(g.pel().keySet()).containsExactly(id(1), id(2));
        assertThat(a.seenTime).isZero();
        assertThat(copy.destroyGroup(b("g"))).isTrue();
        assertThat(s.group(b("g"))).isNotNull();
    }

    @Test
    void groupsAndConsumersAreListedInUnsignedByteOrder() {
        Stream s = filled(1, 100);
        for (String n : new String[] {"b", "\u00e9", "a", "B"}) {
            s.createGroup(b(n), StreamId.MIN, 0);
        }
        assertThat(s.groups().keySet()).extracting(k -> new String(k, StandardCharsets.ISO_8859_1))
                .containsExactly("B", "a", "b", "\u00e9");
    }

    @Test
    void readCountersAndLag() {
        Stream s = filled(5, 100);
        StreamGroup g = s.createGroup(b("g"), StreamId.MIN, StreamGroup.INVALID_ENTRIES_READ);
        assertThat(s.lag(g)).isEqualTo(5);
        assertThat(s.estimateDistanceFromFirstEverEntry(id(5))).isEqualTo(5);
        assertThat(s.estimateDistanceFromFirstEverEntry(id(1))).isEqualTo(1);
        assertThat(s.estimateDistanceFromFirstEverEntry(id(3))).isEqualTo(StreamGroup.INVALID_ENTRIES_READ);
        assertThat(s.estimateDistanceFromFirstEverEntry(id(9))).isEqualTo(StreamGroup.INVALID_ENTRIES_READ);
        s.delete(id(4)); // a tombstone inside the live range: counters past it are unknown
        assertThat(s.rangeHasTombstones(id(2), null)).isTrue();
        assertThat(s.rangeHasTombstones(id(5), null)).isFalse();
        assertThat(s.lag(g)).isNull();
        s.trim(1, null, false, 0); // only 5 is left; the tombstone is now before the first entry
        assertThat(s.rangeHasTombstones(null, null)).isFalse();
        assertThat(s.lag(g)).isEqualTo(1);
        Stream empty = new Stream();
        StreamGroup e = empty.createGroup(b("g"), StreamId.MIN, StreamGroup.INVALID_ENTRIES_READ);
        assertThat(empty.lag(e)).isZero();
    }

    @Test
    void radixTreeNodesOfAFewKeys() {
        assertThat(new Stream().radixTreeNodes()).isEqualTo(1);
        assertThat(filled(1, 1).radixTreeNodes()).isEqualTo(2); // one compressed run + the key's leaf
        // 1-0 and 2-0 share 7 bytes then branch, then share the 8 seq bytes: run, branch, 2 runs, 2 leaves
        assertThat(filled(2, 1).radixTreeNodes()).isEqualTo(6);
    }
}
