package dev.cinnabar.cache;

import io.lettuce.core.BitFieldArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.IntegerOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.ProtocolKeyword;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * A Bloom filter kept in Redis, sized from the expected insertions and false-positive rate:
 * m = -n·ln(p)/ln(2)² bits and k = m/n·ln(2) hash functions (100M entries at 1% ≈ 958M bits ≈ 114 MB,
 * the design notes' figure).
 *
 * <p>When the server has the RedisBloom module (BF.RESERVE/BF.ADD/BF.EXISTS) it is used; otherwise
 * the toolkit computes the bit positions (MurmurHash3-128 double hashing, as Guava) and sets/reads
 * them with one BITFIELD / BITFIELD_RO round trip per operation. Bits are spread over shards of at
 * most 2^31 bits so no single string exceeds Redis's 512 MB limit.
 */
public final class RedisBloomFilter {
    private static final long SHARD_BITS = 1L << 31;
    private final StatefulRedisConnection<String, String> conn;
    private final String name;
    private final long bits;
    private final int hashes;
    private final boolean module;
    private final double fpp;
    private final long expected;

    private RedisBloomFilter(StatefulRedisConnection<String, String> conn, String name, long expected, double fpp,
                             boolean module) {
        if (expected <= 0 || fpp <= 0 || fpp >= 1) {
            throw new IllegalArgumentException("expected insertions must be > 0 and 0 < fpp < 1");
        }
        this.conn = conn;
        this.name = name;
        this.expected = expected;
        this.fpp = fpp;
        this.bits = optimalBits(expected, fpp);
        this.hashes = optimalHashes(expected, bits);
        this.module = module;
    }

    /**
     * Creates (or attaches to) the filter {@code name}. Uses the server's BF.* commands when the
     * RedisBloom module is present, bit operations otherwise.
     */
    public static RedisBloomFilter create(StatefulRedisConnection<String, String> conn, String name,
                                          long expectedInsertions, double fpp) {
        boolean module = hasBloomModule(conn.sync());
        RedisBloomFilter f = new RedisBloomFilter(conn, name, expectedInsertions, fpp, module);
        if (module) {
            try {
                conn.sync().dispatch(Bf.RESERVE, new IntegerOutput<>(StringCodec.UTF8),
                        new CommandArgs<>(StringCodec.UTF8).addKey(name).add(fpp).add(expectedInsertions));
            } catch (RuntimeException e) {
                if (e.getMessage() == null || !e.getMessage().contains("exists")) {
                    throw e;
                }
            }
        }
        return f;
    }

    /** Forces the bit-operation implementation (also used to test it against servers with the module). */
    public static RedisBloomFilter createWithBitOps(StatefulRedisConnection<String, String> conn, String name,
                                                    long expectedInsertions, double fpp) {
        return new RedisBloomFilter(conn, name, expectedInsertions, fpp, false);
    }

    private static boolean hasBloomModule(RedisCommands<String, String> c) {
        try {
            List<Object> info = c.commandInfo("bf.add");
            return info != null && !info.isEmpty() && info.get(0) != null;
        } catch (RuntimeException e) {
            return false;
        }
    }

    enum Bf implements ProtocolKeyword {
        RESERVE("BF.RESERVE"), ADD("BF.ADD"), EXISTS("BF.EXISTS");

        private final byte[] bytes;

        Bf(String s) {
            bytes = s.getBytes(StandardCharsets.US_ASCII);
        }

        @Override
        public byte[] getBytes() {
            return bytes;
        }
    }

    public static long optimalBits(long n, double p) {
        return (long) Math.ceil(-n * Math.log(p) / (Math.log(2) * Math.log(2)));
    }

    public static int optimalHashes(long n, long m) {
        return Math.max(1, (int) Math.round((double) m / n * Math.log(2)));
    }

    public long bitSize() {
        return bits;
    }

    public int hashFunctions() {
        return hashes;
    }

    public double expectedFpp() {
        return fpp;
    }

    public long expectedInsertions() {
        return expected;
    }

    public boolean usesModule() {
        return module;
    }

    /** Adds an element. */
    public void add(String element) {
        if (module) {
            conn.sync().dispatch(Bf.ADD, new IntegerOutput<>(StringCodec.UTF8),
                    new CommandArgs<>(StringCodec.UTF8).addKey(name).addValue(element));
            return;
        }
        long[] pos = positions(element);
        for (int s = 0; s < shardCount(); s++) {
            BitFieldArgs args = new BitFieldArgs();
            boolean any = false;
            for (long p : pos) {
                if (p / SHARD_BITS == s) {
                    args.set(BitFieldArgs.unsigned(1), BitFieldArgs.offset((int) (p % SHARD_BITS)), 1);
                    any = true;
                }
            }
            if (any) {
                conn.sync().bitfield(shardKey(s), args);
            }
        }
    }

    /** Adds many elements with pipelined commands (bulk pre-population from the database). */
    public void addAll(Collection<String> elements) {
        var async = conn.async();
        List<io.lettuce.core.RedisFuture<?>> pending = new ArrayList<>();
        for (String e : elements) {
            if (module) {
                pending.add(async.dispatch(Bf.ADD, new IntegerOutput<>(StringCodec.UTF8),
                        new CommandArgs<>(StringCodec.UTF8).addKey(name).addValue(e)));
            } else {
                long[] pos = positions(e);
                for (long p : pos) {
                    pending.add(async.setbit(shardKey((int) (p / SHARD_BITS)), p % SHARD_BITS, 1));
                }
            }
            if (pending.size() >= 4096) {
                await(pending);
            }
        }
        await(pending);
    }

    private static void await(List<io.lettuce.core.RedisFuture<?>> pending) {
        for (var f : pending) {
            try {
                f.get();
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(ie);
            } catch (java.util.concurrent.ExecutionException ee) {
                throw new IllegalStateException(ee.getCause());
            }
        }
        pending.clear();
    }

    /** False means definitely absent; true means possibly present (false positives at about fpp). */
    public boolean mightContain(String element) {
        if (module) {
            Long r = conn.sync().dispatch(Bf.EXISTS, new IntegerOutput<>(StringCodec.UTF8),
                    new CommandArgs<>(StringCodec.UTF8).addKey(name).addValue(element));
            return r != null && r == 1;
        }
        long[] pos = positions(element);
        for (int s = 0; s < shardCount(); s++) {
            BitFieldArgs args = new BitFieldArgs();
            int n = 0;
            for (long p : pos) {
                if (p / SHARD_BITS == s) {
                    args.get(BitFieldArgs.unsigned(1), BitFieldArgs.offset((int) (p % SHARD_BITS)));
                    n++;
                }
            }
            if (n == 0) {
                continue;
            }
            List<Long> r = conn.sync().bitfield(shardKey(s), args);
            for (Long v : r) {
                if (v == null || v == 0) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Deletes the filter's keys. */
    public void delete() {
        List<String> keys = new ArrayList<>();
        if (module) {
            keys.add(name);
        } else {
            for (int s = 0; s < shardCount(); s++) {
                keys.add(shardKey(s));
            }
        }
        conn.sync().del(keys.toArray(new String[0]));
    }

    private int shardCount() {
        return (int) ((bits + SHARD_BITS - 1) / SHARD_BITS);
    }

    private String shardKey(int s) {
        return shardCount() == 1 ? name : name + ":" + s;
    }

    /** The k bit positions of an element (Kirsch-Mitzenmacher double hashing over MurmurHash3-128). */
    long[] positions(String element) {
        long[] h = Murmur3.hash128(element.getBytes(StandardCharsets.UTF_8));
        long combined = h[0];
        long[] out = new long[hashes];
        for (int i = 0; i < hashes; i++) {
            out[i] = (combined & Long.MAX_VALUE) % bits;
            combined += h[1];
        }
        return out;
    }

    /** MurmurHash3 x64 128-bit, seed 0. */
    static final class Murmur3 {
        private static final long C1 = 0x87c37b91114253d5L;
        private static final long C2 = 0x4cf5ad432745937fL;

        private Murmur3() {
        }

        static long[] hash128(byte[] data) {
            long h1 = 0;
            long h2 = 0;
            int len = data.length;
            int nblocks = len / 16;
            java.nio.ByteBuffer bb = java.nio.ByteBuffer.wrap(data).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < nblocks; i++) {
                long k1 = bb.getLong(i * 16);
                long k2 = bb.getLong(i * 16 + 8);
                h1 ^= mixK1(k1);
                h1 = Long.rotateLeft(h1, 27);
                h1 += h2;
                h1 = h1 * 5 + 0x52dce729;
                h2 ^= mixK2(k2);
                h2 = Long.rotateLeft(h2, 31);
                h2 += h1;
                h2 = h2 * 5 + 0x38495ab5;
            }
            long k1 = 0;
            long k2 = 0;
            int tail = nblocks * 16;
            switch (len & 15) {
                case 15: k2 ^= (long) (data[tail + 14] & 0xff) << 48; // fall through
                case 14: k2 ^= (long) (data[tail + 13] & 0xff) << 40; // fall through
                case 13: k2 ^= (long) (data[tail + 12] & 0xff) << 32; // fall through
                case 12: k2 ^= (long) (data[tail + 11] & 0xff) << 24; // fall through
                case 11: k2 ^= (long) (data[tail + 10] & 0xff) << 16; // fall through
                case 10: k2 ^= (long) (data[tail + 9] & 0xff) << 8; // fall through
                case 9:
                    k2 ^= data[tail + 8] & 0xff;
                    h2 ^= mixK2(k2);
                    // fall through
                case 8: k1 ^= (long) (data[tail + 7] & 0xff) << 56; // fall through
                case 7: k1 ^= (long) (data[tail + 6] & 0xff) << 48; // fall through
                case 6: k1 ^= (long) (data[tail + 5] & 0xff) << 40; // fall through
                case 5: k1 ^= (long) (data[tail + 4] & 0xff) << 32; // fall through
                case 4: k1 ^= (long) (data[tail + 3] & 0xff) << 24; // fall through
                case 3: k1 ^= (long) (data[tail + 2] & 0xff) << 16; // fall through
                case 2: k1 ^= (long) (data[tail + 1] & 0xff) << 8; // fall through
                case 1:
                    k1 ^= data[tail] & 0xff;
                    h1 ^= mixK1(k1);
                    break;
                default:
                    break;
            }
            h1 ^= len;
            h2 ^= len;
            h1 += h2;
            h2 += h1;
            h1 = fmix64(h1);
            h2 = fmix64(h2);
            h1 += h2;
            h2 += h1;
            return new long[] {h1, h2};
        }

        private static long mixK1(long k1) {
            k1 *= C1;
            k1 = Long.rotateLeft(k1, 31);
            k1 *= C2;
            return k1;
        }

        private static long mixK2(long k2) {
            k2 *= C2;
            k2 = Long.rotateLeft(k2, 33);
            k2 *= C1;
            return k2;
        }

        private static long fmix64(long k) {
            k ^= k >>> 33;
            k *= 0xff51afd7ed558ccdL;
            k ^= k >>> 33;
            k *= 0xc4ceb9fe1a85ec53L;
            k ^= k >>> 33;
            return k;
        }
    }
}
