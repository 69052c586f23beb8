package dev.cinnabar.server.command.hyperloglog;

import dev.cinnabar.server.session.Client;
import dev.cinnabar.server.store.hll.HyperLogLog;
import dev.cinnabar.server.store.hll.HyperLogLog.Buf;
import java.util.Random;

/**
 * PFSELFTEST: checks the register accessors and the estimator's error, as Redis's self test does.
 * (1) random values written to every dense register read back unchanged; (2) ten million distinct
 * elements are added to a dense and a sparse HLL at once, and at each power of ten both must give
 * the same count, the sparse one must still be sparse while small, and the error must stay within
 * six standard errors. Replies OK or "ERR TESTFAILED ...". Like Redis it takes seconds and holds the
 * server meanwhile; it is a debugging command.
 */
final class PfSelfTest {
    private static final int CYCLES = 1000;
    private static final int ELEMENTS = 10_000_000;

    private PfSelfTest() {
    }

    static void run(Client c) {
        String failure = test(new Random(), c.server().config().hllSparseMaxBytes);
        if (failure == null) {
            c.reply().ok();
        } else {
            c.error("ERR TESTFAILED " + failure);
        }
    }

    /** Null when every check passes, else the failure text. */
    static String test(Random rnd, long sparseMaxBytes) {
        byte[] dense = new byte[HyperLogLog.DENSE_SIZE];
        int[] expected = new int[HyperLogLog.REGISTERS];
        for (int cycle = 0; cycle < CYCLES; cycle++) {
            for (int i = 0; i < HyperLogLog.REGISTERS; i++) {
                expected[i] = rnd.nextInt(64);
                HyperLogLog.denseWrite(dense, i, expected[i]);
            }
            for (int i = 0; i < HyperLogLog.REGISTERS; i++) {
                if (HyperLogLog.denseGet(dense, i) != expected[i]) {
                    return "Register error at " + i;
                }
            }
        }
        dense = new byte[HyperLogLog.DENSE_SIZE];
        byte[] sparse = HyperLogLog.create();
        Buf s = new Buf(sparse, sparse.length);
        double relerr = 1.04 / Math.sqrt(HyperLogLog.REGISTERS);
        long checkpoint = 1;
        long seed = rnd.nextLong();
        byte[] ele = new byte[8];
        for (long j = 1; j <= ELEMENTS; j++) {
            long e = j ^ seed;
            for (int k = 0; k < 8; k++) {
                ele[k] = (byte) (e >>> (8 * k));
            }
            HyperLogLog.denseAdd(dense, ele);
            HyperLogLog.add(s, ele, sparseMaxBytes);
            if (j != checkpoint) {
                continue;
            }
            if (j < sparseMaxBytes / 2 && HyperLogLog.encoding(s.b) != HyperLogLog.SPARSE) {
                return "sparse encoding not used";
            }
            long denseCount = HyperLogLog.count(dense, dense.length);
            if (denseCount != HyperLogLog.count(s.b, s.len)) {
                return "dense/sparse disagree";
            }
            long maxErr = j == 10 ? 1 : (long) Math.ceil(relerr * 6 * checkpoint);
            long absErr = Math.abs(checkpoint - denseCount);
            if (absErr > maxErr) {
                return "Too big error. card:" + checkpoint + " abserr:" + absErr;
            }
            checkpoint *= 10;
        }
        return null;
    }
}
