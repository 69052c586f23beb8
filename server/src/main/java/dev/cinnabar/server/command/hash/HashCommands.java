package dev.cinnabar.server.command.hash;

import dev.cinnabar.server.command.TypedLookup;
import dev.cinnabar.server.command.CommandFamily;
import dev.cinnabar.server.command.CommandTable;
import dev.cinnabar.server.command.ScanArgs;
import dev.cinnabar.server.memory.LongReply;
import dev.cinnabar.server.propagate.Propagator;
import dev.cinnabar.server.protocol.Errors;
import dev.cinnabar.server.protocol.Reply;
import dev.cinnabar.server.session.Client;
import dev.cinnabar.server.store.Notify;
import dev.cinnabar.server.store.Numbers;
import dev.cinnabar.server.store.hash.RHash;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/** Hash commands with Redis 7.0's replies, errors, encoding conversions and keyspace events. */
public final class HashCommands implements CommandFamily {
    /** Bound on |count| for HRANDFIELD's negative counts: the reply is built in memory before it is sent. */

    @Override
    public void register(CommandTable t) {
        t.bind("hset", c -> hset(c, false));
        t.bind("hmset", c -> hset(c, true));
        t.bind("hsetnx", this::hsetnx);
        t.bind("hget", this::hget);
        t.bind("hmget", this::hmget);
        t.bind("hdel", this::hdel);
        t.bind("hlen", this::hlen);
        t.bind("hstrlen", this::hstrlen);
        t.bind("hexists", this::hexists);
        t.bind("hkeys", c -> getall(c, true, false));
        t.bind("hvals", c -> getall(c, false, true));
        t.bind("hgetall", c -> getall(c, true, true));
        t.bind("hincrby", this::hincrby);
        t.bind("hincrbyfloat", this::hincrbyfloat);
        t.bind("hrandfield", this::hrandfield);
        t.bind("hscan", this::hscan);
    }

    private static final TypedLookup<RHash> HASHES = new TypedLookup<>(RHash.class, new RHash());
    /** Marker for "the key holds another type" (WRONGTYPE was replied). */
    private static final RHash WRONG = HASHES.wrong();

    private static RHash read(Client c, byte[] key) {
        return HASHES.read(c, key);
    }

    /** The hash at key for a write, created when missing (hashTypeLookupWriteOrCreate); WRONG after WRONGTYPE. */
    private static RHash writeOrCreate(Client c, byte[] key) {
        RHash h = HASHES.write(c, key);
        if (h == null) {
            h = new RHash();
            c.db().add(key, h);
        }
        return h;
    }

    private static long maxEntries(Client c) {
        return c.server().config().hashMaxListpackEntries;
    }

    private static long maxValue(Client c) {
        return c.server().config().hashMaxListpackValue;
    }

    /** hashTypeTryConversion over argv[from..argc): any argument longer than the value limit converts. */
    private static void tryConversion(Client c, RHash h, int from) {
        long max = maxValue(c);
        for (int i = from; i < c.argc() && h.isListpack(); i++) {
            h.convertIfTooLong(c.arg(i).length, max);
        }
    }

    private static final byte[] HSET = Propagator.bytes("HSET");

    private static void modified(Client c, byte[] key, String event, long dirty) {
        c.db().signalModified(key);
        c.db().notify(Notify.HASH, event, key);
        c.dirty(dirty);
    }

    void hset(Client c, boolean hmset) {
        if (c.argc() % 2 == 1) {
            c.error(Errors.wrongArgs(hmset ? "hmset" : "hset"));
            return;
        }
        byte[] key = c.arg(1);
        RHash h = writeOrCreate(c, key);
        if (h == WRONG) {
            return;
        }
        tryConversion(c, h, 2);
        long created = 0;
        long entries = maxEntries(c);
        long value = maxValue(c);
        for (int i = 2; i < c.argc(); i += 2) {
            if (h.set(c.arg(i), c.arg(i + 1), entries, value)) {
                created++;
            }
        }
        if (hmset) {
            c.reply().ok();
        } else {
            c.reply().integer(created);
        }
        modified(c, key, "hset", (c.argc() - 2) / 2);
    }

    void hsetnx(Client c) {
        byte[] key = c.arg(1);
        RHash h = writeOrCreate(c, key);
        if (h == WRONG) {
            return;
        }
        if (h.contains(c.arg(2))) {
            c.reply().integer(0);
            return;
        }
        tryConversion(c, h, 2);
        h.set(c.arg(2), c.arg(3), maxEntries(c), maxValue(c));
        c.reply().integer(1);
        modified(c, key, "hset", 1);
    }

