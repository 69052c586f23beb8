package dev.cinnabar.cache;

import io.lettuce.core.RedisClient;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.TransactionResult;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.StringCodec;
import java.util.function.UnaryOperator;

/**
 * The design notes' atomic patterns for races a single-threaded server still allows
 * (read-modify-write, check-then-act):
 *
 * <ul>
 *   <li>{@link #deductStock}: a Lua script checks and decrements in one step, so concurrent buyers
 *       can never oversell.
 *   <li>{@link #compareAndSet}: optimistic WATCH/MULTI/EXEC with retries for arbitrary
 *       transformations of one key.
 * </ul>
 */
public final class Atomics implements AutoCloseable {
    private static final String DEDUCT =
            "local s = tonumber(redis.call('get', KEYS[1])) "
            + "if s == nil then return -2 end "
            + "if s < tonumber(ARGV[1]) then return -1 end "
            + "return redis.call('decrby', KEYS[1], ARGV[1])";

    private final RedisClient client;
    private final StatefulRedisConnection<String, String> conn;

    public Atomics(RedisClient client) {
        this.client = client;
        this.conn = client.connect(StringCodec.UTF8);
    }

    /** Result of a stock deduction. */
    public enum Deduction { OK, INSUFFICIENT, NO_SUCH_ITEM }

    /** Atomically takes {@code quantity} from the stock counter at key if enough remains. */
    public Deduction deductStock(String key, long quantity) {
        if (quantity <= 0) {
            throw new IllegalArgumentException("quantity must be positive");
        }
        Long r = conn.sync().eval(DEDUCT, ScriptOutputType.INTEGER, new String[] {key}, Long.toString(quantity));
        if (r == null || r == -2) {
            return Deduction.NO_SUCH_ITEM;
        }
        return r == -1 ? Deduction.INSUFFICIENT : Deduction.OK;
    }

    /**
     * Applies {@code update} to the key's current value (null when absent) with WATCH/MULTI/EXEC,
     * retrying when another client changed the key in between. The function returning null deletes
     * the key; returning the same value aborts without writing. Returns the value written, or
     * throws after {@code maxAttempts} conflicts. Uses its own connection (WATCH is per connection).
     */
    public String compareAndSet(String key, UnaryOperator<String> update, int maxAttempts) {
        try (StatefulRedisConnection<String, String> c = client.connect(StringCodec.UTF8)) {
            RedisCommands<String, String> r = c.sync();
            for (int i = 0; i < maxAttempts; i++) {
                r.watch(key);
                String cur = r.get(key);
                String next = update.apply(cur);
                if (next != null && next.equals(cur)) {
                    r.unwatch();
                    return cur;
                }
                r.multi();
                if (next == null) {
                    r.del(key);
                } else {
                    r.set(key, next);
                }
                TransactionResult tr = r.exec();
                if (!tr.wasDiscarded()) {
                    return next;
                }
            }
        }
        throw new IllegalStateException("compareAndSet on " + key + " gave up after " + maxAttempts + " conflicts");
    }

    @Override
    public void close() {
        conn.close();
    }
}
