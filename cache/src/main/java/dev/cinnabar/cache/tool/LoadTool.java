package dev.cinnabar.cache.tool;

import dev.cinnabar.cache.CacheCodec;
import dev.cinnabar.cache.CacheStats;
import dev.cinnabar.cache.RedisBloomFilter;
import dev.cinnabar.cache.RedisCache;
import dev.cinnabar.cache.RedisCacheBuilder;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The hit-rate load tool: runs a workload against a Redis-protocol server through the toolkit's
 * cache and a simulated database, with a live progress line, then prints hit rate, database QPS
 * and latency percentiles. Scenarios show each failure mode with its defence on and off:
 *
 * <ul>
 *   <li>{@code normal}: Zipf or uniform reads over existing ids, with a write share.
 *   <li>{@code penetration}: most lookups are for ids that exist nowhere (defence: Bloom guard and
 *       null caching).
 *   <li>{@code breakdown}: every thread reads one hot key whose TTL is short (defence: distributed
 *       single-flight).
 *   <li>{@code avalanche}: all keys are warmed at once with the same TTL and read after it passes
 *       (defence: TTL jitter).
 * </ul>
 */
@Command(name = "cinnabar-cache-load", mixinStandardHelpOptions = true,
        description = "Cache hit-rate and failure-mode load test against a Redis-protocol server.")
public final class LoadTool implements Callable<Integer> {
    @Option(names = "--host", defaultValue = "127.0.0.1", description = "server host (default: ${DEFAULT-VALUE})")
    String host;
    @Option(names = "--port", defaultValue = "6379", description = "server port (default: ${DEFAULT-VALUE})") int port;
    @Option(names = "--scenario", defaultValue = "normal", description = "normal (reads over existing ids, with "
            + "--write-ratio writes), penetration (90% of reads for ids that exist nowhere), breakdown (every "
            + "thread reads one hot key with a short TTL), avalanche (all keys warmed at once with one TTL, read "
            + "after it passes) (default: ${DEFAULT-VALUE})")
    String scenario;
    @Option(names = "--defence", defaultValue = "on", description = "on or off: the scenario's defence (penetration: "
            + "Bloom guard and null caching; breakdown: distributed single-flight; avalanche: TTL jitter) "
            + "(default: ${DEFAULT-VALUE})") String defence;
    @Option(names = "--threads", defaultValue = "32", description = "client threads, each reading (or writing) in "
            + "a loop (default: ${DEFAULT-VALUE})") int threads;
    @Option(names = "--seconds", defaultValue = "10", description = "how long the load runs (default: ${DEFAULT-VALUE})")
    int seconds;
    @Option(names = "--keys", defaultValue = "10000", description = "ids that exist in the database "
            + "(default: ${DEFAULT-VALUE})") long keys;
    @Option(names = "--distribution", defaultValue = "zipf", description = "zipf or uniform: how reads pick ids "
            + "(default: ${DEFAULT-VALUE})") String distribution;
    @Option(names = "--zipf-exponent", defaultValue = "0.99", description = "the Zipf distribution's exponent: "
            + "larger is more skewed toward a few hot ids (default: ${DEFAULT-VALUE})") double zipfS;
    @Option(names = "--write-ratio", defaultValue = "0.0", description = "share of operations that update an id "
            + "(database write, then cache invalidation), 0 to 1 (default: ${DEFAULT-VALUE})") double writeRatio;
    @Option(names = "--ttl-ms", defaultValue = "60000", description = "cache entries' time to live in "
            + "milliseconds (breakdown caps it at 500) (default: ${DEFAULT-VALUE})") long ttlMs;
    @Option(names = "--db-latency-us", defaultValue = "2000", description = "the simulated database's latency per "
            + "query, in microseconds (default: ${DEFAULT-VALUE})") long dbLatencyUs;
    @Option(names = "--db-connections", defaultValue = "16", description = "the simulated database's connection "
            + "pool: queries beyond it wait (default: ${DEFAULT-VALUE})") int dbConnections;
    @Option(names = "--quiet", description = "no live progress line") boolean quiet;

    private PrintStream out = System.out;

    public static void main(String[] args) {
        System.exit(new CommandLine(new LoadTool()).execute(args));
    }

    /** Result of one run (also used by tests and by docs/benchmarks.md). */
    public record Result(String scenario, boolean defence, long operations, double hitRate, long dbQueries,
                         double dbQps, int dbPeakConcurrency, long p50us, long p99us, long maxUs, double seconds) {
        @Override
        public String toString() {
            return String.format("%s defence=%s ops=%d hit_rate=%.4f db_queries=%d db_qps=%.1f db_peak=%d "
                            + "p50=%dus p99=%dus max=%dus elapsed=%.1fs", scenario, defence ? "on" : "off", operations,
                    hitRate, dbQueries, dbQps, dbPeakConcurrency, p50us, p99us, maxUs, seconds);
        }
    }

    @Override
    public Integer call() throws Exception {
        Result r = run();
        out.println();
        out.println(r);
        return 0;
    }

    public LoadTool out(PrintStream p) {
        this.out = p;
        return this;
    }

