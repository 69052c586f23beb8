package dev.cinnabar.server.persistence.rdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cinnabar.server.store.Strings;
import dev.cinnabar.server.store.hash.RHash;
import dev.cinnabar.server.store.list.QuickList;
import dev.cinnabar.server.store.set.RSet;
import dev.cinnabar.server.store.stream.Stream;
import dev.cinnabar.server.store.stream.StreamId;
import dev.cinnabar.server.store.zset.ZSet;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * DUMP payloads of every type round-trip, and corrupt payloads (random byte flips with a valid
 * checksum, truncations) are rejected with IllegalArgumentException and never anything worse.
 */
class DumpPayloadTest {
    static final RdbValues.Limits LIMITS = new RdbValues.Limits(-2, 512, 128, 64, new ZSet.Limits(128, 64));

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static List<Object> samples() {
        List<Object> out = new ArrayList<>();
        out.add(b("hello"));
        out.add(Strings.encode(b("123456789012")));
        out.add(b("x".repeat(100)));
        QuickList q = new QuickList();
        for (int i = 0; i < 300; i++) {
            q.pushTail(b("e" + i), -2);
        }
        out.add(q);
        RSet ints = new RSet();
        RSet strs = new RSet();
        for (int i = 0; i < 50; i++) {
            ints.add(b(Integer.toString(i * 1000)), 512);
            strs.add(b("m" + i), 512);
        }
        out.add(ints);
        out.add(strs);
        ZSet small = new ZSet();
        ZSet big = ZSet.skiplist();
        for (int i = 0; i < 200; i++) {
            if (i < 10) {
                small.put(b("s" + i), i * 0.5, LIMITS.zset());
            }
            big.put(b("b" + i), i - 100.25, LIMITS.zset());
        }
        out.add(small);
        out.add(big);
        RHash h = new RHash();
        for (int i = 0; i < 20; i++) {
            h.set(b("f" + i), b("v" + i), 128, 64);
        }
        out.add(h);
        Stream s = new Stream();
        for (int i = 1; i <= 30; i++) {
            byte[][] f = {b("a"), b(Integer.toString(i)), b(i % 2 == 0 ? "b" : "c"), b("x")};
            s.append(new StreamId(i, 0), f, 0, f.length, 10, 4096);
        }
        s.delete(new StreamId(3, 0));
        s.createGroup(b("g"), new StreamId(5, 0), 5);
        out.add(s);
        return out;
    }

    @Test
    void everyTypeRoundTrips() {
        for (Object v : samples()) {
            byte[] p = DumpPayload.dump(v);
            assertThat(DumpPayload.verify(p)).isTrue();
            Object back = DumpPayload.restore(p, LIMITS);
            if (v instanceof RSet set && set.encoding().equals("hashtable")) {
                // hash-table order is the table's own: compare the members
                assertThat(members((RSet) back)).isEqualTo(members(set));
            } else {
                assertThat(DumpPayload.dump(back)).as("payload of %s after a round trip", v.getClass()).isEqualTo(p);
            }
        }
    }

    static java.util.TreeSet<String> members(RSet s) {
        java.util.TreeSet<String> out = new java.util.TreeSet<>();
        s.forEach(m -> out.add(new String(m, StandardCharsets.UTF_8)));
        return out;
    }

    /** Re-signs a payload whose body was changed, so only the value parser can reject it. */
    static byte[] resign(byte[] body) {
        byte[] p = java.util.Arrays.copyOf(body, body.length + 8);
        long crc = Crc64.of(body, 0, body.length);
        for (int i = 0; i < 8; i++) {
            p[body.length + i] = (byte) (crc >>> (8 * i));
        }
        return p;
    }

    @Test
    void corruptPayloadsAreRejectedCleanly() {
        Random r = new Random(11);
        int rejected = 0;
        for (Object v : samples()) {
            byte[] p = DumpPayload.dump(v);
            byte[] body = java.util.Arrays.copyOf(p, p.length - 8);
            for (int round = 0; round < 400; round++) {
                byte[] m = body.clone();
                int flips = 1 + r.nextInt(3);
                for (int k = 0; k < flips; k++) {
                    m[r.nextInt(m.length - 2)] = (byte) r.nextInt(256);
                }
                if (round % 10 == 0) {
                    // truncated value, footer kept
                    int cut = 1 + r.nextInt(m.length - 3);
                    byte[] t = new byte[m.length - cut];
                    System.arraycopy(m, 0, t, 0, m.length - 2 - cut);
                    System.arraycopy(m, m.length - 2, t, t.length - 2, 2);
                    m = t;
                }
                byte[] q = resign(m);
                try {
                    DumpPayload.restore(q, LIMITS);
                } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
                    rejected++;
                }
            }
        }
        assertThat(rejected).isPositive();
    }

    @Test
    void compressedLengthClaimsAreBounded() {
        // type 0, LZF string claiming 1 GB from 2 bytes
        byte[] body = {0, (byte) 0xc3, 2, (byte) 0x80, 0x40, 0, 0, 0, 0, 'a', 10, 0};
        assertThatThrownBy(() -> DumpPayload.restore(resign(body), LIMITS)).isInstanceOf(IllegalArgumentException.class);
    }
}