    void hget(Client c) {
        RHash h = read(c, c.arg(1));
        if (h == WRONG) {
            return;
        }
        byte[] v = h == null ? null : h.get(c.arg(2));
        if (v == null) {
            c.reply().nullBulk();
        } else {
            c.reply().bulk(v);
        }
    }

    void hmget(Client c) {
        RHash h = read(c, c.arg(1));
        if (h == WRONG) {
            return;
        }
        c.reply().array(c.argc() - 2);
        for (int i = 2; i < c.argc(); i++) {
            byte[] v = h == null ? null : h.get(c.arg(i));
            if (v == null) {
                c.reply().nullBulk();
            } else {
                c.reply().bulk(v);
            }
        }
    }

    void hdel(Client c) {
        byte[] key = c.arg(1);
        RHash h = HASHES.write(c, key);
        if (h == WRONG) {
            return;
        }
        if (h == null) {
            c.reply().integer(0);
            return;
        }
        long deleted = 0;
        boolean keyRemoved = false;
        for (int i = 2; i < c.argc(); i++) {
            if (h.delete(c.arg(i))) {
                deleted++;
                if (h.isEmpty()) {
                    c.db().removeSilently(key);
                    keyRemoved = true;
                    break;
                }
            }
        }
        if (deleted > 0) {
            c.db().signalModified(key);
            c.db().notify(Notify.HASH, "hdel", key);
            if (keyRemoved) {
                c.db().notify(Notify.GENERIC, "del", key);
            }
            c.dirty(deleted);
        }
        c.reply().integer(deleted);
    }

    void hlen(Client c) {
        RHash h = read(c, c.arg(1));
        if (h != WRONG) {
            c.reply().integer(h == null ? 0 : h.size());
        }
    }

    void hstrlen(Client c) {
        RHash h = read(c, c.arg(1));
        if (h != WRONG) {
            c.reply().integer(h == null ? 0 : h.valueLength(c.arg(2)));
        }
    }

    void hexists(Client c) {
        RHash h = read(c, c.arg(1));
        if (h != WRONG) {
            c.reply().integer(h != null && h.contains(c.arg(2)) ? 1 : 0);
        }
    }

    void getall(Client c, boolean fields, boolean values) {
        RHash h = read(c, c.arg(1));
        if (h == WRONG) {
            return;
        }
        Reply r = c.reply();
        boolean both = fields && values;
        int n = h == null ? 0 : h.size();
        if (both) {
            r.map(n);
        } else {
            r.array(n);
        }
        if (h != null) {
            h.forEach((f, v) -> {
                if (fields) {
                    r.bulk(f);
                }
                if (values) {
                    r.bulk(v);
                }
            });
        }
    }

    void hincrby(Client c) {
        Long incr = Numbers.parseLong(c.arg(3));
        if (incr == null) {
            c.error(Errors.NOT_INTEGER);
            return;
        }
        byte[] key = c.arg(1);
        RHash h = writeOrCreate(c, key);
        if (h == WRONG) {
            return;
        }
        byte[] field = c.arg(2);
        byte[] cur = h.get(field);
        long value = 0;
        if (cur != null) {
            Long v = Numbers.parseLong(cur);
            if (v == null) {
                c.error(Errors.HASH_NOT_INTEGER);
                return;
            }
            value = v;
        }
        if ((incr < 0 && value < 0 && incr < Long.MIN_VALUE - value)
                || (incr > 0 && value > 0 && incr > Long.MAX_VALUE - value)) {
            c.error(Errors.OVERFLOW);
            return;
        }
        value += incr;
        h.set(field, Long.toString(value).getBytes(StandardCharsets.US_ASCII), maxEntries(c), maxValue(c));
        c.reply().integer(value);
        modified(c, key, "hincrby", 1);
    }