    public Result run() throws Exception {
        boolean on = defence.equalsIgnoreCase("on");
        SimulatedDatabase db = new SimulatedDatabase(dbConnections, dbLatencyUs, keys);
        RedisClient client = RedisClient.create(RedisURI.create(host, port));
        String name = "load-" + scenario + "-" + (on ? "on" : "off") + "-" + Long.toHexString(System.nanoTime());
        RedisBloomFilter bloom = null;
        try (StatefulRedisConnection<String, String> admin = client.connect(StringCodec.UTF8)) {
            RedisCacheBuilder<Long, String> b = RedisCacheBuilder.<Long, String>newBuilder(client)
                    .name(name).codec(new Utf8Codec()).ttl(Duration.ofMillis(ttlMs))
                    .sourceConcurrency(dbConnections * 4, Duration.ofSeconds(30));
            switch (scenario) {
                case "penetration" -> {
                    b.cacheNulls(on).nullTtl(Duration.ofSeconds(60));
                    if (on) {
                        bloom = RedisBloomFilter.createWithBitOps(admin, name + ":bloom", Math.max(keys, 1000), 0.01);
                        List<String> ids = new ArrayList<>();
                        for (long i = 0; i < keys; i++) {
                            ids.add(Long.toString(i));
                        }
                        bloom.addAll(ids);
                        b.bloomFilter(bloom);
                    }
                }
                case "breakdown" -> {
                    b.ttl(Duration.ofMillis(Math.min(ttlMs, 500))).ttlJitter(0);
                    if (on) {
                        b.singleFlight(Duration.ofSeconds(5), Duration.ofSeconds(5));
                    }
                }
                case "avalanche" -> b.ttlJitter(on ? 0.5 : 0);
                default -> {
                }
            }
            try (RedisCache<Long, String> cache = b.build()) {
                if (scenario.equals("avalanche")) {
                    List<Long> all = new ArrayList<>();
                    for (long i = 0; i < keys; i++) {
                        all.add(i);
                    }
                    cache.getAll(all, ids -> {
                        java.util.Map<Long, String> m = new java.util.HashMap<>();
                        for (Long id : ids) {
                            m.put(id, "row-" + id);
                        }
                        return m;
                    });
                }
                return drive(cache, db);
            } finally {
                if (bloom != null) {
                    bloom.delete();
                }
            }
        } finally {
            client.shutdown();
        }
    }

    private Result drive(RedisCache<Long, String> cache, SimulatedDatabase db) throws InterruptedException {
        ConcurrentHistogram latency = new ConcurrentHistogram(3_600_000_000L, 3);
        LongAdder ops = new LongAdder();
        long start = System.nanoTime();
        long end = start + seconds * 1_000_000_000L;
        ZipfGenerator zipf = new ZipfGenerator(keys, zipfS);
        CountDownLatch done = new CountDownLatch(threads);
        for (int t = 0; t < threads; t++) {
            Thread th = new Thread(() -> {
                ThreadLocalRandom rnd = ThreadLocalRandom.current();
                try {
                    while (System.nanoTime() < end) {
                        long id = nextId(rnd, zipf);
                        long t0 = System.nanoTime();
                        if (writeRatio > 0 && rnd.nextDouble() < writeRatio) {
                            cache.update(id, () -> { });
                        } else {
                            cache.get(id, k -> db.find(k));
                        }
                        latency.recordValue((System.nanoTime() - t0) / 1000);
                        ops.increment();
                    }
                } catch (RuntimeException e) {
                    out.println("worker stopped: " + e);
                } finally {
                    done.countDown();
                }
            }, "load-" + t);
            th.setDaemon(true);
            th.start();
        }
        long lastQ = 0;
        while (!done.await(1, java.util.concurrent.TimeUnit.SECONDS)) {
            if (!quiet) {
                long q = db.queries();
                CacheStats st = cache.stats();
                out.printf("\r[%4.0fs] ops=%d hit_rate=%.4f db_qps=%d   ", (System.nanoTime() - start) / 1e9, ops.sum(),
                        st.hitRate(), q - lastQ);
                lastQ = q;
            }
        }
        double secs = (System.nanoTime() - start) / 1e9;
        CacheStats st = cache.stats();
        Histogram h = latency;
        return new Result(scenario, defence.equalsIgnoreCase("on"), ops.sum(), st.hitRate(), db.queries(),
                db.queries() / secs, db.peakConcurrency(), h.getValueAtPercentile(50), h.getValueAtPercentile(99),
                h.getMaxValue(), secs);
    }

    private long nextId(ThreadLocalRandom rnd, ZipfGenerator zipf) {
        return switch (scenario) {
            case "penetration" -> rnd.nextDouble() < 0.9 ? keys + rnd.nextLong(1_000_000_000L) : rnd.nextLong(keys);
            case "breakdown" -> 0L;
            default -> distribution.equals("uniform") ? rnd.nextLong(keys) : zipf.next(rnd);
        };
    }

    /** Strings as UTF-8. */
    static final class Utf8Codec implements CacheCodec<String> {
        @Override
        public byte[] encode(String value) {
            return value.getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public String decode(byte[] bytes) {
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }

    /** Zipf-distributed ranks 0..n-1 by inverse CDF over a precomputed table (n up to a few million). */
    static final class ZipfGenerator {
        private final double[] cdf;

        ZipfGenerator(long n, double s) {
            int size = (int) Math.min(n, 5_000_000);
            cdf = new double[size];
            double sum = 0;
            for (int i = 0; i < size; i++) {
                sum += 1.0 / Math.pow(i + 1, s);
                cdf[i] = sum;
            }
            for (int i = 0; i < size; i++) {
                cdf[i] /= sum;
            }
        }

        long next(ThreadLocalRandom rnd) {
            double u = rnd.nextDouble();
            int i = java.util.Arrays.binarySearch(cdf, u);
            return i >= 0 ? i : Math.min(cdf.length - 1, -i - 1);
        }
    }
}
