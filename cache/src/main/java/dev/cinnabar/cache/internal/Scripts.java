package dev.cinnabar.cache.internal;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import java.time.Duration;

/**
 * Atomic compare-and-act operations the patterns need. Lua (EVAL) is used when the server has it;
 * otherwise the same semantics through WATCH/MULTI/EXEC, so the toolkit works on any
 * Redis-protocol server with transactions.
 */
public final class Scripts {
    private static final String CAD = "if redis.call('get', KEYS[1]) == ARGV[1] then "
            + "return redis.call('del', KEYS[1]) else return 0 end";
    private static final String CAX = "if redis.call('get', KEYS[1]) == ARGV[1] then "
            + "return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";

    private final RedisClientSupplier clients;
    private volatile boolean noLua;

    /** Supplies a dedicated connection for WATCH-based fallbacks (WATCH is per connection). */
    public interface RedisClientSupplier {
        StatefulRedisConnection<String, String> connect();
    }

    public Scripts(RedisClientSupplier clients) {
        this.clients = clients;
    }

    /** Deletes key only if it holds token. Returns true if deleted. */
    public boolean compareAndDelete(RedisCommands<String, String> c, String key, String token) {
        if (!noLua) {
            try {
                Long r = c.eval(CAD, ScriptOutputType.INTEGER, new String[] {key}, token);
                return r != null && r == 1;
            } catch (RedisCommandExecutionException e) {
                if (!unknownCommand(e)) {
                    throw e;
                }
                noLua = true;
            }
        }
        return watched(key, token, w -> w.del(key));
    }

    /** Sets the key's TTL only if it holds token (lease renewal). */
    public boolean compareAndExpire(RedisCommands<String, String> c, String key, String token, Duration ttl) {
        if (!noLua) {
            try {
                Long r = c.eval(CAX, ScriptOutputType.INTEGER, new String[] {key}, token,
                        Long.toString(ttl.toMillis()));
                return r != null && r == 1;
            } catch (RedisCommandExecutionException e) {
                if (!unknownCommand(e)) {
                    throw e;
                }
                noLua = true;
            }
        }
        return watched(key, token, w -> w.pexpire(key, ttl.toMillis()));
    }

    /** The WATCH/MULTI/EXEC form: run action atomically only while key still holds token. */
    private boolean watched(String key, String token, java.util.function.Consumer<RedisCommands<String, String>> action) {
        try (StatefulRedisConnection<String, String> conn = clients.connect()) {
            RedisCommands<String, String> w = conn.sync();
            for (int attempt = 0; attempt < 16; attempt++) {
                w.watch(key);
                if (!token.equals(w.get(key))) {
                    w.unwatch();
                    return false;
                }
                w.multi();
                action.accept(w);
                if (!w.exec().wasDiscarded()) {
                    return true;
                }
            }
            return false;
        }
    }

    /** SET key token NX PX lease: true when acquired. */
    public static boolean tryAcquire(RedisCommands<String, String> c, String key, String token, Duration lease) {
        return "OK".equals(c.set(key, token, SetArgs.Builder.nx().px(lease.toMillis())));
    }

    static boolean unknownCommand(RedisCommandExecutionException e) {
        String m = e.getMessage();
        return m != null && (m.startsWith("ERR unknown command") || m.contains("unknown command"));
    }

    static RedisCodec<String, String> strings() {
        return StringCodec.UTF8;
    }
}
