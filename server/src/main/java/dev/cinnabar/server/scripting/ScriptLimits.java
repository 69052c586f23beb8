package dev.cinnabar.server.scripting;

import dev.cinnabar.server.config.ServerConfig;
import org.luaj.vm2.LuaError;

/**
 * The bounds a script runs within, so that no script can take the server down by exhausting a
 * resource with a single request.
 *
 * <p>Strings: Redis's Lua strings are limited only by memory (string.rep('x', 2^31-1) returns
 * 2 GiB). In a JVM one allocation of that size fails or leaves every other thread without heap,
 * so a string a library builds (string.rep, table.concat, string.format, cjson.encode,
 * cmsgpack.pack, struct.pack) and a script's whole reply are limited to
 * {@code min(proto-max-bulk-len, max heap / 4)} bytes, checked before the memory is taken.
 * proto-max-bulk-len (512 MiB by default) is already the largest string value Redis stores.
 * Concatenation with {@code ..} is not checked (it runs inside LuaJ's VM); if it runs out of
 * memory the script ends with "not enough memory", as Lua does.
 *
 * <p>Stack: Redis's Lua has a C stack of {@value #LUA_STACK} slots (LUAI_MAXCSTACK); it bounds
 * unpack's results and how deep a returned table may nest (see {@link ReplyPlan}).
 *
 * <p>Coroutines: LuaJ runs each coroutine on a Java thread of its own, so at most
 * {@value #MAX_COROUTINES} may be alive (started and not finished) in a script at a time, and
 * all of a script's coroutine threads end with it (see {@link Coroutines}).
 */
final class ScriptLimits {
    /** Slots of Lua 5.1's C stack as Redis builds it (LUAI_MAXCSTACK). */
    static final int LUA_STACK = 8000;
    /** Coroutines a script may have alive at a time. */
    static final int MAX_COROUTINES = 100;
    /** The largest Java byte array, with the margin some JVMs need. */
    private static final long MAX_ARRAY = Integer.MAX_VALUE - 16;
    private static final long HEAP_SHARE = Math.min(MAX_ARRAY, Runtime.getRuntime().maxMemory() / 4);

    private final ServerConfig config;

    ScriptLimits(ServerConfig config) {
        this.config = config;
    }

    /** The largest string or reply a script may build, in bytes. */
    long maxBytes() {
        return Math.max(0, Math.min(config.protoMaxBulkLen, HEAP_SHARE));
    }

    /** Throws the script error for a string of n bytes when n is over the limit. */
    void checkString(long n) {
        long max = maxBytes();
        if (n > max) {
            throw new LuaError("string too long (" + n + " bytes; scripts are limited to " + max + " bytes)");
        }
    }
}