    void hincrbyfloat(Client c) {
        Numbers.LongDouble incr = Numbers.parseLongDouble(c.arg(3));
        if (incr == null) {
            c.error(Errors.NOT_FLOAT);
            return;
        }
        if (incr.isInfinite()) {
            c.error(Errors.NAN_OR_INFINITY);
            return;
        }
        byte[] key = c.arg(1);
        RHash h = writeOrCreate(c, key);
        if (h == WRONG) {
            return;
        }
        byte[] field = c.arg(2);
        byte[] cur = h.get(field);
        BigDecimal value = BigDecimal.ZERO;
        if (cur != null) {
            Numbers.LongDouble v = Numbers.parseLongDouble(cur);
            if (v == null || v.isInfinite()) {
                c.error(v == null ? Errors.HASH_NOT_FLOAT : Errors.INCR_NAN_INF);
                return;
            }
            value = v.value();
        }
        BigDecimal sum = Numbers.roundLongDouble(value.add(incr.value()));
        if (sum == null) {
            c.error(Errors.INCR_NAN_INF);
            return;
        }
        byte[] result = Numbers.formatLongDouble(sum).getBytes(StandardCharsets.US_ASCII);
        h.set(field, result, maxEntries(c), maxValue(c));
        c.reply().bulk(result);
        modified(c, key, "hincrbyfloat", 1);
        c.rewriteArgv(HSET, key, field, result); // the result is replicated, not the arithmetic
    }

    // ---- HRANDFIELD

    void hrandfield(Client c) {
        if (c.argc() >= 3) {
            Long count = Numbers.parseLong(c.arg(2));
            if (count == null) {
                c.error(Errors.NOT_INTEGER);
                return;
            }
            if (count == Long.MIN_VALUE) {
                c.error(Errors.SRANDMEMBER_RANGE);
                return;
            }
            boolean withValues = false;
            if (c.argc() > 4 || (c.argc() == 4
                    && !new String(c.arg(3), StandardCharsets.ISO_8859_1).equalsIgnoreCase("withvalues"))) {
                c.error(Errors.SYNTAX);
                return;
            } else if (c.argc() == 4) {
                withValues = true;
                if (count < -Long.MAX_VALUE / 2 || count > Long.MAX_VALUE / 2) {
                    c.error(Errors.RANGE);
                    return;
                }
            }
            hrandfieldWithCount(c, count, withValues);
            return;
        }
        RHash h = read(c, c.arg(1));
        if (h == WRONG) {
            return;
        }
        if (h == null) {
            c.reply().nullBulk();
            return;
        }
        c.reply().bulk(h.random(ThreadLocalRandom.current())[0]);
    }

    private void hrandfieldWithCount(Client c, long count, boolean withValues) {
        RHash h = read(c, c.arg(1));
        if (h == WRONG) {
            return;
        }
        Reply r = c.reply();
        if (h == null || count == 0) {
            r.emptyArray();
            return;
        }
        boolean pairs = withValues && c.protocol() == 3;
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        int size = h.size();
        if (count < 0 || count == 1) {
            long n = Math.abs(count);
            long len = withValues && !pairs ? 2 * n : n;
            if (LongReply.refuse(c, len)) {
                c.error(Errors.RANGE);
                return;
            }
            r.array((int) len);
            for (long i = 0; i < n && !LongReply.stop(c, i); i++) {
                byte[][] p = h.random(rnd);
                emit(r, p[0], p[1], withValues, pairs);
            }
            return;
        }
        if (count >= size) {
            r.array(withValues && !pairs ? 2 * size : size);
            h.forEach((f, v) -> emit(r, f, v, withValues, pairs));
            return;
        }
        // distinct fields: a partial Fisher-Yates shuffle of the pairs (count < size)
        int n = (int) count;
        byte[][][] all = h.pairs();
        r.array(withValues && !pairs ? 2 * n : n);
        for (int i = 0; i < n; i++) {
            int j = i + rnd.nextInt(size - i);
            byte[][] t = all[i];
            all[i] = all[j];
            all[j] = t;
            emit(r, all[i][0], all[i][1], withValues, pairs);
        }
    }

    private static void emit(Reply r, byte[] f, byte[] v, boolean withValues, boolean pairs) {
        if (pairs) {
            r.array(2);
        }
        r.bulk(f);
        if (withValues) {
            r.bulk(v);
        }
    }

    // ---- HSCAN

    void hscan(Client c) {
        ScanArgs.Start<RHash> st = ScanArgs.start(c, k -> read(c, k), WRONG);
        if (st == null) {
            return;
        }
        RHash h = st.value();
        ScanArgs a = st.args();
        List<byte[]> out = new ArrayList<>();
        long next = st.cursor();
        if (h.isListpack()) {
            // a listpack is returned whole in one call, with cursor 0 (as Redis)
            h.forEach((f, v) -> {
                out.add(f);
                out.add(v);
            });
            next = 0;
        } else {
            long limit = a.limit(2);
            long iterations = a.maxIterations(2);
            do {
                next = h.scan(next, (f, v) -> {
                    out.add(f);
                    out.add(v);
                });
            } while (next != 0 && iterations-- != 0 && out.size() < limit);
        }
        a.reply(c, next, out, 2, null);
    }
}
