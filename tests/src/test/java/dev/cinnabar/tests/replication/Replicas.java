package dev.cinnabar.tests.replication;

import dev.cinnabar.testkit.RespClient;
import java.util.Random;

/** Helpers of the replication tests: a random write load, INFO fields, waiting for a replica to catch up. */
final class Replicas {
    private Replicas() {
    }

    /** INFO section's field, or null when absent. */
    static String info(RespClient c, String section, String field) {
        for (String line : c.call("INFO", section).asText().split("\r\n")) {
            if (line.startsWith(field + ":")) {
                return line.substring(field.length() + 1);
            }
        }
        return null;
    }

    /**
     * Waits until the replica's link is up and its processed offset equals the master's offset
     * (10 s at most).
     */
    static void awaitInSync(RespClient master, RespClient replica) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 10_000;
        String m = null;
        String r = null;
        while (System.currentTimeMillis() < deadline) {
            m = info(master, "replication", "master_repl_offset");
            r = info(replica, "replication", "slave_repl_offset");
            if ("up".equals(info(replica, "replication", "master_link_status")) && m != null && m.equals(r)) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("replica not in sync: master offset " + m + ", replica offset " + r + ", link "
                + info(replica, "replication", "master_link_status"));
    }

    /**
     * Lets the keys with a short TTL expire, makes the master delete them, then waits for the
     * replica: after this both sides hold the same keys, so their DEBUG DIGESTs compare. A full
     * SCAN deletes every expired key it meets and propagates the DELs (KEYS only leaves them out
     * of its reply, in Redis 7.0 as here); without it the master's active expiry cycle would
     * delete them at some later moment, possibly between the two sides' checks.
     */
    static void settle(RespClient master, RespClient replica) throws InterruptedException {
        Thread.sleep(600);
        for (String db : new String[] {"3", "0"}) {
            master.call("SELECT", db);
            String cursor = "0";
            do {
                cursor = ((dev.cinnabar.testkit.Resp.Agg) master.call("SCAN", cursor, "COUNT", "1000")).items().get(0).asText();
            } while (!cursor.equals("0"));
        }
        awaitInSync(master, replica);
    }

    /** n random writes. */
    static void randomWrites(RespClient c, Random rnd, int n) {
        for (int i = 0; i < n; i++) {
            randomWrite(c, rnd);
        }
    }

    /** One random write of some family (keys in a small space, so writes collide). */
    static void randomWrite(RespClient c, Random rnd) {
        String k = "k" + rnd.nextInt(40);
        String v = Integer.toString(rnd.nextInt(1000));
        switch (rnd.nextInt(16)) {
            case 0 -> c.call("SET", "s:" + k, v);
            case 1 -> c.call("INCRBY", "n:" + k, v);
            case 2 -> c.call("SET", "e:" + k, v, "PX", Integer.toString(50 + rnd.nextInt(500)));
            case 3 -> c.call("RPUSH", "l:" + k, v, v + "x");
            case 4 -> c.call("LPOP", "l:" + k);
            case 5 -> c.call("HSET", "h:" + k, "f" + rnd.nextInt(10), v);
            case 6 -> c.call("SADD", "set:" + k, v);
            case 7 -> c.call("SPOP", "set:" + k);
            case 8 -> c.call("ZADD", "z:" + k, Integer.toString(rnd.nextInt(100)), v);
            case 9 -> c.call("XADD", "x:" + k, "*", "f", v);
            case 10 -> c.call("EXPIRE", "s:" + k, "100");
            case 11 -> c.call("DEL", "s:" + k, "h:" + k);
            case 12 -> c.call("EVAL", "redis.call('incr', KEYS[1]); return redis.call('set', KEYS[2], ARGV[1])", "2",
                    "n:" + k, "s:" + k, v);
            case 13 -> {
                c.call("MULTI");
                c.call("SELECT", "3");
                c.call("SET", "db3:" + k, v);
                c.call("SELECT", "0");
                c.call("EXEC");
            }
            case 14 -> c.call("INCRBYFLOAT", "f:" + k, "1.5");
            default -> c.call("ZINCRBY", "z:" + k, "2", v);
        }
    }
}
