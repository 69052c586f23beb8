package dev.cinnabar.server.scripting;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.server.ServerContext;
import dev.cinnabar.server.config.ServerConfig;
import dev.cinnabar.server.session.RecordingConnection;
import dev.cinnabar.server.store.ManualClock;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.luaj.vm2.Varargs;
import org.luaj.vm2.lib.VarArgFunction;

/**
 * Whatever a script's Java side throws (an error of the JVM such as OutOfMemoryError or
 * StackOverflowError, or a RuntimeException from a library), the caller gets one error reply in
 * Redis's words or ours, never Java's, and the engine runs the next script. The failures are
 * injected through a global that only this test defines.
 */
class ScriptBoundaryTest {
    private final ServerContext ctx = dev.cinnabar.server.CinnabarServer.context(new ServerConfig(), new ManualClock(1_000_000));
    private final RecordingConnection c = new RecordingConnection(ctx, 1, 2, " ");

    /** Defines the global fail(), which throws what the supplier makes, in the EVAL engine. */
    private void failWith(Supplier<Throwable> t) {
        ScriptEngine.of(ctx).globals().setInternal("fail", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs args) {
                Throwable e = t.get();
                if (e instanceof Error err) {
                    throw err;
                }
                throw (RuntimeException) e;
            }
        });
    }

    private static String sha(String script) {
        byte[] b = script.getBytes(StandardCharsets.UTF_8);
        return ScriptEngine.sha1(b, 0, b.length);
    }

    private void assertEngineServes() {
        assertThat(c.call("EVAL", "return redis.call('incr', 'after')", "0")).startsWith(":");
        assertThat(c.call("EVAL", "return 'ok'", "0")).isEqualTo("$2 ok ");
    }

    @Test
    void outOfMemoryIsAnErrorReplyAndTheEngineGoesOn() {
        failWith(() -> new OutOfMemoryError("Java heap space"));
        String script = "redis.call('set', 'k', 'v') return {1, fail()}";
        assertThat(c.call("EVAL", script, "0"))
                .isEqualTo("-ERR Error running script " + sha(script) + ", not enough memory ");
        // pcall does not catch it, as Lua's pcall does not catch what the VM cannot go on with
        script = "return {pcall(fail)}";
        assertThat(c.call("EVAL", script, "0"))
                .isEqualTo("-ERR Error running script " + sha(script) + ", not enough memory ");
        assertEngineServes();
    }

    @Test
    void stackOverflowIsAnErrorReply() {
        failWith(StackOverflowError::new);
        String script = "return fail()";
        assertThat(c.call("EVAL", script, "0"))
                .isEqualTo("-ERR Error running script " + sha(script) + ", stack overflow ");
        assertEngineServes();
    }

    @Test
    void javaExceptionsFromLibrariesNeverShowTheirText() {
        failWith(() -> new IllegalStateException("secret java detail"));
        String direct = c.call("EVAL", "return fail()", "0");
        assertThat(direct).startsWith("-ERR user_script:1: ").doesNotContain("secret", "java", "Exception");
        String caught = c.call("EVAL", "local ok, e = pcall(fail) return e", "0");
        assertThat(caught).doesNotContain("secret", "java", "Exception").isNotEmpty();
        String handled = c.call("EVAL", "local ok, e = xpcall(fail, function(m) return 'H ' .. m end) return e", "0");
        assertThat(handled).startsWith("$").contains("H ").doesNotContain("secret", "java", "Exception");
        String inCoroutine = c.call("EVAL", "return {coroutine.resume(coroutine.create(fail))}", "0");
        assertThat(inCoroutine).doesNotContain("secret", "java", "Exception");
        assertEngineServes();
    }

    @Test
    void errorsOfTheJvmInsideACoroutineEndTheWholeScript() {
        failWith(() -> new OutOfMemoryError("Java heap space"));
        String script = "local ok, e = coroutine.resume(coroutine.create(function() fail() end)) return 'went on'";
        assertThat(c.call("EVAL", script, "0"))
                .isEqualTo("-ERR Error running script " + sha(script) + ", not enough memory ");
        failWith(StackOverflowError::new);
        script = "local f = coroutine.wrap(function() fail() end) f() return 'went on'";
        assertThat(c.call("EVAL", script, "0"))
                .isEqualTo("-ERR Error running script " + sha(script) + ", stack overflow ");
        assertEngineServes();
    }

    @Test
    void functionLibrariesLoadingOutOfMemoryAreErrors() {
        FunctionRegistry reg = FunctionRegistry.of(ctx);
        assertThat(c.call("FUNCTION", "LOAD", "#!lua name=big\nlocal s = ('x'):rep(2^31 - 1)"))
                .startsWith("-ERR Error registering functions: ERR user_function:2: string too long (2147483647 bytes");
        assertThat(reg.libraries()).isEmpty();
        assertThat(c.call("FUNCTION", "LOAD", "#!lua name=ok\nredis.register_function('f', function() return 1 end)"))
                .isEqualTo("$2 ok ");
        assertThat(c.call("FCALL", "f", "0")).isEqualTo(":1 ");
    }
}
